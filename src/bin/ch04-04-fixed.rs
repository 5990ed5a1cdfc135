//! Section 4.4 repaired: each node owned by its scoped thread, a stop
//! signal, every thread joined, a panic reported, output in node order.
//!
//! Run: `cargo run --bin ch04-04-fixed -- --tick 1s --for 10s --panic-in 2`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::consistency::fixed::{run, three_nodes};
use cookbook::support::cli::parse_duration;
use cookbook::support::panic::one_line_panic_hook;
use std::process::ExitCode;
use std::time::Duration;

/// Three nodes on scoped threads, stopped after a while and joined.
#[derive(Parser)]
#[command(name = "ch04-04-fixed")]
struct Args {
    /// How long each node waits between rounds, e.g. 10ms or 1s.
    #[arg(long, value_name = "TIME", default_value = "10ms")]
    #[arg(value_parser = parse_duration)]
    tick: Duration,
    /// How long the nodes run before they are told to stop, e.g. 100ms or 10s.
    #[arg(long = "for", value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    run_for: Duration,
    /// Make node N (1 to 3) panic, to see how a failed node is reported.
    #[arg(long, value_name = "N")]
    panic_in: Option<u32>,
}

// ANCHOR: main
fn main() -> ExitCode {
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
    let outcome = run(three_nodes(), args.tick, args.run_for, args.panic_in);
    print!("{}", outcome.render()); // every thread is joined by now
    if outcome.panicked.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a node failed: say so in the exit status
    }
}
// ANCHOR_END: main
