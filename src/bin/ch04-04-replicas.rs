//! Section 4.4 fixed: replicas that really agree, or do not. Replica
//! servers on 127.0.0.1, quorum clients, a seeded concurrent workload, and
//! a linearizability checker that judges every history. One row per run:
//! R = W = 1; ABD on three and on five replicas; ABD with one replica
//! killed mid-run and with two killed. Then three short histories played
//! step by step: a stale read, and a new value seen then an old one,
//! without and with ABD's write-back.
//!
//! Run: `cargo run --bin ch04-04-replicas -- --seed 2 --ops 30`

use clap::Parser;
use cookbook::consistency::linearizability::HistoryError;
use cookbook::consistency::quorum::{
    FAR, JITTER, NEAR, Repair, RunReport, Scripted, Workload, mask_times, run,
    scripted_inversion, scripted_stale_read, table_runs,
};
use cookbook::support::cli::{parse_duration, parse_f64_in_range, usize_in};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Quorum reads and writes over real replicas, judged by a checker.
#[derive(Parser)]
#[command(name = "ch04-04-replicas")]
struct Args {
    /// Seed of the operations and of the message delays.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Clients running at once, each near one replica.
    #[arg(long, default_value_t = 4, value_parser = usize_in(1..=8))]
    clients: usize,
    /// Keys the clients read and write.
    #[arg(long, default_value_t = 3, value_parser = usize_in(1..=20))]
    keys: usize,
    /// Operations each client runs, one after another.
    #[arg(long, default_value_t = 20, value_parser = usize_in(1..=100))]
    ops: usize,
    /// The chance an operation is a write.
    #[arg(long, value_name = "FRACTION", default_value = "0.5", value_parser = fraction)]
    write_fraction: f64,
    /// How long one operation may take, all its phases together.
    #[arg(long, value_name = "TIME", default_value = "200ms", value_parser = deadline)]
    deadline: Duration,
}

fn fraction(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 0.0, 1.0)
}

fn deadline(text: &str) -> Result<Duration, String> {
    let d = parse_duration(text)?;
    let (min, max) = (Duration::from_millis(20), Duration::from_secs(2));
    if d < min || d > max {
        return Err(format!("`{text}` is out of range: pick {min:?} to {max:?}"));
    }
    Ok(d)
}

// ANCHOR: main
#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    let workload = Workload {
        clients: args.clients,
        keys: args.keys as u32,
        ops_per_client: args.ops,
        write_fraction: args.write_fraction,
        seed: args.seed,
    };
    print_setup(&args);
    let started = Instant::now();
    // Every run at once, each against replicas of its own.
    let runs: Vec<_> = table_runs()
        .into_iter()
        .map(|mut spec| {
            spec.config.deadline = args.deadline;
            tokio::spawn(async move { run(&spec, &workload).await })
        })
        .collect();
    let mut rows = Vec::new();
    for handle in runs {
        match handle.await {
            Ok(Ok(row)) => rows.push(row),
            Ok(Err(e)) => return fail(&e),
            Err(e) => return fail(&e),
        }
    }
    // Then the step-by-step histories, one at a time, with the CPU to
    // themselves, so their times are the delays and little else.
    let mut scripted = Vec::new();
    for history in [
        scripted_stale_read().await,
        scripted_inversion(false).await,
        scripted_inversion(true).await,
    ] {
        match history {
            Ok(s) => scripted.push(s),
            Err(e) => return fail(&e),
        }
    }
    print_table(&rows);
    print_notes(&rows);
    print_scripted(&scripted);
    let took = started.elapsed().as_secs_f64();
    let left = tasks_left().await;
    if left > 0 {
        return fail(&format!(
            "{left} tasks still running after every server stopped"
        ));
    }
    println!();
    println!(
        "all servers stopped, no task left; {} runs at once, then {} one by one, \
         in ~{took:.1} s",
        rows.len(),
        scripted.len()
    );
    ExitCode::SUCCESS
}

/// The tasks still alive on this runtime, once the connection tasks of the
/// HTTP clients' pools have seen their servers close (up to 1 s).
async fn tasks_left() -> usize {
    let metrics = tokio::runtime::Handle::current().metrics();
    for _ in 0..100 {
        if metrics.num_alive_tasks() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    metrics.num_alive_tasks()
}
// ANCHOR_END: main

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::FAILURE
}

