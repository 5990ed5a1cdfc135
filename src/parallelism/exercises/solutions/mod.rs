//! Reference solutions to the exercises in [`super`]. The tests
//! in `tests/exercises_parallelism.rs` check them in every `cargo test`.

pub mod bounded_pool;
pub mod fan_out;
