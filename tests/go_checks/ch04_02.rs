//! Claims of section 4.2 (load balancing) about the source's program
//! (go/ch04-02-load-balancing), the same program without its deprecated
//! `rand.Seed` call (go/ch04-02-load-balancing-unseeded) and the Go twin of
//! the repaired balancer (go/ch04-02-load-balancing-fixed).
//!
//! Claims about random picks are the kind that hold in every run (a sum, a
//! pigeonhole floor, two runs from random seeds differing), never a count
//! seen once. The twin's claims are orderings with wide margins: in its
//! default run the slow server's share under random is about two and a half
//! times its share under two choices, and random's p99 is over ten times
//! two choices', so a busy machine does not make them flaky.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Listing, Run};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

const PORT: &str = "ch04-02-load-balancing";
const UNSEEDED: &str = "ch04-02-load-balancing-unseeded";
const FIXED: &str = "ch04-02-load-balancing-fixed";

/// How many times the count claims run the listing.
const RUNS: usize = 20;

pub fn checks() -> Checks {
    vec![
        (
            "go_doc_says_seed_is_deprecated_since_go_1_20",
            go_doc_says_seed_is_deprecated_since_go_1_20,
        ),
        (
            "without_seed_runs_differ_and_randautoseed_0_makes_them_equal",
            without_seed_runs_differ_and_randautoseed_0_makes_them_equal,
        ),
        (
            "the_port_imports_no_net_and_only_prints_100_picks",
            the_port_imports_no_net_and_only_prints_100_picks,
        ),
        (
            "in_every_run_the_counts_sum_to_100_and_the_max_is_at_least_34",
            in_every_run_the_counts_sum_to_100_and_the_max_is_at_least_34,
        ),
        (
            "the_go_twin_answers_all_and_two_choices_spares_the_slow_server",
            the_go_twin_answers_all_and_two_choices_spares_the_slow_server,
        ),
        (
            "the_go_twin_is_race_free_and_refuses_bad_flags",
            the_go_twin_is_race_free_and_refuses_bad_flags,
        ),
    ]
}

