//! Section 4.1 fixed with std::thread::scope; the lock guards only the results.
//!
//! Run: `cargo run --bin ch04-01-fixed -- --sleep 1s --panic-in 3`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::parallelism::fixed::run_scoped;
use cookbook::parallelism::tracker::Batch;
use cookbook::support::cli::{parse_duration, usize_in};
use cookbook::support::panic::one_line_panic_hook;
use std::process::ExitCode;
use std::time::Duration;

/// Section 4.1's ten tasks on scoped threads, each holding no lock while
/// it works.
#[derive(Parser)]
#[command(name = "ch04-01-fixed")]
struct Args {
    /// How many tasks to start; the source starts 10.
    #[arg(long, default_value = "10", value_parser = usize_in(1..=100))]
    tasks: usize,
    /// How long each task works, e.g. 100ms or 1s (the source's value).
    #[arg(long, value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    sleep: Duration,
    /// Make task N panic, to see how a failed task is reported.
    #[arg(long, value_name = "N")]
    panic_in: Option<usize>,
}

// ANCHOR: main
fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    if let Some(n) = args.panic_in.filter(|&n| n >= args.tasks) {
        let why = format!("--panic-in {n} names no task: pick 0 to {}", args.tasks - 1);
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    let batch = Batch {
        tasks: args.tasks,
        work: args.sleep,
    };
    one_line_panic_hook(); // one stable line per panic on stderr
    println!("fixed: std::thread::scope, the lock held only to store a result");
    let outcome = run_scoped(&batch, args.panic_in);
    print!("{}", outcome.render());
    if outcome.panicked.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a task failed: say so in the exit status
    }
}
// ANCHOR_END: main
