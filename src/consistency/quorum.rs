//! Section 4.4 fixed: a client of replicated registers, with quorums.
//!
//! Every operation is sent to all N replicas of [`super::replicas`]; the
//! client waits for the first R answers (a read) or W acknowledgements (a
//! write), until a deadline. It never waits for all N: a slow or dead
//! replica costs nothing while enough others answer.
//!
//! - A **write** first learns the highest version: it asks the replicas
//!   for theirs and waits for R answers, then writes its value with the
//!   counter one above the highest it saw and its own id
//!   ([`Version::next`]), and waits for W acknowledgements.
//! - A **read** asks, waits for R answers and takes the one with the
//!   highest version. What it then does with it is the [`Repair`]:
//!   nothing; read repair (send the newest, without waiting, to the
//!   replicas that answered older, as Dynamo and Riak do; Cassandra
//!   instead blocks the read until the repair is acknowledged); or ABD's
//!   write-back (send it to all and wait for W acknowledgements before
//!   returning: H. Attiya, A. Bar-Noy and D. Dolev, "Sharing memory
//!   robustly in message-passing systems", JACM 1995).
//!
//! With R + W > N every read quorum meets every write quorum, so a read
//! hears of every write acknowledged before it began. That alone is not
//! linearizability: a read can see a write that is still on its way (it
//! reached one replica), and a later read can miss it. ABD's write-back
//! closes that gap: no read returns a value before a quorum holds it.
//!
//! Too few answers by the deadline is an error, [`QuorumError`], which a
//! history records as [`Outcome::Failed`]: the client says it does not
//! know rather than answer something it cannot vouch for.
//!
//! [`run`] plays a seeded workload (several clients, a few keys) against
//! fresh replicas, records the history ([`Operation`]s timed from one
//! common start) and has [`linearizability::check`] judge it; [`stale_reads`]
//! counts the reads that plainly returned an old value. [`scripted_stale_read`]
//! and [`scripted_inversion`] replay two histories step by step.

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Method, Request};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::history::{Call, Operation, Outcome};
use super::linearizability::{self, HistoryError, Report};
use super::register::{Version, Versioned};
use super::replicas::{DelayPlan, Envelope, Replicas, decode, get_path, put_path};
use crate::fault_tolerance::faults::mix;
use crate::support::error::ModelError;

// ANCHOR: config
/// What a read does with the newest value once it has R answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Nothing: return it.
    None,
    /// Send it, without waiting, to the replicas that answered older.
    ReadRepair,
    /// ABD: send it to every replica and wait for W acknowledgements
    /// before returning it.
    WriteBack,
}

/// A quorum client's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumConfig {
    /// N: how many replicas hold each key.
    pub replicas: usize,
    /// R: answers a read (and a write's first phase) waits for.
    pub read_quorum: usize,
    /// W: acknowledgements a write (and ABD's write-back) waits for.
    pub write_quorum: usize,
    /// What a read does with the newest value.
    pub repair: Repair,
    /// How long one operation may take, all its phases together.
    pub deadline: Duration,
}
// ANCHOR_END: config

impl QuorumConfig {
    /// ABD on `n` replicas: majorities for both quorums, and the write-back.
    pub fn abd(n: usize) -> QuorumConfig {
        let majority = n / 2 + 1;
        QuorumConfig {
            replicas: n,
            read_quorum: majority,
            write_quorum: majority,
            repair: Repair::WriteBack,
            deadline: Duration::from_millis(200),
        }
    }

    /// Dynamo-style quorums with read repair.
    pub fn dynamo(n: usize, r: usize, w: usize) -> QuorumConfig {
        QuorumConfig {
            replicas: n,
            read_quorum: r,
            write_quorum: w,
            repair: Repair::ReadRepair,
            deadline: Duration::from_millis(200),
        }
    }

    /// Refuses a configuration that cannot work: no replica, a quorum of 0
    /// or larger than N, a zero deadline.
    pub fn validate(&self) -> Result<(), ModelError> {
        let n = self.replicas;
        if n == 0 || n > MAX_REPLICAS {
            return Err(ModelError::Inconsistent {
                why: format!("{n} replicas; pick 1 to {MAX_REPLICAS}"),
            });
        }
        for (name, q) in [("R", self.read_quorum), ("W", self.write_quorum)] {
            if q == 0 || q > n {
                return Err(ModelError::Inconsistent {
                    why: format!("{name} = {q} with N = {n}; a quorum is 1 to N"),
                });
            }
        }
        if self.deadline.is_zero() {
            return Err(ModelError::Inconsistent {
                why: "a deadline of 0 lets no operation finish".into(),
            });
        }
        Ok(())
    }

