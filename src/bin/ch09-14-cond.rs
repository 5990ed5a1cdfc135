//! Go-to-Rust quick reference: `sync.Cond` and `std::sync::Condvar`.
//!
//! Run: `cargo run --bin ch09-14-cond`
//!
//! A bounded queue whose producer waits while it is full and whose consumer
//! waits while it is empty, then a `notify_all` that wakes every waiter. Its
//! Go twin is `go/ch09-14-cond`; the two print the same lines.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;

// ANCHOR: queue
struct Queue {
    items: Mutex<VecDeque<i32>>, // the data is inside the lock, as ever
    changed: Condvar,            // notified whenever `items` changes
    limit: usize,
}

impl Queue {
    fn push(&self, v: i32) {
        let items = self.items.lock().unwrap();
        // `wait_while` is Go's `for cond { c.Wait() }`: it unlocks while it
        // waits, locks again, and loops while the condition still holds
        // (after another thread got in first, or a spurious wake-up).
        let mut items = self
            .changed
            .wait_while(items, |items| items.len() == self.limit)
            .unwrap();
        items.push_back(v);
        self.changed.notify_all(); // Broadcast
    }

    fn pop(&self) -> i32 {
        let items = self.items.lock().unwrap();
        let mut items = self.changed.wait_while(items, |i| i.is_empty()).unwrap();
        let v = items.pop_front().expect("not empty");
        self.changed.notify_all();
        v
    }
}
// ANCHOR_END: queue

fn main() {
    let q = Queue {
        items: Mutex::new(VecDeque::new()),
        changed: Condvar::new(),
        limit: 2,
    };
    thread::scope(|s| {
        s.spawn(|| (1..=6).for_each(|v| q.push(v)));
        let got: Vec<i32> = (0..6).map(|_| q.pop()).collect();
        println!("through a queue of 2: {got:?}");
    });

    // ANCHOR: broadcast
    #[derive(Default)]
    struct Gate {
        open: bool,
        waiting: usize,
        woke: usize,
    }
    let gate = Mutex::new(Gate::default());
    let (arrived, opened) = (Condvar::new(), Condvar::new());
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut g = gate.lock().unwrap();
                g.waiting += 1;
                arrived.notify_one();
                let mut g = opened.wait_while(g, |g| !g.open).unwrap();
                g.woke += 1;
            });
        }
        let g = gate.lock().unwrap();
        let mut g = arrived.wait_while(g, |g| g.waiting < 3).unwrap();
        g.open = true; // all three are inside `opened.wait_while` now
        drop(g);
        opened.notify_all(); // wakes every waiter; notify_one would wake one
    });
    let woke = gate.into_inner().unwrap().woke;
    println!("broadcast: {woke} of 3 waiters woke");
    // ANCHOR_END: broadcast
}
