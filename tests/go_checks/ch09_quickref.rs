//! Claims of the Go-to-Rust quick reference (chapters/quickref.md).

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go};

pub fn checks() -> Checks {
    vec![
        ("mutex_counter_prints_4000", mutex_counter_prints_4000),
        (
            "mutex_counter_is_vet_and_race_clean",
            mutex_counter_is_vet_and_race_clean,
        ),
        (
            "racy_counter_is_caught_only_at_run_time",
            racy_counter_is_caught_only_at_run_time,
        ),
        (
            "channels_print_what_the_rust_twin_prints",
            channels_print_what_the_rust_twin_prints,
        ),
        (
            "send_on_closed_channel_passes_vet_and_panics",
            send_on_closed_channel_passes_vet_and_panics,
        ),
        (
            "atomic_lost_update_passes_vet_and_race",
            atomic_lost_update_passes_vet_and_race,
        ),
        (
            "closing_twice_passes_vet_and_panics",
            closing_twice_passes_vet_and_panics,
        ),
        (
            "a_send_nobody_receives_stays_blocked",
            a_send_nobody_receives_stays_blocked,
        ),
        (
            "select_picks_ready_cases_at_random",
            select_picks_ready_cases_at_random,
        ),
        (
            "sync_primitives_print_what_the_rust_twin_prints",
            sync_primitives_print_what_the_rust_twin_prints,
        ),
        (
            "context_deadline_cancel_and_first_error",
            context_deadline_cancel_and_first_error,
        ),
        (
            "ticker_keeps_one_stale_tick_and_drops_the_rest",
            ticker_keeps_one_stale_tick_and_drops_the_rest,
        ),
        (
            "ticker_channel_is_unbuffered_from_go_1_23",
            ticker_channel_is_unbuffered_from_go_1_23,
        ),
        (
            "worker_pool_prints_what_the_rust_twin_prints",
            worker_pool_prints_what_the_rust_twin_prints,
        ),
        (
            "defer_unlock_holds_the_lock_to_the_function_s_end",
            defer_unlock_holds_the_lock_to_the_function_s_end,
        ),
        (
            "actor_prints_what_the_rust_twin_prints",
            actor_prints_what_the_rust_twin_prints,
        ),
        (
            "graceful_shutdown_by_the_timer",
            graceful_shutdown_by_the_timer,
        ),
        ("graceful_shutdown_by_sigint", graceful_shutdown_by_sigint),
        (
            "bounded_fanout_runs_at_most_two_and_reports_the_error",
            bounded_fanout_runs_at_most_two_and_reports_the_error,
        ),
        (
            "cond_prints_what_the_rust_twin_prints",
            cond_prints_what_the_rust_twin_prints,
        ),
        (
            "sync_map_stores_each_key_once",
            sync_map_stores_each_key_once,
        ),
        (
            "once_value_runs_once_and_repeats_its_panic",
            once_value_runs_once_and_repeats_its_panic,
        ),
        (
            "after_func_prints_what_the_rust_twin_prints",
            after_func_prints_what_the_rust_twin_prints,
        ),
        (
            "a_waiting_writer_turns_new_readers_away",
            a_waiting_writer_turns_new_readers_away,
        ),
    ]
}

/// The lines a Rust bin's shown output holds, without its command line.
fn rust_output(name: &str) -> Result<Vec<String>, String> {
    let path = crate::support::repo_root().join(format!("chapters/outputs/{name}.txt"));
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.lines().skip(1).map(str::to_string).collect())
}

/// Builds, vets and runs a listing under the race detector; returns its lines.
fn clean_run(go: &Go, name: &str) -> Result<Vec<String>, String> {
    let listing = go.listing(name);
    listing.vet_clean()?;
    let run = listing.race_clean(&[])?;
    Ok(run.lines().into_iter().map(str::to_string).collect())
}

