//! Section 4.4 on a real engine: a three-node etcd cluster on 127.0.0.1.
//! Puts and linearizable gets; a counter that many clients increment with
//! compare-and-swap (and, for contrast, without the compare); concurrent
//! clients' histories judged by the linearizability checker, on a healthy
//! cluster, with one member killed and with two; then both restarted, the
//! one that missed the most writes catching up.
//!
//! Needs `--features etcd` and the `etcd` binary (Debian: etcd-server).
//!
//! Run: `cargo run --bin ch04-04-etcd --features etcd -- --clients 4 --ops 20`

use clap::Parser;
use cookbook::consistency::etcd::cluster::{self, Cluster};
use cookbook::consistency::etcd::kv::{
    self, Counting, HistoryRun, KvError, Prefixes, cas_counter, run_history,
};
use cookbook::consistency::quorum::Workload;
use cookbook::support::cli::{parse_duration, usize_in};
use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

/// Linearizable reads, compare-and-swap and faults on a real etcd cluster.
#[derive(Parser)]
#[command(name = "ch04-04-etcd")]
struct Args {
    /// Clients running at once.
    #[arg(long, default_value_t = 4, value_parser = usize_in(1..=8))]
    clients: usize,
    /// Operations each client runs in a history, one after another.
    #[arg(long, default_value_t = 20, value_parser = usize_in(1..=100))]
    ops: usize,
    /// Increments each client makes to the shared counter.
    #[arg(long, default_value_t = 25, value_parser = usize_in(1..=200))]
    increments: usize,
    /// Seed of the operations and of the backoff draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// How long one request may take.
    #[arg(long, value_name = "TIME", default_value = "500ms", value_parser = deadline)]
    deadline: Duration,
}

fn deadline(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    let (min, max) = (Duration::from_millis(50), Duration::from_secs(2));
    if d < min || d > max {
        return Err(format!("`{text}` is out of range: pick {min:?} to {max:?}"));
    }
    Ok(d)
}

/// Operations each client runs while there is no quorum: each waits the
/// whole deadline, so a few are enough to see them all fail.
const OPS_WITHOUT_QUORUM: usize = 2;

