//! Go-to-Rust quick reference: a `while let` that holds a lock for the whole
//! loop body.
//!
//! Run: `cargo run --bin ch09-10-while-let-lock`
//!
//! Two workers share one job receiver behind a `Mutex`, as in the worker
//! pool row. Written as `while let Ok(job) = rx.lock().unwrap().recv()`, the
//! guard is a temporary of the `while let` condition, and such temporaries
//! live until the end of the loop body: the lock is held while the job runs,
//! so the other worker cannot receive, and the jobs run one at a time.
//!
//! Each job waits (up to a limit) for a job on the other worker to start, so
//! the count of jobs running at once is 2 whenever the workers can overlap,
//! and 1 only when they cannot. The printed times vary (`~`).

use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const WORKERS: usize = 2;
/// How long a job waits for a job on the other worker before giving up.
const OVERLAP_WAIT: Duration = Duration::from_millis(200);

/// Counts the jobs running now and the most that ever ran at once.
#[derive(Default)]
struct Meter {
    counts: Mutex<(usize, usize)>, // (running now, peak)
    changed: Condvar,
}

impl Meter {
    /// A job: runs until another job is running too, or for OVERLAP_WAIT.
    fn run_job(&self) {
        let mut counts = self.counts.lock().unwrap();
        counts.0 += 1;
        counts.1 = counts.1.max(counts.0);
        self.changed.notify_all();
        let (mut counts, _) = self
            .changed
            .wait_timeout_while(counts, OVERLAP_WAIT, |c| c.1 < WORKERS)
            .unwrap();
        counts.0 -= 1;
    }
}

type Jobs = Arc<Mutex<Receiver<u32>>>;

// ANCHOR: held
fn worker_holding_the_lock(rx: &Jobs, meter: &Meter) {
    while let Ok(_job) = rx.lock().unwrap().recv() {
        // The guard from `rx.lock()` is still alive here, until the `}`:
        // no other worker can receive while this job runs.
        meter.run_job();
    }
}
// ANCHOR_END: held

// ANCHOR: fixed
fn worker_releasing_the_lock(rx: &Jobs, meter: &Meter) {
    loop {
        let job = rx.lock().unwrap().recv(); // the guard is dropped at the `;`
        match job {
            Ok(_job) => meter.run_job(),
            Err(_) => break, // every sender is gone: Go's closed channel
        }
    }
}
// ANCHOR_END: fixed

/// Runs one job per worker on `WORKERS` threads; returns the peak count of
/// jobs running at once and how long it all took.
fn run(worker: fn(&Jobs, &Meter)) -> (usize, Duration) {
    let start = Instant::now();
    let meter = Meter::default();
    let (tx, rx) = mpsc::sync_channel::<u32>(0); // Go's `make(chan int)`
    let rx: Jobs = Arc::new(Mutex::new(rx));
    thread::scope(|s| {
        for _ in 0..WORKERS {
            s.spawn(|| worker(&rx, &meter));
        }
        for job in 0..WORKERS as u32 {
            tx.send(job).expect("the workers are alive");
        }
        drop(tx); // `close(jobs)`: ends both loops
    });
    let peak = meter.counts.lock().unwrap().1;
    (peak, start.elapsed())
}

fn main() {
    for (label, worker) in [
        (
            "while let Ok(job) = rx.lock().unwrap().recv()",
            worker_holding_the_lock as fn(&Jobs, &Meter),
        ),
        (
            "let job = rx.lock().unwrap().recv(); match job",
            worker_releasing_the_lock,
        ),
    ] {
        let (peak, took) = run(worker);
        println!(
            "{label}: {peak} of {WORKERS} jobs at once (~{:.2} s)",
            took.as_secs_f64()
        );
    }
}
