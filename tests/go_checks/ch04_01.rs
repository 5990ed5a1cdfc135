//! Claims of section 4.1 (chapters/ch04-01-concurrency.md) about the source's
//! concurrency program (go/ch04-01-concurrency), its three early exits
//! (go/ch04-01-concurrency-exit) and its repair (go/ch04-01-concurrency-fixed).
//!
//! Times are lower bounds that follow from the program's structure (ten
//! tasks that hold one lock while they sleep cannot finish sooner than ten
//! sleeps), or generous upper bounds (five sleeps for a run that needs one),
//! so a busy machine does not make them flaky.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Run};
use std::collections::BTreeMap;
use std::time::Duration;

const PORT: &str = "ch04-01-concurrency";
const EXIT: &str = "ch04-01-concurrency-exit";
const FIXED: &str = "ch04-01-concurrency-fixed";
const GAUGE: &str = "ch04-01-gauge";

pub fn checks() -> Checks {
    vec![
        (
            "vet_reports_the_captured_loop_variable_under_go_1_21",
            vet_reports_the_captured_loop_variable_under_go_1_21,
        ),
        (
            "under_go_1_21_every_goroutine_prints_10",
            under_go_1_21_every_goroutine_prints_10,
        ),
        (
            "under_go_1_21_the_race_detector_reports_the_shared_i",
            under_go_1_21_the_race_detector_reports_the_shared_i,
        ),
        (
            "under_go_1_22_each_goroutine_prints_its_own_i",
            under_go_1_22_each_goroutine_prints_its_own_i,
        ),
        (
            "the_port_runs_one_goroutine_at_a_time",
            the_port_runs_one_goroutine_at_a_time,
        ),
        (
            "a_panic_kills_the_whole_process",
            a_panic_kills_the_whole_process,
        ),
        (
            "a_recovered_panic_deadlocks_wait",
            a_recovered_panic_deadlocks_wait,
        ),
        (
            "an_early_return_deadlocks_wait",
            an_early_return_deadlocks_wait,
        ),
        (
            "the_fixed_go_program_takes_about_one_sleep",
            the_fixed_go_program_takes_about_one_sleep,
        ),
        (
            "the_check_then_act_gauge_passes_vet_and_race",
            the_check_then_act_gauge_passes_vet_and_race,
        ),
    ]
}

/// The `(verb, i)` pairs of the "goroutine <i> started|finished" lines.
fn events(run: &Run) -> Vec<(String, i64)> {
    run.lines()
        .iter()
        .filter_map(|l| {
            let rest = l.strip_prefix("goroutine ")?;
            let (i, verb) = rest.split_once(' ')?;
            Some((verb.to_string(), i.parse().ok()?))
        })
        .collect()
}

/// How many lines with each value of i say `verb`.
fn count(events: &[(String, i64)], verb: &str) -> BTreeMap<i64, usize> {
    let mut seen = BTreeMap::new();
    for (v, i) in events {
        if v == verb {
            *seen.entry(*i).or_default() += 1;
        }
    }
    seen
}

/// `go vet` flags the closure under the old semantics; under 1.22 and later
/// the variable is per iteration and vet has nothing to report.
fn vet_reports_the_captured_loop_variable_under_go_1_21(go: &Go) -> Check {
    let old = go.listing_as(PORT, "1.21").vet();
    claim!(
        !old.success
            && old
                .stderr
                .contains("loop variable i captured by func literal"),
        "go vet (go 1.21) should report the captured loop variable, but said:\n{}",
        old.all()
    );
    let new = go.listing(PORT).vet();
    claim!(
        new.success,
        "go vet (module language version) should be silent, but said:\n{}",
        new.all()
    );
    Ok(())
}

/// The page: with `go 1.21` in go.mod the goroutines share one i. Every
/// "finished" line says 10 (the loop ended long before the first sleep
/// did), and so does every "started" line but, at times, the first: the
/// first goroutine can take the lock before the loop ends. The others wait
/// for that goroutine's sleep, so at most one line can differ.
fn under_go_1_21_every_goroutine_prints_10(go: &Go) -> Check {
    let run = go.listing_as(PORT, "1.21").run(&["-sleep", "10ms"]);
    claim!(run.success, "it failed:\n{}", run.all());
    let ev = events(&run);
    let started = count(&ev, "started");
    let finished = count(&ev, "finished");
    let ten: BTreeMap<i64, usize> = [(10, 10)].into();
    claim!(
        finished == ten,
        "expected ten `goroutine 10 finished` lines, got {finished:?}:\n{}",
        run.stdout
    );
    let tens = started.get(&10).copied().unwrap_or(0);
    claim!(
        tens >= 9 && started.values().sum::<usize>() == 10,
        "expected at least nine `goroutine 10 started` of ten, got {started:?}:\n{}",
        run.stdout
    );
    Ok(())
}

/// The page: under `go 1.21` the shared `i` is also a data race (the loop
/// writes it while the goroutines read it), which `go run -race` reports
/// and exits with status 66; under the module's version it is race-free.
fn under_go_1_21_the_race_detector_reports_the_shared_i(go: &Go) -> Check {
    let old = go.listing_as(PORT, "1.21").run_race(&["-sleep", "10ms"]);
    claim!(
        old.code == Some(66) && old.stderr.contains("WARNING: DATA RACE"),
        "under go 1.21 -race should report a race and exit 66, got {:?}:\n{}",
        old.code,
        old.all()
    );
    go.listing(PORT).race_clean(&["-sleep", "10ms"])?;
    Ok(())
}

