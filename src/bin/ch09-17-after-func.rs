//! Go-to-Rust quick reference: `time.AfterFunc` as a spawned task that
//! sleeps, and `Timer.Stop` as aborting it.
//!
//! Run: `cargo run --bin ch09-17-after-func`
//!
//! The clock is paused, so the program takes no real time. Its Go twin is
//! `go/ch09-17-after-func`; the two print the same lines.

use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::sleep;

const MS: Duration = Duration::from_millis(1);

// ANCHOR: after_func
/// Go's `time.AfterFunc(d, f)`: runs `f` in a task of its own after `d`.
fn after_func(d: Duration, f: impl FnOnce() + Send + 'static) -> JoinHandle<()> {
    tokio::spawn(async move {
        sleep(d).await;
        f();
    })
}

/// Go's `t.Stop()`: true if this stopped the timer before `f` ran. Without
/// an `.await` inside `f`, an abort cannot land while `f` runs.
async fn stop(timer: JoinHandle<()>) -> bool {
    timer.abort();
    matches!(timer.await, Err(e) if e.is_cancelled())
}
// ANCHOR_END: after_func

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // ANCHOR: main
    let (fired, mut rx) = mpsc::channel(2);
    let tx = fired.clone();
    let first = after_func(50 * MS, move || tx.try_send("first").unwrap());
    let second = after_func(100 * MS, move || fired.try_send("second").unwrap());
    println!("the {} timer fired", rx.recv().await.unwrap());
    println!(
        "stopping the second timer before it fires: {}",
        stop(second).await
    );
    println!(
        "stopping the first timer after it fired: {}",
        stop(first).await
    );
    sleep(100 * MS).await; // past the second timer's time
    // Only what the first timer sent came through: the second never ran.
    let late = std::iter::from_fn(|| rx.try_recv().ok()).count();
    println!("timers that fired in all: {}", 1 + late);
    // ANCHOR_END: main
}
