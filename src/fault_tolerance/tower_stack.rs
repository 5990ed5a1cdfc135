//! Section 4.3 fixed, with the production tools: tower's middleware
//! against the same faulty servers and the same schedule as the
//! hand-written client in [`super::client`].
//!
//! A tower `Service` is a function from a request to a future of a
//! response; a `Layer` wraps one service in another, as a Go
//! `http.RoundTripper` wraps another `RoundTripper`. The client here is one
//! stack of layers over an [`Endpoint`] (one HTTP attempt to one server):
//!
//! ```text
//!   Timeout(deadline)        the whole request: every try, backoff and hedge
//!   Buffer                   one shared stack for every task
//!   Hedge (optional)         a second request to the next server after p95
//!   Retry(FailoverPolicy)    safe errors only, TpsBudget, backoff, next server
//!   ConcurrencyLimit         attempts in flight from this client
//!   BreakerLayer (optional)  one CircuitBreaker per server: refuse, send nothing
//!   Timeout(per_try)         one attempt
//!   Endpoint                 HTTP/1.1 GET /job?id=..&work_us=..&try=..
//! ```
//!
//! The order is the design: the same `TimeoutLayer` is a per-try timeout
//! inside `Retry` and an overall deadline outside it. tower 0.5 has
//! `timeout`, `retry` (with `budget::TpsBudget` and
//! `backoff::ExponentialBackoffMaker`), `limit` and `hedge`, but no circuit
//! breaker: [`BreakerLayer`] wraps this crate's
//! [`CircuitBreaker`] as a layer.
//!
//! [`backon_send`] retries one request with the `backon` crate instead:
//! the maintained retry crate for code outside tower (`backoff` is
//! unmaintained, RUSTSEC-2025-0012).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::StatusCode;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::seq::SliceRandom;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tower::hedge::Hedge;
use tower::retry::Policy;
use tower::retry::backoff::{
    Backoff, ExponentialBackoff, ExponentialBackoffMaker, MakeBackoff,
};
use tower::retry::budget::{Budget, TpsBudget};
use tower::timeout::Timeout;
use tower::timeout::error::Elapsed;
use tower::util::BoxCloneService;
use tower::{Layer, Service, ServiceBuilder, ServiceExt};

use super::breaker::{BreakerConfig, BreakerStats, CircuitBreaker, Refusal};
use super::client::{
    CallError as HandError, Knobs, StepReport, is_refused, safe_to_retry,
    server_unwell as hand_unwell,
};
use super::faults::{FaultPlan, FaultStats, FaultyServers, attempt_path, mix};
use crate::load_balancing::loadgen::{Arrival, Report, run_open_loop};
use crate::support::error::{ModelError, fraction};

/// Any error a request can end with.
pub type BoxError = tower::BoxError;

/// A boxed future of one attempt or one request.
type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The whole client as one cloneable service.
pub type TowerService = BoxCloneService<Job, (), BoxError>;

/// One request as the stack sees it: which job, sent to which server, as
/// which try. The retry policy changes `server` and `try_no` between
/// tries; the hedge policy changes them for its second request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// The request's id (the schedule's arrival id).
    pub id: u64,
    /// Its size: how long a server works on it.
    pub work: Duration,
    /// The server this try goes to.
    pub server: usize,
    /// The try number the server reads from the path, from 0.
    pub try_no: u32,
}

impl Job {
    /// The first try of `arrival`: to the first server of its
    /// [`request_order`].
    pub fn first(arrival: &Arrival, seed: u64, servers: usize) -> Self {
        Job {
            id: arrival.id,
            work: arrival.work,
            server: request_order(seed, arrival.id, servers)[0],
            try_no: 0,
        }
    }
}

/// Why one attempt failed, as the layers below the retry report it.
#[derive(Debug)]
pub enum CallError {
    /// The connection could not be made (refused: nothing was sent).
    Connect {
        /// The server.
        server: usize,
        /// What the connector said.
        error: BoxError,
    },
    /// The server answered with a status that is not a success.
    Status {
        /// The server.
        server: usize,
        /// Its answer.
        status: StatusCode,
    },
    /// The server's circuit breaker refused the call: nothing was sent.
    BreakerOpen {
        /// The server.
        server: usize,
        /// Why it refused.
        refusal: Refusal,
    },
    /// Anything else (a connection broken while the answer was read).
    Other {
        /// The server.
        server: usize,
        /// The error.
        error: BoxError,
    },
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Connect { server, error } => {
                write!(f, "server {server}: could not connect: {error}")
            }
            CallError::Status { server, status } => {
                write!(f, "server {server} answered {status}")
            }
            CallError::BreakerOpen { server, refusal } => {
                write!(f, "server {server}: {refusal}")
            }
            CallError::Other { server, error } => write!(f, "server {server}: {error}"),
        }
    }
}

impl std::error::Error for CallError {}

// ANCHOR: classify
/// What the retry policy may do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Safe to try again: nothing was sent (a refused connection), the
    /// server said it did not do the work (503), or the job may run twice
    /// (a timeout or a broken connection of an idempotent GET).
    Safe,
    /// The breaker refused: nothing was sent and nothing was learnt about
    /// the server, so the next server is tried at once, with no backoff
    /// and no budget.
    Skipped,
    /// Retrying cannot help (a 400) or may do the work twice (a 500).
    Unsafe,
}

/// The jobs are GETs: running one twice is harmless.
const IDEMPOTENT: bool = true;

/// Sorts an attempt's error by the hand-written client's own rule,
/// [`safe_to_retry`], so that both clients retry the same failures.
pub fn classify(error: &BoxError) -> Verdict {
    match as_hand_error(error) {
        None => Verdict::Skipped,
        Some(seen) if safe_to_retry(&seen, IDEMPOTENT) => Verdict::Safe,
        Some(_) => Verdict::Unsafe,
    }
}

/// An attempt's error as the hand-written client names it; `None`: the
/// breaker refused, and no call was made.
fn as_hand_error(error: &BoxError) -> Option<HandError> {
    if error.is::<Elapsed>() {
        return Some(HandError::Timeout); // tower's per-try timeout fired
    }
    Some(match error.downcast_ref::<CallError>() {
        Some(CallError::BreakerOpen { .. }) => return None,
        Some(CallError::Connect { error, .. }) if is_refused(&**error) => {
            HandError::Refused
        }
        Some(CallError::Status { status, .. }) => HandError::Status(status.as_u16()),
        _ => HandError::Transport(error.to_string()),
    })
}
// ANCHOR_END: classify

/// What the client side counted: every attempt that reached the network.
#[derive(Debug)]
pub struct CallLog {
    /// Attempts sent (refused connections included).
    calls: AtomicU64,
    /// Attempts sent to a server while it was down by plan.
    while_down: AtomicU64,
    /// Attempts in flight now, and their peak.
    in_flight: AtomicUsize,
    peak: AtomicUsize,
    /// Per server: attempts sent.
    per_server: Vec<AtomicU64>,
    /// Per server: until when it is down by plan.
    down_until: Vec<Option<Instant>>,
    /// Latencies of the successful attempts, in microseconds.
    latency: Mutex<Histogram<u64>>,
}

