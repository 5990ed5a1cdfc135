//! Go-to-Rust quick reference: the actor pattern, a task that owns its state.
//!
//! Run: `cargo run --bin ch09-11-actor`
//!
//! One task owns the balance. Others reach it through an `mpsc` channel of
//! commands, each carrying a `oneshot` sender for its reply. Its Go twin is
//! `go/ch09-11-actor`; the two print the same lines.

use tokio::sync::{mpsc, oneshot};

// ANCHOR: actor
/// A request to the actor: an amount (> 0 deposits, < 0 withdraws, 0 only
/// reads) and where to send the balance after it: `Err` if refused.
struct Request {
    amount: i64,
    reply: oneshot::Sender<Result<i64, i64>>,
}

/// The actor: the only code that touches `balance`. It returns when every
/// `Sender` of its channel is gone, which is Go's `close(requests)`.
async fn account(mut requests: mpsc::Receiver<Request>) -> i64 {
    let mut balance = 0;
    while let Some(Request { amount, reply }) = requests.recv().await {
        let answer = if balance + amount < 0 {
            Err(balance)
        } else {
            balance += amount;
            Ok(balance)
        };
        let _ = reply.send(answer); // the asker may have given up: fine
    }
    balance
}

/// The actor's handle: cheap to clone, one per client.
#[derive(Clone)]
struct Account(mpsc::Sender<Request>);

impl Account {
    async fn ask(&self, amount: i64) -> Result<i64, i64> {
        let (reply, answer) = oneshot::channel();
        let request = Request { amount, reply };
        self.0.send(request).await.expect("the actor is running");
        answer.await.expect("the actor replies to every request")
    }
}
// ANCHOR_END: actor

/// What the Go twin's `reply.String` prints.
fn describe(answer: Result<i64, i64>) -> String {
    match answer {
        Ok(balance) => format!("balance {balance}"),
        Err(balance) => format!("refused, balance {balance}"),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // ANCHOR: main
    // Capacity 1: a client waits while the actor is busy (backpressure).
    let (tx, rx) = mpsc::channel(1);
    let actor = tokio::spawn(account(rx));
    let handle = Account(tx);

    println!("deposit 10: {}", describe(handle.ask(10).await));
    println!("withdraw 25: {}", describe(handle.ask(-25).await));
    let clients: Vec<_> = (1..=4)
        .map(|c| {
            let handle = handle.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    handle.ask(c).await.expect("a deposit is never refused");
                }
            })
        })
        .collect();
    for client in clients {
        client.await.expect("a client panicked");
    }
    let balance = describe(handle.ask(0).await);
    println!("after 4 clients sent 40 deposits: {balance}");
    drop(handle); // the last Sender: the actor's loop ends
    let last = actor.await.expect("the actor panicked");
    println!("the actor stopped with balance {last}");
    // ANCHOR_END: main
}
