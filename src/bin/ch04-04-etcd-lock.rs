//! Section 4.4 on etcd: leader election on a lease, a leader that stalls
//! past its TTL, and what a fencing token saves.
//!
//! Starts a three-node etcd cluster on 127.0.0.1, lets two or three
//! candidates campaign, stalls the first leader until etcd expires its
//! lease, and sends every leader's writes to three resources: one that
//! checks nothing, one that checks fencing tokens, and an etcd key written
//! in a transaction guarded by the leader key. Stops every etcd process.
//!
//! Run: `cargo run --features etcd --bin ch04-04-etcd-lock`, or
//! `cargo run --features etcd --bin ch04-04-etcd-lock -- --ttl 2 --pause 4s`
//!
//! Tokens are etcd revisions of a fresh cluster, the same in every run;
//! times vary and are printed after a `~`.

use clap::{CommandFactory, Parser, error::ErrorKind};
use cookbook::consistency::etcd::cluster;
use cookbook::consistency::etcd::lock::{
    How, NAMES, Refused, Settings, Story, WriteRecord, pause_scenario,
};
use cookbook::support::cli::{parse_duration, usize_in};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Leader election on etcd leases, a stalled leader, and fencing tokens.
#[derive(Parser)]
#[command(name = "ch04-04-etcd-lock")]
struct Args {
    /// How many candidates campaign (2 or 3).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = usize_in(2..=3))]
    candidates: usize,
    /// The lease TTL each candidate asks for, in whole seconds (1 to 10).
    #[arg(long, value_name = "SECONDS", default_value_t = 1)]
    #[arg(value_parser = clap::value_parser!(i64).range(1..=10))]
    ttl: i64,
    /// How long the first leader leads before it stalls, e.g. 1500ms.
    #[arg(long, value_name = "TIME", default_value = "1500ms", value_parser = parse_duration)]
    hold: Duration,
    /// How long the first leader stalls; more than the TTL plus 1 s.
    #[arg(long, value_name = "TIME", default_value = "2500ms", value_parser = parse_duration)]
    pause: Duration,
}

fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    let ttl = Duration::from_secs(args.ttl.unsigned_abs());
    let shortest = ttl + Duration::from_secs(1);
    if args.pause <= shortest {
        let why = format!(
            "--pause {:?} must exceed the TTL plus 1 s ({shortest:?}): the lease must expire",
            args.pause
        );
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    if args.pause > Duration::from_secs(20) {
        let why = format!(
            "--pause {:?} is over 20s: pick something like 2500ms",
            args.pause
        );
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    if args.hold > Duration::from_secs(20) {
        let why = format!(
            "--hold {:?} is over 20s: pick something like 1500ms",
            args.hold
        );
        Args::command()
            .error(ErrorKind::ValueValidation, why)
            .exit();
    }
    let settings = Settings {
        candidates: args.candidates,
        ttl_secs: args.ttl,
        hold: args.hold,
        pause: args.pause,
        ..Settings::default()
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(settings))
}

// ANCHOR: main
async fn run(settings: Settings) -> ExitCode {
    let started = Instant::now();
    let cluster = match cluster::start(3).await {
        Ok(cluster) => cluster,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "3 etcd members on 127.0.0.1, serving after ~{:.1} s",
        cluster.started_in().as_secs_f64()
    );
    let story = pause_scenario(&cluster.endpoints(), &settings).await;
    cluster.stop().await; // every etcd process is killed and waited for
    match story {
        Ok(story) => {
            print_story(&story, &settings);
            println!(
                "3 etcd members stopped; ~{:.1} s in all",
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: main

fn print_story(story: &Story, settings: &Settings) {
    let names = NAMES[..settings.candidates].join(", ");
    println!(
        "leases: each candidate asked for a TTL of {} s, etcd granted {} s",
        story.asked_ttl, story.granted_ttl
    );
    println!(
        "election {}: {names}, one etcd member each",
        settings.election
    );
    let (first, second) = (&story.terms[0], &story.terms[1]);
    println!(
        "  {} campaigns and leads at once: token {} (her key's create revision)",
        first.name, first.token
    );
    println!(
        "  {} campaign too, and wait",
        NAMES[1..settings.candidates].join(" and ")
    );
    let than = if story.hold.as_secs_f64() > story.granted_ttl as f64 {
        "longer than"
    } else {
        "within"
    };
    println!(
        "  {} leads {:.1} s, {than} her TTL: ~{} keep-alives kept her lease",
        first.name,
        story.hold.as_secs_f64(),
        story.renewals
    );
    println!(
        "  then etcd's leader call names {} (token {}); still waiting: {}",
        story.leader_before_pause.0,
        story.leader_before_pause.1,
        story.waiting.join(", ")
    );
    println!();
    println!(
        "the pause: {}'s process stalls for {:.1} s, keep-alives and all",
        first.name,
        story.pause.as_secs_f64()
    );
    if second.how == How::LeaseExpired {
        println!(
            "  etcd expires her lease; {}'s campaign returns ~{:.1} s into the pause",
            second.name,
            story.takeover_after.as_secs_f64()
        );
    }
    println!(
        "  {} wakes, still holding her leadership (token {}), and writes",
        first.name, first.token
    );
    println!(
        "  asked after that write, etcd's leader call names {} (token {})",
        story.leader_after_wake.0, story.leader_after_wake.1
    );
    println!();
    println!("every write goes to three resources");
    println!(
        "  {:<9} {:<7} {:<10} {:<13} etcd txn on the key",
        "write", "token", "no check", "fenced"
    );
    for write in &story.writes {
        print_write(write);
    }
    println!();
    println!("just after the stale write");
    let newer = format!("{}-1", second.name);
    for (what, storage) in [("no check", &story.unfenced), ("fenced", &story.fenced)] {
        if let Some(entry) = storage.current() {
            let verdict = if entry.value == newer { "kept" } else { "lost" };
            println!(
                "  {what:<9} holds {} (token {}): {newer} {verdict}",
                entry.value, entry.token
            );
        }
    }
    let guarded = story.guarded.as_deref().unwrap_or("nothing");
    let verdict = if guarded == newer { "kept" } else { "lost" };
    println!("  {:<9} holds {guarded}: {newer} {verdict}", "etcd key");
    if let Some(third) = story.terms.get(2) {
        println!();
        println!(
            "{} resigns; {}'s campaign returns: token {}; {} resigns",
            second.name, third.name, third.token, third.name
        );
    }
    let observed: Vec<String> = story
        .observed
        .iter()
        .map(|(name, token)| format!("{name} ({token})"))
        .collect();
    println!("etcd's observe call reported: {}", observed.join(", "));
}

fn print_write(write: &WriteRecord) {
    let verdict = |answer: &Result<(), Refused>| match answer {
        Ok(()) => "stored".to_string(),
        Err(refused) => format!("refused {} < {}", refused.token, refused.highest),
    };
    println!(
        "  {:<9} {:<7} {:<10} {:<13} {}",
        write.value,
        write.token,
        verdict(&write.unfenced),
        verdict(&write.fenced),
        if write.guarded { "stored" } else { "refused" }
    );
}
