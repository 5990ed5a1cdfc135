//! Loom models of the quick reference's counter (src/quickref/counter.rs).
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom`, or alone: `cargo xtask loom quickref_counter`
#![cfg(loom)]

use cookbook::quickref::counter::{
    count_with_atomic, count_with_load_then_store, count_with_mutex,
};

#[test]
fn mutex_counter_never_loses_an_increment() {
    loom::model(|| assert_eq!(count_with_mutex(2, 2), 4));
}

#[test]
fn fetch_add_counter_never_loses_an_increment() {
    loom::model(|| assert_eq!(count_with_atomic(2, 2), 4));
}

// ANCHOR: lost_update_model
/// The bug the page warns about: a load and a store are each atomic, but the
/// pair is not. Loom explores the interleaving where both threads load 0 and
/// both store 1. This test passes only because loom finds that interleaving.
#[test]
#[should_panic(expected = "lost update")]
fn loom_finds_the_lost_update() {
    loom::model(|| {
        let total = count_with_load_then_store(2, 1);
        assert_eq!(total, 2, "lost update: two increments gave {total}");
    });
}
// ANCHOR_END: lost_update_model
