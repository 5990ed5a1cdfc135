//! FAQ: "How do I cancel a task?" Three ways, from bluntest to most
//! cooperative: drop the future, abort the task, signal a token; then CPU
//! work on the blocking pool, which only a flag it checks can stop.
//!
//! The clock is paused (virtual time), so the steps counted are the same on
//! every run.
//!
//! Run: `cargo run --bin ch08-04-cancel`

use std::time::Duration;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

const STEP: Duration = Duration::from_millis(100);
/// Chunks of CPU work in part 4's task that is aborted.
const CHUNKS: u32 = 2_000;

/// One chunk of CPU work: no `.await` anywhere in it.
fn busy_chunk() -> u64 {
    (0..20_000u64).map(std::hint::black_box).sum()
}

// ANCHOR: guard
/// Prints when it is dropped: stands for any cleanup (a connection returned
/// to its pool, a temporary file removed) that runs in `Drop`.
struct Cleanup(&'static str, Instant);

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("  {}: cleanup ran at {:?}", self.0, self.1.elapsed());
    }
}

/// Ten steps of work with an `.await` between steps.
async fn work(name: &'static str, start: Instant) -> u32 {
    let _cleanup = Cleanup(name, start);
    for step in 1..=10 {
        sleep(STEP).await; // every .await is a point where it can be stopped
        println!("  {name}: step {step} done");
    }
    10
}
// ANCHOR_END: guard

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // ANCHOR: drop
    println!("1. drop the future (here: the timeout drops it)");
    let start = Instant::now();
    let result =
        tokio::time::timeout(Duration::from_millis(250), work("dropped", start)).await;
    println!("  result: {result:?}");
    // ANCHOR_END: drop

    // ANCHOR: abort
    println!("2. abort a spawned task");
    let start = Instant::now();
    let handle = tokio::spawn(work("aborted", start));
    sleep(Duration::from_millis(250)).await;
    handle.abort(); // a request: the task stops at its next .await
    let joined = handle.await;
    println!(
        "  join: cancelled = {}",
        joined.is_err_and(|e| e.is_cancelled())
    );
    // ANCHOR_END: abort

    // ANCHOR: token
    println!("3. ask the task to stop, and let it finish its own way");
    let start = Instant::now();
    let token = CancellationToken::new();
    let child = token.child_token(); // like a derived context.Context
    let handle = tokio::spawn(async move {
        let mut done = 0;
        loop {
            tokio::select! {
                () = child.cancelled() => break,
                () = sleep(STEP) => done += 1,
            }
        }
        println!("  token: stopping after {done} steps, saving progress");
        done // a normal return: the task decides what "stop" means
    });
    sleep(Duration::from_millis(250)).await;
    token.cancel();
    println!(
        "  join: {:?} at {:?}",
        handle.await.map_err(|e| e.to_string()),
        start.elapsed()
    );
    // ANCHOR_END: token

    // ANCHOR: blocking
    println!("4. CPU work on the blocking pool: abort cannot stop it");
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let handle = tokio::task::spawn_blocking(move || {
        let _ = started_tx.send(()); // it is running from here on
        let mut done = 0;
        for _ in 0..CHUNKS {
            busy_chunk();
            done += 1;
        }
        done
    });
    let _ = started.await;
    handle.abort(); // no effect on a blocking task that has started
    println!(
        "  after abort: ran {:?} of {CHUNKS} chunks",
        handle.await.ok()
    );

    let token = CancellationToken::new();
    let flag = token.clone();
    let (started_tx, started) = tokio::sync::oneshot::channel();
    let handle = tokio::task::spawn_blocking(move || {
        let _ = started_tx.send(());
        let mut done = 0u32;
        while !flag.is_cancelled() {
            busy_chunk(); // no bound: only the flag, checked each chunk, ends it
            done += 1;
        }
        done
    });
    let _ = started.await;
    token.cancel();
    let done = handle.await.expect("the loop does not panic");
    println!("  with a flag checked each chunk: stopped after ~{done} chunks");
    // ANCHOR_END: blocking
}
