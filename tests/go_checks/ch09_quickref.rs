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
