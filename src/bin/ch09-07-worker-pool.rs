//! Go-to-Rust quick reference: a worker pool.
//!
//! Run: `cargo run --bin ch09-07-worker-pool -- --workers 3 --jobs 8`
//! (`--panic-on 3` makes job 3 panic: the pool passes the panic on).
//!
//! Its Go twin is `go/ch09-07-worker-pool`; the two print the same line.

use clap::Parser;
use cookbook::quickref::worker_pool::run_pool;
use cookbook::support::cli::usize_in;
use cookbook::support::panic::one_line_panic_hook;

/// Squares the numbers 1..=jobs on a fixed pool of worker threads.
#[derive(Parser)]
struct Args {
    /// How many worker threads (1 to 16).
    #[arg(long, default_value = "3", value_parser = usize_in(1..=16))]
    workers: usize,
    /// How many jobs (0 to 1000).
    #[arg(long, default_value = "8", value_parser = usize_in(0..=1000))]
    jobs: usize,
    /// Make the job with this number panic (1 to 1000; 0, the default, is none).
    #[arg(long, default_value = "0", value_parser = usize_in(0..=1000))]
    panic_on: usize,
}

// ANCHOR: job
/// The job: squares `n`, or panics if `n` is the `--panic-on` number.
/// A pool job is a plain `fn`, so the number travels with the job.
fn square((n, panic_on): (u64, u64)) -> u64 {
    assert!(n != panic_on, "job {n} failed on purpose (--panic-on {n})");
    n * n
}
// ANCHOR_END: job

fn main() {
    let args = Args::parse();
    one_line_panic_hook();
    let panic_on = args.panic_on as u64;
    // ANCHOR: main
    let jobs: Vec<(u64, u64)> = (1..=args.jobs as u64).map(|n| (n, panic_on)).collect();
    // A job's panic comes out of `run_pool`, on this thread, after every
    // worker has been joined. Uncaught here, it ends the program.
    let squares = run_pool(args.workers, jobs, square);
    println!(
        "{} jobs on {} workers: {squares:?}",
        args.jobs, args.workers
    );
    // ANCHOR_END: main
}
