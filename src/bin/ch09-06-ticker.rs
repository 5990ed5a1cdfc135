//! Go-to-Rust quick reference: `time.Ticker`, as `tokio::time::interval`.
//!
//! Run: `cargo run --bin ch09-06-ticker -- --stall 350ms`
//!
//! The runtime starts with its clock paused: tokio then moves time forward
//! by itself whenever every task is waiting on a timer, so the tick times
//! printed are exact and the program takes no real time to run.

use clap::Parser;
use cookbook::support::cli::parse_duration;
use std::time::Duration;
use tokio::time::{self, Instant, MissedTickBehavior};

/// Ticks every 100 ms, stalls once after the second tick, and prints when
/// each tick completed under each of tokio's missed-tick behaviours.
#[derive(Parser)]
struct Args {
    /// How long the consumer stalls after the second tick (0ms to 1s).
    #[arg(long, default_value = "350ms", value_parser = parse_stall)]
    stall: Duration,
}

fn parse_stall(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d > Duration::from_secs(1) {
        return Err(format!("`{text}` is longer than 1s; pick 0ms to 1s"));
    }
    Ok(d)
}

const PERIOD: Duration = Duration::from_millis(100);

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let args = Args::parse();
    println!(
        "period {PERIOD:?}, the consumer stalls {:?} after the second tick",
        args.stall
    );
    for (name, behaviour) in [
        ("Burst (default)", MissedTickBehavior::Burst),
        ("Delay", MissedTickBehavior::Delay),
        ("Skip", MissedTickBehavior::Skip),
    ] {
        let ticks = tick_times(behaviour, args.stall).await;
        println!("{name:>15}: ticks at {}", ms_list(&ticks));
    }
    let (received, due) = go_like(args.stall).await;
    println!("like Go's Ticker (interval_at + Skip, stall after the first tick):");
    println!("{:>15}: ticks at {}", "received", ms_list(&received));
    println!("{:>15}: ticks at {}", "due", ms_list(&due));
}

// ANCHOR: ticks
/// Takes seven ticks and returns when each completed, counted from the start.
async fn tick_times(behaviour: MissedTickBehavior, stall: Duration) -> Vec<Duration> {
    let start = Instant::now();
    let mut ticker = time::interval(PERIOD); // Go: time.NewTicker(period)
    ticker.set_missed_tick_behavior(behaviour);
    let mut seen = Vec::new();
    for n in 0..7 {
        ticker.tick().await; // Go: <-ticker.C
        seen.push(start.elapsed());
        if n == 1 {
            time::sleep(stall).await; // a slow consumer
        }
    }
    seen
}
// ANCHOR_END: ticks

// ANCHOR: interval_at
/// `interval` completes its first tick at once; Go's first tick comes one
/// period after `NewTicker`, and `interval_at` starts the schedule there.
/// `tick()` returns when the tick was due, like the time a Go tick carries.
async fn go_like(stall: Duration) -> (Vec<Duration>, Vec<Duration>) {
    let start = Instant::now();
    let mut ticker = time::interval_at(start + PERIOD, PERIOD);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let (mut received, mut due) = (Vec::new(), Vec::new());
    for n in 0..4 {
        let due_at = ticker.tick().await;
        received.push(start.elapsed());
        due.push(due_at - start);
        if n == 0 {
            time::sleep(stall).await;
        }
    }
    (received, due)
}
// ANCHOR_END: interval_at

fn ms_list(ticks: &[Duration]) -> String {
    let ms: Vec<String> = ticks.iter().map(|d| d.as_millis().to_string()).collect();
    format!("{} ms", ms.join(", "))
}
