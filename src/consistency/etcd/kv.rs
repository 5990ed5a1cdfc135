//! Reads, writes and compare-and-swap on etcd, each with a deadline, and
//! concurrent clients' operations recorded as a [`history`] and judged.
//!
//! etcd's reads are linearizable unless asked otherwise: a `Get` goes
//! through the leader's read index, so it sees every write acknowledged
//! before it was sent. A *serializable* read ([`get_serializable`]) is
//! answered by whichever member receives it from its own copy: faster, and
//! available without a majority, but possibly stale.
//!
//! [`compare_and_swap`] is a transaction: if the key's `mod_revision` (the
//! cluster revision of its last write, 0 when absent) is still the one the
//! caller read, write the new value. [`increment`] builds a counter on it,
//! retrying a lost round after a jittered backoff
//! ([`crate::trends::backoff::Backoff`]); [`cas_counter`] runs many of those
//! at once and counts every lost round.
//!
//! [`history`]: crate::consistency::history

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use etcd_client::{Client, Compare, CompareOp, ConnectOptions, GetOptions, Txn, TxnOp};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::time::timeout;

use crate::consistency::history::{Call, Operation, Outcome};
use crate::consistency::linearizability::{self, HistoryError, Report};
use crate::consistency::quorum::Workload;
use crate::fault_tolerance::client::is_refused;
use crate::support::error::ModelError;
use crate::trends::backoff::Backoff;

/// The deadline of every request in this module unless a caller picks one.
pub const DEADLINE: Duration = Duration::from_millis(500);

/// What went wrong with one request.
#[derive(Debug)]
pub enum KvError {
    /// No answer within the deadline (a member down, no leader, no quorum).
    NoAnswer {
        /// The deadline.
        within: Duration,
    },
    /// etcd, or the connection to it, answered with an error.
    Etcd(etcd_client::Error),
    /// The key held something that is not a decimal u64.
    NotANumber {
        /// The key.
        key: String,
    },
    /// A compare-and-swap lost every round it was allowed.
    GaveUp {
        /// Rounds tried.
        rounds: u32,
    },
    /// A setting out of range.
    Invalid(ModelError),
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::NoAnswer { within } => {
                write!(f, "etcd: no answer within {}ms", within.as_millis())
            }
            KvError::Etcd(e) => write!(f, "etcd: {e}"),
            KvError::NotANumber { key } => write!(f, "etcd: {key} holds no decimal u64"),
            KvError::GaveUp { rounds } => {
                write!(f, "etcd: compare-and-swap lost {rounds} rounds in a row")
            }
            KvError::Invalid(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for KvError {}

impl From<etcd_client::Error> for KvError {
    fn from(e: etcd_client::Error) -> Self {
        KvError::Etcd(e)
    }
}

/// The pause before sending again a request whose connection was refused.
const REFUSED_PAUSE: Duration = Duration::from_millis(5);

/// Whether etcd never saw the request: the connection to the member the
/// client's balancer picked was refused (that member is down). The walk
/// down the error's sources is the fault-tolerance chapter's.
pub fn never_sent(e: &etcd_client::Error) -> bool {
    match e {
        etcd_client::Error::GRpcStatus(status) => is_refused(status),
        etcd_client::Error::TransportError(t) => is_refused(t),
        _ => false,
    }
}

// ANCHOR: within
/// Sends `$request` (re-evaluated on each try) until it is answered or
/// `$deadline` passes. Only a refused connection is retried: the request
/// never reached etcd, so sending it again cannot apply it twice, even a
/// put; the client's balancer picks a member again on the next try.
/// Anything else (an error etcd answered, or no answer) ends the call.
macro_rules! within {
    ($deadline:expr, $request:expr) => {{
        let deadline: Duration = $deadline;
        let tries = async {
            loop {
                match $request.await {
                    Err(e) if never_sent(&e) => tokio::time::sleep(REFUSED_PAUSE).await,
                    answer => break answer,
                }
            }
        };
        match timeout(deadline, tries).await {
            Ok(answer) => answer.map_err(KvError::Etcd),
            Err(_) => Err(KvError::NoAnswer { within: deadline }),
        }
    }};
}
// ANCHOR_END: within

// ANCHOR: connect
/// A client balancing over `endpoints`, with `deadline` on connecting and
/// on every request (like `clientv3.New(clientv3.Config{Endpoints,
/// DialTimeout})` plus a `context.WithTimeout` around each call).
pub async fn connect(
    endpoints: &[String],
    deadline: Duration,
) -> Result<Client, KvError> {
    // The client's own timeout is a backstop: ours (`within!`) fires first,
    // so every late answer reads the same.
    let options = ConnectOptions::new()
        .with_connect_timeout(deadline)
        .with_timeout(2 * deadline);
    match timeout(deadline, Client::connect(endpoints, Some(options))).await {
        Ok(client) => client.map_err(KvError::Etcd),
        Err(_) => Err(KvError::NoAnswer { within: deadline }),
    }
}
// ANCHOR_END: connect

fn parse(key: &str, bytes: &[u8]) -> Result<u64, KvError> {
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| KvError::NotANumber {
            key: key.to_string(),
        })
}

/// A key's value and the revision of its last write; both 0 when absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The value (0 when the key is absent).
    pub value: u64,
    /// The key's `mod_revision` (0 when absent).
    pub mod_revision: i64,
}

