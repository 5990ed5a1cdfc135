//! Section 4.1 fixed three ways. Each version gives every task its own `i`,
//! holds a lock only while it touches shared data (or shares none), and
//! reports a panicking task instead of dying or hanging:
//!
//! - [`run_scoped`]: `std::thread::scope`, one thread per task.
//! - [`run_tokio`]: async tasks in a `JoinSet`, on whatever runtime awaits it.
//! - [`run_crossbeam`]: a pool of worker threads sharing one crossbeam
//!   channel of jobs, which std's channels cannot do.
//!
//! Scoped threads, tokio and crossbeam cannot run inside a loom model, so
//! these use `std` directly; the port in [`super::port`] is the one loom runs.

use super::tracker::{Batch, Failure, Outcome, TaskRecord, Tracker};
use crate::support::panic;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// The panic that `--panic-in` asks for.
fn fail_on_purpose(id: usize) -> ! {
    panic!("task {id} failed on purpose (--panic-in {id})")
}

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
            .filter_map(|(i, h)| h.join().err().map(|p| (i, p)))
            .map(|(id, p)| Failure {
                id,
                message: panic::message(&*p),
            })
            .collect::<Vec<_>>()
    });
    let records = results.into_inner().unwrap();
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: scoped

// ANCHOR: tokio
/// Fixed with tokio: async tasks in a `JoinSet`. The caller picks the
/// runtime (the bin uses a current-thread one, so one OS thread).
pub async fn run_tokio(batch: &Batch, panic_in: Option<usize>) -> Outcome {
    let tracker = std::sync::Arc::new(Tracker::new());
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
                let message = match e.try_into_panic() {
                    Ok(payload) => panic::message(&*payload),
                    Err(e) => e.to_string(), // cancelled: not in this program
                };
                panicked.push(Failure { id, message });
            }
        }
    } // the set is empty: no task is left behind
    panicked.sort_by_key(|f| f.id);
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: tokio

// ANCHOR: crossbeam
/// Fixed with a crossbeam worker pool: `workers` threads take jobs from one
/// unbuffered channel, each through its own clone of the `Receiver` (std's
/// `Receiver` cannot be cloned). A panicking job is caught where it runs,
/// so its worker lives on and takes the next job.
pub fn run_crossbeam(batch: &Batch, workers: usize, panic_in: Option<usize>) -> Outcome {
    type Job = (usize, Duration); // a task's id, and when the batch arrived
    let tracker = Tracker::new();
    let (jobs, queue) = crossbeam::channel::bounded::<Job>(0); // make(chan Job)
    // Room for every result, so no worker ever waits on the collector.
    let (done, results) = crossbeam::channel::bounded(batch.tasks);
    std::thread::scope(|s| {
        for w in 0..workers.max(1) {
            let (queue, done, tracker) = (queue.clone(), done.clone(), &tracker);
            let worker = move || {
                for (i, arrived) in queue {
                    // ends when `jobs` is dropped
                    let run = AssertUnwindSafe(|| {
                        let busy = tracker.begin(i, arrived);
                        if panic_in == Some(i) {
                            fail_on_purpose(i);
                        }
                        std::thread::sleep(batch.work);
                        busy.finish()
                    });
                    let result: Result<TaskRecord, Failure> =
                        catch_unwind(run).map_err(|p| Failure {
                            id: i,
                            message: panic::message(&*p),
                        });
                    done.send(result).expect("the results outlive the workers");
                }
            };
            let builder = std::thread::Builder::new().name(format!("worker-{w}"));
            builder.spawn_scoped(s, worker).expect("spawn a worker");
        }
        drop((queue, done)); // only the workers hold these now
        let arrived = tracker.now(); // every task is in the system from here
        for i in 0..batch.tasks {
            // Blocks until a worker is free to take the job.
            jobs.send((i, arrived)).expect("no worker dies");
        }
        drop(jobs); // close(jobs): each worker's loop ends
    }); // the scope joins the workers
    let (mut records, mut panicked) = (Vec::new(), Vec::new());
    for result in results.iter() {
        match result {
            Ok(record) => records.push(record),
            Err(failure) => panicked.push(failure),
        }
    }
    panicked.sort_by_key(|f| f.id);
    let report = tracker.report(batch.tasks, batch.work, records);
    Outcome { report, panicked }
}
// ANCHOR_END: crossbeam

#[cfg(test)]
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

    fn block_on(f: impl std::future::Future<Output = Outcome>) -> Outcome {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    type Version = (&'static str, fn(&Batch, Option<usize>) -> Outcome);
    const FIXED: [Version; 4] = [
        ("scoped", run_scoped),
        ("tokio", |b, p| block_on(run_tokio(b, p))),
        ("crossbeam, 2 workers", |b, p| run_crossbeam(b, 2, p)),
        ("crossbeam, one per task", |b, p| {
            run_crossbeam(b, b.tasks, p)
        }),
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
    fn a_pool_never_runs_more_tasks_than_it_has_workers() {
        let o = run_crossbeam(&batch(6), 2, None);
        assert_eq!(ids(&o), [0, 1, 2, 3, 4, 5]);
        assert!(o.report.peak_busy <= 2, "{}", o.report.peak_busy);
        // Six tasks arrive at once and two run at a time: waves of two, so
        // a task waits for a worker and L (in system) exceeds P (busy).
        let r = &o.report;
        assert!(r.records.iter().all(|t| t.spawned == r.records[0].spawned));
        assert!(r.l().unwrap() > r.p().unwrap() + 0.5, "{r:?}");
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
        // One worker, and its first job panics: it must live on to run
        // the other three.
        let o = run_crossbeam(&batch(4), 1, Some(0));
        assert_eq!(ids(&o), [1, 2, 3]);
        std::panic::set_hook(hook);
    }
}
