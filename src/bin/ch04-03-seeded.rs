//! Section 4.3: the source's failing server on a seeded generator, so the
//! page can show one run exactly, and the same run over many seeds: how
//! many requests a program that tolerates no fault loses.
//!
//! Run: `cargo run --bin ch04-03-seeded -- --seed 1 --runs 1000`

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::fault_tolerance::port::{
    FAILING, Losses, REQUESTS, SERVERS, chance_of_no_loss, losses_over_seeds,
    parse_failing, requests_on, server_names,
};
use cookbook::support::cli::usize_in;
use cookbook::support::error::ModelError;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One seeded run of the source's failing picks, then the losses over many
/// seeds.
#[derive(Parser)]
#[command(name = "ch04-03-seeded")]
struct Args {
    /// The seed of the run shown in full, and the first of the runs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many seeds (seed, seed + 1, …) the table covers.
    #[arg(long, default_value_t = 1000, value_parser = usize_in(1..=100_000))]
    runs: usize,
    /// How many servers, named server1 to serverM; the source has 3.
    #[arg(long, default_value_t = SERVERS.len(), value_parser = usize_in(1..=1000))]
    servers: usize,
    /// How many requests a run sends; the source sends 100.
    #[arg(long, default_value_t = REQUESTS, value_parser = usize_in(1..=100_000))]
    requests: usize,
    /// The server whose requests fail, by name or number: server2 or 2.
    #[arg(long, value_name = "SERVER", default_value = FAILING)]
    failing: String,
    /// How many of the first run's requests to print one by one.
    #[arg(long, default_value_t = 5, value_parser = usize_in(0..=100_000))]
    show: usize,
}

/// The longest bar in the table, in characters.
const BAR: usize = 40;

/// How many failure counts each line of the table groups.
const BUCKET: usize = 5;

/// The value, or the model's refusal as a message and exit status 1 (the
/// arguments are checked first, so this is a guard, not a path taken).
fn or_exit<T>(result: Result<T, ModelError>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    })
}

fn main() {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    let failing = parse_failing(&args.failing, args.servers).unwrap_or_else(|e| {
        let why = format!("--failing: {e}");
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit()
    });
    let (m, n) = (args.servers, args.requests);
    let names = server_names(m);
    // ANCHOR: one_run
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let run = or_exit(requests_on(&mut rng, &names, &failing, n));
    let losses = or_exit(Losses::new(&run, m));
    println!(
        "{n} requests over {m} servers, {failing} failing, ChaCha8Rng seeded with {}",
        args.seed
    );
    for r in run.iter().take(args.show) {
        match r.failed {
            true => println!("  request {} failed on {}", r.id, names[r.server]),
            false => println!("  request {} sent to {}", r.id, names[r.server]),
        }
    }
    for (name, count) in names.iter().zip(&losses.per_server) {
        let verdict = if *name == failing { "failed" } else { "sent" };
        println!("{name:<8} {count:>4}  {verdict}");
    }
    println!(
        "requests failed: {} of {n} ({:.1}%)",
        losses.failed,
        100.0 * losses.share()
    );
    // ANCHOR_END: one_run

    // ANCHOR: over_seeds
    let over = or_exit(losses_over_seeds(args.seed, args.runs, &names, &failing, n));
    let last = args.seed.wrapping_add(args.runs as u64 - 1);
    println!();
    println!(
        "failures per run over {} seeds ({} to {last})",
        args.runs, args.seed
    );
    let (lo, hi) = over.range().unwrap_or((0, 0));
    let buckets: Vec<(usize, usize)> = (lo / BUCKET..=hi / BUCKET)
        .map(|b| {
            (
                b * BUCKET,
                over.runs_within(b * BUCKET, b * BUCKET + BUCKET - 1),
            )
        })
        .collect();
    let most = buckets.iter().map(|&(_, runs)| runs).max().unwrap_or(1);
    for (from, runs) in buckets {
        // Rounded to the nearest character; a bucket with a run has a bar.
        let width = (runs * BAR + most / 2) / most;
        let bar = "#".repeat(if runs > 0 { width.max(1) } else { 0 });
        let to = from + BUCKET - 1;
        println!("{from:>4}-{to:<4} {runs:>6}  {bar}");
    }
    println!(
        "requests failed: {} of {} ({:.1}%; 1/{m} is {:.1}%)",
        over.failed,
        over.sent,
        100.0 * over.share(),
        100.0 / m as f64
    );
    let none = or_exit(chance_of_no_loss(m, n));
    println!(
        "runs that lost nothing: {} (the chance of one: (1 - 1/{m})^{n} = {none:.1e})",
        over.runs_within(0, 0)
    );
    let seed = over.worst_seed;
    println!("most failures {hi}, first at seed {seed} (--seed {seed} replays it)");
    // ANCHOR_END: over_seeds
}
