//! Section 4.1: the source's concurrency program, ported to Rust with its
//! behaviour kept, one lock held across every task's sleep included.
//!
//! Run: `cargo run --bin ch04-01-port -- --sleep 1s` (the source's timing)

use clap::Parser;
use cookbook::parallelism::port::run_port;
use cookbook::parallelism::tracker::Batch;
use cookbook::support::cli::{parse_duration, usize_in};
use std::time::Duration;

/// Ten threads share one lock and hold it while they sleep: a serial program.
#[derive(Parser)]
#[command(name = "ch04-01-port")]
struct Args {
    /// How many tasks to start; the source starts 10.
    #[arg(long, default_value = "10", value_parser = usize_in(1..=100))]
    tasks: usize,
    /// How long each task works, e.g. 100ms or 1s (the source's value).
    #[arg(long, value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    sleep: Duration,
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    let batch = Batch {
        tasks: args.tasks,
        work: args.sleep,
    };
    println!("port: one Mutex held across each task's sleep");
    let outcome = run_port(&batch);
    print!("{}", outcome.render());
    // ANCHOR_END: main
}
