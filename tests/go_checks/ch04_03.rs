//! Claims of section 4.3 (fault tolerance) about the source's program
//! (go/ch04-03-fault-tolerance) and its seeded twin
//! (go/ch04-03-fault-tolerance-seeded).
//!
//! The program is seeded from the clock, so its claims are the kind that
//! hold in every run: line counts, a total that matches its lines, one try
//! per request. The two statistical claims are made so that chance cannot
//! break them in practice. With 100 requests, each failing with
//! probability 1/3, the total is Binomial(100, 1/3): ten runs all giving
//! the same total has a probability of about 7e-11, and a run outside
//! 10..=60 about 2.5e-8 (sums over the binomial's probabilities).
//! The twin's output is fixed by its seed and shown by the page.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Listing, Run, repo_root};
use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

const PORT: &str = "ch04-03-fault-tolerance";
const SEEDED: &str = "ch04-03-fault-tolerance-seeded";

/// How many times the statistical claims run the program.
const RUNS: usize = 10;

/// The band every run's total must fall in (the mean is 33.3).
const BAND: std::ops::RangeInclusive<usize> = 10..=60;

pub fn checks() -> Checks {
    vec![
        (
            "it_builds_gofmt_is_clean_and_vet_is_silent_about_rand_seed",
            it_builds_gofmt_is_clean_and_vet_is_silent_about_rand_seed,
        ),
        (
            "it_prints_100_lines_and_a_total_equal_to_its_failed_lines",
            it_prints_100_lines_and_a_total_equal_to_its_failed_lines,
        ),
        (
            "the_total_varies_from_run_to_run_and_stays_near_a_third",
            the_total_varies_from_run_to_run_and_stays_near_a_third,
        ),
        (
            "every_request_is_tried_once_and_a_failure_is_never_retried",
            every_request_is_tried_once_and_a_failure_is_never_retried,
        ),
        (
            "a_typo_in_the_failing_name_makes_every_request_succeed",
            a_typo_in_the_failing_name_makes_every_request_succeed,
        ),
        (
            "the_seeded_twin_prints_what_the_page_shows",
            the_seeded_twin_prints_what_the_page_shows,
        ),
    ]
}

fn exec(mut c: Command) -> Run {
    let start = Instant::now();
    let out = c.output().expect("start a command");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        success: out.status.success(),
        code: out.status.code(),
        elapsed: start.elapsed(),
    }
}

/// Builds a listing once, so the claims can run its binary many times.
fn built(go: &Go, name: &str) -> Result<Listing, String> {
    let listing = go.listing(name);
    let build = listing.build();
    claim!(build.success, "go/{name} does not build:\n{}", build.all());
    Ok(listing)
}

/// Runs the binary `go build` left in the listing's directory.
fn run_built(listing: &Listing, args: &[&str]) -> Run {
    let mut c = Command::new(listing.path().join("listing"));
    c.args(args).current_dir(listing.path());
    exec(c)
}

