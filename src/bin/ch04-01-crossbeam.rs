//! Section 4.1 fixed with std's scoped threads that send their results down a
//! crossbeam channel.
//!
//! Run: `cargo run --bin ch04-01-crossbeam -- --sleep 1s --panic-in 3`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::patterns::goroutines::{Batch, check_panic_in, one_line_panic_hook, run_crossbeam};
use std::process::ExitCode;

/// The source's ten tasks, run in parallel; a panicking task is reported.
#[derive(Parser)]
#[command(name = "ch04-01-crossbeam")]
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
    println!("crossbeam: scoped threads fan their results into a crossbeam channel");
    let outcome = run_crossbeam(&args.batch, args.panic_in);
    print!("{}", outcome.render());
    if outcome.panicked.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a task failed: say so in the exit status
    }
    // ANCHOR_END: main
}
