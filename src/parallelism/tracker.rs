//! The bookkeeping of a batch of tasks: when each was spawned, when its work
//! began, when it ended, and how many tasks were busy at once.
//!
//! Section 4.1's programs (the port in [`super::port`], the fixes in
//! `super::fixed`) all report through this module, so their numbers compare
//! like with like:
//!
//! - **P**, the source's formula: total busy time over wall time, computed
//!   by [`source_p`]. It is the average number of tasks busy at once.
//! - **L**, Little's law: total time in the system (spawn to finish) over
//!   wall time. It is the average number of tasks that exist at once, busy
//!   or waiting.
//!
//! The shared part, the [`Gauge`] of busy tasks, takes its atomics from
//! [`crate::sync`], so loom can check it (`loom/tests/parallelism.rs`).

use super::formula::source_p;
use crate::support::error::ModelError;
use crate::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

/// What every version of section 4.1 runs: `tasks` tasks that each work
/// for `work` (the source: 10 tasks of one second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    pub tasks: usize,
    pub work: Duration,
}

/// A task that panicked, and its panic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: usize,
    pub message: String,
}

/// A run's report, and the tasks that panicked instead of finishing.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub report: Report,
    pub panicked: Vec<Failure>,
}

impl Outcome {
    /// What the bins print: the timeline, any panics, then the summary.
    pub fn render(&self) -> String {
        let mut out = self.report.timeline();
        for f in &self.panicked {
            out.push_str(&format!("task {}: panicked: {}\n", f.id, f.message));
        }
        out.push_str(&format!(
            "{} of {} tasks finished, {:?} of work each\n{}\n",
            self.report.records.len(),
            self.report.planned,
            self.report.work,
            self.report.summary()
        ));
        out
    }
}

/// One task's life, as offsets from the start of its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskRecord {
    /// The task's index in the batch (Go's `i`).
    pub id: usize,
    /// When the task was handed to a thread or runtime.
    pub spawned: Duration,
    /// When its work began (for the port: once it held the lock).
    pub started: Duration,
    /// When its work ended.
    pub finished: Duration,
}

impl TaskRecord {
    /// How long the task worked.
    pub fn busy(&self) -> Duration {
        self.finished.saturating_sub(self.started)
    }

    /// How long the task existed: waiting to start plus working.
    pub fn in_system(&self) -> Duration {
        self.finished.saturating_sub(self.spawned)
    }
}

// ANCHOR: gauge
/// How many tasks are busy now, and the most that ever were at once.
#[derive(Debug, Default)]
pub struct Gauge {
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Gauge {
    /// A task starts working; returns how many are busy, itself included.
    pub fn enter(&self) -> usize {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst); // one atomic read-modify-write
        now
    }

    /// A task stops working.
    pub fn leave(&self) {
        self.now.fetch_sub(1, SeqCst);
    }

    /// The most tasks that were busy at the same time.
    pub fn peak(&self) -> usize {
        self.peak.load(SeqCst)
    }
}
// ANCHOR_END: gauge

impl Gauge {
    // ANCHOR: racy_enter
    /// A broken [`Gauge::enter`]: it reads the peak, compares, then writes.
    ///
    /// Each access is atomic, so this is not a data race and Go's race
    /// detector would say nothing about its Go twin. But between the load
    /// and the store another thread can raise the peak, and this store then
    /// lowers it again: the high-water mark is lost.
    pub fn enter_check_then_act(&self) -> usize {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        if now > self.peak.load(SeqCst) {
            self.peak.store(now, SeqCst);
        }
        now
    }
    // ANCHOR_END: racy_enter
}

/// The clock and gauge of one run, shared by all its tasks.
#[derive(Debug)]
pub struct Tracker {
    start: Instant,
    busy: Gauge,
}

impl Default for Tracker {
    fn default() -> Self {
        Tracker::new()
    }
}

impl Tracker {
    /// Starts the run's clock.
    pub fn new() -> Tracker {
        Tracker {
            start: Instant::now(),
            busy: Gauge::default(),
        }
    }