    /// A short name: `N=3 R=2 W=2 ABD`.
    pub fn label(&self) -> String {
        let repair = match self.repair {
            Repair::None => "no repair",
            Repair::ReadRepair => "read repair",
            Repair::WriteBack => "ABD",
        };
        format!(
            "N={} R={} W={} {repair}",
            self.replicas, self.read_quorum, self.write_quorum
        )
    }
}

/// The most replicas a run starts.
pub const MAX_REPLICAS: usize = 9;

// ANCHOR: error
/// Why an operation has no answer the client can vouch for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuorumError {
    /// Fewer replicas than the quorum answered by the deadline.
    Unavailable {
        /// Replicas that answered.
        answered: usize,
        /// Answers the quorum needs.
        needed: usize,
        /// Replicas asked.
        replicas: usize,
    },
}

impl fmt::Display for QuorumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuorumError::Unavailable {
                answered,
                needed,
                replicas,
            } => write!(
                f,
                "unavailable: {answered} of {replicas} replicas answered, {needed} needed"
            ),
        }
    }
}

impl std::error::Error for QuorumError {}
// ANCHOR_END: error

/// The HTTP client every quorum client of a run shares (one pool).
pub type Http = Client<HttpConnector, Empty<Bytes>>;

/// A fresh HTTP/1.1 client.
pub fn http() -> Http {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// Sends one request and reads the whole answer; any failure (refused,
/// reset, a non-success status, a body that is not text) is `None`.
async fn call(http: Http, method: Method, uri: String) -> Option<String> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Empty::<Bytes>::new())
        .ok()?;
    let response = http.request(request).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let body = response.into_body().collect().await.ok()?.to_bytes();
    String::from_utf8(body.to_vec()).ok()
}

/// One client of the replicas. Its id is the writer id of its versions.
#[derive(Debug)]
pub struct QuorumClient {
    id: usize,
    config: QuorumConfig,
    http: Http,
    bases: Vec<String>,
    next_msg: AtomicU64,
    /// Messages still travelling after their operation returned: the rest
    /// of a quorum, read repairs. [`QuorumClient::drain`] joins them.
    background: Mutex<Vec<JoinHandle<()>>>,
}

impl QuorumClient {
    /// A client with id `id` of the replicas at `addrs`.
    pub fn new(
        id: usize,
        addrs: &[SocketAddr],
        config: QuorumConfig,
        http: Http,
    ) -> Self {
        QuorumClient {
            id,
            config,
            http,
            bases: addrs.iter().map(|a| format!("http://{a}")).collect(),
            next_msg: AtomicU64::new(0),
            background: Mutex::new(Vec::new()),
        }
    }

    /// Its id.
    pub fn id(&self) -> usize {
        self.id
    }

