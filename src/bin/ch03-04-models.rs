//! Section 3.4: the source's C = N / M, then the models that say whether a
//! read sees the latest write: majorities, quorum intersection counted
//! over every read set and write set, probabilistically bounded staleness
//! (its closed form and its WARS model of time), and the chart.
//!
//! Run: `cargo run --bin ch03-04-models`, or one part of it:
//! `cargo run --bin ch03-04-models -- --part wars`
//!
//! The simulated numbers come from seeded ChaCha8 generators, so the
//! output is the same on every machine.

use clap::{Parser, ValueEnum};
use cookbook::consistency::chart::VISIBILITY;
use cookbook::consistency::formula::{
    Quorum, count_pairs, majority, majority_failures_tolerated, source_c,
};
use cookbook::consistency::pbs::{
    Latency, Propagation, Wars, k_staleness, simulate, stale_probability,
};
use cookbook::support::cli::usize_in;
use cookbook::support::error::ModelError;
use std::process::ExitCode;

/// Prints the source's C = N / M and the models of quorum consistency.
#[derive(Parser)]
struct Args {
    /// One more node count for the source's formula (with --m).
    #[arg(long, requires = "m")]
    n: Option<u64>,
    /// One more "consistency requirement" for the source's formula (with
    /// --n; the formula itself says what it refuses).
    #[arg(long, requires = "n")]
    m: Option<u64>,
    /// Seed of the first WARS row; each further row adds 1.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// WARS trials per row (1000 to 1000000).
    #[arg(long, default_value = "20000", value_parser = usize_in(1000..=1_000_000))]
    trials: usize,
    /// Which part to print (the page shows each part on its own).
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
}