/// What a [`CallLog`] counted, read once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallCounts {
    /// Attempts sent (refused connections included).
    pub calls: u64,
    /// Attempts sent to a server while it was down.
    pub while_down: u64,
    /// The most attempts in flight at once.
    pub peak_in_flight: usize,
    /// Attempts per server.
    pub per_server: Vec<u64>,
    /// The p95 of the successful attempts' latencies, each from its start.
    pub call_p95: Duration,
}

impl CallLog {
    /// A log for `servers` servers; `down_until[i]` is when server `i`
    /// comes back (`None`: never down).
    pub fn new(down_until: Vec<Option<Instant>>) -> Self {
        CallLog {
            calls: AtomicU64::new(0),
            while_down: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            per_server: down_until.iter().map(|_| AtomicU64::new(0)).collect(),
            down_until,
            latency: Mutex::new(
                Histogram::new_with_bounds(1, 60_000_000, 3)
                    .expect("valid histogram bounds"),
            ),
        }
    }

    /// The counts now.
    pub fn counts(&self) -> CallCounts {
        CallCounts {
            calls: self.calls.load(Ordering::Relaxed),
            while_down: self.while_down.load(Ordering::Relaxed),
            peak_in_flight: self.peak.load(Ordering::Relaxed),
            per_server: self
                .per_server
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .collect(),
            call_p95: Duration::from_micros(lock(&self.latency).value_at_quantile(0.95)),
        }
    }

    fn record_success(&self, took: Duration) {
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        lock(&self.latency).saturating_record(micros);
    }

    fn start(self: &Arc<Self>, server: usize) -> InFlight {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if let Some(c) = self.per_server.get(server) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(Some(until)) = self.down_until.get(server)
            && Instant::now() < *until
        {
            self.while_down.fetch_add(1, Ordering::Relaxed);
        }
        let now = self.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(now, Ordering::Relaxed);
        InFlight(Arc::clone(self))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One attempt in flight until dropped (answered, failed or cancelled).
struct InFlight(Arc<CallLog>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

// ANCHOR: endpoint
/// One attempt to one server: the bottom of the stack, like Go's
/// `http.Transport` under every `RoundTripper` that wraps it. It sends
/// `job` to server `job.server` and reads the whole answer. Cloning it
/// shares the connection pool and the counts.
#[derive(Debug, Clone)]
pub struct Endpoint {
    client: Client<HttpConnector, Empty<Bytes>>,
    bases: Arc<Vec<String>>,
    log: Arc<CallLog>,
}

impl Endpoint {
    /// An endpoint for the servers at `bases` (`http://127.0.0.1:port`),
    /// counting into `log`.
    pub fn new(bases: Vec<String>, log: Arc<CallLog>) -> Self {
        Endpoint {
            client: Client::builder(TokioExecutor::new()).build_http(),
            bases: Arc::new(bases),
            log,
        }
    }

    /// How many servers it can reach.
    pub fn servers(&self) -> usize {
        self.bases.len()
    }
}

impl Service<Job> for Endpoint {
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<Result<(), BoxError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(())) // the pool opens connections as it needs them
    }

    fn call(&mut self, job: Job) -> Self::Future {
        let server = job.server;
        let uri = format!(
            "{}{}",
            self.bases[server % self.bases.len()],
            attempt_path(job.id, job.work, job.try_no)
        );
        let in_flight = self.log.start(server);
        let client = self.client.clone();
        let started = Instant::now();
        Box::pin(async move {
            let in_flight = in_flight; // dropped with this future, however it ends
            let response = client.get(uri.parse()?).await.map_err(|e| {
                if e.is_connect() {
                    CallError::Connect {
                        server,
                        error: e.into(),
                    }
                } else {
                    CallError::Other {
                        server,
                        error: e.into(),
                    }
                }
            })?;
            let status = response.status();
            let body = response.into_body().collect().await; // read to the end
            body.map_err(|e| CallError::Other {
                server,
                error: e.into(),
            })?;
            if !status.is_success() {
                return Err(CallError::Status { server, status }.into());
            }
            in_flight.0.record_success(started.elapsed());
            Ok(())
        })
    }
}
// ANCHOR_END: endpoint

/// tower's `Rng` fed by a seeded `ChaCha8Rng`, so jitter is reproducible.
#[derive(Debug, Clone)]
pub struct SeededRng(ChaCha8Rng);

impl SeededRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng(ChaCha8Rng::seed_from_u64(seed))
    }
}

impl tower::util::rng::Rng for SeededRng {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// Request `id`'s order of the `servers` servers, as the hand-written
/// client draws it (a shuffle by a `ChaCha8Rng` seeded with the client's
/// seed and the id): its first server is uniform at random, and failover
/// goes round the order. Both clients meet the same first tries.
pub fn request_order(seed: u64, id: u64, servers: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..servers.max(1)).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(seed) ^ id));
    order
}

/// The server after `server` in `order` (round).
fn after(order: &[usize], server: usize) -> usize {
    let pos = order.iter().position(|&s| s == server).unwrap_or(0);
    order[(pos + 1) % order.len()]
}

/// What the retry policies of one run counted, shared by all requests.
#[derive(Debug, Default)]
pub struct RetryCounts {
    /// Retries the policy sent (after a backoff).
    pub retries: AtomicU64,
    /// Servers skipped at once because their breaker refused.
    pub skips: AtomicU64,
    /// Failures not retried because they were unsafe (a 400).
    pub unsafe_errors: AtomicU64,
    /// Failures not retried because the budget was overdrawn.
    pub budget_refused: AtomicU64,
    /// Failures not retried because the request had used its retries.
    pub exhausted: AtomicU64,
}

impl RetryCounts {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// (retries, skips, unsafe, budget refused, exhausted), read now.
    pub fn read(&self) -> [u64; 5] {
        [
            self.retries.load(Ordering::Relaxed),
            self.skips.load(Ordering::Relaxed),
            self.unsafe_errors.load(Ordering::Relaxed),
            self.budget_refused.load(Ordering::Relaxed),
            self.exhausted.load(Ordering::Relaxed),
        ]
    }
}

// ANCHOR: policy
/// tower's retry policy for the faulty servers.
///
/// `Retry` clones the policy for every request, so the fields after
/// `counts` are per request; the budget and the counts are shared
/// (`Arc`). After each failed try, [`Policy::retry`] decides, and may
/// change the request it will send again: here it moves the request to
/// the next server and bumps its try number (failover). Under a hedge,
/// each of a request's two branches is a request of its own here: it
/// deposits once and retries on its own.
#[derive(Debug, Clone)]
pub struct FailoverPolicy {
    max_retries: u32,
    failover: bool,
    servers: usize,
    backoff: BackoffConfig,
    seed: u64,
    budget: Option<Arc<TpsBudget>>,
    counts: Arc<RetryCounts>,
    // Per request, from here on.
    retries: u32,
    skips_in_a_row: usize,
    deposited: bool,
    order: Option<Vec<usize>>,
    session: Option<ExponentialBackoff<SeededRng>>,
}

impl Policy<Job, (), BoxError> for FailoverPolicy {
    type Future = BoxFuture<()>;

