// Go's `close(ch)` followed by `ch <- 1` compiles and panics at run time
// ("send on closed channel"). In Rust a channel is closed by dropping its
// Sender, and a dropped value cannot be used again.
use std::sync::mpsc;

fn main() {
    // ANCHOR: main
    let (tx, rx) = mpsc::channel::<i32>();
    drop(tx); // Go: close(ch)
    tx.send(1).unwrap(); // Go: ch <- 1
    // ANCHOR_END: main
    let _ = rx.recv();
}
