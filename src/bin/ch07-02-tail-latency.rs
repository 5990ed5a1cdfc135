//! Section 7, big data and real time: a request that fans out to n backends
//! waits for the slowest, so rare slowness in each becomes common slowness
//! in the whole. The formula 1 − (1 − p)^n is checked against a seeded
//! simulation.
//!
//! Run: `cargo run --bin ch07-02-tail-latency -- --p-slow 0.01`

use clap::Parser;
use cookbook::support::cli::usize_in;
use cookbook::trends::tail_latency::{fanout_slow_probability, per_backend_budget};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Checks the fan-out formula against a simulation.
#[derive(Parser)]
struct Args {
    /// The probability that one backend call is slow, from 0 to 1.
    #[arg(long, value_name = "P", default_value = "0.01", value_parser = parse_p_slow)]
    p_slow: f64,
    /// Simulated requests per fan-out (100 to 100000).
    #[arg(long, default_value = "10000", value_parser = usize_in(100..=100_000))]
    trials: usize,
    /// Seed of the simulation.
    #[arg(long, default_value = "3")]
    seed: u64,
}

/// A probability, validated by the model itself so the messages agree.
fn parse_p_slow(text: &str) -> Result<f64, String> {
    let p: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    fanout_slow_probability(p, 1).map_err(|e| e.to_string())?;
    Ok(p)
}

/// One backend call: 1-10 ms, or 50-500 ms with probability `p_slow`.
fn backend_ms(rng: &mut StdRng, p_slow: f64) -> u32 {
    if rng.random_bool(p_slow) {
        rng.random_range(50..=500)
    } else {
        rng.random_range(1..=10)
    }
}

fn percentile(sorted: &[u32], q: f64) -> u32 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn main() {
    let args = Args::parse();
    let mut rng = StdRng::seed_from_u64(args.seed);
    println!(
        "a backend call takes 1-10 ms, or 50-500 ms with probability {}",
        args.p_slow
    );
    println!(
        "a request is slow when it takes over 10 ms, \
         that is when any of its calls is slow"
    );
    println!(
        "{} requests per row (seed {}); budget per backend for P(slow) = 0.01",
        args.trials, args.seed
    );
    println!();
    println!("fan-out | P(slow): formula  simulated | request p50  p99 | budget");
    for n in [1u64, 2, 5, 10, 20, 50, 100] {
        // ANCHOR: simulate
        let mut latencies: Vec<u32> = (0..args.trials)
            .map(|_| {
                (0..n)
                    .map(|_| backend_ms(&mut rng, args.p_slow))
                    .max() // the request waits for its slowest call
                    .unwrap_or(0)
            })
            .collect();
        latencies.sort_unstable();
        let slow = latencies.iter().filter(|&&ms| ms > 10).count();
        let simulated = slow as f64 / args.trials as f64;
        let formula = fanout_slow_probability(args.p_slow, n).expect("validated input");
        // ANCHOR_END: simulate
        let budget = per_backend_budget(0.01, n).expect("valid input");
        println!(
            "{n:7} | {formula:16.4} {simulated:10.4} | {:8} ms {:4} ms | {budget:.6}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
        );
    }
}
