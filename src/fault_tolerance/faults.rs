//! Section 4.3 fixed: servers on 127.0.0.1 that fail on purpose.
//!
//! Three HTTP servers like section 4.2's (slots, work = the job's size,
//! counts of what is inside; see [`crate::load_balancing::loopback`]), each
//! with one fault the program injects itself:
//!
//! - **down, then back** ([`Fault::DownUntil`]): its port refuses every
//!   connection from the start until `back_at`, then it listens on the
//!   same port and serves normally. The port is kept bound all along by a
//!   socket that does not listen yet (a connection to a bound port with no
//!   listener is refused, exactly as to a dead server's), so no other
//!   program can take the port while the server is down. It records when
//!   it served its first request: the recovery a client shows is that
//!   instant minus `back_at`.
//! - **flaky** ([`Fault::Flaky`]): it answers `503 Service Unavailable` at
//!   once to a fraction of attempts.
//! - **stalls** ([`Fault::Stalls`]): a fraction of attempts wait `stall`
//!   before the work starts.
//!
//! Which attempts fail or stall is decided by [`attempt_unit`], a stable
//! hash of (seed, server, request id, try number): the same attempt fails
//! in every run and for every client, so two clients meet the same faults.
//! An attempt carries its try number in its path
//! (`/job?id=<id>&work_us=<micros>&try=<n>`, built by [`attempt_path`]), so
//! a retry of a request is a new draw.
//!
//! [`FaultyServers`] owns them all, as 4.2's `Servers` does:
//! [`FaultyServers::shutdown`] stops them gracefully and in bounded time,
//! and dropping it aborts them, so no port outlives the run.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::get;
use tokio::net::TcpSocket;
use tokio::sync::{Semaphore, oneshot};

use crate::load_balancing::loopback::ServerTask;
use crate::support::error::{ModelError, fraction};

/// The path every server answers.
pub const JOB_PATH: &str = "/job";

/// The request line of try `try_no` (from 0) of job `id`, of size `work`:
/// `/job?id=<id>&work_us=<micros>&try=<try_no>`.
pub fn attempt_path(id: u64, work: Duration, try_no: u32) -> String {
    format!(
        "{JOB_PATH}?id={id}&work_us={}&try={try_no}",
        work.as_micros()
    )
}

/// One attempt as the server reads it from its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The request's id.
    pub id: u64,
    /// Its size, in microseconds.
    pub work_us: u64,
    /// Its try number, from 0.
    pub try_no: u32,
}

/// Reads an [`Attempt`] from a path built by [`attempt_path`].
pub fn parse_attempt(uri: &Uri) -> Option<Attempt> {
    let (mut id, mut work_us, mut try_no) = (None, None, None);
    for pair in uri.query()?.split('&') {
        match pair.split_once('=')? {
            ("id", v) => id = v.parse().ok(),
            ("work_us", v) => work_us = v.parse().ok(),
            ("try", v) => try_no = v.parse().ok(),
            _ => {}
        }
    }
    Some(Attempt {
        id: id?,
        work_us: work_us?,
        try_no: try_no?,
    })
}

/// splitmix64's finaliser (with its increment): a stable 64-bit mix.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ANCHOR: attempt_unit
/// A number in [0, 1) fixed by (seed, server, request id, try number): an
/// attempt fails (or stalls) when it is below the fault's fraction. The
/// same attempt draws the same number in every run, whichever client sends
/// it; another try of the same request draws a new one.
pub fn attempt_unit(seed: u64, server: usize, id: u64, try_no: u32) -> f64 {
    let h = mix(mix(mix(seed) ^ server as u64) ^ id) ^ u64::from(try_no);
    (mix(h) >> 11) as f64 / (1u64 << 53) as f64
}
// ANCHOR_END: attempt_unit

/// One server's fault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// No fault.
    Healthy,
    /// Refuses connections from the start until this long after it, then
    /// listens on the same port and serves normally.
    DownUntil(Duration),
    /// Answers 503 at once to this fraction of attempts.
    Flaky {
        /// The fraction of attempts answered with 503, in [0, 1].
        fraction: f64,
    },
    /// This fraction of attempts waits `stall` before its work starts.
    Stalls {
        /// The fraction of attempts that stall, in [0, 1].
        fraction: f64,
        /// How long a stalled attempt waits.
        stall: Duration,
    },
}

