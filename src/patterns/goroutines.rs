//! Section 4.1: the source's ten goroutines, ported to Rust and then fixed
//! three ways.
//!
//! Every version runs the same batch (`tasks` tasks that each "work" by
//! sleeping for `work`) and reports through [`crate::patterns::task_runner`],
//! so `ch04-01-compare` can put them side by side.
//!
//! - [`run_port`]: the Go program as it is, one lock held across the sleep.
//!   It takes its primitives from [`crate::sync`], so loom can run it.
//! - [`run_scoped`]: `std::thread::scope`, lock held only to store a result.
//! - [`run_tokio`]: async tasks in a `JoinSet` on a one-thread runtime.
//! - [`run_crossbeam`]: scoped threads sending results down a crossbeam channel.
//!
//! Scoped threads, tokio and crossbeam cannot run inside a loom model, so
//! the fixed versions use `std` directly.

use crate::patterns::task_runner::{Report, TaskRecord, Tracker};
use crate::sync::{Arc, Mutex, thread};
use std::any::Any;
use std::time::Duration;

/// What every version runs: `tasks` tasks that each work for `work`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct Batch {
    /// How many tasks to start (1 to 100); the source starts 10.
    #[arg(long, default_value = "10", value_parser = |s: &str| crate::cli::parse_in_range(s, 1, 100))]
    pub tasks: usize,
    /// How long each task works, e.g. 100ms or 1s (the source's value).
    #[arg(long = "sleep", value_name = "DURATION", default_value = "100ms", value_parser = crate::cli::parse_duration)]
    pub work: Duration,
}

/// A task that panicked, and its panic message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub id: usize,
    pub message: String,
}

impl Failure {
    fn new(id: usize, payload: Box<dyn Any + Send>) -> Failure {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic without a text message".to_string()
        };
        Failure { id, message }
    }
}

/// A run's report, and the tasks that panicked instead of finishing.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub report: Report,
    pub panicked: Vec<Failure>,
}

impl Outcome {
    /// What the bins print: the timeline, any panics, then the summary.
    pub fn render(&self) -> String {
        let mut out = self.report.timeline();
        for f in &self.panicked {
            out.push_str(&format!("task {}: panicked: {}\n", f.id, f.message));
        }
        out.push_str(&format!(
            "{} of {} tasks finished, {:?} of work each\n{}\n",
            self.report.records.len(),
            self.report.planned,
            self.report.work,
            self.report.summary()
        ));
        out
    }
}

/// Checks a `--panic-in` value against the batch: it must name a task.
pub fn check_panic_in(batch: &Batch, panic_in: Option<usize>) -> Result<(), String> {
    match panic_in {
        Some(id) if id >= batch.tasks => Err(format!(
            "--panic-in {id} names no task: with --tasks {} pick 0 to {}",
            batch.tasks,
            batch.tasks - 1
        )),
        _ => Ok(()),
    }
}

/// The command line of the three fixed versions.
#[derive(Debug, clap::Parser)]
pub struct FixedArgs {
    #[command(flatten)]
    pub batch: Batch,
    /// Make task N panic, to see how a failed task is reported.
    #[arg(long, value_name = "N")]
    pub panic_in: Option<usize>,
}

// ANCHOR: fixed_main
/// The `main` of each fixed version's bin. It checks the arguments before
/// any thread starts (a bad one ends the program with a message and exit
/// status 2), runs `version`, prints its report, and exits with status 1
/// if a task panicked.
pub fn fixed_main(
    bin: &'static str,
    title: &'static str,
    version: fn(&Batch, Option<usize>) -> Outcome,
) -> std::process::ExitCode {
    use clap::{CommandFactory, FromArgMatches, error::ErrorKind};
    let mut command = FixedArgs::command().name(bin).about(title);
    let args =
        FixedArgs::from_arg_matches(&command.clone().get_matches()).unwrap_or_else(|e| e.exit());
    if let Err(why) = check_panic_in(&args.batch, args.panic_in) {
        command.error(ErrorKind::ValueValidation, why).exit();
    }
    one_line_panic_hook();
    println!("{title}");
    let outcome = version(&args.batch, args.panic_in);
    print!("{}", outcome.render());
    if outcome.panicked.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE // a task failed: say so in the exit status
    }
}
// ANCHOR_END: fixed_main

