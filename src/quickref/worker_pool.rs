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

use crate::sync::{Arc, Mutex, lock, mpsc, thread};

// ANCHOR: pool
/// What travels on the job channel.
enum Message<J> {
    Job(usize, J),
    /// One per worker: Go's `close(jobs)`, made explicit.
    Stop,
}

/// Runs `work` on every job using `workers` threads and returns the results
/// in the order of `jobs` (workers finish in any order).
pub fn run_pool<J, R>(workers: usize, jobs: Vec<J>, work: fn(J) -> R) -> Vec<R>
where
    J: Send + 'static,
    R: Send + 'static,
{
    assert!(workers > 0, "a pool needs at least one worker");
    let (job_tx, job_rx) = mpsc::channel::<Message<J>>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let (result_tx, result_rx) = mpsc::channel::<(usize, R)>();
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let job_rx = Arc::clone(&job_rx);
            let result_tx = result_tx.clone();
            thread::spawn(move || {
                loop {
                    // The lock is held while waiting for one message: the
                    // guard is a temporary, dropped at the end of the `let`.
                    let message =
                        lock(&job_rx).recv().expect("the pool outlives its workers");
                    match message {
                        Message::Job(index, job) => {
                            let result = work(job);
                            result_tx
                                .send((index, result))
                                .expect("the pool collects results");
                        }
                        Message::Stop => return,
                    }
                }
            })
        })
        .collect();
    let count = jobs.len();
    for (index, job) in jobs.into_iter().enumerate() {
        job_tx
            .send(Message::Job(index, job))
            .expect("workers are alive");
    }
    for _ in 0..workers {
        job_tx.send(Message::Stop).expect("workers are alive");
    }
    let mut slots: Vec<Option<R>> = (0..count).map(|_| None).collect();
    for _ in 0..count {
        let (index, result) = result_rx.recv().expect("every job yields a result");
        slots[index] = Some(result);
    }
    for h in handles {
        h.join().expect("a worker panicked");
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

    #[test]
    #[should_panic(expected = "at least one worker")]
    fn zero_workers_is_refused() {
        run_pool(0, vec![1], |n: i32| n);
    }
}