/// The page: with `go 1.22` each goroutine prints its own i, 0 to 9, once.
fn under_go_1_22_each_goroutine_prints_its_own_i(go: &Go) -> Check {
    let run = go.listing_as(PORT, "1.22").run(&["-sleep", "10ms"]);
    claim!(run.success, "it failed:\n{}", run.all());
    let ev = events(&run);
    let each_once: BTreeMap<i64, usize> = (0..10).map(|i| (i, 1)).collect();
    claim!(
        count(&ev, "started") == each_once && count(&ev, "finished") == each_once,
        "expected each of 0..9 once per kind:\n{}",
        run.stdout
    );
    claim!(
        run.lines().last() == Some(&"all goroutines finished"),
        "the last line should be the final message:\n{}",
        run.stdout
    );
    Ok(())
}

/// The page: the mutex is held across the sleep, so the goroutines run one
/// at a time: every "started" is followed by the same goroutine's
/// "finished", and the run takes at least ten sleeps.
fn the_port_runs_one_goroutine_at_a_time(go: &Go) -> Check {
    let sleep = Duration::from_millis(50);
    let run = go.listing(PORT).run(&["-sleep", "50ms"]);
    claim!(run.success, "it failed:\n{}", run.all());
    let ev = events(&run);
    claim!(ev.len() == 20, "expected 20 lines:\n{}", run.stdout);
    for pair in ev.chunks(2) {
        claim!(
            pair[0].0 == "started" && pair[1].0 == "finished" && pair[0].1 == pair[1].1,
            "two goroutines overlapped ({pair:?}):\n{}",
            run.stdout
        );
    }
    claim!(
        run.elapsed >= 10 * sleep,
        "ten serial sleeps of {sleep:?} took only {:?}",
        run.elapsed
    );
    Ok(())
}

/// The page: a panic in a goroutine does not deadlock `wg.Wait()`; it ends
/// the whole process with exit status 2, before the final line.
fn a_panic_kills_the_whole_process(go: &Go) -> Check {
    let run = go.listing(EXIT).run(&["-panic-in", "3"]);
    claim!(
        run.code == Some(2)
            && run.stderr.contains("panic: goroutine 3 failed")
            && !run.stdout.contains("all goroutines finished"),
        "expected a panic, exit status 2 and no final line; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    Ok(())
}

/// The page: a deferred helper that recovers the panic keeps the process
/// alive, but the goroutine still ends without Unlock and Done, so the
/// others block on the lock, main blocks in Wait, and the runtime reports
/// a deadlock.
fn a_recovered_panic_deadlocks_wait(go: &Go) -> Check {
    let run = go.listing(EXIT).run(&["-recover-in", "3"]);
    claim!(
        run.code == Some(2)
            && run
                .stdout
                .contains("goroutine 3 recovered: goroutine 3 failed")
            && !run.stderr.contains("panic: ")
            && run
                .stderr
                .contains("fatal error: all goroutines are asleep - deadlock!")
            && !run.stdout.contains("all goroutines finished"),
        "expected the recovery, then the runtime's deadlock report and exit status 2; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    Ok(())
}

/// The page: a goroutine that returns early skips Unlock and Done; the
/// others block on the lock, main blocks in Wait, and the runtime reports a
/// deadlock because every goroutine is blocked.
fn an_early_return_deadlocks_wait(go: &Go) -> Check {
    let run = go.listing(EXIT).run(&["-return-in", "3"]);
    claim!(
        run.code == Some(2)
            && run
                .stderr
                .contains("fatal error: all goroutines are asleep - deadlock!"),
        "expected the runtime's deadlock report and exit status 2; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    Ok(())
}

/// The page: the repaired Go program is vet- and race-clean, prints 0 to 9
/// in order, and takes about one sleep (checked loosely: under five).
fn the_fixed_go_program_takes_about_one_sleep(go: &Go) -> Check {
    let listing = go.listing(FIXED);
    listing.vet_clean()?;
    let sleep = Duration::from_millis(200);
    let run = listing.run(&["-sleep", "200ms"]);
    claim!(run.success, "it failed:\n{}", run.all());
    let expected: Vec<String> = (0..10)
        .map(|i| format!("goroutine {i} finished"))
        .chain(["all goroutines finished".to_string()])
        .collect();
    claim!(
        run.lines() == expected,
        "unexpected output:\n{}",
        run.stdout
    );
    claim!(
        run.elapsed >= sleep && run.elapsed < 5 * sleep,
        "ten parallel sleeps of {sleep:?} took {:?}",
        run.elapsed
    );
    listing.race_clean(&["-sleep", "10ms"])?;
    Ok(())
}

/// The page: the Go twin of the broken gauge is all atomics, so neither
/// `go vet` nor the race detector has anything to report, though the
/// load-compare-store can lose the peak (loom shows how).
fn the_check_then_act_gauge_passes_vet_and_race(go: &Go) -> Check {
    let listing = go.listing(GAUGE);
    listing.vet_clean()?;
    let race = listing.race_clean(&[])?;
    claim!(
        race.stdout.starts_with("peak: "),
        "unexpected output:\n{}",
        race.stdout
    );
    Ok(())
}
