//! Section 3.3: the source's R = 1 − P_f, then the models that say how
//! much a fault is tolerated: redundancy (series, parallel, k of n),
//! repair (MTTF and MTTR, nines and downtime), retries and what they cost
//! (amplification, gRPC's throttle), what a shared cause does to all of
//! them, and clients contending with five backoff strategies.
//!
//! Run: `cargo run --bin ch03-03-models`, or one part of it:
//! `cargo run --bin ch03-03-models -- --part shared-fate`
//!
//! The simulated numbers come from seeded ChaCha8 generators, so the
//! output is the same on every machine.

use clap::{Parser, ValueEnum};
use cookbook::fault_tolerance::contention::{Contest, compare};
use cookbook::fault_tolerance::formula::{
    MONTH, YEAR, availability_of_downtime, availability_of_nines, downtime,
    expected_attempts, k_of_n, nines, parallel, retry_amplification, retry_success,
    series, source_r, steady_state_availability, throttle_threshold,
};
use cookbook::fault_tolerance::shared_fate::{SharedFate, simulate};
use cookbook::support::cli::usize_in;
use cookbook::support::error::ModelError;
use cookbook::trends::backoff::Backoff;
use std::process::ExitCode;
use std::time::Duration;

/// Prints the source's R = 1 − P_f and the models of fault tolerance.
#[derive(Parser)]
struct Args {
    /// One more failure probability for the source's formula (any number:
    /// the formula itself says what it refuses).
    #[arg(long, allow_hyphen_values = true)]
    p_f: Option<f64>,
    /// Seed of the simulations' generators.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Trials per row of the shared-fate simulation (1000 to 10000000).
    #[arg(long, default_value = "200000", value_parser = usize_in(1000..=10_000_000))]
    trials: usize,
    /// Runs per strategy and client count in the contention table (1 to 1000).
    #[arg(long, default_value = "20", value_parser = usize_in(1..=1000))]
    runs: usize,
    /// Which part to print (the page shows each part on its own).
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
}

/// The parts of the output, in the order the page explains them.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    All,
    Source,
    Redundancy,
    Repair,
    Retries,
    Throttle,
    SharedFate,
    Contention,
    Errors,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A function that prints one part.
type PrintPart = fn(&Args) -> Result<(), ModelError>;

fn run(args: &Args) -> Result<(), ModelError> {
    if let Some(p_f) = args.p_f {
        source_r(p_f)?; // a bad --p-f is refused before anything prints
    }
    let parts: [(Part, PrintPart); 8] = [
        (Part::Source, source),
        (Part::Redundancy, redundancy),
        (Part::Repair, repair),
        (Part::Retries, retries),
        (Part::Throttle, throttle),
        (Part::SharedFate, shared_fate),
        (Part::Contention, contention),
        (Part::Errors, errors),
    ];
    let mut first = true;
    for (part, print) in parts {
        if args.part == Part::All || args.part == part {
            if !first {
                println!();
            }
            first = false;
            print(args)?;
        }
    }
    Ok(())
}

fn source(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: source
    println!("The source's R = 1 − P_f:");
    let mut values = vec![0.0, 0.01, 0.25, 1.0, 1.5, f64::NAN];
    values.extend(args.p_f);
    for p_f in values {
        match source_r(p_f) {
            Ok(r) => println!("  P_f = {p_f:<5} R = {r}"),
            Err(e) => println!("  P_f = {p_f:<5} error: {e}"),
        }
    }
    // ANCHOR_END: source
    Ok(())
}

