//! Claims of section 4.4 (chapters/ch04-04-consistency.md) about the
//! source's three nodes: as the source has them
//! (go/ch04-04-consistency/testdata/main.go, which does not compile), with
//! the missing import added (go/ch04-04-consistency) and repaired
//! (go/ch04-04-consistency-fixed).
//!
//! The claims that hold in every run are checked as such: what the program
//! prints under each loop-variable semantics (the order of its lines varies,
//! so it is compared as a set), that the race detector fires, that three
//! node goroutines are still running when the program is stopped. Times are
//! a lower bound that follows from the program (main sleeps for `-for`) or
//! generous upper bounds.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Run, repo_root};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PORT: &str = "ch04-04-consistency";
const FIXED: &str = "ch04-04-consistency-fixed";

/// The program as the source has it, and the shown result of building it.
const AS_WRITTEN: &str = "ch04-04-consistency/testdata";
const SHOWN_AS_WRITTEN: &str = "chapters/outputs/go/ch04-04-consistency-as-written.txt";
const AS_WRITTEN_COMMAND: &str =
    "$ (cd go/ch04-04-consistency/testdata && go run main.go)";

/// What the program with its import prints under the module's `go 1.23`
/// (nothing), and under `go 1.21`.
const SHOWN_PORT: &str = "chapters/outputs/go/ch04-04-consistency.txt";
const PORT_COMMAND: &str = "$ (cd go && go run ./ch04-04-consistency)";
const SHOWN_GO_1_21: &str = "chapters/outputs/go/ch04-04-consistency-go1.21.txt";
/// What the check really runs, in a copy of go/ch04-04-consistency/ whose
/// go.mod says go 1.21.
const GO_1_21_COMMAND: &str =
    "$ go build -o listing . && ./listing -for 200ms   # go.mod says go 1.21";

const SHOWN_FIXED: &str = "chapters/outputs/go/ch04-04-consistency-fixed.txt";
const FIXED_COMMAND: &str = "$ (cd go && go run ./ch04-04-consistency-fixed)";
/// The Rust fixed version's shown output, which the twin's must match.
const RUST_FIXED: &str = "chapters/outputs/ch04-04-fixed.txt";

pub fn checks() -> Checks {
    vec![
        (
            "as_written_it_does_not_compile_undefined_sync",
            as_written_it_does_not_compile_undefined_sync,
        ),
        (
            "as_written_differs_from_the_listing_only_by_the_import",
            as_written_differs_from_the_listing_only_by_the_import,
        ),
        (
            "the_go_tool_skips_the_as_written_copy",
            the_go_tool_skips_the_as_written_copy,
        ),
        (
            "vet_reports_the_captured_loop_variable_under_go_1_21",
            vet_reports_the_captured_loop_variable_under_go_1_21,
        ),
        (
            "under_go_1_21_race_reports_and_every_node_is_set_to_4",
            under_go_1_21_race_reports_and_every_node_is_set_to_4,
        ),
        (
            "under_go_1_22_nothing_is_printed",
            under_go_1_22_nothing_is_printed,
        ),
        (
            "the_loops_never_end_and_main_s_return_stops_them",
            the_loops_never_end_and_main_s_return_stops_them,
        ),
        ("the_nodes_never_talk", the_nodes_never_talk),
        (
            "without_its_locks_the_program_is_still_race_free",
            without_its_locks_the_program_is_still_race_free,
        ),
        (
            "the_fixed_twin_prints_what_the_page_and_the_rust_show",
            the_fixed_twin_prints_what_the_page_and_the_rust_show,
        ),
        (
            "the_fixed_twin_stops_at_once_is_race_free_and_refuses_bad_flags",
            the_fixed_twin_stops_at_once_is_race_free_and_refuses_bad_flags,
        ),
    ]
}

