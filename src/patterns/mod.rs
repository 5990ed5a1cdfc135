//! Concurrent patterns, written against the [`crate::sync`] shim so that each
//! can be model-checked with loom.

pub mod counter;