// ANCHOR: panic_hook
/// Replaces the default panic message (which names a file and line, and
/// adds a backtrace when `RUST_BACKTRACE` is set) with one stable line.
pub fn one_line_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let message = match info.payload().downcast_ref::<String>() {
            Some(s) => s.as_str(),
            None => info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .unwrap_or("?"),
        };
        eprintln!(
            "thread '{}' panicked: {message}",
            thread.name().unwrap_or("unnamed")
        );
    }));
}
// ANCHOR_END: panic_hook

/// The message of the panic that `--panic-in` asks for.
fn fail_on_purpose(id: usize) -> ! {
    panic!("task {id} failed on purpose (--panic-in {id})")
}

// ANCHOR: port
/// The Go program as written: every task holds one lock for its whole run.
pub fn run_port(batch: &Batch) -> Outcome {
    let tracker = Arc::new(Tracker::new());
    let mu = Arc::new(Mutex::new(())); // var mu sync.Mutex: guards no data
    let mut handles = Vec::new(); // var wg sync.WaitGroup
    for i in 0..batch.tasks {
        let spawned = tracker.now();
        let (mu, tracker, work) = (Arc::clone(&mu), Arc::clone(&tracker), batch.work);
        // wg.Add(1); go func() {...}(): `move` gives the thread its own i
        handles.push(thread::spawn(move || {
            let _guard = mu.lock().unwrap(); // mu.Lock()
            let busy = tracker.begin(i, spawned);
            std::thread::sleep(work); // time.Sleep, lock still held
            busy.finish()
        })); // mu.Unlock(), wg.Done(): the guard drops, the thread ends
    }
    // wg.Wait(): join every thread; each hands back its record
    let mut records = Vec::new();
    let mut panicked = Vec::new();
    for (i, handle) in handles.into_iter().enumerate() {
        match handle.join() {
            Ok(record) => records.push(record),
            Err(payload) => panicked.push(Failure::new(i, payload)),
        }
    }
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: port

// ANCHOR: scoped
/// Fixed with `std::thread::scope`: the lock guards only the results.
pub fn run_scoped(batch: &Batch, panic_in: Option<usize>) -> Outcome {
    let tracker = Tracker::new();
    let results = std::sync::Mutex::new(Vec::new()); // the shared state
    let panicked = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..batch.tasks {
            let spawned = tracker.now();
            let (tracker, results) = (&tracker, &results); // borrowed, no Arc
            let task = move || {
                let busy = tracker.begin(i, spawned);
                if panic_in == Some(i) {
                    fail_on_purpose(i);
                }
                std::thread::sleep(batch.work); // the work: no lock held
                let record = busy.finish();
                results.lock().unwrap().push(record); // locked for one push
            };
            let builder = std::thread::Builder::new().name(format!("task-{i}"));
            handles.push(builder.spawn_scoped(s, task).expect("spawn a thread"));
        }
        // The scope joins every thread before it returns. Joining here
        // too turns a panic into a value instead of re-raising it.
        let joined = handles.into_iter().enumerate();
        joined
            .filter_map(|(i, h)| h.join().err().map(|p| Failure::new(i, p)))
            .collect::<Vec<_>>()
    });
    let records = results.into_inner().unwrap();
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: scoped

// ANCHOR: tokio
/// Fixed with tokio: async tasks in a `JoinSet` on one OS thread.
pub fn run_tokio(batch: &Batch, panic_in: Option<usize>) -> Outcome {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build a tokio runtime");
    let tracker = std::sync::Arc::new(Tracker::new());
    let (records, panicked) = runtime.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        let mut ids = std::collections::HashMap::new(); // tokio's task id -> i
        for i in 0..batch.tasks {
            let spawned = tracker.now();
            let (tracker, work) = (std::sync::Arc::clone(&tracker), batch.work);
            let handle = set.spawn(async move {
                let busy = tracker.begin(i, spawned);
                if panic_in == Some(i) {
                    fail_on_purpose(i);
                }
                tokio::time::sleep(work).await; // gives the thread back while waiting
                busy.finish()
            });
            ids.insert(handle.id(), i);
        }
        let (mut records, mut panicked) = (Vec::new(), Vec::new());
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(record) => records.push(record),
                Err(e) => {
                    let id = ids[&e.id()];
                    panicked.push(match e.try_into_panic() {
                        Ok(payload) => Failure::new(id, payload),
                        Err(e) => Failure {
                            id,
                            message: e.to_string(),
                        },
                    });
                }
            }
        }
        panicked.sort_by_key(|f: &Failure| f.id);
        (records, panicked)
    }); // the set is empty: no task is left behind
    drop(runtime); // shut the runtime down before the report is made
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: tokio

