//! Go-to-Rust quick reference: goroutines + WaitGroup + Mutex, as Rust.
//!
//! Run: `cargo run --bin ch09-01-mutex-counter -- --workers 4 --per-worker 1000`

use clap::Parser;
use cookbook::support::cli::usize_in;
use std::sync::Mutex;
use std::thread;

/// Several workers add to one counter behind a mutex.
#[derive(Parser)]
struct Args {
    /// How many threads to start (1 to 64).
    #[arg(long, default_value = "4", value_parser = usize_in(1..=64))]
    workers: usize,
    /// How many increments each thread makes (0 to 1000000).
    #[arg(long, default_value = "1000", value_parser = usize_in(0..=1_000_000))]
    per_worker: usize,
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    let counter = Mutex::new(0u64); // the data lives inside the lock
    thread::scope(|s| {
        for _ in 0..args.workers {
            // `s.spawn` is `go func() { ... }()`; leaving the scope is
            // `wg.Wait()`: every thread spawned here is joined before it ends.
            s.spawn(|| {
                for _ in 0..args.per_worker {
                    *counter.lock().unwrap() += 1; // unlocked at end of statement
                }
            });
        }
    });
    let total = counter.into_inner().unwrap();
    println!(
        "counter = {total} ({} workers x {} increments)",
        args.workers, args.per_worker
    );
    // ANCHOR_END: main
}