fn exec(c: &mut Command) -> Run {
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

/// A `go` command run in `dir` of this repository, off the network.
fn go_in_repo(go: &Go, dir: &str, args: &[&str]) -> Run {
    let mut c = Command::new(&go.bin);
    c.args(args)
        .current_dir(repo_root().join(dir))
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off");
    exec(&mut c)
}

fn source(path: &str) -> Result<String, String> {
    let path = repo_root().join("go").join(path);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

/// A run as a shown output renders it (as tests/outputs.rs does): stdout,
/// stderr, then `[exit status: N]` when it failed.
fn render(run: &Run) -> String {
    let mut text = format!("{}{}", run.stdout, run.stderr);
    if !run.success {
        let code = run.code.map_or("signal".to_string(), |c| c.to_string());
        text.push_str(&format!("[exit status: {code}]\n"));
    }
    text
}

/// The shown file `shown` is `command` followed by `body`, compared by
/// `same` (the `~` mask, or the lines as a set). `UPDATE_OUTPUTS=1`
/// rewrites it, only when `same` says it differs, so regenerating twice
/// leaves no diff.
fn shown_is_current(
    shown: &str,
    command: &str,
    body: &str,
    same: fn(&str, &str) -> bool,
) -> Check {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(shown);
    let fresh = format!("{command}\n{body}");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        if !same(&committed, &fresh) {
            std::fs::write(&path, &fresh).map_err(|e| format!("write {shown}: {e}"))?;
        }
        return Ok(());
    }
    claim!(
        same(&committed, &fresh),
        "{shown} is stale (regenerate with \
         `UPDATE_OUTPUTS=1 cargo test --test go -- ch04_04`); the program printed:\n{body}"
    );
    Ok(())
}

fn masked_equal(a: &str, b: &str) -> bool {
    crate::tilde::mask(a) == crate::tilde::mask(b)
}

/// Equal as sets of lines, for output whose order the scheduler picks.
fn same_lines(a: &str, b: &str) -> bool {
    fn sorted(t: &str) -> Vec<&str> {
        let mut v: Vec<&str> = t.lines().collect();
        v.sort_unstable();
        v
    }
    sorted(a) == sorted(b)
}

/// The page: the source's program does not compile; the build says
/// `undefined: sync`, once, at the `sync.Mutex` field. The shown file is
/// what the command in its first line prints.
fn as_written_it_does_not_compile_undefined_sync(go: &Go) -> Check {
    let run = go_in_repo(go, "go/ch04-04-consistency/testdata", &["run", "main.go"]);
    claim!(
        !run.success && run.stdout.is_empty() && run.stderr.contains(": undefined: sync"),
        "go run main.go should fail with `undefined: sync`; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    claim!(
        run.stderr.matches("undefined:").count() == 1,
        "expected exactly one undefined name:\n{}",
        run.stderr
    );
    // Also in a scratch module, so the module's go.mod is not what fails.
    let build = go.listing(AS_WRITTEN).build();
    claim!(
        !build.success && build.stderr.contains("undefined: sync"),
        "in a scratch module it should fail the same way:\n{}",
        build.all()
    );
    shown_is_current(
        SHOWN_AS_WRITTEN,
        AS_WRITTEN_COMMAND,
        &render(&run),
        |a, b| a == b,
    )
}

/// The page shows the two files as one program with one line more: the
/// copy under testdata/ is the listing from `package main` on, without
/// the `"sync"` import line.
fn as_written_differs_from_the_listing_only_by_the_import(_go: &Go) -> Check {
    let from_package = |text: &str| -> String {
        text.split_once("package main\n")
            .map(|(_, rest)| rest.to_string())
            .unwrap_or_default()
    };
    let listing = from_package(&source("ch04-04-consistency/main.go")?);
    let written = from_package(&source("ch04-04-consistency/testdata/main.go")?);
    claim!(
        listing.contains("\n\t\"sync\"\n"),
        "go/{PORT}/main.go should import sync"
    );
    let expected = listing.replacen("\t\"sync\"\n", "", 1);
    claim!(
        written == expected,
        "go/{AS_WRITTEN}/main.go should be go/{PORT}/main.go without its sync import"
    );
    Ok(())
}

/// The page: the copy that does not compile lives in testdata/, which the
/// go tool's `./...` patterns skip, so the module's own `go vet ./...` and
/// `go build ./...` stay clean.
fn the_go_tool_skips_the_as_written_copy(go: &Go) -> Check {
    let vet = go_in_repo(go, "go", &["vet", "./ch04-04-consistency/..."]);
    claim!(
        vet.success,
        "go vet ./ch04-04-consistency/... failed:\n{}",
        vet.all()
    );
    let list = go_in_repo(go, "go", &["list", "./ch04-04-consistency/..."]);
    claim!(
        list.success && list.lines() == ["cookbook.example/go/ch04-04-consistency"],
        "./ch04-04-consistency/... should match only the listing:\n{}",
        list.all()
    );
    Ok(())
}

/// The page quotes vet's words under `go 1.21`; under the module's
/// version it is silent.
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
    go.listing(PORT).vet_clean()
}

