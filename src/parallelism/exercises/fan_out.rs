//! Exercise: fan out, fan in, and cancel on the first error (chapter 4.1).
//!
//! Replace the `todo!` until
//! `cargo test --test exercises_parallelism -- --ignored starter` passes. Keep your
//! code between the `solve_*` anchors: outside them this file must stay the
//! same as the reference solution, `solutions/fan_out.rs`.

// ANCHOR: exercise
use crate::sync::atomic::{AtomicBool, Ordering};
use crate::sync::{Arc, Mutex, lock, thread};
use std::collections::VecDeque;

/// Tells running tasks that the group has given up: the Rust stand-in for
/// the `ctx` that `errgroup.WithContext` cancels. Clones share one flag.
#[derive(Clone)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

impl CancelToken {
    /// A token that is not cancelled yet.
    pub fn new() -> Self {
        CancelToken {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether some task has failed. Long tasks should check this now and
    /// then and give up early when it turns true, as Go code checks
    /// `ctx.Err()` or selects on `ctx.Done()`.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Cancels every clone of this token.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Release);
    }
}

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

/// Runs `task` on every input, at most `workers` at a time, and returns the
/// outputs in input order, or the first error.
///
/// The first error cancels the rest, like `errgroup.WithContext`: running
/// tasks see `token.is_cancelled()` turn true, and a worker that has seen it
/// takes no new input. After the first error, each other worker starts at
/// most one more input, one it took before it saw the flag. Every thread has
/// been joined when this returns, whatever it returns.
///
/// # Panics
/// If `workers` is 0; and, after all threads are joined, with the panic of
/// any task that panicked.
pub fn fan_out_fan_in<T, R, E, F>(
    inputs: Vec<T>,
    workers: usize,
    task: F,
) -> Result<Vec<R>, E>
where
    T: Send + 'static,
    R: Send + 'static,
    E: Send + 'static,
    F: Fn(T, &CancelToken) -> Result<R, E> + Send + Sync + 'static,
{
    // ANCHOR: solve_fan_out
    todo!("start the workers, stop at the first error, gather outputs in order")
    // ANCHOR_END: solve_fan_out
}

// ANCHOR: solve_helpers
// Add any helper types or functions you need here.
// ANCHOR_END: solve_helpers
// ANCHOR_END: exercise