    fn envelope(&self, key: u32) -> Envelope {
        Envelope {
            key,
            client: self.id,
            msg: self.next_msg.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// Sends one message per replica in `to`, each in a task of its own
    /// bounded by `until`; the answers come back on the returned channel.
    fn send(
        &self,
        to: &[usize],
        until: Instant,
        message: impl Fn(Envelope) -> (Method, String),
    ) -> mpsc::UnboundedReceiver<(usize, Option<String>)> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut background = self.background.lock().unwrap_or_else(|e| e.into_inner());
        background.retain(|task| !task.is_finished());
        for &i in to {
            let (method, path) = message(self.envelope(0));
            let uri = format!("{}{path}", self.bases[i]);
            let (http, tx) = (self.http.clone(), tx.clone());
            let until = tokio::time::Instant::from_std(until);
            background.push(tokio::spawn(async move {
                let answer = tokio::time::timeout_at(until, call(http, method, uri))
                    .await
                    .ok()
                    .flatten();
                let _ = tx.send((i, answer)); // the operation may be over
            }));
        }
        rx
    }

    // ANCHOR: phase
    /// One phase: `message` to every replica, then wait for `needed`
    /// answers that `parse` accepts, until `until`. The other messages go
    /// on travelling; their answers are not waited for.
    async fn phase<T>(
        &self,
        key: u32,
        needed: usize,
        until: Instant,
        message: impl Fn(Envelope) -> (Method, String),
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<(usize, T)>, QuorumError> {
        let all: Vec<usize> = (0..self.bases.len()).collect();
        let mut answers = self.send(&all, until, |e| message(Envelope { key, ..e }));
        let mut got = Vec::with_capacity(needed);
        let until = tokio::time::Instant::from_std(until);
        while got.len() < needed {
            match tokio::time::timeout_at(until, answers.recv()).await {
                Ok(Some((i, Some(text)))) => {
                    if let Some(answer) = parse(&text) {
                        got.push((i, answer));
                    }
                }
                Ok(Some((_, None))) => {} // refused, reset, timed out
                Ok(None) | Err(_) => {
                    // Every replica has reported, or the deadline passed.
                    return Err(QuorumError::Unavailable {
                        answered: got.len(),
                        needed,
                        replicas: self.bases.len(),
                    });
                }
            }
        }
        Ok(got)
    }
    // ANCHOR_END: phase

    /// Asks every replica for `key`; the first R answers.
    async fn query(
        &self,
        key: u32,
        until: Instant,
    ) -> Result<Vec<(usize, Versioned)>, QuorumError> {
        let message = |e| (Method::GET, get_path(e));
        self.phase(key, self.config.read_quorum, until, message, decode)
            .await
    }

    /// Sends `v` to every replica; waits for W acknowledgements.
    async fn store(
        &self,
        key: u32,
        v: Versioned,
        until: Instant,
    ) -> Result<(), QuorumError> {
        let message = |e| (Method::PUT, put_path(e, v));
        let ack = |text: &str| matches!(text, "stored" | "kept").then_some(());
        self.phase(key, self.config.write_quorum, until, message, ack)
            .await
            .map(drop)
    }

    // ANCHOR: write
    /// Writes `value` to `key`: learn the highest version from R replicas,
    /// then store the value one counter above it at W.
    pub async fn write(&self, key: u32, value: u64) -> Result<(), QuorumError> {
        let until = Instant::now() + self.config.deadline;
        let answers = self.query(key, until).await?;
        let highest = answers.iter().map(|(_, v)| v.version).max();
        let version = highest.unwrap_or(Version::ZERO).next(self.id as u32);
        self.store(key, Versioned { version, value }, until).await
    }
    // ANCHOR_END: write

    // ANCHOR: read
    /// Reads `key`: the newest of R answers, then the repair.
    pub async fn read(&self, key: u32) -> Result<u64, QuorumError> {
        let until = Instant::now() + self.config.deadline;
        let answers = self.query(key, until).await?;
        let newest = answers
            .iter()
            .map(|&(_, v)| v)
            .max_by_key(|v| v.version)
            .unwrap_or_default();
        match self.config.repair {
            Repair::None => {}
            Repair::ReadRepair => {
                // Fire and forget: the read returns before any repair lands.
                let older: Vec<usize> = answers
                    .iter()
                    .filter(|(_, v)| v.version < newest.version)
                    .map(|&(i, _)| i)
                    .collect();
                let message = |e| (Method::PUT, put_path(Envelope { key, ..e }, newest));
                drop(self.send(&older, Instant::now() + self.config.deadline, message));
            }
            Repair::WriteBack => {
                // ABD: not before a quorum holds it.
                self.store(key, newest, until).await?;
            }
        }
        Ok(newest.value)
    }
    // ANCHOR_END: read

    /// A writer that crashes mid-write: `v` reaches only the replicas in
    /// `to` (it waits for their acknowledgements), and nothing else is sent.
    pub async fn partial_write(&self, key: u32, v: Versioned, to: &[usize]) {
        let until = Instant::now() + self.config.deadline;
        let message = |e| (Method::PUT, put_path(Envelope { key, ..e }, v));
        let mut acks = self.send(to, until, message);
        while acks.recv().await.is_some() {}
    }

    /// Waits for every message still travelling (each is bounded by its
    /// operation's deadline), so no task outlives the run.
    pub async fn drain(&self) {
        let tasks = std::mem::take(
            &mut *self.background.lock().unwrap_or_else(|e| e.into_inner()),
        );
        for task in tasks {
            let _ = task.await;
        }
    }
}

/// The workload every run plays: each client runs its operations one after
/// another, as fast as they return.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Workload {
    /// Clients running at once (each near one replica).
    pub clients: usize,
    /// Keys, 0 to `keys - 1`.
    pub keys: u32,
    /// Operations each client runs.
    pub ops_per_client: usize,
    /// The chance an operation is a write.
    pub write_fraction: f64,
    /// Seed of the operations and of the message delays.
    pub seed: u64,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            clients: 4,
            keys: 3,
            ops_per_client: 20,
            write_fraction: 0.5,
            seed: 1,
        }
    }
}

/// The most operations one client runs (its values are `1000 c + i + 1`).
pub const MAX_OPS_PER_CLIENT: usize = 999;