impl Fault {
    /// A short description for a table header.
    pub fn describe(self) -> String {
        match self {
            Fault::Healthy => "healthy".to_string(),
            Fault::DownUntil(at) => format!("down until {at:?}, then back"),
            Fault::Flaky { fraction } => {
                format!("flaky: 503 to {:.0}% of attempts", fraction * 100.0)
            }
            Fault::Stalls { fraction, stall } => {
                format!("stalls {stall:?} on {:.0}% of attempts", fraction * 100.0)
            }
        }
    }
}

/// The servers of a run and their faults.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultPlan {
    /// One fault per server; server `i` is `faults[i]`.
    pub faults: Vec<Fault>,
    /// Requests each server works on at once; the rest wait for a slot.
    pub slots: usize,
    /// The seed of [`attempt_unit`]: which attempts fail or stall.
    pub seed: u64,
}

impl Default for FaultPlan {
    /// The scenario of section 4.3: server 0 down until 300 ms, server 1
    /// answering 503 to 30% of attempts, server 2 stalling 250 ms on 10%;
    /// four slots each; seed 1.
    fn default() -> Self {
        FaultPlan::scenario(
            1,
            Duration::from_millis(300),
            0.3,
            0.1,
            Duration::from_millis(250),
        )
    }
}

impl FaultPlan {
    /// The scenario's three servers: down until `back_at`, flaky at
    /// `flaky`, stalling `stall` on a fraction `stalls` of attempts.
    pub fn scenario(
        seed: u64,
        back_at: Duration,
        flaky: f64,
        stalls: f64,
        stall: Duration,
    ) -> Self {
        FaultPlan {
            faults: vec![
                Fault::DownUntil(back_at),
                Fault::Flaky { fraction: flaky },
                Fault::Stalls {
                    fraction: stalls,
                    stall,
                },
            ],
            slots: 4,
            seed,
        }
    }

    /// `servers` servers that all answer 503 to a fraction `flaky` of
    /// attempts: the plan where retries only add load.
    pub fn all_flaky(seed: u64, servers: usize, flaky: f64) -> Self {
        FaultPlan {
            faults: vec![Fault::Flaky { fraction: flaky }; servers],
            slots: 4,
            seed,
        }
    }

    /// When the first server that starts down comes back, if one does.
    pub fn back_at(&self) -> Option<Duration> {
        self.faults.iter().find_map(|f| match f {
            Fault::DownUntil(at) => Some(*at),
            _ => None,
        })
    }

    /// Checks the plan: at least one server, at least one slot, fractions
    /// in [0, 1].
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.faults.is_empty() {
            return Err(ModelError::Empty {
                what: "the fault plan's servers",
            });
        }
        if self.slots == 0 {
            return Err(ModelError::TooSmall {
                what: "the slots per server",
                value: 0.0,
                min: 1.0,
            });
        }
        for f in &self.faults {
            match *f {
                Fault::Flaky { fraction: x } => {
                    fraction("the flaky fraction", x)?;
                }
                Fault::Stalls { fraction: x, .. } => {
                    fraction("the stalling fraction", x)?;
                }
                Fault::Healthy | Fault::DownUntil(_) => {}
            }
        }
        Ok(())
    }
}

/// What one server counted since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultStats {
    /// Attempts that reached its handler (a refused connection never does).
    pub received: u64,
    /// Attempts it answered with success.
    pub served: u64,
    /// Attempts it answered with an injected 503.
    pub failed: u64,
    /// Attempts it stalled (counted when the stall begins).
    pub stalled: u64,
    /// Attempts whose handler was dropped before it answered: the client
    /// went away (a timeout, a lost hedge) and the server noticed.
    pub abandoned: u64,
    /// Attempts inside it now: stalled, waiting for a slot or working.
    pub in_flight: usize,
    /// The most attempts inside it at once.
    pub peak: usize,
    /// When it first answered with success (for a server that starts down:
    /// its first answer after coming back).
    pub first_served: Option<Instant>,
}