    /// Time since the run started.
    pub fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Task `id`, spawned at `spawned`, begins its work now.
    pub fn begin(&self, id: usize, spawned: Duration) -> Busy<'_> {
        let started = self.now();
        self.busy.enter();
        Busy {
            tracker: self,
            id,
            spawned,
            started,
        }
    }

    /// The most tasks that were busy at once so far.
    pub fn peak_busy(&self) -> usize {
        self.busy.peak()
    }

    /// Ends the run now: the wall time is the time since [`Tracker::new`].
    pub fn report(
        &self,
        planned: usize,
        work: Duration,
        mut records: Vec<TaskRecord>,
    ) -> Report {
        let wall = self.now();
        records.sort_by_key(|r| r.id);
        Report {
            planned,
            work,
            wall,
            records,
            peak_busy: self.peak_busy(),
        }
    }
}

/// A task at work. [`Busy::finish`] ends the work and returns its record;
/// dropping it unfinished (a panic unwinding through the task) still takes
/// the task off the gauge, the way a Go `defer` would.
#[derive(Debug)]
pub struct Busy<'a> {
    tracker: &'a Tracker,
    id: usize,
    spawned: Duration,
    started: Duration,
}

impl Busy<'_> {
    /// The work is done: stamps the finish time.
    pub fn finish(self) -> TaskRecord {
        TaskRecord {
            id: self.id,
            spawned: self.spawned,
            started: self.started,
            finished: self.tracker.now(),
        }
    }
}

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.tracker.busy.leave();
    }
}

/// What a run measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// How many tasks the run started.
    pub planned: usize,
    /// How long each task was asked to work.
    pub work: Duration,
    /// From the start of the run until every task was joined.
    pub wall: Duration,
    /// One record per task that finished, in id order.
    pub records: Vec<TaskRecord>,
    /// The most tasks busy at the same time.
    pub peak_busy: usize,
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ANCHOR: p_and_l
impl Report {
    /// The source's P: Σ busy time / wall time (average tasks busy at once).
    pub fn p(&self) -> Result<f64, ModelError> {
        let busy: Vec<f64> = self.records.iter().map(|r| secs(r.busy())).collect();
        source_p(&busy, secs(self.wall))
    }

    /// Little's L: Σ time in system / wall time (average tasks in the
    /// system, waiting or busy). The arithmetic is P's, applied to each
    /// task's whole stay instead of its work.
    pub fn l(&self) -> Result<f64, ModelError> {
        let stays: Vec<f64> = self.records.iter().map(|r| secs(r.in_system())).collect();
        source_p(&stays, secs(self.wall))
    }
}
// ANCHOR_END: p_and_l

/// Milliseconds with one decimal, after a `~`: a measurement.
fn ms(d: Duration) -> String {
    format!("~{:.1} ms", d.as_secs_f64() * 1e3)
}

/// A number after a `~`, or what was wrong with the input.
fn measured(value: Result<f64, ModelError>) -> String {
    match value {
        Ok(v) => format!("~{v:.2}"),
        Err(e) => format!("undefined ({e})"),
    }
}

impl Report {
    /// One line per finished task, in id order.
    pub fn timeline(&self) -> String {
        self.records
            .iter()
            .map(|r| {
                format!(
                    "task {}: spawned {}, started {}, finished {}\n",
                    r.id,
                    ms(r.spawned),
                    ms(r.started),
                    ms(r.finished)
                )
            })
            .collect()
    }

