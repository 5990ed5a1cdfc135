//! Go-to-Rust quick reference: does a waiting writer hold back new readers?
//!
//! Run: `cargo run --bin ch09-18-rwmutex-writer-priority`
//!
//! Go's `RWMutex` promises it does. `std::sync::RwLock` promises nothing:
//! its documentation says the policy depends on the operating system. On
//! Linux, std's futex-based `RwLock` refuses a new reader while a writer
//! waits, so there this program prints what its Go twin,
//! `go/ch09-18-rwmutex-writer-priority`, prints.

use std::sync::{RwLock, TryLockError};
use std::thread;
use std::time::{Duration, Instant};

fn main() {
    // ANCHOR: main
    let lock = RwLock::new(0);
    thread::scope(|s| {
        let reader = lock.read().unwrap(); // a reader holds the lock
        s.spawn(|| *lock.write().unwrap() += 1); // waits for the reader
        // Ask, as a new reader, until the writer is waiting (give up after 1 s).
        let deadline = Instant::now() + Duration::from_secs(1);
        let turned_away = loop {
            match lock.try_read() {
                Err(TryLockError::WouldBlock) => break true,
                Err(TryLockError::Poisoned(_)) => unreachable!("nobody panics"),
                Ok(guard) => drop(guard), // the writer is not waiting yet
            }
            if Instant::now() > deadline {
                break false;
            }
            thread::sleep(Duration::from_millis(1));
        };
        println!("while a reader holds the lock and a writer waits,");
        println!("a new reader is turned away: {turned_away}");
        drop(reader); // the writer goes first, then readers again
    }); // the scope joins the writer
    println!("after the writer, a reader sees {}", *lock.read().unwrap());
    // ANCHOR_END: main
}