/// One server's state, shared by its handlers.
#[derive(Debug)]
struct Backend {
    index: usize,
    fault: Fault,
    seed: u64,
    slots: Semaphore,
    received: AtomicU64,
    served: AtomicU64,
    failed: AtomicU64,
    stalled: AtomicU64,
    abandoned: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    first_served: OnceLock<Instant>,
    listening_since: OnceLock<Instant>,
}

/// Counts an attempt as inside the server until dropped; an attempt
/// dropped before it answered is counted as abandoned.
struct Inside<'a> {
    backend: &'a Backend,
    answered: bool,
}

impl<'a> Inside<'a> {
    fn enter(backend: &'a Backend) -> Self {
        let now = backend.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        backend.peak.fetch_max(now, Ordering::Relaxed);
        Inside {
            backend,
            answered: false,
        }
    }
}

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.backend.abandoned.fetch_add(1, Ordering::Relaxed);
        }
        self.backend.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

// ANCHOR: handler
/// One attempt: maybe a 503 (flaky), maybe a stall, then a slot and the
/// work, as in section 4.2.
async fn job(
    State(b): State<Arc<Backend>>,
    uri: Uri,
) -> Result<&'static str, (StatusCode, &'static str)> {
    let Some(a) = parse_attempt(&uri) else {
        return Err((StatusCode::BAD_REQUEST, "want /job?id=N&work_us=N&try=N"));
    };
    b.received.fetch_add(1, Ordering::Relaxed);
    let mut inside = Inside::enter(&b);
    let unit = attempt_unit(b.seed, b.index, a.id, a.try_no);
    match b.fault {
        Fault::Flaky { fraction } if unit < fraction => {
            b.failed.fetch_add(1, Ordering::Relaxed);
            inside.answered = true;
            return Err((StatusCode::SERVICE_UNAVAILABLE, "injected failure"));
        }
        Fault::Stalls { fraction, stall } if unit < fraction => {
            b.stalled.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(stall).await; // the client may be gone by now
        }
        _ => {}
    }
    let _slot = b
        .slots
        .acquire()
        .await
        .map_err(|_| (StatusCode::SERVICE_UNAVAILABLE, "closing"))?;
    tokio::time::sleep(Duration::from_micros(a.work_us)).await; // the work
    b.served.fetch_add(1, Ordering::Relaxed);
    let _ = b.first_served.set(Instant::now()); // only the first one sticks
    inside.answered = true;
    Ok("done")
}
// ANCHOR_END: handler

/// One running server.
#[derive(Debug)]
struct Running {
    backend: Arc<Backend>,
    server: ServerTask,
}

/// Every server of a plan, running; dropping it stops them.
#[derive(Debug)]
pub struct FaultyServers {
    running: Vec<Running>,
    epoch: Instant,
    plan: FaultPlan,
}

/// A socket bound to a port the OS picks on 127.0.0.1, not listening yet.
fn bind_port_zero() -> io::Result<(TcpSocket, SocketAddr)> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    let addr = socket.local_addr()?;
    Ok((socket, addr))
}

/// A server's port: listening, or bound and refusing until an instant.
enum Bound {
    Listening(tokio::net::TcpListener),
    Down(TcpSocket, Instant),
}

/// Pending connections a listener queues before it accepts them.
const BACKLOG: u32 = 1024;

