//! Reference solutions to the exercises in [`crate::exercises`]. The tests
//! in `tests/exercises_ch04.rs` check them in every `cargo test`.

pub mod bounded_pool;
pub mod fan_out;