fn redundancy(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: redundancy
    println!("Series (every part must work) and parallel (one part must work):");
    println!("  {:<22} {:>10} {:>13}", "parts", "series", "parallel");
    let lists: [&[f64]; 4] = [&[0.99], &[0.99; 2], &[0.99; 3], &[0.999, 0.99, 0.95]];
    for parts in lists {
        let name = format!("{parts:?}");
        let (s, p) = (series(parts)?, parallel(parts)?);
        println!("  {name:<22} {s:>10.6} {p:>13.9}");
    }
    println!("At least k of n identical parts up, each up with probability a:");
    let heads = ["k of n", "a = 0.9", "a = 0.99", "a = 0.999"];
    println!(
        "  {:<12} {:>14} {:>14} {:>14}",
        heads[0], heads[1], heads[2], heads[3]
    );
    for (k, n) in [
        (1, 3),
        (2, 3),
        (3, 3),
        (3, 5),
        (5, 5),
        (990, 1000),
        (1000, 1000),
    ] {
        let row: Vec<String> = [0.9, 0.99, 0.999]
            .iter()
            .map(|&a| Ok(format!("{:>14.9}", k_of_n(k, n, a)?)))
            .collect::<Result<_, ModelError>>()?;
        println!("  {:<12} {}", format!("{k} of {n}"), row.join(" "));
    }
    // ANCHOR_END: redundancy
    Ok(())
}

/// A duration as days, hours, minutes and seconds, from its largest unit,
/// to the nearest second (to a tenth under a minute).
fn human(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        return format!("{secs:.1} s");
    }
    let total = secs.round() as u64;
    let units = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut left = total;
    let mut out = Vec::new();
    for (size, name) in units {
        let n = left / size;
        left %= size;
        if n > 0 || !out.is_empty() {
            out.push(format!("{n} {name}"));
        }
    }
    out.join(" ")
}

fn repair(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: repair
    println!("Repairable parts, A = MTTF / (MTTF + MTTR), times in hours:");
    for (mttf, mttr) in [(1000.0, 1.0), (1000.0, 0.1), (100.0, 1.0), (10_000.0, 24.0)] {
        let a = steady_state_availability(mttf, mttr)?;
        let n = nines(a)?;
        println!("  MTTF {mttf:>6} h, MTTR {mttr:>4} h: A = {a:.6} ({n:.2} nines)");
    }
    println!(
        "Nines and the downtime they allow (a year of 365.25 days, a month of 1/12):"
    );
    println!("  nines  availability   down per year          down per month");
    for n in [1.0, 2.0, 3.0, 3.5, 4.0, 5.0, 6.0] {
        let a = availability_of_nines(n)?;
        let (year, month) = (human(downtime(a, YEAR)?), human(downtime(a, MONTH)?));
        println!("  {n:<5}  {a:<12.7}   {year:<22} {month}");
    }
    let a = availability_of_downtime(Duration::from_secs(3600), YEAR)?;
    println!(
        "and back: 1 hour down a year is A = {a:.7}, {:.2} nines",
        nines(a)?
    );
    // ANCHOR_END: repair
    Ok(())
}

fn retries(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: retries
    println!("r retries, each attempt failing independently with probability p:");
    let heads = [
        "p",
        "success, r = 0",
        "r = 1",
        "r = 3",
        "mean attempts, r = 3",
    ];
    let [p, r0, r1, r3, mean] = heads;
    println!("  {p:<6} {r0:>14} {r1:>12} {r3:>12}   {mean:>20}");
    for p in [0.001, 0.01, 0.1, 0.5, 0.9, 1.0] {
        let s: Vec<String> = [0, 1, 3]
            .iter()
            .map(|&r| Ok(format!("{:>12.9}", retry_success(p, r)?)))
            .collect::<Result<_, ModelError>>()?;
        let e = expected_attempts(p, 3)?;
        println!("  {p:<6}   {}   {e:>20.4}", s.join(" "));
    }
    println!("Attempts at the bottom of L layers that each make up to r + 1 attempts:");
    println!("  r      L = 1   L = 2   L = 3   L = 4   L = 5");
    for r in [1, 2, 3, 4] {
        let row: Vec<String> = (1..=5)
            .map(|l| Ok(format!("{:>7}", retry_amplification(r, l)?)))
            .collect::<Result<_, ModelError>>()?;
        println!("  {r:<4} {}", row.join(" "));
    }
    match retry_amplification(3, 40) {
        Ok(n) => println!("  r = 3, L = 40: {n}"),
        Err(e) => println!("  r = 3, L = 40: error: {e}"),
    }
    // ANCHOR_END: retries
    Ok(())
}

