//! Reference solutions to the exercises in [`super`]. The tests in
//! `tests/exercises_consistency.rs` check them in every `cargo test`.

pub mod vector_clock;
