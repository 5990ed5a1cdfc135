//! Chapter 4.1's CPU-bound benchmark: the primes below two million, counted
//! on one thread, on one scoped thread per core with equal slices, and with
//! rayon's work-stealing pool.
//!
//! Run: `cargo bench --bench parallelism_cpu_bound` (about half a minute on 2 cores).
//! Divan prints the fastest, slowest, median and mean time of each; the
//! speedups the book quotes are the sequential median over the others'.
//! The run the book shows is saved, with the machine it ran on, in
//! `benches/results/parallelism_cpu_bound.txt`.

use cookbook::parallelism::cpu_bound::{
    count_primes_rayon, count_primes_sequential, count_primes_threads,
};
use divan::black_box;

/// The same limit as the runnable listing's default.
const LIMIT: u64 = 2_000_000;
/// The primes below `LIMIT`: every version must find exactly this many.
const PRIMES_BELOW_LIMIT: u64 = 148_933;

fn main() {
    divan::main();
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

// ANCHOR: benches
#[divan::bench(sample_count = 20, sample_size = 1)]
fn sequential() -> u64 {
    let n = count_primes_sequential(black_box(LIMIT));
    assert_eq!(n, PRIMES_BELOW_LIMIT);
    n
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn threads_equal_slices() -> u64 {
    let n = count_primes_threads(black_box(LIMIT), cores());
    assert_eq!(n, PRIMES_BELOW_LIMIT);
    n
}

#[divan::bench(sample_count = 20, sample_size = 1)]
fn rayon_par_iter() -> u64 {
    let n = count_primes_rayon(black_box(LIMIT));
    assert_eq!(n, PRIMES_BELOW_LIMIT);
    n
}
// ANCHOR_END: benches