fn throttle(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: throttle
    println!("gRPC retry throttling stops retries once this fraction of calls fails:");
    for t in [0.01, 0.1, 0.5, 1.0] {
        let f = throttle_threshold(t)?;
        println!("  token ratio {t:<5} t / (1 + t) = {f:.4}");
    }
    // ANCHOR_END: throttle
    Ok(())
}

fn shared_fate(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: shared_fate
    let trials = args.trials as u64;
    println!(
        "Replicas up with a = 0.99 each, and a shared event of probability q that takes"
    );
    println!(
        "them all down; {trials} seeded trials a row (seed {}):",
        args.seed
    );
    println!("  k of n   q       independent   (1 − q)·k_of_n   simulated ± std. error");
    let rows = [
        (1, 1, 0.0),
        (1, 3, 0.0),
        (1, 3, 0.001),
        (1, 3, 0.01),
        (1, 5, 0.001),
    ];
    let rows = rows
        .iter()
        .chain(&[(2, 3, 0.0), (2, 3, 0.001), (2, 3, 0.01)]);
    for (row, &(k, n, q)) in rows.enumerate() {
        let model = SharedFate::new(k, n, 0.99, q)?;
        let sim = simulate(&model, trials, args.seed.wrapping_add(row as u64))?;
        println!(
            "  {:<7}  {q:<6}  {:<12.10}  {:<15.10}  {:.6} ± {:.6}",
            format!("{k} of {n}"),
            model.independent()?,
            model.correlated()?,
            sim.availability(),
            sim.std_error()
        );
    }
    // ANCHOR_END: shared_fate
    Ok(())
}

fn contention(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: contention
    let slot = Duration::from_millis(1);
    let backoff = Backoff::new(slot, 1000 * slot)?;
    let runs = args.runs as u64;
    println!(
        "Clients writing one item at once: one write per slot wins, the rest back off."
    );
    println!(
        "Slot 1 ms, base 1 ms, cap 1000 ms; mean of {runs} seeded runs (seed {}).",
        args.seed
    );
    println!("  clients  strategy                  calls  calls/client   time (slots)");
    for clients in [10, 50, 100] {
        let contest = Contest::new(clients, backoff, slot)?;
        for row in compare(&contest, runs, args.seed)? {
            let per_client = row.calls / clients as f64;
            println!(
                "  {clients:<7}  {:<22} {:>8.1} {:>14.2} {:>14.1}",
                row.strategy, row.calls, per_client, row.slots
            );
        }
    }
    // ANCHOR_END: contention
    Ok(())
}

/// Bad input to the library, and the error each call returns instead of a
/// panic or a NaN.
fn errors(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: errors
    let nan = f64::NAN;
    let refusals: [(&str, Option<ModelError>); 12] = [
        ("R = 1 − P_f with P_f = −0.1", source_r(-0.1).err()),
        ("series of no parts", series(&[]).err()),
        ("parallel of 0.9 and 1.2", parallel(&[0.9, 1.2]).err()),
        ("0 of 3 parts", k_of_n(0, 3, 0.9).err()),
        ("4 of 3 parts", k_of_n(4, 3, 0.9).err()),
        ("MTTF 0 h", steady_state_availability(0.0, 1.0).err()),
        ("MTTR −1 h", steady_state_availability(10.0, -1.0).err()),
        ("the nines of availability 1", nines(1.0).err()),
        ("16 nines", availability_of_nines(16.0).err()),
        ("retries against p = NaN", retry_success(nan, 3).err()),
        ("retries through 0 layers", retry_amplification(3, 0).err()),
        ("a token ratio of 0", throttle_threshold(0.0).err()),
    ];
    for (call, refused) in refusals {
        match refused {
            Some(e) => println!("{call}\n  error: {e}"),
            None => println!("{call}\n  accepted (a bug: it should be refused)"),
        }
    }
    // ANCHOR_END: errors
    Ok(())
}