/// The page shows the Go program's output next to the Rust one's: the same line.
fn mutex_counter_prints_4000(go: &Go) -> Check {
    let run = go.listing("ch09-01-mutex-counter").run(&[]);
    claim!(run.success, "it failed:\n{}", run.all());
    let rust = std::fs::read_to_string(
        crate::support::repo_root().join("chapters/outputs/ch09-01-mutex-counter.txt"),
    )
    .map_err(|e| e.to_string())?;
    let rust_line = rust.lines().nth(1).unwrap_or_default();
    claim!(
        run.stdout.trim() == rust_line,
        "Go printed {:?}, the Rust twin's shown output is {:?}",
        run.stdout.trim(),
        rust_line
    );
    Ok(())
}

fn mutex_counter_is_vet_and_race_clean(go: &Go) -> Check {
    let listing = go.listing("ch09-01-mutex-counter");
    listing.vet_clean()?;
    listing.race_clean(&[])?;
    Ok(())
}

/// The page says: the racy version builds and passes `go vet`; `-race` catches it.
fn racy_counter_is_caught_only_at_run_time(go: &Go) -> Check {
    let listing = go.listing("ch09-01-racy-counter");
    let build = listing.build();
    claim!(build.success, "it should compile, but:\n{}", build.all());
    listing.vet_clean()?;
    let race = listing.run_race(&[]);
    claim!(
        race.all().contains("WARNING: DATA RACE") && race.code == Some(66),
        "go run -race should report a race and exit 66, but exited {:?} and printed:\n{}",
        race.code,
        race.all()
    );
    Ok(())
}

/// The page says: Go prints the same lines as the Rust twin, which prints one
/// more (a send with no receiver left, which in Go would block forever).
fn channels_print_what_the_rust_twin_prints(go: &Go) -> Check {
    let go_lines = clean_run(go, "ch09-02-channels")?;
    let rust = rust_output("ch09-02-channels")?;
    claim!(
        rust.len() == go_lines.len() + 1 && rust[..go_lines.len()] == go_lines[..],
        "Go printed {go_lines:#?}\nthe Rust twin's shown output is {rust:#?}"
    );
    claim!(
        rust.last()
            .is_some_and(|l| l.starts_with("send with no receiver left")),
        "the Rust-only line is not last: {rust:#?}"
    );
    Ok(())
}

