//! Go-to-Rust quick reference: the race detector's job, done by `Send` and
//! `Sync` at compile time. These are the fixed versions of the programs in
//! `tests/ui/ch09-08-*.rs`, which do not compile.
//!
//! Run: `cargo run --bin ch09-08-send-sync`

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    arc_not_rc();
    atomic_not_refcell();
    guard_before_await().await;
    async_mutex_across_await().await;
}

fn arc_not_rc() {
    // ANCHOR: arc
    // `Rc` counts references with a plain integer: fine on one thread.
    let local = Rc::new(vec!["a", "b"]);
    let also_local = Rc::clone(&local);
    // `Arc` counts them atomically, so clones may go to other threads.
    let names = Arc::new(vec!["a", "b"]);
    let for_thread = Arc::clone(&names);
    let len = thread::spawn(move || for_thread.len()).join().unwrap();
    println!(
        "Rc on one thread: {} owners; Arc across threads: the thread saw {len} names",
        Rc::strong_count(&also_local)
    );
    // ANCHOR_END: arc
}

fn atomic_not_refcell() {
    // ANCHOR: shared
    // `RefCell` is the single-threaded answer to "mutate through a
    // shared reference"; across threads, use an atomic, `Mutex` or `RwLock`.
    let on_this_thread = RefCell::new(0);
    *on_this_thread.borrow_mut() += 1;
    let hits = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let hits = Arc::clone(&hits);
            thread::spawn(move || hits.fetch_add(1, Ordering::Relaxed))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    println!(
        "RefCell on one thread: {}; AtomicU64 from 4 threads: {}",
        on_this_thread.borrow(),
        hits.load(Ordering::Relaxed)
    );
    // ANCHOR_END: shared
}

async fn guard_before_await() {
    // ANCHOR: guard_scope
    let counter = Arc::new(Mutex::new(0));
    let for_task = Arc::clone(&counter);
    tokio::spawn(async move {
        {
            let mut guard = for_task.lock().unwrap();
            *guard += 1;
        } // the std guard is dropped here, before any `.await`
        tokio::time::sleep(Duration::from_millis(10)).await;
    })
    .await
    .unwrap();
    println!(
        "std Mutex, guard dropped before .await: {}",
        counter.lock().unwrap()
    );
    // ANCHOR_END: guard_scope
}

async fn async_mutex_across_await() {
    // ANCHOR: async_mutex
    // When the lock really must be held across an `.await`, use tokio's
    // Mutex: waiting for it yields to the runtime instead of blocking a thread.
    let counter = Arc::new(tokio::sync::Mutex::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut guard = counter.lock().await;
                tokio::time::sleep(Duration::from_millis(10)).await; // still locked
                *guard += 1;
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    println!(
        "tokio Mutex held across .await by 2 tasks: {}",
        *counter.lock().await
    );
    // ANCHOR_END: async_mutex
}