    fn retry(
        &mut self,
        job: &mut Job,
        result: &mut Result<(), BoxError>,
    ) -> Option<Self::Future> {
        if let (Some(budget), false) = (&self.budget, self.deposited) {
            budget.deposit(); // one deposit per request, on its first outcome
            self.deposited = true;
        }
        let error = result.as_ref().err()?; // a success: nothing to retry
        match classify(error) {
            Verdict::Unsafe => {
                RetryCounts::bump(&self.counts.unsafe_errors);
                return None;
            }
            Verdict::Skipped
                if self.failover && self.skips_in_a_row + 1 < self.servers =>
            {
                self.skips_in_a_row += 1;
                RetryCounts::bump(&self.counts.skips);
                job.server = self.next_server(job); // nothing sent: same try number
                return Some(Box::pin(std::future::ready(())));
            }
            // Safe, or every server's breaker refused in a row: a real retry.
            Verdict::Skipped | Verdict::Safe => {}
        }
        self.skips_in_a_row = 0;
        if self.retries >= self.max_retries {
            RetryCounts::bump(&self.counts.exhausted);
            return None;
        }
        if let Some(budget) = &self.budget
            && !budget.withdraw()
        {
            RetryCounts::bump(&self.counts.budget_refused);
            return None;
        }
        self.retries += 1;
        RetryCounts::bump(&self.counts.retries);
        job.try_no += 1;
        if self.failover {
            job.server = self.next_server(job);
        }
        if self.session.is_none() {
            self.session = Some(self.backoff_session(job.id)?);
        }
        let delay = self.session.as_mut()?.next_backoff();
        Some(Box::pin(delay))
    }

    fn clone_request(&mut self, job: &Job) -> Option<Job> {
        Some(*job) // a GET with no body: always cloneable
    }
}
// ANCHOR_END: policy

impl FailoverPolicy {
    /// A policy over `servers` servers with `config`'s retries and
    /// backoff, drawing on `budget` (none: retries limited only by
    /// `max_retries`), counting into `counts`.
    pub fn new(
        config: &TowerConfig,
        servers: usize,
        budget: Option<Arc<TpsBudget>>,
        counts: Arc<RetryCounts>,
    ) -> Self {
        FailoverPolicy {
            max_retries: config.max_retries,
            failover: true,
            servers: servers.max(1),
            backoff: config.backoff,
            seed: config.seed,
            budget,
            counts,
            retries: 0,
            skips_in_a_row: 0,
            deposited: false,
            order: None,
            session: None,
        }
    }

    /// Request `id`'s backoff session, its jitter seeded by the request:
    /// sessions made from one maker repeat the maker's random stream (it
    /// is cloned, not advanced), so every request would wait the same
    /// "random" delays and come back in step.
    fn backoff_session(&self, id: u64) -> Option<ExponentialBackoff<SeededRng>> {
        let seed = mix(self.seed) ^ id;
        Some(self.backoff.maker(seed).ok()?.make_backoff())
    }

    /// The server after `job.server` in the request's order.
    fn next_server(&mut self, job: &Job) -> usize {
        let (seed, servers) = (self.seed, self.servers);
        let order = self
            .order
            .get_or_insert_with(|| request_order(seed, job.id, servers));
        after(order, job.server)
    }
}

/// tower's exponential backoff: after failure `k` it waits
/// `min(max, min_delay · 2^k)` plus a random extra of up to `jitter` times
/// that (capped at `max`). It is not the "full jitter" of
/// [`crate::trends::backoff::Backoff`], which draws from [0, ceiling].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffConfig {
    /// The first delay.
    pub min: Duration,
    /// The longest delay.
    pub max: Duration,
    /// The random extra, as a fraction of the delay (0 to 100).
    pub jitter: f64,
}

impl BackoffConfig {
    /// tower's maker with this configuration and jitter drawn from `seed`.
    pub fn maker(
        self,
        seed: u64,
    ) -> Result<ExponentialBackoffMaker<SeededRng>, tower::retry::backoff::InvalidBackoff>
    {
        ExponentialBackoffMaker::new(
            self.min,
            self.max,
            self.jitter,
            SeededRng::new(seed),
        )
    }
}

/// tower's `TpsBudget::new(ttl, min_per_sec, retry_percent)`: every
/// request deposits, every retry withdraws; a retry is allowed while the
/// deposits of the last `ttl` allow it, plus a reserve of `min_per_sec`
/// retries a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BudgetConfig {
    /// How long a deposit counts (tower asserts 1 to 60 s).
    pub ttl: Duration,
    /// Retries allowed a second whatever the deposits (the reserve).
    pub min_per_sec: u32,
    /// Retries allowed per deposit (0.2: one retry per five requests).
    pub retry_percent: f32,
}

impl BudgetConfig {
    /// The budget, or the reason tower would panic on these numbers.
    pub fn build(self) -> Result<TpsBudget, ModelError> {
        let ttl = self.ttl.as_secs_f64();
        if !(1.0..=60.0).contains(&ttl) {
            return Err(ModelError::Inconsistent {
                why: format!("the budget's ttl is {ttl} s; tower wants 1 to 60 s"),
            });
        }
        let percent = f64::from(self.retry_percent);
        if !percent.is_finite() || !(0.0..=1000.0).contains(&percent) {
            return Err(ModelError::Inconsistent {
                why: format!("the retry percent is {percent}; tower wants 0 to 1000"),
            });
        }
        if self.min_per_sec >= i32::MAX as u32 {
            return Err(ModelError::TooLarge {
                what: "the budget's minimum retries a second",
                value: f64::from(self.min_per_sec),
                max: f64::from(i32::MAX - 1),
            });
        }
        Ok(TpsBudget::new(
            self.ttl,
            self.min_per_sec,
            self.retry_percent,
        ))
    }
}

/// tower's hedge: `Hedge::new(service, policy, min_data_points,
/// latency_percentile, period)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HedgeConfig {
    /// The latency percentile after which the second request is sent
    /// (0.95: p95), read from the successful requests' latencies, in
    /// whole milliseconds.
    pub percentile: f32,
    /// No hedge until the histogram it reads holds this many latencies.
    pub min_data_points: u64,
    /// The histogram rotates every `period`: hedges read the latencies of
    /// the previous period, so none is sent in the first period at all.
    pub period: Duration,
}

/// Every knob of the tower client.
#[derive(Debug, Clone, PartialEq)]
pub struct TowerConfig {
    /// The overall deadline of one request, every try included.
    pub deadline: Duration,
    /// The timeout of one try.
    pub per_try: Duration,
    /// Retries after the first try, at most.
    pub max_retries: u32,
    /// The backoff between tries.
    pub backoff: BackoffConfig,
    /// Every server's circuit breaker.
    pub breaker: BreakerConfig,
    /// The retry budget shared by every request.
    pub budget: BudgetConfig,
    /// Attempts in flight at once from this client, at most.
    pub max_in_flight: usize,
    /// The hedge.
    pub hedge: HedgeConfig,
    /// The seed of the first picks, the failover order and the jitter.
    pub seed: u64,
}

impl Default for TowerConfig {
    /// The scenario's numbers: deadline 500 ms, 50 ms a try, 3 retries,
    /// backoff from 5 ms to 50 ms; breakers opening after 3 failures for
    /// 100 ms; a budget of one retry per five requests over a reserve of
    /// 10 a second; 32 attempts in flight; hedging at p95 after 20
    /// latencies, in a histogram that rotates every 100 ms.
    fn default() -> Self {
        TowerConfig {
            deadline: Duration::from_millis(500),
            per_try: Duration::from_millis(50),
            max_retries: 3,
            backoff: BackoffConfig {
                min: Duration::from_millis(5),
                max: Duration::from_millis(50),
                jitter: 1.0,
            },
            breaker: BreakerConfig {
                failures_to_open: 3,
                cool_down: Duration::from_millis(100),
            },
            budget: BudgetConfig {
                ttl: Duration::from_secs(1),
                min_per_sec: 10,
                retry_percent: 0.2,
            },
            max_in_flight: 32,
            hedge: HedgeConfig {
                percentile: 0.95,
                min_data_points: 20,
                period: Duration::from_millis(100),
            },
            seed: 1,
        }
    }
}

