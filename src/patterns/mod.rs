//! Concurrent patterns, written against the [`crate::sync`] shim so that each
//! can be model-checked with loom.

pub mod backoff;
pub mod counter;
pub mod cpu_work;
pub mod goroutines;
pub mod once;
pub mod task_runner;
pub mod worker_pool;