fn updated_to_4() -> Vec<String> {
    (1..=3)
        .map(|id| format!("node {id} updated to 4"))
        .collect()
}

fn sorted_lines(run: &Run) -> Vec<String> {
    let mut v: Vec<String> = run.lines().iter().map(|l| l.to_string()).collect();
    v.sort();
    v
}

/// Whether every line is `node <id> updated to <v>` (id 1 to 3, v 1 to 4)
/// and each node's last line says 4. That holds whenever the loop has
/// finished before a goroutine's last round, however the first reads of
/// the shared `i` interleave with the loop's `i++`.
fn every_node_ends_at_4(run: &Run) -> bool {
    let mut last = [None; 3];
    for line in run.lines() {
        let parsed = line
            .strip_prefix("node ")
            .and_then(|rest| rest.split_once(" updated to "))
            .and_then(|(id, v)| {
                Some((id.parse::<usize>().ok()?, v.parse::<usize>().ok()?))
            });
        match parsed {
            Some((id @ 1..=3, v @ 1..=4)) => last[id - 1] = Some(v),
            _ => return false,
        }
    }
    last == [Some(4); 3]
}

/// How often a run may be repeated before the usual outcome must appear.
const ATTEMPTS: usize = 5;

/// The page: under `go 1.21` the goroutines share the loop's i. In
/// practice the loop has finished (i is 3) before any goroutine first reads
/// it, so every node is set to 4 and says so once (in an order that
/// varies). Nothing guarantees that timing, so each run is held only to
/// what does not depend on it (`every_node_ends_at_4`), and the usual
/// outcome must appear within `ATTEMPTS` runs. With `-race` the detector
/// reports the loop's write and a goroutine's read on every run, and the
/// program exits with status 66.
fn under_go_1_21_race_reports_and_every_node_is_set_to_4(go: &Go) -> Check {
    let listing = go.listing_as(PORT, "1.21");
    let mut usual = None;
    for _ in 0..ATTEMPTS {
        let run = listing.run(&["-for", "200ms"]);
        claim!(
            run.success && run.stderr.is_empty() && every_node_ends_at_4(&run),
            "under go 1.21 every node should end at 4; exit {:?}:\n{}",
            run.code,
            run.all()
        );
        if sorted_lines(&run) == updated_to_4() {
            usual = Some(run);
            break;
        }
    }
    let Some(run) = usual else {
        return Err(format!(
            "in {ATTEMPTS} go 1.21 runs, none had each node say `updated to 4` once"
        ));
    };
    let mut race_usual = false;
    for _ in 0..ATTEMPTS {
        let race = listing.run_race(&["-for", "200ms"]);
        claim!(
            race.code == Some(66)
                && race.stderr.contains("WARNING: DATA RACE")
                && every_node_ends_at_4(&race),
            "under go 1.21 -race should report a race, exit 66 and end every node at 4; \
             exit {:?}:\n{}",
            race.code,
            race.all()
        );
        if sorted_lines(&race) == updated_to_4() {
            race_usual = true;
            break;
        }
    }
    claim!(
        race_usual,
        "in {ATTEMPTS} runs with -race, no run printed the same three lines"
    );
    shown_is_current(SHOWN_GO_1_21, GO_1_21_COMMAND, &render(&run), same_lines)
}

