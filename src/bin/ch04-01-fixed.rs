//! Section 4.1 fixed with std::thread::scope; the lock guards only the results.
//!
//! Run: `cargo run --bin ch04-01-fixed -- --sleep 1s --panic-in 3`

use cookbook::patterns::goroutines::{fixed_main, run_scoped};
use std::process::ExitCode;

fn main() -> ExitCode {
    // ANCHOR: main
    fixed_main(
        "ch04-01-fixed",
        "fixed: std::thread::scope, the lock held only to store a result",
        run_scoped,
    )
    // ANCHOR_END: main
}
