//! Section 4.4's program ported to Rust as closely as Rust allows: three
//! nodes behind `Arc<Mutex<Node>>`, one detached thread per node that loops
//! for ever, and a `main` that sleeps (`src/bin/ch04-04-port.rs`).
//!
//! Go's `for i := ...; go func() { ... i ... }()` cannot be copied: a
//! thread from `thread::spawn` must own what it uses, so each closure
//! `move`s in its own `i` and its own `Arc` of its node. That is Go 1.22's
//! loop semantics, and, as in Go 1.22, the program then prints nothing:
//! every node already holds `i + 1`. Nothing stops the threads either;
//! they die when the process exits, as the goroutines die when `main`
//! returns. The repaired version is [`super::fixed`].

use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

// ANCHOR: node
/// One replica of a value. Go's `Node` carries its own `sync.Mutex`; in
/// Rust the mutex wraps the node instead (`Arc<Mutex<Node>>`), so the
/// value cannot be reached without taking the lock.
#[derive(Debug)]
pub struct Node {
    pub id: u32,
    pub value: usize,
    /// Go's `next *Node`: never set and never read, here as there.
    pub next: Option<Arc<Mutex<Node>>>,
}
// ANCHOR_END: node

/// The article's three nodes, valued 1, 2 and 3.
pub fn three_nodes() -> Vec<Arc<Mutex<Node>>> {
    (1..=3)
        .map(|id| {
            Arc::new(Mutex::new(Node {
                id,
                value: id as usize,
                next: None,
            }))
        })
        .collect()
}

// ANCHOR: round
/// One pass of a node's loop, between Go's `Lock` and `Unlock`: set the
/// value to `i + 1` if it differs, and say so. `panic_in` names a node
/// that panics here instead, with its lock held, to show what a failure
/// in a detached thread looks like.
pub fn round(node: &Mutex<Node>, i: usize, panic_in: Option<u32>) -> Option<String> {
    let mut n = node.lock().unwrap(); // unlocked when `n` goes out of scope
    if panic_in == Some(n.id) {
        panic!("node {} failed on purpose (--panic-in {})", n.id, n.id);
    }
    if n.value != i + 1 {
        n.value = i + 1;
        return Some(format!("node {} updated to {}", n.id, n.value));
    }
    None
}
// ANCHOR_END: round

// ANCHOR: start
/// Starts one thread per node that loops for ever, like the article's
/// goroutines. The `JoinHandle`s are dropped, so the threads are detached:
/// nothing can stop them or wait for them, and they end only when the
/// process exits.
pub fn start(nodes: &[Arc<Mutex<Node>>], tick: Duration, panic_in: Option<u32>) {
    for (i, node) in nodes.iter().enumerate() {
        let node = Arc::clone(node); // this thread's own handle on its node
        thread::spawn(move || {
            // `move`: the closure owns its copies of `i` and `node`
            loop {
                if let Some(line) = round(&node, i, panic_in) {
                    println!("{line}");
                }
                thread::sleep(tick);
            }
        });
    }
}
// ANCHOR_END: start

/// What `main` can see of the nodes as it returns: each value (or that a
/// thread panicked while holding the lock), and how many node threads are
/// still alive, counted by the `Arc`s they hold (each live thread holds
/// one; a thread that panicked dropped its own as it unwound).
pub fn at_exit(nodes: &[Arc<Mutex<Node>>]) -> String {
    let values: Vec<String> = nodes
        .iter()
        .map(|node| {
            let poisoned = node.is_poisoned();
            let n = node.lock().unwrap_or_else(PoisonError::into_inner);
            if poisoned {
                format!("node {} holds {} (poisoned)", n.id, n.value)
            } else {
                format!("node {} holds {}", n.id, n.value)
            }
        })
        .collect();
    let alive: usize = nodes.iter().map(|n| Arc::strong_count(n) - 1).sum();
    format!(
        "main returns: {}\n{alive} of {} node threads still loop; the exit kills them",
        values.join(", "),
        nodes.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn values(nodes: &[Arc<Mutex<Node>>]) -> Vec<usize> {
        nodes.iter().map(|n| n.lock().unwrap().value).collect()
    }

    #[test]
    fn with_its_own_i_no_node_changes_and_nothing_is_printed() {
        let nodes = three_nodes();
        for (i, node) in nodes.iter().enumerate() {
            assert_eq!(round(node, i, None), None);
        }
        assert_eq!(values(&nodes), [1, 2, 3]);
    }

    /// Go 1.21's shared loop variable is, in practice (nothing guarantees
    /// it), 3 by the time the goroutines first read it: every node is set
    /// to 4 and says so once, then never again.
    #[test]
    fn with_go_1_21_s_shared_i_every_node_is_set_to_4_once() {
        let nodes = three_nodes();
        let first: Vec<_> = nodes.iter().map(|n| round(n, 3, None)).collect();
        assert_eq!(
            first,
            [1, 2, 3].map(|id| Some(format!("node {id} updated to 4")))
        );
        assert!(nodes.iter().all(|n| round(n, 3, None).is_none()));
        assert_eq!(values(&nodes), [4, 4, 4]);
    }

    #[test]
    fn at_exit_counts_the_arcs_that_threads_hold() {
        let nodes = three_nodes();
        assert_eq!(
            at_exit(&nodes),
            "main returns: node 1 holds 1, node 2 holds 2, node 3 holds 3\n\
             0 of 3 node threads still loop; the exit kills them"
        );
        let held = Arc::clone(&nodes[1]); // as a running thread would
        assert!(at_exit(&nodes).contains("\n1 of 3 node threads"));
        drop(held);
    }

    /// A panic in a detached thread ends that thread only: nobody joins
    /// it, so nothing propagates. What is left is the panic's line on
    /// stderr (the hook), a poisoned lock and one `Arc` fewer.
    #[test]
    fn a_panicking_node_thread_dies_alone_and_poisons_its_lock() {
        let nodes = vec![Arc::new(Mutex::new(Node {
            id: 7,
            value: 1,
            next: None,
        }))];
        start(&nodes, Duration::from_millis(1), Some(7));
        let deadline = Instant::now() + Duration::from_secs(10);
        while Arc::strong_count(&nodes[0]) > 1 {
            assert!(Instant::now() < deadline, "the thread did not die");
            thread::sleep(Duration::from_millis(1));
        }
        assert!(nodes[0].is_poisoned());
        assert_eq!(
            at_exit(&nodes),
            "main returns: node 7 holds 1 (poisoned)\n\
             0 of 1 node threads still loop; the exit kills them"
        );
    }
}