impl Workload {
    /// Refuses what a run cannot do.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(1..=16).contains(&self.clients) {
            return Err(ModelError::Inconsistent {
                why: format!("{} clients; pick 1 to 16", self.clients),
            });
        }
        if !(1..=100).contains(&self.keys) {
            return Err(ModelError::Inconsistent {
                why: format!("{} keys; pick 1 to 100", self.keys),
            });
        }
        if !(1..=MAX_OPS_PER_CLIENT).contains(&self.ops_per_client) {
            return Err(ModelError::Inconsistent {
                why: format!(
                    "{} operations a client; pick 1 to {MAX_OPS_PER_CLIENT}",
                    self.ops_per_client
                ),
            });
        }
        crate::support::error::fraction("the write fraction", self.write_fraction)?;
        Ok(())
    }

    /// Client `c`'s operations: (key, the value to write or `None` to read).
    /// Values are `1000 c + i + 1` for its `i`-th operation, so every write
    /// writes a value of its own, and a value says who wrote it.
    pub fn operations(&self, c: usize) -> Vec<(u32, Option<u64>)> {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(self.seed) ^ c as u64);
        (0..self.ops_per_client)
            .map(|i| {
                let key = rng.random_range(0..self.keys.max(1));
                let write = rng.random_bool(self.write_fraction.clamp(0.0, 1.0));
                (key, write.then_some(1000 * c as u64 + i as u64 + 1))
            })
            .collect()
    }
}

/// The delay from a client to its near replica, in every run of [`run`].
pub const NEAR: Duration = Duration::from_millis(1);
/// The delay from a client to the other replicas.
pub const FAR: Duration = Duration::from_millis(10);
/// The most a message's hashed jitter adds.
pub const JITTER: Duration = Duration::from_millis(2);

/// The network every run of [`run`] meets: each client [`NEAR`] its near
/// replica, [`FAR`] from the others, plus up to [`JITTER`] per message,
/// hashed from the workload's seed.
pub fn default_delays(workload: &Workload, replicas: usize) -> DelayPlan {
    DelayPlan::geo(workload.clients, replicas, NEAR, FAR, JITTER, workload.seed)
}

/// One run: a configuration, and replicas killed at given times.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSpec {
    /// The clients' settings (N among them).
    pub config: QuorumConfig,
    /// (replica, when): killed that long after the start; at 0, before
    /// any client starts.
    pub kills: Vec<(usize, Duration)>,
}

impl RunSpec {
    /// No replica killed.
    pub fn healthy(config: QuorumConfig) -> RunSpec {
        RunSpec {
            config,
            kills: Vec::new(),
        }
    }

    /// Its row label.
    pub fn label(&self) -> String {
        let mut label = self.config.label();
        match self.kills.as_slice() {
            [] => {}
            [(_, at)] if at.is_zero() => label.push_str(", 1 killed"),
            [(_, at)] => label.push_str(&format!(", 1 killed at {}ms", at.as_millis())),
            more => label.push_str(&format!(", {} killed", more.len())),
        }
        label
    }
}

/// What one run found.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Its label.
    pub label: String,
    /// The run's settings.
    pub spec: RunSpec,
    /// Every operation, by invocation time.
    pub history: Vec<Operation>,
    /// The reads that returned a value overwritten before they began.
    pub stale: Vec<StaleRead>,
    /// Operations that failed.
    pub failed: usize,
    /// The distinct errors the failures gave, sorted.
    pub errors: Vec<String>,
    /// The checker's verdict.
    pub verdict: Result<Report, HistoryError>,
    /// How long the run took, servers started and stopped included.
    pub took: Duration,
}

impl RunReport {
    /// Whether the checker found the history linearizable.
    pub fn linearizable(&self) -> bool {
        self.verdict.as_ref().is_ok_and(Report::is_linearizable)
    }
}

fn nanos_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

// ANCHOR: client_loop
/// One client's operations, one after another, each recorded with its
/// invocation and return times.
async fn client_loop(
    client: Arc<QuorumClient>,
    ops: Vec<(u32, Option<u64>)>,
    epoch: Instant,
) -> (Vec<Operation>, Vec<String>) {
    let mut history = Vec::with_capacity(ops.len());
    let mut errors = Vec::new();
    for (key, write) in ops {
        let invoked = nanos_since(epoch);
        let (call, outcome) = match write {
            Some(value) => match client.write(key, value).await {
                Ok(()) => (Call::Write(value), Outcome::Written),
                Err(e) => {
                    errors.push(e.to_string());
                    (Call::Write(value), Outcome::Failed)
                }
            },
            None => match client.read(key).await {
                Ok(value) => (Call::Read, Outcome::Read(value)),
                Err(e) => {
                    errors.push(e.to_string());
                    (Call::Read, Outcome::Failed)
                }
            },
        };
        let returned = nanos_since(epoch);
        history.push(Operation {
            client: client.id(),
            key,
            call,
            outcome,
            invoked,
            returned,
        });
    }
    (history, errors)
}
// ANCHOR_END: client_loop

