//! Section 4.4: stateright checks two register protocols over every
//! interleaving of their messages. The single-copy register (the source's
//! nodes, each holding its own value) has a counterexample; ABD has none;
//! ABD without its read write-back has one only on an unordered or lossy
//! network.
//!
//! Run: `cargo run --bin ch04-04-models`, or one model:
//! `cargo run --bin ch04-04-models -- --model no-write-back --network lossy`
//!
//! State counts are exact (breadth-first, one thread, a fixed hash order);
//! times vary and are printed after a `~`.

use clap::{Parser, ValueEnum};
use cookbook::consistency::history::{Call, Outcome};
use cookbook::consistency::linearizability::check;
use cookbook::consistency::protocol::{NetworkKind, Setup, history_of, verify};
use std::process::ExitCode;

/// Model-checks register protocols and prints each verdict.
#[derive(Parser)]
struct Args {
    /// Which model to check.
    #[arg(long, value_enum, default_value_t = Which::All)]
    model: Which,
    /// How the network may deliver messages.
    #[arg(long, value_enum, default_value_t = Net::Ordered)]
    network: Net,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    All,
    SingleCopy,
    Abd,
    BlindWrite,
    NoWriteBack,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Net {
    /// Each flow between two actors in order, flows racing.
    Ordered,
    /// Any message may overtake any other.
    Unordered,
    /// Ordered flows; any message may be lost.
    Lossy,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let network = match args.network {
        Net::Ordered => NetworkKind::Ordered,
        Net::Unordered => NetworkKind::Unordered,
        Net::Lossy => NetworkKind::OrderedLossy,
    };
    let setups = [
        (Which::SingleCopy, Setup::single_copy()),
        (Which::Abd, Setup::abd()),
        (Which::BlindWrite, Setup::abd_blind_write()),
        (Which::NoWriteBack, Setup::abd_no_write_back()),
    ];
    let mut first = true;
    for (which, mut setup) in setups {
        if args.model != Which::All && args.model != which {
            continue;
        }
        setup.network = network;
        if !first {
            println!();
        }
        first = false;
        let verdict = verify(&setup);
        println!("{verdict}");
        if let Some(steps) = &verdict.counterexample {
            judge(&setup, steps);
        }
    }
    ExitCode::SUCCESS
}

// ANCHOR: judge
/// Hands the counterexample's history to the book's checker and prints
/// the operations it could not order, with the steps they spanned.
fn judge(setup: &Setup, steps: &[cookbook::consistency::protocol::Step]) {
    let history = history_of(setup, steps);
    let report = match check(&history) {
        Ok(report) => report,
        Err(e) => {
            println!("  the book's checker refused the history: {e}");
            return;
        }
    };
    if report.is_linearizable() {
        println!("  the book's checker finds this history linearizable");
        return;
    }
    for violation in &report.violations {
        println!("  the book's checker cannot order:");
        for op in &violation.operations {
            let what = match (op.call, op.outcome) {
                (Call::Write(v), _) => format!("write {v}"),
                (Call::Read, Outcome::Read(v)) => format!("read → {v}"),
                (Call::Read, _) => "read".to_string(),
            };
            let end = if op.outcome == Outcome::Failed {
                "never answered".to_string()
            } else {
                format!("answered at step {}", op.returned / 10)
            };
            println!(
                "    c{} {what:<18} sent after step {}, {end}",
                op.client,
                op.invoked / 10
            );
        }
    }
}
// ANCHOR_END: judge
