//! Loom models of the quick reference's `sync.Once` row (src/quickref/once.rs).
//!
//! Run: `cargo xtask loom quickref_once`
#![cfg(loom)]

use cookbook::quickref::once::{check_then_set_runs, locked_once_runs};

// ANCHOR: models
/// The hand-rolled "once": loom finds the interleaving where both threads
/// load `false` before either stores `true`, and the initialiser runs twice.
/// This test passes only because loom finds it.
#[test]
#[should_panic(expected = "initialiser ran twice")]
fn loom_finds_the_double_initialisation() {
    loom::model(|| {
        let runs = check_then_set_runs(2);
        assert_eq!(runs, 1, "initialiser ran twice");
    });
}

/// The check and the initialisation under one lock: in every interleaving
/// the initialiser runs once and both callers get the same value.
#[test]
fn locked_once_runs_the_initialiser_once() {
    loom::model(|| {
        let (runs, seen) = locked_once_runs(2);
        assert_eq!(runs, 1);
        assert_eq!(seen[0], seen[1]);
    });
}
// ANCHOR_END: models
