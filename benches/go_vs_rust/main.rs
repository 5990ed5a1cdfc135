//! Go against Rust (section 6): the same work measured on both sides.
//!
//! `cargo bench --bench go_vs_rust` builds the Go benchmarks
//! (`go/ch06-01-go-vs-rust/`) and Go's hello server
//! (`go/ch06-01-hello-server/`), then runs rounds: in each, every Go
//! benchmark (`testing.B`) and every Rust one (divan, `patterns.rs`, in a
//! child process of this binary), then the HTTP rows, Go's server and
//! axum's, driven by the same load generator. Odd rounds run Go first, even
//! rounds Rust first: a machine that slows down during the run slows both
//! sides. It prints, per row, the median Rust/Go time ratio over the rounds
//! and its range.
//!
//! ```console
//! $ cargo bench --bench go_vs_rust                      # 5 rounds, ~3 minutes
//! $ cargo bench --bench go_vs_rust -- --rounds 1        # one round
//! $ cargo bench --bench go_vs_rust -- --save benches/results/go_vs_rust.txt
//! ```
//!
//! Go is found at `$GO`, else `go` on the `PATH`, else Debian's
//! `/usr/lib/go-1.23/bin/go`. Under `cargo test` this binary runs every Rust
//! benchmark once, and checks that the benchmarks divan ran are exactly the
//! ones the rows of `cookbook::tools::versus` name.

mod patterns;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use cookbook::tools::hello;
use cookbook::tools::versus::{self, HTTP_P99, HTTP_THROUGHPUT, ROWS, Round};

/// Set on the child processes this binary starts of itself.
const ROLE: &str = "GO_VS_RUST_ROLE";

/// How long each Go benchmark runs per round (`-test.benchtime`).
const GO_BENCHTIME: &str = "300ms";

// ANCHOR: http_load
/// The HTTP rows' load: throughput with 16 connections sending back to back,
/// 20 000 requests; latency at 2 000 requests a second, 4 000 requests.
const HTTP_CONNECTIONS: usize = 16;
const HTTP_CLOSED_REQUESTS: usize = 20_000;
const HTTP_RATE: f64 = 2_000.0;
const HTTP_OPEN_REQUESTS: usize = 4_000;
// ANCHOR_END: http_load
/// Requests sent to each server before it is measured, to open its
/// connections and warm its caches.
const HTTP_WARMUP: usize = 1_000;

fn main() -> ExitCode {
    match std::env::var(ROLE).as_deref() {
        Ok("axum") => return exit(hello::serve_until_stdin_closes("127.0.0.1:0")),
        Ok("divan") => {
            divan::Divan::from_args().main();
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--bench") {
        exit(parse_args(&args).and_then(|o| compare(&o)))
    } else {
        // `cargo test`: every Rust benchmark once, the pairing checked, and
        // the axum child driven through the protocol the rounds use.
        exit(check_pairing().and_then(|()| check_axum_child()))
    }
}

fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("go_vs_rust: {e}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    rounds: usize,
    save: Option<PathBuf>,
}

const USAGE: &str = "usage: cargo bench --bench go_vs_rust [-- --rounds N] [--save FILE]";

fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options {
        rounds: 5,
        save: None,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--bench" => {}
            "--rounds" => {
                let value = it
                    .next()
                    .ok_or(format!("--rounds needs a number; {USAGE}"))?;
                options.rounds = match value.parse::<usize>() {
                    Ok(n) if (1..=50).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "--rounds {value:?}: give a whole number from 1 to 50"
                        ));
                    }
                };
            }
            "--save" => {
                let value = it
                    .next()
                    .ok_or(format!("--save needs a file name; {USAGE}"))?;
                options.save = Some(PathBuf::from(value));
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(options)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where the Go binaries are built: beside cargo's own output.
fn build_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    target.join("go-vs-rust")
}

fn find_go() -> Result<PathBuf, String> {
    if let Some(go) = std::env::var_os("GO") {
        return Ok(PathBuf::from(go));
    }
    for candidate in ["go", "/usr/lib/go-1.23/bin/go"] {
        if Command::new(candidate)
            .arg("version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(PathBuf::from(candidate));
        }
    }
    Err("Go not found: install Go 1.22 or later, or set GO=/path/to/go".to_string())
}

/// Runs a command to the end and returns its stdout, or an error with its
/// stderr.
fn output_of(what: &str, command: &mut Command) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("{what}: could not start: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(stdout)
}