// ANCHOR: run
/// Plays `workload` against fresh replicas set up as `spec` says, then
/// stops them all and judges the history.
pub async fn run(spec: &RunSpec, workload: &Workload) -> io::Result<RunReport> {
    let invalid =
        |e: ModelError| io::Error::new(io::ErrorKind::InvalidInput, e.to_string());
    spec.config.validate().map_err(invalid)?;
    workload.validate().map_err(invalid)?;
    let started = Instant::now();
    let n = spec.config.replicas;
    let mut replicas = Replicas::start(n, default_delays(workload, n)).await?;
    let (now, later): (Vec<_>, Vec<_>) =
        spec.kills.iter().partition(|(_, at)| at.is_zero());
    for &(i, _) in &now {
        replicas.kill(i).await?;
    }
    let http = http();
    let clients: Vec<Arc<QuorumClient>> = (0..workload.clients)
        .map(|c| {
            Arc::new(QuorumClient::new(
                c,
                &replicas.addrs(),
                spec.config,
                http.clone(),
            ))
        })
        .collect();
    let epoch = Instant::now();
    let tasks: Vec<_> = clients
        .iter()
        .map(|c| {
            tokio::spawn(client_loop(
                Arc::clone(c),
                workload.operations(c.id()),
                epoch,
            ))
        })
        .collect();
    let killer = async {
        for &(i, at) in &later {
            tokio::time::sleep_until(tokio::time::Instant::from_std(epoch + at)).await;
            replicas.kill(i).await?;
        }
        Ok::<(), io::Error>(())
    };
    let joined = async {
        let mut all = Vec::with_capacity(tasks.len());
        for task in tasks {
            all.push(task.await);
        }
        all
    };
    let (killed, joined) = tokio::join!(killer, joined);
    for client in &clients {
        client.drain().await; // the messages still travelling land first
    }
    let stopped = replicas.shutdown().await;
    killed?;
    stopped?;
    let mut history = Vec::new();
    let mut errors = BTreeSet::new();
    for outcome in joined {
        let (ops, errs) = outcome.map_err(io::Error::other)?;
        history.extend(ops);
        errors.extend(errs);
    }
    history.sort_by_key(|op| (op.invoked, op.client));
    Ok(report(spec.clone(), history, errors, started.elapsed()))
}
// ANCHOR_END: run

fn report(
    spec: RunSpec,
    history: Vec<Operation>,
    errors: BTreeSet<String>,
    took: Duration,
) -> RunReport {
    RunReport {
        label: spec.label(),
        spec,
        stale: stale_reads(&history),
        failed: history
            .iter()
            .filter(|op| op.outcome == Outcome::Failed)
            .count(),
        errors: errors.into_iter().collect(),
        verdict: linearizability::check(&history),
        history,
        took,
    }
}

/// The runs the chapter's table shows, for `n` replicas and a majority
/// quorum: R = W = 1; majorities without the write-back; ABD; ABD on five
/// replicas; ABD with one replica killed mid-run, then two from the start.
pub fn table_runs() -> Vec<RunSpec> {
    let ms = Duration::from_millis;
    vec![
        RunSpec::healthy(QuorumConfig::dynamo(3, 1, 1)),
        RunSpec::healthy(QuorumConfig::abd(3)),
        RunSpec::healthy(QuorumConfig::abd(5)),
        RunSpec {
            config: QuorumConfig::abd(3),
            kills: vec![(0, ms(100))],
        },
        RunSpec {
            config: QuorumConfig::abd(3),
            kills: vec![(0, Duration::ZERO), (1, Duration::ZERO)],
        },
    ]
}

// ANCHOR: stale
/// A read that returned a value some write had plainly replaced before
/// the read began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StaleRead {
    /// The read.
    pub read: Operation,
    /// The write whose value it returned (`None`: the initial 0).
    pub wrote_it: Option<Operation>,
    /// A write acknowledged before the read was invoked, and invoked after
    /// `wrote_it` was acknowledged: certainly newer.
    pub newer: Operation,
}

