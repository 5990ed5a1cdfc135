//! Claims of section 4.3 about the Go twin of the fixed client
//! (go/ch04-03-fault-tolerance-fixed): three faulty servers on 127.0.0.1,
//! one seeded open-loop workload, and the seven steps of the client, each
//! run against fresh servers.
//!
//! The twin prints every timing, and every count that follows the timing
//! of the answers, after a `~`, so these claims are bands and orderings
//! with wide margins, never a count seen once. A machine busy enough to
//! stall the sender (the twin prints how late its latest send was) can
//! break any of them; the run is then repeated once, and a second failure
//! says how late the sender was.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Listing, Run};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FIXED: &str = "ch04-03-fault-tolerance-fixed";

/// The steps' numbers, row by row: step 5 (the budget) runs twice, with
/// gRPC's example token ratio and with a larger one.
const LABELS: [usize; 8] = [0, 1, 2, 3, 4, 5, 5, 6];
/// Requests a step, and servers a step, in the default run.
const REQUESTS: usize = 300;
const SERVERS: usize = 3;

/// A sender later than this means the machine, not the client, was measured.
const STALLED_MS: f64 = 20.0;

/// Held by each check while it builds or runs the twin, so that this
/// file's checks, which the harness runs on parallel threads, do not take
/// the CPU from each other's timings.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

pub fn checks() -> Checks {
    vec![
        (
            "the_fixed_twin_builds_and_gofmt_and_vet_are_silent",
            the_fixed_twin_builds_and_gofmt_and_vet_are_silent,
        ),
        #[cfg(feature = "net")]
        (
            "the_twin_s_fault_hash_is_the_rust_servers_attempt_unit",
            the_twin_s_fault_hash_is_the_rust_servers_attempt_unit,
        ),
        (
            "the_fixed_twin_s_steps_lose_and_call_what_the_page_says",
            the_fixed_twin_s_steps_lose_and_call_what_the_page_says,
        ),
        (
            "the_fixed_twin_is_race_free_and_refuses_bad_flags",
            the_fixed_twin_is_race_free_and_refuses_bad_flags,
        ),
    ]
}

/// Runs the binary `go build` left in the listing's directory.
fn run_built(listing: &Listing, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = Command::new(listing.path().join("listing"))
        .args(args)
        .current_dir(listing.path())
        .output()
        .expect("start the built listing");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        success: out.status.success(),
        code: out.status.code(),
        elapsed: start.elapsed(),
    }
}

