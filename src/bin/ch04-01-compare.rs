//! Section 4.1: the port and the three fixed versions on the same batch,
//! side by side: wall time, the source's P, and Little's L.
//!
//! Run: `cargo run --bin ch04-01-compare -- --sleep 1s` (takes about 13 s)

use clap::Parser;
use cookbook::parallelism::fixed::{run_crossbeam, run_scoped, run_tokio};
use cookbook::parallelism::port::run_port;
use cookbook::parallelism::tracker::{Batch, Outcome};
use cookbook::support::cli::{parse_duration, usize_in};
use std::time::Duration;

/// Runs every version of section 4.1 on one batch and prints a table.
#[derive(Parser)]
#[command(name = "ch04-01-compare")]
struct Args {
    /// How many tasks every version starts; the source starts 10.
    #[arg(long, default_value = "10", value_parser = usize_in(1..=100))]
    tasks: usize,
    /// How long each task works, e.g. 100ms or 1s (the source's value).
    #[arg(long, value_name = "TIME", default_value = "100ms")]
    #[arg(value_parser = parse_duration)]
    sleep: Duration,
}

fn main() {
    let args = Args::parse();
    let batch = &Batch {
        tasks: args.tasks,
        work: args.sleep,
    };
    // ANCHOR: main
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("start a tokio runtime");
    let versions: [(&str, &dyn Fn() -> Outcome); 4] = [
        ("port (lock held across sleep)", &|| run_port(batch)),
        ("fixed (std::thread::scope)", &|| run_scoped(batch, None)),
        ("tokio (JoinSet, one thread)", &|| {
            tokio.block_on(run_tokio(batch, None))
        }),
        ("crossbeam (one worker a task)", &|| {
            run_crossbeam(batch, batch.tasks, None)
        }),
    ];
    println!(
        "{} tasks of {:?} each, run by every version:",
        batch.tasks, batch.work
    );
    for (name, run) in versions {
        println!("{name:<30} {}", run().report.summary());
    }
    // ANCHOR_END: main
}
