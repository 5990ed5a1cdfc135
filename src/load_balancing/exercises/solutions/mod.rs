//! Reference solutions to the exercises in [`super`]. The tests in
//! `tests/exercises_load_balancing.rs` check them in every `cargo test`.

pub mod bounded_loads;
