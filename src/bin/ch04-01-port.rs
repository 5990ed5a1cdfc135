//! Section 4.1: the source's concurrency program, ported to Rust with its
//! behaviour kept, one lock held across every task's sleep included.
//!
//! Run: `cargo run --bin ch04-01-port -- --sleep 1s` (the source's timing)

use clap::Parser;
use cookbook::patterns::goroutines::{Batch, run_port};

/// Ten threads share one lock and hold it while they sleep: a serial program.
#[derive(Parser)]
#[command(name = "ch04-01-port")]
struct Args {
    #[command(flatten)]
    batch: Batch,
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    println!("port: one Mutex held across each task's sleep");
    let outcome = run_port(&args.batch);
    print!("{}", outcome.render());
    // ANCHOR_END: main
}
