//! Section 5, big-data processing: a map / filter / reduce over a data set
//! with rayon, checked against the same pipeline run serially.
//!
//! Run: `cargo run --bin ch05-02-rayon-pipeline -- --records 1000000 --seed 42`

use clap::Parser;
use cookbook::support::cli::usize_in;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::time::Instant;

/// Summarises a generated access log, in parallel and serially.
#[derive(Parser)]
struct Args {
    /// How many log records to generate (1 to 5000000).
    #[arg(long, default_value = "1000000", value_parser = usize_in(1..=5_000_000))]
    records: usize,
    /// Seed of the generator, so every run sees the same data.
    #[arg(long, default_value = "42")]
    seed: u64,
}

// ANCHOR: record
/// One line of an access log.
#[derive(Clone, Copy)]
struct Record {
    endpoint: u8,    // 0..4
    status: u16,     // 200, 404 or 500
    latency_us: u32, // microseconds
}

/// What the pipeline computes. Every field is an integer, so the parallel
/// and serial results can be compared exactly (see the page on floats).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    requests: u64,
    errors: u64,                 // status 500
    latency_sum_us: u64,         // of the successful (200) requests
    max_latency_us: u32,         // of the successful requests
    slow_per_endpoint: [u64; 4], // successful requests over 100 ms
}

impl Summary {
    /// The map step: one record as a summary of one request.
    fn of(r: &Record) -> Summary {
        let ok = r.status == 200;
        let mut s = Summary {
            requests: 1,
            errors: u64::from(r.status == 500),
            ..Summary::default()
        };
        if ok {
            s.latency_sum_us = u64::from(r.latency_us);
            s.max_latency_us = r.latency_us;
            s.slow_per_endpoint[usize::from(r.endpoint)] =
                u64::from(r.latency_us > 100_000);
        }
        s
    }

    /// The reduce step. It is associative and `Summary::default()` is its
    /// identity, which is all rayon needs to split the work any way it likes.
    fn merge(mut self, o: Summary) -> Summary {
        self.requests += o.requests;
        self.errors += o.errors;
        self.latency_sum_us += o.latency_sum_us;
        self.max_latency_us = self.max_latency_us.max(o.max_latency_us);
        for (a, b) in self.slow_per_endpoint.iter_mut().zip(o.slow_per_endpoint) {
            *a += b;
        }
        self
    }
}
// ANCHOR_END: record

fn generate(n: usize, seed: u64) -> Vec<Record> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let roll = rng.random_range(0..1000);
            let status = match roll {
                0..5 => 500,
                5..25 => 404,
                _ => 200,
            };
            // Mostly 2-40 ms, with one request in fifty taking 50-250 ms.
            let latency_us = if rng.random_bool(0.02) {
                rng.random_range(50_000..250_000)
            } else {
                rng.random_range(2_000..40_000)
            };
            Record {
                endpoint: rng.random_range(0..4),
                status,
                latency_us,
            }
        })
        .collect()
}

fn main() {
    let args = Args::parse();
    let log = generate(args.records, args.seed);

    // ANCHOR: pipeline
    // rayon starts its global thread pool on first use. Start it now, and
    // wait until every thread has run, so the timing below leaves it out.
    rayon::broadcast(|_| ());

    let start = Instant::now();
    let parallel = log
        .par_iter() // the only change from the serial version below
        .filter(|r| r.status != 404) // drop what the summary ignores
        .map(Summary::of)
        .reduce(Summary::default, Summary::merge);
    let par_time = start.elapsed();

    let start = Instant::now();
    let serial = log
        .iter()
        .filter(|r| r.status != 404)
        .map(Summary::of)
        .fold(Summary::default(), Summary::merge);
    let ser_time = start.elapsed();

    assert_eq!(parallel, serial, "the parallel pipeline must agree exactly");
    // ANCHOR_END: pipeline

    let ok = parallel.requests - parallel.errors;
    println!(
        "records: {} (seed {}), kept after the filter: {}",
        args.records, args.seed, parallel.requests
    );
    println!("errors (500): {}", parallel.errors);
    println!(
        "successful: {ok}, mean latency {} us, max {} us",
        parallel.latency_sum_us.checked_div(ok).unwrap_or(0),
        parallel.max_latency_us
    );
    println!(
        "slow (> 100 ms) per endpoint: {:?}",
        parallel.slow_per_endpoint
    );
    println!("parallel result == serial result: true");
    println!(
        "rayon threads ~{}, parallel ~{:.1} ms, serial ~{:.1} ms",
        rayon::current_num_threads(),
        par_time.as_secs_f64() * 1e3,
        ser_time.as_secs_f64() * 1e3
    );
}