// ANCHOR: put_get
/// Writes `value` as a decimal string; returns the cluster revision of the
/// write. Like `cli.Put(ctx, key, value)`.
pub async fn put(
    client: &mut Client,
    key: &str,
    value: u64,
    deadline: Duration,
) -> Result<i64, KvError> {
    let response = within!(deadline, client.put(key, value.to_string(), None))?;
    Ok(response.header().map_or(0, |h| h.revision()))
}

/// A linearizable read (etcd's default): like `cli.Get(ctx, key)`.
pub async fn get(
    client: &mut Client,
    key: &str,
    deadline: Duration,
) -> Result<Versioned, KvError> {
    read(client, key, deadline, None).await
}

/// A serializable read, answered from the receiving member's own copy:
/// like `cli.Get(ctx, key, clientv3.WithSerializable())`.
pub async fn get_serializable(
    client: &mut Client,
    key: &str,
    deadline: Duration,
) -> Result<Versioned, KvError> {
    read(
        client,
        key,
        deadline,
        Some(GetOptions::new().with_serializable()),
    )
    .await
}
// ANCHOR_END: put_get

async fn read(
    client: &mut Client,
    key: &str,
    deadline: Duration,
    options: Option<GetOptions>,
) -> Result<Versioned, KvError> {
    let response = within!(deadline, client.get(key, options.clone()))?;
    match response.kvs().first() {
        None => Ok(Versioned {
            value: 0,
            mod_revision: 0,
        }),
        Some(kv) => Ok(Versioned {
            value: parse(key, kv.value())?,
            mod_revision: kv.mod_revision(),
        }),
    }
}

// ANCHOR: cas
/// Writes `new` only if the key's last write is still the one at
/// `mod_revision` (0: only if the key is absent). Returns whether it
/// wrote. Like Go's
/// `cli.Txn(ctx).If(clientv3.Compare(clientv3.ModRevision(key), "=", rev))`
/// `.Then(clientv3.OpPut(key, v)).Commit()`.
pub async fn compare_and_swap(
    client: &mut Client,
    key: &str,
    mod_revision: i64,
    new: u64,
    deadline: Duration,
) -> Result<bool, KvError> {
    let txn = Txn::new()
        .when([Compare::mod_revision(key, CompareOp::Equal, mod_revision)])
        .and_then([TxnOp::put(key, new.to_string(), None)]);
    let response = within!(deadline, client.txn(txn.clone()))?;
    Ok(response.succeeded())
}
// ANCHOR_END: cas

// ANCHOR: increment
/// Adds one to the counter at `key` by read, then compare-and-swap; a lost
/// swap (someone wrote in between) is retried after a jittered backoff, at
/// most `max_rounds` times. Returns how many rounds were lost.
pub async fn increment(
    client: &mut Client,
    key: &str,
    backoff: &Backoff,
    rng: &mut ChaCha8Rng,
    max_rounds: u32,
) -> Result<u32, KvError> {
    for round in 0..max_rounds {
        let seen = get(client, key, DEADLINE).await?;
        if compare_and_swap(client, key, seen.mod_revision, seen.value + 1, DEADLINE)
            .await?
        {
            return Ok(round);
        }
        tokio::time::sleep(backoff.full_jitter(round, rng)).await;
    }
    Err(KvError::GaveUp { rounds: max_rounds })
}
// ANCHOR_END: increment

