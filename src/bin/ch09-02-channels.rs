//! Go-to-Rust quick reference: unbuffered and buffered channels, close and range.
//!
//! Run: `cargo run --bin ch09-02-channels -- --capacity 2`
//!
//! Its Go twin is `go/ch09-02-channels`; the two print the same lines, except
//! the last one, which has no Go equivalent.

use clap::Parser;
use cookbook::support::cli::usize_in;
use std::sync::mpsc::{self, RecvError, TrySendError};
use std::thread;

/// Shows what a send does on an unbuffered and on a buffered channel, and how
/// a receiver learns that a channel is closed.
#[derive(Parser)]
struct Args {
    /// The buffered channel's capacity (1 to 16).
    #[arg(long, default_value = "2", value_parser = usize_in(1..=16))]
    capacity: usize,
}

fn main() {
    let args = Args::parse();
    unbuffered();
    buffered(args.capacity);
    close_and_range();
    send_with_no_receiver();
}

fn unbuffered() {
    // ANCHOR: unbuffered
    // `make(chan int)`: capacity 0, so a send waits for a receiver.
    let (tx, rx) = mpsc::sync_channel::<i32>(0);
    // Go: select { case ch <- 1: ... default: ... }
    match tx.try_send(1) {
        Ok(()) => println!("unbuffered: the send went through"),
        Err(TrySendError::Full(_)) => {
            println!("unbuffered: a send would block: no receiver is waiting")
        }
        Err(TrySendError::Disconnected(_)) => unreachable!("rx is alive"),
    }
    thread::scope(|s| {
        let receiver = s.spawn(move || rx.recv().expect("a value"));
        tx.send(1).expect("the receiver is alive"); // blocks until taken
        let got = receiver.join().expect("the receiver panicked");
        println!("unbuffered: handed {got} straight to a waiting receiver");
    });
    // ANCHOR_END: unbuffered
}

fn buffered(capacity: usize) {
    // ANCHOR: buffered
    // `make(chan int, capacity)`: sends succeed until the buffer is full.
    let (tx, rx) = mpsc::sync_channel::<usize>(capacity);
    for v in 1..=capacity + 1 {
        match tx.try_send(v) {
            Ok(()) => println!("buffered({capacity}): sent {v} without a receiver"),
            Err(TrySendError::Full(v)) => {
                println!(
                    "buffered({capacity}): a send of {v} would block: the buffer is full"
                )
            }
            Err(TrySendError::Disconnected(_)) => unreachable!("rx is alive"),
        }
    }
    let drained: Vec<usize> = rx.try_iter().collect();
    println!("buffered({capacity}): the receiver drained {drained:?}");
    // ANCHOR_END: buffered
}

fn close_and_range() {
    // ANCHOR: close_and_range
    // `make(chan int)`: each send waits until the range loop takes the value.
    let (tx, rx) = mpsc::sync_channel::<i32>(0);
    thread::scope(|s| {
        s.spawn(move || {
            for v in 1..=5 {
                tx.send(v).expect("the receiver is alive");
            }
            // `close(ch)`: the last Sender is dropped here, as the closure ends.
        });
        // `for v := range ch`: ends when every Sender is gone and the
        // buffer is empty.
        let got: Vec<i32> = rx.iter().collect();
        println!("range: got {got:?}, then the channel was closed");
        // `v, ok := <-ch` on a closed channel: Go gives 0, false.
        match rx.recv() {
            Ok(v) => println!("receive after close: {v}"),
            Err(RecvError) => println!("receive after close: nothing (ok = false)"),
        }
    });
    // ANCHOR_END: close_and_range
}

fn send_with_no_receiver() {
    // ANCHOR: no_receiver
    let (tx, rx) = mpsc::sync_channel::<i32>(0); // Go's `make(chan int)`
    drop(rx); // the only receiver is gone
    if let Err(mpsc::SendError(v)) = tx.send(7) {
        println!("send with no receiver left: an error, and {v} handed back");
    }
    // ANCHOR_END: no_receiver
}