/// A `go` command run in the listing's scratch module, off the network.
fn go_in(go: &Go, listing: &Listing, args: &[&str]) -> Run {
    let mut c = Command::new(&go.bin);
    c.args(args)
        .current_dir(listing.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off");
    exec(c)
}

/// Runs the binary `go build` left in the listing's directory, with
/// `GODEBUG` set to `godebug` (or removed, for the default behaviour).
fn run_built(listing: &Listing, args: &[&str], godebug: Option<&str>) -> Run {
    let mut c = Command::new(listing.path().join("listing"));
    c.args(args).current_dir(listing.path());
    match godebug {
        Some(v) => c.env("GODEBUG", v),
        None => c.env_remove("GODEBUG"),
    };
    exec(c)
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

/// Builds a listing, or says why it did not build.
fn built(go: &Go, name: &str) -> Result<Listing, String> {
    let listing = go.listing(name);
    let build = listing.build();
    claim!(build.success, "go/{name} does not build:\n{}", build.all());
    Ok(listing)
}

fn source(name: &str) -> Result<String, String> {
    let path = crate::support::repo_root()
        .join("go")
        .join(name)
        .join("main.go");
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Requests per server name, from "request sent to <server>" lines; any
/// other line is an error.
fn counts(run: &Run) -> Result<BTreeMap<String, usize>, String> {
    let mut seen = BTreeMap::new();
    for line in run.lines() {
        let server = line
            .strip_prefix("request sent to ")
            .filter(|s| ["server1", "server2", "server3"].contains(s))
            .ok_or_else(|| format!("not a `request sent to serverK` line: {line:?}"))?;
        *seen.entry(server.to_string()).or_default() += 1;
    }
    Ok(seen)
}

/// The page: `rand.Seed` is deprecated, in the words of Go's own
/// documentation, which also names the way back to the old fixed seed.
/// The source's program calls it; the unseeded variant does not.
fn go_doc_says_seed_is_deprecated_since_go_1_20(go: &Go) -> Check {
    let listing = go.listing(PORT);
    let doc = go_in(go, &listing, &["doc", "math/rand.Seed"]);
    claim!(doc.success, "go doc math/rand.Seed failed:\n{}", doc.all());
    for words in [
        "Deprecated: As of Go 1.20 there is no reason to call Seed with a random",
        "If Seed is not called, the generator is seeded randomly at program startup.",
        "GODEBUG=randautoseed=0",
        "New(NewSource(seed))",
    ] {
        claim!(
            doc.stdout.contains(words),
            "go doc math/rand.Seed no longer says {words:?}:\n{}",
            doc.stdout
        );
    }
    claim!(
        source(PORT)?.contains("rand.Seed(time.Now().UnixNano())"),
        "go/{PORT} should call rand.Seed with the clock, as the source does"
    );
    claim!(
        !source(UNSEEDED)?.contains("rand.Seed("),
        "go/{UNSEEDED} should not call rand.Seed"
    );
    Ok(())
}

/// The page: since Go 1.20 a program that never calls Seed gets a random
/// seed at start-up, so two runs differ (the chance that 100 picks from
/// three agree by luck is 3^-100); `GODEBUG=randautoseed=0` restores the
/// old fixed seed and two runs print the same picks. The setting does not
/// tame the source's program, which reseeds from the clock (until Go 1.24,
/// where a top-level Seed call does nothing by default).
fn without_seed_runs_differ_and_randautoseed_0_makes_them_equal(go: &Go) -> Check {
    let unseeded = built(go, UNSEEDED)?;
    let a = run_built(&unseeded, &[], None);
    let b = run_built(&unseeded, &[], None);
    claim!(a.success && b.success, "it failed:\n{}{}", a.all(), b.all());
    counts(&a)?;
    claim!(
        a.stdout != b.stdout,
        "two runs without Seed printed the same 100 picks:\n{}",
        a.stdout
    );
    let fixed_a = run_built(&unseeded, &[], Some("randautoseed=0"));
    let fixed_b = run_built(&unseeded, &[], Some("randautoseed=0"));
    claim!(
        fixed_a.success && fixed_a.stderr.is_empty(),
        "under GODEBUG=randautoseed=0 it failed or complained:\n{}",
        fixed_a.all()
    );
    claim!(
        fixed_a.stdout == fixed_b.stdout,
        "GODEBUG=randautoseed=0 should make two runs identical:\n{}\n---\n{}",
        fixed_a.stdout,
        fixed_b.stdout
    );
    if go.version < (1, 24) {
        let port = built(go, PORT)?;
        let c = run_built(&port, &[], Some("randautoseed=0"));
        let d = run_built(&port, &[], Some("randautoseed=0"));
        claim!(
            c.stdout != d.stdout,
            "the clock-seeded listing should still differ run to run under \
             GODEBUG=randautoseed=0 (go{}.{})",
            go.version.0,
            go.version.1
        );
    }
    Ok(())
}

/// The page: nothing is sent or measured. The program links no network
/// package at all (while the twin, as a control, does), and all it prints
/// is 100 lines naming a server.
fn the_port_imports_no_net_and_only_prints_100_picks(go: &Go) -> Check {
    let deps = |name: &str| -> Result<Vec<String>, String> {
        let listing = go.listing(name);
        let list = go_in(go, &listing, &["list", "-deps", "."]);
        claim!(list.success, "go list -deps go/{name}:\n{}", list.all());
        Ok(list.lines().iter().map(|l| l.to_string()).collect())
    };
    let is_net = |p: &String| p == "net" || p.starts_with("net/");
    let port = deps(PORT)?;
    claim!(
        port.iter().any(|p| p == "math/rand"),
        "go list -deps of go/{PORT} does not show math/rand: {port:?}"
    );
    let net: Vec<&String> = port.iter().filter(|p| is_net(p)).collect();
    claim!(net.is_empty(), "go/{PORT} depends on {net:?}");
    let twin = deps(FIXED)?;
    claim!(
        twin.iter().any(|p| p == "net/http"),
        "the control failed: go list -deps of go/{FIXED} shows no net/http"
    );
    let run = go.listing(PORT).run(&[]);
    claim!(
        run.success && run.stderr.is_empty(),
        "it failed or wrote to stderr:\n{}",
        run.all()
    );
    let seen = counts(&run)?;
    claim!(
        run.lines().len() == 100,
        "expected exactly 100 lines, got {}:\n{}",
        run.lines().len(),
        run.stdout
    );
    claim!(!seen.is_empty(), "no picks at all");
    Ok(())
}

/// The page: whatever the seed, 100 requests over three servers sum to 100
/// and the busiest server gets at least ⌈100/3⌉ = 34 (the pigeonhole
/// floor): an even split is impossible, so some server is always above the
/// mean of 33.3. The runs also differ from each other (they are seeded from
/// the clock).
fn in_every_run_the_counts_sum_to_100_and_the_max_is_at_least_34(go: &Go) -> Check {
    let port = built(go, PORT)?;
    let mut outputs = std::collections::BTreeSet::new();
    for run_no in 1..=RUNS {
        let run = run_built(&port, &[], None);
        claim!(run.success, "run {run_no} failed:\n{}", run.all());
        let seen = counts(&run)?;
        let total: usize = seen.values().sum();
        let max = seen.values().copied().max().unwrap_or(0);
        claim!(total == 100, "run {run_no}: counts {seen:?} sum to {total}");
        let floor = 100_usize.div_ceil(3);
        claim!(
            max >= floor,
            "run {run_no}: the busiest server got {max} < {floor}: {seen:?}"
        );
        outputs.insert(run.stdout);
    }
    claim!(
        outputs.len() > 1,
        "{RUNS} clock-seeded runs all printed the same picks"
    );
    Ok(())
}

/// One policy's line of the twin's output.
#[derive(Debug)]
struct Policy {
    answered: usize,
    sent: usize,
    per_server: Vec<usize>,
    p50: f64,
    p99: f64,
}

/// Parses `random      answered 800/800  per server [210 192 190 208]
/// p50 ~6.6ms  p99 ~502.6ms` (a `~` marks a value that varies).
fn policy(run: &Run, name: &str) -> Result<Policy, String> {
    let line = run
        .lines()
        .into_iter()
        .find(|l| l.split_whitespace().next() == Some(name))
        .ok_or_else(|| format!("no `{name}` line:\n{}", run.stdout))?;
    let bad = || format!("cannot parse {line:?}");
    let after = |key: &str| -> Result<&str, String> {
        Ok(line.split_once(key).ok_or_else(bad)?.1.trim_start())
    };
    let (answered, sent) = after("answered ")?
        .split_whitespace()
        .next()
        .and_then(|w| w.split_once('/'))
        .ok_or_else(bad)?;
    let servers = after("per server [")?.split_once(']').ok_or_else(bad)?.0;
    let ms = |key: &str| -> Result<f64, String> {
        let word = after(key)?.split_whitespace().next().ok_or_else(bad)?;
        word.trim_start_matches('~')
            .strip_suffix("ms")
            .ok_or_else(bad)?
            .parse()
            .map_err(|_| bad())
    };
    Ok(Policy {
        answered: answered.parse().map_err(|_| bad())?,
        sent: sent.parse().map_err(|_| bad())?,
        per_server: servers
            .split_whitespace()
            .map(|n| n.trim_start_matches('~').parse().map_err(|_| bad()))
            .collect::<Result<_, _>>()?,
        p50: ms("p50 ")?,
        p99: ms("p99 ")?,
    })
}

/// The page: the twin's default run (4 backends, the last 4x slower, 800
/// requests a policy at 65% of capacity) answers every request under both
/// policies; two choices sends the slow backend far fewer requests than
/// random does (at most 3/4 as many; about 85 against 208 here) and has
/// the lower p99; and every backend is shut down (each Serve returned
/// http.ErrServerClosed) before the program exits, well within 10 s.
fn the_go_twin_answers_all_and_two_choices_spares_the_slow_server(go: &Go) -> Check {
    let listing = go.listing(FIXED);
    listing.vet_clean()?;
    let run = listing.run(&[]);
    claim!(
        run.success && run.stderr.is_empty(),
        "it failed or wrote to stderr:\n{}",
        run.all()
    );
    let random = policy(&run, "random")?;
    let two = policy(&run, "two-choices")?;
    for (name, p) in [("random", &random), ("two-choices", &two)] {
        claim!(
            p.per_server.len() == 4 && p.per_server.iter().sum::<usize>() == p.sent,
            "{name}: the per-server counts {:?} should be 4 and sum to {}",
            p.per_server,
            p.sent
        );
        claim!(
            p.sent == 800 && p.answered == p.sent,
            "{name}: answered {} of {} (800 expected)",
            p.answered,
            p.sent
        );
        let ordered = p.p50 > 0.0 && p.p50 <= p.p99;
        claim!(
            ordered,
            "{name}: p50 {} and p99 {} are out of order",
            p.p50,
            p.p99
        );
    }
    let (slow_random, slow_two) = (random.per_server[3], two.per_server[3]);
    claim!(
        4 * slow_two <= 3 * slow_random,
        "two choices sent the slow backend {slow_two}, random {slow_random}: \
         expected at most 3/4 as many:\n{}",
        run.stdout
    );
    let lower_tail = two.p99 < random.p99;
    claim!(
        lower_tail,
        "p99 under two choices ({} ms) should be below random's ({} ms):\n{}",
        two.p99,
        random.p99,
        run.stdout
    );
    claim!(
        run.lines().last() == Some(&"backends shut down: 4 of 4"),
        "the last line should say all four backends shut down:\n{}",
        run.stdout
    );
    claim!(
        run.elapsed < Duration::from_secs(10),
        "the run took {:?}; it should end within seconds",
        run.elapsed
    );
    shown_output_is_current(&run.stdout)
}

/// The twin's output as the page shows it.
const SHOWN: &str = "chapters/outputs/go/ch04-02-load-balancing-fixed.txt";
/// The command the page says produced it (the file's first line).
const SHOWN_COMMAND: &str = "$ (cd go && go run ./ch04-02-load-balancing-fixed)";

/// The page: the twin's output it shows is what the twin prints now, but
/// for the numbers after a `~`. `UPDATE_OUTPUTS=1` rewrites the file.
fn shown_output_is_current(stdout: &str) -> Check {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SHOWN);
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
         `UPDATE_OUTPUTS=1 cargo test --test go -- ch04_02`); the twin printed:\n{stdout}"
    );
    Ok(())
}

/// The page: the counts the balancer reads are atomics, the generator is
/// owned by the dispatch loop and the results are under a mutex, so the
/// race detector is silent; a flag out of range ends the program with a
/// message and exit status 2, before any backend starts.
fn the_go_twin_is_race_free_and_refuses_bad_flags(go: &Go) -> Check {
    let listing = go.listing(FIXED);
    let race = listing.race_clean(&["-requests", "300"])?;
    for name in ["random", "two-choices"] {
        let p = policy(&race, name)?;
        claim!(
            p.answered == 300 && p.sent == 300,
            "under -race {name} answered {} of {}:\n{}",
            p.answered,
            p.sent,
            race.stdout
        );
    }
    let bad = run_built(&listing, &["-servers", "1"], None);
    claim!(
        bad.code == Some(2)
            && bad.stdout.is_empty()
            && bad.stderr.contains("-servers >= 2"),
        "-servers 1 should be refused with exit status 2; got {:?}:\n{}",
        bad.code,
        bad.all()
    );
    Ok(())
}