/// The same counter without the compare: read, then put. Two clients that
/// read the same value both write value + 1, and one increment is lost.
/// Kept so the page can show what the revision compare prevents.
pub async fn increment_blindly(client: &mut Client, key: &str) -> Result<(), KvError> {
    let seen = get(client, key, DEADLINE).await?;
    put(client, key, seen.value + 1, DEADLINE).await?;
    Ok(())
}

/// What a run of concurrent increments ended with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterReport {
    /// Increments the clients made (each acknowledged once).
    pub increments: u64,
    /// The counter's value afterwards, read linearizably.
    pub value: u64,
    /// Compare-and-swap rounds lost and retried, over all clients.
    pub lost_rounds: u64,
    /// How long the run took.
    pub elapsed: Duration,
}

/// How to count: with the revision compare, or blindly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// [`increment`]: read, compare-and-swap, retry.
    CompareAndSwap,
    /// [`increment_blindly`]: read, put.
    Blind,
}

/// The backoff between lost rounds: full jitter from 1 ms, capped at 50 ms.
pub fn counter_backoff() -> Backoff {
    Backoff::new(Duration::from_millis(1), Duration::from_millis(50))
        .expect("1 ms base and a 50 ms cap are a valid backoff")
}

/// The most rounds one increment may lose before it gives up.
pub const MAX_ROUNDS: u32 = 200;