/// The page: under `go 1.22` and later (the module says 1.23) each
/// goroutine has its own i, every node already holds i + 1, and the program
/// prints nothing at all; the race detector finds nothing.
fn under_go_1_22_nothing_is_printed(go: &Go) -> Check {
    let run = go.listing_as(PORT, "1.22").run(&["-for", "200ms"]);
    claim!(
        run.success && run.all().is_empty(),
        "under go 1.22 it should print nothing; exit {:?}:\n{}",
        run.code,
        run.all()
    );
    let listing = go.listing(PORT);
    listing.race_clean(&["-for", "200ms"])?;
    let run = listing.run(&[]);
    claim!(
        run.success && run.all().is_empty(),
        "under the module's version it should print nothing:\n{}",
        run.all()
    );
    shown_is_current(SHOWN_PORT, PORT_COMMAND, &render(&run), |a, b| a == b)
}

/// The page: the loops never end. Stopped with SIGQUIT while main still
/// sleeps, the runtime's goroutine dump shows all three node goroutines
/// alive; left alone, the process ends when main returns, after its sleep
/// (at least `-for`, and well before a second more).
fn the_loops_never_end_and_main_s_return_stops_them(go: &Go) -> Check {
    let listing = go.listing(PORT);
    let build = listing.build();
    claim!(build.success, "go/{PORT} does not build:\n{}", build.all());
    let bin = listing.path().join("listing");
    let child = Command::new(&bin)
        .args(["-for", "5s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start the listing: {e}"))?;
    std::thread::sleep(Duration::from_millis(500));
    let kill = Command::new("kill")
        .args(["-QUIT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    claim!(
        kill.is_ok_and(|s| s.success()),
        "could not send SIGQUIT to the listing"
    );
    let dump = String::from_utf8_lossy(&out.stderr);
    let alive = dump.matches("main.main.func1(").count();
    claim!(
        dump.contains("SIGQUIT: quit") && alive == 3 && out.status.code() == Some(2),
        "after 500ms the dump should show three node goroutines ({alive} seen), exit 2 ({:?}):\n{dump}",
        out.status.code()
    );
    let run_for = Duration::from_millis(300);
    let start = Instant::now();
    let run = exec(Command::new(&bin).args(["-for", "300ms"]));
    let took = start.elapsed();
    claim!(
        run.success && took >= run_for && took < run_for + Duration::from_secs(1),
        "with -for 300ms the process should end when main returns; it took {took:?}:\n{}",
        run.all()
    );
    Ok(())
}

/// The page: nothing in the program connects the nodes. `next` is declared
/// and never used, and each goroutine touches only the node it was given.
fn the_nodes_never_talk(_go: &Go) -> Check {
    let text = source("ch04-04-consistency/main.go")?;
    let code: Vec<&str> = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect();
    let uses = |word: &str| code.iter().filter(|l| l.contains(word)).count();
    claim!(
        uses("next") == 1 && uses("next  *Node") == 1,
        "`next` should appear once, as the field, in go/{PORT}/main.go"
    );
    let body: Vec<&&str> = code
        .iter()
        .skip_while(|l| !l.contains("go func(n *Node)"))
        .take_while(|l| !l.contains("}(nodes[i])"))
        .collect();
    claim!(
        !body.is_empty() && body.iter().all(|l| !l.contains("nodes")),
        "the goroutine should reach only its own node n, never the slice"
    );
    Ok(())
}

/// The page: each node is touched by one goroutine only, so its mutex is
/// never contended and guards nothing. A copy with every `Lock` and
/// `Unlock` deleted, and every node started at 0 so that each goroutine
/// really writes its node (once, to i + 1), still builds, vet is silent,
/// and the race detector finds nothing under the module's version (the
/// race under 1.21 is on i, which no node's lock covers anyway).
fn without_its_locks_the_program_is_still_race_free(go: &Go) -> Check {
    let text = source("ch04-04-consistency/main.go")?;
    let unlocked: String = text
        .lines()
        .filter(|l| !matches!(l.trim(), "n.mu.Lock()" | "n.mu.Unlock()"))
        .map(|l| format!("{l}\n"))
        .collect();
    claim!(
        text.lines().count() == unlocked.lines().count() + 2,
        "expected one Lock and one Unlock line in go/{PORT}/main.go"
    );
    let starts = [
        "{id: 1, value: 1}",
        "{id: 2, value: 2}",
        "{id: 3, value: 3}",
    ];
    claim!(
        starts.iter().all(|s| unlocked.matches(s).count() == 1),
        "expected the three nodes valued 1, 2 and 3 once in go/{PORT}/main.go"
    );
    // "{id: 1, value: 1}" becomes "{id: 1, value: 0}", and so on.
    let at_zero = starts.iter().fold(unlocked, |t, s| {
        t.replace(s, &format!("{}0}}", &s[..s.len() - 2]))
    });
    claim!(
        at_zero.contains("{id: 1, value: 0}, {id: 2, value: 0}, {id: 3, value: 0}"),
        "the copy should start every node at 0"
    );
    let listing = go.listing(PORT);
    std::fs::write(listing.path().join("main.go"), at_zero).map_err(|e| e.to_string())?;
    listing.vet_clean()?;
    let race = listing.race_clean(&["-for", "200ms"])?;
    let mut lines = race.lines();
    lines.sort_unstable();
    claim!(
        lines
            == [
                "node 1 updated to 1",
                "node 2 updated to 2",
                "node 3 updated to 3"
            ],
        "each goroutine should write its node once, to i + 1:\n{}",
        race.all()
    );
    Ok(())
}

/// The page: the twin prints, in node order, each node's value, its
/// updates and (after a `~`) its rounds: what the shown file says and
/// what the Rust fixed version prints.
fn the_fixed_twin_prints_what_the_page_and_the_rust_show(go: &Go) -> Check {
    let listing = go.listing(FIXED);
    listing.vet_clean()?;
    let run = listing.run(&[]);
    claim!(
        run.success && run.stderr.is_empty(),
        "the twin failed or wrote to stderr:\n{}",
        run.all()
    );
    let rust = std::fs::read_to_string(repo_root().join(RUST_FIXED))
        .map_err(|e| format!("{RUST_FIXED}: {e}"))?;
    let rust_body = rust.split_once('\n').map(|(_, b)| b).unwrap_or_default();
    claim!(
        masked_equal(rust_body, &run.stdout),
        "the twin and {RUST_FIXED} differ:\n{}\nagainst\n{rust_body}",
        run.stdout
    );
    shown_is_current(SHOWN_FIXED, FIXED_COMMAND, &render(&run), masked_equal)
}

/// The page: the context stops every node at once, even one that waits
/// for a long tick (a run with `-tick 1s -for 100ms` ends well before the
/// tick), the twin is race-free, and a bad flag ends it with a message and
/// exit status 2 before any node starts.
fn the_fixed_twin_stops_at_once_is_race_free_and_refuses_bad_flags(go: &Go) -> Check {
    let listing = go.listing(FIXED);
    let run = listing.run(&["-tick", "1s", "-for", "100ms"]);
    claim!(
        run.success && run.elapsed >= Duration::from_millis(100),
        "the run failed or ended before -for:\n{}",
        run.all()
    );
    claim!(
        run.elapsed < Duration::from_millis(900),
        "with -tick 1s -for 100ms it took {:?}: the stop did not cut the wait short",
        run.elapsed
    );
    claim!(
        run.stdout.matches(": 0 updates in ~1 rounds").count() == 3,
        "each node should have run one round:\n{}",
        run.stdout
    );
    listing.race_clean(&["-for", "50ms"])?;
    let bin = listing.path().join("listing");
    for bad in [["-tick", "0"], ["-for", "-1s"]] {
        let out = exec(Command::new(&bin).args(bad));
        claim!(
            out.code == Some(2)
                && out.stdout.is_empty()
                && out.stderr.contains("must be > 0"),
            "{bad:?} should be refused with exit status 2; got {:?}:\n{}",
            out.code,
            out.all()
        );
    }
    Ok(())
}
