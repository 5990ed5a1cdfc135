//! The Go-to-Rust quick reference: the concurrent patterns its rows show
//! that loom checks. The rows' other listings are whole programs in
//! `src/bin/ch09-*.rs`.
//!
//! | module | row |
//! |---|---|
//! | [`counter`] | a counter behind a lock, and the lost update without one |
//! | [`once`] | `sync.Once` against a hand-rolled check-then-set |
//! | [`worker_pool`] | a fixed pool of workers ranging over one job channel |

pub mod counter;
pub mod once;
pub mod worker_pool;