// ANCHOR: cas_counter
/// `clients` clients, each on its own connection, each adding one to the
/// counter at `key` `per_client` times, all at once. Jitter is seeded
/// (`seed` + client) so a run's backoff draws are reproducible; how the
/// clients interleave is up to the machine.
pub async fn cas_counter(
    endpoints: &[String],
    key: &str,
    clients: usize,
    per_client: u64,
    counting: Counting,
    seed: u64,
) -> Result<CounterReport, KvError> {
    let began = Instant::now();
    let backoff = counter_backoff();
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let mut client = connect(endpoints, DEADLINE).await?;
        let key = key.to_string();
        tasks.push(tokio::spawn(async move {
            let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(c as u64));
            let mut lost = 0u64;
            for _ in 0..per_client {
                match counting {
                    Counting::CompareAndSwap => {
                        lost += u64::from(
                            increment(&mut client, &key, &backoff, &mut rng, MAX_ROUNDS)
                                .await?,
                        );
                    }
                    Counting::Blind => increment_blindly(&mut client, &key).await?,
                }
            }
            Ok::<u64, KvError>(lost)
        }));
    }
    let mut lost_rounds = 0;
    let mut first_error = None;
    for task in tasks {
        match task.await {
            Ok(Ok(lost)) => lost_rounds += lost,
            Ok(Err(e)) => first_error = first_error.or(Some(e)),
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut client = connect(endpoints, DEADLINE).await?;
    let value = get(&mut client, key, DEADLINE).await?.value;
    Ok(CounterReport {
        increments: clients as u64 * per_client,
        value,
        lost_rounds,
        elapsed: began.elapsed(),
    })
}
// ANCHOR_END: cas_counter

/// A recorded run: the history, its verdict, and the errors clients saw.
#[derive(Debug)]
pub struct HistoryRun {
    /// Every operation, in the order clients finished them.
    pub history: Vec<Operation>,
    /// The checker's verdict.
    pub verdict: Result<Report, HistoryError>,
    /// Each distinct error message and how many operations it ended.
    pub errors: Vec<(String, usize)>,
    /// The slowest operation, failed ones included.
    pub slowest: Duration,
}

impl HistoryRun {
    /// Whether the checker found the history linearizable.
    pub fn linearizable(&self) -> bool {
        self.verdict.as_ref().is_ok_and(Report::is_linearizable)
    }

    /// Operations that failed (an error, or no answer in time).
    pub fn failed(&self) -> usize {
        self.history
            .iter()
            .filter(|op| op.outcome == Outcome::Failed)
            .count()
    }
}

fn nanos_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The etcd key of register `key` in the run named `prefix`.
pub fn key_name(prefix: &str, key: u32) -> String {
    format!("{prefix}/k{key}")
}

// ANCHOR: client_loop
/// One client's operations, one after another, each recorded with its
/// invocation and return times from the common `epoch`.
async fn client_loop(
    mut client: Client,
    id: usize,
    prefix: String,
    ops: Vec<(u32, Option<u64>)>,
    deadline: Duration,
    epoch: Instant,
) -> (Vec<Operation>, Vec<String>) {
    let mut history = Vec::with_capacity(ops.len());
    let mut errors = Vec::new();
    for (key, write) in ops {
        let name = key_name(&prefix, key);
        let invoked = nanos_since(epoch);
        let (call, answer) = match write {
            Some(value) => {
                let result = put(&mut client, &name, value, deadline).await;
                (Call::Write(value), result.map(|_| Outcome::Written))
            }
            None => {
                let result = get(&mut client, &name, deadline).await;
                (Call::Read, result.map(|v| Outcome::Read(v.value)))
            }
        };
        let returned = nanos_since(epoch);
        let outcome = answer.unwrap_or_else(|e| {
            errors.push(e.to_string());
            Outcome::Failed
        });
        history.push(Operation {
            client: id,
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

// ANCHOR: run_history
/// Plays `workload` against the cluster at `endpoints` (each client on its
/// own connection to all of them), with `deadline` on every request, on
/// keys under `prefix`, then judges the history.
pub async fn run_history(
    endpoints: &[String],
    prefix: &str,
    workload: &Workload,
    deadline: Duration,
) -> Result<HistoryRun, KvError> {
    workload.validate().map_err(KvError::Invalid)?;
    let mut clients = Vec::with_capacity(workload.clients);
    for _ in 0..workload.clients {
        clients.push(connect(endpoints, deadline).await?);
    }
    let epoch = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(c, client)| {
            tokio::spawn(client_loop(
                client,
                c,
                prefix.to_string(),
                workload.operations(c),
                deadline,
                epoch,
            ))
        })
        .collect();
    let mut history = Vec::new();
    let mut messages = Vec::new();
    for task in tasks {
        match task.await {
            Ok((ops, errs)) => {
                history.extend(ops);
                messages.extend(errs);
            }
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }
    let verdict = linearizability::check(&history);
    let slowest = history
        .iter()
        .map(|op| Duration::from_nanos(op.returned - op.invoked))
        .max()
        .unwrap_or_default();
    Ok(HistoryRun {
        history,
        verdict,
        errors: tally(messages),
        slowest,
    })
}
// ANCHOR_END: run_history

/// Distinct messages with their counts, most frequent first.
fn tally(messages: Vec<String>) -> Vec<(String, usize)> {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for m in messages {
        *counts.entry(m).or_default() += 1;
    }
    let mut counts: Vec<_> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

/// How a member caught up: what its own serializable reads answered while
/// [`wait_for_value`] polled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CatchUp {
    /// From the first poll to the read that returned the value.
    pub waited: Duration,
    /// Reads that got no answer (the member still starting).
    pub unanswered: u32,
    /// Reads answered with an older value (the member still replaying).
    pub stale: u32,
}

// ANCHOR: wait_for_value
/// Polls serializable reads of `key` sent to `endpoint` alone, every
/// 10 ms for at most `budget`, until one returns `value`.
pub async fn wait_for_value(
    endpoint: &str,
    key: &str,
    value: u64,
    budget: Duration,
) -> Result<CatchUp, KvError> {
    let began = Instant::now();
    let mut client = connect(&[endpoint.to_string()], DEADLINE).await?;
    let (mut unanswered, mut stale) = (0, 0);
    while began.elapsed() < budget {
        match get_serializable(&mut client, key, DEADLINE).await {
            Ok(v) if v.value == value => {
                let waited = began.elapsed();
                return Ok(CatchUp {
                    waited,
                    unanswered,
                    stale,
                });
            }
            Ok(_) => stale += 1,
            Err(_) => unanswered += 1,
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(KvError::NoAnswer { within: budget })
}
// ANCHOR_END: wait_for_value

/// A shared source of fresh key prefixes, so runs on one cluster never
/// read each other's keys.
#[derive(Debug, Default, Clone)]
pub struct Prefixes(Arc<AtomicU64>);

impl Prefixes {
    /// The next prefix: `run1`, `run2`, …
    pub fn next(&self) -> String {
        format!("run{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}
