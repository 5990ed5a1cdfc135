//! Go-to-Rust quick reference: `select`, as `tokio::select!`.
//!
//! Run: `cargo run --bin ch09-03-select -- --rounds 10000`
//!
//! Its Go twin is `go/ch09-03-select`.

use clap::Parser;
use cookbook::support::cli::usize_in;
use tokio::sync::mpsc;

/// Counts which branch `select!` takes when more than one is ready.
#[derive(Parser)]
struct Args {
    /// How many rounds to run with both channels ready (100 to 1000000).
    #[arg(long, default_value = "10000", value_parser = usize_in(100..=1_000_000))]
    rounds: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let (a, b) = both_ready(args.rounds).await;
    println!(
        "select, {} rounds, both channels ready every time:",
        args.rounds
    );
    println!(
        "  a won ~{:.1}%, b won ~{:.1}%",
        percent(a, args.rounds),
        percent(b, args.rounds)
    );
    let (a, b) = both_ready_biased(args.rounds).await;
    println!("select with `biased;`, {} rounds:", args.rounds);
    println!("  a won {a} rounds, b won {b}");
    println!("{}", else_on_empty().await);
    let (merged, closes) = merge_until_closed().await;
    println!("merge until both close: got {merged:?}, then `else` ran {closes} time");
}

fn percent(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole as f64
}

// ANCHOR: random
/// Two channels that always hold a value: every round both branches are ready.
async fn both_ready(rounds: usize) -> (usize, usize) {
    let (a_tx, mut a_rx) = mpsc::channel(1);
    let (b_tx, mut b_rx) = mpsc::channel(1);
    let (mut a, mut b) = (0, 0);
    for _ in 0..rounds {
        // Refill whichever channel the last round emptied (the other is full).
        let _ = a_tx.try_send('a');
        let _ = b_tx.try_send('b');
        tokio::select! {
            Some(_) = a_rx.recv() => a += 1,
            Some(_) = b_rx.recv() => b += 1,
        }
    }
    (a, b)
}
// ANCHOR_END: random

// ANCHOR: biased
/// The same, but `biased;` polls the branches in the order written.
async fn both_ready_biased(rounds: usize) -> (usize, usize) {
    let (a_tx, mut a_rx) = mpsc::channel(1);
    let (b_tx, mut b_rx) = mpsc::channel(1);
    let (mut a, mut b) = (0, 0);
    for _ in 0..rounds {
        let _ = a_tx.try_send('a');
        let _ = b_tx.try_send('b');
        tokio::select! {
            biased;
            Some(_) = a_rx.recv() => a += 1,
            Some(_) = b_rx.recv() => b += 1,
        }
    }
    (a, b)
}
// ANCHOR_END: biased

// ANCHOR: default
/// Go's `default:` case runs when no other case is ready. The Rust for a
/// non-blocking receive is `try_recv`. (`select!`'s `else` is not `default`:
/// it runs only when every branch is disabled, not when all are pending.)
async fn else_on_empty() -> String {
    let (_a_tx, mut a_rx) = mpsc::channel::<char>(1);
    match a_rx.try_recv() {
        Ok(v) => format!("try_recv: got {v}"),
        Err(mpsc::error::TryRecvError::Empty) => {
            "try_recv on an empty channel: Empty (Go's `default:` case)".to_string()
        }
        Err(mpsc::error::TryRecvError::Disconnected) => "closed".to_string(),
    }
}
// ANCHOR_END: default

// ANCHOR: merge
/// Go disables a closed channel's case by setting the variable to nil. In
/// `select!`, `Some(v) = rx.recv()` stops matching once the channel is
/// closed, and `else` runs when no branch can match any more.
async fn merge_until_closed() -> (Vec<u32>, usize) {
    let (a_tx, mut a_rx) = mpsc::channel(4);
    let (b_tx, mut b_rx) = mpsc::channel(4);
    let producers = tokio::spawn(async move {
        for v in [1, 2, 3] {
            a_tx.send(v).await.expect("the merger is alive");
        }
        for v in [10, 20] {
            b_tx.send(v).await.expect("the merger is alive");
        }
        // Both senders are dropped here: both channels close.
    });
    let (mut merged, mut closes) = (Vec::new(), 0);
    loop {
        tokio::select! {
            Some(v) = a_rx.recv() => merged.push(v),
            Some(v) = b_rx.recv() => merged.push(v),
            else => {
                closes += 1;
                break;
            }
        }
    }
    producers.await.expect("the producer panicked");
    merged.sort(); // arrival order depends on scheduling; sort to print
    (merged, closes)
}
// ANCHOR_END: merge

#[cfg(test)]
mod tests {
    use super::*;

    /// The page says "about half each". With 10000 fair draws the standard
    /// deviation is 0.5 points; 45..55 is ten deviations wide on each side.
    #[tokio::test]
    async fn unbiased_select_splits_about_evenly() {
        let (a, b) = both_ready(10_000).await;
        assert_eq!(a + b, 10_000);
        let share = percent(a, 10_000);
        assert!((45.0..=55.0).contains(&share), "a won {share}%");
    }

    #[tokio::test]
    async fn biased_select_always_takes_the_first_ready_branch() {
        assert_eq!(both_ready_biased(1000).await, (1000, 0));
    }

    #[tokio::test]
    async fn merge_collects_everything_then_runs_else_once() {
        assert_eq!(merge_until_closed().await, (vec![1, 2, 3, 10, 20], 1));
    }
}