fn print_setup(args: &Args) {
    println!("replicas on 127.0.0.1 (ports picked by the OS); a message waits before");
    println!(
        "its replica reads it: {:?} to the client's near replica, {:?} to the",
        NEAR, FAR
    );
    println!("others, plus 0 to {JITTER:?} hashed per message");
    println!(
        "{} clients, {} keys, {} operations each ({}% writes), seed {};",
        args.clients,
        args.keys,
        args.ops,
        (args.write_fraction * 100.0).round(),
        args.seed
    );
    println!(
        "deadline {:?} an operation; every history judged by the checker",
        args.deadline
    );
    println!();
}

fn verdict(
    v: &Result<cookbook::consistency::linearizability::Report, HistoryError>,
) -> String {
    match v {
        Ok(report) if report.is_linearizable() => "yes".into(),
        Ok(_) => "no".into(),
        Err(e) => format!("not judged: {e}"),
    }
}

// ANCHOR: table
fn print_table(rows: &[RunReport]) {
    // The stale count comes last and unpadded: padding in front of a `~`
    // count would change with its number of digits.
    println!(
        "{:36} {:>6}  {:13} {:>7}  stale",
        "run", "failed", "linearizable", "checked"
    );
    for row in rows {
        // Without ABD how many reads go stale depends on timing: `~`.
        // With it the count is 0 by construction, whatever the timing.
        let abd = row.spec.config.repair == Repair::WriteBack;
        let stale = if abd {
            row.stale.len().to_string()
        } else {
            format!("~{}", row.stale.len())
        };
        let checked = row.verdict.as_ref().map_or(0, |r| r.operations);
        println!(
            "{:36} {:>6}  {:13} {:>7}  {stale}",
            row.label,
            row.failed,
            verdict(&row.verdict),
            checked
        );
    }
    println!("stale: reads that got a value replaced by a write acknowledged before");
    println!("they began; checked: operations the checker judged, failed ones included");
}
// ANCHOR_END: table

fn print_notes(rows: &[RunReport]) {
    println!();
    for row in rows {
        let bad = row.verdict.as_ref().map_or(0, |r| r.violations.len());
        if bad > 0 {
            println!(
                "{}: the checker found ~{bad} of {} keys not linearizable",
                row.label,
                row.verdict.as_ref().map_or(0, |r| r.keys)
            );
        }
        if row.failed == 0 && !row.spec.kills.is_empty() {
            println!("{}: every operation answered", row.label);
        }
        if row.failed > 0 {
            let answered = row.history.len() - row.failed;
            println!("{}: {} failed, {answered} answered", row.label, row.failed);
            for e in &row.errors {
                println!("  {e}");
            }
        }
    }
}

fn print_scripted(runs: &[Scripted]) {
    let names = [
        "R=1 W=1: client 0 writes 7, client 1 reads",
        "R=2 W=2, no write-back and no read repair: client 0 crashes mid-write",
        "R=2 W=2 with the write-back (ABD): the same history",
    ];
    println!();
    println!("step by step: 3 replicas, fixed delays (no jitter), one key");
    for (name, s) in names.iter().zip(runs) {
        println!();
        println!("{name}");
        for op in &s.history {
            println!("  {}", describe(op));
        }
        for stale in &s.stale {
            for (i, part) in wrap(&format!("stale: {stale}"), 84).iter().enumerate() {
                println!("{}{part}", if i == 0 { "  " } else { "    " });
            }
        }
        println!("  linearizable: {}", verdict(&s.verdict));
        if let Ok(report) = &s.verdict {
            for v in &report.violations {
                for line in v.to_string().lines() {
                    for part in wrap(&mask_times(line), 80) {
                        println!("  | {part}");
                    }
                }
            }
        }
    }
}

fn describe(op: &cookbook::consistency::history::Operation) -> String {
    use cookbook::consistency::history::{Call, Outcome};
    let what = match (op.call, op.outcome) {
        (Call::Write(v), Outcome::Failed) => format!("wrote {v}, failed (crashed)"),
        (Call::Write(v), _) => format!("wrote {v}, acknowledged"),
        (Call::Read, Outcome::Read(v)) => format!("read {v}"),
        (Call::Read, _) => "read, failed".into(),
    };
    format!(
        "client {} {what}: ~{:.1} ms to ~{:.1} ms",
        op.client,
        op.invoked as f64 / 1e6,
        op.returned as f64 / 1e6
    )
}

/// `text` cut into lines of at most `width` columns, at spaces; the first
/// line's indentation is kept.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let body = text.trim_start_matches(' ');
    let indent = &text[..text.len() - body.len()];
    let mut lines = vec![indent.to_string()];
    for word in body.split(' ') {
        let line = lines.last_mut().expect("one line at least");
        let filled = line.trim_start().is_empty();
        if !filled && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !filled {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}
