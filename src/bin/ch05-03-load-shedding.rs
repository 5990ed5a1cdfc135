//! Section 5, real-time computing: under overload, an unbounded queue turns
//! into unbounded latency; a bounded queue that sheds load keeps latency
//! bounded.
//!
//! Events arrive every 2 ms and each takes 3 ms to process, so the consumer
//! can keep up with only two events in three. The runtime's clock is paused,
//! so the virtual times printed are the same on every run.
//!
//! Run: `cargo run --bin ch05-03-load-shedding -- --events 200 --capacity 8`

use clap::Parser;
use cookbook::support::cli::usize_in;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep, sleep_until};

const ARRIVAL_EVERY: Duration = Duration::from_millis(2);
const SERVICE_TIME: Duration = Duration::from_millis(3);

/// Feeds an overloaded consumer through two kinds of queue.
#[derive(Parser)]
struct Args {
    /// How many events arrive (1 to 2000).
    #[arg(long, default_value = "200", value_parser = usize_in(1..=2000))]
    events: usize,
    /// Capacity of the bounded queue (1 to 1000).
    #[arg(long, default_value = "8", value_parser = usize_in(1..=1000))]
    capacity: usize,
}

/// Latencies (arrival to end of processing) of the events processed, and
/// how many events were dropped at the door.
struct Run {
    latencies: Vec<Duration>,
    shed: usize,
}

/// Processes events one at a time, recording each one's latency.
async fn consume(mut next: impl AsyncNext) -> Vec<Duration> {
    let mut latencies = Vec::new();
    while let Some(arrived) = next.next().await {
        sleep(SERVICE_TIME).await; // the work
        latencies.push(arrived.elapsed());
    }
    latencies
}

/// The receiving end of either queue.
trait AsyncNext {
    async fn next(&mut self) -> Option<Instant>;
}
impl AsyncNext for mpsc::Receiver<Instant> {
    async fn next(&mut self) -> Option<Instant> {
        self.recv().await
    }
}
impl AsyncNext for mpsc::UnboundedReceiver<Instant> {
    async fn next(&mut self) -> Option<Instant> {
        self.recv().await
    }
}

async fn unbounded(events: usize) -> Run {
    let (tx, rx) = mpsc::unbounded_channel();
    let produce = async move {
        let t0 = Instant::now();
        for i in 0..events {
            sleep_until(t0 + ARRIVAL_EVERY * i as u32).await;
            tx.send(Instant::now()).expect("consumer gone");
        }
        // `tx` is dropped here, which closes the queue: the consumer
        // drains what is left and stops.
    };
    let ((), latencies) = tokio::join!(produce, consume(rx));
    Run { latencies, shed: 0 }
}

// ANCHOR: shed
async fn bounded_with_shedding(events: usize, capacity: usize) -> Run {
    let (tx, rx) = mpsc::channel(capacity);
    let produce = async move {
        let t0 = Instant::now();
        let mut shed = 0;
        for i in 0..events {
            sleep_until(t0 + ARRIVAL_EVERY * i as u32).await;
            // `send(..).await` would wait for room: backpressure, which a
            // sensor or a market feed cannot obey. `try_send` refuses instead.
            match tx.try_send(Instant::now()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => shed += 1,
                Err(mpsc::error::TrySendError::Closed(_)) => panic!("consumer gone"),
            }
        }
        shed
    };
    // Producer and consumer run concurrently inside this one task.
    let (shed, latencies) = tokio::join!(produce, consume(rx));
    Run { latencies, shed }
}
// ANCHOR_END: shed

/// The nearest-rank percentile `q` (0 < q <= 1) of sorted values, in ms.
fn percentile(sorted: &[Duration], q: f64) -> u128 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_millis()
}

/// Prints one row of the table whose header `main` prints.
fn report(name: &str, mut run: Run) {
    run.latencies.sort();
    let l = &run.latencies;
    println!(
        "{name:<22} {:>9} {:>5} {:>11} ms {:>4} ms {:>4} ms",
        l.len(),
        run.shed,
        percentile(l, 0.50),
        percentile(l, 0.99),
        percentile(l, 1.0)
    );
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let args = Args::parse();
    println!(
        "{} events, one every {} ms; processing takes {} ms each",
        args.events,
        ARRIVAL_EVERY.as_millis(),
        SERVICE_TIME.as_millis()
    );
    println!(
        "{:<22} {:>9} {:>5} {:>14} {:>7} {:>7}",
        "queue", "processed", "shed", "latency p50", "p99", "max"
    );
    report("unbounded", unbounded(args.events).await);
    let name = format!("bounded ({}), shedding", args.capacity);
    let bounded = bounded_with_shedding(args.events, args.capacity).await;
    // One event in service plus `capacity` waiting, each taking SERVICE_TIME.
    let bound = SERVICE_TIME * (args.capacity as u32 + 1);
    assert!(bounded.latencies.iter().all(|l| *l <= bound));
    report(&name, bounded);
    println!(
        "bound for the bounded queue: (capacity + 1) x {} ms = {} ms (checked)",
        SERVICE_TIME.as_millis(),
        bound.as_millis()
    );
}
