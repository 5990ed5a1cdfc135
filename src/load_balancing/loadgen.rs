//! Section 4.2's load generator: open loop, seeded, bounded.
//!
//! - [`schedule`] draws the workload once from a seed: Poisson arrivals at
//!   a fixed rate, each with a job size (exponential, so most jobs are
//!   short and a few are long) and a key from a fixed key set. Every
//!   policy is measured against the same schedule.
//! - [`run_open_loop`] sends each request at its scheduled time whether or
//!   not the earlier ones have answered, and measures its latency from that
//!   scheduled time. A closed loop (send, wait, send the next) slows down
//!   with a slow server and so stops measuring it just when it matters:
//!   the requests it did not send are the ones that would have waited
//!   longest (coordinated omission). It is bounded in count (the schedule)
//!   and in time (a deadline: requests still pending then count as timed
//!   out, and their futures are dropped).
//! - [`Report`] holds the latencies in an HDR histogram, in microseconds.

use std::collections::HashMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::loopback::job_fingerprint;

/// The workload every policy meets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    /// How many requests.
    pub requests: usize,
    /// Mean arrivals per second.
    pub rate: f64,
    /// Mean job size: the service time on a server whose slowdown is 1.
    pub mean_work: Duration,
    /// How many distinct keys the requests carry (for sticky policies).
    pub keys: usize,
    /// The seed of the whole schedule.
    pub seed: u64,
}

/// One request of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arrival {
    /// Its number, from 0 in order of arrival.
    pub id: u64,
    /// When it is sent, from the start of the run.
    pub at: Duration,
    /// Its size: how long a server with slowdown 1 works on it.
    pub work: Duration,
    /// Its key, one of the workload's key set.
    pub key: u64,
}

/// A job is never longer than this many mean sizes: the exponential has
/// no upper bound, a book example must.
const MAX_WORK_IN_MEANS: f64 = 5.0;

/// An exponential draw with mean 1, by inversion.
fn exp1<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u: f64 = rng.random(); // in [0, 1), so 1 - u is never 0
    -(1.0 - u).ln()
}

// ANCHOR: schedule
/// The workload's arrivals, drawn from `ChaCha8Rng` seeded with its seed:
/// the same workload gives the same schedule on every machine and release.
pub fn schedule(w: &Workload) -> Vec<Arrival> {
    let mut rng = ChaCha8Rng::seed_from_u64(w.seed);
    let key_set: Vec<u64> = (0..w.keys.max(1)).map(|_| rng.random()).collect();
    let mut at = 0.0_f64; // seconds
    (0..w.requests as u64)
        .map(|id| {
            at += exp1(&mut rng) / w.rate; // Poisson: exponential gaps
            let size = exp1(&mut rng).min(MAX_WORK_IN_MEANS);
            let work = w.mean_work.mul_f64(size).max(Duration::from_micros(1));
            let key = key_set[rng.random_range(0..key_set.len())];
            Arrival {
                id,
                at: Duration::from_secs_f64(at),
                work: Duration::from_micros(work.as_micros() as u64),
                key,
            }
        })
        .collect()
}
// ANCHOR_END: schedule

/// The sum (wrapping) of every arrival's [`job_fingerprint`]: what the
/// servers' fingerprints add up to when they served exactly this schedule.
pub fn schedule_fingerprint(arrivals: &[Arrival]) -> u64 {
    arrivals.iter().fold(0u64, |sum, a| {
        sum.wrapping_add(job_fingerprint(a.id, a.work.as_micros() as u64))
    })
}

/// What one open-loop run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Requests in the schedule.
    pub scheduled: usize,
    /// Requests sent (all of them, unless the deadline came first).
    pub sent: usize,
    /// Requests answered with success.
    pub completed: usize,
    /// Requests that failed (an error, or a task that panicked).
    pub failed: usize,
    /// Requests still pending at the deadline: dropped and counted here.
    pub timed_out: usize,
    /// Latency from the scheduled send time, in microseconds, of every
    /// completed request and, at their age at the deadline (a lower bound),
    /// of every timed-out one.
    pub latency: Histogram<u64>,
    /// From the start of the run to its last answer (or its deadline).
    pub elapsed: Duration,
    /// How late the generator sent its latest request: a few milliseconds
    /// when it keeps to the schedule (tokio's timer ticks in 1 ms); more
    /// means the machine stalled the sender, so the run measured the
    /// machine as much as the balancer.
    pub lag: Duration,
}

impl Report {
    /// The latency at quantile `q` (0.5 is the median, 0.999 is p99.9).
    pub fn quantile(&self, q: f64) -> Duration {
        Duration::from_micros(self.latency.value_at_quantile(q))
    }

    /// The longest latency recorded.
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.latency.max())
    }
}

