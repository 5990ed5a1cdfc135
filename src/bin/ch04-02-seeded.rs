//! Section 4.2: the source's random picks on a seeded generator, so the
//! page can show one run's counts exactly, and the same picks over many
//! seeds: how uneven uniform random choice is, and that no run can beat
//! the pigeonhole floor ⌈N/M⌉.
//!
//! Run: `cargo run --bin ch04-02-seeded -- --seed 7 --runs 10000`

use clap::Parser;
use cookbook::load_balancing::port::{
    REQUESTS, SERVERS, Tally, max_load_over_seeds, seeded_picks,
};
use cookbook::support::cli::usize_in;
use cookbook::support::error::ModelError;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// One seeded run of the source's picks, then the max load over many seeds.
#[derive(Parser)]
#[command(name = "ch04-02-seeded")]
struct Args {
    /// The seed of the run shown in full, and the first of the runs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How many seeds (seed, seed + 1, …) the max-load table covers.
    #[arg(long, default_value_t = 1000, value_parser = usize_in(1..=100_000))]
    runs: usize,
    /// How many servers; the source has 3.
    #[arg(long, default_value_t = SERVERS.len(), value_parser = usize_in(1..=1000))]
    servers: usize,
    /// How many requests a run sends; the source sends 100.
    #[arg(long, default_value_t = REQUESTS, value_parser = usize_in(1..=100_000))]
    requests: usize,
    /// Count the runs whose max load is at least this.
    #[arg(long, default_value_t = 40)]
    threshold: usize,
}

/// The longest bar in the table, in characters.
const BAR: usize = 40;

/// The value, or the model's refusal as a message and exit status 1 (clap's
/// ranges keep the arguments valid, so this is a guard, not a path taken).
fn or_exit<T>(result: Result<T, ModelError>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(1)
    })
}

fn main() {
    let args = Args::parse();
    let (m, n) = (args.servers, args.requests);
    // ANCHOR: one_run
    // ChaCha8Rng's stream is promised across rand_chacha releases (rand's
    // StdRng promises no such thing), so this output survives upgrades.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let picks = or_exit(seeded_picks(&mut rng, m, n));
    let tally = or_exit(Tally::new(&picks, m));
    println!(
        "{n} requests over {m} servers, ChaCha8Rng seeded with {}",
        args.seed
    );
    for (i, count) in tally.counts.iter().enumerate() {
        println!("server{}  {count:>3}", i + 1);
    }
    println!(
        "max {}, min {}, mean N/M {:.1}, gap max - N/M {:.1}",
        tally.max(),
        tally.min(),
        tally.mean(),
        tally.gap()
    );
    // ANCHOR_END: one_run

    // ANCHOR: over_seeds
    let over = or_exit(max_load_over_seeds(args.seed, args.runs, m, n));
    let last = args.seed.wrapping_add(args.runs as u64 - 1);
    println!();
    println!(
        "max load over {} seeds ({} to {last})",
        args.runs, args.seed
    );
    let most = over.histogram.values().copied().max().unwrap_or(1);
    for (&load, &runs) in &over.histogram {
        // Rounded to the nearest character, and never empty.
        let bar = "#".repeat(((runs * BAR + most / 2) / most).max(1));
        println!("{load:>4} {runs:>6}  {bar}");
    }
    let floor = tally.floor();
    let below = args.runs - over.at_least(floor);
    println!("runs below the pigeonhole floor ceil({n}/{m}) = {floor}: {below}");
    let high = over.at_least(args.threshold);
    let share = 100.0 * high as f64 / args.runs as f64;
    println!(
        "runs with max >= {}: {high} of {} ({share:.1}%)",
        args.threshold, args.runs
    );
    if let Some((_, hi)) = over.range() {
        let seed = over.worst_seed;
        println!("largest max {hi}, first at seed {seed} (--seed {seed} replays it)");
    }
    // ANCHOR_END: over_seeds
}
