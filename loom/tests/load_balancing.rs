//! Loom models of the balancer's shared state
//! (src/load_balancing/balancer.rs): the in-flight counts every request
//! raises and lowers, and the round-robin cursor.
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom`, or alone: `cargo xtask loom load_balancing`
#![cfg(loom)]

use cookbook::load_balancing::balancer::{Cursor, InFlight, RacyCursor, RacyInFlight};
use loom::sync::Arc;
use loom::thread;

// ANCHOR: in_flight_model
/// Two requests on one server, on two threads, each ending when its guard
/// drops: in every interleaving the count is back at zero once both end,
/// and never reads more than two while they run.
#[test]
fn guards_bring_the_count_back_to_zero() {
    loom::model(|| {
        let counts = InFlight::new(1);
        let requests: Vec<_> = (0..2)
            .map(|_| {
                let counts = counts.clone();
                thread::spawn(move || {
                    let guard = counts.start(0);
                    assert!(counts.get(0) >= 1, "our own request is counted");
                    assert!(counts.get(0) <= 2, "no phantom request");
                    drop(guard);
                })
            })
            .collect();
        for request in requests {
            request.join().unwrap();
        }
        assert_eq!(counts.get(0), 0, "lost decrement");
    });
}
// ANCHOR_END: in_flight_model

/// A request started on one thread and ended on another: the guard moves to
/// the thread that drops it, as a future does when a tokio worker other than
/// the one that polled it first drops it (a cancelled request). Meanwhile a
/// second request starts and ends on the first thread.
#[test]
fn a_guard_dropped_on_another_thread_still_ends_its_request() {
    loom::model(|| {
        let counts = InFlight::new(2);
        let moved = counts.start(1);
        let canceller = thread::spawn(move || drop(moved));
        let local = counts.start(1);
        drop(local);
        canceller.join().unwrap();
        assert_eq!(counts.snapshot(), vec![0, 0], "lost decrement");
    });
}

// ANCHOR: racy_in_flight_model
/// The bug the page warns about: lowering the count by a load and a store.
/// Loom finds the interleaving where both requests read 2 and store 1, and
/// the server looks busy for ever after. This test passes only because loom
/// finds it.
#[test]
#[should_panic(expected = "lost decrement")]
fn loom_finds_the_racy_counters_lost_decrement() {
    loom::model(|| {
        let counts = RacyInFlight::new(1);
        let a = counts.start(0);
        let b = counts.start(0);
        let ender = thread::spawn(move || drop(a));
        drop(b);
        ender.join().unwrap();
        let left = counts.get(0);
        assert_eq!(left, 0, "lost decrement: {left} request(s) never end");
    });
}
// ANCHOR_END: racy_in_flight_model

// ANCHOR: cursor_model
/// Two requests arriving together on two threads take two different
/// positions of the cursor, so with two servers each gets one.
#[test]
fn the_cursor_gives_two_requests_two_servers() {
    loom::model(|| {
        let cursor = Arc::new(Cursor::new());
        let other = {
            let cursor = Arc::clone(&cursor);
            thread::spawn(move || cursor.next(2).unwrap())
        };
        let mine = cursor.next(2).unwrap();
        let theirs = other.join().unwrap();
        assert_ne!(mine, theirs, "same server twice");
    });
}

/// The cursor advanced by a load and a store: both requests can read the
/// same position, and both go to the same server.
#[test]
#[should_panic(expected = "same server twice")]
fn loom_finds_the_racy_cursors_repeated_server() {
    loom::model(|| {
        let cursor = Arc::new(RacyCursor::new());
        let other = {
            let cursor = Arc::clone(&cursor);
            thread::spawn(move || cursor.next(2).unwrap())
        };
        let mine = cursor.next(2).unwrap();
        let theirs = other.join().unwrap();
        assert_ne!(mine, theirs, "same server twice");
    });
}
// ANCHOR_END: cursor_model