// ANCHOR: start
impl FaultyServers {
    /// Starts one server per fault of `plan` on 127.0.0.1, on ports the OS
    /// picks. The run's clock starts when this returns
    /// ([`FaultyServers::epoch`]): a server down until `back_at` starts
    /// listening `back_at` after it. Must be called inside a tokio runtime.
    pub async fn start(plan: &FaultPlan) -> io::Result<FaultyServers> {
        plan.validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let mut sockets = Vec::with_capacity(plan.faults.len());
        for _ in &plan.faults {
            sockets.push(bind_port_zero()?);
        }
        // Every port is bound (refusing) before the clock starts.
        let epoch = Instant::now();
        let mut servers = FaultyServers {
            running: Vec::with_capacity(plan.faults.len()),
            epoch,
            plan: plan.clone(),
        };
        for (index, ((socket, addr), &fault)) in
            sockets.into_iter().zip(&plan.faults).enumerate()
        {
            let backend = Arc::new(Backend {
                index,
                fault,
                seed: plan.seed,
                slots: Semaphore::new(plan.slots),
                received: AtomicU64::new(0),
                served: AtomicU64::new(0),
                failed: AtomicU64::new(0),
                stalled: AtomicU64::new(0),
                abandoned: AtomicU64::new(0),
                in_flight: AtomicUsize::new(0),
                peak: AtomicUsize::new(0),
                first_served: OnceLock::new(),
                listening_since: OnceLock::new(),
            });
            let app = Router::new()
                .route(JOB_PATH, get(job))
                .with_state(Arc::clone(&backend));
            let (stop, mut stopped) = oneshot::channel::<()>();
            let down_until = match fault {
                Fault::DownUntil(at) => Some(epoch + at),
                _ => None,
            };
            let state = Arc::clone(&backend);
            // A server that is up listens before `start` returns; a down
            // one stays bound but not listening: every connection refused.
            let bound = match down_until {
                None => {
                    let _ = backend.listening_since.set(Instant::now());
                    Bound::Listening(socket.listen(BACKLOG)?)
                }
                Some(back) => Bound::Down(socket, back),
            };
            let task = tokio::spawn(async move {
                let listener = match bound {
                    Bound::Listening(listener) => listener,
                    Bound::Down(socket, back) => {
                        let back = tokio::time::Instant::from_std(back);
                        tokio::select! {
                            _ = tokio::time::sleep_until(back) => {}
                            _ = &mut stopped => return Ok(()), // stopped while down
                        }
                        let listener = socket.listen(BACKLOG)?;
                        let _ = state.listening_since.set(Instant::now());
                        listener
                    }
                };
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await; // a stop sent, or its sender dropped
                    })
                    .await
            });
            servers.running.push(Running {
                backend,
                server: ServerTask::new(addr, stop, task),
            });
        }
        Ok(servers)
    }
}
// ANCHOR_END: start

impl FaultyServers {
    /// How many servers there are.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Each server's address, in the order of the plan.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.running.iter().map(|r| r.server.addr).collect()
    }

    /// The plan they run.
    pub fn plan(&self) -> &FaultPlan {
        &self.plan
    }

    /// When the run's clock started: every `back_at` counts from here.
    pub fn epoch(&self) -> Instant {
        self.epoch
    }

    /// Until when server `server` refuses connections by plan (`None` for
    /// a server that never starts down, or no such server).
    pub fn down_until(&self, server: usize) -> Option<Instant> {
        match self.plan.faults.get(server)? {
            Fault::DownUntil(at) => Some(self.epoch + *at),
            _ => None,
        }
    }

    /// When server `server` started listening (`None` while it is down).
    pub fn listening_since(&self, server: usize) -> Option<Instant> {
        self.running
            .get(server)?
            .backend
            .listening_since
            .get()
            .copied()
    }

    /// For the first server that starts down: from its planned return
    /// (`epoch + back_at`) to the first request it served. `None` if no
    /// server starts down or it has served nothing yet.
    pub fn recovery(&self) -> Option<Duration> {
        let server = self
            .plan
            .faults
            .iter()
            .position(|f| matches!(f, Fault::DownUntil(_)))?;
        let back = self.down_until(server)?;
        let first = self.running[server].backend.first_served.get()?;
        Some(first.saturating_duration_since(back))
    }

    /// Each server's counts now, in the order of the plan.
    pub fn stats(&self) -> Vec<FaultStats> {
        self.running
            .iter()
            .map(|r| {
                let b = &r.backend;
                FaultStats {
                    received: b.received.load(Ordering::Relaxed),
                    served: b.served.load(Ordering::Relaxed),
                    failed: b.failed.load(Ordering::Relaxed),
                    stalled: b.stalled.load(Ordering::Relaxed),
                    abandoned: b.abandoned.load(Ordering::Relaxed),
                    in_flight: b.in_flight.load(Ordering::Relaxed),
                    peak: b.peak.load(Ordering::Relaxed),
                    first_served: b.first_served.get().copied(),
                }
            })
            .collect()
    }
}