impl TowerConfig {
    /// Checks every knob, so that no tower constructor panics or divides
    /// by zero later.
    pub fn validate(&self) -> Result<(), ModelError> {
        for (what, d) in [
            ("the deadline (seconds)", self.deadline),
            ("the per-try timeout (seconds)", self.per_try),
            ("the hedge's rotation period (seconds)", self.hedge.period),
        ] {
            if d.is_zero() {
                return Err(ModelError::TooSmall {
                    what,
                    value: 0.0,
                    min: f64::MIN_POSITIVE,
                });
            }
        }
        if self.max_in_flight == 0 {
            return Err(ModelError::TooSmall {
                what: "the attempts in flight",
                value: 0.0,
                min: 1.0,
            });
        }
        self.backoff
            .maker(0)
            .map_err(|e| ModelError::Inconsistent { why: e.to_string() })?;
        self.breaker.validate()?;
        self.budget.build()?;
        fraction("the hedge's percentile", f64::from(self.hedge.percentile))?;
        Ok(())
    }
}

// ANCHOR: breaker_layer
/// A circuit breaker per server as a tower layer (tower has none). It
/// sits below the retry, so a refusal is an error the policy sees
/// ([`Verdict::Skipped`]) and turns into a try of the next server.
#[derive(Debug, Clone)]
pub struct BreakerLayer {
    breakers: Arc<[CircuitBreaker]>,
    epoch: tokio::time::Instant,
}

impl<S> Layer<S> for BreakerLayer {
    type Service = BreakerService<S>;

    fn layer(&self, inner: S) -> BreakerService<S> {
        BreakerService {
            inner,
            breakers: Arc::clone(&self.breakers),
            epoch: self.epoch,
        }
    }
}

/// [`BreakerLayer`]'s service: asks `job.server`'s breaker before each
/// call and reports the outcome on its ticket.
#[derive(Debug, Clone)]
pub struct BreakerService<S> {
    inner: S,
    breakers: Arc<[CircuitBreaker]>,
    epoch: tokio::time::Instant,
}

impl<S> Service<Job> for BreakerService<S>
where
    S: Service<Job, Response = (), Error = BoxError>,
    S::Future: Send + 'static,
{
    type Response = ();
    type Error = BoxError;
    type Future = BoxFuture<Result<(), BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // The inner service must not reserve anything here that a refused
        // call would hold: that is why the concurrency limit sits above.
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, job: Job) -> Self::Future {
        let epoch = self.epoch;
        let Some(breaker) = self.breakers.get(job.server) else {
            return Box::pin(self.inner.call(job));
        };
        let ticket = match breaker.try_call(epoch.elapsed()) {
            Ok(ticket) => ticket,
            Err(refusal) => {
                // Refused: the inner service is never called, nothing is sent.
                let error = CallError::BreakerOpen {
                    server: job.server,
                    refusal,
                };
                return Box::pin(std::future::ready(Err(error.into())));
            }
        };
        let attempt = self.inner.call(job);
        Box::pin(async move {
            // Dropped while waiting (a lost hedge, the deadline): the
            // ticket's Drop reports "no outcome", never a failure.
            let result = attempt.await;
            if result.as_ref().is_err_and(server_unwell) {
                ticket.failure(epoch.elapsed());
            } else {
                ticket.success(epoch.elapsed()); // it answered, even if with a 400
            }
            result
        })
    }
}

/// Whether an attempt's error says the server is unwell: refused,
/// timed out, a 5xx, a broken answer. A 4xx says the request was wrong.
/// The hand-written client's rule, [`hand_unwell`], so both count alike.
fn server_unwell(error: &BoxError) -> bool {
    as_hand_error(error).is_some_and(|seen| hand_unwell(&seen))
}
// ANCHOR_END: breaker_layer

impl BreakerLayer {
    /// One breaker with `config` for each of `servers` servers, reading
    /// time from `epoch` (tokio's clock, so a test can pause it).
    pub fn new(
        servers: usize,
        config: BreakerConfig,
        epoch: tokio::time::Instant,
    ) -> Result<Self, ModelError> {
        let breakers = (0..servers)
            .map(|_| CircuitBreaker::new(config))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BreakerLayer {
            breakers: breakers.into(),
            epoch,
        })
    }

    /// The breakers, server by server.
    pub fn breakers(&self) -> &[CircuitBreaker] {
        &self.breakers
    }
}

// ANCHOR: hedge
/// tower's hedge policy: the second request goes to the next server in
/// the failover order, with a try number of its own, and is always
/// allowed (the job is idempotent).
#[derive(Debug, Clone)]
pub struct HedgeToNext {
    seed: u64,
    servers: usize,
    first_try: u32,
    sent: Arc<AtomicU64>,
}

impl tower::hedge::Policy<Job> for HedgeToNext {
    /// Called when the request starts (tower then keeps the clone only if
    /// its histogram holds `min_data_points` latencies).
    fn clone_request(&self, job: &Job) -> Option<Job> {
        let order = request_order(self.seed, job.id, self.servers);
        Some(Job {
            server: after(&order, job.server),
            try_no: self.first_try,
            ..*job
        })
    }

    /// Called when the percentile's delay has passed and the first
    /// request has not answered: the hedge is sent now.
    fn can_retry(&self, _: &Job) -> bool {
        self.sent.fetch_add(1, Ordering::Relaxed);
        true
    }
}

/// tower 0.5 has `Hedge::new` but no layer for it: this is one.
#[derive(Debug, Clone)]
pub struct HedgeLayer {
    policy: HedgeToNext,
    config: HedgeConfig,
}

impl<S> Layer<S> for HedgeLayer
where
    S: Service<Job> + Clone,
    S::Error: Into<BoxError>,
{
    type Service = Hedge<S, HedgeToNext>;

    fn layer(&self, inner: S) -> Self::Service {
        let c = self.config;
        Hedge::new::<Job>(
            inner,
            self.policy.clone(),
            c.min_data_points,
            c.percentile,
            c.period,
        )
    }
}
// ANCHOR_END: hedge

impl HedgeLayer {
    /// A hedge over `servers` servers whose second requests start at try
    /// `first_try` (above any try the first request's retries use).
    pub fn new(config: HedgeConfig, servers: usize, first_try: u32, seed: u64) -> Self {
        HedgeLayer {
            policy: HedgeToNext {
                seed,
                servers: servers.max(1),
                first_try,
                sent: Arc::new(AtomicU64::new(0)),
            },
            config,
        }
    }

    /// Hedges sent so far.
    pub fn sent(&self) -> u64 {
        self.policy.sent.load(Ordering::Relaxed)
    }
}

/// Requests the shared stack's buffer holds before a sender waits: more
/// than any run has outstanding.
const BUFFER_BOUND: usize = 4096;

