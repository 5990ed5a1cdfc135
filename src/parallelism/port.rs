//! Section 4.1: the source's ten goroutines, ported to Rust with their
//! behaviour kept, the lock held across every task's sleep included.
//!
//! It takes its primitives from [`crate::sync`], so loom can run it
//! (`loom/tests/parallelism.rs`); the fixes are in `super::fixed`.

use super::tracker::{Batch, Failure, Outcome, Tracker};
use crate::support::panic;
use crate::sync::{Arc, Mutex, thread};

// ANCHOR: port
/// The Go program as written: every task holds one lock for its whole run.
pub fn run_port(batch: &Batch) -> Outcome {
    let tracker = Arc::new(Tracker::new());
    let mu = Arc::new(Mutex::new(())); // var mu sync.Mutex: guards no data
    let mut handles = Vec::new(); // var wg sync.WaitGroup
    for i in 0..batch.tasks {
        let spawned = tracker.now();
        let (mu, tracker, work) = (Arc::clone(&mu), Arc::clone(&tracker), batch.work);
        // wg.Add(1); go func() {...}(): `move` gives the thread its own i
        handles.push(thread::spawn(move || {
            let _guard = mu.lock().unwrap(); // mu.Lock()
            let busy = tracker.begin(i, spawned);
            std::thread::sleep(work); // time.Sleep, lock still held
            busy.finish()
        })); // mu.Unlock(), wg.Done(): the guard drops, the thread ends
    }
    // wg.Wait(): join every thread; each hands back its record
    let mut records = Vec::new();
    let mut panicked = Vec::new();
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(record) => records.push(record),
            Err(payload) => panicked.push(Failure {
                id: i,
                message: panic::message(&*payload),
            }),
        }
    }
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: port

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_port_runs_every_task_one_at_a_time() {
        let batch = Batch {
            tasks: 4,
            work: Duration::from_millis(2),
        };
        let o = run_port(&batch);
        let ids: Vec<usize> = o.report.records.iter().map(|r| r.id).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        assert!(o.panicked.is_empty());
        // The lock makes this certain, not likely: never two busy at once,
        // so the busy time cannot exceed the wall time.
        assert_eq!(o.report.peak_busy, 1);
        assert!(o.report.p().unwrap() <= 1.0 + 1e-9);
        // Serial work: busy intervals, sorted by start, do not overlap.
        let mut by_start = o.report.records.clone();
        by_start.sort_by_key(|r| r.started);
        for w in by_start.windows(2) {
            assert!(w[0].finished <= w[1].started, "{w:?} overlap");
        }
    }
}
