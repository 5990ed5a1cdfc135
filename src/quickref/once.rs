//! One-time initialisation: what Go's `sync.Once` and Rust's
//! `std::sync::OnceLock` do, written out so loom can check it.
//!
//! The tempting hand-rolled version tests a flag and then sets it. Every
//! access is atomic, so neither compiler nor Go's race detector objects, yet
//! two threads can both see "not yet" and both run the initialiser.

use crate::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use crate::sync::{Arc, Mutex, lock, thread};

// ANCHOR: check_then_set
/// A broken "once": check the flag, run `init`, set the flag.
pub struct CheckThenSet {
    done: AtomicBool,
}

impl CheckThenSet {
    pub fn new() -> Self {
        CheckThenSet {
            done: AtomicBool::new(false),
        }
    }

    pub fn call(&self, init: impl FnOnce()) {
        if !self.done.load(Ordering::Acquire) {
            init(); // another thread can be here too
            self.done.store(true, Ordering::Release);
        }
    }
}
// ANCHOR_END: check_then_set

impl Default for CheckThenSet {
    fn default() -> Self {
        Self::new()
    }
}

// ANCHOR: locked_once
/// A correct "once" that hands back a value, like `OnceLock::get_or_init`:
/// the check and the initialisation happen under one lock, so later callers
/// wait for the first one and then see its value.
pub struct LockedOnce<T> {
    value: Mutex<Option<T>>,
}

impl<T: Clone> LockedOnce<T> {
    pub fn new() -> Self {
        LockedOnce {
            value: Mutex::new(None),
        }
    }

    pub fn get_or_init(&self, init: impl FnOnce() -> T) -> T {
        let mut slot = lock(&self.value);
        slot.get_or_insert_with(init).clone()
    }
}
// ANCHOR_END: locked_once

impl<T: Clone> Default for LockedOnce<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Has `threads` threads call the broken once and returns how many times
/// the initialiser ran.
pub fn check_then_set_runs(threads: usize) -> usize {
    let once = Arc::new(CheckThenSet::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (once, runs) = (Arc::clone(&once), Arc::clone(&runs));
            thread::spawn(move || {
                once.call(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                })
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a thread panicked");
    }
    runs.load(Ordering::Relaxed)
}

/// Has `threads` threads call the locked once; returns how many times the
/// initialiser ran and the values the callers got back.
pub fn locked_once_runs(threads: usize) -> (usize, Vec<usize>) {
    let once = Arc::new(LockedOnce::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads)
        .map(|id| {
            let (once, runs) = (Arc::clone(&once), Arc::clone(&runs));
            thread::spawn(move || {
                once.get_or_init(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    id + 100 // whichever thread wins, its value is the value
                })
            })
        })
        .collect();
    let seen = handles
        .into_iter()
        .map(|h| h.join().expect("a thread panicked"))
        .collect();
    (runs.load(Ordering::Relaxed), seen)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn locked_once_runs_once_and_everyone_sees_one_value() {
        let (runs, seen) = locked_once_runs(4);
        assert_eq!(runs, 1);
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
        assert!((100..104).contains(&seen[0]));
    }

    #[test]
    fn check_then_set_is_right_with_one_thread() {
        // The bug needs two threads in the window; one thread cannot show it.
        assert_eq!(check_then_set_runs(1), 1);
    }
}
