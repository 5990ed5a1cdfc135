//! Go-to-Rust quick reference: `sync.OnceValue` as `LazyLock` and
//! `OnceLock`.
//!
//! Run: `cargo run --bin ch09-16-once-value`
//!
//! A value computed once, on first use, however many threads ask; then what
//! happens when the computation panics, which is where the three differ.
//! Its Go twin is `go/ch09-16-once-value`; the first lines are the same.

use cookbook::support::panic::message;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, OnceLock};
use std::thread;

// ANCHOR: lazy_lock
static LOADS: AtomicUsize = AtomicUsize::new(0);
/// Go: `config := sync.OnceValue(func() string { ... })`
static CONFIG: LazyLock<String> = LazyLock::new(|| {
    LOADS.fetch_add(1, Ordering::Relaxed);
    "config v1".to_string()
});
// ANCHOR_END: lazy_lock

// ANCHOR: lazy_panics
static FLAKY: LazyLock<String> = LazyLock::new(|| panic!("config file missing"));
// ANCHOR_END: lazy_panics

/// Calls `f` with the panic message silenced; reports what it returned or
/// how it panicked, as the Go twin's `recovering` does.
fn recovering(f: impl FnOnce() -> String) -> String {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(hook);
    match outcome {
        Ok(v) => format!("got {v:?}"),
        Err(payload) => format!("panicked: {}", message(&*payload)),
    }
}

fn main() {
    // ANCHOR: once_value
    let got: Vec<&String> = thread::scope(|s| {
        let callers: Vec<_> = (0..4).map(|_| s.spawn(|| &*CONFIG)).collect();
        callers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let loads = LOADS.load(Ordering::Relaxed);
    println!(
        "4 callers got {:?} {:?} {:?} {:?}; the loader ran {loads} time",
        got[0], got[1], got[2], got[3]
    );
    // ANCHOR_END: once_value

    println!("LazyLock, whose initialiser panics:");
    for call in 1..=2 {
        println!("call {call}: {}", recovering(|| FLAKY.clone()));
    }

    // ANCHOR: once_lock
    let tries = AtomicUsize::new(0);
    let cell: OnceLock<String> = OnceLock::new();
    let init = || {
        if tries.fetch_add(1, Ordering::Relaxed) == 0 {
            panic!("config file missing");
        }
        "config v1".to_string()
    };
    // ANCHOR_END: once_lock
    println!("OnceLock::get_or_init, whose first try panics:");
    for call in 1..=2 {
        println!(
            "call {call}: {}",
            recovering(|| cell.get_or_init(init).clone())
        );
    }
    let tries = tries.load(Ordering::Relaxed);
    println!("the initialiser ran {tries} times: a panic leaves the cell empty");
}
