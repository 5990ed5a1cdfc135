//! CPU-bound work three ways: one thread, equal slices on scoped threads,
//! and rayon. All three count the primes below `--limit`; the program checks
//! that they agree and prints how long each took.
//!
//! Run: `cargo run --bin ch04-01-cpu-rayon -- --threads 2`

use clap::Parser;
use cookbook::parallelism::cpu_bound::{
    count_primes_rayon, count_primes_sequential, count_primes_threads,
};
use cookbook::support::cli::usize_in;
use std::time::{Duration, Instant};

/// Counts primes sequentially, with threads, and with rayon, and compares.
#[derive(Parser)]
struct Args {
    /// Count the primes below this number (1000 to 100000000).
    #[arg(long, default_value = "2000000", value_parser = usize_in(1_000..=100_000_000))]
    limit: usize,
    /// Threads for the threaded and the rayon versions (1 to 64);
    /// the default is the number of cores.
    #[arg(long, value_parser = usize_in(1..=64))]
    threads: Option<usize>,
}

/// Runs `f` once and returns its result and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}

fn main() {
    let args = Args::parse();
    let limit = args.limit as u64;
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // ANCHOR: main
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("could not start the rayon pool");

    let (seq, t_seq) = timed(|| count_primes_sequential(limit));
    let (thr, t_thr) = timed(|| count_primes_threads(limit, threads));
    let (ray, t_ray) = timed(|| pool.install(|| count_primes_rayon(limit)));
    assert!(
        seq == thr && thr == ray,
        "the versions disagree: {seq}, {thr}, {ray}"
    );

    println!("primes below {limit}: {seq} (all three versions agree)");
    println!("sequential ~{:.2} s", t_seq.as_secs_f64());
    for (name, t) in [("threads   ", t_thr), ("rayon     ", t_ray)] {
        let speedup = t_seq.as_secs_f64() / t.as_secs_f64();
        println!(
            "{name} ~{:.2} s  speedup ~{speedup:.1}x on {threads} threads",
            t.as_secs_f64()
        );
    }
    // ANCHOR_END: main
}
