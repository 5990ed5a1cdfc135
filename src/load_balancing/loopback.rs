//! Section 4.2's servers: real HTTP servers on 127.0.0.1, started and
//! stopped by the program that needs them.
//!
//! Each server listens on a port the operating system picks (it binds port
//! 0) and models a real one with limited capacity: it has a fixed number of
//! slots (a [`Semaphore`]); a request waits for a slot, then works for its
//! service time and answers. The service time is the job's size, carried in
//! the request (drawn by the load generator from a seeded distribution, so
//! every policy meets the same jobs), times the server's `slowdown`: a
//! server with `slowdown` 4 is four times slower than one with 1.
//!
//! Each server counts what it served and its peak of concurrent requests
//! (working or queued for a slot), which the report prints beside the
//! client's latencies.
//!
//! [`Servers`] owns them all. [`Servers::shutdown`] stops them gracefully
//! (no new connections; requests in progress finish; every task joined) and
//! dropping a [`Servers`] stops them too (the accept loops are aborted at
//! once and the open connections told to close), so no server outlives the
//! program or test that started it, even one that panics. In Go this is
//! `srv.Shutdown(ctx)` in a `defer`; here `Drop` is the `defer` nobody can
//! forget.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

/// How long [`Servers::shutdown`] waits for requests in progress before it
/// aborts what is left.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The path every server answers: `/job?id=<id>&work_us=<micros>`.
pub const JOB_PATH: &str = "/job";

/// One server's capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerSpec {
    /// Requests it works on at once; the others wait for a slot.
    pub slots: usize,
    /// How much longer than a job's size it works on it (1.0 is nominal).
    pub slowdown: f64,
}

/// What one server counted since it started (or since
/// [`Servers::reset_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerStats {
    /// Requests it answered.
    pub served: u64,
    /// Requests inside it now: working or waiting for a slot.
    pub in_flight: usize,
    /// The most requests that were inside it at once.
    pub peak: usize,
    /// The sum of [`job_fingerprint`] over the jobs it answered: equal sums
    /// over all servers mean two runs served the same jobs.
    pub fingerprint: u64,
}

/// The request line for job `id` of size `work`.
pub fn job_path(id: u64, work: Duration) -> String {
    format!("{JOB_PATH}?id={id}&work_us={}", work.as_micros())
}

/// A fingerprint of one job, summed (wrapping) by the server that answers
/// it. The mixing is splitmix64's, so distinct jobs rarely collide.
pub fn job_fingerprint(id: u64, work_us: u64) -> u64 {
    let mut z = id
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(work_us)
        .wrapping_add(0x632B_E59B_D9B4_E019);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Reads `id` and `work_us` from a job's query string.
fn parse_job(uri: &Uri) -> Option<(u64, u64)> {
    let (mut id, mut work) = (None, None);
    for pair in uri.query()?.split('&') {
        match pair.split_once('=')? {
            ("id", v) => id = v.parse().ok(),
            ("work_us", v) => work = v.parse().ok(),
            _ => {}
        }
    }
    Some((id?, work?))
}

/// One server's state, shared by its handlers.
#[derive(Debug)]
struct Backend {
    spec: ServerSpec,
    slots: Semaphore,
    served: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    fingerprint: AtomicU64,
}

/// Counts a request as inside the server until dropped, also when hyper
/// drops the handler because the client went away.
struct Inside<'a>(&'a Backend);

impl<'a> Inside<'a> {
    fn enter(backend: &'a Backend) -> Self {
        let now = backend.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        backend.peak.fetch_max(now, Ordering::Relaxed);
        Inside(backend)
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

// ANCHOR: handler
/// A job: wait for a free slot, work for the job's size times the
/// server's slowdown, answer "done".
async fn job(
    State(backend): State<Arc<Backend>>,
    uri: Uri,
) -> Result<&'static str, (StatusCode, &'static str)> {
    let Some((id, work_us)) = parse_job(&uri) else {
        return Err((StatusCode::BAD_REQUEST, "want /job?id=N&work_us=N"));
    };
    let _inside = Inside::enter(&backend); // queued or working: both count
    let _slot = backend
        .slots
        .acquire()
        .await
        .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, "closing"))?;
    let work = Duration::from_micros(work_us).mul_f64(backend.spec.slowdown);
    tokio::time::sleep(work).await; // the work: it holds a slot, not a thread
    backend.served.fetch_add(1, Ordering::Relaxed);
    let print = job_fingerprint(id, work_us);
    backend.fingerprint.fetch_add(print, Ordering::Relaxed);
    Ok("done")
}
// ANCHOR_END: handler

/// One running server.
#[derive(Debug)]
struct Running {
    backend: Arc<Backend>,
    server: ServerTask,
}

/// Every server the program started; dropping it stops them.
#[derive(Debug)]
pub struct Servers {
    running: Vec<Running>,
}