/// How long a restarted member may take to catch up.
const CATCH_UP: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    // Refused before anything starts: no etcd, no run.
    if let Err(e) = cluster::etcd_binary() {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// "2 of 3 members up, a majority" or "1 of 3 members up, no quorum".
fn members(c: &Cluster) -> String {
    let (up, n) = (c.up(), c.nodes());
    let quorum = if 2 * up > n {
        "a majority"
    } else {
        "no quorum"
    };
    format!("{up} of {n} members up, {quorum}")
}

fn secs(d: Duration) -> String {
    format!("~{:.1} s", d.as_secs_f64())
}

fn millis(d: Duration) -> String {
    format!("~{} ms", d.as_millis())
}

async fn run(args: &Args) -> Result<(), Box<dyn Error>> {
    // ANCHOR: start
    let mut c = cluster::start(3).await?;
    println!("3 etcd members on 127.0.0.1 (ports picked by the OS), heartbeat 50ms,");
    println!(
        "election timeout 500ms: serving after {}",
        secs(c.started_in())
    );
    // ANCHOR_END: start
    let endpoints = c.endpoints();
    let prefixes = Prefixes::default();

    println!(
        "\nput and get (deadline {}ms a request)",
        args.deadline.as_millis()
    );
    // ANCHOR: put_get
    let mut client = kv::connect(&endpoints, args.deadline).await?;
    let revision = kv::put(&mut client, "greeting", 7, args.deadline).await?;
    let seen = kv::get(&mut client, "greeting", args.deadline).await?;
    println!("  put greeting = 7 at revision {revision}");
    println!(
        "  linearizable get: {} (written at revision {})",
        seen.value, seen.mod_revision
    );
    // ANCHOR_END: put_get

    // ANCHOR: counter
    let per_client = args.increments as u64;
    let cas = cas_counter(
        &endpoints,
        "counter/cas",
        args.clients,
        per_client,
        Counting::CompareAndSwap,
        args.seed,
    )
    .await?;
    let blind = cas_counter(
        &endpoints,
        "counter/blind",
        args.clients,
        per_client,
        Counting::Blind,
        args.seed,
    )
    .await?;
    // ANCHOR_END: counter
    if cas.value != cas.increments {
        return Err(format!(
            "compare-and-swap counted {} of {}",
            cas.value, cas.increments
        )
        .into());
    }
    println!(
        "\na counter, {} clients x {per_client} increments (backoff: full jitter, 1ms to 50ms)",
        args.clients
    );
    println!(
        "  read, compare mod_revision and swap: {} of {} counted, ~{} rounds lost and retried",
        cas.value, cas.increments, cas.lost_rounds
    );
    println!(
        "  read, then put (no compare):         ~{} of {} counted",
        blind.value, blind.increments
    );

    let workload = Workload {
        clients: args.clients,
        keys: 3,
        ops_per_client: args.ops,
        write_fraction: 0.5,
        seed: args.seed,
    };
    println!(
        "\nhistories: {} clients, 3 keys, {} operations each (50% writes), seed {},",
        args.clients, args.ops, args.seed
    );
    println!(
        "each client on its own connection to all 3 endpoints; every history judged"
    );

    // ANCHOR: faults
    let healthy =
        run_history(&endpoints, &prefixes.next(), &workload, args.deadline).await?;
    report("3 of 3 members up", &healthy, args.deadline);

    c.kill(2)?;
    let one_down =
        run_history(&endpoints, &prefixes.next(), &workload, args.deadline).await?;
    report(
        &format!("n2 killed: {}", members(&c)),
        &one_down,
        args.deadline,
    );

    c.kill(1)?;
    let few = Workload {
        ops_per_client: OPS_WITHOUT_QUORUM,
        ..workload
    };
    let no_quorum =
        run_history(&endpoints, &prefixes.next(), &few, args.deadline).await?;
    report(
        &format!("n1 killed too: {}", members(&c)),
        &no_quorum,
        args.deadline,
    );
    // ANCHOR_END: faults
    for (message, count) in &no_quorum.errors {
        println!("    ~{count} x {message}: {}", members(&c));
    }

    // ANCHOR: serializable
    let mut alone = kv::connect(&[c.endpoint(0)], args.deadline).await?;
    let linear = kv::get(&mut alone, "counter/cas", args.deadline).await;
    let local = kv::get_serializable(&mut alone, "counter/cas", args.deadline).await;
    // ANCHOR_END: serializable
    println!("  n0 alone, no quorum, reading counter/cas:");
    println!("    linearizable get: {}", answer(&linear));
    println!(
        "    serializable get: {} (its own copy: may be stale)",
        answer(&local)
    );

    // ANCHOR: restart
    let back = c.restart(1).await?;
    println!(
        "\nn1 restarted: serving after {}; {}",
        secs(back),
        members(&c)
    );
    let mut client = kv::connect(&endpoints, args.deadline).await?;
    let latest = 4242;
    kv::put(&mut client, "catch-up", latest, args.deadline).await?;
    c.relaunch(2)?;
    let caught = kv::wait_for_value(&c.endpoint(2), "catch-up", latest, CATCH_UP).await?;
    let back = c.wait_until_serving(2).await?;
    // ANCHOR_END: restart
    println!("n2 relaunched (it missed every write since it was killed); its own");
    println!(
        "  serializable reads of catch-up: {latest} after {} (~{} unanswered, ~{} stale first)",
        millis(caught.waited),
        caught.unanswered,
        caught.stale
    );
    println!(
        "  then serving linearizable reads {} later; {}",
        millis(back),
        members(&c)
    );
    let after =
        run_history(&endpoints, &prefixes.next(), &workload, args.deadline).await?;
    report("3 of 3 members up again", &after, args.deadline);

    let up = c.up();
    c.stop().await;
    println!("\nstopped: {up} etcd processes killed and reaped, data removed");
    Ok(())
}

fn answer(result: &Result<kv::Versioned, KvError>) -> String {
    match result {
        Ok(v) => v.value.to_string(),
        Err(e) => e.to_string(),
    }
}

// ANCHOR: report
/// One line per history: how many operations, how many failed, the
/// checker's verdict, and (when some failed) the slowest against the
/// deadline.
fn report(label: &str, run: &HistoryRun, deadline: Duration) {
    let verdict = match &run.verdict {
        Ok(r) if r.is_linearizable() => "linearizable".to_string(),
        Ok(r) => format!("NOT linearizable ({} keys)", r.violations.len()),
        Err(e) => format!("not judged: {e}"),
    };
    let failed = run.failed();
    let total = run.history.len();
    println!("  {label}");
    if failed == total {
        println!(
            "    {total} operations, all failed, {verdict}; slowest {} (deadline {}ms)",
            millis(run.slowest),
            deadline.as_millis()
        );
    } else {
        println!("    {total} operations, ~{failed} failed, {verdict}");
    }
}
// ANCHOR_END: report
