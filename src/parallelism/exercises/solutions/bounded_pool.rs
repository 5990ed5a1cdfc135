//! Reference solution to the bounded worker pool exercise (chapter 4.1).
//!
//! The exercise file `src/parallelism/exercises/bounded_pool.rs` is this file with the
//! code between each `solve_*` pair of anchors replaced by a starter body;
//! `tests/exercises_parallelism.rs` checks that the two files differ nowhere else.

// ANCHOR: exercise
use crossbeam::channel::{self, Receiver, Sender, TrySendError};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// A fixed set of worker threads fed through a bounded queue.
///
/// Like a Go worker pool reading from `make(chan Job, capacity)`: `submit`
/// blocks while the queue is full, so a fast producer is slowed down to the
/// pace of the workers instead of piling up jobs in memory (backpressure).
/// `finish` returns every result in the order the jobs were submitted.
/// Dropping the pool without `finish` still waits for every worker, so no
/// thread outlives the pool.
// ANCHOR: solve_fields
pub struct BoundedPool<T, R> {
    /// The sending side of the job queue; `None` once it is closed.
    jobs: Option<Sender<(usize, T)>>,
    /// Where workers put `(job number, result)`.
    results: Receiver<(usize, R)>,
    workers: Vec<JoinHandle<()>>,
    submitted: usize,
}
// ANCHOR_END: solve_fields

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
        assert!(workers > 0, "a pool needs at least one worker");
        let (job_tx, job_rx) = channel::bounded::<(usize, T)>(capacity);
        let (result_tx, result_rx) = channel::unbounded();
        let work = Arc::new(work);
        let workers = (0..workers)
            .map(|_| {
                // crossbeam's channels are multi-consumer, like Go's: every
                // worker holds a clone of the same receiver.
                let jobs = job_rx.clone();
                let results = result_tx.clone();
                let work = Arc::clone(&work);
                thread::spawn(move || {
                    // Ends when the queue is closed and drained.
                    for (n, job) in jobs {
                        if results.send((n, work(job))).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        BoundedPool {
            jobs: Some(job_tx),
            results: result_rx,
            workers,
            submitted: 0,
        }
        // ANCHOR_END: solve_new
    }

    /// Queues `job`, blocking while the queue is full.
    pub fn submit(&mut self, job: T) {
        // ANCHOR: solve_submit
        let n = self.submitted;
        self.jobs
            .as_ref()
            .expect("the queue is open until finish")
            .send((n, job))
            .expect("the workers outlive the queue");
        self.submitted += 1;
        // ANCHOR_END: solve_submit
    }

    /// Queues `job` if there is room now; otherwise hands it back.
    pub fn try_submit(&mut self, job: T) -> Result<(), T> {
        // ANCHOR: solve_try_submit
        let n = self.submitted;
        let queue = self.jobs.as_ref().expect("the queue is open until finish");
        match queue.try_send((n, job)) {
            Ok(()) => {
                self.submitted += 1;
                Ok(())
            }
            Err(TrySendError::Full((_, job)) | TrySendError::Disconnected((_, job))) => {
                Err(job)
            }
        }
        // ANCHOR_END: solve_try_submit
    }

    /// Closes the queue, waits for every worker to finish, and returns the
    /// results in submission order.
    ///
    /// # Panics
    /// With the panic of a job that panicked, once every worker has ended.
    pub fn finish(self) -> Vec<R> {
        // ANCHOR: solve_finish
        let mut pool = self;
        if let Some(payload) = pool.close_and_join() {
            std::panic::resume_unwind(payload);
        }
        let mut slots: Vec<Option<R>> = (0..pool.submitted).map(|_| None).collect();
        for (n, r) in pool.results.try_iter() {
            slots[n] = Some(r);
        }
        slots
            .into_iter()
            .map(|r| r.expect("every job produced a result"))
            .collect()
        // ANCHOR_END: solve_finish
    }
}

/// A pool dropped without `finish`, for example while a panic unwinds,
/// closes its queue and joins its workers, which run the jobs still queued
/// first. A panic of a job is not raised again here: a panic inside `drop`
/// while another panic unwinds would abort the process.
impl<T, R> Drop for BoundedPool<T, R> {
    fn drop(&mut self) {
        // ANCHOR: solve_drop
        let _ = self.close_and_join(); // the panic's message is already printed
        // ANCHOR_END: solve_drop
    }
}

// ANCHOR: solve_helpers
impl<T, R> BoundedPool<T, R> {
    /// Closes the queue and joins every worker, even after one of them has
    /// panicked, and returns the first panic. `finish` and `drop` both call
    /// it; the second call finds nothing left to close or join.
    fn close_and_join(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        self.jobs = None; // close the queue: workers end once it is empty
        let mut panicked = None;
        for w in self.workers.drain(..) {
            if let Err(payload) = w.join() {
                panicked.get_or_insert(payload);
            }
        }
        panicked
    }
}
// ANCHOR_END: solve_helpers
// ANCHOR_END: exercise
