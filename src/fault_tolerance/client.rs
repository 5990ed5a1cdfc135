//! Section 4.3 fixed: a client that becomes fault tolerant one step at a
//! time, against the servers of [`super::faults`].
//!
//! Every step is a fresh run of the same seeded open-loop schedule
//! (section 4.2's [`run_open_loop`]) against fresh servers with the same
//! faults, and each adds one mechanism to the step before:
//!
//! | step | adds | what it fixes |
//! |---|---|---|
//! | 0 | nothing: a random server, one try | (the source's way) |
//! | 1 | a per-try timeout under the overall deadline | a stall no longer holds a request for 250 ms |
//! | 2 | retries, capped exponential backoff, full jitter, same server | a 503 or a timeout is tried again |
//! | 3 | failover: each retry goes to the next server | a dead server no longer loses its requests |
//! | 4 | a circuit breaker per server | the dead server stops costing a refused connect per request |
//! | 5 | a retry budget | retries stop when most calls fail |
//! | 6 | hedging: a second call after the p95 | a stall no longer costs a timeout |
//!
//! [`run_step`] runs one step and returns a [`StepReport`], one row of the
//! table [`print_table`] prints. The tower client of
//! [`super::tower_stack`] fills the same rows.

use std::error::Error as StdError;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::breaker::{BreakerConfig, CircuitBreaker, Ticket};
use super::budget::RetryBudget;
use super::faults::{FaultPlan, FaultStats, FaultyServers, attempt_path, mix};
use crate::load_balancing::loadgen::{Arrival, Report, run_open_loop};
use crate::trends::backoff::Backoff;

/// How one call (one attempt at one server) failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The connection was refused: nothing reached a server.
    Refused,
    /// The per-try timeout passed before the answer.
    Timeout,
    /// The server answered with this status (not a success).
    Status(u16),
    /// Any other transport error (a reset, a closed connection).
    Transport(String),
    /// Every server's breaker refused: no call was made.
    NoServer,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Refused => f.write_str("connection refused"),
            CallError::Timeout => f.write_str("per-try timeout"),
            CallError::Status(s) => write!(f, "answered {s}"),
            CallError::Transport(e) => write!(f, "transport error: {e}"),
            CallError::NoServer => f.write_str("every circuit breaker is open"),
        }
    }
}

impl StdError for CallError {}

// ANCHOR: refused
/// Whether `err`, or any error under it, is an I/O error "connection
/// refused": Go's `errors.Is(err, syscall.ECONNREFUSED)`. hyper-util wraps
/// the connector's `io::Error` in its own error (`is_connect()` is true),
/// so the walk goes down the `source()` chain.
pub fn is_refused(err: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>()
            && io.kind() == io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        next = e.source();
    }
    false
}
// ANCHOR_END: refused

// ANCHOR: retry_decision
/// Whether a call that failed with `err` may be sent again. A refused
/// connection never reached a server: safe. A 503 is safe here because
/// these servers promise it: they answer 503 before doing any work. That
/// is their contract, not HTTP's (RFC 9110, section 15.6.4, says only that
/// the server cannot handle the request for now). A timeout, a broken
/// connection, a 502 or a 504 (a proxy gave up) may have left the work
/// done, so they are retried only if doing it twice is harmless (an
/// idempotent GET). A 400 will fail again, and a 500 may have done half
/// the work: no other status is retried.
pub fn safe_to_retry(err: &CallError, idempotent: bool) -> bool {
    match err {
        CallError::Refused | CallError::NoServer => true,
        CallError::Status(503) => true,
        CallError::Status(502 | 504) | CallError::Timeout | CallError::Transport(_) => {
            idempotent
        }
        CallError::Status(_) => false,
    }
}
// ANCHOR_END: retry_decision

