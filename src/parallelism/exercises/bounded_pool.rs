//! Exercise: a bounded worker pool with backpressure (chapter 4.1).
//!
//! Replace the `todo!`s, the stand-in field of `BoundedPool` and the comment
//! in its `drop`, until
//! `cargo test --test exercises_parallelism -- --ignored starter` passes. Keep your
//! code between the `solve_*` anchors: outside them this file must stay the
//! same as the reference solution, `solutions/bounded_pool.rs`.

// ANCHOR: exercise
use crossbeam::channel::{self, Receiver, SendError, Sender, TrySendError};
use std::any::Any;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};

/// A fixed set of worker threads fed through a bounded queue.
///
/// Like a Go worker pool reading from `make(chan Job, capacity)`: `submit`
/// blocks while the queue is full, so a fast producer is slowed down to the
/// pace of the workers instead of piling up jobs in memory (backpressure).
/// `finish` returns every result in the order the jobs were submitted.
/// Dropping the pool without `finish` still waits for every worker, so no
/// thread outlives the pool.
///
/// A job that panics fails the pool fast; it never silently costs a worker.
/// The worker catches the panic, closes the pool and takes no more jobs
/// (each other worker may still start one job it had already taken). From
/// then on `submit` and `try_submit` hand every job back as closed; a
/// `submit` already waiting for room returns once the running jobs end;
/// the jobs still queued are dropped unrun; and `finish` waits for every
/// worker, then raises the job's panic again.
// ANCHOR: solve_fields
pub struct BoundedPool<T, R> {
    // Replace this field with the ones your pool needs: the sending side
    // of the job queue, the workers' handles, a way to get results back,
    // and a place to record the first panic.
    _replace_me: std::marker::PhantomData<fn(T) -> R>,
}
// ANCHOR_END: solve_fields

/// `submit`'s error, like crossbeam's `SendError`: the pool is closed
/// because a job panicked. It holds the job, handed back unrun.
#[derive(Debug, PartialEq, Eq)]
pub struct SubmitError<T>(pub T);

/// `try_submit`'s error, like crossbeam's `TrySendError`. Both variants
/// hand the job back; only after `Full` can trying again help.
#[derive(Debug, PartialEq, Eq)]
pub enum TrySubmitError<T> {
    /// The queue has no room now.
    Full(T),
    /// A job panicked, so the pool takes no more jobs.
    Closed(T),
}

impl<T> fmt::Display for SubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the pool is closed: a job panicked")
    }
}

impl<T> fmt::Display for TrySubmitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySubmitError::Full(_) => f.write_str("the pool's queue is full"),
            TrySubmitError::Closed(_) => {
                f.write_str("the pool is closed: a job panicked")
            }
        }
    }
}

impl<T: fmt::Debug> std::error::Error for SubmitError<T> {}
impl<T: fmt::Debug> std::error::Error for TrySubmitError<T> {}

impl<T: Send + 'static, R: Send + 'static> BoundedPool<T, R> {
    /// Starts `workers` threads that apply `work` to each submitted job.
    /// At most `capacity` jobs wait in the queue (0 makes every `submit` a
    /// hand-off to an idle worker, like an unbuffered Go channel).
    ///
    /// # Panics
    /// If `workers` is 0: nothing would ever take a job off the queue.
    pub fn new<F>(workers: usize, capacity: usize, work: F) -> Self
    where
        F: Fn(T) -> R + Send + Sync + 'static,
    {
        // ANCHOR: solve_new
        todo!("start `workers` threads reading from a queue of `capacity` jobs")
        // ANCHOR_END: solve_new
    }

    /// Queues `job`, blocking while the queue is full.
    ///
    /// # Errors
    /// Hands the job back if the pool is closed because a job panicked.
    pub fn submit(&mut self, job: T) -> Result<(), SubmitError<T>> {
        // ANCHOR: solve_submit
        todo!("queue the job, waiting while the queue is full; refuse it once closed")
        // ANCHOR_END: solve_submit
    }

    /// Queues `job` if there is room now, without blocking.
    ///
    /// # Errors
    /// Hands the job back: `Full` if the queue has no room now, `Closed` if
    /// the pool is closed because a job panicked.
    pub fn try_submit(&mut self, job: T) -> Result<(), TrySubmitError<T>> {
        // ANCHOR: solve_try_submit
        todo!("queue the job if there is room now, else say Full or Closed")
        // ANCHOR_END: solve_try_submit
    }

    /// Closes the queue, waits for every worker to finish, and returns the
    /// results in submission order.
    ///
    /// # Panics
    /// With the panic of a job that panicked, once every worker has ended.
    pub fn finish(self) -> Vec<R> {
        // ANCHOR: solve_finish
        todo!("close the queue, join the workers, return results in order")
        // ANCHOR_END: solve_finish
    }
}

/// A pool dropped without `finish`, for example while a panic unwinds,
/// closes its queue and joins its workers, which first run the jobs still
/// queued, unless a job has panicked. A panic of a job is not raised again
/// here: a panic inside `drop` while another panic unwinds would abort the
/// process.
impl<T, R> Drop for BoundedPool<T, R> {
    fn drop(&mut self) {
        // ANCHOR: solve_drop
        // Close the queue and join the workers, unless `finish` already
        // has. Do not panic here.
        // ANCHOR_END: solve_drop
    }
}

// ANCHOR: solve_helpers
// Add any helper types or functions you need here.
// ANCHOR_END: solve_helpers
// ANCHOR_END: exercise
