//! Pillar 1, concurrency and parallelism: sections 3.1 and 4.1.
//!
//! | module | what it holds | page |
//! |---|---|---|
//! | [`formula`] | the source's P, Amdahl, Gustafson, the USL, Little's law, work and span | 3.1 |
//! | `chart` | the speedup chart drawn from those formulas | 3.1 |
//! | [`tracker`] | the clock and busy-task gauge every 4.1 version reports through | 4.1 |
//! | [`port`] | the source's ten goroutines, ported with their lock held across the sleep | 4.1 |
//! | `fixed` | the three fixes: scoped threads, tokio, a crossbeam pool | 4.1 |
//! | `cpu_bound` | CPU-bound work on threads and rayon | 4.1, CPU-bound |
//! | [`exercises`] | a bounded pool and a fan-out, with solutions | 4.1, exercises |
//!
//! The modules loom checks ([`tracker`], [`port`], [`exercises`]) take their
//! primitives from [`crate::sync`] and need none of the crate's optional
//! dependencies; the others are compiled with the `full` feature.

#[cfg(feature = "full")]
pub mod chart;
#[cfg(feature = "full")]
pub mod cpu_bound;
pub mod exercises;
#[cfg(feature = "full")]
pub mod fixed;
pub mod formula;
pub mod port;
pub mod tracker;
