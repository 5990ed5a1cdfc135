//! Section 3.2: the source's R = N / M, then what it cannot see: the
//! maximum load of each policy, beside the theory, and how many keys each
//! hashing scheme moves when a server leaves or joins.
//!
//! Run: `cargo run --bin ch03-02-models -- --seed 1 --trials 30 --servers 10`,
//! or one part of it: `cargo run --bin ch03-02-models -- --part hashing`
//!
//! Every number comes from seeded trials (ChaCha8, one stream per trial),
//! so the output is the same on every machine and every thread count.

use clap::{Parser, ValueEnum};
use cookbook::load_balancing::formula::d_choice_gap;
use cookbook::load_balancing::formula::{
    LoadSummary, requests_per_server, supermarket_time,
};
use cookbook::load_balancing::hashing::{BoundedLoads, Maglev, Ring, next_prime};
use cookbook::load_balancing::policies::{Choices, Policy, SmoothWeighted, Uniform};
use cookbook::load_balancing::simulation::{
    POLICIES, SCHEMES, SIZES, movement_table, policy_table, server_names, trial_rng,
};
use cookbook::support::cli::usize_in;
use cookbook::support::error::ModelError;
use std::process::ExitCode;

/// Prints the source's R, a table of maximum loads per policy, and a table
/// of keys moved per hashing scheme.
#[derive(Parser)]
struct Args {
    /// Seed of the trials' generators.
    #[arg(long, default_value = "1")]
    seed: u64,
    /// Trials per policy and size (1 to 10000).
    #[arg(long, default_value = "30", value_parser = usize_in(1..=10_000))]
    trials: usize,
    /// Servers in the hashing table, before one leaves or joins (2 to 1000).
    #[arg(long, default_value = "10", value_parser = usize_in(2..=1000))]
    servers: usize,
    /// Keys placed in the hashing table (1 to 1000000).
    #[arg(long, default_value = "10000", value_parser = usize_in(1..=1_000_000))]
    keys: usize,
    /// Which part to print (the page shows each part on its own).
    #[arg(long, value_enum, default_value_t = Part::All)]
    part: Part,
}

