//! Section 4.1: the port and the three fixed versions on the same batch,
//! side by side: wall time, the source's P, and Little's L.
//!
//! Run: `cargo run --bin ch04-01-compare -- --sleep 1s` (takes about 13 s)

use clap::Parser;
use cookbook::patterns::goroutines::{
    Batch, Outcome, run_crossbeam, run_port, run_scoped, run_tokio,
};

/// Runs every version of section 4.1 on one batch and prints a table.
#[derive(Parser)]
#[command(name = "ch04-01-compare")]
struct Args {
    #[command(flatten)]
    batch: Batch,
}

fn main() {
    let args = Args::parse();
    let batch = &args.batch;
    // ANCHOR: main
    type Version = (&'static str, fn(&Batch) -> Outcome);
    let versions: [Version; 4] = [
        ("port (lock held across sleep)", run_port),
        ("fixed (std::thread::scope)", |b| run_scoped(b, None)),
        ("tokio (JoinSet, one thread)", |b| run_tokio(b, None)),
        ("crossbeam (scope + channel)", |b| run_crossbeam(b, None)),
    ];
    println!(
        "{} tasks of {:?} each, run by every version:",
        batch.tasks, batch.work
    );
    for (name, run) in versions {
        let outcome = run(batch);
        println!("{name:<30} {}", outcome.report.summary());
    }
    // ANCHOR_END: main
}
