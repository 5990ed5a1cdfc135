//! A fixed pool of workers fed by one job channel: Go's classic
//! `jobs := make(chan Job)` + N goroutines ranging over it + a results channel.
//!
//! Go's channels are many-producer, many-consumer. `std::sync::mpsc` is
//! many-producer, *single*-consumer: its `Receiver` cannot be cloned. The
//! workers therefore share it behind `Arc<Mutex<..>>` and take turns at it
//! (`crossbeam::channel` would give a cloneable receiver instead). Written
//! against the crate's sync shim, so loom can check it; loom's channels do
//! not model hang-up, so the pool ends its workers with explicit `Stop`
//! messages rather than by closing the job channel.
//!
//! A job that panics takes its worker down with it. The other workers carry
//! on with the remaining jobs; once every worker is joined, `run_pool`
//! passes the panic on to its caller with `std::panic::resume_unwind`.

use crate::sync::{Arc, Mutex, lock, mpsc, thread};

/// Go's `make(chan Job)`: a rendezvous, so the pool hands over a job only
/// when a worker is ready to take it, and waits otherwise (backpressure).
#[cfg(not(loom))]
fn rendezvous<T>() -> (mpsc::SyncSender<T>, mpsc::Receiver<T>) {
    mpsc::sync_channel(0)
}

/// Loom has no `sync_channel`, so its model of the pool uses an unbounded
/// job channel. What the model checks (each job runs once, in its own slot,
/// and every worker stops) does not depend on the channel's capacity.
#[cfg(loom)]
fn rendezvous<T>() -> (mpsc::Sender<T>, mpsc::Receiver<T>) {
    mpsc::channel()
}

// ANCHOR: pool
/// What travels on the job channel.
enum Message<J> {
    Job(usize, J),
    /// One per worker: Go's `close(jobs)`, made explicit.
    Stop,
}

/// Runs `work` on every job using `workers` threads and returns the results
/// in the order of `jobs` (workers finish in any order). If a job panics,
/// the other workers finish the remaining jobs, every worker is joined, and
/// then this function panics with that job's panic.
pub fn run_pool<J, R>(workers: usize, jobs: Vec<J>, work: fn(J) -> R) -> Vec<R>
where
    J: Send + 'static,
    R: Send + 'static,
{
    assert!(workers > 0, "a pool needs at least one worker");
    let (job_tx, job_rx) = rendezvous::<Message<J>>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let job_rx = Arc::clone(&job_rx);
            // Each worker returns its results when it is joined.
            thread::spawn(move || {
                let mut results = Vec::new();
                loop {
                    // The lock is held while waiting for one message: the
                    // guard is a temporary, dropped at the end of the `let`.
                    let message = lock(&job_rx).recv();
                    match message {
                        Ok(Message::Job(index, job)) => results.push((index, work(job))),
                        Ok(Message::Stop) | Err(_) => return results,
                    }
                }
            })
        })
        .collect();
    // From here on only the workers hold the receiver. If they all die, a
    // send fails at once instead of waiting for a worker that never comes.
    drop(job_rx);
    let count = jobs.len();
    for (index, job) in jobs.into_iter().enumerate() {
        if job_tx.send(Message::Job(index, job)).is_err() {
            break; // every worker has panicked
        }
    }
    for _ in 0..workers {
        let _ = job_tx.send(Message::Stop); // an error: that worker is gone
    }
    let mut slots: Vec<Option<R>> = (0..count).map(|_| None).collect();
    let mut first_panic = None;
    for handle in handles {
        match handle.join() {
            Ok(results) => {
                for (index, result) in results {
                    slots[index] = Some(result);
                }
            }
            Err(payload) => {
                first_panic.get_or_insert(payload);
            }
        }
    }
    if let Some(payload) = first_panic {
        std::panic::resume_unwind(payload);
    }
    slots
        .into_iter()
        .map(|r| r.expect("each job ran exactly once"))
        .collect()
}
// ANCHOR_END: pool

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn every_job_runs_and_results_keep_job_order() {
        let jobs: Vec<u64> = (1..=50).collect();
        let squares = run_pool(3, jobs, |n| n * n);
        assert_eq!(squares, (1..=50u64).map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn no_jobs_still_stops_the_workers() {
        assert_eq!(run_pool(4, Vec::<u8>::new(), |n| n), Vec::<u8>::new());
    }

    #[test]
    fn one_worker_is_a_plain_loop() {
        assert_eq!(run_pool(1, vec!["a", "bb"], str::len), vec![1, 2]);
    }

    // ANCHOR: panic_test
    /// Runs `run_pool` on a thread of its own and waits at most 10 s for it,
    /// so a pool that hangs fails the test instead of hanging it. Returns what
    /// the pool returned, or the message of the panic it passed on.
    fn pool_within_10s(jobs: Vec<u32>, work: fn(u32) -> u32) -> Result<Vec<u32>, String> {
        // Unbounded on purpose: it carries one message, whose send must not wait.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| run_pool(2, jobs, work));
            let _ = tx.send(outcome.map_err(|p| crate::support::panic::message(&*p)));
        });
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("run_pool did not return within 10 s: it hangs")
    }

    #[test]
    fn a_panicking_job_reaches_the_caller_instead_of_hanging() {
        let outcome = pool_within_10s((1..=6).collect(), |n| {
            assert!(n != 3, "job 3 failed");
            n
        });
        assert_eq!(outcome, Err("job 3 failed".to_string()));
    }
    // ANCHOR_END: panic_test

    #[test]
    fn a_pool_whose_every_worker_panics_stops_feeding_jobs() {
        // Both workers die on their first job; eight jobs are still unsent.
        let outcome = pool_within_10s(vec![1; 10], |_| panic!("every job fails"));
        assert_eq!(outcome, Err("every job fails".to_string()));
    }

    #[test]
    #[should_panic(expected = "at least one worker")]
    fn zero_workers_is_refused() {
        run_pool(0, vec![1], |n: i32| n);
    }
}