    /// The run in one line: wall time, P, L and the most tasks busy at once.
    pub fn summary(&self) -> String {
        format!(
            "wall {}   P {}   L {}   peak busy ~{}",
            ms(self.wall),
            measured(self.p()),
            measured(self.l()),
            self.peak_busy
        )
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn record(id: usize, spawned: u64, started: u64, finished: u64) -> TaskRecord {
        TaskRecord {
            id,
            spawned: Duration::from_millis(spawned),
            started: Duration::from_millis(started),
            finished: Duration::from_millis(finished),
        }
    }

    fn report(records: Vec<TaskRecord>, wall_ms: u64) -> Report {
        Report {
            planned: records.len(),
            work: Duration::from_millis(100),
            wall: Duration::from_millis(wall_ms),
            records,
            peak_busy: 1,
        }
    }

    #[test]
    fn a_serial_schedule_has_p_one_and_l_five_and_a_half() {
        // Ten tasks spawned at 0, run one after another for 100 ms each.
        let serial = report(
            (0..10u64)
                .map(|i| record(i as usize, 0, i * 100, (i + 1) * 100))
                .collect(),
            1000,
        );
        assert!((serial.p().unwrap() - 1.0).abs() < 1e-9);
        // In system: 100 + 200 + ... + 1000 ms = 5500 ms over 1000 ms.
        assert!((serial.l().unwrap() - 5.5).abs() < 1e-9);
    }

    #[test]
    fn a_parallel_schedule_has_p_and_l_ten() {
        let parallel = report((0..10).map(|i| record(i, 0, 0, 100)).collect(), 100);
        assert!((parallel.p().unwrap() - 10.0).abs() < 1e-9);
        assert!((parallel.l().unwrap() - 10.0).abs() < 1e-9);
    }

    #[test]
    fn l_is_never_below_p() {
        let r = report(vec![record(0, 0, 30, 100), record(1, 10, 50, 90)], 100);
        assert!(r.l().unwrap() >= r.p().unwrap());
    }

    #[test]
    fn an_empty_or_instant_run_is_reported_not_divided() {
        assert!(matches!(
            report(vec![], 100).p(),
            Err(ModelError::Empty { .. })
        ));
        assert!(matches!(
            report(vec![record(0, 0, 0, 0)], 0).l(),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(report(vec![], 100).summary().contains("P undefined"));
    }

    #[test]
    fn the_gauge_keeps_its_peak() {
        let g = Gauge::default();
        assert_eq!(g.enter(), 1);
        assert_eq!(g.enter(), 2);
        g.leave();
        assert_eq!(g.enter(), 2);
        g.leave();
        g.leave();
        assert_eq!(g.peak(), 2);
    }

    #[test]
    fn the_broken_gauge_is_right_on_one_thread() {
        // Its bug needs two threads (loom/tests/parallelism.rs shows it);
        // alone, it counts and keeps the peak like the real one.
        let g = Gauge::default();
        assert_eq!(g.enter_check_then_act(), 1);
        assert_eq!(g.enter_check_then_act(), 2);
        g.leave();
        assert_eq!(g.enter_check_then_act(), 2);
        assert_eq!(g.peak(), 2);
        g.leave();
        g.leave();
        assert_eq!(g.enter_check_then_act(), 1);
        assert_eq!(g.peak(), 2);
    }

    #[test]
    fn the_tracker_reports_the_most_tasks_busy_at_once() {
        let t = Tracker::new();
        let (a, b) = (t.begin(0, Duration::ZERO), t.begin(1, Duration::ZERO));
        let c = t.begin(2, Duration::ZERO);
        drop((a, b, c));
        let _d = t.begin(3, Duration::ZERO);
        assert_eq!(t.peak_busy(), 3);
        let r = t.report(4, Duration::ZERO, vec![]);
        assert_eq!(r.peak_busy, 3);
    }

    #[test]
    fn the_timeline_prints_milliseconds_after_a_tilde() {
        let r = report(vec![record(0, 0, 1, 101), record(1, 2, 3, 4)], 101);
        assert_eq!(
            r.timeline(),
            "task 0: spawned ~0.0 ms, started ~1.0 ms, finished ~101.0 ms\n\
             task 1: spawned ~2.0 ms, started ~3.0 ms, finished ~4.0 ms\n"
        );
        assert_eq!(
            r.summary(),
            "wall ~101.0 ms   P ~1.00   L ~1.02   peak busy ~1"
        );
    }

    #[test]
    fn a_dropped_busy_token_leaves_the_gauge() {
        let t = Tracker::new();
        let a = t.begin(0, Duration::ZERO);
        drop(a); // as if the task had panicked
        let b = t.begin(1, Duration::ZERO);
        let rec = b.finish();
        assert_eq!(rec.id, 1);
        assert_eq!(t.peak_busy(), 1, "the dropped token must have left");
    }

    #[test]
    fn report_sorts_records_by_id() {
        let t = Tracker::new();
        let r = t.report(
            2,
            Duration::ZERO,
            vec![record(1, 0, 0, 0), record(0, 0, 0, 0)],
        );
        assert_eq!(r.records.iter().map(|r| r.id).collect::<Vec<_>>(), [0, 1]);
    }
}
