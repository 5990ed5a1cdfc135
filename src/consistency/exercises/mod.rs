//! Exercises for the reader, with reference solutions (chapter 4.4).
//!
//! Each exercise file is the matching file in [`solutions`] with the code
//! between its `solve_*` anchors replaced by a starter body, a `todo!`.
//! Both compile, with or without the crate's `full` feature.
//! `tests/exercises_consistency.rs` runs the same tests against both: the
//! solutions in every `cargo test`, the exercises when you ask for them
//! (`cargo test --test exercises_consistency -- --ignored starter`).
//!
//! A starter leaves its arguments and imports unused until you fill it in,
//! so those warnings are switched off for the exercise modules only.

pub mod solutions;
#[allow(unused_imports, unused_variables, dead_code)]
pub mod vector_clock;
