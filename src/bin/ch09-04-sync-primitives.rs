//! Go-to-Rust quick reference: `sync.RWMutex`, `sync.Once` and `sync/atomic`.
//!
//! Run: `cargo run --bin ch09-04-sync-primitives`
//!
//! Its Go twin is `go/ch09-04-sync-primitives`; the two print the same lines.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{OnceLock, RwLock, TryLockError};
use std::thread;

fn main() {
    rwlock();
    once();
    atomic();
}

fn rwlock() {
    // ANCHOR: rwlock
    // Like `Mutex`, `RwLock` owns the data it guards.
    let config = RwLock::new(String::from("v1"));
    {
        let first = config.read().unwrap(); // RLock
        let second = config.try_read(); // TryRLock while a reader holds it
        println!("rwlock: a second reader got in: {}", second.is_ok());
        let writer = config.try_write(); // TryLock while readers hold it
        let blocked = matches!(writer, Err(TryLockError::WouldBlock));
        println!("rwlock: a writer would block while {first} is being read: {blocked}");
    } // both read guards are dropped here: RUnlock, RUnlock
    *config.write().unwrap() = String::from("v2"); // Lock, assign, Unlock
    println!(
        "rwlock: after the readers left, the writer set {}",
        config.read().unwrap()
    );
    // ANCHOR_END: rwlock
}

fn once() {
    // ANCHOR: once
    static SETTINGS: OnceLock<u64> = OnceLock::new();
    let runs = AtomicU64::new(0);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                // `once.Do(init)`, but the value comes back out of the call.
                SETTINGS.get_or_init(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    42
                })
            });
        }
    });
    println!(
        "once: 4 threads asked, the initialiser ran {} time, value {}",
        runs.load(Ordering::Relaxed),
        SETTINGS.get().expect("initialised")
    );
    // ANCHOR_END: once
}

fn atomic() {
    // ANCHOR: atomic
    let hits = AtomicI64::new(0); // Go: var hits atomic.Int64
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1000 {
                    hits.fetch_add(1, Ordering::Relaxed); // hits.Add(1)
                }
            });
        }
    });
    let total = hits.load(Ordering::Relaxed); // hits.Load()
    // Compare-and-swap: store 0 only if the value is still 4000.
    let swapped = hits.compare_exchange(4000, 0, Ordering::AcqRel, Ordering::Acquire);
    println!(
        "atomic: 4 threads x 1000 adds = {total}, CompareAndSwap(4000, 0) = {}",
        swapped.is_ok()
    );
    // ANCHOR_END: atomic
}