/// The stale reads of a history: each returned a value older than a write
/// acknowledged before the read was invoked. "Older" is meant in real
/// time: the returned value's write was acknowledged before the newer one
/// began (or it is the initial 0). A failed write may take effect at any
/// time after it was invoked, so a read of its value is never counted.
/// Every stale read counted makes a history not linearizable; a history
/// can fail in subtler ways too.
pub fn stale_reads(history: &[Operation]) -> Vec<StaleRead> {
    let writes: Vec<&Operation> = history
        .iter()
        .filter(|op| matches!(op.call, Call::Write(_)))
        .collect();
    let mut stale = Vec::new();
    for read in history {
        let Outcome::Read(value) = read.outcome else {
            continue;
        };
        let wrote_it = writes
            .iter()
            .find(|w| w.key == read.key && w.call == Call::Write(value))
            .map(|w| **w);
        if value != 0 && wrote_it.is_none() {
            continue; // no write wrote it: wrong, but not stale
        }
        if wrote_it.is_some_and(|w| w.outcome == Outcome::Failed) {
            continue; // it may have taken effect just before the read
        }
        let newer = writes
            .iter()
            .filter(|w| w.key == read.key && w.outcome == Outcome::Written)
            .filter(|w| w.returned < read.invoked)
            .filter(|w| wrote_it.is_none_or(|old| old.returned < w.invoked))
            .max_by_key(|w| w.returned);
        if let Some(newer) = newer {
            stale.push(StaleRead {
                read: *read,
                wrote_it,
                newer: **newer,
            });
        }
    }
    stale
}
// ANCHOR_END: stale

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

impl fmt::Display for StaleRead {
    /// In words, times behind `~` (they vary between runs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, w) = (&self.read, &self.newer);
        let got = match self.read.outcome {
            Outcome::Read(v) => v,
            _ => 0,
        };
        let new = match w.call {
            Call::Write(v) => v,
            Call::Read => 0,
        };
        write!(
            f,
            "client {} read key {} at ~{:.1} ms and got {got}, though client {}'s write \
             of {new} was acknowledged at ~{:.1} ms",
            r.client,
            r.key,
            ms(r.invoked),
            w.client,
            ms(w.returned)
        )
    }
}

/// Rewrites the times in a checker's explanation (`12.3 ms`, `840.2 µs`,
/// `950 ns`) as `~12.3 ms` in milliseconds, so that a run whose timing
/// varies prints the same text apart from its `~` numbers.
pub fn mask_times(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let unit = words.get(i + 1).map(|u| {
            let bare = u.trim_end_matches([',', '.', ';', ')']);
            (bare, &u[bare.len()..])
        });
        let scale = match unit {
            Some(("ms", _)) => Some(1.0),
            Some(("µs", _)) => Some(1e-3),
            Some(("ns", _)) => Some(1e-6),
            _ => None,
        };
        match (words[i].parse::<f64>(), scale, unit) {
            (Ok(x), Some(scale), Some((_, rest))) => {
                out.push(format!("~{:.1} ms{rest}", x * scale));
                i += 2;
            }
            _ => {
                out.push(words[i].to_string());
                i += 1;
            }
        }
    }
    out.join(" ")
}

/// A history played step by step against fixed delays (no jitter), and
/// what the checker said of it.
#[derive(Debug, Clone)]
pub struct Scripted {
    /// The operations, in the order they ran.
    pub history: Vec<Operation>,
    /// The stale reads among them.
    pub stale: Vec<StaleRead>,
    /// The checker's verdict.
    pub verdict: Result<Report, HistoryError>,
    /// Whether every replica held the last write once the messages on
    /// their way had landed (set by [`scripted_stale_read`]).
    pub converged: bool,
}

impl Scripted {
    fn judge(mut history: Vec<Operation>) -> Scripted {
        history.sort_by_key(|op| (op.invoked, op.client));
        Scripted {
            converged: false,
            stale: stale_reads(&history),
            verdict: linearizability::check(&history),
            history,
        }
    }

    /// Whether the checker found it linearizable.
    pub fn linearizable(&self) -> bool {
        self.verdict.as_ref().is_ok_and(Report::is_linearizable)
    }
}

/// Fixed delays from three clients to three replicas: row `c` is client
/// `c`'s delay to replicas 0, 1 and 2.
fn fixed(rows: [[u64; 3]; 3]) -> DelayPlan {
    DelayPlan {
        seed: 0,
        base: rows
            .iter()
            .map(|row| row.iter().map(|&d| Duration::from_millis(d)).collect())
            .collect(),
        jitter: Duration::ZERO,
    }
}

async fn timed<F: Future>(epoch: Instant, f: F) -> (u64, F::Output, u64) {
    let invoked = nanos_since(epoch);
    let out = f.await;
    (invoked, out, nanos_since(epoch))
}

fn op(
    client: usize,
    call: Call,
    outcome: Outcome,
    (invoked, returned): (u64, u64),
) -> Operation {
    Operation {
        client,
        key: 0,
        call,
        outcome,
        invoked,
        returned,
    }
}

