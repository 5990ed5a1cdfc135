//! Section 4.4's program repaired (`src/bin/ch04-04-fixed.rs`): each node
//! is moved into the thread that runs it, so it needs no lock; each thread
//! gets its own target as an argument; a stop signal ends every loop; the
//! threads are scoped, so none can outlive [`run`]; a thread that panics
//! is reported by its join; and the nodes come back to the caller, who
//! prints them in order. The Go twin is `go/ch04-04-consistency-fixed/`.
//!
//! The stop signal is one channel per node that never carries a message:
//! a node waits for its next round with `recv_timeout(tick)`, and
//! dropping the sender wakes it at once with `Disconnected`. That is Go's
//! `select` on `ctx.Done()` and `time.After(tick)`, with `drop` in place of
//! `cancel()`.

use crate::support::panic;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::Duration;

// ANCHOR: node
/// One replica of a value. Its thread owns it, so it needs no mutex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: u32,
    pub value: usize,
}

/// What a node's thread hands back when it stops: the node itself, and
/// how often it changed in how many rounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub node: Node,
    pub updates: usize,
    pub rounds: usize,
}
// ANCHOR_END: node

/// A node whose thread panicked, with the panic's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub id: u32,
    pub message: String,
}

/// Every node's end: a report, in the order the nodes were given, and the
/// nodes whose threads panicked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub reports: Vec<Report>,
    pub panicked: Vec<Failure>,
}

/// The article's three nodes, valued 1, 2 and 3.
pub fn three_nodes() -> Vec<Node> {
    (1..=3)
        .map(|id| Node {
            id,
            value: id as usize,
        })
        .collect()
}

// ANCHOR: node_loop
/// One node's loop. It owns `node` until it returns it, which it does as
/// soon as `stop`'s sender is dropped. `panic_in` names a node that
/// panics on its first round instead.
fn node_loop(
    mut node: Node,
    target: usize,
    tick: Duration,
    stop: Receiver<()>,
    panic_in: Option<u32>,
) -> Report {
    let (mut updates, mut rounds) = (0, 0);
    loop {
        rounds += 1;
        if panic_in == Some(node.id) {
            panic!(
                "node {} failed on purpose (--panic-in {})",
                node.id, node.id
            );
        }
        if node.value != target {
            node.value = target;
            updates += 1;
        }
        match stop.recv_timeout(tick) {
            Err(RecvTimeoutError::Timeout) => continue, // the next round
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Report {
        node,
        updates,
        rounds,
    }
}
// ANCHOR_END: node_loop

// ANCHOR: run
/// Runs each node on its own scoped thread for `run_for`, then stops them
/// all and waits for every one. The node at index `i` is set to `i + 1`,
/// the article's target.
pub fn run(
    nodes: Vec<Node>,
    tick: Duration,
    run_for: Duration,
    panic_in: Option<u32>,
) -> Outcome {
    let ids: Vec<u32> = nodes.iter().map(|n| n.id).collect();
    thread::scope(|s| {
        let mut stops = Vec::new(); // dropping these is the stop signal
        let mut handles = Vec::new();
        for (i, node) in nodes.into_iter().enumerate() {
            let (stop, stopped) = mpsc::channel();
            stops.push(stop);
            let name = format!("node-{}", node.id);
            let body = move || node_loop(node, i + 1, tick, stopped, panic_in);
            let builder = thread::Builder::new().name(name);
            handles.push(builder.spawn_scoped(s, body).expect("spawn a thread"));
        }
        thread::sleep(run_for);
        drop(stops); // Go's cancel(): every recv_timeout returns at once
        let mut outcome = Outcome {
            reports: Vec::new(),
            panicked: Vec::new(),
        };
        for (id, handle) in ids.into_iter().zip(handles) {
            match handle.join() {
                Ok(report) => outcome.reports.push(report),
                Err(payload) => outcome.panicked.push(Failure {
                    id,
                    message: panic::message(&*payload),
                }),
            }
        }
        outcome
    }) // every thread has been joined: none is left running
}
// ANCHOR_END: run

impl Outcome {
    /// The lines the bin prints, in node order; the round counts depend
    /// on timing, so they follow a `~`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for r in &self.reports {
            out.push_str(&format!(
                "node {} holds {}: {} updates in ~{} rounds\n",
                r.node.id, r.node.value, r.updates, r.rounds
            ));
        }
        for f in &self.panicked {
            out.push_str(&format!("node {}: panicked: {}\n", f.id, f.message));
        }
        if self.panicked.is_empty() {
            out.push_str("all nodes stopped; no node ever read another\n");
        } else {
            out.push_str(&format!(
                "all nodes stopped; {} of {} panicked\n",
                self.panicked.len(),
                self.reports.len() + self.panicked.len()
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const TICK: Duration = Duration::from_millis(1);

    #[test]
    fn the_article_s_nodes_already_hold_their_targets() {
        let o = run(three_nodes(), TICK, Duration::from_millis(20), None);
        assert!(o.panicked.is_empty());
        assert_eq!(o.reports.len(), 3);
        for (r, node) in o.reports.iter().zip(three_nodes()) {
            assert_eq!((&r.node, r.updates), (&node, 0));
            assert!(r.rounds >= 1);
        }
    }

    #[test]
    fn each_node_is_set_to_its_own_target_once() {
        let zeros: Vec<Node> = (10..13).map(|id| Node { id, value: 0 }).collect();
        let o = run(zeros, TICK, Duration::from_millis(20), None);
        let got: Vec<(u32, usize, usize)> = o
            .reports
            .iter()
            .map(|r| (r.node.id, r.node.value, r.updates))
            .collect();
        assert_eq!(got, [(10, 1, 1), (11, 2, 1), (12, 3, 1)]);
    }

    /// The stop signal wakes a node at once: with a tick of a minute and a
    /// run of 10 ms, the run ends in one round per node and well within
    /// 2 s (the bound is loose for a loaded CI machine; without the stop
    /// signal the run would take the whole minute).
    #[test]
    fn dropping_the_senders_stops_a_node_in_mid_wait() {
        let start = Instant::now();
        let o = run(
            three_nodes(),
            Duration::from_secs(60),
            Duration::from_millis(10),
            None,
        );
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
        assert!(o.reports.iter().all(|r| r.rounds == 1), "{o:?}");
    }

    /// A panicking node is reported with its message; the others finish.
    #[test]
    fn a_panicking_node_is_reported_not_hidden() {
        let o = run(three_nodes(), TICK, Duration::from_millis(10), Some(2));
        assert_eq!(
            o.panicked,
            [Failure {
                id: 2,
                message: "node 2 failed on purpose (--panic-in 2)".to_string()
            }]
        );
        let ids: Vec<u32> = o.reports.iter().map(|r| r.node.id).collect();
        assert_eq!(ids, [1, 3]);
        assert!(o.render().ends_with(
            "node 2: panicked: node 2 failed on purpose (--panic-in 2)\n\
             all nodes stopped; 1 of 3 panicked\n"
        ));
    }

    #[test]
    fn render_prints_in_node_order() {
        let o = Outcome {
            reports: vec![
                Report {
                    node: Node { id: 1, value: 1 },
                    updates: 0,
                    rounds: 11,
                },
                Report {
                    node: Node { id: 2, value: 2 },
                    updates: 1,
                    rounds: 9,
                },
            ],
            panicked: vec![],
        };
        assert_eq!(
            o.render(),
            "node 1 holds 1: 0 updates in ~11 rounds\n\
             node 2 holds 2: 1 updates in ~9 rounds\n\
             all nodes stopped; no node ever read another\n"
        );
    }
}
