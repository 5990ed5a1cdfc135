//! Section 7, network unreliability: clients retrying against a server that
//! is down for a while, with and without jitter, and, with `--capacity`,
//! against a recovered server that can take only so many calls at once.
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
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

const ZERO: Duration = Duration::ZERO;

/// Prints when each client retries, with plain and jittered backoff.
#[derive(Parser)]
struct Args {
    /// How many clients fail at the same moment (1 to 20).
    #[arg(long, default_value = "4", value_parser = usize_in(1..=20))]
    clients: usize,
    /// How long the server stays down.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    outage: Duration,
    /// Calls the recovered server can serve per 50 ms window; the rest are
    /// refused as overload. Without it every call after the outage succeeds.
    #[arg(long, value_parser = usize_in(1..=20))]
    capacity: Option<usize>,
    /// Seed of the jitter.
    #[arg(long, default_value = "1")]
    seed: u64,
}

const MAX_ATTEMPTS: usize = 10;
const WINDOW_MS: u128 = 50;

/// One call: when it was made and whether the server answered it.
#[derive(Clone, Copy)]
struct Call {
    at: Duration,
    ok: bool,
    overloaded: bool,
}

// ANCHOR: schedule
/// Every client's calls against one server, simulated in time order: the
/// server is down until `outage`, then serves at most `capacity` calls in
/// each 50 ms window. A client that fails waits `wait(failures)` and calls
/// again, until a call succeeds or it has made MAX_ATTEMPTS calls.
fn simulate(
    clients: usize,
    outage: Duration,
    capacity: Option<usize>,
    mut wait: impl FnMut(u32) -> Duration,
) -> Vec<Vec<Call>> {
    let mut due: BTreeSet<(Duration, usize)> = (0..clients).map(|c| (ZERO, c)).collect();
    let mut calls = vec![Vec::new(); clients];
    let mut served: BTreeMap<u128, usize> = BTreeMap::new(); // per window
    while let Some((at, client)) = due.pop_first() {
        let window = served.entry(at.as_millis() / WINDOW_MS).or_default();
        let up = at >= outage;
        let overloaded = up && capacity.is_some_and(|cap| *window >= cap);
        let ok = up && !overloaded;
        *window += usize::from(ok);
        calls[client].push(Call { at, ok, overloaded });
        let failures = calls[client].len();
        if !ok && failures < MAX_ATTEMPTS {
            due.insert((at + wait(failures as u32 - 1), client));
        }
    }
    calls
}
// ANCHOR_END: schedule

/// Prints each client's calls (`!` marks a call refused as overload) and
/// what the server saw: retries into the outage and after it, and the worst
/// burst after recovery, the most calls that landed in one 50 ms window.
fn show(name: &str, clients: &[Vec<Call>], outage: Duration) {
    println!("{name}:");
    let mut after_recovery: BTreeMap<u128, usize> = BTreeMap::new();
    for (i, calls) in clients.iter().enumerate() {
        let times: Vec<String> = calls
            .iter()
            .map(|c| {
                format!(
                    "{}{}",
                    c.at.as_millis(),
                    if c.overloaded { "!" } else { "" }
                )
            })
            .collect();
        let done = calls.last().is_some_and(|c| c.ok);
        println!(
            "  client {i}: calls at ms [{}] {}",
            times.join(", "),
            if done { "ok" } else { "gave up" }
        );
        for c in calls.iter().filter(|c| c.at >= outage) {
            *after_recovery
                .entry(c.at.as_millis() / WINDOW_MS)
                .or_default() += 1;
        }
    }
    let retries: Vec<&Call> = clients.iter().flat_map(|c| &c[1..]).collect();
    let into_outage = retries.iter().filter(|c| c.at < outage).count();
    let refused = retries.iter().filter(|c| c.overloaded).count();
    let burst = after_recovery.values().max().copied().unwrap_or(0);
    let last_ok = clients
        .iter()
        .flatten()
        .filter(|c| c.ok)
        .map(|c| c.at)
        .max();
    let gave_up = clients
        .iter()
        .filter(|c| !c.last().is_some_and(|c| c.ok))
        .count();
    println!(
        "  {} retries: {into_outage} into the outage, {} after it ({refused} refused)",
        retries.len(),
        retries.len() - into_outage
    );
    println!(
        "  after recovery: worst burst {burst} calls per {WINDOW_MS} ms; \
         last success {} ms; {gave_up} gave up",
        last_ok.map_or(0, |t| t.as_millis())
    );
}

fn main() {
    let args = Args::parse();
    let policy = Backoff::new(Duration::from_millis(100), Duration::from_secs(2))
        .expect("a valid policy");
    let serves = match args.capacity {
        Some(cap) => format!("then serves {cap} calls per {WINDOW_MS} ms"),
        None => "then serves every call".to_string(),
    };
    println!(
        "{} clients fail at t = 0; the server is down for {} ms, {serves}",
        args.clients,
        args.outage.as_millis()
    );
    println!("backoff: base 100 ms, cap 2000 ms, at most {MAX_ATTEMPTS} calls a client");

    // ANCHOR: compare
    let (n, outage, cap) = (args.clients, args.outage, args.capacity);
    let plain = simulate(n, outage, cap, |k| policy.ceiling(k));
    let mut rng = StdRng::seed_from_u64(args.seed);
    let jittered = simulate(n, outage, cap, |k| policy.full_jitter(k, &mut rng));
    // ANCHOR_END: compare
    show("exponential backoff, no jitter", &plain, outage);
    show("exponential backoff, full jitter", &jittered, outage);
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn policy() -> Backoff {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(2)).unwrap()
    }

    #[test]
    fn no_window_serves_more_than_the_capacity() {
        let mut rng = StdRng::seed_from_u64(7);
        for cap in [1, 2, 4] {
            let runs = [
                simulate(20, SECOND, Some(cap), |k| policy().ceiling(k)),
                simulate(20, SECOND, Some(cap), |k| policy().full_jitter(k, &mut rng)),
            ];
            for calls in runs {
                let mut served: BTreeMap<u128, usize> = BTreeMap::new();
                for c in calls.iter().flatten().filter(|c| c.ok) {
                    *served.entry(c.at.as_millis() / WINDOW_MS).or_default() += 1;
                }
                assert!(served.values().all(|&n| n <= cap), "{served:?}");
                // Nothing succeeds during the outage, and a client stops
                // calling once a call succeeds.
                for client in &calls {
                    assert!(client.iter().all(|c| !c.ok || c.at >= SECOND));
                    let first_ok = client.iter().position(|c| c.ok);
                    assert!(first_ok.is_none_or(|i| i == client.len() - 1));
                    assert!(client.len() <= MAX_ATTEMPTS);
                }
            }
        }
    }

    #[test]
    fn clients_without_jitter_call_in_lockstep() {
        let calls = simulate(5, SECOND, None, |k| policy().ceiling(k));
        let times: Vec<Vec<Duration>> = calls
            .iter()
            .map(|c| c.iter().map(|c| c.at).collect())
            .collect();
        assert!(times.iter().all(|t| *t == times[0]), "{times:?}");
        let ms: Vec<u128> = times[0].iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 100, 300, 700, 1500]);
    }
}