/// The page says: with both cases ready, Go picks each about half the time;
/// `default` runs on an empty channel; nil channels end the merge loop.
fn select_picks_ready_cases_at_random(go: &Go) -> Check {
    let lines = clean_run(go, "ch09-03-select")?;
    let shares: Vec<f64> = lines
        .get(1)
        .map(|l| {
            l.split('~')
                .skip(1)
                .filter_map(|w| w.split('%').next()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    // 10000 fair coin flips: the standard deviation is 0.5 points, so a
    // share outside 45..55 would be ten deviations out.
    claim!(
        shares.len() == 2 && shares.iter().all(|p| (45.0..=55.0).contains(p)),
        "expected two shares near 50%, got {shares:?} from {lines:#?}"
    );
    claim!(
        lines.get(2).map(String::as_str)
            == Some("select on an empty channel: took the default case"),
        "default case line: {lines:#?}"
    );
    claim!(
        lines.get(3).map(String::as_str)
            == Some("merge until both close: got [1 2 3 10 20]"),
        "merge line: {lines:#?}"
    );
    Ok(())
}

fn sync_primitives_print_what_the_rust_twin_prints(go: &Go) -> Check {
    let go_lines = clean_run(go, "ch09-04-sync-primitives")?;
    let rust = rust_output("ch09-04-sync-primitives")?;
    claim!(
        go_lines == rust,
        "Go printed {go_lines:#?}\nthe Rust twin's shown output is {rust:#?}"
    );
    Ok(())
}

/// The page quotes these lines of the Go context listing.
fn context_deadline_cancel_and_first_error(go: &Go) -> Check {
    let lines = clean_run(go, "ch09-05-context")?;
    let expected = [
        "timeout: context deadline exceeded (errors.Is DeadlineExceeded: true)",
        "cancel: worker 1: stopped: context canceled",
        "cancel: worker 2: stopped: context canceled",
        "cancel: child cancelled (context canceled), parent's error: <nil>",
        "errgroup: first error \"job 2: failed\"; the others: job 1: context canceled, job 3: context canceled",
    ];
    claim!(
        lines == expected,
        "the Go context listing printed {lines:#?}"
    );
    Ok(())
}

/// The page says: after a stall of 3.5 periods one tick is waiting, stamped
/// with the time it was due (200ms), and the next one is back on the 100ms
/// grid (500ms), not a burst of catch-up ticks.
fn ticker_keeps_one_stale_tick_and_drops_the_rest(go: &Go) -> Check {
    let lines = clean_run(go, "ch09-06-ticker")?;
    let expected = [
        "first tick stamped 100ms",
        "after a 350ms stall: 1 tick was waiting, stamped 200ms",
        "next tick stamped 500ms",
        "ticker channel capacity: 0",
    ];
    claim!(
        lines == expected,
        "the Go ticker listing printed {lines:#?}"
    );
    Ok(())
}

/// The page says: the same program in a module that says `go 1.22` shows a
/// channel of capacity 1; Go 1.23 made timer channels unbuffered, and the
/// ticks received are the same.
fn ticker_channel_is_unbuffered_from_go_1_23(go: &Go) -> Check {
    let run = go.listing_as("ch09-06-ticker", "1.22").run(&[]);
    claim!(run.success, "it failed under go 1.22:\n{}", run.all());
    let expected = [
        "first tick stamped 100ms",
        "after a 350ms stall: 1 tick was waiting, stamped 200ms",
        "next tick stamped 500ms",
        "ticker channel capacity: 1",
    ];
    claim!(
        run.lines() == expected,
        "under go 1.22 it printed {:#?}",
        run.lines()
    );
    Ok(())
}

fn worker_pool_prints_what_the_rust_twin_prints(go: &Go) -> Check {
    let go_lines = clean_run(go, "ch09-07-worker-pool")?;
    let rust = rust_output("ch09-07-worker-pool")?;
    claim!(
        go_lines == rust,
        "Go printed {go_lines:#?}\nthe Rust twin's shown output is {rust:#?}"
    );
    Ok(())
}

/// The pages say: it compiles, `go vet` is silent, and it panics at run
/// time with "send on closed channel" (exit status 2).
fn send_on_closed_channel_passes_vet_and_panics(go: &Go) -> Check {
    let listing = go.listing("ch09-02-send-on-closed");
    listing.vet_clean()?;
    let run = listing.run(&[]);
    claim!(
        run.code == Some(2) && run.stderr.contains("panic: send on closed channel"),
        "expected a panic and exit 2, got exit {:?}:\n{}",
        run.code,
        run.all()
    );
    claim!(
        !run.stdout.contains("not reached"),
        "it ran past the send:\n{}",
        run.all()
    );
    Ok(())
}

/// The page: the load-then-store counter written with `sync/atomic` passes
/// `go vet` and the race detector, because every access is atomic; the lost
/// updates are a logic race, not a data race.
fn atomic_lost_update_passes_vet_and_race(go: &Go) -> Check {
    let listing = go.listing("ch09-01-atomic-lost-update");
    listing.vet_clean()?;
    let race = listing.race_clean(&[])?;
    claim!(
        race.stdout.starts_with("counter: ") && race.stdout.contains(" of 2000"),
        "unexpected output:\n{}",
        race.stdout
    );
    Ok(())
}

/// The page: closing a channel twice compiles, passes `go vet`, and panics
/// at run time with "close of closed channel" (exit status 2).
fn closing_twice_passes_vet_and_panics(go: &Go) -> Check {
    let listing = go.listing("ch09-02-close-twice");
    listing.vet_clean()?;
    let run = listing.run(&[]);
    claim!(
        run.code == Some(2) && run.stderr.contains("panic: close of closed channel"),
        "expected a panic and exit 2, got exit {:?}:\n{}",
        run.code,
        run.all()
    );
    claim!(
        !run.stdout.contains("not reached"),
        "it ran past the second close:\n{}",
        run.all()
    );
    Ok(())
}

/// The page: a send on an unbuffered channel that nobody receives from does
/// not fail; it blocks, and its goroutine never finishes. (A send that can
/// never proceed can never report success, so this holds in every run.)
fn a_send_nobody_receives_stays_blocked(go: &Go) -> Check {
    let listing = go.listing("ch09-02-send-no-receiver");
    listing.vet_clean()?;
    let run = listing.run(&[]);
    claim!(
        run.success && run.lines() == ["after 200ms the send is still blocked"],
        "expected the send to stay blocked; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    Ok(())
}

/// Checks that the Go listing's lines are the first lines of the Rust twin's
/// shown output, which has `extra` lines more.
fn go_lines_open_the_rust_output(go: &Go, name: &str, extra: usize) -> Check {
    let go_lines = clean_run(go, name)?;
    let rust = rust_output(name)?;
    claim!(
        rust.len() == go_lines.len() + extra && rust[..go_lines.len()] == go_lines[..],
        "Go printed {go_lines:#?}\nthe Rust twin's shown output is {rust:#?}"
    );
    Ok(())
}

/// The page: a Go mutex stays locked until the deferred `Unlock` runs, so
/// `TryLock` fails inside the function and succeeds after it; the Rust twin
/// prints the same two lines, then its `let _` line.
fn defer_unlock_holds_the_lock_to_the_function_s_end(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-09-lock-guards", 1)?;
    let lines = clean_run(go, "ch09-09-lock-guards")?;
    claim!(
        lines
            == [
                "while the lock is held: a second lock attempt fails",
                "after the unlock: a second lock attempt succeeds",
            ],
        "the Go lock listing printed {lines:#?}"
    );
    Ok(())
}

fn actor_prints_what_the_rust_twin_prints(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-11-actor", 0)
}

/// The page: with no signal, the timer starts the shutdown; each worker
/// cleans up and stops, and the program says so before it exits.
fn graceful_shutdown_by_the_timer(go: &Go) -> Check {
    let lines = clean_run(go, "ch09-12-graceful-shutdown")?;
    let expected = [
        "shutdown requested by the timer",
        "worker 1: cleaned up and stopped",
        "worker 2: cleaned up and stopped",
        "worker 3: cleaned up and stopped",
        "every worker stopped; exiting",
    ];
    claim!(
        lines == expected,
        "the Go shutdown listing printed {lines:#?}"
    );
    Ok(())
}

/// The page: Ctrl-C (SIGINT) starts the same shutdown instead of killing
/// the process. The listing runs with a timer of an hour and gets SIGINT.
fn graceful_shutdown_by_sigint(go: &Go) -> Check {
    use std::time::{Duration, Instant};
    let listing = go.listing("ch09-12-graceful-shutdown");
    let build = listing.build();
    claim!(build.success, "it does not build:\n{}", build.all());
    // Started with SIGINT ignored (`trap '' INT`, kept across exec), Go's
    // runtime leaves it ignored until `signal.Notify` installs a handler;
    // a signal that came earlier would otherwise kill the program.
    let binary = listing.path().join("listing");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("trap '' INT; exec \"$0\" -after 1h")
        .arg(&binary)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the listing: {e}"))?;
    // Send the signal once the program catches SIGINT, that is once
    // `signal.Notify` has run: Linux shows the caught signals as a bit mask
    // in /proc/PID/status (SIGINT is bit 1).
    let status = format!("/proc/{}/status", child.id());
    let catches_sigint = || {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        text.lines()
            .find_map(|l| l.strip_prefix("SigCgt:"))
            .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
            .is_some_and(|mask| mask & (1 << 1) != 0)
    };
    let waiting = Instant::now();
    while !catches_sigint() {
        if waiting.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the listing did not install a SIGINT handler within 5 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .map_err(|e| format!("run kill: {e}"))?;
    claim!(kill.success(), "kill -INT failed: {kill}");
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("still running 5 s after SIGINT".to_string());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    claim!(
        out.status.success()
            && lines.first() == Some(&"shutdown requested by a signal (interrupt)")
            && lines.last() == Some(&"every worker stopped; exiting")
            && lines.len() == 5,
        "after SIGINT it exited with {} and printed {lines:#?}",
        out.status
    );
    Ok(())
}

/// The page: the semaphore-channel group runs at most two jobs at once and
/// reports job 4's error; the Rust twin's first three lines are the same.
fn bounded_fanout_runs_at_most_two_and_reports_the_error(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-13-bounded-fanout", 2)?;
    let lines = clean_run(go, "ch09-13-bounded-fanout")?;
    let expected = [
        "6 jobs, limit 2: at most 2 ran at once",
        "first error: job 4: failed",
        "results: [10, 20, 30, 50, 60]",
    ];
    claim!(
        lines == expected,
        "the Go fan-out listing printed {lines:#?}"
    );
    Ok(())
}

/// A wrong wake-up (Signal for Broadcast) leaves waiters asleep for good, so
/// the listing first runs with a bound on its time: a hang fails the check.
fn cond_prints_what_the_rust_twin_prints(go: &Go) -> Check {
    let lines = run_within(&go.listing("ch09-14-cond"), &[], 10)?;
    claim!(
        lines.last().map(String::as_str) == Some("broadcast: 3 of 3 waiters woke"),
        "the Go Cond listing printed {lines:#?}"
    );
    go_lines_open_the_rust_output(go, "ch09-14-cond", 0)
}

/// Builds the listing, runs it with `args`, and kills it if it runs for more
/// than `seconds`. Returns its stdout's lines if it succeeded.
fn run_within(
    listing: &crate::support::Listing,
    args: &[&str],
    seconds: u64,
) -> Result<Vec<String>, String> {
    use std::time::{Duration, Instant};
    let build = listing.build();
    claim!(build.success, "it does not build:\n{}", build.all());
    let mut child = std::process::Command::new(listing.path().join("listing"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the listing: {e}"))?;
    let start = Instant::now();
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if start.elapsed() > Duration::from_secs(seconds) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("it was still running after {seconds} s"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    claim!(
        out.status.success(),
        "it exited with {}:\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect())
}

/// The page: of twelve `LoadOrStore` calls on three keys, three store and
/// nine find the key; the Rust twin prints the same two lines, then one
/// for its `Mutex<HashMap>`.
fn sync_map_stores_each_key_once(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-15-sync-map", 1)
}

/// The page: `sync.OnceValue` runs its function once for four callers, and
/// when the function panics every call panics with the same value, while
/// the function ran once.
fn once_value_runs_once_and_repeats_its_panic(go: &Go) -> Check {
    let lines = clean_run(go, "ch09-16-once-value")?;
    let rust = rust_output("ch09-16-once-value")?;
    claim!(
        rust.first() == lines.first(),
        "first lines differ: Go {lines:#?}, Rust {rust:#?}"
    );
    let expected = [
        "4 callers got \"config v1\" \"config v1\" \"config v1\" \"config v1\"; the loader ran 1 time",
        "call 1: panicked: config file missing",
        "call 2: panicked: config file missing",
        "the loader ran 1 time: every call repeats its panic",
    ];
    claim!(
        lines == expected,
        "the Go OnceValue listing printed {lines:#?}"
    );
    Ok(())
}

/// The page: `Stop` returns true for a timer that has not fired, false for
/// one that has, and a stopped timer's function never runs.
fn after_func_prints_what_the_rust_twin_prints(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-17-after-func", 0)
}

/// The page: once a writer waits on Go's RWMutex, `TryRLock` fails while
/// the lock is only read-locked; std's RwLock on Linux prints the same.
fn a_waiting_writer_turns_new_readers_away(go: &Go) -> Check {
    go_lines_open_the_rust_output(go, "ch09-18-rwmutex-writer-priority", 0)?;
    let lines = clean_run(go, "ch09-18-rwmutex-writer-priority")?;
    claim!(
        lines.get(1).map(String::as_str) == Some("a new reader is turned away: true"),
        "the Go RWMutex listing printed {lines:#?}"
    );
    Ok(())
}