fn source(name: &str) -> Result<String, String> {
    let path = repo_root().join("go").join(name).join("main.go");
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// One line of the program's output.
#[derive(Debug, PartialEq)]
struct Line {
    id: usize,
    server: String,
    failed: bool,
}

/// What one run printed: its request lines, and the total it reported.
#[derive(Debug)]
struct Printed {
    lines: Vec<Line>,
    total: usize,
}

/// Parses `request 7 sent to server1` / `request 8 failed on server2`
/// lines, then `requests failed: N of 100`; anything else is an error.
fn parse(run: &Run) -> Result<Printed, String> {
    claim!(
        run.success && run.stderr.is_empty(),
        "it failed or wrote to stderr:\n{}",
        run.all()
    );
    let all = run.lines();
    let (last, body) = all.split_last().ok_or("it printed nothing")?;
    let total = last
        .strip_prefix("requests failed: ")
        .and_then(|rest| rest.strip_suffix(" of 100"))
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("the last line is not the total: {last:?}"))?;
    let lines = body
        .iter()
        .map(|line| {
            let bad = || format!("not a request line: {line:?}");
            let rest = line.strip_prefix("request ").ok_or_else(bad)?;
            let (id, rest) = rest.split_once(' ').ok_or_else(bad)?;
            let (failed, server) = match rest.split_once(" on ") {
                Some(("failed", server)) => (true, server),
                _ => (false, rest.strip_prefix("sent to ").ok_or_else(bad)?),
            };
            claim!(
                ["server1", "server2", "server3"].contains(&server),
                "no such server in {line:?}"
            );
            Ok(Line {
                id: id.parse().map_err(|_| bad())?,
                server: server.to_string(),
                failed,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Printed { lines, total })
}

/// The page: the listing builds, gofmt has nothing to change in it or in
/// its twin, and `go vet` says nothing at all, although it calls the
/// deprecated `rand.Seed` (as the source does): a deprecation is a
/// linter's finding (staticcheck's SA1019), not vet's. It links no `net`
/// package, so the failure can only be the name test the page shows.
fn it_builds_gofmt_is_clean_and_vet_is_silent_about_rand_seed(go: &Go) -> Check {
    built(go, PORT)?;
    let unformatted: Vec<String> = go
        .gofmt_list()?
        .into_iter()
        .filter(|f| [PORT, SEEDED].iter().any(|d| f.contains(&format!("/{d}/"))))
        .collect();
    claim!(
        unformatted.is_empty(),
        "gofmt would reformat {unformatted:?}"
    );
    for name in [PORT, SEEDED] {
        let vet = go.listing(name).vet();
        claim!(
            vet.success && vet.all().trim().is_empty(),
            "go vet should be silent about go/{name}:\n{}",
            vet.all()
        );
    }
    // Nothing is sent: the program links no network package at all.
    let deps = go.listing(PORT);
    let mut list = Command::new(&go.bin);
    list.args(["list", "-deps", "."])
        .current_dir(deps.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOWORK", "off");
    let list = exec(list);
    claim!(list.success, "go list -deps go/{PORT}:\n{}", list.all());
    let net: Vec<&str> = list
        .lines()
        .into_iter()
        .filter(|p| *p == "net" || p.starts_with("net/"))
        .collect();
    claim!(
        list.lines().contains(&"math/rand") && net.is_empty(),
        "go/{PORT} should depend on math/rand and on no net package: {net:?}"
    );
    let text = source(PORT)?;
    claim!(
        text.contains("rand.Seed(time.Now().UnixNano())"),
        "go/{PORT} should seed from the clock with rand.Seed, as the source does"
    );
    claim!(
        text.contains("if target == \"server2\""),
        "go/{PORT} should decide a failure by comparing the name with \"server2\""
    );
    Ok(())
}

/// The page: a run prints exactly 100 request lines and then the total,
/// and the total is the number of lines that say "failed".
fn it_prints_100_lines_and_a_total_equal_to_its_failed_lines(go: &Go) -> Check {
    let listing = built(go, PORT)?;
    let printed = parse(&run_built(&listing, &[]))?;
    claim!(
        printed.lines.len() == 100,
        "expected 100 request lines, got {}",
        printed.lines.len()
    );
    let failed = printed.lines.iter().filter(|l| l.failed).count();
    claim!(
        printed.total == failed,
        "the total says {} but {failed} lines say failed",
        printed.total
    );
    Ok(())
}

/// The page: the totals differ between runs (the clock seeds each one),
/// and every one sits near a third of the hundred.
fn the_total_varies_from_run_to_run_and_stays_near_a_third(go: &Go) -> Check {
    let listing = built(go, PORT)?;
    let mut totals = Vec::new();
    let mut outputs = BTreeSet::new();
    for _ in 0..RUNS {
        let run = run_built(&listing, &[]);
        totals.push(parse(&run)?.total);
        outputs.insert(run.stdout);
    }
    claim!(
        outputs.len() == RUNS,
        "{RUNS} clock-seeded runs printed only {} different outputs",
        outputs.len()
    );
    let distinct: BTreeSet<usize> = totals.iter().copied().collect();
    claim!(
        distinct.len() >= 2,
        "{RUNS} runs all reported the same total: {totals:?}"
    );
    claim!(
        totals.iter().all(|t| BAND.contains(t)),
        "a total fell outside {BAND:?}: {totals:?}"
    );
    Ok(())
}

/// The page: nothing retries, fails over or recovers. Over several runs,
/// request ids run 1 to 100, each exactly once and in order; a line says
/// "failed" exactly when it names server2, and the line after a failure
/// is the next request (or the total), never the same request again.
fn every_request_is_tried_once_and_a_failure_is_never_retried(go: &Go) -> Check {
    let listing = built(go, PORT)?;
    for run_no in 1..=3 {
        let printed = parse(&run_built(&listing, &[]))?;
        let ids: Vec<usize> = printed.lines.iter().map(|l| l.id).collect();
        claim!(
            ids == (1..=100).collect::<Vec<_>>(),
            "run {run_no}: the ids are not 1 to 100, once each: {ids:?}"
        );
        for line in &printed.lines {
            claim!(
                line.failed == (line.server == "server2"),
                "run {run_no}: {line:?} failed without server2, or the reverse"
            );
        }
        // After the last request comes the total: the ids above are 1 to
        // 100 once each, so the last one was not tried again either.
        for pair in printed.lines.windows(2) {
            let (this, next) = (&pair[0], &pair[1]);
            claim!(
                !this.failed || next.id == this.id + 1,
                "run {run_no}: failed request {} is followed by {next:?}",
                this.id
            );
        }
    }
    Ok(())
}

/// The page: the fault is a string comparison, so a typo in the name
/// (`"Server2"`) turns it off without a word: the copy builds, vet is
/// silent, and every request is "sent".
fn a_typo_in_the_failing_name_makes_every_request_succeed(go: &Go) -> Check {
    let listing = go.listing(PORT);
    let main = listing.path().join("main.go");
    let text = std::fs::read_to_string(&main).map_err(|e| e.to_string())?;
    let test = "if target == \"server2\"";
    claim!(text.contains(test), "go/{PORT} has no `{test}`");
    let typo = text.replace(test, "if target == \"Server2\"");
    std::fs::write(&main, typo).map_err(|e| e.to_string())?;
    let build = listing.build();
    claim!(build.success, "the copy does not build:\n{}", build.all());
    listing.vet_clean()?;
    let printed = parse(&run_built(&listing, &[]))?;
    claim!(
        printed.total == 0 && printed.lines.iter().all(|l| !l.failed),
        "with the typo, {} requests still failed",
        printed.total
    );
    claim!(
        printed.lines.iter().any(|l| l.server == "server2"),
        "no request went to server2 at all (a chance of about 2.5e-18)"
    );
    Ok(())
}

/// The twin's output as the page shows it.
const SHOWN: &str = "chapters/outputs/go/ch04-03-fault-tolerance-seeded.txt";
/// The command the page says produced it (the file's first line).
const SHOWN_COMMAND: &str = "$ (cd go && go run ./ch04-03-fault-tolerance-seeded)";

/// The page: the twin, seeded with 1, loses 35 of its 100 requests, and
/// over 1000 seeds about a third of all requests (the numbers are in the
/// shown file, which is what the twin prints now; `UPDATE_OUTPUTS=1`
/// rewrites it). Its own counts agree with each other, two runs print the
/// same, and `-runs 0` is refused with exit status 2.
fn the_seeded_twin_prints_what_the_page_shows(go: &Go) -> Check {
    let listing = built(go, SEEDED)?;
    let run = run_built(&listing, &[]);
    claim!(
        run.success && run.stderr.is_empty(),
        "the twin failed or wrote to stderr:\n{}",
        run.all()
    );
    claim!(
        run_built(&listing, &[]).stdout == run.stdout,
        "two runs of the seeded twin differ"
    );
    let lines = run.lines();
    let count = |name: &str| -> Option<usize> {
        let line = lines.iter().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    let (s1, s2, s3) = (count("server1 "), count("server2 "), count("server3 "));
    let failed = lines
        .iter()
        .find_map(|l| l.strip_prefix("requests failed: ")?.strip_suffix(" of 100"))
        .and_then(|n| n.parse::<usize>().ok());
    claim!(
        matches!((s1, s2, s3), (Some(a), Some(b), Some(c)) if a + b + c == 100)
            && failed == s2,
        "the twin's counts do not add up (server2 {s2:?}, failed {failed:?}):\n{}",
        run.stdout
    );
    let share = lines
        .iter()
        .find_map(|l| l.split_once('(')?.1.split_once("%)"))
        .and_then(|(pct, _)| pct.parse::<f64>().ok());
    claim!(
        share.is_some_and(|p| (31.0..36.0).contains(&p)),
        "over many seeds about a third should fail, got {share:?}:\n{}",
        run.stdout
    );
    let bad = run_built(&listing, &["-runs", "0"]);
    claim!(
        bad.code == Some(2) && bad.stdout.is_empty() && bad.stderr.contains("-runs"),
        "-runs 0 should be refused with exit status 2; got {:?}:\n{}",
        bad.code,
        bad.all()
    );
    claim!(
        run.elapsed < Duration::from_secs(5),
        "the twin took {:?}",
        run.elapsed
    );
    shown_output_is_current(&run.stdout)
}

fn shown_output_is_current(stdout: &str) -> Check {
    let path = repo_root().join(SHOWN);
    let fresh = format!("{SHOWN_COMMAND}\n{stdout}");
    let shown = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        if crate::tilde::mask(&shown) != crate::tilde::mask(&fresh) {
            std::fs::write(&path, &fresh).map_err(|e| format!("write {SHOWN}: {e}"))?;
        }
        return Ok(());
    }
    claim!(
        crate::tilde::mask(&shown) == crate::tilde::mask(&fresh),
        "{SHOWN} is stale (regenerate with \
         `UPDATE_OUTPUTS=1 cargo test --test go -- ch04_03`); the twin printed:\n{stdout}"
    );
    Ok(())
}
