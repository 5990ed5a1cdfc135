//! Loom models of section 4.1's shared state (src/parallelism/tracker.rs
//! and the port in src/parallelism/port.rs).
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom parallelism`
#![cfg(loom)]

use cookbook::parallelism::port::run_port;
use cookbook::parallelism::tracker::{Batch, Gauge};
use loom::sync::Arc;
use loom::thread;
use std::time::Duration;

/// Two tasks enter and leave the gauge with `enter`; returns what each saw
/// as "busy now" and the peak the gauge kept.
fn two_tasks(enter: fn(&Gauge) -> usize) -> (usize, usize, usize) {
    let gauge = Arc::new(Gauge::default());
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let gauge = Arc::clone(&gauge);
            thread::spawn(move || {
                let seen = enter(&gauge);
                gauge.leave();
                seen
            })
        })
        .collect();
    let seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    (seen[0], seen[1], gauge.peak())
}

// ANCHOR: gauge_model
/// `fetch_max` raises the peak in one atomic step: whatever the
/// interleaving, the peak is at least what any task saw.
#[test]
fn the_gauge_keeps_the_highest_count_any_task_saw() {
    loom::model(|| {
        let (a, b, peak) = two_tasks(Gauge::enter);
        assert_eq!(
            peak,
            a.max(b),
            "high-water mark lost: saw {a} and {b}, kept {peak}"
        );
    });
}

/// Load, compare, store: loom finds the interleaving where the task that
/// saw 2 stores first and the task that saw 1 then overwrites it.
#[test]
#[should_panic(expected = "high-water mark lost")]
fn loom_finds_the_lost_high_water_mark() {
    loom::model(|| {
        let (a, b, peak) = two_tasks(Gauge::enter_check_then_act);
        assert_eq!(
            peak,
            a.max(b),
            "high-water mark lost: saw {a} and {b}, kept {peak}"
        );
    });
}
// ANCHOR_END: gauge_model

/// The page: the lost update needs a single preemption (A is preempted
/// between its load and its store), so a bound of one already finds it.
#[test]
#[should_panic(expected = "high-water mark lost")]
fn one_preemption_is_enough_to_lose_the_high_water_mark() {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(1);
    builder.check(|| {
        let (a, b, peak) = two_tasks(Gauge::enter_check_then_act);
        assert_eq!(
            peak,
            a.max(b),
            "high-water mark lost: saw {a} and {b}, kept {peak}"
        );
    });
}

// ANCHOR: port_model
/// The port holds its lock across each task's work, so in every
/// interleaving at most one task is busy, and every task reports back.
#[test]
fn the_port_never_runs_two_tasks_at_once() {
    loom::model(|| {
        let batch = Batch {
            tasks: 2,
            work: Duration::ZERO,
        };
        let outcome = run_port(&batch);
        assert!(outcome.panicked.is_empty());
        assert_eq!(outcome.report.records.len(), 2);
        assert_eq!(outcome.report.peak_busy, 1, "two tasks were busy at once");
    });
}
// ANCHOR_END: port_model
