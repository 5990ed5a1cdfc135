//! The library behind *From Go to Rust: concurrency and distributed-systems
//! patterns*.
//!
//! Modules mirror the book: [`models`] holds the formulas of the source
//! article's section 3 (as written, and the models engineers use instead);
//! [`patterns`] holds the concurrent code the chapters teach. Everything
//! concurrent takes its primitives from [`sync`], so loom can check it.

pub mod cli;
pub mod exercises;
pub mod models;
pub mod patterns;
pub mod plots;
pub mod sync;
