//! Go-to-Rust quick reference: `context` deadlines and cancellation, and
//! `errgroup`, as tokio timeouts, `CancellationToken` and `JoinSet`.
//!
//! Run: `cargo run --bin ch09-05-context`
//!
//! The runtime starts with its clock paused, so every time printed is exact
//! and the program takes no real time. Its Go twin is `go/ch09-05-context`.

use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::{self, Instant};
use tokio_util::sync::CancellationToken;

const MS: Duration = Duration::from_millis(1);

// ANCHOR: runtime
#[tokio::main(flavor = "current_thread", start_paused = true)]
// ANCHOR_END: runtime
async fn main() {
    deadline().await;
    cancellation().await;
    error_group().await;
    try_join().await;
}

// ANCHOR: deadline
async fn deadline() {
    let start = Instant::now();
    // Go: ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
    let slow_job = time::sleep(1000 * MS);
    match time::timeout(100 * MS, slow_job).await {
        Ok(()) => println!("timeout: the job finished"),
        Err(elapsed) => {
            println!("timeout: gave up after {:?}: {elapsed}", start.elapsed())
        }
    }
    // `slow_job` was dropped when the timeout fired: nothing is left running.
}
// ANCHOR_END: deadline

// ANCHOR: cancellation
async fn worker(id: u32, token: CancellationToken) -> String {
    let start = Instant::now();
    let mut rounds = 0;
    loop {
        tokio::select! {
            // Go: case <-ctx.Done(): return ctx.Err()
            () = token.cancelled() => {
                let at = start.elapsed();
                return format!("worker {id}: stopped after {rounds} rounds, at {at:?}");
            }
            () = time::sleep(30 * MS) => rounds += 1,
        }
    }
}

async fn cancellation() {
    let parent = CancellationToken::new(); // ctx, cancel := context.WithCancel(...)
    let mut workers = JoinSet::new();
    for id in 1..=2 {
        workers.spawn(worker(id, parent.child_token()));
    }
    time::sleep(100 * MS).await;
    parent.cancel(); // reaches every child token
    let mut report = workers.join_all().await;
    report.sort();
    for line in report {
        println!("cancel: {line}");
    }
    let parent = CancellationToken::new();
    let child = parent.child_token();
    child.cancel(); // cancelling a child leaves its parent alone
    println!(
        "cancel: child cancelled, parent cancelled too: {}",
        parent.is_cancelled()
    );
}
// ANCHOR_END: cancellation

// ANCHOR: errgroup
/// A job that takes `ms` milliseconds and then succeeds, or fails if `fails`.
async fn job(
    id: u32,
    ms: u32,
    fails: bool,
    token: CancellationToken,
) -> Result<u32, String> {
    tokio::select! {
        () = token.cancelled() => Err(format!("job {id}: cancelled")),
        () = time::sleep(ms * MS) => {
            if fails { Err(format!("job {id}: failed")) } else { Ok(id) }
        }
    }
}

async fn error_group() {
    let start = Instant::now();
    // errgroup.WithContext: one token that the first error cancels.
    let token = CancellationToken::new();
    let mut group = JoinSet::new();
    for (id, ms, fails) in [(1, 200, false), (2, 50, true), (3, 300, false)] {
        group.spawn(job(id, ms, fails, token.clone()));
    }
    let mut first_error = None;
    let mut others = Vec::new();
    while let Some(joined) = group.join_next().await {
        match joined.expect("a job panicked") {
            Err(e) if first_error.is_none() => {
                first_error = Some(e);
                token.cancel(); // what errgroup does on the first error
            }
            other => others.push(format!("{other:?}")),
        }
    }
    others.sort();
    println!(
        "errgroup: first error {:?} at {:?}",
        first_error.expect("job 2 fails"),
        start.elapsed()
    );
    println!("errgroup: the others: {}", others.join(", "));
}
// ANCHOR_END: errgroup

// ANCHOR: try_join
async fn try_join() {
    let start = Instant::now();
    let never_cancelled = CancellationToken::new();
    // Both futures run concurrently in this task; the first error returns
    // at once, and the other future is dropped mid-flight.
    let result = tokio::try_join!(
        job(1, 200, false, never_cancelled.clone()),
        job(2, 50, true, never_cancelled.clone()),
    );
    println!("try_join: {result:?} at {:?}", start.elapsed());
}
// ANCHOR_END: try_join
