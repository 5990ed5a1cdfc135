//! Section 5, microservices: every request is served under a deadline that
//! covers both its wait for a worker slot and its backend call.
//!
//! The runtime's clock is paused: time moves only when every task is
//! waiting, and then jumps to the next timer. The program therefore prints
//! the same virtual times on every run and finishes at once.
//!
//! Run: `cargo run --bin ch05-01-deadline-service -- --deadline 100ms --concurrency 4`

use clap::Parser;
use cookbook::support::cli::{parse_duration, usize_in};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// A service that answers each request within a deadline or not at all.
#[derive(Parser)]
struct Args {
    /// How many requests arrive, 10 ms apart (1 to 200).
    #[arg(long, default_value = "16", value_parser = usize_in(1..=200))]
    requests: usize,
    /// The deadline of each request, counted from its arrival.
    #[arg(long, default_value = "100ms", value_parser = parse_duration)]
    deadline: Duration,
    /// How many requests may call the backend at once (1 to 16).
    #[arg(long, default_value = "4", value_parser = usize_in(1..=16))]
    concurrency: usize,
    /// Seed of the backend's simulated latencies.
    #[arg(long, default_value = "2")]
    seed: u64,
}

/// What happened to one request.
struct Outcome {
    id: usize,
    arrived: Duration,
    backend: Duration,
    /// When it got a worker slot, if it got one before the deadline.
    started: Option<Duration>,
    /// `Some(at)` when answered in time; `None` when the deadline fired.
    answered: Option<Duration>,
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let args = Args::parse();
    let mut rng = StdRng::seed_from_u64(args.seed);
    // Most backend calls take 20-60 ms; one in five takes 150-300 ms.
    let backend: Vec<Duration> = (0..args.requests)
        .map(|_| {
            let millis = if rng.random_bool(0.2) {
                rng.random_range(150..=300)
            } else {
                rng.random_range(20..=60)
            };
            Duration::from_millis(millis)
        })
        .collect();

    let t0 = Instant::now();
    let slots = Arc::new(Semaphore::new(args.concurrency));
    let deadline = args.deadline;
    let mut handles = Vec::new();
    for (id, &call) in backend.iter().enumerate() {
        let slots = Arc::clone(&slots);
        let arrived = Duration::from_millis(10 * id as u64);
        // ANCHOR: handler
        handles.push(tokio::spawn(async move {
            sleep_until(t0 + arrived).await; // the request arrives
            let mut started = None;
            let result = timeout(deadline, async {
                // Waiting for a slot counts against the deadline too.
                let _slot = slots.acquire().await.expect("semaphore closed");
                started = Some(t0.elapsed());
                sleep(call).await; // the backend call
            })
            .await;
            // If the deadline fired, the inner future was dropped where it
            // stood: its slot went back to the semaphore and the backend
            // call was abandoned. Nothing had to check for cancellation.
            Outcome {
                id,
                arrived,
                backend: call,
                started,
                answered: result.ok().map(|()| t0.elapsed()),
            }
        }));
        // ANCHOR_END: handler
    }

    println!(
        "{} requests 10 ms apart, deadline {} ms each, \
         {} backend call(s) at a time (seed {})",
        args.requests,
        ms(deadline),
        args.concurrency,
        args.seed
    );
    let mut served = Vec::new();
    let mut expired = 0;
    for handle in handles {
        let o = handle.await.expect("a request task panicked");
        let head = format!(
            "req {:2} at {:3} ms, backend {:3} ms:",
            o.id,
            ms(o.arrived),
            ms(o.backend)
        );
        match (o.started, o.answered) {
            (Some(s), Some(a)) => {
                served.push(a - o.arrived);
                println!(
                    "{head} answered after {:3} ms (waited {} ms for a slot)",
                    ms(a - o.arrived),
                    ms(s - o.arrived)
                );
            }
            (Some(s), None) => {
                expired += 1;
                println!(
                    "{head} DEADLINE in the backend call (waited {} ms for a slot)",
                    ms(s - o.arrived)
                );
            }
            (None, _) => {
                expired += 1;
                println!("{head} DEADLINE while waiting for a slot");
            }
        }
    }
    let slowest = served.iter().max().copied().unwrap_or_default();
    println!(
        "answered {} of {}, {} hit the deadline; \
         slowest answer {} ms; virtual time {} ms",
        served.len(),
        args.requests,
        expired,
        ms(slowest),
        ms(t0.elapsed())
    );
}