// ANCHOR: start
impl Servers {
    /// Starts one server per spec on 127.0.0.1, each on a port the OS
    /// picks. Must be called inside a tokio runtime.
    pub async fn start(specs: &[ServerSpec]) -> io::Result<Servers> {
        let mut servers = Servers {
            running: Vec::with_capacity(specs.len()),
        };
        for &spec in specs {
            // Port 0: the OS picks a free port, so runs never collide.
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let addr = listener.local_addr()?;
            let backend = Arc::new(Backend {
                spec,
                slots: Semaphore::new(spec.slots.max(1)),
                served: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                fingerprint: AtomicU64::new(0),
            });
            let app = Router::new()
                .route(JOB_PATH, get(job))
                .with_state(Arc::clone(&backend));
            let (stop, stopped) = oneshot::channel::<()>();
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // A sent stop or a dropped sender: either way, stop.
                let _ = stopped.await;
            });
            let task = tokio::spawn(serve.into_future());
            servers.running.push(Running {
                backend,
                server: ServerTask::new(addr, stop, task),
            });
        }
        Ok(servers)
    }
}
// ANCHOR_END: start

impl Servers {
    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Each server's address, in the order of the specs.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.running.iter().map(|r| r.server.addr).collect()
    }

    /// Each server's counts now, in the order of the specs.
    pub fn stats(&self) -> Vec<ServerStats> {
        self.running
            .iter()
            .map(|r| {
                let b = &r.backend;
                ServerStats {
                    served: b.served.load(Ordering::Relaxed),
                    in_flight: b.in_flight.load(Ordering::Relaxed),
                    peak: b.peak.load(Ordering::Relaxed),
                    fingerprint: b.fingerprint.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// Sets every count back to zero (the peak to what is inside now).
    pub fn reset_stats(&self) {
        for r in &self.running {
            let b = &r.backend;
            b.served.store(0, Ordering::Relaxed);
            b.fingerprint.store(0, Ordering::Relaxed);
            b.peak
                .store(b.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
        }
    }
}

// ANCHOR: shutdown
/// A running server's task and its stop signal: all that stopping it
/// takes. These servers and section 4.3's faulty ones stop the same way.
#[derive(Debug)]
pub(crate) struct ServerTask {
    pub(crate) addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl ServerTask {
    /// The task serving `addr`, which stops when `stop` is sent or dropped.
    pub(crate) fn new(
        addr: SocketAddr,
        stop: oneshot::Sender<()>,
        task: JoinHandle<io::Result<()>>,
    ) -> Self {
        ServerTask {
            addr,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops every server gracefully: each stops accepting, lets its
    /// requests in progress finish and closes its connections; then its
    /// task is joined. A server still busy after [`SHUTDOWN_GRACE`] is
    /// aborted. Returns the first error a server reported, if any.
    pub(crate) async fn stop_all(servers: Vec<&mut ServerTask>) -> io::Result<()> {
        let mut servers = servers;
        for s in &mut servers {
            if let Some(stop) = s.stop.take() {
                let _ = stop.send(()); // a server that already ended is fine
            }
        }
        let mut first_error = Ok(());
        for s in &mut servers {
            let Some(mut task) = s.task.take() else {
                continue;
            };
            let outcome = match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
                Ok(joined) => joined.unwrap_or_else(|e| Err(io::Error::other(e))),
                Err(_) => {
                    task.abort(); // bounded: no shutdown waits for ever
                    Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("server {} did not stop in time", s.addr),
                    ))
                }
            };
            if first_error.is_ok() {
                first_error = outcome;
            }
        }
        first_error
    }

    /// Stops whatever `stop_all` did not: the stop signal tells open
    /// connections to close after their request, and the abort drops the
    /// listener at once, so the port refuses new connections.
    pub(crate) fn abort(&mut self) {
        drop(self.stop.take());
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Servers {
    /// Stops every server gracefully: each stops accepting, lets its
    /// requests in progress finish and closes its connections; a server
    /// still busy after [`SHUTDOWN_GRACE`] is aborted.
    pub async fn shutdown(mut self) -> io::Result<()> {
        ServerTask::stop_all(self.running.iter_mut().map(|r| &mut r.server).collect())
            .await
    }
}

impl Drop for Servers {
    /// Stops whatever [`Servers::shutdown`] did not.
    fn drop(&mut self) {
        for r in &mut self.running {
            r.server.abort();
        }
    }
}
// ANCHOR_END: shutdown

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_their_path() {
        let path = job_path(17, Duration::from_micros(2300));
        assert_eq!(path, "/job?id=17&work_us=2300");
        let uri: Uri = path.parse().unwrap();
        assert_eq!(parse_job(&uri), Some((17, 2300)));
        for bad in ["/job", "/job?id=1", "/job?id=x&work_us=3", "/job?work_us=3"] {
            assert_eq!(parse_job(&bad.parse().unwrap()), None, "{bad}");
        }
    }

    #[test]
    fn fingerprints_differ_by_id_and_size() {
        assert_ne!(job_fingerprint(1, 100), job_fingerprint(2, 100));
        assert_ne!(job_fingerprint(1, 100), job_fingerprint(1, 101));
        assert_eq!(job_fingerprint(5, 5), job_fingerprint(5, 5));
    }
}
