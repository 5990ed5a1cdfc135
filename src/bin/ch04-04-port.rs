//! Section 4.4: the article's three nodes, ported to Rust with their
//! behaviour kept: detached threads that loop for ever and a `main` that
//! sleeps, then returns, which ends the process and the threads with it.
//!
//! Run: `cargo run --bin ch04-04-port -- --tick 1s --for 10s` (the article's timing)

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::consistency::port::{at_exit, start, three_nodes};
use cookbook::support::cli::parse_duration;
use cookbook::support::panic::one_line_panic_hook;
use std::time::Duration;

/// Three nodes, one detached thread each, looping until the process exits.
#[derive(Parser)]
#[command(name = "ch04-04-port")]
struct Args {
    /// How long each node sleeps between rounds, e.g. 10ms or 1s (the article's).
    #[arg(long, value_name = "TIME", default_value = "10ms")]
    #[arg(value_parser = parse_duration)]
    tick: Duration,
    /// How long main sleeps before it returns, e.g. 100ms or 10s (the article's).
    #[arg(long = "for", value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    run_for: Duration,
    /// Make node N (1 to 3) panic, to see what a failed detached thread leaves.
    #[arg(long, value_name = "N")]
    panic_in: Option<u32>,
}

// ANCHOR: main
fn main() {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    if args.tick.is_zero() {
        let why = "--tick 0 would make every node spin: give it a length like 10ms";
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    if let Some(n) = args.panic_in.filter(|n| !(1..=3).contains(n)) {
        let why = format!("--panic-in {n} names no node: pick 1, 2 or 3");
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    one_line_panic_hook(); // one stable line per panic on stderr
    let nodes = three_nodes();
    start(&nodes, args.tick, args.panic_in);
    std::thread::sleep(args.run_for); // Go's time.Sleep in main
    println!("{}", at_exit(&nodes)); // the port's one addition to the Go
} // main returns: the process exits and the node threads are killed
// ANCHOR_END: main