// ANCHOR: server_unwell
/// Whether a call that failed with `err` counts against its server, for
/// its breaker and for the retry budget: it refused the connection, timed
/// out, broke the connection, or answered a 5xx. Any other status (a 4xx)
/// is an answer: the request was wrong and the server is well, so it
/// counts as a success. The tower client's breaker layer uses this rule.
pub fn server_unwell(err: &CallError) -> bool {
    match err {
        CallError::Refused | CallError::Timeout | CallError::Transport(_) => true,
        CallError::Status(status) => (500..600).contains(status),
        CallError::NoServer => false, // no call was made
    }
}
// ANCHOR_END: server_unwell

/// Sends attempts to the servers over HTTP/1.1 and classifies how they
/// fail. Cloning it shares one connection pool.
#[derive(Debug, Clone)]
pub struct FaultSender {
    client: Client<HttpConnector, Empty<Bytes>>,
    bases: Arc<Vec<String>>,
}

impl FaultSender {
    /// A client for the servers at `addrs` (server `i` is `addrs[i]`).
    pub fn new(addrs: &[SocketAddr]) -> Self {
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(http);
        let bases = addrs.iter().map(|a| format!("http://{a}")).collect();
        FaultSender {
            client,
            bases: Arc::new(bases),
        }
    }

    /// How many servers it can send to.
    pub fn servers(&self) -> usize {
        self.bases.len()
    }

    /// Sends try `try_no` of `arrival` to `server`, with no timeout of its
    /// own; the future ends when the whole answer has been read.
    pub fn call(
        &self,
        server: usize,
        arrival: &Arrival,
        try_no: u32,
    ) -> impl Future<Output = Result<(), CallError>> + Send + use<> {
        let uri = format!(
            "{}{}",
            self.bases[server],
            attempt_path(arrival.id, arrival.work, try_no)
        );
        let client = self.client.clone();
        async move {
            let uri = uri
                .parse()
                .map_err(|e| CallError::Transport(format!("{e}")))?;
            let response = client.get(uri).await.map_err(|e| {
                if is_refused(&e) {
                    CallError::Refused
                } else {
                    CallError::Transport(e.to_string())
                }
            })?;
            let status = response.status();
            let body = response.into_body().collect().await;
            body.map_err(|e| CallError::Transport(e.to_string()))?;
            if !status.is_success() {
                return Err(CallError::Status(status.as_u16()));
            }
            Ok(())
        }
    }
}

/// The steps, each adding one mechanism to the one before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// A random server, one try, no timeout but the overall deadline.
    Once,
    /// Adds a per-try timeout.
    Timeouts,
    /// Adds retries with capped exponential backoff and full jitter, to
    /// the same server.
    Retries,
    /// Adds failover: a retry goes to the next server.
    Failover,
    /// Adds a circuit breaker per server.
    Breaker,
    /// Adds a retry budget.
    Budget,
    /// Adds hedging after about the p95.
    Hedge,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 7] = [
        Step::Once,
        Step::Timeouts,
        Step::Retries,
        Step::Failover,
        Step::Breaker,
        Step::Budget,
        Step::Hedge,
    ];

    /// Its number, from 0.
    pub fn number(self) -> usize {
        self as usize
    }

    /// Its row label.
    pub fn name(self) -> &'static str {
        match self {
            Step::Once => "0 one random try",
            Step::Timeouts => "1 + per-try timeout",
            Step::Retries => "2 + retries, same server",
            Step::Failover => "3 + failover",
            Step::Breaker => "4 + circuit breaker",
            Step::Budget => "5 + retry budget",
            Step::Hedge => "6 + hedging",
        }
    }
}

