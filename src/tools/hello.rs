//! The HTTP rows of the Go-versus-Rust benchmark: a hello service in axum,
//! twin of `go/ch06-01-hello-server`, and the one load generator that
//! drives both.
//!
//! Both servers keep the same protocol, so the benchmark can start either
//! as a child process: listen on a free port of 127.0.0.1, print one line
//! `listening on ADDR`, answer `GET /` with 200 and `hello\n`, and shut down
//! gracefully when stdin reaches end of file (so a parent that dies leaves
//! no server behind).
//!
//! Two loads, two questions:
//!
//! - [`closed_loop`]: a fixed number of keep-alive connections, each
//!   sending its next request as soon as the last one answered. The time
//!   per request it reports is the server's throughput at that concurrency.
//! - [`fixed_rate`]: requests at seeded Poisson times, sent whether or not
//!   the earlier ones have answered (section 4.2's open-loop generator,
//!   [`run_open_loop`]), so a slow server cannot slow the load down and
//!   hide its own latency. Its p99 is the tail a client would see.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::load_balancing::loadgen::{Report, Workload, run_open_loop, schedule};

/// What both servers answer to `GET /`.
pub const BODY: &str = "hello\n";

/// The most connections [`closed_loop`] opens.
pub const MAX_CONNECTIONS: usize = 1024;

/// After stdin closes, how long requests in flight get to finish (Go's
/// server gives `Shutdown` the same 2 s).
const GRACE: Duration = Duration::from_secs(2);

// ANCHOR: server
/// The service: `GET /` (and `HEAD /`) answers `hello\n` as
/// `text/plain; charset=utf-8`; another path is 404, another method 405.
pub fn router() -> Router {
    Router::new().route("/", get(|| async { BODY }))
}

/// Serves [`router`] on `listener` until `shutdown` completes, then waits
/// for the requests in flight.
pub async fn serve<S>(listener: TcpListener, shutdown: S) -> io::Result<()>
where
    S: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, router())
        .with_graceful_shutdown(shutdown)
        .await
}

/// The child process's whole life: a multi-threaded runtime (one worker
/// per core, as Go's `GOMAXPROCS`), the line `listening on ADDR` on stdout,
/// then serving until stdin reaches end of file, plus up to 2 s for the
/// requests in flight.
pub fn serve_until_stdin_closes(addr: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| format!("listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        println!("listening on {local}"); // a whole line: Rust's stdout flushes it
        let (closed, mut is_closed) = tokio::sync::watch::channel(false);
        // A blocking read has no async form in std: a thread waits for EOF.
        std::thread::spawn(move || {
            let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
            let _ = closed.send(true);
        });
        let mut signal = is_closed.clone();
        let serving = serve(listener, async move {
            let _ = signal.wait_for(|closed| *closed).await;
        });
        tokio::pin!(serving);
        tokio::select! {
            served = &mut serving => {
                return served.map_err(|e| format!("serve: {e}"));
            }
            _ = is_closed.wait_for(|closed| *closed) => {}
        }
        match tokio::time::timeout(GRACE, serving).await {
            Ok(served) => served.map_err(|e| format!("serve: {e}")),
            // Like Go's `srv.Close()` after a `Shutdown` that timed out:
            // dropping the future closes what is left.
            Err(_) => {
                eprintln!(
                    "hello: requests still open {GRACE:?} after stdin closed; closing"
                );
                Ok(())
            }
        }
    })
}
// ANCHOR_END: server

/// What one [`closed_loop`] run measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedLoopReport {
    /// How many requests were asked for.
    pub requests: usize,
    /// Over how many connections.
    pub connections: usize,
    /// Answered with 200 and [`BODY`].
    pub completed: usize,
    /// Answered with something else, or lost with their connection.
    pub failed: usize,
    /// Not answered by the deadline, or never sent because every
    /// connection had failed.
    pub unanswered: usize,
    /// From the first request to the last answer (or the deadline).
    pub elapsed: Duration,
}

impl ClosedLoopReport {
    /// Mean time per completed request: the inverse of the throughput.
    pub fn per_request(&self) -> Option<Duration> {
        let n = u32::try_from(self.completed).ok().filter(|&n| n > 0)?;
        Some(self.elapsed / n)
    }
}

/// Whether a response is the service's answer: 200 with [`BODY`].
async fn is_hello(
    response: hyper::Response<hyper::body::Incoming>,
) -> Result<bool, String> {
    let ok = response.status() == hyper::StatusCode::OK;
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok(ok && body == BODY.as_bytes())
}

