//! Section 4.1 fixed with tokio tasks in a JoinSet on a one-thread runtime.
//!
//! Run: `cargo run --bin ch04-01-tokio -- --sleep 1s --panic-in 3`

use cookbook::patterns::goroutines::{fixed_main, run_tokio};
use std::process::ExitCode;

fn main() -> ExitCode {
    // ANCHOR: main
    fixed_main(
        "ch04-01-tokio",
        "tokio: a JoinSet of async tasks on one OS thread",
        run_tokio,
    )
    // ANCHOR_END: main
}