/// The parts of the output, in the order the page explains them.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    All,
    Source,
    Majorities,
    Intersection,
    Pbs,
    Wars,
    Chart,
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
    if let (Some(n), Some(m)) = (args.n, args.m) {
        source_c(n, m)?; // a bad --n or --m is refused before anything prints
    }
    let parts: [(Part, PrintPart); 7] = [
        (Part::Source, source),
        (Part::Majorities, majorities),
        (Part::Intersection, intersection),
        (Part::Pbs, pbs),
        (Part::Wars, wars),
        (Part::Chart, chart),
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

/// `disjoint/pairs`, counted over every read set and write set.
fn counted(q: &Quorum) -> Result<String, ModelError> {
    let c = count_pairs(q)?;
    Ok(format!("{}/{}", c.disjoint, c.pairs))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn source(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: source
    println!("The source's C = N / M, N nodes and M the nodes that must take a write:");
    let mut values = vec![(3, 1), (3, 2), (6, 3), (0, 1), (3, 0), (3, 4)];
    values.extend(args.n.zip(args.m));
    for (n, m) in values {
        match source_c(n, m) {
            Ok(c) => println!("  N = {n}, M = {m}: C = {c}"),
            Err(e) => println!("  N = {n}, M = {m}: error: {e}"),
        }
    }
    println!("C = 2 in every row below: writes on W = M replicas, reads of R replicas;");
    println!("reads that miss the write, counted over every read set and write set:");
    println!("  N  W = M  R    C    R + W > N   disjoint/pairs   missed");
    // (N, W, R): three sizes of store, reads of one replica and of more.
    let rows: [&[(u32, u32, u32)]; 3] = [
        &[(2, 1, 1), (2, 1, 2)],
        &[(4, 2, 1), (4, 2, 3)],
        &[(6, 3, 1), (6, 3, 2), (6, 3, 4)],
    ];
    for &(n, w, r) in rows.into_iter().flatten() {
        let q = Quorum::new(n, r, w)?;
        let c = source_c(n.into(), w.into())?;
        let pairs = count_pairs(&q)?;
        println!(
            "  {n}  {w:<5}  {r}  {c:>3}    {:<9}   {:<14}   {:.3}",
            yes_no(q.reads_see_writes()),
            counted(&q)?,
            pairs.disjoint_fraction()
        );
    }
    // ANCHOR_END: source
    Ok(())
}

fn majorities(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: majorities
    println!("Majorities, ⌊N/2⌋ + 1, and pairs of node sets counted:");
    println!("  N   majority   failures    disjoint pairs     disjoint pairs of");
    println!("                 tolerated   of majorities      one node fewer");
    for n in 1..=7 {
        let (m, f) = (majority(n)?, majority_failures_tolerated(n)?);
        let same = counted(&Quorum::new(n, m, m)?)?;
        let fewer = if m > 1 {
            counted(&Quorum::new(n, m - 1, m - 1)?)?
        } else {
            "(no smaller set)".to_string()
        };
        println!("  {n:<3} {m:<10} {f:<11} {same:<18} {fewer}");
    }
    // ANCHOR_END: majorities
    Ok(())
}

fn intersection(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: intersection
    for n in [3, 5] {
        println!("N = {n}: read sets of R against write sets of W, disjoint/pairs");
        let heads: Vec<String> = (1..=n)
            .map(|w| format!("{:>9}", format!("W = {w}")))
            .collect();
        println!("  {:<6}{}", "", heads.join(""));
        let mut agrees = true;
        for r in 1..=n {
            let mut row = String::new();
            for w in 1..=n {
                let q = Quorum::new(n, r, w)?;
                let none_disjoint = count_pairs(&q)?.disjoint == 0;
                agrees &= none_disjoint == q.reads_see_writes();
                let mark = if q.reads_see_writes() { "*" } else { " " };
                row.push_str(&format!("{:>9}", format!("{}{mark}", counted(&q)?)));
            }
            println!("  R = {r} {row}");
        }
        let writes: Vec<String> = (1..=n)
            .map(|w| Ok(format!("{:>9}", counted(&Quorum::new(n, w, w)?)?)))
            .collect::<Result<_, ModelError>>()?;
        println!("  W vs W{}", writes.join(""));
        println!(
            "  (* R + W > N) no disjoint pair exactly where R + W > N: {}",
            yes_no(agrees)
        );
    }
    // ANCHOR_END: intersection
    Ok(())
}

fn pbs(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: pbs
    println!("A write on W random replicas, a read of R random replicas:");
    println!("  N   R  W   p_s (closed form)   counted         one of the last k writes");
    println!("                                                 k = 1    k = 2    k = 3");
    let rows = [
        [(3, 1, 1), (3, 1, 2), (3, 2, 1)],
        [(3, 2, 2), (5, 1, 1), (5, 2, 2)],
        [(5, 2, 3), (10, 1, 1), (10, 3, 3)],
    ];
    for (n, r, w) in rows.into_iter().flatten() {
        let q = Quorum::new(n, r, w)?;
        let ks: Vec<String> = [1, 2, 3]
            .iter()
            .map(|&k| Ok(format!("{:.4}", k_staleness(&q, k)?)))
            .collect::<Result<_, ModelError>>()?;
        println!(
            "  {n:<3} {r}  {w}   {:<19.6} {:<15} {}",
            stale_probability(&q),
            counted(&q)?,
            ks.join("   ")
        );
    }
    // ANCHOR_END: pbs
    Ok(())
}

/// A time in ms, or "never" when the trials do not get there.
fn ms(t: Option<f64>) -> String {
    t.map_or("never".to_string(), |t| format!("{t:.2}"))
}

fn wars(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: wars
    let trials = args.trials as u64;
    let (w_lambda, ars_lambda) = (VISIBILITY.w_lambda, VISIBILITY.ars_lambda);
    let model = Wars::exponential(w_lambda, ars_lambda)?;
    println!(
        "WARS, exponential delays: W mean {} ms, A, R and S mean {} ms;",
        1.0 / w_lambda,
        1.0 / ars_lambda
    );
    println!("{trials} seeded trials a row, seed {} and up.", args.seed);
    println!("The fraction of reads that return the write, t ms after its commit:");
    println!(
        "           closed    write stops   write reaches all N, at t =     ms to reach"
    );
    println!(
        "  N R W    form      at W, any t    0       1       2       5        99%   99.9%"
    );
    for (i, &(n, r, w)) in VISIBILITY.configs.iter().enumerate() {
        let q = Quorum::new(n, r, w)?;
        let seed = args.seed.wrapping_add(i as u64);
        let only = simulate(&q, &model, Propagation::QuorumOnly, trials, seed)?;
        let all = simulate(&q, &model, Propagation::Everywhere, trials, seed)?;
        let at = |v: &cookbook::consistency::pbs::Visibility,
                  t|
         -> Result<String, ModelError> {
            Ok(format!("{:.4}", v.fresh_at(t)?.p()))
        };
        println!(
            "  {n} {r} {w}    {:.4}    {}         {}  {}  {}  {}  {:>6}  {:>6}",
            1.0 - stale_probability(&q),
            at(&only, 0.0)?,
            at(&all, 0.0)?,
            at(&all, 1.0)?,
            at(&all, 2.0)?,
            at(&all, 5.0)?,
            ms(all.time_to(0.99)?),
            ms(all.time_to(0.999)?)
        );
    }
    println!("N = 3, R = W = 1, A, R and S mean 1 ms, the write delay W varied:");
    println!("  W mean (ms)   fresh at t = 0   ms to 99%   ms to 99.9%");
    for w_mean in [0.25, 1.0, 4.0, 16.0] {
        let slower = Wars {
            write: Latency::exponential(1.0 / w_mean)?,
            ..model
        };
        let q = Quorum::new(3, 1, 1)?;
        let all = simulate(&q, &slower, Propagation::Everywhere, trials, args.seed)?;
        println!(
            "  {w_mean:<13} {:<16.4} {:<11} {}",
            all.fresh_at(0.0)?.p(),
            ms(all.time_to(0.99)?),
            ms(all.time_to(0.999)?)
        );
    }
    // ANCHOR_END: wars
    Ok(())
}

fn chart(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: chart
    let p = VISIBILITY;
    println!("The chart's parameters, cookbook::consistency::chart::VISIBILITY:");
    let configs: Vec<String> = p
        .configs
        .iter()
        .map(|(n, r, w)| format!("{n} {r} {w}"))
        .collect();
    println!("  configurations (N R W): {}", configs.join(", "));
    println!(
        "  exponential delays: W mean {} ms, A, R and S mean {} ms",
        1.0 / p.w_lambda,
        1.0 / p.ars_lambda
    );
    println!("  the write reaches all N; each curve is the reads that miss it");
    println!(
        "  {} trials a curve, seeds {} to {}, t from 0 to {} ms",
        p.trials,
        p.seed,
        p.seed + p.configs.len() as u64 - 1,
        p.t_max
    );
    // ANCHOR_END: chart
    Ok(())
}

/// Bad input to the library, and the error each call returns instead of a
/// panic or a NaN.
fn errors(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: errors
    let q = Quorum::new(3, 1, 1)?;
    let model = Wars::exponential(1.0, 1.0)?;
    let vis = simulate(&q, &model, Propagation::Everywhere, 1000, 1)?;
    let refusals: [(&str, Option<ModelError>); 12] = [
        ("C = N / M with N = 0", source_c(0, 1).err()),
        ("C = N / M with M = 0", source_c(3, 0).err()),
        ("C = N / M with M = 4 > N = 3", source_c(3, 4).err()),
        ("a majority of 0 nodes", majority(0).err()),
        ("3 replicas, R = 0", Quorum::new(3, 0, 2).err()),
        ("3 replicas, W = 4", Quorum::new(3, 2, 4).err()),
        (
            "counting the pairs of 13 replicas",
            count_pairs(&Quorum::new(13, 1, 1)?).err(),
        ),
        ("one of the last 0 writes", k_staleness(&q, 0).err()),
        ("a delay of rate NaN", Latency::exponential(f64::NAN).err()),
        ("a delay of rate 0", Latency::exponential(0.0).err()),
        (
            "0 trials",
            simulate(&q, &model, Propagation::Everywhere, 0, 1).err(),
        ),
        ("fresh at t = -1 ms", vis.fresh_at(-1.0).err()),
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
