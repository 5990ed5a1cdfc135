//! Section 4.1 fixed with tokio tasks in a JoinSet on a one-thread runtime.
//!
//! Run: `cargo run --bin ch04-01-tokio -- --sleep 1s --panic-in 3`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::patterns::goroutines::{Batch, check_panic_in, one_line_panic_hook, run_tokio};
use std::process::ExitCode;

/// The source's ten tasks, run in parallel; a panicking task is reported.
#[derive(Parser)]
#[command(name = "ch04-01-tokio")]
struct Args {
    #[command(flatten)]
    batch: Batch,
    /// Make task N panic, to see how a failed task is reported.
    #[arg(long, value_name = "N")]
    panic_in: Option<usize>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(why) = check_panic_in(&args.batch, args.panic_in) {
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    one_line_panic_hook();
    // ANCHOR: main
    println!("tokio: a JoinSet of async tasks on one OS thread");
    let outcome = run_tokio(&args.batch, args.panic_in);
    print!("{}", outcome.render());
    if outcome.panicked.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a task failed: say so in the exit status
    }
    // ANCHOR_END: main
}
