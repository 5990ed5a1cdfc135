//! Section 3.1: the source's P for the Go program's schedules, and what
//! Amdahl's law, Gustafson's law and the Universal Scalability Law predict.
//!
//! Run: `cargo run --bin ch03-01-models -- --serial 0.05 --alpha 0.05 --beta 0.002`
//!
//! Nothing here sleeps or measures: the schedules are computed, so the output
//! is the same on every machine.

use clap::Parser;
use cookbook::parallelism::formula::{
    Schedule, amdahl_fraction_of_gustafson, amdahl_speedup, brent_bound,
    gustafson_speedup, littles_law_l, source_p, usl_best_workers, usl_capacity, usl_peak,
    work_span_bounds,
};
use cookbook::support::cli::{parse_duration, parse_f64_in_range, usize_in};
use cookbook::support::error::ModelError;
use std::process::ExitCode;
use std::time::Duration;

/// Prints the source's P for a serial and a parallel schedule, then a table
/// of speedups predicted by three scaling models.
#[derive(Parser)]
struct Args {
    /// How many tasks, like the Go program's goroutines (1 to 1000).
    #[arg(long, default_value = "10", value_parser = usize_in(1..=1000))]
    tasks: usize,
    /// How long each task is busy, like the Go program's sleep (1ms to 1 hour).
    #[arg(long, default_value = "1s", value_parser = parse_task_time)]
    task_time: Duration,
    /// Workers in the parallel schedule (1 to 1000).
    #[arg(long, default_value = "10", value_parser = usize_in(1..=1000))]
    workers: usize,
    /// Amdahl's and Gustafson's serial fraction s (0 to 1).
    #[arg(long, default_value = "0.05", allow_negative_numbers = true, value_parser = fraction)]
    serial: f64,
    /// The USL's contention coefficient alpha (0 to 1).
    #[arg(long, default_value = "0.05", allow_negative_numbers = true, value_parser = fraction)]
    alpha: f64,
    /// The USL's coherency coefficient beta (0 to 1).
    #[arg(long, default_value = "0.002", allow_negative_numbers = true, value_parser = fraction)]
    beta: f64,
}

/// A model fraction: a number from 0 to 1.
fn fraction(text: &str) -> Result<f64, String> {
    parse_f64_in_range(text, 0.0, 1.0)
}

/// A task time: a duration (see `parse_duration`) of at least a millisecond.
fn parse_task_time(text: &str) -> Result<Duration, String> {
    let time = parse_duration(text)?;
    if time < Duration::from_millis(1) {
        return Err(format!(
            "`{text}` is too short: give each task at least 1ms"
        ));
    }
    Ok(time)
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

fn run(args: &Args) -> Result<(), ModelError> {
    // ANCHOR: schedules
    let tasks = vec![args.task_time.as_secs_f64(); args.tasks];
    // The Go program's mutex lets one task run at a time: one worker.
    let serial = Schedule::list(&tasks, 1)?;
    let parallel = Schedule::list(&tasks, args.workers)?;
    println!(
        "The source's P = (T1 + ... + Tn) / T_total for {} tasks of {:.3} s",
        args.tasks, tasks[0]
    );
    println!(
        "schedule                        workers   T_total  sum of T_i       P  tasks/s"
    );
    let rows = [
        (
            "serial (lock held in sleep)",
            &serial,
            1,
            serial.busy_times(),
        ),
        ("parallel", &parallel, args.workers, parallel.busy_times()),
        (
            "serial, T_i = spawn to finish",
            &serial,
            1,
            serial.times_in_system(),
        ),
    ];
    for (name, schedule, workers, times) in rows {
        let total = schedule.makespan();
        let p = source_p(&times, total)?;
        let sum: f64 = times.iter().sum();
        let throughput = times.len() as f64 / total;
        let times = format!("{total:>7.3} s {sum:>9.3} s");
        println!("{name:<30} {workers:>8} {times} {p:>7.2} {throughput:>8.2}");
    }
    // Spawn-to-finish times are time in system: their P is Little's L.
    let in_system = serial.times_in_system();
    let arrival_rate = in_system.len() as f64 / serial.makespan();
    let mean_time_in_system = in_system.iter().sum::<f64>() / in_system.len() as f64;
    let l = littles_law_l(arrival_rate, mean_time_in_system)?;
    println!(
        "Little's law, serial run: lambda = {arrival_rate:.2} tasks/s x \
         W = {mean_time_in_system:.3} s = L = {l:.2} in the system",
    );
    let span = tasks.iter().copied().fold(0.0, f64::max);
    let work: f64 = tasks.iter().sum();
    let p = args.workers as f64;
    let (lower, upper) = work_span_bounds(work, span, p)?;
    let brent = brent_bound(work, span, p)?;
    println!(
        "work/span bounds on {} workers: {lower:.3} s <= T_p <= {upper:.3} s (greedy),",
        args.workers
    );
    println!(
        "  T_p <= {brent:.3} s (Brent); the list schedule takes {:.3} s",
        parallel.makespan()
    );
    // ANCHOR_END: schedules
    println!();
    // ANCHOR: models
    println!(
        "Predicted speedup: s = {}, USL alpha = {}, beta = {}",
        args.serial, args.alpha, args.beta
    );
    println!("     n   Amdahl  Gustafson      USL");
    for n in [1.0, 2.0, 4.0, 8.0, 16.0, 32.0] {
        let amdahl = amdahl_speedup(args.serial, n)?;
        let gustafson = gustafson_speedup(args.serial, n)?;
        let usl = usl_capacity(n, args.alpha, args.beta)?;
        println!("{n:>6} {amdahl:>8.2} {gustafson:>10.2} {usl:>8.2}");
    }
    // One observed run on 16 workers, read by both laws: Gustafson's s is
    // the serial share of that run, Amdahl's the share of the same job on
    // one worker.
    let n = 16.0;
    let s_a = amdahl_fraction_of_gustafson(args.serial, n)?;
    println!(
        "Gustafson's s = {} on {n} workers is Amdahl's s = {s_a:.4} on one worker:",
        args.serial
    );
    println!("  Amdahl then gives {:.2}", amdahl_speedup(s_a, n)?);
    if args.serial > 0.0 {
        println!("Amdahl's ceiling 1/s = {:.2}", 1.0 / args.serial);
    } else {
        println!("Amdahl's ceiling: none, s = 0 scales without limit");
    }
    let capacity = |n: f64| usl_capacity(n, args.alpha, args.beta);
    match usl_peak(args.alpha, args.beta)? {
        Some(peak) => {
            let at_peak = capacity(peak.max(1.0))?;
            println!(
                "USL peak n* = sqrt((1 - alpha) / beta) = {peak:.2}, \
                 capacity there {at_peak:.2}"
            );
            // A pool has a whole number of workers: the two around n*.
            let (below, above) = (peak.floor().max(1.0), peak.ceil().max(1.0));
            if below < above {
                let (low, high) = (capacity(below)?, capacity(above)?);
                println!("  C({below}) = {low:.4}, C({above}) = {high:.4}");
            }
        }
        None => println!("USL peak: none, beta = 0 keeps capacity rising"),
    }
    match usl_best_workers(args.alpha, args.beta)? {
        Some(best) => println!("USL best whole number of workers: {best}"),
        None => {
            println!("USL best whole number of workers: none, each one adds capacity")
        }
    }
    // ANCHOR_END: models
    Ok(())
}