// ANCHOR: crossbeam
/// Fixed with a crossbeam channel: std's scoped threads fan their results
/// into one channel, and the caller collects them until it closes.
pub fn run_crossbeam(batch: &Batch, panic_in: Option<usize>) -> Outcome {
    let tracker = Tracker::new();
    let (tx, rx) = crossbeam::channel::unbounded::<TaskRecord>();
    let (records, panicked) = std::thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..batch.tasks {
            let spawned = tracker.now();
            let (tx, tracker) = (tx.clone(), &tracker); // one sender per thread
            let task = move || {
                let busy = tracker.begin(i, spawned);
                if panic_in == Some(i) {
                    fail_on_purpose(i);
                }
                std::thread::sleep(batch.work);
                tx.send(busy.finish()).expect("the receiver is alive");
            };
            let builder = std::thread::Builder::new().name(format!("task-{i}"));
            handles.push(builder.spawn_scoped(s, task).expect("spawn a thread"));
        }
        drop(tx); // ours; the channel closes when the last worker's drops too
        let records: Vec<TaskRecord> = rx.iter().collect(); // ends at close
        let joined = handles.into_iter().enumerate();
        let panicked: Vec<Failure> = joined
            .filter_map(|(i, h)| h.join().err().map(|p| Failure::new(i, p)))
            .collect();
        (records, panicked)
    });
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: crossbeam

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn batch(tasks: usize) -> Batch {
        Batch {
            tasks,
            work: Duration::from_millis(2),
        }
    }

    fn ids(o: &Outcome) -> Vec<usize> {
        o.report.records.iter().map(|r| r.id).collect()
    }

    #[test]
    fn the_port_runs_every_task_one_at_a_time() {
        let o = run_port(&batch(4));
        assert_eq!(ids(&o), [0, 1, 2, 3]);
        assert!(o.panicked.is_empty());
        // The lock makes this certain, not likely: never two busy at once,
        // so the busy time cannot exceed the wall time.
        assert_eq!(o.report.peak_busy, 1);
        assert!(o.report.p().unwrap() <= 1.0 + 1e-9);
        // Serial work: busy intervals, sorted by start, do not overlap.
        let mut by_start = o.report.records.clone();
        by_start.sort_by_key(|r| r.started);
        for w in by_start.windows(2) {
            assert!(w[0].finished <= w[1].started, "{w:?} overlap");
        }
    }

    type Fixed = fn(&Batch, Option<usize>) -> Outcome;
    const FIXED: [(&str, Fixed); 3] = [
        ("scoped", run_scoped),
        ("tokio", run_tokio),
        ("crossbeam", run_crossbeam),
    ];

    #[test]
    fn fixed_versions_finish_every_task() {
        for (name, run) in FIXED {
            let o = run(&batch(5), None);
            assert_eq!(ids(&o), [0, 1, 2, 3, 4], "{name}");
            assert!(o.panicked.is_empty(), "{name}");
            assert!(o.report.p().unwrap() <= 5.0 + 1e-9, "{name}");
            assert!(o.report.l().unwrap() >= o.report.p().unwrap(), "{name}");
        }
    }

    #[test]
    fn fixed_versions_report_a_panicking_task_and_finish_the_rest() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // keep the test output quiet
        for (name, run) in FIXED {
            let o = run(&batch(4), Some(2));
            assert_eq!(ids(&o), [0, 1, 3], "{name}");
            assert_eq!(
                o.panicked,
                [Failure {
                    id: 2,
                    message: "task 2 failed on purpose (--panic-in 2)".into()
                }],
                "{name}"
            );
            assert!(o.render().contains("task 2: panicked"), "{name}");
        }
        std::panic::set_hook(hook);
    }
}
