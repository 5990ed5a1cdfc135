//! Section 7, network unreliability: clients retrying against a server that
//! is down for a while, with and without jitter.
//!
//! The schedule is computed, not slept: each client's attempt times follow
//! from the policy and a seeded random generator, so the output is the same
//! on every run.
//!
//! Run: `cargo run --bin ch07-01-retry-backoff -- --clients 4 --outage 1s`

use clap::Parser;
use cookbook::support::cli::{parse_duration, usize_in};
use cookbook::trends::backoff::Backoff;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::collections::BTreeMap;
use std::time::Duration;

/// Prints when each client retries, with plain and jittered backoff.
#[derive(Parser)]
struct Args {
    /// How many clients fail at the same moment (1 to 20).
    #[arg(long, default_value = "4", value_parser = usize_in(1..=20))]
    clients: usize,
    /// How long the server stays down; calls after that succeed.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    outage: Duration,
    /// Seed of the jitter.
    #[arg(long, default_value = "1")]
    seed: u64,
}

const MAX_ATTEMPTS: u32 = 10;
const WINDOW_MS: u128 = 50;

// ANCHOR: schedule
/// The times at which one client calls, until a call at or after `outage`
/// succeeds or it gives up after MAX_ATTEMPTS calls.
fn schedule(outage: Duration, mut wait: impl FnMut(u32) -> Duration) -> Vec<Duration> {
    let mut now = Duration::ZERO; // the first call fails at t = 0
    let mut calls = vec![now];
    for failure in 0..MAX_ATTEMPTS - 1 {
        if now >= outage {
            break; // that call succeeded
        }
        now += wait(failure);
        calls.push(now);
    }
    calls
}
// ANCHOR_END: schedule

/// Prints each client's calls and the worst burst of retries the server saw:
/// the most retries that landed in one 50 ms window. (The first calls all
/// land at t = 0 by construction, so they are left out.)
fn show(name: &str, clients: &[Vec<Duration>], outage: Duration) {
    println!("{name}:");
    let mut per_window: BTreeMap<u128, usize> = BTreeMap::new();
    for (i, calls) in clients.iter().enumerate() {
        let times: Vec<String> =
            calls.iter().map(|t| t.as_millis().to_string()).collect();
        let done = calls.last().is_some_and(|t| *t >= outage);
        println!(
            "  client {i}: calls at ms [{}] {}",
            times.join(", "),
            if done { "ok" } else { "gave up" }
        );
        for t in &calls[1..] {
            *per_window.entry(t.as_millis() / WINDOW_MS).or_default() += 1;
        }
    }
    let retries: usize = clients.iter().map(|c| c.len() - 1).sum();
    let burst = per_window.values().max().copied().unwrap_or(0);
    println!(
        "  {retries} retries; worst burst: {burst} retries within one {WINDOW_MS} ms window"
    );
}

fn main() {
    let args = Args::parse();
    let policy = Backoff::new(Duration::from_millis(100), Duration::from_secs(2))
        .expect("a valid policy");
    println!(
        "{} clients fail at t = 0; the server is down for {} ms; base 100 ms, cap 2000 ms",
        args.clients,
        args.outage.as_millis()
    );

    // ANCHOR: compare
    let plain: Vec<_> = (0..args.clients)
        .map(|_| schedule(args.outage, |k| policy.ceiling(k)))
        .collect();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let jittered: Vec<_> = (0..args.clients)
        .map(|_| schedule(args.outage, |k| policy.full_jitter(k, &mut rng)))
        .collect();
    // ANCHOR_END: compare
    show("exponential backoff, no jitter", &plain, args.outage);
    show("exponential backoff, full jitter", &jittered, args.outage);
}