fn outcome_of_read(r: Result<u64, QuorumError>) -> Outcome {
    r.map_or(Outcome::Failed, Outcome::Read)
}

// ANCHOR: scripted_stale
/// R = W = 1 on three replicas, step by step. Client 0 sits 1 ms from
/// replica 0 and 100 ms from the others; client 1, 1 ms from replica 1.
/// Client 0 writes 7: replica 0 acknowledges, and the write is done while
/// its copies to replicas 1 and 2 are still on their way. 10 ms later
/// client 1 reads: replica 1 answers first, with the 0 it still holds.
pub async fn scripted_stale_read() -> io::Result<Scripted> {
    let delays = fixed([[1, 100, 100], [100, 1, 100], [100, 100, 1]]);
    let replicas = Replicas::start(3, delays).await?;
    let config = QuorumConfig::dynamo(3, 1, 1);
    let http = http();
    let addrs = replicas.addrs();
    let writer = QuorumClient::new(0, &addrs, config, http.clone());
    let reader = QuorumClient::new(1, &addrs, config, http);
    let epoch = Instant::now();
    let (a, wrote, b) = timed(epoch, writer.write(0, 7)).await;
    let wrote = wrote.map_or(Outcome::Failed, |()| Outcome::Written);
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (c, read, d) = timed(epoch, reader.read(0)).await;
    let history = vec![
        op(0, Call::Write(7), wrote, (a, b)),
        op(1, Call::Read, outcome_of_read(read), (c, d)),
    ];
    writer.drain().await; // the copies on their way land
    reader.drain().await;
    let converged = (0..3).all(|i| replicas.peek(i, 0).is_some_and(|v| v.value == 7));
    replicas.shutdown().await?;
    let mut scripted = Scripted::judge(history);
    scripted.converged = converged;
    Ok(scripted)
}
// ANCHOR_END: scripted_stale

// ANCHOR: scripted_inversion
/// Majorities (R = W = 2 of 3), step by step: a new value seen, then an
/// old one. Client 0 crashes mid-write: its 7 reaches replica 0 only.
/// Client 1 (1 ms from replica 0, 5 ms from replica 1, 100 ms from
/// replica 2) reads: replicas 0 and 1 answer, 7 is the newest. Then client
/// 2 (1 ms from replica 2, 5 ms from replica 1) reads: replicas 2 and 1
/// answer. Without the write-back neither holds 7: client 2 reads 0 after
/// client 1 read 7. With it, client 1 put 7 on replica 1 before returning,
/// and client 2 reads 7. Read repair is off: done in the background it
/// races client 2, and the page's point is the order, not the race.
pub async fn scripted_inversion(write_back: bool) -> io::Result<Scripted> {
    let delays = fixed([[1, 100, 100], [1, 5, 100], [100, 5, 1]]);
    let replicas = Replicas::start(3, delays).await?;
    let config = QuorumConfig {
        repair: if write_back {
            Repair::WriteBack
        } else {
            Repair::None
        },
        ..QuorumConfig::abd(3)
    };
    let http = http();
    let addrs = replicas.addrs();
    let clients: Vec<QuorumClient> = (0..3)
        .map(|c| QuorumClient::new(c, &addrs, config, http.clone()))
        .collect();
    let epoch = Instant::now();
    let seven = Versioned {
        version: Version::ZERO.next(0),
        value: 7,
    };
    let (a, (), b) = timed(epoch, clients[0].partial_write(0, seven, &[0])).await;
    let (c, first, d) = timed(epoch, clients[1].read(0)).await;
    let (e, second, f) = timed(epoch, clients[2].read(0)).await;
    let history = vec![
        op(0, Call::Write(7), Outcome::Failed, (a, b)),
        op(1, Call::Read, outcome_of_read(first), (c, d)),
        op(2, Call::Read, outcome_of_read(second), (e, f)),
    ];
    for client in &clients {
        client.drain().await;
    }
    replicas.shutdown().await?;
    Ok(Scripted::judge(history))
}
// ANCHOR_END: scripted_inversion

#[cfg(test)]
mod tests {
    use super::*;

    fn w(client: usize, v: u64, invoked: u64, returned: u64) -> Operation {
        Operation {
            client,
            key: 0,
            call: Call::Write(v),
            outcome: Outcome::Written,
            invoked,
            returned,
        }
    }

    fn r(client: usize, v: u64, invoked: u64, returned: u64) -> Operation {
        Operation {
            client,
            key: 0,
            call: Call::Read,
            outcome: Outcome::Read(v),
            invoked,
            returned,
        }
    }