// ANCHOR: stack
/// The whole client, outermost layer first. `breaker` and `hedge` are
/// optional layers (`None`: the layer is not there).
pub fn build_stack(
    config: &TowerConfig,
    endpoint: Endpoint,
    policy: FailoverPolicy,
    breaker: Option<BreakerLayer>,
    hedge: Option<HedgeLayer>,
) -> TowerService {
    let stack = ServiceBuilder::new()
        .timeout(config.deadline) // the whole request: tries, backoff, hedge
        .buffer(BUFFER_BOUND) // one stack shared by every task (Hedge is not Clone)
        .option_layer(hedge) // a second request, to the next server, after p95
        .retry(policy) // safe errors only, budget, backoff, next server
        .concurrency_limit(config.max_in_flight) // attempts in flight, at most
        .option_layer(breaker) // refuse a failing server without sending
        .timeout(config.per_try) // one try
        .service(endpoint);
    BoxCloneService::new(stack)
}
// ANCHOR_END: stack

// ANCHOR: backon
/// One request retried with `backon` instead of tower: at most
/// `max_retries` retries of safe errors, each to the next server of the
/// request's order, after an exponential backoff with jitter seeded per
/// request.
///
/// With this crate's features backon has no `std`, and then every
/// backoff built without a seed draws the same jitter (a fixed default
/// seed): pass one.
pub async fn backon_send(
    endpoint: Endpoint,
    first: Job,
    per_try: Duration,
    max_retries: u32,
    backoff: BackoffConfig,
    seed: u64,
) -> Result<(), BoxError> {
    let builder = ExponentialBuilder::default()
        .with_min_delay(backoff.min)
        .with_max_delay(backoff.max)
        .with_max_times(max_retries as usize)
        .with_jitter()
        .with_jitter_seed(seed ^ first.id.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let order = request_order(seed, first.id, endpoint.servers());
    let mut job = first;
    let attempt = move || {
        let this = job; // this try; the next one goes to the next server
        job.server = after(&order, job.server);
        job.try_no += 1;
        Timeout::new(endpoint.clone(), per_try).oneshot(this)
    };
    attempt
        .retry(builder)
        .when(|e| classify(e) == Verdict::Safe)
        .await
}
// ANCHOR_END: backon

/// The tower client's variants, each a row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TowerStep {
    /// Overall deadline, per-try timeout, retry with the budget, backoff
    /// and failover, and the concurrency limit.
    Retry,
    /// The same with a circuit breaker per server.
    Breaker,
    /// The same with the hedge on top.
    Hedge,
    /// No tower retry: backon retries each request (same timeouts,
    /// backoff and failover; no budget, no breaker).
    Backon,
}

impl TowerStep {
    /// The tower rows, in the order the table prints them.
    pub const TOWER: [TowerStep; 3] =
        [TowerStep::Retry, TowerStep::Breaker, TowerStep::Hedge];

    /// Every variant.
    pub const ALL: [TowerStep; 4] = [
        TowerStep::Retry,
        TowerStep::Breaker,
        TowerStep::Hedge,
        TowerStep::Backon,
    ];

    /// The row's name.
    pub fn name(self) -> &'static str {
        match self {
            TowerStep::Retry => "tower: retry+budget+failover",
            TowerStep::Breaker => "tower: + breaker layer",
            TowerStep::Hedge => "tower: + hedge",
            TowerStep::Backon => "backon: retry+failover",
        }
    }
}

/// What one run of a [`TowerStep`] measured.
#[derive(Debug, Clone)]
pub struct TowerRun {
    /// Which variant.
    pub step: TowerStep,
    /// What the open-loop generator measured.
    pub report: Report,
    /// Every attempt the client sent.
    pub calls: CallCounts,
    /// What the retry policies counted: retries, skips, unsafe errors,
    /// budget refusals, exhausted requests.
    pub retry: [u64; 5],
    /// Hedges sent.
    pub hedges: u64,
    /// What each server's breaker counted (empty without breakers).
    pub breakers: Vec<BreakerStats>,
    /// What each server counted.
    pub servers: Vec<FaultStats>,
    /// From the down server's return to its first answer.
    pub recovery: Option<Duration>,
}

impl TowerRun {
    /// Requests not answered with success by their deadline.
    pub fn lost(&self) -> usize {
        self.report.scheduled - self.report.completed
    }
}

/// The open loop waits this long after the last request's deadline.
const RUN_SLACK: Duration = Duration::from_millis(100);

// ANCHOR: run_step
/// Starts fresh faulty servers for `plan`, sends `arrivals` through
/// `step`'s client with the open-loop generator, stops the servers and
/// returns what both sides counted. Each request's first server and
/// failover order are [`request_order`]'s.
pub async fn run_step(
    step: TowerStep,
    plan: &FaultPlan,
    arrivals: &[Arrival],
    config: &TowerConfig,
) -> std::io::Result<TowerRun> {
    let invalid =
        |e: ModelError| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    config.validate().map_err(invalid)?;
    let servers = FaultyServers::start(plan).await?;
    let n = servers.len();
    let log = Arc::new(CallLog::new(
        (0..n).map(|i| servers.down_until(i)).collect(),
    ));
    let bases = servers
        .addrs()
        .iter()
        .map(|a| format!("http://{a}"))
        .collect();
    let endpoint = Endpoint::new(bases, Arc::clone(&log));
    let counts = Arc::new(RetryCounts::default());
    let budget = Arc::new(config.budget.build().map_err(invalid)?);
    let policy = FailoverPolicy::new(config, n, Some(budget), Arc::clone(&counts));
    let epoch = tokio::time::Instant::from_std(servers.epoch());
    let breaker = match step {
        TowerStep::Breaker | TowerStep::Hedge => {
            Some(BreakerLayer::new(n, config.breaker, epoch).map_err(invalid)?)
        }
        TowerStep::Retry | TowerStep::Backon => None,
    };
    let hedge = (step == TowerStep::Hedge)
        .then(|| HedgeLayer::new(config.hedge, n, config.max_retries + 1, config.seed));
    let run_for =
        arrivals.last().map_or(Duration::ZERO, |a| a.at) + config.deadline + RUN_SLACK;
    let report = if step == TowerStep::Backon {
        let (per_try, retries, backoff, seed) = (
            config.per_try,
            config.max_retries,
            config.backoff,
            config.seed,
        );
        let deadline = config.deadline;
        run_open_loop(arrivals, run_for, |a| {
            let job = Job::first(a, seed, n);
            let send =
                backon_send(endpoint.clone(), job, per_try, retries, backoff, seed);
            async move { tokio::time::timeout(deadline, send).await? }
        })
        .await
    } else {
        let client = build_stack(
            config,
            endpoint.clone(),
            policy,
            breaker.clone(),
            hedge.clone(),
        );
        let seed = config.seed;
        // The closure owns the client: when the run ends it is dropped, the
        // buffer's task ends, and with it its pooled connections.
        run_open_loop(arrivals, run_for, move |a| {
            client.clone().oneshot(Job::first(a, seed, n))
        })
        .await
    };
    drop(endpoint);
    let stats = servers.stats();
    let recovery = servers.recovery();
    servers.shutdown().await?;
    Ok(TowerRun {
        step,
        report,
        calls: log.counts(),
        retry: counts.read(),
        hedges: hedge.as_ref().map_or(0, HedgeLayer::sent),
        breakers: breaker.as_ref().map_or_else(Vec::new, |b| {
            b.breakers().iter().map(CircuitBreaker::stats).collect()
        }),
        servers: stats,
        recovery,
    })
}
// ANCHOR_END: run_step