/// The parts of the output, in the order the page explains them.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    All,
    Mean,
    Policies,
    Weighted,
    Supermarket,
    Hashing,
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
    let parts: [(Part, PrintPart); 6] = [
        (Part::Mean, mean),
        (Part::Policies, policies),
        (Part::Weighted, weighted),
        (Part::Supermarket, supermarket),
        (Part::Hashing, hashing),
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

fn mean(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: source_r
    // The source's program: 100 requests, each to one of 3 servers at random.
    let (n, m) = (100, 3);
    let r = requests_per_server(n, m)?;
    println!("The source's R = N / M = {n} / {m} = {r:.2} requests per server");
    let mut rng = trial_rng(args.seed, 0);
    let mut source = Uniform::new(m as usize)?;
    let one_run = LoadSummary::of(source.assign_all(n, &mut rng))?;
    let same_r = LoadSummary::of(&[n - 2, 1, 1])?;
    println!(
        "one seeded run of it: loads {:?}, max {}, R = {:.2}",
        source.loads(),
        one_run.max,
        one_run.mean
    );
    println!(
        "loads {:?} have the same R = {:.2}, and a max of {}",
        [n - 2, 1, 1],
        same_r.mean,
        same_r.max
    );
    // ANCHOR_END: source_r
    Ok(())
}

fn policies(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: policies
    let trials = args.trials as u64;
    println!(
        "Max load of m requests on n servers, {trials} trials (seed {})",
        args.seed
    );
    println!(
        "policy                mean max  worst max    theory  (source of the theory)"
    );
    let rows = policy_table(&SIZES, &POLICIES, trials, args.seed)?;
    for chunk in rows.chunks(POLICIES.len()) {
        let size = chunk[0].trials.size;
        let r = requests_per_server(size.requests, size.servers as u64)?;
        println!(
            "m = {}, n = {}: R = N / M = {r:.2} for every policy",
            size.requests, size.servers
        );
        for row in chunk {
            let t = &row.trials;
            let (mean, worst) = (t.mean_max(), t.worst_max());
            let approx = if row.theory.exact { ' ' } else { '≈' };
            let theory = format!("{approx}{:.2}", row.theory.max);
            let name = t.kind.to_string();
            println!(
                "  {name:<20} {mean:>8.2} {worst:>10} {theory:>9}  ({})",
                row.theory.source
            );
        }
    }
    // ANCHOR_END: policies
    Ok(())
}

fn weighted(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: weighted
    let mut rng = trial_rng(args.seed, 0);
    let mut weighted = SmoothWeighted::new(&[5.0, 1.0, 1.0])?;
    let picks: Vec<&str> = (0..7)
        .map(|_| ["a", "b", "c"][weighted.assign(&mut rng)])
        .collect();
    println!("Smooth weighted round robin, weights a = 5, b = 1, c = 1:");
    println!("  {}", picks.join(" "));
    // ANCHOR_END: weighted
    Ok(())
}

fn supermarket(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: supermarket
    println!("Supermarket model: mean time in system, service time 1, n → ∞");
    println!("  load λ      d = 1      d = 2      d = 3");
    for lambda in [0.5, 0.9, 0.99] {
        let t: Vec<String> = (1..=3)
            .map(|d| Ok(format!("{:>10.2}", supermarket_time(lambda, d)?)))
            .collect::<Result<_, ModelError>>()?;
        println!("  {lambda:<6} {}", t.join(" "));
    }
    // ANCHOR_END: supermarket
    Ok(())
}

fn hashing(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: hashing
    let (servers, keys) = (args.servers, args.keys as u64);
    println!(
        "Keys moved, {keys} keys on {servers} servers (seed {})",
        args.seed
    );
    println!("scheme                 leave: held  moved   join: gets  moved   max/mean");
    for mv in movement_table(&SCHEMES, servers, keys, args.seed)? {
        let name = mv.scheme.to_string();
        println!(
            "{name:<22} {:>11} {:>6} {:>11} {:>6} {:>10.3}",
            mv.leaver_held,
            mv.moved_on_leave,
            mv.joiner_holds,
            mv.moved_on_join,
            mv.max_over_mean
        );
    }
    // The table the movement rows used: sized for the most servers, n + 1.
    let size = next_prime(100 * (servers as u64 + 1));
    let maglev = Maglev::with_size(&server_names(servers), size, args.seed)?;
    let entries = maglev.entries();
    let (lo, hi) = (entries.iter().min(), entries.iter().max());
    if let (Some(&lo), Some(&hi)) = (lo, hi) {
        println!(
            "maglev table: M = {} entries, {lo} to {hi} per server (max/min {:.3})",
            maglev.size(),
            hi as f64 / lo as f64
        );
    }
    println!(
        "s0 leaves, except under jump, which can only drop its last bucket, s{}",
        servers - 1
    );
    // ANCHOR_END: hashing
    Ok(())
}

/// Bad input to the library, and the error each call returns instead of a
/// panic or a NaN.
fn errors(_: &Args) -> Result<(), ModelError> {
    // ANCHOR: errors
    let a = ["a", "b"];
    let refusals: [(&str, Option<ModelError>); 9] = [
        ("R = N / M with M = 0", requests_per_server(100, 0).err()),
        ("the summary of no loads", LoadSummary::of(&[]).err()),
        ("uniform over 0 servers", Uniform::new(0).err()),
        ("4 choices of 3 servers", Choices::new(3, 4).err()),
        (
            "weights 1 and NaN",
            SmoothWeighted::new(&[1.0, f64::NAN]).err(),
        ),
        (
            "a ring naming a twice",
            Ring::new(&["a", "a"], 100, 1).err(),
        ),
        ("a ring with 0 vnodes", Ring::new(&a, 0, 1).err()),
        (
            "bounded loads, ε = 0",
            BoundedLoads::new(&a, 100, 0.0, 1).err(),
        ),
        ("the d-choice gap, n = 2", d_choice_gap(2, 2).err()),
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