/// Runs every Rust benchmark once (divan's `--test`, in a child process),
/// and checks that the benchmarks it ran are the rows' Rust side, no more
/// and no fewer.
fn check_pairing() -> Result<(), String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let ran = output_of(
        "the Rust benchmarks, once each (divan --test)",
        Command::new(me)
            .args(["--test", "--color", "never"])
            .env(ROLE, "divan"),
    )?;
    let listed: Vec<String> = versus::parse_divan_leaves(&ran)
        .into_iter()
        .map(|n| {
            n.strip_prefix("patterns::")
                .map(str::to_string)
                .unwrap_or(n)
        })
        .collect();
    let expected: Vec<String> = versus::rust_benchmarks()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let extra: Vec<&String> = listed.iter().filter(|n| !expected.contains(n)).collect();
    let lacking: Vec<&String> = expected.iter().filter(|n| !listed.contains(n)).collect();
    if extra.is_empty() && lacking.is_empty() {
        println!(
            "go_vs_rust: the {} Rust benchmarks the rows name each ran once",
            listed.len()
        );
        Ok(())
    } else {
        Err(format!(
            "divan's benchmarks and cookbook::tools::versus::ROWS differ: not in ROWS {extra:?}; \
             missing from patterns.rs {lacking:?}"
        ))
    }
}

/// Starts the axum server as the rounds do, sends it a small load of each
/// kind, and checks that it stops cleanly when its stdin closes.
fn check_axum_child() -> Result<(), String> {
    let mut axum = Command::new(std::env::current_exe().map_err(|e| e.to_string())?);
    axum.env(ROLE, "axum");
    let mut server = Server::start(&mut axum)?;
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let checked = rt.block_on(async {
        let deadline = Duration::from_secs(10);
        let closed = hello::closed_loop(addr, 4, 200, deadline).await?;
        let open = hello::fixed_rate(addr, 1_000.0, 100, 1, deadline).await?;
        if (closed.completed, open.completed) != (200, 100) {
            return Err(format!("the axum child: {closed:?}; fixed rate {open:?}"));
        }
        Ok(())
    });
    drop(rt);
    let asked = Instant::now();
    server.stop()?;
    // Idle connections must not hold the shutdown up for its 2 s of grace.
    if asked.elapsed() > Duration::from_secs(1) {
        return Err(format!("the axum child took {:?} to stop", asked.elapsed()));
    }
    checked?;
    println!("go_vs_rust: the axum child answered 300 requests and stopped when told");
    Ok(())
}

// ANCHOR: compare
fn compare(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    let go = find_go()?;
    let dir = build_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let go_tests = dir.join("versus.test");
    let go_server = dir.join("hello-server");
    eprintln!(
        "building the Go benchmarks and server with {}",
        go.display()
    );
    output_of(
        "go test -c",
        Command::new(&go)
            .current_dir(root().join("go"))
            .args(["test", "-c", "-o"])
            .arg(&go_tests)
            .arg("./ch06-01-go-vs-rust"),
    )?;
    output_of(
        "go build",
        Command::new(&go)
            .current_dir(root().join("go"))
            .args(["build", "-o"])
            .arg(&go_server)
            .arg("./ch06-01-hello-server"),
    )?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let load = load_average();
    let mut rounds = Vec::new();
    for n in 1..=options.rounds {
        let mut round = Round::default();
        // Odd rounds run Go first, even rounds Rust first (ABBA): whichever
        // side runs second in a round never always meets a warmer machine.
        let go_first = n % 2 == 1;
        for go_turn in [go_first, !go_first] {
            let t = Instant::now();
            if go_turn {
                let out = output_of(
                    "the Go benchmarks",
                    Command::new(&go_tests).args([
                        "-test.run=^$",
                        "-test.bench=.",
                        &format!("-test.benchtime={GO_BENCHTIME}"),
                    ]),
                )?;
                round.go = versus::parse_go(&out).map_err(|e| e.to_string())?;
            } else {
                // In a process of their own, as Go's are.
                let out = output_of(
                    "the Rust benchmarks",
                    Command::new(&me)
                        .args(["--bench", "--color", "never"])
                        .env(ROLE, "divan"),
                )?;
                for (name, ns) in versus::parse_divan(&out).map_err(|e| e.to_string())? {
                    let name =
                        name.strip_prefix("patterns::").unwrap_or(&name).to_string();
                    round.rust.insert(name, ns);
                }
            }
            let side = if go_turn { "Go" } else { "Rust" };
            eprintln!(
                "round {n}/{}: {side} benchmarks {:.0?}",
                options.rounds,
                t.elapsed()
            );
        }
        // The HTTP rows, in the same order: Go's server and axum.
        let t = Instant::now();
        let seed = n as u64;
        for go_turn in [go_first, !go_first] {
            let (times, command) = if go_turn {
                (&mut round.go, Command::new(&go_server))
            } else {
                let mut axum = Command::new(&me);
                axum.env(ROLE, "axum");
                (&mut round.rust, axum)
            };
            let (per_request, p99) = measure_server(command, seed)?;
            times.insert(HTTP_THROUGHPUT.to_string(), per_request);
            times.insert(HTTP_P99.to_string(), p99);
        }
        eprintln!("round {n}/{}: HTTP {:.0?}", options.rounds, t.elapsed());
        rounds.push(round);
    }
    let lines = versus::sum_up(ROWS, &rounds).map_err(|e| e.to_string())?;
    let took = started.elapsed();
    print!("{}", versus::render_table(&lines));
    println!("\n{} rounds in {:.0?}", options.rounds, took);
    if let Some(path) = &options.save {
        let machine = machine(&go, options.rounds, load, took);
        let machine: Vec<(&str, String)> =
            machine.iter().map(|(k, v)| (*k, v.clone())).collect();
        let command = format!(
            "cargo bench --bench go_vs_rust -- --rounds {} --save {}",
            options.rounds,
            path.display()
        );
        let text = versus::render_saved(&command, &machine, &lines);
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        eprintln!("saved to {}", path.display());
    }
    Ok(())
}
// ANCHOR_END: compare

