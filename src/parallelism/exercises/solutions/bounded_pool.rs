//! Reference solution to the bounded worker pool exercise (chapter 4.1).
//!
//! The exercise file `src/parallelism/exercises/bounded_pool.rs` is this file with the
//! code between each `solve_*` pair of anchors replaced by a starter body;
//! `tests/exercises_parallelism.rs` checks that the two files differ nowhere else.

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
    /// The sending side of the job queue; `None` once it is closed.
    jobs: Option<Sender<(usize, T)>>,
    /// Where workers put `(job number, result)`.
    results: Receiver<(usize, R)>,
    /// The first job panic; once it is set, the pool is closed.
    panicked: Arc<Mutex<Option<Panic>>>,
    workers: Vec<JoinHandle<()>>,
    submitted: usize,
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
        assert!(workers > 0, "a pool needs at least one worker");
        let (job_tx, job_rx) = channel::bounded::<(usize, T)>(capacity);
        let (result_tx, result_rx) = channel::unbounded();
        let work = Arc::new(work);
        let panicked = Arc::new(Mutex::new(None));
        let workers = (0..workers)
            .map(|_| {
                // crossbeam's channels are multi-consumer, like Go's: every
                // worker holds a clone of the same receiver.
                let jobs = job_rx.clone();
                let results = result_tx.clone();
                let work = Arc::clone(&work);
                let panicked = Arc::clone(&panicked);
                thread::spawn(move || {
                    // Ends when the queue is closed and drained, or at a panic.
                    for (n, job) in jobs {
                        if lock(&panicked).is_some() {
                            return; // the pool is closed: start no more jobs
                        }
                        // Go's `recover`. The assertion claims no more than
                        // a thread's end does: other workers go on using
                        // `work`, as they would if this thread had died.
                        match panic::catch_unwind(AssertUnwindSafe(|| work(job))) {
                            Ok(r) => {
                                if results.send((n, r)).is_err() {
                                    return;
                                }
                            }
                            Err(payload) => {
                                lock(&panicked).get_or_insert(payload);
                                return; // fail fast: take no more jobs
                            }
                        }
                    }
                })
            })
            .collect();
        BoundedPool {
            jobs: Some(job_tx),
            results: result_rx,
            panicked,
            workers,
            submitted: 0,
        }
        // ANCHOR_END: solve_new
    }

    /// Queues `job`, blocking while the queue is full.
    ///
    /// # Errors
    /// Hands the job back if the pool is closed because a job panicked.
    pub fn submit(&mut self, job: T) -> Result<(), SubmitError<T>> {
        // ANCHOR: solve_submit
        if self.is_closed() {
            return Err(SubmitError(job));
        }
        let n = self.submitted;
        let queue = self.jobs.as_ref().expect("the queue is open until finish");
        // `send` fails only once every worker has stopped after a panic.
        queue
            .send((n, job))
            .map_err(|SendError((_, job))| SubmitError(job))?;
        self.submitted += 1;
        Ok(())
        // ANCHOR_END: solve_submit
    }

    /// Queues `job` if there is room now, without blocking.
    ///
    /// # Errors
    /// Hands the job back: `Full` if the queue has no room now, `Closed` if
    /// the pool is closed because a job panicked.
    pub fn try_submit(&mut self, job: T) -> Result<(), TrySubmitError<T>> {
        // ANCHOR: solve_try_submit
        if self.is_closed() {
            return Err(TrySubmitError::Closed(job));
        }
        let n = self.submitted;
        let queue = self.jobs.as_ref().expect("the queue is open until finish");
        match queue.try_send((n, job)) {
            Ok(()) => {
                self.submitted += 1;
                Ok(())
            }
            Err(TrySendError::Full((_, job))) => Err(TrySubmitError::Full(job)),
            Err(TrySendError::Disconnected((_, job))) => Err(TrySubmitError::Closed(job)),
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
            panic::resume_unwind(payload);
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
/// closes its queue and joins its workers, which first run the jobs still
/// queued, unless a job has panicked. A panic of a job is not raised again
/// here: a panic inside `drop` while another panic unwinds would abort the
/// process.
impl<T, R> Drop for BoundedPool<T, R> {
    fn drop(&mut self) {
        // ANCHOR: solve_drop
        let _ = self.close_and_join(); // the panic's message is already printed
        // ANCHOR_END: solve_drop
    }
}

// ANCHOR: solve_helpers
/// What `catch_unwind` and `join` return for a panic: its payload.
type Panic = Box<dyn Any + Send>;

impl<T, R> BoundedPool<T, R> {
    /// Whether a job has panicked, which closes the pool.
    fn is_closed(&self) -> bool {
        lock(&self.panicked).is_some()
    }

    /// Closes the queue and joins every worker, and returns the first
    /// panic. `finish` and `drop` both call it; the second call finds
    /// nothing left to close or join, and no panic left to return.
    fn close_and_join(&mut self) -> Option<Panic> {
        self.jobs = None; // close the queue: workers end once it is empty
        // Workers catch the panics of jobs; a panic anywhere else in a
        // worker ends its thread, and `join` hands it over.
        let mut elsewhere = None;
        for w in self.workers.drain(..) {
            if let Err(payload) = w.join() {
                elsewhere.get_or_insert(payload);
            }
        }
        lock(&self.panicked).take().or(elsewhere)
    }
}

/// Locks the panic slot. It is never held while a job runs, so it can be
/// poisoned only by a payload whose `drop` panics: take the data anyway.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
// ANCHOR_END: solve_helpers
// ANCHOR_END: exercise
