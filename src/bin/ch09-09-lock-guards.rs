//! Go-to-Rust quick reference: where a Rust lock is released.
//!
//! Run: `cargo run --bin ch09-09-lock-guards`
//!
//! Go unlocks where the code says `Unlock` (usually `defer mu.Unlock()`).
//! Rust unlocks where the guard is dropped, and `let _ = m.lock()` drops it
//! at once. Its Go twin is `go/ch09-09-lock-guards`; the two print the same
//! first two lines, and the last one has no Go equivalent.

use std::sync::Mutex;

fn main() {
    named_guard();
    underscore_with_tokio();
}

/// Prints whether a second attempt to take the lock got it.
fn report(when: &str, second_attempt_locked: bool) {
    let verb = if second_attempt_locked {
        "succeeds"
    } else {
        "fails"
    };
    println!("{when}: a second lock attempt {verb}");
}

fn named_guard() {
    let m = Mutex::new(0);
    // ANCHOR: named_guard
    {
        let _guard = m.lock().unwrap(); // Go: mu.Lock(); defer mu.Unlock()
        report("while the lock is held", m.try_lock().is_ok());
    } // `_guard` goes out of scope here: this is the unlock
    report("after the unlock", m.try_lock().is_ok());
    // ANCHOR_END: named_guard
}

fn underscore_with_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        // ANCHOR: underscore
        let m = tokio::sync::Mutex::new(0);
        let _ = m.lock().await; // no binding: the guard is dropped at the `;`
        report("after let _ = m.lock().await", m.try_lock().is_ok());
        // ANCHOR_END: underscore
    });
}