impl TowerRun {
    /// The run as a row of the hand-written client's table.
    pub fn row(&self) -> StepReport {
        StepReport {
            name: self.step.name().to_string(),
            requests: self.report.scheduled,
            lost: self.lost(),
            p50: self.report.quantile(0.5),
            p99: self.report.quantile(0.99),
            calls: self.calls.calls,
            calls_while_down: self.calls.while_down,
            recovery: self.recovery,
            call_p95: self.calls.call_p95,
            hedges: self.hedges,
            throttled: self.retry[3],
            lag: self.report.lag,
            servers: self.servers.clone(),
        }
    }
}

impl TowerConfig {
    /// The tower client with the hand-written client's settings: the same
    /// deadline, per-try timeout, retries, backoff range, breakers and
    /// seed; tower's own budget, limit and hedge.
    pub fn from_knobs(knobs: &Knobs) -> Self {
        TowerConfig {
            deadline: knobs.deadline,
            per_try: knobs.per_try_timeout,
            max_retries: knobs.max_retries,
            backoff: BackoffConfig {
                min: knobs.backoff.ceiling(0),
                max: knobs.backoff.ceiling(u32::MAX),
                jitter: 1.0,
            },
            breaker: knobs.breaker,
            seed: knobs.seed,
            ..TowerConfig::default()
        }
    }
}

// ANCHOR: tower_rows
/// The tower client's rows, for the same table as the hand-written
/// client's: each of `steps` runs against its own fresh servers with
/// `plan` and the same `arrivals`, all at the same time (each run waits on
/// timers and sockets, as the hand-written steps do).
pub async fn tower_rows_of(
    steps: &[TowerStep],
    config: &TowerConfig,
    plan: &FaultPlan,
    arrivals: &[Arrival],
) -> std::io::Result<Vec<TowerRun>> {
    let arrivals: Arc<[Arrival]> = arrivals.into();
    let mut runs = tokio::task::JoinSet::new();
    for (i, &step) in steps.iter().enumerate() {
        let (plan, arrivals, config) =
            (plan.clone(), Arc::clone(&arrivals), config.clone());
        runs.spawn(async move { (i, run_step(step, &plan, &arrivals, &config).await) });
    }
    let mut done: Vec<Option<TowerRun>> = vec![None; steps.len()];
    while let Some(joined) = runs.join_next().await {
        let (i, run) = joined.map_err(std::io::Error::other)?;
        done[i] = Some(run?);
    }
    Ok(done.into_iter().flatten().collect())
}

/// The three tower rows ([`TowerStep::TOWER`]) with `knobs`' settings.
pub async fn tower_rows(
    knobs: &Knobs,
    plan: &FaultPlan,
    arrivals: &[Arrival],
) -> std::io::Result<Vec<StepReport>> {
    let config = TowerConfig::from_knobs(knobs);
    let runs = tower_rows_of(&TowerStep::TOWER, &config, plan, arrivals).await?;
    Ok(runs.iter().map(TowerRun::row).collect())
}
// ANCHOR_END: tower_rows

