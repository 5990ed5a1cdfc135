//! FAQ: "Why is my `MutexGuard` not `Send` across `.await`?" Two fixes for
//! the program in tests/ui/ch08-01-guard-across-await.rs, which does not
//! compile.
//!
//! Run: `cargo run --bin ch08-01-guard-across-await`

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, sleep};

// ANCHOR: scoped
/// Fix 1: finish with the std lock before the `.await`. The guard lives in
/// a block that ends before the task can be suspended, so the future never
/// holds it, and the future is `Send` again.
async fn record_scoped(log: Arc<Mutex<Vec<u32>>>, value: u32) -> usize {
    let len = {
        let mut entries = log.lock().unwrap();
        entries.push(value);
        entries.len()
    }; // guard dropped here: the lock is free while we wait below
    sleep(Duration::from_millis(1)).await; // say, a write to disk
    len
}
// ANCHOR_END: scoped

// ANCHOR: async_mutex
/// Fix 2: when the lock must stay held across the `.await` (the write must
/// not interleave with another), use tokio's `Mutex`. Its guard is `Send`,
/// and a task waiting for it yields to the runtime instead of blocking a
/// worker thread.
async fn record_held(log: Arc<tokio::sync::Mutex<Vec<u32>>>, value: u32) -> usize {
    let mut entries = log.lock().await;
    entries.push(value);
    sleep(Duration::from_millis(1)).await; // still locked, and that is fine
    entries.len()
}
// ANCHOR_END: async_mutex

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let log = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (1..=3)
        .map(|v| tokio::spawn(record_scoped(Arc::clone(&log), v)))
        .collect();
    let mut lens = Vec::new();
    for t in tasks {
        lens.push(t.await.unwrap());
    }
    println!(
        "scoped std guard: lengths seen {lens:?}, log {:?}, 3 writes took {:?}",
        log.lock().unwrap(),
        start.elapsed()
    );

    let start = Instant::now();
    let log = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let tasks: Vec<_> = (1..=3)
        .map(|v| tokio::spawn(record_held(Arc::clone(&log), v)))
        .collect();
    let mut lens = Vec::new();
    for t in tasks {
        lens.push(t.await.unwrap());
    }
    println!(
        "tokio Mutex held across .await: lengths seen {lens:?}, log {:?}, \
         3 writes took {:?}",
        log.lock().await,
        start.elapsed()
    );
}
