//! Section 4.3 fixed: the source's random pick with one failing server,
//! made fault tolerant one step at a time over requests that really
//! travel. Three HTTP servers on 127.0.0.1 (one down until `--back-at`,
//! one flaky, one that stalls); the same seeded open-loop schedule for
//! every step; one row per step: lost requests, latencies, calls per
//! request, calls to the down server while it was down, and its recovery.
//!
//! Run: `cargo run --bin ch04-03-fixed -- --flaky 0.5 --back-at 400ms`

use clap::Parser;
use cookbook::fault_tolerance::client::{
    Knobs, StepReport, hedge_delay_of, print_table, run_all,
};
use cookbook::fault_tolerance::faults::FaultPlan;
use cookbook::fault_tolerance::tower_stack::{tower_notes, tower_rows};
use cookbook::load_balancing::loadgen::{Workload, schedule};
use cookbook::support::cli::{parse_duration, parse_f64_in_range, usize_in};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The source's failing server, met by a client that tolerates faults.
#[derive(Parser)]
#[command(name = "ch04-03-fixed")]
struct Args {
    /// Seed of the schedule, of the injected faults and of the client.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Requests per step, all on the same schedule.
    #[arg(long, default_value_t = 300, value_parser = usize_in(10..=5_000))]
    requests: usize,
    /// Mean arrivals per second (Poisson).
    #[arg(long, value_name = "PER_SECOND", default_value = "500", value_parser = rate)]
    rate: f64,
    /// Mean job size (exponential).
    #[arg(long, value_name = "TIME", default_value = "2ms", value_parser = work)]
    work: Duration,
    /// When server 0 comes back, from the start of each run.
    #[arg(long, value_name = "TIME", default_value = "300ms", value_parser = back_at)]
    back_at: Duration,
    /// Fraction of attempts server 1 answers with 503.
    #[arg(long, value_name = "FRACTION", default_value = "0.3", value_parser = fraction)]
    flaky: f64,
    /// Fraction of attempts server 2 stalls.
    #[arg(long, value_name = "FRACTION", default_value = "0.1", value_parser = fraction)]
    stalls: f64,
    /// How long a stalled attempt waits.
    #[arg(long, value_name = "TIME", default_value = "250ms", value_parser = stall)]
    stall: Duration,
    /// How long one try may take (steps 1 and later).
    #[arg(long, value_name = "TIME", default_value = "50ms", value_parser = timeout)]
    per_try_timeout: Duration,
    /// A request not answered by then is lost.
    #[arg(long, value_name = "TIME", default_value = "500ms", value_parser = timeout)]
    deadline: Duration,
    /// Hedge delay of step 6 (default: the p95 of the jobs' sizes + 2ms).
    #[arg(long, value_name = "TIME", value_parser = timeout)]
    hedge_after: Option<Duration>,
}

fn rate(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 10.0, 5_000.0)
}

fn fraction(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 0.0, 1.0)
}

fn ranged(text: &str, min: Duration, max: Duration) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d < min || d > max {
        return Err(format!("`{text}` is out of range: pick {min:?} to {max:?}"));
    }
    Ok(d)
}

fn work(text: &str) -> Result<Duration, String> {
    ranged(text, Duration::from_micros(100), Duration::from_millis(50))
}

fn back_at(text: &str) -> Result<Duration, String> {
    ranged(text, Duration::ZERO, Duration::from_secs(5))
}

fn stall(text: &str) -> Result<Duration, String> {
    ranged(text, Duration::from_millis(1), Duration::from_secs(2))
}

fn timeout(text: &str) -> Result<Duration, String> {
    ranged(text, Duration::from_millis(1), Duration::from_secs(5))
}

// ANCHOR: main
#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    if args.per_try_timeout > args.deadline {
        eprintln!("error: --per-try-timeout is longer than --deadline");
        return ExitCode::from(2);
    }
    let plan =
        FaultPlan::scenario(args.seed, args.back_at, args.flaky, args.stalls, args.stall);
    let workload = Workload {
        requests: args.requests,
        rate: args.rate,
        mean_work: args.work,
        keys: 1,
        seed: args.seed,
    };
    let arrivals = schedule(&workload); // one schedule for every step
    let knobs = Knobs {
        deadline: args.deadline,
        per_try_timeout: args.per_try_timeout,
        hedge_after: args.hedge_after,
        seed: args.seed,
        ..Knobs::default()
    };
    let hedge_after = args.hedge_after.unwrap_or(hedge_delay_of(&arrivals));
    print_setup(&args, &plan);
    let started = Instant::now();
    // The hand-written steps and tower's rows, all at the same time.
    let (hand, tower) = tokio::join!(
        run_all(&knobs, &plan, &arrivals),
        tower_rows(&knobs, &plan, &arrivals),
    );
    let (rows, tower) = match (hand, tower) {
        (Ok(rows), Ok(tower)) => (rows, tower),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!();
    let all: Vec<StepReport> = rows.iter().chain(&tower).cloned().collect();
    print!("{}", print_table(&all));
    print!("{}", tower_notes(&tower)); // the tower rows, the table's last three
    print_notes(&rows, hedge_after, args.hedge_after.is_some());
    let lag = all.iter().map(|r| r.lag).max().unwrap_or_default();
    let lag_ms = lag.as_secs_f64() * 1000.0;
    println!("the generators sent at most ~{lag_ms:.1} ms late (more: a busy machine)");
    println!();
    let took = started.elapsed().as_secs_f64();
    println!(
        "all servers stopped; {} runs at once in ~{took:.1} s",
        all.len()
    );
    ExitCode::SUCCESS
}
// ANCHOR_END: main

/// What the servers do and what the client meets.
fn print_setup(args: &Args, plan: &FaultPlan) {
    println!("3 HTTP servers on 127.0.0.1 (ports picked by the OS), 4 slots each:");
    for (i, fault) in plan.faults.iter().enumerate() {
        println!("  server {i}: {}", fault.describe());
    }
    println!(
        "{} requests per step, Poisson at {}/s, jobs exponential with mean {:?}, seed {}",
        args.requests, args.rate, args.work, args.seed
    );
    println!(
        "deadline {:?} a request, per-try timeout {:?}, at most 3 retries,",
        args.deadline, args.per_try_timeout
    );
    println!(
        "backoff 5ms to 50ms with full jitter; breaker: 3 failures, 100ms cool-down;"
    );
    println!(
        "budget: 10 tokens, 0.1 or 0.5 back a success; latencies of answered requests"
    );
}

/// Below the table: where the hedge delay came from, what the budget
/// refused, and what the servers saw of the hedges' losers.
fn print_notes(rows: &[StepReport], hedge_after: Duration, from_flag: bool) {
    let [.., grpc, budget, hedge] = rows else {
        return;
    };
    println!();
    if from_flag {
        println!("step 6 hedges after {hedge_after:?} (--hedge-after)");
    } else {
        println!("step 6 hedges after {hedge_after:?}: the p95 of the jobs' sizes + 2ms");
    }
    println!(
        "the budget refused ~{} retries at ratio 0.1, ~{} at 0.5; step 6 sent ~{} hedges",
        grpc.throttled, budget.throttled, hedge.hedges
    );
    let s = &hedge.servers;
    let abandoned: Vec<String> = s.iter().map(|x| format!("~{}", x.abandoned)).collect();
    println!(
        "step 6: server 2 stalled ~{} tries; tries abandoned by the client: {}",
        s[2].stalled,
        abandoned.join(" ")
    );
}