    #[test]
    fn a_read_of_a_value_replaced_before_it_began_is_stale() {
        let h = [w(0, 1, 0, 10), w(0, 2, 20, 30), r(1, 1, 40, 50)];
        let stale = stale_reads(&h);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].newer, h[1]);
        assert_eq!(stale[0].wrote_it, Some(h[0]));
        // The initial 0 after an acknowledged write: stale.
        assert_eq!(stale_reads(&[w(0, 1, 0, 10), r(1, 0, 11, 12)]).len(), 1);
    }

    #[test]
    fn overlaps_and_fresh_reads_are_not_stale() {
        // The newer write was still running when the read began.
        assert!(
            stale_reads(&[w(0, 1, 0, 10), w(0, 2, 20, 45), r(1, 1, 40, 50)]).is_empty()
        );
        // The two writes overlapped: neither is plainly older.
        assert!(
            stale_reads(&[w(0, 1, 0, 25), w(2, 2, 20, 30), r(1, 1, 40, 50)]).is_empty()
        );
        // Another key's write does not count.
        let mut other = w(0, 2, 20, 30);
        other.key = 1;
        assert!(stale_reads(&[w(0, 1, 0, 10), other, r(1, 1, 40, 50)]).is_empty());
        // A failed write was never acknowledged.
        let mut failed = w(0, 2, 20, 30);
        failed.outcome = Outcome::Failed;
        assert!(stale_reads(&[w(0, 1, 0, 10), failed, r(1, 1, 40, 50)]).is_empty());
        // A failed write may take effect any time after it was invoked,
        // here after the acknowledged one: reading its value is no stale read.
        let mut failed_first = w(0, 1, 0, 10);
        failed_first.outcome = Outcome::Failed;
        assert!(
            stale_reads(&[failed_first, w(2, 2, 20, 30), r(1, 1, 40, 50)]).is_empty()
        );
        // The newest value: fresh.
        assert!(
            stale_reads(&[w(0, 1, 0, 10), w(0, 2, 20, 30), r(1, 2, 40, 50)]).is_empty()
        );
    }

    #[test]
    fn configurations_outside_their_bounds_are_refused() {
        assert!(QuorumConfig::abd(3).validate().is_ok());
        assert_eq!(QuorumConfig::abd(5).read_quorum, 3);
        assert_eq!(QuorumConfig::abd(4).write_quorum, 3);
        for bad in [
            QuorumConfig::dynamo(0, 1, 1),
            QuorumConfig::dynamo(3, 0, 1),
            QuorumConfig::dynamo(3, 2, 4),
            QuorumConfig::dynamo(MAX_REPLICAS + 1, 1, 1),
            QuorumConfig {
                deadline: Duration::ZERO,
                ..QuorumConfig::abd(3)
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(Workload::default().validate().is_ok());
        for bad in [
            Workload {
                clients: 0,
                ..Workload::default()
            },
            Workload {
                keys: 0,
                ..Workload::default()
            },
            Workload {
                ops_per_client: 1000,
                ..Workload::default()
            },
            Workload {
                write_fraction: f64::NAN,
                ..Workload::default()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn workloads_are_seeded_and_write_distinct_values() {
        let wl = Workload::default();
        assert_eq!(wl.operations(2), wl.operations(2));
        assert_ne!(wl.operations(1), wl.operations(2));
        let mut values: Vec<u64> = (0..wl.clients)
            .flat_map(|c| wl.operations(c))
            .filter_map(|(_, v)| v)
            .collect();
        let writes = values.len();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), writes, "every write writes its own value");
        assert!(values.iter().all(|&v| v > 0));
        assert!((15..65).contains(&writes), "about half of 80: {writes}");
    }

    #[test]
    fn errors_and_labels_read_plainly() {
        let e = QuorumError::Unavailable {
            answered: 1,
            needed: 2,
            replicas: 3,
        };
        assert_eq!(
            e.to_string(),
            "unavailable: 1 of 3 replicas answered, 2 needed"
        );
        assert_eq!(QuorumConfig::abd(3).label(), "N=3 R=2 W=2 ABD");
        assert_eq!(
            table_runs()[3].label(),
            "N=3 R=2 W=2 ABD, 1 killed at 100ms"
        );
        assert_eq!(table_runs()[4].label(), "N=3 R=2 W=2 ABD, 2 killed");
    }

    #[test]
    fn times_are_masked_in_milliseconds() {
        assert_eq!(
            mask_times("client 1 read 0, from 840.2 µs to 12.3 ms, then 950 ns."),
            "client 1 read 0, from ~0.8 ms to ~12.3 ms, then ~0.0 ms."
        );
        assert_eq!(mask_times("key 3: 2 ms"), "key 3: ~2.0 ms");
    }
}