/// The knobs every step shares; a step turns some of them on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Knobs {
    /// A request not answered with success this long after it was sent is
    /// lost.
    pub deadline: Duration,
    /// How long one try may take (steps 1 and later).
    pub per_try_timeout: Duration,
    /// Retries after the first try (steps 2 and later).
    pub max_retries: u32,
    /// The backoff between tries (steps 2 and later).
    pub backoff: Backoff,
    /// The breakers (steps 4 and later).
    pub breaker: BreakerConfig,
    /// The retry budget's maximum tokens (step 5 and later).
    pub budget_max_tokens: u32,
    /// Tokens a success gives back: retries stop when more than a
    /// fraction `ratio / (1 + ratio)` of calls fail. 0.5 (a third) rides
    /// out one server of three failing every call.
    pub budget_token_ratio: f64,
    /// The hedge delay (step 6); `None`: [`run_all`] takes
    /// [`hedge_delay_of`] the schedule.
    pub hedge_after: Option<Duration>,
    /// The seed of the client's own choices (first server, jitter).
    pub seed: u64,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            deadline: Duration::from_millis(500),
            per_try_timeout: Duration::from_millis(50),
            max_retries: 3,
            backoff: Backoff::new(Duration::from_millis(5), Duration::from_millis(50))
                .expect("a valid backoff"),
            breaker: BreakerConfig {
                failures_to_open: 3,
                cool_down: Duration::from_millis(100),
            },
            budget_max_tokens: 10,
            budget_token_ratio: 0.5,
            hedge_after: None,
            seed: 1,
        }
    }
}

/// What one client does: the mechanisms on, and their settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientConfig {
    /// The overall deadline of a request.
    pub deadline: Duration,
    /// The timeout of one try, if any.
    pub per_try_timeout: Option<Duration>,
    /// Retries after the first try (0: none).
    pub max_retries: u32,
    /// The backoff between tries.
    pub backoff: Backoff,
    /// Whether a retry goes to another server than the one that failed.
    pub failover: bool,
    /// One breaker per server with this configuration, if any.
    pub breaker: Option<BreakerConfig>,
    /// A retry budget (max tokens, token ratio), if any.
    pub budget: Option<(u32, f64)>,
    /// Send a second call to another server when the first has not
    /// answered after this long, if set.
    pub hedge_after: Option<Duration>,
    /// Whether the requests may run twice (GETs: yes).
    pub idempotent: bool,
    /// The seed of the client's choices.
    pub seed: u64,
}

impl ClientConfig {
    /// The client of `step`, with `knobs`' settings. A hedging step with
    /// no hedge delay in `knobs` hedges after the per-try timeout's fifth.
    pub fn for_step(step: Step, knobs: &Knobs) -> Self {
        ClientConfig {
            deadline: knobs.deadline,
            per_try_timeout: (step >= Step::Timeouts).then_some(knobs.per_try_timeout),
            max_retries: if step >= Step::Retries {
                knobs.max_retries
            } else {
                0
            },
            backoff: knobs.backoff,
            failover: step >= Step::Failover,
            breaker: (step >= Step::Breaker).then_some(knobs.breaker),
            budget: (step >= Step::Budget)
                .then_some((knobs.budget_max_tokens, knobs.budget_token_ratio)),
            hedge_after: (step >= Step::Hedge)
                .then(|| knobs.hedge_after.unwrap_or(knobs.per_try_timeout / 5)),
            idempotent: true,
            seed: knobs.seed,
        }
    }
}

/// What the client counted during a run.
#[derive(Debug, Default)]
struct Counters {
    calls: AtomicU64,
    calls_while_down: AtomicU64,
    hedges: AtomicU64,
    throttled: AtomicU64,
    skipped: AtomicU64,
}

/// Why a request was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lost {
    /// Its last try failed and no retry was allowed (or left).
    Failed(CallError),
    /// Its overall deadline passed.
    Deadline,
}

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Lost::Failed(e) => write!(f, "lost: {e}"),
            Lost::Deadline => f.write_str("lost: the deadline passed"),
        }
    }
}

impl StdError for Lost {}

/// The resilient client: one per run, shared by every request's task.
#[derive(Debug)]
pub struct ResilientClient {
    config: ClientConfig,
    sender: FaultSender,
    breakers: Vec<CircuitBreaker>,
    budget: Option<RetryBudget>,
    down_until: Vec<Option<Instant>>,
    start: Instant,
    counters: Counters,
    call_latency: std::sync::Mutex<Histogram<u64>>,
}

/// A histogram of microseconds from 1 µs to a minute.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