/// A histogram of microseconds from 1 µs to an hour, 3 significant digits.
fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

// ANCHOR: open_loop
/// Sends every arrival at its scheduled time and waits for the answers
/// until `deadline` after the start.
///
/// `send` is called at each arrival's time, in schedule order (so a
/// balancer's pick happens then), and returns the request's future, which
/// is spawned at once: a slow answer never delays the next send. Latency
/// counts from the scheduled time, so a late send counts against the
/// system too. At the deadline every request still pending is dropped
/// (its guards run) and counted as timed out.
pub async fn run_open_loop<F, Fut, E>(
    arrivals: &[Arrival],
    deadline: Duration,
    mut send: F,
) -> Report
where
    F: FnMut(&Arrival) -> Fut,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    let start = Instant::now();
    let end = start + deadline;
    let mut tasks = JoinSet::new();
    let mut index_of = HashMap::new(); // task id -> arrival index
    let mut done = vec![false; arrivals.len()];
    let mut report = Report {
        scheduled: arrivals.len(),
        sent: 0,
        completed: 0,
        failed: 0,
        timed_out: 0,
        latency: new_histogram(),
        elapsed: Duration::ZERO,
        lag: Duration::ZERO,
    };
    let mut record = |report: &mut Report, i: usize, ok: bool, at: Instant| {
        done[i] = true;
        if ok {
            report.completed += 1;
            let scheduled = start + arrivals[i].at;
            let micros = at.saturating_duration_since(scheduled).as_micros() as u64;
            report.latency.saturating_record(micros.max(1));
        } else {
            report.failed += 1;
        }
    };
    for (i, arrival) in arrivals.iter().enumerate() {
        let scheduled = start + arrival.at;
        if scheduled >= end {
            break; // bounded in time: the rest is never sent
        }
        tokio::time::sleep_until(scheduled).await;
        report.lag = report
            .lag
            .max(Instant::now().saturating_duration_since(scheduled));
        let request = send(arrival);
        let handle = tasks.spawn(async move {
            let ok = request.await.is_ok();
            (ok, Instant::now())
        });
        index_of.insert(handle.id(), i);
        report.sent += 1;
        // Collect what has already answered, without waiting.
        while let Some(joined) = tasks.try_join_next_with_id() {
            match joined {
                Ok((id, (ok, at))) => record(&mut report, index_of[&id], ok, at),
                Err(e) => record(&mut report, index_of[&e.id()], false, Instant::now()),
            }
        }
    }
    let mut last = Instant::now();
    while let Ok(Some(joined)) =
        tokio::time::timeout_at(end, tasks.join_next_with_id()).await
    {
        match joined {
            Ok((id, (ok, at))) => {
                record(&mut report, index_of[&id], ok, at);
                last = last.max(at);
            }
            Err(e) => record(&mut report, index_of[&e.id()], false, Instant::now()),
        }
    }
    // The deadline: drop every pending request, then count it.
    tasks.abort_all();
    while let Some(joined) = tasks.join_next_with_id().await {
        if let Ok((id, (ok, at))) = joined {
            record(&mut report, index_of[&id], ok, at); // answered just in time
        }
    }
    for (i, arrival) in arrivals.iter().enumerate().take(report.sent) {
        if !done[i] {
            report.timed_out += 1;
            let age = end.saturating_duration_since(start + arrival.at);
            report
                .latency
                .saturating_record(age.as_micros().max(1) as u64);
            last = end;
        }
    }
    report.elapsed = last.saturating_duration_since(start);
    report
}
// ANCHOR_END: open_loop

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(seed: u64) -> Workload {
        Workload {
            requests: 2000,
            rate: 1000.0,
            mean_work: Duration::from_millis(2),
            keys: 50,
            seed,
        }
    }

    #[test]
    fn the_schedule_is_seeded_and_has_the_asked_rate_and_size() {
        let a = schedule(&workload(1));
        assert_eq!(a, schedule(&workload(1)));
        assert_ne!(a, schedule(&workload(2)));
        assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
        // 2000 arrivals at 1000/s span about 2 s; sizes average about 2 ms.
        let span = a.last().unwrap().at.as_secs_f64();
        assert!((1.8..2.2).contains(&span), "{span}");
        let mean = a.iter().map(|x| x.work.as_secs_f64()).sum::<f64>() / 2000.0;
        assert!((0.0018..0.0022).contains(&mean), "{mean}");
        assert!(a.iter().all(|x| x.work <= Duration::from_millis(10)));
        let keys: std::collections::BTreeSet<_> = a.iter().map(|x| x.key).collect();
        assert_eq!(keys.len(), 50);
        assert_ne!(schedule_fingerprint(&a), 0);
    }
}
