//! Loom model of the quick reference's worker pool (src/patterns/worker_pool.rs).
//!
//! Run: `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release --target-dir target/loom --test loom_ch09_worker_pool`
#![cfg(loom)]

use cookbook::patterns::worker_pool::run_pool;

// ANCHOR: model
/// Two workers share one job receiver behind a mutex. In every interleaving
/// each job runs exactly once, its result lands in its own slot, and every
/// worker stops (a worker left waiting would be reported as a deadlock).
#[test]
fn every_job_runs_once_and_every_worker_stops() {
    loom::model(|| {
        let results = run_pool(2, vec![3u32, 4], |n| n * n);
        assert_eq!(results, vec![9, 16]);
    });
}
// ANCHOR_END: model
