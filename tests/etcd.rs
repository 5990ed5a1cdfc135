//! A real three-node etcd cluster on 127.0.0.1: started and stopped with no
//! process left, compare-and-swap counting every increment once, concurrent
//! histories judged linearizable, and the cluster with one and two members
//! killed, then one restarted.
//!
//! Needs the `etcd` feature and an etcd binary (`$ETCD` or `etcd` on the
//! `PATH`). Without either, every check is reported as ignored and the run
//! passes, saying why; with `REQUIRE_ETCD=1` (set by `.ci/run`) that is a
//! failure. The checks run one at a time: each starts its own cluster, and
//! two clusters electing leaders at once on two cores would be slow.

use libtest_mimic::{Arguments, Trial};

fn required() -> bool {
    matches!(
        std::env::var("REQUIRE_ETCD").as_deref(),
        Ok("1") | Ok("true")
    )
}

/// Why the checks cannot run here, if they cannot.
fn unavailable() -> Option<String> {
    #[cfg(feature = "etcd")]
    {
        cookbook::consistency::etcd::cluster::etcd_binary()
            .err()
            .map(|e| e.to_string())
    }
    #[cfg(not(feature = "etcd"))]
    {
        Some("built without the `etcd` feature".to_string())
    }
}

fn main() {
    let mut args = Arguments::from_args();
    let why = unavailable();
    match &why {
        Some(why) if required() => {
            eprintln!("etcd checks: REQUIRE_ETCD is set but {why}");
            std::process::exit(1);
        }
        Some(why) => println!(
            "etcd checks SKIPPED: {why}. Install etcd (Debian: etcd-server) and run \
             with --features etcd; REQUIRE_ETCD=1 makes this a failure."
        ),
        None => {}
    }
    // One cluster at a time (see the module comment).
    args.test_threads = Some(1);
    let skipped = why.is_some();
    let trials = checks::all()
        .into_iter()
        .map(|(name, check)| {
            Trial::test(name, move || if skipped { Ok(()) } else { check() })
                .with_ignored_flag(skipped)
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

type Check = fn() -> Result<(), libtest_mimic::Failed>;

#[cfg(not(feature = "etcd"))]
mod checks {
    use super::Check;

    /// The names only, so a skipped run still lists what it skipped.
    pub fn all() -> Vec<(&'static str, Check)> {
        fn none() -> Result<(), libtest_mimic::Failed> {
            Ok(())
        }
        NAMES.iter().map(|&n| (n, none as Check)).collect()
    }

    const NAMES: &[&str] = &[
        "cluster_starts_and_stops_leaving_no_process",
        "cluster_is_stopped_when_a_test_panics",
        "cas_counter_counts_every_increment_once",
        "faults_one_killed_served_two_killed_fail_in_time_restart_catches_up",
        "the_program_says_when_etcd_is_missing",
    ];
}

#[cfg(feature = "etcd")]
mod checks {
    use super::Check;
    use cookbook::consistency::etcd::cluster::{self, Cluster};
    use cookbook::consistency::etcd::kv::{self, Counting, HistoryRun, Prefixes};
    use cookbook::consistency::history::Outcome;
    use cookbook::consistency::quorum::Workload;
    use libtest_mimic::Failed;
    use std::path::Path;
    use std::time::Duration;

    pub fn all() -> Vec<(&'static str, Check)> {
        vec![
            (
                "cluster_starts_and_stops_leaving_no_process",
                cluster_starts_and_stops_leaving_no_process,
            ),
            (
                "cluster_is_stopped_when_a_test_panics",
                cluster_is_stopped_when_a_test_panics,
            ),
            (
                "cas_counter_counts_every_increment_once",
                cas_counter_counts_every_increment_once,
            ),
            (
                "faults_one_killed_served_two_killed_fail_in_time_restart_catches_up",
                faults,
            ),
            (
                "the_program_says_when_etcd_is_missing",
                the_program_says_when_etcd_is_missing,
            ),
        ]
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    /// Process ids of running processes whose command line names `dir`.
    fn processes_naming(dir: &Path) -> Vec<u32> {
        let needle = dir.to_string_lossy().into_owned();
        let mut found = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok())
            else {
                continue;
            };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
                continue;
            };
            if String::from_utf8_lossy(&cmdline).contains(&needle) {
                found.push(pid);
            }
        }
        found
    }

    fn start3(rt: &tokio::runtime::Runtime) -> Result<Cluster, Failed> {
        rt.block_on(cluster::start(3))
            .map_err(|e| Failed::from(format!("start: {e}")))
    }

    fn cluster_starts_and_stops_leaving_no_process() -> Result<(), Failed> {
        let rt = runtime();
        let c = start3(&rt)?;
        let root = c.root().to_path_buf();
        let running = processes_naming(&root);
        if running.len() != 3 || c.up() != 3 {
            return Err(format!("expected 3 etcd processes, found {running:?}").into());
        }
        if c.started_in() > Duration::from_secs(15) {
            return Err(format!("start took {:?}", c.started_in()).into());
        }
        rt.block_on(c.stop());
        let left = processes_naming(&root);
        if !left.is_empty() {
            return Err(format!("processes left after stop: {left:?}").into());
        }
        if root.exists() {
            return Err(format!("{} left after stop", root.display()).into());
        }
        Ok(())
    }

    fn cluster_is_stopped_when_a_test_panics() -> Result<(), Failed> {
        let (tx, rx) = std::sync::mpsc::channel();
        let body = std::thread::spawn(move || {
            let rt = runtime();
            let c = rt.block_on(cluster::start(3)).expect("start");
            tx.send((c.root().to_path_buf(), c.up())).expect("send");
            panic!("a test body that panics while the cluster runs");
        });
        let panicked = body.join().is_err();
        let (root, up) = rx.recv().map_err(|_| "the body never started a cluster")?;
        if !panicked || up != 3 {
            return Err(format!("panicked: {panicked}, members up: {up}").into());
        }
        let left = processes_naming(&root);
        if !left.is_empty() {
            return Err(format!("processes left after a panic: {left:?}").into());
        }
        Ok(())
    }

    fn cas_counter_counts_every_increment_once() -> Result<(), Failed> {
        let rt = runtime();
        let c = start3(&rt)?;
        let report = rt
            .block_on(kv::cas_counter(
                &c.endpoints(),
                "counter",
                4,
                15,
                Counting::CompareAndSwap,
                1,
            ))
            .map_err(|e| format!("counter: {e}"))?;
        if report.value != 60 || report.increments != 60 {
            return Err(
                format!("counted {} of {}", report.value, report.increments).into()
            );
        }
        // Four clients at once on one key: some rounds must have been lost,
        // or the run did not test contention at all.
        if report.lost_rounds == 0 {
            return Err("no compare-and-swap round was lost: no contention".into());
        }
        // The same swap with a stale revision must refuse.
        rt.block_on(async {
            let mut client = kv::connect(&c.endpoints(), kv::DEADLINE).await?;
            let verdict: Result<(), Box<dyn std::error::Error>> = async {
            let now = kv::get(&mut client, "counter", kv::DEADLINE).await?;
            let stale = now.mod_revision - 1;
            let wrote = kv::compare_and_swap(&mut client, "counter", stale, 0, kv::DEADLINE).await?;
            let absent_only =
                kv::compare_and_swap(&mut client, "fresh", 0, 5, kv::DEADLINE).await?;
            let again = kv::compare_and_swap(&mut client, "fresh", 0, 6, kv::DEADLINE).await?;
            let after = kv::get(&mut client, "counter", kv::DEADLINE).await?;
            match (wrote, absent_only, again, after.value) {
                (false, true, false, 60) => Ok(()),
                other => Err(format!(
                    "(stale swap wrote, absent swap wrote, second absent swap wrote, value) = {other:?}"
                )
                .into()),
            }
            }
            .await;
            verdict
        })
        .map_err(|e| e.to_string())?;
        Ok(())
    }

    fn workload(ops: usize, seed: u64) -> Workload {
        Workload {
            clients: 4,
            keys: 3,
            ops_per_client: ops,
            write_fraction: 0.5,
            seed,
        }
    }

    fn judged(run: &HistoryRun, what: &str) -> Result<(), Failed> {
        match &run.verdict {
            Ok(r) if r.is_linearizable() && r.operations == run.history.len() => Ok(()),
            other => Err(format!("{what}: verdict {other:?}").into()),
        }
    }

    fn faults() -> Result<(), Failed> {
        let rt = runtime();
        let mut c = start3(&rt)?;
        let endpoints = c.endpoints();
        let prefixes = Prefixes::default();
        let deadline = Duration::from_millis(500);
        let margin = Duration::from_millis(300);

        // Healthy: concurrent clients, judged linearizable, nothing failed.
        let healthy = rt.block_on(kv::run_history(
            &endpoints,
            &prefixes.next(),
            &workload(20, 1),
            deadline,
        ))?;
        judged(&healthy, "healthy")?;
        if healthy.failed() != 0 || healthy.history.len() != 80 {
            return Err(format!("healthy: {} failed", healthy.failed()).into());
        }

        // One killed: the majority serves every operation.
        c.kill(2)?;
        let one = rt.block_on(kv::run_history(
            &endpoints,
            &prefixes.next(),
            &workload(20, 2),
            deadline,
        ))?;
        judged(&one, "one killed")?;
        // A follower's death costs nothing; the leader's an election, which
        // may fail the operations sent during it. Most are served.
        if one.failed() > 20 {
            return Err(format!("one killed: {} of 80 failed", one.failed()).into());
        }

        // Two killed: every operation fails, each within its deadline, and
        // nothing is answered wrongly (failed writes may or may not count).
        c.kill(1)?;
        let none = rt.block_on(kv::run_history(
            &endpoints,
            &prefixes.next(),
            &workload(2, 3),
            deadline,
        ))?;
        judged(&none, "two killed")?;
        if none.failed() != none.history.len() {
            return Err(format!("two killed: {} of 8 answered", 8 - none.failed()).into());
        }
        if none.slowest > deadline + margin {
            return Err(format!("two killed: slowest {:?}", none.slowest).into());
        }
        if none
            .errors
            .iter()
            .any(|(m, _)| !m.contains("no answer within 500ms"))
        {
            return Err(format!("two killed: errors {:?}", none.errors).into());
        }
        if none.history.iter().any(|op| op.outcome != Outcome::Failed) {
            return Err("two killed: an operation was answered".into());
        }

        // Restart: quorum back, then the member that missed the most
        // writes catches up: its own serializable read sees the latest.
        rt.block_on(c.restart(1))?;
        rt.block_on(async {
            let mut client = kv::connect(&endpoints, deadline).await?;
            kv::put(&mut client, "latest", 99, deadline).await?;
            c.relaunch(2)?;
            let caught =
                kv::wait_for_value(&c.endpoint(2), "latest", 99, Duration::from_secs(5))
                    .await?;
            // A relaunched member serves only once it has applied the log
            // up to its own publish entry, which comes after the put: its
            // first answer is already the latest.
            if caught.stale != 0 {
                return Err(format!(
                    "n2 answered {} stale reads before the latest",
                    caught.stale
                )
                .into());
            }
            c.wait_until_serving(2).await?;
            Ok::<(), Box<dyn std::error::Error>>(())
        })
        .map_err(|e| e.to_string())?;
        let after = rt.block_on(kv::run_history(
            &endpoints,
            &prefixes.next(),
            &workload(10, 4),
            deadline,
        ))?;
        judged(&after, "after restart")?;
        if after.failed() != 0 {
            return Err(format!("after restart: {} failed", after.failed()).into());
        }
        let root = c.root().to_path_buf();
        rt.block_on(c.stop());
        let left = processes_naming(&root);
        if !left.is_empty() {
            return Err(format!("processes left: {left:?}").into());
        }
        Ok(())
    }

    fn the_program_says_when_etcd_is_missing() -> Result<(), Failed> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ch04-04-etcd"))
            .env("ETCD", "/nonexistent/etcd")
            .output()
            .map_err(|e| format!("run ch04-04-etcd: {e}"))?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.success()
            || !stderr.contains("etcd not found")
            || !out.stdout.is_empty()
        {
            return Err(format!("status {}, stderr {stderr:?}", out.status).into());
        }
        Ok(())
    }
}