// ANCHOR: closed_loop
/// Sends `requests` `GET /` to `addr` over `connections` keep-alive
/// HTTP/1.1 connections, each sending its next request when the last one
/// has answered, and stops at `deadline` whatever is left.
///
/// The connections are opened before the clock starts. A request that gets
/// a wrong answer counts as failed and the connection goes on; one whose
/// connection breaks counts as failed and its connection stops, leaving the
/// remaining requests to the others.
pub async fn closed_loop(
    addr: SocketAddr,
    connections: usize,
    requests: usize,
    deadline: Duration,
) -> Result<ClosedLoopReport, String> {
    if !(1..=MAX_CONNECTIONS).contains(&connections) {
        return Err(format!(
            "connections must be from 1 to {MAX_CONNECTIONS}, not {connections}"
        ));
    }
    if requests == 0 {
        return Err("requests must be at least 1".to_string());
    }
    if deadline.is_zero() {
        return Err("the deadline must be longer than zero".to_string());
    }
    let mut senders = Vec::with_capacity(connections);
    let mut drivers = JoinSet::new();
    for _ in 0..connections {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("could not connect to {addr}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        drivers.spawn(connection); // drives the socket; ends when `sender` drops
        senders.push(sender);
    }
    let tickets = Arc::new(AtomicUsize::new(0)); // request numbers handed out
    let start = Instant::now();
    let end = start + deadline;
    let mut workers = JoinSet::new();
    for mut sender in senders {
        let tickets = Arc::clone(&tickets);
        workers.spawn(async move {
            let (mut completed, mut failed, mut last) = (0, 0, Instant::now());
            while tickets.fetch_add(1, Ordering::Relaxed) < requests {
                let request = Request::get("/")
                    .header(hyper::header::HOST, addr.to_string())
                    .body(Empty::<Bytes>::new())
                    .expect("a valid request");
                let answer = match sender.send_request(request).await {
                    Ok(response) => is_hello(response).await,
                    Err(e) => Err(e.to_string()),
                };
                last = Instant::now();
                match answer {
                    Ok(true) => completed += 1,
                    Ok(false) => failed += 1,
                    Err(_) => {
                        failed += 1;
                        break; // the connection is gone
                    }
                }
            }
            (completed, failed, last)
        });
    }
    let mut report = ClosedLoopReport {
        requests,
        connections,
        completed: 0,
        failed: 0,
        unanswered: 0,
        elapsed: Duration::ZERO,
    };
    let mut last = start;
    loop {
        match tokio::time::timeout_at(end, workers.join_next()).await {
            Ok(Some(Ok((completed, failed, at)))) => {
                report.completed += completed;
                report.failed += failed;
                last = last.max(at);
            }
            Ok(Some(Err(e))) => return Err(format!("a connection's task failed: {e}")),
            Ok(None) => break, // every connection is done
            Err(_) => {
                // The deadline: whatever is still in flight is unanswered.
                workers.abort_all();
                last = end;
                break;
            }
        }
    }
    while workers.join_next().await.is_some() {} // the aborted ones
    drivers.abort_all();
    while drivers.join_next().await.is_some() {}
    report.unanswered = requests - report.completed - report.failed;
    report.elapsed = last.saturating_duration_since(start);
    Ok(report)
}
// ANCHOR_END: closed_loop

// ANCHOR: fixed_rate
/// Sends `requests` `GET /` to `addr` at Poisson times averaging `rate`
/// a second (seeded: the same seed gives the same times), each at its time
/// whatever the earlier ones are doing, over a pool of keep-alive
/// connections that grows when every connection is busy. Latency counts
/// from each request's scheduled time; requests pending at `deadline` are
/// dropped and counted as timed out. A wrong answer counts as failed.
pub async fn fixed_rate(
    addr: SocketAddr,
    rate: f64,
    requests: usize,
    seed: u64,
    deadline: Duration,
) -> Result<Report, String> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(format!(
            "the rate must be a finite number of requests a second above 0, not {rate}"
        ));
    }
    if requests == 0 {
        return Err("requests must be at least 1".to_string());
    }
    if deadline.is_zero() {
        return Err("the deadline must be longer than zero".to_string());
    }
    let arrivals = schedule(&Workload {
        requests,
        rate,
        mean_work: Duration::from_micros(1), // the hello service has no job size
        keys: 1,
        seed,
    });
    let client: Client<_, Empty<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let uri: hyper::Uri = format!("http://{addr}/")
        .parse()
        .map_err(|e| format!("{addr}: {e}"))?;
    let report = run_open_loop(&arrivals, deadline, |_| {
        let (client, uri) = (client.clone(), uri.clone());
        async move {
            let response = client.get(uri).await.map_err(|e| e.to_string())?;
            match is_hello(response).await? {
                true => Ok(()),
                false => Err("not the hello answer".to_string()),
            }
        }
    })
    .await;
    Ok(report)
}
// ANCHOR_END: fixed_rate

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::oneshot;

    /// A server on a free port of 127.0.0.1, stopped when the sender drops.
    async fn start(
        app: Router,
    ) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        (addr, stop, task)
    }

    async fn ask(addr: SocketAddr, method: &str, path: &str) -> (u16, String, String) {
        let client: Client<_, Empty<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let request = Request::builder()
            .method(method)
            .uri(format!("http://{addr}{path}"))
            .body(Empty::new())
            .unwrap();
        let response = client.request(request).await.unwrap();
        let status = response.status().as_u16();
        let kind = response
            .headers()
            .get(hyper::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, kind, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn the_service_answers_as_the_go_server_does() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, async {
            let _ = stopped.await;
        }));
        assert_eq!(
            ask(addr, "GET", "/").await,
            (200, "text/plain; charset=utf-8".into(), "hello\n".into())
        );
        assert_eq!(ask(addr, "GET", "/other").await.0, 404);
        assert_eq!(ask(addr, "POST", "/").await.0, 405);
        stop.send(()).unwrap();
        let served = tokio::time::timeout(Duration::from_secs(5), server).await;
        assert!(matches!(served, Ok(Ok(Ok(())))), "{served:?}");
    }

    #[tokio::test]
    async fn a_closed_loop_sends_exactly_the_requests_asked_for() {
        let served = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&served);
        let app = Router::new().route(
            "/",
            get(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                async { BODY }
            }),
        );
        let (addr, _stop, _task) = start(app).await;
        // 103 is not a multiple of 4: the tickets, not a share per
        // connection, decide who sends what.
        let report = closed_loop(addr, 4, 103, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            (report.completed, report.failed, report.unanswered),
            (103, 0, 0)
        );
        assert_eq!(served.load(Ordering::Relaxed), 103);
        // The mean: 103 of them make up the elapsed time, to the nanosecond.
        let per = report.per_request().unwrap();
        assert!(per > Duration::ZERO);
        assert!(
            per * 103 <= report.elapsed,
            "{per:?} × 103 > {:?}",
            report.elapsed
        );
        assert!(report.elapsed - per * 103 < Duration::from_nanos(103));
    }

    #[tokio::test]
    async fn wrong_answers_count_as_failures() {
        let app = Router::new().route("/", get(|| async { "goodbye\n" }));
        let (addr, _stop, _task) = start(app).await;
        let report = closed_loop(addr, 2, 10, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            (report.completed, report.failed, report.unanswered),
            (0, 10, 0)
        );
        assert_eq!(report.per_request(), None);
        let open = fixed_rate(addr, 1000.0, 20, 1, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!((open.completed, open.failed), (0, 20));
    }

    #[tokio::test]
    async fn a_server_that_never_answers_leaves_requests_unanswered_at_the_deadline() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Accepts and holds connections, and never writes a byte.
        let _silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = listener.accept().await {
                held.push(stream);
            }
        });
        let took = std::time::Instant::now();
        let report = closed_loop(addr, 3, 50, Duration::from_millis(200))
            .await
            .unwrap();
        assert!(took.elapsed() < Duration::from_secs(5));
        assert_eq!(
            (report.completed, report.failed, report.unanswered),
            (0, 0, 50)
        );
        assert_eq!(report.elapsed, Duration::from_millis(200));
    }

    #[tokio::test]
    async fn a_fixed_rate_run_answers_every_request_and_reports_latency() {
        let (addr, _stop, _task) = start(router()).await;
        let report = fixed_rate(addr, 2000.0, 200, 7, Duration::from_secs(10))
            .await
            .unwrap();
        assert_eq!(
            (
                report.scheduled,
                report.completed,
                report.failed,
                report.timed_out
            ),
            (200, 200, 0, 0)
        );
        assert!(report.quantile(0.99) >= report.quantile(0.5));
        assert!(report.quantile(0.5) > Duration::ZERO);
    }

    #[tokio::test]
    async fn bad_arguments_are_errors_not_panics() {
        let addr: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let second = Duration::from_secs(1);
        for (connections, requests, deadline, wanted) in [
            (0, 10, second, "connections must be from 1"),
            (
                MAX_CONNECTIONS + 1,
                10,
                second,
                "connections must be from 1",
            ),
            (1, 0, second, "requests must be at least 1"),
            (1, 10, Duration::ZERO, "deadline"),
        ] {
            let e = closed_loop(addr, connections, requests, deadline)
                .await
                .unwrap_err();
            assert!(e.contains(wanted), "{e}");
        }
        for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = fixed_rate(addr, rate, 10, 1, second).await.unwrap_err();
            assert!(e.contains("the rate must be"), "{rate}: {e}");
        }
        let e = fixed_rate(addr, 10.0, 0, 1, second).await.unwrap_err();
        assert!(e.contains("requests must be at least 1"), "{e}");
        let e = fixed_rate(addr, 10.0, 1, 1, Duration::ZERO)
            .await
            .unwrap_err();
        assert!(e.contains("deadline"), "{e}");
    }

    #[tokio::test]
    async fn no_server_is_an_error_naming_the_address() {
        // Bind, then close: a port nothing listens on.
        let addr = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap();
        let e = closed_loop(addr, 2, 10, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert!(e.contains(&format!("could not connect to {addr}")), "{e}");
    }
}