impl ResilientClient {
    /// A client of `config` for `servers`. Its breakers' clock starts now.
    /// Refused: a breaker or budget configuration that does not validate.
    pub fn new(config: ClientConfig, servers: &FaultyServers) -> io::Result<Self> {
        let invalid = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
        let breakers = match config.breaker {
            Some(b) => (0..servers.len())
                .map(|_| CircuitBreaker::new(b))
                .collect::<Result<_, _>>()
                .map_err(invalid)?,
            None => Vec::new(),
        };
        let budget = match config.budget {
            Some((max, ratio)) => Some(RetryBudget::new(max, ratio).map_err(invalid)?),
            None => None,
        };
        Ok(ResilientClient {
            config,
            sender: FaultSender::new(&servers.addrs()),
            breakers,
            budget,
            down_until: (0..servers.len()).map(|i| servers.down_until(i)).collect(),
            start: Instant::now(),
            counters: Counters::default(),
            call_latency: std::sync::Mutex::new(histogram()),
        })
    }

    /// The time the breakers read: since the client was made.
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// The first server of `id`, drawn from a generator seeded by the
    /// client's seed and the request's id, so it does not depend on timing.
    fn request_rng(&self, id: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(mix(self.config.seed) ^ id)
    }

    // ANCHOR: failover
    /// The next call's server: the first one in the request's `order`,
    /// from position `from` round, whose breaker admits it (any server,
    /// without breakers), never `avoid`. Returns its position in `order`,
    /// the server and its ticket; `None`: every breaker refused.
    fn admit(
        &self,
        order: &[usize],
        from: usize,
        avoid: Option<usize>,
    ) -> Option<(usize, usize, Option<Ticket>)> {
        let n = order.len();
        for k in 0..n {
            let pos = (from + k) % n;
            let server = order[pos];
            if Some(server) == avoid {
                continue;
            }
            let Some(breaker) = self.breakers.get(server) else {
                return Some((pos, server, None)); // no breakers: take it
            };
            match breaker.try_call(self.now()) {
                Ok(ticket) => return Some((pos, server, Some(ticket))),
                Err(_) => {
                    self.counters.skipped.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        None
    }
    // ANCHOR_END: failover

    // ANCHOR: call
    /// One call: counted, bounded by the per-try timeout, its outcome
    /// reported to the server's breaker and to the budget ([`server_unwell`]
    /// says which errors count as failures). Dropped half
    /// way (the hedge lost, the deadline passed), it reports nothing: the
    /// ticket's `Drop` tells the breaker it never ended.
    async fn call(
        &self,
        server: usize,
        ticket: Option<Ticket>,
        arrival: &Arrival,
        try_no: u32,
    ) -> Result<(), CallError> {
        let started = Instant::now();
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        if self.down_until[server].is_some_and(|until| started < until) {
            self.counters
                .calls_while_down
                .fetch_add(1, Ordering::Relaxed);
        }
        let call = self.sender.call(server, arrival, try_no);
        let outcome = match self.config.per_try_timeout {
            // context.WithTimeout: the call's future is dropped when it fires.
            Some(limit) => tokio::time::timeout(limit, call)
                .await
                .unwrap_or(Err(CallError::Timeout)),
            None => call.await,
        };
        if outcome.is_ok() {
            let micros = started.elapsed().as_micros() as u64;
            let mut h = self.call_latency.lock().unwrap_or_else(|e| e.into_inner());
            h.saturating_record(micros.max(1));
        }
        // A 4xx is an answer: a success for the breaker and the budget.
        let unwell = outcome.as_ref().is_err_and(server_unwell);
        if let Some(ticket) = ticket {
            if unwell {
                ticket.failure(self.now());
            } else {
                ticket.success(self.now());
            }
        }
        if let Some(budget) = &self.budget {
            if unwell {
                budget.on_failure();
            } else {
                budget.on_success();
            }
        }
        outcome
    }
    // ANCHOR_END: call

    // ANCHOR: hedge
    /// One try at `server`. With hedging on, a call that has not answered
    /// after the hedge delay gets a twin at another server, if a breaker
    /// admits one and the budget allows a retry. The first success wins
    /// and the other call's future is dropped: dropping it closes its
    /// connection, and the server's handler runs on until it sees that.
    async fn try_once(
        &self,
        (order, pos): (&[usize], usize),
        ticket: Option<Ticket>,
        arrival: &Arrival,
        try_no: u32,
    ) -> Result<(), CallError> {
        let server = order[pos];
        let first = self.call(server, ticket, arrival, try_no);
        let Some(delay) = self.config.hedge_after else {
            return first.await;
        };
        tokio::pin!(first);
        tokio::select! {
            outcome = &mut first => return outcome,
            () = tokio::time::sleep(delay) => {} // slow: hedge
        }
        if self.budget.as_ref().is_some_and(|b| !b.can_retry()) {
            self.counters.throttled.fetch_add(1, Ordering::Relaxed);
            return first.await;
        }
        let Some((_, other, other_ticket)) = self.admit(order, pos + 1, Some(server))
        else {
            return first.await;
        };
        self.counters.hedges.fetch_add(1, Ordering::Relaxed);
        let second = self.call(other, other_ticket, arrival, try_no);
        tokio::pin!(second);
        tokio::select! {
            outcome = &mut first => match outcome {
                Ok(()) => Ok(()), // `second` is dropped here: it lost
                Err(_) => second.await,
            },
            // The twin answered first. If it failed, the first call is
            // past the p95 already: drop it too and let the retry loop move
            // on, rather than wait for its timeout.
            outcome = &mut second => outcome,
        }
    }
    // ANCHOR_END: hedge

    fn n(&self) -> usize {
        self.sender.servers()
    }

    // ANCHOR: request
    /// Every try of one request, until one succeeds, the error is not safe
    /// to retry, the retries (or the budget) run out.
    async fn tries(&self, arrival: &Arrival) -> Result<(), Lost> {
        let mut rng = self.request_rng(arrival.id);
        // The request's own order of the servers, seeded: its first server
        // is uniform at random, as the source picks; failover goes round.
        let mut order: Vec<usize> = (0..self.n()).collect();
        order.shuffle(&mut rng);
        let cfg = &self.config;
        let (mut pos, mut try_no) = (0, 0);
        loop {
            let outcome = match self.admit(&order, pos, None) {
                Some((chosen, _, ticket)) => {
                    pos = chosen;
                    self.try_once((&order, pos), ticket, arrival, try_no).await
                }
                None => Err(CallError::NoServer),
            };
            let err = match outcome {
                Ok(()) => return Ok(()),
                Err(err) => err,
            };
            if try_no >= cfg.max_retries || !safe_to_retry(&err, cfg.idempotent) {
                return Err(Lost::Failed(err));
            }
            // ANCHOR: budget_use
            if let Some(budget) = &self.budget
                && !budget.can_retry()
            {
                self.counters.throttled.fetch_add(1, Ordering::Relaxed);
                return Err(Lost::Failed(err)); // too many calls fail: stop
            }
            // ANCHOR_END: budget_use
            // ANCHOR: backoff
            let wait = cfg.backoff.full_jitter(try_no, &mut rng);
            tokio::time::sleep(wait).await;
            // ANCHOR_END: backoff
            if cfg.failover {
                pos += 1; // the next server in the request's order
            }
            try_no += 1;
        }
    }

    /// One request, bounded by its overall deadline: Go's
    /// `context.WithTimeout(ctx, deadline)` around every try and backoff.
    /// When it passes, the future of the try in progress is dropped.
    pub fn send(
        self: &Arc<Self>,
        arrival: &Arrival,
    ) -> impl Future<Output = Result<(), Lost>> + Send + use<> {
        let client = Arc::clone(self);
        let arrival = *arrival;
        let deadline = Instant::now() + self.config.deadline;
        async move {
            let deadline = tokio::time::Instant::from_std(deadline);
            tokio::time::timeout_at(deadline, client.tries(&arrival))
                .await
                .unwrap_or(Err(Lost::Deadline))
        }
    }
    // ANCHOR_END: request

    /// The p95 of the successful calls' latencies so far.
    pub fn call_p95(&self) -> Duration {
        let h = self.call_latency.lock().unwrap_or_else(|e| e.into_inner());
        Duration::from_micros(h.value_at_quantile(0.95))
    }
}

/// One row of the table: what one client measured over one run.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The row's label (at most 28 characters).
    pub name: String,
    /// Requests in the schedule.
    pub requests: usize,
    /// Requests not answered with success by their deadline: failed,
    /// dropped at the deadline, or panicked.
    pub lost: usize,
    /// The median latency of the answered requests, from their send time.
    pub p50: Duration,
    /// The 99th percentile latency of the answered requests.
    pub p99: Duration,
    /// Every call the client started: tries, hedges and refused connects.
    pub calls: u64,
    /// Calls started to the down server before its planned return.
    pub calls_while_down: u64,
    /// From the down server's planned return to the first request it
    /// served; `None` if it served none.
    pub recovery: Option<Duration>,
    /// The p95 of the successful calls' latencies (each from its own
    /// start): what a hedge delay is measured from.
    pub call_p95: Duration,
    /// Hedges sent.
    pub hedges: u64,
    /// Retries or hedges the budget refused.
    pub throttled: u64,
    /// How late the generator sent its latest request (a busy machine).
    pub lag: Duration,
    /// What each server counted.
    pub servers: Vec<FaultStats>,
}

impl StepReport {
    /// Calls per request: 1 is one call each; 1.3 means 30% more load.
    pub fn calls_per_request(&self) -> f64 {
        self.calls as f64 / self.requests.max(1) as f64
    }

    /// Calls to the down server while it was down, per request.
    pub fn down_calls_per_request(&self) -> f64 {
        self.calls_while_down as f64 / self.requests.max(1) as f64
    }
}

/// The time the open loop runs past its last arrival: the deadline, and
/// a margin for the last answers to be read.
const RUN_MARGIN: Duration = Duration::from_millis(200);

/// Starts fresh servers with `plan`, sends `arrivals` through a client of
/// `config` with the open-loop generator, stops the servers, and returns
/// the row.
pub async fn run_step(
    name: &str,
    config: ClientConfig,
    plan: &FaultPlan,
    arrivals: &[Arrival],
) -> io::Result<StepReport> {
    Ok(run_step_with_report(name, config, plan, arrivals).await?.0)
}

// ANCHOR: run_step
/// [`run_step`], returning also the open loop's own report (its latency
/// histogram holds every answered request).
pub async fn run_step_with_report(
    name: &str,
    config: ClientConfig,
    plan: &FaultPlan,
    arrivals: &[Arrival],
) -> io::Result<(StepReport, Report)> {
    let servers = FaultyServers::start(plan).await?;
    let client = Arc::new(ResilientClient::new(config, &servers)?);
    let last = arrivals.last().map_or(Duration::ZERO, |a| a.at);
    let run_for = last + config.deadline + RUN_MARGIN;
    let report = run_open_loop(arrivals, run_for, |a| client.send(a)).await;
    let stats = servers.stats();
    let recovery = servers.recovery();
    let c = &client.counters;
    let row = StepReport {
        name: name.to_string(),
        requests: report.scheduled,
        lost: report.scheduled - report.completed,
        p50: report.quantile(0.5),
        p99: report.quantile(0.99),
        calls: c.calls.load(Ordering::Relaxed),
        calls_while_down: c.calls_while_down.load(Ordering::Relaxed),
        recovery,
        call_p95: client.call_p95(),
        hedges: c.hedges.load(Ordering::Relaxed),
        throttled: c.throttled.load(Ordering::Relaxed),
        lag: report.lag,
        servers: stats,
    };
    drop(client); // close the pooled connections, so shutdown is quick
    servers.shutdown().await?;
    Ok((row, report))
}
// ANCHOR_END: run_step

/// The token ratio of gRPC's own retry-throttling examples
/// (`"retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}`): retries stop
/// once more than 1 call in 11 fails.
pub const GRPC_EXAMPLE_TOKEN_RATIO: f64 = 0.1;

/// The table's rows: each step's name and client, step 5 twice (with
/// gRPC's example token ratio, then with `knobs`' own).
pub fn all_rows(knobs: &Knobs) -> Vec<(String, ClientConfig)> {
    let mut rows = Vec::new();
    for step in Step::ALL {
        match step {
            Step::Budget => {
                for ratio in [GRPC_EXAMPLE_TOKEN_RATIO, knobs.budget_token_ratio] {
                    let k = Knobs {
                        budget_token_ratio: ratio,
                        ..*knobs
                    };
                    let name = format!("5 + budget, ratio {ratio}");
                    rows.push((name, ClientConfig::for_step(step, &k)));
                }
            }
            _ => {
                rows.push((step.name().to_string(), ClientConfig::for_step(step, knobs)))
            }
        }
    }
    rows
}

// ANCHOR: run_all
/// The hedge delay fixed beforehand from the schedule: the p95 of the
/// jobs' sizes (the work a healthy server does) plus 2 ms for the round
/// trip. tower's `Hedge` measures its delay as it goes instead.
pub fn hedge_delay_of(arrivals: &[Arrival]) -> Duration {
    let mut sizes: Vec<Duration> = arrivals.iter().map(|a| a.work).collect();
    sizes.sort_unstable();
    let p95 = sizes
        .get((sizes.len() * 95 / 100).min(sizes.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default();
    p95 + Duration::from_millis(2)
}

/// Every row over the same plan and schedule: steps 0 to 6, step 5 twice
/// (with gRPC's example token ratio, then with `knobs`' own). They run at
/// the same time, each against its own fresh servers: each run mostly
/// waits on timers and sockets, and all of them meet the same machine.
/// Without `knobs.hedge_after`, step 6 hedges after [`hedge_delay_of`].
pub async fn run_all(
    knobs: &Knobs,
    plan: &FaultPlan,
    arrivals: &[Arrival],
) -> io::Result<Vec<StepReport>> {
    let knobs = Knobs {
        hedge_after: Some(knobs.hedge_after.unwrap_or(hedge_delay_of(arrivals))),
        ..*knobs
    };
    let arrivals: Arc<[Arrival]> = arrivals.into();
    let mut runs = tokio::task::JoinSet::new();
    for (i, (name, config)) in all_rows(&knobs).into_iter().enumerate() {
        let (plan, arrivals) = (plan.clone(), Arc::clone(&arrivals));
        runs.spawn(async move { (i, run_step(&name, config, &plan, &arrivals).await) });
    }
    let mut rows: Vec<Option<StepReport>> = vec![None; runs.len()];
    while let Some(joined) = runs.join_next().await {
        let (i, row) = joined.map_err(io::Error::other)?;
        rows[i] = Some(row?);
    }
    Ok(rows.into_iter().flatten().collect())
}
// ANCHOR_END: run_all

/// Milliseconds behind a `~`, with `decimals` decimals.
fn ms(d: Duration, decimals: usize) -> String {
    format!("~{:.*}", decimals, d.as_secs_f64() * 1000.0)
}

// ANCHOR: print_table
/// The table of rows, one line each: requests lost; the median and p99
/// latency of the answered ones; calls per request; calls to the down
/// server while it was down, per request; and the down server's recovery.
/// Every measured value follows a `~`, and cells are separated by single
/// spaces, so masking the values leaves every line the same.
pub fn print_table(rows: &[StepReport]) -> String {
    let mut out = String::new();
    out.push_str("lost: of the requests; p50, p99: ms, answered requests only;\n");
    out.push_str("calls: per request, every attempt; down: calls per request to\n");
    out.push_str(
        "server 0 while it was down; back: ms from its return to its first answer\n",
    );
    for r in rows {
        let back = r.recovery.map_or("-".to_string(), |d| ms(d, 0));
        out.push_str(&format!(
            "{:<28} lost ~{} p50 {} p99 {} calls ~{:.2} down ~{:.2} back {back}\n",
            r.name,
            r.lost,
            ms(r.p50, 1),
            ms(r.p99, 0),
            r.calls_per_request(),
            r.down_calls_per_request(),
        ));
    }
    out
}
// ANCHOR_END: print_table

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fault_tolerance::breaker::State;

    #[test]
    fn only_safe_errors_are_retried() {
        assert!(safe_to_retry(&CallError::Refused, false));
        assert!(safe_to_retry(&CallError::Status(503), false));
        assert!(safe_to_retry(&CallError::Timeout, true));
        assert!(!safe_to_retry(&CallError::Timeout, false));
        assert!(!safe_to_retry(&CallError::Status(400), true));
        assert!(!safe_to_retry(&CallError::Status(500), true));
    }

    #[test]
    fn each_step_adds_one_mechanism() {
        let k = Knobs::default();
        let c = |s| ClientConfig::for_step(s, &k);
        assert_eq!(c(Step::Once).per_try_timeout, None);
        assert_eq!(c(Step::Once).max_retries, 0);
        assert!(c(Step::Timeouts).per_try_timeout.is_some());
        assert_eq!(c(Step::Retries).max_retries, 3);
        assert!(!c(Step::Retries).failover && c(Step::Failover).failover);
        assert!(
            c(Step::Failover).breaker.is_none() && c(Step::Breaker).breaker.is_some()
        );
        assert!(c(Step::Breaker).budget.is_none() && c(Step::Budget).budget.is_some());
        assert!(
            c(Step::Budget).hedge_after.is_none() && c(Step::Hedge).hedge_after.is_some()
        );
    }

    /// A client of `config` over one server at `addr` that is never down,
    /// without the faulty servers' bookkeeping.
    fn client_of(config: ClientConfig, addr: std::net::SocketAddr) -> ResilientClient {
        ResilientClient {
            breakers: config
                .breaker
                .map(|b| vec![CircuitBreaker::new(b).unwrap()])
                .unwrap_or_default(),
            budget: config
                .budget
                .map(|(max, r)| RetryBudget::new(max, r).unwrap()),
            config,
            sender: FaultSender::new(&[addr]),
            down_until: vec![None],
            start: Instant::now(),
            counters: Counters::default(),
            call_latency: std::sync::Mutex::new(histogram()),
        }
    }

    #[tokio::test]
    async fn a_400_opens_no_breaker_and_spends_no_budget() {
        use axum::http::StatusCode;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/job",
            axum::routing::get(|| std::future::ready((StatusCode::BAD_REQUEST, "no"))),
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        let config = ClientConfig::for_step(Step::Budget, &Knobs::default());
        let client = client_of(config, addr);
        let failures_to_open = Knobs::default().breaker.failures_to_open;
        for id in 0..u64::from(failures_to_open) * 2 {
            let job = Arrival {
                id,
                at: Duration::ZERO,
                work: Duration::from_millis(1),
                key: 0,
            };
            let Ok(ticket) = client.breakers[0].try_call(client.now()) else {
                panic!("the breaker opened after {id} answers 400");
            };
            let outcome = client.call(0, Some(ticket), &job, 0).await;
            assert_eq!(outcome, Err(CallError::Status(400)));
        }
        let state = client.breakers[0].state();
        assert_eq!(state, State::Closed { failures: 0 }, "{state:?}");
        let budget = client.budget.as_ref().unwrap();
        assert_eq!(budget.tokens(), budget.max_tokens(), "a 400 spent budget");
        server.abort();
    }

    #[tokio::test]
    async fn a_refused_connect_is_told_apart() {
        // A port bound by nobody: take one from the OS and let it go.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let sender = FaultSender::new(&[addr]);
        let job = Arrival {
            id: 1,
            at: Duration::ZERO,
            work: Duration::from_millis(1),
            key: 0,
        };
        assert_eq!(sender.call(0, &job, 0).await, Err(CallError::Refused));
    }
}
