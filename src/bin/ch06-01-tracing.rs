//! Section 6, tools: structured, per-request logs of concurrent work with
//! `tracing`.
//!
//! Each event is printed with the spans it happened in, so the lines of
//! three concurrent tasks can be told apart even when they interleave. The
//! runtime's clock is paused (virtual time), and the subscriber prints no
//! timestamps, so the output is the same on every run.
//!
//! Run: `cargo run --bin ch06-01-tracing` (add `-- --detached` to see the
//! spans lost when a task is spawned without them)

use clap::Parser;
use std::time::Duration;
use tokio::time::{Instant, sleep};
use tracing::{Instrument, Level, debug, info, info_span, instrument, warn};

// ANCHOR: instrument
/// One call to a shard. `#[instrument]` opens a span named `fetch` holding
/// the arguments; every event inside is printed under it.
#[instrument(skip(started))]
async fn fetch(shard: u32, delay_ms: u64, started: Instant) -> u64 {
    debug!("request sent");
    sleep(Duration::from_millis(delay_ms)).await;
    let at_ms = started.elapsed().as_millis() as u64;
    if delay_ms > 50 {
        warn!(at_ms, "slow reply");
    } else {
        info!(at_ms, "reply");
    }
    u64::from(shard) * 100
}
// ANCHOR_END: instrument

/// Logs a fanned-out query with `tracing`.
#[derive(Parser)]
struct Args {
    /// Spawn the shard calls without handing them the query's span.
    #[arg(long)]
    detached: bool,
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let detached = Args::parse().detached;
    // ANCHOR: subscriber
    tracing_subscriber::fmt()
        .with_max_level(Level::DEBUG)
        .without_time() // real timestamps would change on every run
        .with_target(false)
        .with_ansi(false)
        .with_writer(std::io::stdout)
        .init();
    // ANCHOR_END: subscriber

    // ANCHOR: fan_out
    let query = async {
        let started = Instant::now();
        info!("fanning out to 3 shards");
        let tasks: Vec<_> = [(1, 30), (2, 80), (3, 10)]
            .into_iter()
            // A spawned task starts with no span, as a new goroutine starts
            // with no context. `in_current_span` hands it this one (`query`),
            // so `fetch` opens its span inside `query`.
            .map(|(shard, delay)| {
                let call = fetch(shard, delay, started);
                if detached {
                    tokio::spawn(call) // the mistake: the span is lost
                } else {
                    tokio::spawn(call.in_current_span())
                }
            })
            .collect();
        let mut total = 0;
        for task in tasks {
            total += task.await.expect("a fetch task panicked");
        }
        info!(total, "all shards answered");
    };
    query.instrument(info_span!("query", id = 7)).await;
    // ANCHOR_END: fan_out
}
