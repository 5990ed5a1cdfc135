//! Reference solutions to the exercises in [`super`]. The tests in
//! `tests/exercises_fault_tolerance.rs` check them in every `cargo test`.

pub mod sliding_window;
