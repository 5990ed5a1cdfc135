//! Go-to-Rust quick reference: bounded async fan-out, Go's `errgroup` with
//! `SetLimit`, as a `Semaphore` with a `JoinSet`, and as `buffer_unordered`.
//!
//! Run: `cargo run --bin ch09-13-bounded-fanout`
//!
//! Six jobs of 50 ms each, at most two at a time; job 4 fails. The clock is
//! paused, so the times printed are exact. The first three lines are the
//! lines its Go twin, `go/ch09-13-bounded-fanout`, prints.

use futures::stream::{self, StreamExt};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep};

const JOBS: u32 = 6;
const LIMIT: usize = 2;

/// Counts the jobs running now and the most that ever ran at once.
#[derive(Default)]
struct Gauge {
    running: AtomicUsize,
    peak: AtomicUsize,
}

/// Leaving a job: the count goes down when this is dropped.
struct InJob<'a>(&'a Gauge);

impl Gauge {
    fn enter(&self) -> InJob<'_> {
        // Relaxed: each update is one indivisible step at any ordering, and
        // the counters publish no other memory.
        let now = self.running.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        InJob(self)
    }
}

impl Drop for InJob<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A job: 50 ms of waiting, then a result, or an error for job 4.
async fn fetch(id: u32, gauge: &Gauge) -> Result<u32, String> {
    let _in_job = gauge.enter();
    sleep(Duration::from_millis(50)).await;
    if id == 4 {
        return Err(format!("job {id}: failed"));
    }
    Ok(id * 10)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    semaphore_and_join_set().await;
    buffered_stream().await;
}

async fn semaphore_and_join_set() {
    let start = Instant::now();
    let gauge = Arc::new(Gauge::default());
    // ANCHOR: semaphore
    let slots = Arc::new(Semaphore::new(LIMIT));
    let mut set = JoinSet::new();
    for id in 1..=JOBS {
        // Waits here while LIMIT jobs hold a permit: errgroup's `g.Go`.
        let permit = Arc::clone(&slots)
            .acquire_owned()
            .await
            .expect("never closed");
        let gauge = Arc::clone(&gauge);
        set.spawn(async move {
            let _permit = permit; // released when the job ends
            fetch(id, &gauge).await
        });
    }
    let (mut results, mut first_error) = (Vec::new(), None);
    while let Some(joined) = set.join_next().await {
        match joined.expect("a job panicked") {
            Ok(value) => results.push(value),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    // ANCHOR_END: semaphore
    let peak = gauge.peak.load(Ordering::Relaxed);
    println!("{JOBS} jobs, limit {LIMIT}: at most {peak} ran at once");
    println!("first error: {}", first_error.as_deref().unwrap_or("<nil>"));
    results.sort();
    println!("results: {results:?}");
    println!("(Semaphore and JoinSet: all done at {:?})", start.elapsed());
}

async fn buffered_stream() {
    let start = Instant::now();
    let gauge = Gauge::default();
    // ANCHOR: buffer_unordered
    // At most LIMIT of these futures are polled at once, all in this task.
    let outcomes: Vec<Result<u32, String>> = stream::iter(1..=JOBS)
        .map(|id| fetch(id, &gauge))
        .buffer_unordered(LIMIT)
        .collect()
        .await;
    // ANCHOR_END: buffer_unordered
    let errors: Vec<&String> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    println!(
        "buffer_unordered({LIMIT}): at most {} at once, all {} done at {:?}, errors {errors:?}",
        gauge.peak.load(Ordering::Relaxed),
        outcomes.len(),
        start.elapsed()
    );
}
