//! Section 4.2 fixed: the requests really travel. Real HTTP servers on
//! 127.0.0.1, one of them slower; the same seeded open-loop schedule sent
//! through each balancer, hand-written and tower's; per server what it
//! served and its peak of requests inside, and the latency percentiles.
//!
//! Run: `cargo run --bin ch04-02-fixed -- --rate 1500 --slow-factor 8`

use clap::Parser;
use cookbook::load_balancing::live::{
    Contender, ContenderRun, Setup, Tuning, run_contender,
};
use cookbook::load_balancing::loadgen::{Workload, schedule};
use cookbook::load_balancing::loopback::ServerSpec;
use cookbook::support::cli::{parse_duration, parse_f64_in_range, usize_in};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The source's load balancer with real requests, measured per policy.
#[derive(Parser)]
#[command(name = "ch04-02-fixed")]
struct Args {
    /// How many servers (a balancer needs two to choose between).
    #[arg(long, default_value_t = 4, value_parser = usize_in(2..=16))]
    servers: usize,
    /// Requests each server works on at once; the rest wait for a slot.
    #[arg(long, default_value_t = 4, value_parser = usize_in(1..=64))]
    slots: usize,
    /// How many times slower the last server is than the others.
    #[arg(long, value_name = "X", default_value = "4", value_parser = slow_factor)]
    slow_factor: f64,
    /// Mean job size: a job's service time on a normal server (exponential).
    #[arg(long, value_name = "TIME", default_value = "4ms", value_parser = service)]
    service: Duration,
    /// Requests per policy, all on the same schedule.
    #[arg(long, default_value_t = 300, value_parser = usize_in(10..=20_000))]
    requests: usize,
    /// Mean arrivals per second (Poisson).
    #[arg(long, value_name = "PER_SECOND", default_value = "2000", value_parser = rate)]
    rate: f64,
    /// Distinct keys the requests carry (for hashing with bounded loads).
    #[arg(long, default_value_t = 100, value_parser = usize_in(1..=100_000))]
    keys: usize,
    /// Seed of the schedule (arrivals, job sizes, keys) and of the balancers.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How long each policy's run may last; requests pending then time out.
    #[arg(long, value_name = "TIME", default_value = "2s", value_parser = deadline)]
    deadline: Duration,
}

fn slow_factor(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 1.0, 100.0)
}

fn rate(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 1.0, 50_000.0)
}

fn service(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d < Duration::from_micros(100) || d > Duration::from_millis(100) {
        return Err(format!("`{text}` is out of range: pick 100us to 100ms"));
    }
    Ok(d)
}

fn deadline(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    if d < Duration::from_millis(10) || d > Duration::from_secs(30) {
        return Err(format!("`{text}` is out of range: pick 10ms to 30s"));
    }
    Ok(d)
}

fn ms(d: Duration) -> String {
    format!("~{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Server `i`'s name, as the source names them, with the slow one marked.
fn name(i: usize, servers: usize) -> String {
    let slow = if i + 1 == servers { " (slow)" } else { "" };
    format!("server{}{slow}", i + 1)
}

// ANCHOR: print_run
/// One policy's block: per server what it served and its peak of requests
/// inside at once (working or queued), then the client's latencies and how
/// late the generator sent (a busy machine shows here). Every measured
/// number follows a `~`: they vary from run to run.
fn print_run(run: &ContenderRun) {
    let n = run.servers.len();
    let per_server = |value: &dyn Fn(usize) -> usize| -> String {
        let each: Vec<String> = (0..n).map(|i| format!("~{}", value(i))).collect();
        each.join(" ")
    };
    let r = &run.report;
    println!("{}: {}", run.contender.name(), run.contender.describe());
    println!(
        "  served    {}",
        per_server(&|i| run.servers[i].served as usize)
    );
    println!("  peak      {}", per_server(&|i| run.servers[i].peak));
    println!(
        "  latency   p50 {}, p99 {}, p99.9 {}, max {}",
        ms(r.quantile(0.50)),
        ms(r.quantile(0.99)),
        ms(r.quantile(0.999)),
        ms(r.max()),
    );
    let unsent = r.scheduled - r.sent;
    print!(
        "  of {}: timed out ~{}, failed {}",
        r.scheduled, r.timed_out, r.failed
    );
    if unsent > 0 {
        print!(", never sent ~{unsent}");
    }
    println!("; sent at most {} late", ms(r.lag));
    if let Some(home) = run.home_share {
        println!("  on the key's home server: ~{:.0}%", home * 100.0);
    }
}
// ANCHOR_END: print_run

// ANCHOR: main
#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    let n = args.servers;
    let specs: Vec<ServerSpec> = (0..n)
        .map(|i| ServerSpec {
            slots: args.slots,
            slowdown: if i + 1 == n { args.slow_factor } else { 1.0 },
        })
        .collect();
    let workload = Workload {
        requests: args.requests,
        rate: args.rate,
        mean_work: args.service,
        keys: args.keys,
        seed: args.seed,
    };
    let arrivals = schedule(&workload); // one schedule for every policy
    let setup = Setup {
        specs,
        deadline: args.deadline,
        tuning: Tuning {
            seed: args.seed,
            ..Tuning::default()
        },
    };
    print_setup(&args, &setup);
    let started = Instant::now();
    let mut runs = Vec::new();
    for contender in Contender::ALL {
        match run_contender(contender, &setup, &arrivals).await {
            Ok(run) => {
                println!();
                print_run(&run);
                runs.push(run);
            }
            Err(e) => {
                eprintln!("error: {}: {e}", contender.name());
                return ExitCode::FAILURE;
            }
        }
    }
    println!();
    println!("{:28}  {} served, p99", "summary", name(n - 1, n));
    for run in &runs {
        let slow = run.servers[n - 1].served;
        let p99 = ms(run.report.quantile(0.99));
        println!("{:28}  ~{slow}, {p99}", run.contender.name());
    }
    println!();
    let took = started.elapsed().as_secs_f64();
    println!(
        "all servers stopped; {} policies in ~{took:.1} s",
        runs.len()
    );
    if runs.iter().all(|r| r.report.failed == 0) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE // a request failed: say so in the exit status
    }
}
// ANCHOR_END: main

/// What is measured: the servers, the schedule, and how the load compares
/// with what the servers can serve (slots / mean service time, summed).
fn print_setup(args: &Args, setup: &Setup) {
    let n = setup.specs.len();
    let mean = args.service.as_secs_f64();
    let capacity: Vec<f64> = setup
        .specs
        .iter()
        .map(|s| s.slots as f64 / (mean * s.slowdown))
        .collect();
    let total: f64 = capacity.iter().sum();
    let fast = format!("server1 to server{}", n - 1);
    println!(
        "{n} HTTP servers on 127.0.0.1 (ports picked by the OS), {} slots each",
        args.slots
    );
    println!(
        "jobs exponential, mean {:?}; server{n} works {}x slower than {fast}",
        args.service, args.slow_factor,
    );
    println!(
        "{} requests per policy, Poisson at {}/s, seed {}: one schedule for all",
        args.requests, args.rate, args.seed,
    );
    println!(
        "offered {:.0}% of the nominal capacity, {total:.0}/s; deadline {:?} a policy",
        100.0 * args.rate / total,
        args.deadline,
    );
    println!(
        "uniform choice sends {:.0}/s to server{n}, which serves {:.0}/s at most",
        args.rate / n as f64,
        capacity[n - 1],
    );
    let names: Vec<String> = (0..n).map(|i| name(i, n)).collect();
    println!("per server, in order: {}", names.join(" "));
}
