//! Loom models of the fan-out/fan-in exercise's reference solution
//! (src/parallelism/exercises/solutions/fan_out.rs): two workers, a handful of inputs,
//! every interleaving that matters.
//!
//! The bounded pool exercise has no model: it is built on crossbeam's
//! channels, which loom cannot instrument.
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom`, or alone: `cargo xtask loom parallelism_exercises`
#![cfg(loom)]

use cookbook::parallelism::exercises::solutions::fan_out::fan_out_fan_in;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};

#[test]
fn with_no_error_every_output_arrives_in_order() {
    loom::model(|| {
        let out = fan_out_fan_in(vec![1, 2, 3], 2, |i, _token| Ok::<_, ()>(i * 10));
        assert_eq!(out, Ok(vec![10, 20, 30]));
    });
}

#[test]
fn the_first_error_wins_whatever_the_interleaving() {
    loom::model(|| {
        // Input 0 fails; input 1 fails too, but only once it has seen the
        // cancel, so its error always comes second and must lose.
        let out = fan_out_fan_in(vec![0, 1], 2, |i, token| {
            if i == 0 {
                return Err("input 0 failed");
            }
            while !token.is_cancelled() {
                loom::thread::yield_now();
            }
            Err::<u8, _>("input 1 saw the cancel")
        });
        assert_eq!(out, Err("input 0 failed"));
    });
}

// ANCHOR: late_start_model
/// Counts the tasks that start after the cancel flag is already set.
fn late_starts() -> usize {
    let late = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&late);
    let out = fan_out_fan_in(vec![0, 1, 2], 2, move |i, token| {
        if token.is_cancelled() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
        if i == 0 { Err("input 0 failed") } else { Ok(i) }
    });
    assert_eq!(out, Err("input 0 failed"));
    late.load(Ordering::SeqCst)
}

/// The promise the solution keeps: after a failure each other worker
/// starts at most one more task, the one it took before it could see the
/// flag. With two workers that is at most one late start.
#[test]
fn at_most_one_task_per_other_worker_starts_late() {
    loom::model(|| {
        let late = late_starts();
        assert!(late <= 1, "{late} tasks started after the cancel");
    });
}

/// The promise it cannot keep: "no task ever starts after the cancel".
/// A worker can check the flag, lose the processor, and start its next
/// input after the other worker has failed. Loom finds that interleaving,
/// which is why a task must check its token itself, just as a goroutine
/// checks `ctx.Err()`. This test passes only because loom finds it.
#[test]
#[should_panic(expected = "started after the cancel")]
fn a_task_can_start_after_the_cancel() {
    loom::model(|| {
        let late = late_starts();
        assert_eq!(late, 0, "a task started after the cancel");
    });
}
// ANCHOR_END: late_start_model
