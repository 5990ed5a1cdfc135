//! A shared counter: the smallest pattern that needs a lock.
//!
//! Go's version starts goroutines that each lock a `sync.Mutex` and bump an
//! `int` that lives beside the mutex. In Rust the integer lives *inside* the
//! `Mutex`, so the compiler refuses any access that skips the lock.

use crate::sync::atomic::{AtomicU64, Ordering};
use crate::sync::{Arc, Mutex, lock, thread};

// ANCHOR: mutex_counter
/// Starts `workers` threads that each add one to a shared counter
/// `per_worker` times, and returns the final count.
pub fn count_with_mutex(workers: usize, per_worker: u64) -> u64 {
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..per_worker {
                    *lock(&counter) += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a counting thread panicked");
    }
    *lock(&counter)
}
// ANCHOR_END: mutex_counter

// ANCHOR: atomic_counter
/// The same counter with an atomic, updated correctly with `fetch_add`.
pub fn count_with_atomic(workers: usize, per_worker: u64) -> u64 {
    count_atomic_by(workers, per_worker, |c| {
        // Relaxed: `fetch_add` is one indivisible step at every ordering, so
        // no increment is lost. The ordering only says what *other* memory
        // this thread's increment publishes, and the count is all there is.
        c.fetch_add(1, Ordering::Relaxed);
    })
}
// ANCHOR_END: atomic_counter

// ANCHOR: lost_update
/// A broken counter: each increment is a load followed by a separate store.
///
/// Every access is atomic, so there is no data race, and the race detector
/// is silent on its Go twin (`go/ch09-01-atomic-lost-update`). But two
/// threads can load the same value and both store value + 1: one increment
/// is lost. Loom finds the interleaving.
pub fn count_with_load_then_store(workers: usize, per_worker: u64) -> u64 {
    count_atomic_by(workers, per_worker, |c| {
        // SeqCst, the strongest ordering (and Go's only one), does not help:
        // no ordering makes two operations into one.
        let seen = c.load(Ordering::SeqCst);
        c.store(seen + 1, Ordering::SeqCst);
    })
}
// ANCHOR_END: lost_update

fn count_atomic_by(workers: usize, per_worker: u64, bump: fn(&AtomicU64)) -> u64 {
    let counter = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..per_worker {
                    bump(&counter);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a counting thread panicked");
    }
    // ANCHOR: final_load
    // Relaxed is enough here too: `join` already orders each thread's
    // increments before this load.
    counter.load(Ordering::Relaxed)
    // ANCHOR_END: final_load
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn mutex_counter_counts_every_increment() {
        assert_eq!(count_with_mutex(4, 1000), 4000);
        assert_eq!(count_with_mutex(0, 1000), 0);
    }

    #[test]
    fn atomic_counter_counts_every_increment() {
        assert_eq!(count_with_atomic(4, 1000), 4000);
    }

    #[test]
    fn single_thread_load_then_store_is_exact() {
        // With one thread nothing can interleave, so the bug cannot show.
        assert_eq!(count_with_load_then_store(1, 1000), 1000);
    }
}
