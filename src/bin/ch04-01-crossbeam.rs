//! Section 4.1 fixed with a crossbeam worker pool: a few threads share one
//! channel of jobs.
//!
//! Run: `cargo run --bin ch04-01-crossbeam -- --workers 10 --panic-in 3`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::parallelism::fixed::run_crossbeam;
use cookbook::parallelism::tracker::Batch;
use cookbook::support::cli::{parse_duration, usize_in};
use cookbook::support::panic::one_line_panic_hook;
use std::process::ExitCode;
use std::time::Duration;

/// Section 4.1's ten tasks run by a fixed pool of worker threads that take
/// them from one crossbeam channel.
#[derive(Parser)]
#[command(name = "ch04-01-crossbeam")]
struct Args {
    /// How many tasks to start; the source starts 10.
    #[arg(long, default_value = "10", value_parser = usize_in(1..=100))]
    tasks: usize,
    /// How long each task works, e.g. 100ms or 1s (the source's value).
    #[arg(long, value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    sleep: Duration,
    /// How many worker threads share the channel of jobs.
    #[arg(long, default_value = "4", value_parser = usize_in(1..=100))]
    workers: usize,
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
    println!(
        "crossbeam: {} workers take jobs from one channel",
        args.workers
    );
    let outcome = run_crossbeam(&batch, args.workers, args.panic_in);
    print!("{}", outcome.render());
    if outcome.panicked.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a task failed: say so in the exit status
    }
}
// ANCHOR_END: main