/// The page: the twin compiles, gofmt would change nothing in it, vet has
/// nothing to say; and, as the page quotes, `go doc` gives 2 as the idle
/// connections an `http.Transport` keeps per host unless told otherwise
/// (the twin sets 64).
fn the_fixed_twin_builds_and_gofmt_and_vet_are_silent(go: &Go) -> Check {
    let _turn = one_at_a_time();
    let listing = go.listing(FIXED);
    let build = listing.build();
    claim!(build.success, "go/{FIXED} does not build:\n{}", build.all());
    let unformatted: Vec<String> = go
        .gofmt_list()?
        .into_iter()
        .filter(|f| f.contains(FIXED))
        .collect();
    claim!(
        unformatted.is_empty(),
        "gofmt would reformat {unformatted:?}"
    );
    listing.vet_clean()?;
    let mut doc = Command::new(&go.bin);
    doc.args(["doc", "net/http.DefaultMaxIdleConnsPerHost"])
        .current_dir(listing.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOWORK", "off");
    let out = doc.output().map_err(|e| format!("go doc: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    claim!(
        text.contains("const DefaultMaxIdleConnsPerHost = 2"),
        "go doc net/http.DefaultMaxIdleConnsPerHost no longer says 2:\n{text}"
    );
    Ok(())
}

/// A Go test written into the twin's scratch module at check time: it
/// prints the twin's `attemptUnit` for a grid of (seed, server, id, try),
/// as the bits of the float.
#[cfg(feature = "net")]
const UNITS_TEST: &str = r#"package main

import (
	"fmt"
	"math"
	"testing"
)

func TestPrintUnits(t *testing.T) {
	for _, seed := range []uint64{1, 42, 1<<64 - 1} {
		for server := 0; server < 3; server++ {
			for id := uint64(0); id < 300; id += 7 {
				for try := uint64(0); try < 4; try++ {
					u := attemptUnit(seed, server, id, try)
					fmt.Printf("unit %d %d %d %d %d\n", seed, server, id, try,
						math.Float64bits(u))
				}
			}
		}
	}
}
"#;

/// The page: which try meets a fault is decided by the Rust servers' hash,
/// ported bit for bit: the twin's `attemptUnit` and
/// `cookbook::fault_tolerance::faults::attempt_unit` give the same float,
/// to the bit, on 1,548 attempts (3 seeds, 3 servers, 43 ids, 4 tries).
#[cfg(feature = "net")]
fn the_twin_s_fault_hash_is_the_rust_servers_attempt_unit(go: &Go) -> Check {
    use cookbook::fault_tolerance::faults::attempt_unit;
    let _turn = one_at_a_time();
    let listing = go.listing(FIXED);
    std::fs::write(listing.path().join("units_test.go"), UNITS_TEST)
        .map_err(|e| format!("write units_test.go: {e}"))?;
    let out = Command::new(&go.bin)
        .args(["test", "-run", "TestPrintUnits", "-v", "."])
        .current_dir(listing.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off")
        .output()
        .map_err(|e| format!("go test: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    claim!(
        out.status.success(),
        "go test of the twin's attemptUnit failed:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut compared = 0;
    for line in stdout.lines().filter_map(|l| l.strip_prefix("unit ")) {
        let w: Vec<u64> = line
            .split_whitespace()
            .map(|x| x.parse().map_err(|_| format!("cannot parse {line:?}")))
            .collect::<Result<_, _>>()?;
        let [seed, server, id, try_no, bits] = w[..] else {
            return Err(format!("cannot parse {line:?}"));
        };
        let rust = attempt_unit(seed, server as usize, id, try_no as u32);
        claim!(
            rust.to_bits() == bits,
            "attempt ({seed}, {server}, {id}, {try_no}): Go gives {}, Rust {rust}",
            f64::from_bits(bits)
        );
        compared += 1;
    }
    claim!(
        compared == 3 * 3 * 43 * 4,
        "compared {compared} attempts, expected 1548:\n{stdout}"
    );
    Ok(())
}

/// One step's four lines of the twin's output.
#[derive(Debug)]
struct Step {
    lost: usize,
    of: usize,
    p50: f64,
    p99: f64,
    /// The text after "calls a request " (a `~` when it varies).
    calls_text: String,
    calls: f64,
    down: f64,
    /// Milliseconds from server 0's return to its first answer, if any.
    recovery: Option<f64>,
    noticed: u64,
    /// Tries whose handler finished the work after the client had gone.
    wasted: u64,
    /// Second requests sent (the hedging step only).
    hedges: Option<u64>,
}

/// The number in `word`, without its `~`, `ms` or trailing punctuation.
fn number(word: &str) -> Option<f64> {
    word.trim_start_matches('~')
        .trim_end_matches([';', ','])
        .trim_end_matches("ms")
        .parse()
        .ok()
}

/// The word after `key` in `line`.
fn after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_once(key)?.1.split_whitespace().next()
}

/// Parses, for each step, the four lines:
///
/// ```text
/// step 3: + failover: a retry goes to the next server
///   lost ~1 of 300; p50 ~4.2ms, p99 ~68.2ms
///   calls a request ~1.32; to server 0 while down ~0.170; recovery ~4.0ms
///   handlers: 200 ~299, 503 ~36, stopped early ~11, worked for nobody ~0
/// ```
fn steps(run: &Run) -> Result<Vec<Step>, String> {
    let lines = run.lines();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix("step ") else {
            continue;
        };
        let bad = || format!("cannot parse step lines after {line:?}:\n{}", run.stdout);
        let label: usize = rest
            .split_once(':')
            .and_then(|(n, _)| n.parse().ok())
            .ok_or_else(bad)?;
        claim!(
            LABELS.get(out.len()) == Some(&label),
            "row {} is step {label}, expected {:?}:\n{}",
            out.len(),
            LABELS.get(out.len()),
            run.stdout
        );
        let (l1, l2, l3) = match lines.get(i + 1..i + 4) {
            Some([a, b, c]) => (*a, *b, *c),
            _ => return Err(bad()),
        };
        let num = |l: &str, key: &str| after(l, key).and_then(number).ok_or_else(bad);
        let hedges = lines
            .get(i + 4)
            .filter(|l| l.trim_start().starts_with("hedges sent "))
            .map(|l| num(l, "hedges sent "))
            .transpose()?;
        let recovery = match after(l2, "recovery ").ok_or_else(bad)? {
            "never" => None,
            word => Some(number(word).ok_or_else(bad)?),
        };
        out.push(Step {
            lost: num(l1, "lost ")? as usize,
            of: num(l1, " of ")? as usize,
            p50: num(l1, "p50 ")?,
            p99: num(l1, "p99 ")?,
            calls_text: after(l2, "calls a request ")
                .ok_or_else(bad)?
                .trim_end_matches(';')
                .to_string(),
            calls: num(l2, "calls a request ")?,
            down: num(l2, "while down ")?,
            recovery,
            noticed: num(l3, "stopped early ")? as u64,
            wasted: num(l3, "worked for nobody ")? as u64,
            hedges: hedges.map(|h| h as u64),
        });
    }
    claim!(
        out.len() == LABELS.len(),
        "expected {} rows, found {}:\n{}",
        LABELS.len(),
        out.len(),
        run.stdout
    );
    Ok(out)
}

/// How late the sender's latest request went, in milliseconds.
fn late_ms(run: &Run) -> Option<f64> {
    run.lines()
        .iter()
        .find_map(|l| l.strip_prefix("latest send after its time: "))
        .and_then(number)
}

/// What the page says of the default run (300 requests a step, Poisson at
/// 500/s, server 0 down for the first 300 ms of about 600 ms of arrivals,
/// 30% 503s on server 1, 10% stalls on server 2); rows by position, step 5
/// twice:
///
/// - step 0, the source's single random try, loses about a quarter: about
///   50 requests sent to server 0 while it is down (a third of the ~150
///   sent in those 300 ms) plus about 30 of server 1's 100 that draw a
///   503; binomial spreads of about 6 and 5 make 60..=150 a safe band;
/// - steps 0 and 1 make exactly one call a request, step 2 more;
/// - the failover steps (3 and 4) lose at most 3: a request is lost only
///   if all four of its tries meet a fault;
/// - the breaker sends server 0 at most half the calls failover sends it
///   while it is down (about a tenth here): the refused connects stop;
/// - the budget with gRPC's example ratio (0.1) loses at least 10 more
///   than the breaker step: it stops retries once more than 1/11 of the
///   tries fail, and here about one in seven fails; with 0.5 (a third) it
///   loses at most 3, and so does the hedging step;
/// - hedging sends at least 10 second requests, and the try that loses is
///   cancelled through its context: from step 1 on the per-try deadline
///   reaches server 2's stalled handlers, which check `r.Context().Done()`
///   and stop early, while under hedging some handlers, which do not
///   check it during the work, finish work for a client already gone;
/// - every server is shut down and the run ends within seconds.
fn step_claims(run: &Run) -> Check {
    claim!(
        run.success && run.stderr.is_empty(),
        "it failed or wrote to stderr:\n{}",
        run.all()
    );
    let s = steps(run)?;
    for (i, step) in s.iter().enumerate() {
        claim!(
            step.of == REQUESTS && step.lost <= step.of,
            "row {i}: lost {} of {}:\n{}",
            step.lost,
            step.of,
            run.stdout
        );
        claim!(
            step.p50 > 0.0 && step.p50 <= step.p99,
            "row {i}: p50 {} and p99 {} are out of order",
            step.p50,
            step.p99
        );
        claim!(
            step.recovery.is_some_and(|r| r >= 0.0),
            "row {i}: server 0 never answered after coming back:\n{}",
            run.stdout
        );
    }
    claim!(
        (60..=150).contains(&s[0].lost),
        "step 0 lost {} of {REQUESTS}; about 80 expected:\n{}",
        s[0].lost,
        run.stdout
    );
    for i in [0, 1] {
        claim!(
            s[i].calls_text == "1.00",
            "step {i} should make exactly one call a request, printed `1.00`; got {:?}",
            s[i].calls_text
        );
    }
    let step_2_retries = s[2].calls > 1.0;
    claim!(
        step_2_retries,
        "step 2 retries, so it makes more than one call a request; got {}",
        s[2].calls
    );
    for (i, name) in [
        (3, "failover"),
        (4, "breaker"),
        (6, "budget 0.5"),
        (7, "hedging"),
    ] {
        claim!(
            s[i].lost <= 3,
            "the {name} row lost {} of {REQUESTS}; at most 3 expected:\n{}",
            s[i].lost,
            run.stdout
        );
    }
    claim!(
        s[4].down * 2.0 <= s[3].down && s[3].down > 0.0,
        "the breaker made {} calls a request to server 0 while it was down, failover {}: \
         expected at most half as many:\n{}",
        s[4].down,
        s[3].down,
        run.stdout
    );
    claim!(
        s[5].lost >= s[4].lost + 10,
        "the budget with ratio 0.1 lost {}, the breaker step {}: the budget should \
         cost at least 10 more:\n{}",
        s[5].lost,
        s[4].lost,
        run.stdout
    );
    let hedges = s[7].hedges.unwrap_or(0);
    claim!(
        hedges >= 10,
        "the hedging step sent {hedges} second requests; at least 10 expected:\n{}",
        run.stdout
    );
    claim!(
        s[7].wasted > 0,
        "under hedging no handler worked for a client already gone, though the \
         losing tries are cancelled half way:\n{}",
        run.stdout
    );
    for (i, step) in s.iter().enumerate().skip(1) {
        claim!(
            step.noticed > 0,
            "row {i}: no handler stopped early, though the per-try deadline \
             cancels stalled tries:\n{}",
            run.stdout
        );
    }
    let want = format!("servers shut down: {n} of {n}", n = SERVERS * LABELS.len());
    claim!(
        run.lines().last() == Some(&want.as_str()),
        "the last line should be {want:?}:\n{}",
        run.stdout
    );
    claim!(
        run.elapsed < Duration::from_secs(10),
        "the run took {:?}; it should end within seconds",
        run.elapsed
    );
    Ok(())
}

/// Runs of the twin a check may make when the machine stalls its sender.
const RUNS: usize = 3;

/// The page's claims about the default run, checked on one run; a failed
/// run counts against the client only if its sender kept to its schedule
/// (it says how late its latest request went), otherwise the twin runs
/// again, up to `RUNS` times. Then the output the page shows must be
/// current.
fn the_fixed_twin_s_steps_lose_and_call_what_the_page_says(go: &Go) -> Check {
    let _turn = one_at_a_time();
    let listing = go.listing(FIXED);
    let mut run = listing.run(&[]);
    let mut stalled = Vec::new();
    loop {
        match step_claims(&run) {
            Ok(()) => break,
            Err(why) => {
                let late = late_ms(&run);
                if late.is_none_or(|l| l <= STALLED_MS) || stalled.len() + 1 == RUNS {
                    let before = if stalled.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "\n(after {} runs whose sender stalled: {stalled:?})",
                            stalled.len()
                        )
                    };
                    return Err(format!("{why}{before}"));
                }
                stalled.push(format!(
                    "{late:?} ms late, {}",
                    why.lines().next().unwrap_or("")
                ));
                std::thread::sleep(Duration::from_millis(500));
                run = run_built(&listing, &[]);
            }
        }
    }
    shown_output_is_current(&run.stdout)
}

/// The twin's output as the page shows it; the file's first line is the
/// command that produced it.
const SHOWN: &str = "chapters/outputs/go/ch04-03-fault-tolerance-fixed.txt";
const SHOWN_COMMAND: &str = "$ (cd go && go run ./ch04-03-fault-tolerance-fixed)";

/// The page: the twin's output it shows is what the twin prints now, but
/// for the numbers after a `~`. `UPDATE_OUTPUTS=1` rewrites the file.
fn shown_output_is_current(stdout: &str) -> Check {
    let path = crate::support::repo_root().join(SHOWN);
    let fresh = format!("{SHOWN_COMMAND}\n{stdout}");
    let shown = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        // Rewritten only when more than the varying numbers changed, so
        // regenerating twice leaves no diff (as in tests/outputs.rs).
        if crate::tilde::mask(&shown) != crate::tilde::mask(&fresh) {
            std::fs::write(&path, &fresh).map_err(|e| format!("write {SHOWN}: {e}"))?;
        }
        return Ok(());
    }
    claim!(
        crate::tilde::mask(&shown) == crate::tilde::mask(&fresh),
        "{SHOWN} is stale (regenerate with \
         `UPDATE_OUTPUTS=1 cargo test --test go -- ch04_03_fixed`); the twin printed:\n{stdout}"
    );
    Ok(())
}

