//! Claims of section 6.1 (Go vs Rust, measured) about its Go side: the
//! testing.B benchmarks of go/ch06-01-go-vs-rust, which
//! `cargo bench --bench go_vs_rust` pairs by name with the Rust benchmarks
//! of benches/go_vs_rust/patterns.rs, and the HTTP hello server of
//! go/ch06-01-hello-server, which it drives with the same load generator as
//! the Rust one.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, Run, repo_root};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BENCHMARKS: &str = "ch06-01-go-vs-rust";
const SERVER: &str = "ch06-01-hello-server";

pub fn checks() -> Checks {
    vec![
        (
            "every_benchmark_runs_checks_its_result_and_has_its_name",
            every_benchmark_runs_checks_its_result_and_has_its_name,
        ),
        ("the_benchmarks_are_race_free", the_benchmarks_are_race_free),
        (
            "the_pools_call_their_work_through_a_func_value",
            the_pools_call_their_work_through_a_func_value,
        ),
        (
            "the_hello_server_answers_and_exits_when_stdin_closes",
            the_hello_server_answers_and_exits_when_stdin_closes,
        ),
    ]
}

/// `go test` in `go/` over the benchmarks' package, off the network, with
/// `flags` before the package.
fn go_test_command(go: &Go, flags: &[&str]) -> Command {
    let mut c = Command::new(&go.bin);
    c.arg("test")
        .args(flags)
        .arg(format!("./{BENCHMARKS}"))
        .current_dir(repo_root().join("go"))
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "-mod=mod")
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "1");
    c
}

/// Each benchmark run once, under the race detector if `race`.
fn go_test(go: &Go, race: bool) -> Run {
    let mut flags = if race { vec!["-race"] } else { vec![] };
    flags.extend(["-run", "^$", "-bench", ".", "-benchtime", "1x"]);
    let mut c = go_test_command(go, &flags);
    let start = Instant::now();
    let out = c.output().expect("start go test");
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        success: out.status.success(),
        code: out.status.code(),
        elapsed: start.elapsed(),
    }
}

/// Each benchmark checks what it computed with b.Fatalf, so `PASS` means
/// the work was right; the names are exactly the Go side of the rows
/// `cargo bench --bench go_vs_rust` compares.
fn every_benchmark_runs_checks_its_result_and_has_its_name(go: &Go) -> Check {
    let run = go_test(go, false);
    claim!(
        run.success && run.stdout.contains("\nPASS\n"),
        "go test -bench . ./{BENCHMARKS} failed (exit {:?}):\n{}",
        run.code,
        run.all()
    );
    // The orchestrator's own parser reads the output, as it does in a run.
    let times = cookbook::tools::versus::parse_go(&run.stdout)
        .map_err(|e| format!("the orchestrator cannot read go test's output: {e}"))?;
    let names: Vec<&str> = times.keys().map(String::as_str).collect();
    let expected = cookbook::tools::versus::go_benchmarks();
    claim!(
        names == expected,
        "go test printed the benchmarks {names:?}; the rows of \
         cookbook::tools::versus name {expected:?}:\n{}",
        run.stdout
    );
    Ok(())
}

/// The page: Go does not inline `runPool` or `runChunked` (a function
/// with a `go` statement is not inlined in Go 1.23), so inside their
/// goroutines `work` stays an indirect call through a func value, and
/// `splitmix64` is inlined only where the benchmarks call it by name.
fn the_pools_call_their_work_through_a_func_value(go: &Go) -> Check {
    let out = go_test_command(go, &["-c", "-o", "/dev/null", "-gcflags=-m=2"])
        .output()
        .map_err(|e| format!("go test -c: {e}"))?;
    let report = String::from_utf8_lossy(&out.stderr);
    claim!(
        out.status.success(),
        "go test -c -gcflags=-m=2 failed:\n{report}"
    );
    for pool in ["runPool", "runChunked"] {
        claim!(
            report.contains(&format!("cannot inline {pool}: unhandled op GO")),
            "the compiler no longer refuses to inline {pool} for its go statement:\n{report}"
        );
    }
    let inlined: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("inlining call to splitmix64"))
        .collect();
    claim!(
        !inlined.is_empty() && inlined.iter().all(|l| l.contains("versus_test.go:")),
        "splitmix64 should be inlined only in versus_test.go, where it is called \
         by name; inlined at {inlined:?}"
    );
    Ok(())
}

/// The partners and workers share only channels, a mutex and atomics.
fn the_benchmarks_are_race_free(go: &Go) -> Check {
    let run = go_test(go, true);
    claim!(
        run.success && !run.all().contains("DATA RACE"),
        "go test -race -bench . ./{BENCHMARKS} exited {:?}; the detector should be silent:\n{}",
        run.code,
        run.all()
    );
    Ok(())
}

/// A started server, killed on drop if it is still running, so a failed
/// claim leaves no process behind.
struct Server {
    child: Child,
    /// Each line the server printed on stdout, read by a thread.
    lines: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// One `GET /` on a fresh connection: the status line, the headers and the
/// body.
fn get(addr: &str) -> Result<(String, String, String), String> {
    let mut conn =
        std::net::TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    conn.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("send the request: {e}"))?;
    let mut response = Vec::new();
    conn.read_to_end(&mut response)
        .map_err(|e| format!("read the response: {e}"))?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("not an HTTP response: {response:?}"))?;
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    Ok((status.to_string(), headers.to_string(), body.to_string()))
}

/// The protocol of the HTTP rows: one `listening on 127.0.0.1:PORT` line,
/// `GET /` answered with 200 and `hello\n`, and a clean exit (status 0,
/// nothing more on stdout) soon after stdin reaches end of file.
fn the_hello_server_answers_and_exits_when_stdin_closes(go: &Go) -> Check {
    let listing = go.listing(SERVER);
    let build = listing.build();
    claim!(
        build.success,
        "go/{SERVER} does not build:\n{}",
        build.all()
    );
    let mut child = Command::new(listing.path().join("listing"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start go/{SERVER}: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut server = Server { child, lines };

    let first = server
        .lines
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "no `listening on` line within 10 s".to_string())?;
    let addr = first
        .strip_prefix("listening on ")
        .filter(|a| a.starts_with("127.0.0.1:"))
        .ok_or_else(|| {
            format!("the first line is {first:?}, not `listening on 127.0.0.1:PORT`")
        })?
        .to_string();
    let (status, headers, body) = get(&addr)?;
    claim!(
        status.starts_with("HTTP/1.1 200 "),
        "GET / answered {status:?}"
    );
    claim!(
        body == "hello\n",
        "GET / answered the body {body:?}, not \"hello\\n\""
    );
    claim!(
        headers.lines().any(|h| h
            .to_ascii_lowercase()
            .starts_with("content-type: text/plain")),
        "GET / is not text/plain; headers:\n{headers}"
    );

    drop(server.child.stdin.take()); // end of file on the server's stdin
    let start = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        claim!(
            start.elapsed() < Duration::from_secs(5),
            "go/{SERVER} still runs 5 s after its stdin closed (killed)"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut e) = server.child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    claim!(
        status.success(),
        "go/{SERVER} exited with {status} after stdin closed:\n{stderr}"
    );
    let rest: Vec<String> = server.lines.iter().collect();
    claim!(
        rest.is_empty(),
        "go/{SERVER} printed more than its one line on stdout: {rest:?}"
    );
    Ok(())
}
