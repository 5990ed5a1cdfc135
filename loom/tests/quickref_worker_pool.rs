//! Loom model of the quick reference's worker pool (src/quickref/worker_pool.rs).
//!
//! Run: `cargo xtask loom quickref_worker_pool`
#![cfg(loom)]

use cookbook::quickref::worker_pool::run_pool;

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
