//! Section 6, tools and measurement: Go and Rust measured side by side.
//!
//! - [`versus`]: the rows the benchmark `benches/go_vs_rust/` compares (a
//!   Go benchmark and a Rust one doing the same work), the parsers of both
//!   sides' outputs, the ratios across rounds and the saved run.
//! - [`hello`]: the HTTP row's Rust server (axum) and the one load
//!   generator that drives it and Go's `net/http` server alike.

pub mod hello;
pub mod versus;