// ANCHOR: shutdown
impl FaultyServers {
    /// Stops every server as section 4.2's are stopped: gracefully, each
    /// letting its requests in progress finish (a stalled one too), a
    /// server still down just releasing its port; every task joined, one
    /// still busy after
    /// [`SHUTDOWN_GRACE`](crate::load_balancing::loopback::SHUTDOWN_GRACE)
    /// aborted.
    pub async fn shutdown(mut self) -> io::Result<()> {
        ServerTask::stop_all(self.running.iter_mut().map(|r| &mut r.server).collect())
            .await
    }
}

impl Drop for FaultyServers {
    /// Stops whatever [`FaultyServers::shutdown`] did not: the abort drops
    /// each listener (or the bound socket of a server still down) at once,
    /// so the ports refuse new connections.
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
    fn attempts_round_trip_through_their_path() {
        let path = attempt_path(17, Duration::from_micros(2300), 2);
        assert_eq!(path, "/job?id=17&work_us=2300&try=2");
        let uri: Uri = path.parse().unwrap();
        let want = Attempt {
            id: 17,
            work_us: 2300,
            try_no: 2,
        };
        assert_eq!(parse_attempt(&uri), Some(want));
        for bad in ["/job", "/job?id=1&work_us=3", "/job?id=x&work_us=3&try=0"] {
            assert_eq!(parse_attempt(&bad.parse().unwrap()), None, "{bad}");
        }
    }

    #[test]
    fn attempt_units_are_stable_uniform_and_differ_by_try() {
        assert_eq!(attempt_unit(1, 1, 5, 0), attempt_unit(1, 1, 5, 0));
        assert_ne!(attempt_unit(1, 1, 5, 0), attempt_unit(1, 1, 5, 1));
        assert_ne!(attempt_unit(1, 1, 5, 0), attempt_unit(2, 1, 5, 0));
        assert_ne!(attempt_unit(1, 1, 5, 0), attempt_unit(1, 2, 5, 0));
        let n = 20_000;
        let below = (0..n).filter(|&id| attempt_unit(7, 1, id, 0) < 0.3).count() as f64;
        assert!((0.28..0.32).contains(&(below / n as f64)), "{below}");
        assert!((0..n).all(|id| (0.0..1.0).contains(&attempt_unit(3, 0, id, 1))));
    }

    #[test]
    fn bad_plans_are_refused() {
        assert!(FaultPlan::default().validate().is_ok());
        let mut plan = FaultPlan::default();
        plan.faults.clear();
        assert!(plan.validate().is_err());
        let plan = FaultPlan {
            slots: 0,
            ..FaultPlan::default()
        };
        assert!(plan.validate().is_err());
        for x in [-0.1, 1.5, f64::NAN] {
            assert!(FaultPlan::all_flaky(1, 3, x).validate().is_err(), "{x}");
        }
        assert_eq!(
            FaultPlan::default().back_at(),
            Some(Duration::from_millis(300))
        );
        assert_eq!(FaultPlan::all_flaky(1, 3, 1.0).back_at(), None);
    }

    fn refused(addr: SocketAddr) -> bool {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_down_server_refuses_until_back_at_then_listens_on_its_port() {
        let plan = FaultPlan {
            faults: vec![Fault::DownUntil(Duration::from_millis(150)), Fault::Healthy],
            slots: 1,
            seed: 1,
        };
        let servers = FaultyServers::start(&plan).await.unwrap();
        let addrs = servers.addrs();
        assert!(refused(addrs[0]), "down: refused");
        assert!(!refused(addrs[1]), "healthy: accepts");
        assert!(servers.listening_since(0).is_none());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!refused(addrs[0]), "back: accepts on the same port");
        let since = servers.listening_since(0).unwrap();
        assert!(since >= servers.down_until(0).unwrap());
        servers.shutdown().await.unwrap();
        assert!(refused(addrs[0]) && refused(addrs[1]), "stopped");
    }
}
