//! Go-to-Rust quick reference: a worker pool.
//!
//! Run: `cargo run --bin ch09-07-worker-pool -- --workers 3 --jobs 8`
//!
//! Its Go twin is `go/ch09-07-worker-pool`; the two print the same line.

use clap::Parser;
use cookbook::quickref::worker_pool::run_pool;
use cookbook::support::cli::usize_in;

/// Squares the numbers 1..=jobs on a fixed pool of worker threads.
#[derive(Parser)]
struct Args {
    /// How many worker threads (1 to 16).
    #[arg(long, default_value = "3", value_parser = usize_in(1..=16))]
    workers: usize,
    /// How many jobs (0 to 1000).
    #[arg(long, default_value = "8", value_parser = usize_in(0..=1000))]
    jobs: usize,
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    let jobs: Vec<u64> = (1..=args.jobs as u64).collect();
    let squares = run_pool(args.workers, jobs, |n| n * n);
    println!(
        "{} jobs on {} workers: {squares:?}",
        args.jobs, args.workers
    );
    // ANCHOR_END: main
}
