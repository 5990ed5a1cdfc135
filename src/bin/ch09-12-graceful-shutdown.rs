//! Go-to-Rust quick reference: graceful shutdown with `tokio::signal::ctrl_c`,
//! a `CancellationToken` and a `TaskTracker`.
//!
//! Run: `cargo run --bin ch09-12-graceful-shutdown`, or, to stop it with
//! Ctrl-C: `cargo run --bin ch09-12-graceful-shutdown -- --real-clock --after 1h`
//!
//! Three workers run until Ctrl-C or, so that the book's run needs no key
//! press, a timer (`--after`). Then the token cancels them, and the tracker
//! waits for them, within a deadline, before the program exits. By default
//! the runtime's clock is paused, so the times printed are exact; Ctrl-C
//! needs `--real-clock`, because a paused clock jumps straight to the timer.
//! Its Go twin is `go/ch09-12-graceful-shutdown`.

use clap::Parser;
use cookbook::support::cli::parse_duration;
use std::time::Duration;
use tokio::signal;
use tokio::time::{Instant, sleep, timeout};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

const MS: Duration = Duration::from_millis(1);

/// Runs three workers until Ctrl-C or a timer, then shuts them down.
#[derive(Parser)]
struct Args {
    /// Shut down after this long if no Ctrl-C comes first (e.g. 250ms, 1h).
    #[arg(long, default_value = "250ms", value_parser = parse_duration)]
    after: Duration,
    /// Run on the real clock instead of a paused one, so Ctrl-C can win.
    #[arg(long)]
    real_clock: bool,
}

// ANCHOR: worker
async fn worker(id: u32, token: CancellationToken, start: Instant) {
    let mut rounds = 0;
    loop {
        tokio::select! {
            _ = token.cancelled() => break,
            _ = sleep(100 * MS) => rounds += 1, // one round of work
        }
    }
    sleep(id * 10 * MS).await; // clean up
    let at = start.elapsed();
    println!("worker {id}: cleaned up and stopped at {at:?}, after {rounds} rounds");
}
// ANCHOR_END: worker

// ANCHOR: main
/// Returns what asked for the shutdown.
async fn run(after: Duration) -> &'static str {
    let start = Instant::now();
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    for id in 1..=3 {
        tracker.spawn(worker(id, token.clone(), start));
    }
    tracker.close(); // no more tasks: `wait` returns once these three end
    let why = tokio::select! {
        _ = signal::ctrl_c() => "Ctrl-C",
        _ = sleep(after) => "the timer",
    };
    println!("shutdown requested by {why} at {:?}", start.elapsed());
    token.cancel(); // every worker's `cancelled()` completes
    if timeout(Duration::from_secs(1), tracker.wait())
        .await
        .is_err()
    {
        println!("the workers did not stop in time; exiting anyway");
        std::process::exit(1);
    }
    println!("every worker stopped; exiting");
    why
}
// ANCHOR_END: main

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(!args.real_clock)
        .build()
        .expect("a runtime");
    runtime.block_on(run(args.after));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The book's run is stopped by its timer. This test sends the process a
    /// real SIGINT, as Ctrl-C does, and checks that the same shutdown runs.
    /// Without the `ctrl_c` branch, the signal would kill the test process.
    #[test]
    fn ctrl_c_starts_the_same_shutdown() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        // Install tokio's SIGINT handler before any signal is sent: once
        // installed it stays for the life of the process, so no signal
        // below can kill the test, however late `run` starts listening.
        runtime.block_on(async {
            let interrupt = tokio::signal::unix::SignalKind::interrupt();
            drop(tokio::signal::unix::signal(interrupt).expect("a SIGINT handler"));
        });
        let done = Arc::new(AtomicBool::new(false));
        let pid = std::process::id().to_string();
        let sender = std::thread::spawn({
            let done = Arc::clone(&done);
            move || {
                // Again every 100 ms, until `run` has seen one (at most 5 s).
                for _ in 0..50 {
                    if done.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut kill = std::process::Command::new("kill");
                    let sent = kill.args(["-INT", &pid]).status().expect("run kill");
                    assert!(sent.success());
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        });
        let why = runtime.block_on(run(Duration::from_secs(10)));
        done.store(true, Ordering::Relaxed);
        sender.join().expect("the sender");
        assert_eq!(why, "Ctrl-C");
    }
}