/// Below the table: what tower's rows counted beyond its columns. The
/// retries the budget refused, row by row; then, for the last row (the
/// hedging one of [`TowerStep::TOWER`]), the hedges sent and the attempts
/// each server saw abandoned. Measured values follow a `~`, and the lines
/// are the same whatever the values, so a masked run compares equal.
pub fn tower_notes(rows: &[StepReport]) -> String {
    let list = |values: Vec<u64>| {
        values
            .iter()
            .map(|v| format!("~{v}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!(
        "tower rows: the budget refused {} retries, row by row\n",
        list(rows.iter().map(|r| r.throttled).collect()),
    );
    if let Some(last) = rows.last() {
        out.push_str(&format!(
            "{}: ~{} hedges; attempts abandoned by the client: {}\n",
            last.name,
            last.hedges,
            list(last.servers.iter().map(|s| s.abandoned).collect()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault_tolerance::breaker::State;
    use crate::fault_tolerance::faults::Fault;
    use crate::load_balancing::loadgen::{Workload, schedule};
    use axum::Router;
    use axum::routing::get;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn job(id: u64, server: usize) -> Job {
        Job {
            id,
            work: Duration::from_micros(200),
            server,
            try_no: 0,
        }
    }

    /// A server on 127.0.0.1 that answers every request with `status` and
    /// counts them; aborted when the handle drops.
    struct StatusServer {
        base: String,
        hits: Arc<AtomicU64>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for StatusServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn status_server(status: StatusCode) -> StatusServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&hits);
        let app = Router::new().route(
            "/job",
            get(move || {
                counted.fetch_add(1, Ordering::Relaxed);
                std::future::ready((status, "answer"))
            }),
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        StatusServer { base, hits, task }
    }

    /// The stack without breaker or hedge over `bases`, with an optional
    /// budget and a short backoff.
    fn retry_client(
        bases: Vec<String>,
        budget: Option<BudgetConfig>,
    ) -> (TowerService, Arc<CallLog>, Arc<RetryCounts>) {
        let config = TowerConfig {
            backoff: BackoffConfig {
                min: ms(1),
                max: ms(2),
                jitter: 1.0,
            },
            ..TowerConfig::default()
        };
        let n = bases.len();
        let log = Arc::new(CallLog::new(vec![None; n]));
        let endpoint = Endpoint::new(bases, Arc::clone(&log));
        let counts = Arc::new(RetryCounts::default());
        let budget = budget.map(|b| Arc::new(b.build().unwrap()));
        let policy = FailoverPolicy::new(&config, n, budget, Arc::clone(&counts));
        let client = build_stack(&config, endpoint, policy, None, None);
        (client, log, counts)
    }

    fn bases(servers: &FaultyServers) -> Vec<String> {
        servers
            .addrs()
            .iter()
            .map(|a| format!("http://{a}"))
            .collect()
    }

    #[test]
    fn errors_are_sorted_as_the_hand_written_client_sorts_them() {
        let status = |code: u16| -> BoxError {
            let status = StatusCode::from_u16(code).unwrap();
            CallError::Status { server: 0, status }.into()
        };
        assert_eq!(classify(&status(503)), Verdict::Safe);
        assert_eq!(classify(&status(502)), Verdict::Safe);
        assert_eq!(classify(&status(400)), Verdict::Unsafe);
        assert_eq!(classify(&status(500)), Verdict::Unsafe);
        assert_eq!(classify(&Elapsed::new().into()), Verdict::Safe);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let connect = CallError::Connect {
            server: 0,
            error: refused.into(),
        };
        assert_eq!(classify(&connect.into()), Verdict::Safe);
        let open = CallError::BreakerOpen {
            server: 0,
            refusal: Refusal::Open,
        };
        assert_eq!(classify(&open.into()), Verdict::Skipped);
    }

    #[tokio::test]
    async fn the_policy_refuses_a_400_and_retries_a_503_and_a_refused_connect() {
        // A 400: one call, not retried.
        let bad = status_server(StatusCode::BAD_REQUEST).await;
        let (client, log, counts) = retry_client(vec![bad.base.clone()], None);
        let err = client.oneshot(job(1, 0)).await.unwrap_err();
        assert_eq!(classify(&err), Verdict::Unsafe, "{err}");
        assert_eq!(bad.hits.load(Ordering::Relaxed), 1);
        assert_eq!((log.counts().calls, counts.read()[2]), (1, 1));

        // A 503 every time: the first try and all 3 retries.
        let plan = FaultPlan::all_flaky(1, 1, 1.0);
        let flaky = FaultyServers::start(&plan).await.unwrap();
        let (client, log, counts) = retry_client(bases(&flaky), None);
        let err = client.oneshot(job(2, 0)).await.unwrap_err();
        assert!(err.to_string().contains("503"), "{err}");
        assert_eq!(log.counts().calls, 4);
        assert_eq!(flaky.stats()[0].failed, 4);
        assert_eq!(counts.read()[0], 3);
        flaky.shutdown().await.unwrap();

        // A refused connect: retried on the other server, which answers.
        let plan = FaultPlan {
            faults: vec![Fault::DownUntil(Duration::from_secs(60)), Fault::Healthy],
            slots: 4,
            seed: 1,
        };
        let servers = FaultyServers::start(&plan).await.unwrap();
        let (client, log, _) = retry_client(bases(&servers), None);
        client.oneshot(job(3, 0)).await.unwrap();
        assert_eq!(log.counts().per_server, vec![1, 1]);
        assert_eq!(servers.stats()[1].served, 1);
        servers.shutdown().await.unwrap();
    }

    /// An inner service that counts its calls and fails with a 503 or
    /// succeeds, as `healthy` says.
    #[derive(Clone)]
    struct Mock {
        calls: Arc<AtomicU64>,
        healthy: Arc<std::sync::atomic::AtomicBool>,
    }

    impl Service<Job> for Mock {
        type Response = ();
        type Error = BoxError;
        type Future = std::future::Ready<Result<(), BoxError>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, job: Job) -> Self::Future {
            self.calls.fetch_add(1, Ordering::Relaxed);
            std::future::ready(if self.healthy.load(Ordering::Relaxed) {
                Ok(())
            } else {
                Err(CallError::Status {
                    server: job.server,
                    status: StatusCode::SERVICE_UNAVAILABLE,
                }
                .into())
            })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_breaker_layer_refuses_while_open_and_lets_one_probe_through() {
        let mock = Mock {
            calls: Arc::new(AtomicU64::new(0)),
            healthy: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        };
        let config = BreakerConfig {
            failures_to_open: 3,
            cool_down: ms(100),
        };
        let layer = BreakerLayer::new(2, config, tokio::time::Instant::now()).unwrap();
        let mut svc = layer.layer(mock.clone());
        let calls = || mock.calls.load(Ordering::Relaxed);
        for _ in 0..3 {
            assert!(svc.ready().await.unwrap().call(job(1, 0)).await.is_err());
        }
        assert_eq!(calls(), 3);
        assert!(matches!(layer.breakers()[0].state(), State::Open { .. }));
        // Open: refused, and the inner service is not called.
        for _ in 0..5 {
            let err = svc
                .ready()
                .await
                .unwrap()
                .call(job(1, 0))
                .await
                .unwrap_err();
            assert_eq!(classify(&err), Verdict::Skipped, "{err}");
        }
        tokio::time::advance(ms(99)).await;
        assert!(svc.ready().await.unwrap().call(job(1, 0)).await.is_err());
        assert_eq!(calls(), 3, "the inner service was called while open");
        // The other server's breaker is its own.
        svc.ready()
            .await
            .unwrap()
            .call(job(1, 1))
            .await
            .unwrap_err();
        assert_eq!(calls(), 4);
        // Cool-down over: one probe goes through; while it is out, the
        // next call is refused.
        tokio::time::advance(ms(1)).await;
        mock.healthy.store(true, Ordering::Relaxed);
        let probe = svc.ready().await.unwrap().call(job(1, 0));
        assert_eq!(calls(), 5);
        let second = svc.ready().await.unwrap().call(job(2, 0)).await;
        assert!(second.is_err(), "a second probe went through");
        assert_eq!(calls(), 5);
        probe.await.unwrap();
        assert_eq!(layer.breakers()[0].state(), State::Closed { failures: 0 });
        svc.ready().await.unwrap().call(job(3, 0)).await.unwrap();
        assert_eq!(calls(), 6);
    }

    #[tokio::test]
    async fn the_breaker_layer_counts_a_400_as_an_answer_and_a_503_as_a_failure() {
        let config = BreakerConfig {
            failures_to_open: 3,
            cool_down: ms(100),
        };
        for (code, opens) in [(400, false), (503, true)] {
            let answer = move |job: Job| {
                let status = StatusCode::from_u16(code).unwrap();
                let error = CallError::Status {
                    server: job.server,
                    status,
                };
                std::future::ready(Err::<(), BoxError>(error.into()))
            };
            let layer =
                BreakerLayer::new(1, config, tokio::time::Instant::now()).unwrap();
            let mut svc = layer.layer(tower::service_fn(answer));
            for id in 0..6 {
                let _ = svc.ready().await.unwrap().call(job(id, 0)).await;
            }
            let state = layer.breakers()[0].state();
            assert_eq!(
                matches!(state, State::Open { .. }),
                opens,
                "{code}: {state:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_budget_stops_retries_after_many_failures() {
        // Every attempt answered 503: without a budget each request costs
        // 4 calls; with one, about one retry per five requests.
        let requests = 50;
        let plan = FaultPlan::all_flaky(1, 3, 1.0);
        let mut calls = Vec::new();
        for budget in [
            None,
            Some(BudgetConfig {
                ttl: Duration::from_secs(1),
                min_per_sec: 1,
                retry_percent: 0.2,
            }),
        ] {
            let servers = FaultyServers::start(&plan).await.unwrap();
            let (client, log, counts) = retry_client(bases(&servers), budget);
            let mut set = tokio::task::JoinSet::new();
            for id in 0..requests {
                set.spawn(client.clone().oneshot(job(id, (id % 3) as usize)));
            }
            while let Some(done) = set.join_next().await {
                assert!(done.unwrap().is_err());
            }
            calls.push((log.counts().calls, counts.read()[3]));
            drop(client);
            servers.shutdown().await.unwrap();
        }
        assert_eq!(calls[0], (4 * requests, 0), "without a budget");
        let (with_budget, refused) = calls[1];
        // 50 deposits allow 10 retries, the reserve 1 more.
        assert!(with_budget <= requests + 11, "{with_budget} calls");
        assert!(refused >= requests - 11, "{refused} refused");
    }

    #[tokio::test(start_paused = true)]
    async fn hedging_waits_for_its_data_points_then_asks_the_next_server() {
        // Server 0 takes 200 ms, the others 2 ms.
        let calls: Arc<Vec<AtomicU64>> =
            Arc::new((0..3).map(|_| AtomicU64::new(0)).collect());
        let counted = Arc::clone(&calls);
        let inner = tower::service_fn(move |job: Job| {
            counted[job.server].fetch_add(1, Ordering::Relaxed);
            let took = if job.server == 0 { ms(200) } else { ms(2) };
            async move {
                tokio::time::sleep(took).await;
                Ok::<_, BoxError>(())
            }
        });
        let config = HedgeConfig {
            percentile: 0.95,
            min_data_points: 10,
            period: ms(100),
        };
        let hedge = HedgeLayer::new(config, 3, 4, 1);
        let mut svc = hedge.layer(inner);
        // Cold: no latencies yet, so no hedge; the request takes 200 ms.
        let started = tokio::time::Instant::now();
        svc.ready().await.unwrap().call(job(7, 0)).await.unwrap();
        assert_eq!(started.elapsed(), ms(200));
        assert_eq!(hedge.sent(), 0);
        // Warm-up: 20 fast requests fill the histogram being written; one
        // period later it is the one read.
        for id in 100..120 {
            svc.ready().await.unwrap().call(job(id, 1)).await.unwrap();
        }
        tokio::time::advance(ms(70)).await;
        let started = tokio::time::Instant::now();
        svc.ready().await.unwrap().call(job(7, 0)).await.unwrap();
        assert_eq!(hedge.sent(), 1);
        assert!(started.elapsed() <= ms(5), "{:?}", started.elapsed());
        let next = after(&request_order(1, 7, 3), 0);
        assert_eq!(
            calls[next].load(Ordering::Relaxed),
            1 + u64::from(next == 1) * 20
        );
        assert_eq!(calls[0].load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn backon_retries_a_refused_connect_on_the_next_server_and_not_a_400() {
        let plan = FaultPlan {
            faults: vec![Fault::DownUntil(Duration::from_secs(60)), Fault::Healthy],
            slots: 4,
            seed: 1,
        };
        let servers = FaultyServers::start(&plan).await.unwrap();
        let log = Arc::new(CallLog::new(vec![None; 2]));
        let endpoint = Endpoint::new(bases(&servers), Arc::clone(&log));
        let backoff = TowerConfig::default().backoff;
        backon_send(endpoint, job(1, 0), ms(50), 3, backoff, 1)
            .await
            .unwrap();
        assert_eq!(log.counts().per_server, vec![1, 1]);
        servers.shutdown().await.unwrap();

        let bad = status_server(StatusCode::BAD_REQUEST).await;
        let log = Arc::new(CallLog::new(vec![None]));
        let endpoint = Endpoint::new(vec![bad.base.clone()], Arc::clone(&log));
        let err = backon_send(endpoint, job(2, 0), ms(50), 3, backoff, 1)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("400"), "{err}");
        assert_eq!(bad.hits.load(Ordering::Relaxed), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn sessions_of_one_tower_maker_repeat_its_jitter() {
        // Why the policy seeds a backoff per request: `make_backoff` clones
        // the maker's generator, so every session draws the same delays.
        let delays = |mut b: ExponentialBackoff<SeededRng>| -> Vec<Duration> {
            (0..3)
                .map(|_| b.next_backoff().deadline() - tokio::time::Instant::now())
                .collect()
        };
        let config = TowerConfig::default().backoff;
        let mut maker = config.maker(1).unwrap();
        let (a, b) = (delays(maker.make_backoff()), delays(maker.make_backoff()));
        assert_eq!(a, b);
        let c = delays(config.maker(2).unwrap().make_backoff());
        assert_ne!(a, c);
        // Each delay is the base (5, 10, 20 ms) plus up to as much again.
        for (k, d) in a.iter().enumerate() {
            let base = ms(5) * 2u32.pow(k as u32);
            assert!(*d >= base && *d <= (base * 2).min(ms(50)), "{k}: {d:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_request_draws_its_own_jitter() {
        let counts = Arc::new(RetryCounts::default());
        let policy = FailoverPolicy::new(&TowerConfig::default(), 3, None, counts);
        let delays = |id| -> Vec<Duration> {
            let mut b = policy.backoff_session(id).unwrap();
            (0..3)
                .map(|_| b.next_backoff().deadline() - tokio::time::Instant::now())
                .collect()
        };
        assert_eq!(
            delays(1),
            delays(1),
            "seeded: the same request waits the same"
        );
        assert_ne!(delays(1), delays(2), "two requests back off in step");
    }

    #[test]
    fn backon_without_a_seed_draws_the_same_jitter_in_this_build() {
        use backon::BackoffBuilder;
        let unseeded = || {
            ExponentialBuilder::default()
                .with_jitter()
                .build()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            unseeded(),
            unseeded(),
            "backon's std feature is on: the seed is random"
        );
        let seeded = |s| {
            ExponentialBuilder::default()
                .with_jitter()
                .with_jitter_seed(s)
                .build()
                .collect::<Vec<_>>()
        };
        assert_ne!(seeded(1), seeded(2));
    }

    #[test]
    fn bad_configurations_are_refused() {
        assert!(TowerConfig::default().validate().is_ok());
        let bad: [fn(&mut TowerConfig); 14] = [
            |c| c.deadline = Duration::ZERO,
            |c| c.per_try = Duration::ZERO,
            |c| c.max_in_flight = 0,
            |c| c.backoff.min = ms(60),
            |c| c.backoff.jitter = f64::NAN,
            |c| c.backoff.jitter = -1.0,
            |c| c.breaker.failures_to_open = 0,
            |c| c.budget.ttl = ms(500),
            |c| c.budget.ttl = Duration::from_secs(61),
            |c| c.budget.retry_percent = f32::NAN,
            |c| c.budget.retry_percent = 1001.0,
            |c| c.budget.min_per_sec = u32::MAX,
            |c| c.hedge.period = Duration::ZERO,
            |c| c.hedge.percentile = 1.5,
        ];
        for (i, spoil) in bad.iter().enumerate() {
            let mut c = TowerConfig::default();
            spoil(&mut c);
            assert!(c.validate().is_err(), "case {i}: {c:?}");
        }
    }

    #[tokio::test]
    async fn on_the_scenario_the_breaker_spares_the_down_server_and_the_budget_bites() {
        let arrivals = schedule(&Workload {
            requests: 300,
            rate: 500.0,
            mean_work: ms(2),
            keys: 1,
            seed: 1,
        });
        let config = TowerConfig::from_knobs(&Knobs::default());
        let plan = FaultPlan::default();
        let runs = tower_rows_of(&TowerStep::TOWER, &config, &plan, &arrivals)
            .await
            .unwrap();
        let [retry, breaker, hedge] = [&runs[0], &runs[1], &runs[2]];
        // About a third of the requests before 300 ms start at the down
        // server; without a breaker each costs a refused connect.
        assert!(retry.calls.while_down > 30, "{:?}", retry.calls);
        assert!(breaker.calls.while_down * 3 < retry.calls.while_down);
        assert!(hedge.calls.while_down * 3 < retry.calls.while_down);
        // More than a fifth of the requests need a retry: tower's budget
        // refuses some, and each refusal is a lost request.
        assert!(retry.retry[3] > 0, "{:?}", retry.retry);
        assert!(retry.lost() >= retry.retry[3] as usize);
        assert!(hedge.hedges > 0);
        for run in &runs {
            assert_eq!(run.report.scheduled, 300);
            assert!(
                run.recovery.is_some(),
                "{}: server 0 never served",
                run.step.name()
            );
            assert_eq!(run.report.sent, 300);
        }
        let rows: Vec<StepReport> = runs.iter().map(TowerRun::row).collect();
        assert!(rows.iter().all(|r| r.name.len() <= 28));
    }
}
