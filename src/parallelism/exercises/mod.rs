//! Exercises for the reader, one file each, with reference solutions.
//!
//! Each exercise file is the matching file in [`solutions`] with the code
//! between its `solve_*` anchors replaced by a starter body, usually a
//! `todo!`. Both compile. `tests/exercises_parallelism.rs` runs the same tests
//! against both: the solutions in every `cargo test`, the exercises when you
//! ask for them (`cargo test --test exercises_parallelism -- --ignored starter`).
//!
//! A starter leaves its arguments and imports unused until you fill it in,
//! so those warnings are switched off for the exercise modules only.

#[allow(unused_imports, unused_variables, dead_code)]
pub mod bounded_pool;
#[allow(unused_imports, unused_variables, dead_code)]
pub mod fan_out;
pub mod solutions;
