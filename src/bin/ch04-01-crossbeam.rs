//! Section 4.1 fixed with std's scoped threads that send their results down a
//! crossbeam channel.
//!
//! Run: `cargo run --bin ch04-01-crossbeam -- --sleep 1s --panic-in 3`

use cookbook::patterns::goroutines::{fixed_main, run_crossbeam};
use std::process::ExitCode;

fn main() -> ExitCode {
    // ANCHOR: main
    fixed_main(
        "ch04-01-crossbeam",
        "crossbeam: scoped threads fan their results into a crossbeam channel",
        run_crossbeam,
    )
    // ANCHOR_END: main
}