/// The page: the breakers sit behind a mutex, the budget and the counts
/// are atomics, each request owns its generator and each step its results
/// until every goroutine is waited for, so the race detector is silent (on
/// a light run: under `-race` the full one needs more CPU than a shared
/// machine gives it); a flag out of range ends the program with a message
/// and exit status 2, before any server starts, and so does an unknown one.
fn the_fixed_twin_is_race_free_and_refuses_bad_flags(go: &Go) -> Check {
    let _turn = one_at_a_time();
    let listing = go.listing(FIXED);
    let race = listing.race_clean(&["-requests", "40", "-rate", "100"])?;
    steps(&race)?;
    let want = format!("servers shut down: {n} of {n}", n = SERVERS * LABELS.len());
    claim!(
        race.lines().last() == Some(&want.as_str()),
        "under -race the last line should be {want:?}:\n{}",
        race.stdout
    );
    for (args, says) in [
        (&["-flaky", "2"][..], "-flaky and -stalls between 0 and 1"),
        (&["-requests", "0"][..], "1 <= -requests <= 10000"),
        (
            &["-retries", "9"][..],
            "flag provided but not defined: -retries",
        ),
    ] {
        let bad = run_built(&listing, args);
        claim!(
            bad.code == Some(2) && bad.stdout.is_empty() && bad.stderr.contains(says),
            "{args:?} should be refused with exit status 2 and {says:?}; got {:?}:\n{}",
            bad.code,
            bad.all()
        );
    }
    Ok(())
}
