//! Reference solution to the fan-out/fan-in exercise (chapter 4.1).
//!
//! The exercise file `src/parallelism/exercises/fan_out.rs` is this file with the code
//! between each `solve_*` pair of anchors replaced by a starter body;
//! `tests/exercises_parallelism.rs` checks that the two files differ nowhere else.
//! This code takes its primitives from the crate's sync shim, and
//! `loom/tests/parallelism_exercises.rs` model-checks it with loom.

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
    assert!(workers > 0, "fan-out needs at least one worker");
    let count = inputs.len();
    let queue: VecDeque<(usize, T)> = inputs.into_iter().enumerate().collect();
    let queue = Arc::new(Mutex::new(queue));
    let outputs = Arc::new(Mutex::new(Vec::from_iter((0..count).map(|_| None))));
    let first_error = Arc::new(Mutex::new(None));
    let token = CancelToken::new();
    let task = Arc::new(task);

    let handles: Vec<_> = (0..workers.min(count))
        .map(|_| {
            let queue = Arc::clone(&queue);
            let outputs = Arc::clone(&outputs);
            let first_error = Arc::clone(&first_error);
            let token = token.clone();
            let task = Arc::clone(&task);
            thread::spawn(move || {
                // Check the token before taking each input. An input taken
                // just before another worker fails still starts, so after the
                // first error each other worker starts at most one more.
                while !token.is_cancelled() {
                    let Some((i, input)) = lock(&queue).pop_front() else {
                        return; // no inputs left
                    };
                    match task(input, &token) {
                        Ok(output) => lock(&outputs)[i] = Some(output),
                        Err(e) => {
                            // The first error to take this lock is the one
                            // returned; later ones are dropped.
                            lock(&first_error).get_or_insert(e);
                            token.cancel();
                            return;
                        }
                    }
                }
            })
        })
        .collect();

    // Fan in: join every worker before looking at the results.
    let mut panicked = None;
    for h in handles {
        if let Err(payload) = h.join() {
            panicked.get_or_insert(payload);
        }
    }
    if let Some(payload) = panicked {
        std::panic::resume_unwind(payload);
    }
    if let Some(e) = lock(&first_error).take() {
        return Err(e);
    }
    let outputs = std::mem::take(&mut *lock(&outputs));
    Ok(outputs
        .into_iter()
        .map(|o| o.expect("with no error, every input has an output"))
        .collect())
    // ANCHOR_END: solve_fan_out
}

// ANCHOR: solve_helpers
// (This solution needs no helpers.)
// ANCHOR_END: solve_helpers
// ANCHOR_END: exercise