// ANCHOR: measure_server
/// Starts a server (it prints `listening on ADDR` and stops when its stdin
/// closes), warms it up, then measures it: nanoseconds per request at a
/// fixed concurrency, and the p99 latency in nanoseconds at a fixed rate.
fn measure_server(mut command: Command, seed: u64) -> Result<(f64, f64), String> {
    let mut server = Server::start(&mut command)?;
    let addr = server.addr;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let measured = rt.block_on(async {
        let deadline = Duration::from_secs(10);
        hello::closed_loop(addr, HTTP_CONNECTIONS, HTTP_WARMUP, deadline).await?;
        let closed =
            hello::closed_loop(addr, HTTP_CONNECTIONS, HTTP_CLOSED_REQUESTS, deadline)
                .await?;
        if closed.failed > 0 || closed.completed != HTTP_CLOSED_REQUESTS {
            return Err(format!("closed loop: {closed:?}"));
        }
        let open = hello::fixed_rate(addr, HTTP_RATE, HTTP_OPEN_REQUESTS, seed, deadline)
            .await?;
        if open.completed != HTTP_OPEN_REQUESTS {
            return Err(format!(
                "fixed rate: {} of {} answered, {} failed, {} timed out",
                open.completed, open.scheduled, open.failed, open.timed_out
            ));
        }
        let per_request = closed
            .per_request()
            .ok_or("closed loop: nothing completed")?;
        Ok((
            per_request.as_nanos() as f64,
            open.quantile(0.99).as_nanos() as f64,
        ))
    });
    // Dropping the runtime closes the client's pooled connections, so the
    // server's graceful shutdown has none to wait for.
    drop(rt);
    server.stop()?;
    measured
}
// ANCHOR_END: measure_server

/// A server child process, stopped (and, if need be, killed) on drop.
struct Server {
    child: Child,
    addr: std::net::SocketAddr,
}

impl Server {
    fn start(command: &mut Command) -> Result<Server, String> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start the server: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut server = Server {
            child,
            addr: ([127, 0, 0, 1], 0).into(),
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        server.addr = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or(format!(
                "the server printed {line:?}, not `listening on ADDR`"
            ))?;
        Ok(server)
    }

    /// Closes its stdin and waits up to 5 s for it to exit.
    fn stop(&mut self) -> Result<(), String> {
        drop(self.child.stdin.take());
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(format!("the server exited with {status}"))
                };
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Err("the server did not stop within 5 s of its stdin closing".to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

fn first_line(what: &str, command: &mut Command) -> String {
    output_of(what, command)
        .ok()
        .and_then(|s| s.lines().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

/// The machine the run was made on, for the saved file's header.
fn machine(
    go: &Path,
    rounds: usize,
    load: String,
    took: Duration,
) -> Vec<(&'static str, String)> {
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_string());
    let kernel = first_line("uname", Command::new("uname").args(["-sr"]));
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".to_string());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let date = first_line(
        "date",
        Command::new("date").args(["-u", "+%Y-%m-%d %H:%M UTC"]),
    );
    let mut commit = first_line(
        "git",
        Command::new("git").args(["rev-parse", "--short", "HEAD"]),
    );
    let changed = output_of(
        "git status",
        Command::new("git").args(["status", "--porcelain", "--untracked-files=no"]),
    );
    if changed.map_or(true, |c| !c.trim().is_empty()) {
        commit.push_str(" (with uncommitted changes)");
    }
    let rustc = first_line("rustc", Command::new("rustc").arg("--version"));
    let go_version = first_line("go version", Command::new(go).arg("version"));
    let secs = took.as_secs();
    vec![
        ("date", date),
        ("commit", commit),
        ("rustc", rustc),
        ("go", go_version),
        ("os", format!("{os}, {kernel}")),
        ("cores", cores.to_string()),
        ("cpu", cpu),
        ("load", format!("{load} (1 min average, before the run)")),
        (
            "rounds",
            format!("{rounds}, Go first in odd rounds, Rust first in even ones"),
        ),
        (
            "times",
            format!(
                "Go: mean per op over -test.benchtime={GO_BENCHTIME}; Rust: divan's median"
            ),
        ),
        ("took", format!("{} min {} s", secs / 60, secs % 60)),
    ]
}
