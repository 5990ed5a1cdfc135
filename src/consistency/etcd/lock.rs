//! Section 4.4 on etcd: leases, leader election and fencing tokens.
//!
//! A [`Session`] is a lease that a background task keeps alive, like Go's
//! `concurrency.NewSession(cli, concurrency.WithTTL(n))`. [`campaign`]
//! waits until its session's key is the oldest under an election prefix,
//! like `concurrency.NewElection(session, pfx).Campaign(ctx, val)`, and
//! returns a [`Leadership`] whose [`FencingToken`] is the leader key's
//! create revision: etcd gives every new key a higher revision, so a later
//! leader always holds a higher token.
//!
//! A lock does not protect a resource by itself. [`pause_scenario`] shows
//! why: the leader stalls for longer than its lease's TTL, etcd expires the
//! lease, a second candidate wins and writes, and the first one wakes up,
//! still believing it leads, and writes too. Three resources receive the
//! same writes: a [`Storage`] that checks nothing keeps the stale write, a
//! fenced [`Storage`] refuses it by its token, and an etcd key written
//! through [`guarded_put`] (a transaction that compares the leader key's
//! revision) refuses it too.
//!
//! Every request has a deadline ([`REQUEST_DEADLINE`], or the caller's for
//! a campaign, which waits by design); every background task is stopped
//! before a function returns, and aborted when its owner is dropped.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, GetOptions, LeaderKey, ResignOptions,
    Txn, TxnOp,
};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};

/// The longest any single request to etcd may take.
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// What went wrong talking to etcd, or with the scenario's settings.
#[derive(Debug)]
pub enum LockError {
    /// etcd (or the connection to it) answered with an error.
    Etcd(etcd_client::Error),
    /// A request or a wait ran past its deadline.
    Deadline {
        /// What was being waited for.
        what: String,
        /// The deadline.
        after: Duration,
    },
    /// etcd answered a keep-alive with TTL 0: the lease is gone.
    LeaseExpired {
        /// The lease.
        lease: i64,
    },
    /// The election has no leader, or a response lacked one.
    NoLeader,
    /// A setting that cannot make the story it is meant to tell.
    Setting(String),
    /// A background task (keep-alive, observer, candidate) panicked.
    Panicked(&'static str),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Etcd(e) => write!(f, "etcd: {e}"),
            LockError::Deadline { what, after } => {
                write!(f, "{what}: no answer within {after:?}")
            }
            LockError::LeaseExpired { lease } => write!(f, "lease {lease:x} expired"),
            LockError::NoLeader => f.write_str("the election has no leader"),
            LockError::Setting(why) => f.write_str(why),
            LockError::Panicked(what) => write!(f, "the {what} task panicked"),
        }
    }
}

impl std::error::Error for LockError {}

impl From<etcd_client::Error> for LockError {
    fn from(e: etcd_client::Error) -> Self {
        LockError::Etcd(e)
    }
}

/// Runs `request` with a deadline: its error, or a [`LockError::Deadline`].
async fn within<T>(
    what: &str,
    after: Duration,
    request: impl Future<Output = Result<T, etcd_client::Error>>,
) -> Result<T, LockError> {
    match timeout(after, request).await {
        Ok(answer) => answer.map_err(LockError::Etcd),
        Err(_) => Err(LockError::Deadline {
            what: what.to_string(),
            after,
        }),
    }
}

/// Connects to `endpoints` with a bounded connection time.
pub async fn connect(endpoints: &[String]) -> Result<Client, LockError> {
    let options = ConnectOptions::new().with_connect_timeout(REQUEST_DEADLINE);
    within(
        "connect",
        REQUEST_DEADLINE,
        Client::connect(endpoints, Some(options)),
    )
    .await
}

// ANCHOR: session
/// A lease kept alive by a background task, like Go's `concurrency.Session`:
/// one keep-alive every third of the TTL.
pub struct Session {
    client: Client,
    lease: i64,
    granted_ttl: i64,
    keeper: Option<Keeper>,
}

/// The keep-alive task and the signal that stops it.
type Keeper = (oneshot::Sender<()>, JoinHandle<Result<u32, LockError>>);

impl Session {
    /// Grants a lease of `ttl_secs` seconds and starts keeping it alive.
    /// etcd may grant more than asked: it raises a TTL below its minimum.
    pub async fn grant(client: &Client, ttl_secs: i64) -> Result<Session, LockError> {
        let mut leases = client.lease_client();
        let granted = within(
            "lease grant",
            REQUEST_DEADLINE,
            leases.grant(ttl_secs, None),
        )
        .await?;
        let (lease, granted_ttl) = (granted.id(), granted.ttl());
        let every = Duration::from_millis(
            u64::try_from(granted_ttl.max(1)).unwrap_or(1) * 1000 / 3,
        );
        let (stop, stopped) = oneshot::channel();
        let keeper = tokio::spawn(keep_alive(client.clone(), lease, every, stopped));
        Ok(Session {
            client: client.clone(),
            lease,
            granted_ttl,
            keeper: Some((stop, keeper)),
        })
    }

    /// The lease's id.
    pub fn lease(&self) -> i64 {
        self.lease
    }

    /// The TTL etcd granted, in seconds.
    pub fn granted_ttl(&self) -> i64 {
        self.granted_ttl
    }

    /// Stops the keep-alives, as a stalled process would: from now on the
    /// lease expires after its TTL. Returns how many keep-alives etcd
    /// answered, or the error that ended them.
    pub async fn stop_keep_alive(&mut self) -> Result<u32, LockError> {
        let Some((stop, keeper)) = self.keeper.take() else {
            return Ok(0);
        };
        let _ = stop.send(());
        match keeper.await {
            Ok(result) => result,
            Err(_) => Err(LockError::Panicked("keep-alive")),
        }
    }

    /// Stops the keep-alives and revokes the lease, which deletes every key
    /// attached to it. A lease that already expired is not an error.
    pub async fn close(mut self) -> Result<(), LockError> {
        let _ = self.stop_keep_alive().await;
        let mut leases = self.client.lease_client();
        match within("lease revoke", REQUEST_DEADLINE, leases.revoke(self.lease)).await {
            Ok(_) => Ok(()),
            // etcd answers "etcdserver: requested lease not found".
            Err(LockError::Etcd(e)) if e.to_string().contains("lease not found") => {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some((_, keeper)) = self.keeper.take() {
            keeper.abort();
        }
    }
}

/// Sends a keep-alive every `every` until `stopped` fires; counts the ones
/// etcd answered. A TTL of 0 in an answer means the lease is gone.
async fn keep_alive(
    client: Client,
    lease: i64,
    every: Duration,
    mut stopped: oneshot::Receiver<()>,
) -> Result<u32, LockError> {
    let mut leases = client.lease_client();
    let (mut keeper, mut answers) = within(
        "keep-alive stream",
        REQUEST_DEADLINE,
        leases.keep_alive(lease),
    )
    .await?;
    let mut renewed = 0;
    loop {
        tokio::select! {
            _ = &mut stopped => return Ok(renewed),
            () = sleep(every) => {}
        }
        within("keep-alive", REQUEST_DEADLINE, keeper.keep_alive()).await?;
        match within("keep-alive answer", REQUEST_DEADLINE, answers.message()).await? {
            Some(answer) if answer.ttl() > 0 => renewed += 1,
            _ => return Err(LockError::LeaseExpired { lease }),
        }
    }
}
// ANCHOR_END: session

// ANCHOR: token
/// A fencing token: the create revision of a leader's key. etcd's revision
/// counter only grows, and a candidate's key is created when it campaigns,
/// so whoever leads later holds a higher token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FencingToken(pub u64);

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What winning a campaign leaves in the winner's hands.
#[derive(Debug, Clone)]
pub struct Leadership {
    /// The value the winner campaigned with: its name.
    pub name: String,
    /// The leader key: the election's name, the key, its revision, its lease.
    pub key: LeaderKey,
    /// The key's create revision.
    pub token: FencingToken,
}

/// Waits, up to `wait`, until `name` leads `election`, holding the key on
/// `session`'s lease. etcd answers when every older key under the prefix
/// is gone; if `wait` runs out first, the call ends with an error, and the
/// key stays on the lease until the lease is revoked or expires.
pub async fn campaign(
    client: &Client,
    election: &str,
    name: &str,
    session: &Session,
    wait: Duration,
) -> Result<Leadership, LockError> {
    let mut elections = client.election_client();
    let what = format!("{name} campaigning");
    let won = within(
        &what,
        wait,
        elections.campaign(election, name, session.lease()),
    )
    .await?;
    let key = won.leader().cloned().ok_or(LockError::NoLeader)?;
    let token = u64::try_from(key.rev())
        .map(FencingToken)
        .map_err(|_| LockError::Setting(format!("negative revision {}", key.rev())))?;
    Ok(Leadership {
        name: name.to_string(),
        key,
        token,
    })
}
// ANCHOR_END: token

/// Who leads `election` now, by the leader key's value and create revision.
pub async fn leader(
    client: &Client,
    election: &str,
) -> Result<(String, FencingToken), LockError> {
    let mut elections = client.election_client();
    let answer = within("leader", REQUEST_DEADLINE, elections.leader(election)).await?;
    let kv = answer.kv().ok_or(LockError::NoLeader)?;
    let token = FencingToken(u64::try_from(kv.create_revision()).unwrap_or(0));
    Ok((String::from_utf8_lossy(kv.value()).into_owned(), token))
}

/// Gives up leadership: etcd deletes the leader key, and the next oldest
/// candidate's campaign returns.
pub async fn resign(client: &Client, leadership: &Leadership) -> Result<(), LockError> {
    let mut elections = client.election_client();
    let options = ResignOptions::new().with_leader(leadership.key.clone());
    within("resign", REQUEST_DEADLINE, elections.resign(Some(options))).await?;
    Ok(())
}

/// How many candidates hold a key under `election` (the leader and the
/// ones waiting).
pub async fn candidates(client: &Client, election: &str) -> Result<i64, LockError> {
    let mut kv = client.kv_client();
    let options = GetOptions::new().with_prefix().with_count_only();
    let answer = within(
        "count candidates",
        REQUEST_DEADLINE,
        kv.get(election, Some(options)),
    )
    .await?;
    Ok(answer.count())
}

/// A leader as etcd reported it: the key's value (the candidate's name)
/// and its create revision.
pub type Seen = (String, FencingToken);

/// Watches `election` with etcd's observe call and records each leader
/// it reports, until stopped (or 100 leaders, or 30 s).
pub struct Observer {
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), LockError>>,
}

impl Observer {
    /// Starts observing. etcd sends the stream's first answer, and so ends
    /// this call, only once the election has a leader.
    pub async fn start(client: &Client, election: &str) -> Result<Observer, LockError> {
        let mut elections = client.election_client();
        let mut stream =
            within("observe", REQUEST_DEADLINE, elections.observe(election)).await?;
        let (stop, mut stopped) = oneshot::channel::<()>();
        let seen = Arc::new(Mutex::new(Vec::<Seen>::new()));
        let record = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            let end = sleep(Duration::from_secs(30));
            tokio::pin!(end);
            for _ in 0..100 {
                let answer = tokio::select! {
                    _ = &mut stopped => break,
                    () = &mut end => break,
                    answer = stream.message() => answer?,
                };
                let Some(answer) = answer else { break };
                if let Some(kv) = answer.kv() {
                    let name = String::from_utf8_lossy(kv.value()).into_owned();
                    let token =
                        FencingToken(u64::try_from(kv.create_revision()).unwrap_or(0));
                    let mut seen = record.lock().unwrap_or_else(PoisonError::into_inner);
                    if seen.last().map(|last| last.1) != Some(token) {
                        seen.push((name, token));
                    }
                }
            }
            Ok(())
        });
        Ok(Observer {
            seen,
            stop: Some(stop),
            task,
        })
    }

    fn count(&self) -> usize {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Waits until `count` leaders were seen (or `wait` passed), stops
    /// observing, and returns the leaders in the order etcd reported them.
    pub async fn finish(
        mut self,
        count: usize,
        wait: Duration,
    ) -> Result<Vec<Seen>, LockError> {
        let started = Instant::now();
        while self.count() < count && started.elapsed() < wait && !self.task.is_finished()
        {
            sleep(Duration::from_millis(10)).await;
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result?,
            Err(_) => return Err(LockError::Panicked("observer")),
        }
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(seen.clone())
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

// ANCHOR: storage
/// Does a storage check the writer's fencing token?
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Any write is applied: the lock is trusted to exclude everyone else.
    Unfenced,
    /// A write whose token is lower than the highest seen is refused.
    Fenced,
}

/// The value a storage holds, and who wrote it with which token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Who wrote it.
    pub writer: String,
    /// The writer's token.
    pub token: FencingToken,
    /// What was written.
    pub value: String,
}

/// A write a fenced storage refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// The token the write carried.
    pub token: FencingToken,
    /// The highest token the storage had seen.
    pub highest: FencingToken,
}

/// A resource outside etcd that leaders write to: one value, and, when
/// fenced, the highest token it has accepted (Kleppmann's fencing token).
#[derive(Debug, Clone)]
pub struct Storage {
    guard: Guard,
    highest: Option<FencingToken>,
    current: Option<Entry>,
}

impl Storage {
    /// An empty storage.
    pub fn new(guard: Guard) -> Storage {
        Storage {
            guard,
            highest: None,
            current: None,
        }
    }

    /// Writes `value` as `writer` holding `token`. A fenced storage refuses
    /// a token lower than one it accepted before; an equal one is the same
    /// leader writing again.
    pub fn write(
        &mut self,
        writer: &str,
        token: FencingToken,
        value: &str,
    ) -> Result<(), Refused> {
        if self.guard == Guard::Fenced {
            if let Some(highest) = self.highest.filter(|&highest| token < highest) {
                return Err(Refused { token, highest });
            }
            self.highest = Some(token);
        }
        self.current = Some(Entry {
            writer: writer.to_string(),
            token,
            value: value.to_string(),
        });
        Ok(())
    }

    /// The value it holds.
    pub fn current(&self) -> Option<&Entry> {
        self.current.as_ref()
    }
}
// ANCHOR_END: storage

// ANCHOR: guarded
/// Writes `key = value` only if `leadership`'s key still exists with the
/// same create revision: one etcd transaction, so the check and the write
/// cannot be split by a pause. Returns whether it wrote.
pub async fn guarded_put(
    client: &Client,
    leadership: &Leadership,
    key: &str,
    value: &str,
) -> Result<bool, LockError> {
    let txn = Txn::new()
        .when([Compare::create_revision(
            leadership.key.key(),
            CompareOp::Equal,
            leadership.key.rev(),
        )])
        .and_then([TxnOp::put(key, value, None)]);
    let mut kv = client.kv_client();
    let answer = within("guarded put", REQUEST_DEADLINE, kv.txn(txn)).await?;
    Ok(answer.succeeded())
}
// ANCHOR_END: guarded

/// Reads `key`'s value, if it exists.
pub async fn read(client: &Client, key: &str) -> Result<Option<String>, LockError> {
    let mut kv = client.kv_client();
    let answer = within("get", REQUEST_DEADLINE, kv.get(key, None)).await?;
    Ok(answer
        .kvs()
        .first()
        .map(|kv| String::from_utf8_lossy(kv.value()).into_owned()))
}

/// The settings of [`pause_scenario`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// How many candidates campaign: 2 or 3.
    pub candidates: usize,
    /// The lease TTL each candidate asks for, in seconds.
    pub ttl_secs: i64,
    /// How long the first leader leads, keeping its lease alive, before it
    /// stalls: longer than the TTL shows the keep-alives at work.
    pub hold: Duration,
    /// How long the first leader stalls. Must exceed the granted TTL by
    /// a second, so that etcd has expired its lease when it wakes.
    pub pause: Duration,
    /// The election's name: the prefix of the candidates' keys.
    pub election: String,
    /// The etcd key that [`guarded_put`] writes.
    pub resource: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            candidates: 3,
            ttl_secs: 1,
            hold: Duration::from_millis(1500),
            pause: Duration::from_millis(2500),
            election: "/cookbook/leader".to_string(),
            resource: "/cookbook/resource".to_string(),
        }
    }
}

/// How a leader came to lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// It campaigned first.
    First,
    /// The leader before it stalled and etcd expired that leader's lease.
    LeaseExpired,
    /// The leader before it resigned.
    Resigned,
}

/// One leader's term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// Who led.
    pub name: String,
    /// Its fencing token.
    pub token: FencingToken,
    /// How it came to lead.
    pub how: How,
}

/// One write, sent to all three resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteRecord {
    /// Who wrote.
    pub writer: String,
    /// With which token.
    pub token: FencingToken,
    /// What.
    pub value: String,
    /// What the storage without a check answered (always accepted).
    pub unfenced: Result<(), Refused>,
    /// What the fenced storage answered.
    pub fenced: Result<(), Refused>,
    /// Whether etcd's transaction on the leader key wrote it.
    pub guarded: bool,
}

/// What [`pause_scenario`] saw, in order.
#[derive(Debug, Clone)]
pub struct Story {
    /// The TTL each candidate asked for, in seconds.
    pub asked_ttl: i64,
    /// The TTL etcd granted the first candidate, in seconds.
    pub granted_ttl: i64,
    /// The leaders, in order.
    pub terms: Vec<Term>,
    /// Candidates still waiting in their campaign while the first led.
    pub waiting: Vec<String>,
    /// How long the first leader led before the pause.
    pub hold: Duration,
    /// Keep-alives etcd answered for the first leader's lease meanwhile.
    pub renewals: u32,
    /// Who etcd's leader call named at the end of that time.
    pub leader_before_pause: Seen,
    /// How long the first leader stalled.
    pub pause: Duration,
    /// From the start of the pause to the second leader's election.
    pub takeover_after: Duration,
    /// Who etcd's leader call named when the first leader woke up.
    pub leader_after_wake: Seen,
    /// Every write, in order.
    pub writes: Vec<WriteRecord>,
    /// The storage without a check, just after the stale write.
    pub unfenced: Storage,
    /// The fenced storage, just after the stale write.
    pub fenced: Storage,
    /// The etcd key written through [`guarded_put`], just after the stale
    /// write.
    pub guarded: Option<String>,
    /// The leaders etcd's observe call reported, in order.
    pub observed: Vec<Seen>,
    /// How long the whole scenario took.
    pub took: Duration,
}

/// The three resources every leader writes to, shared by the candidates.
struct Resources {
    unfenced: Storage,
    fenced: Storage,
    writes: Vec<WriteRecord>,
}

type Shared = Arc<Mutex<Resources>>;

/// Writes `value` to all three resources as `leadership`.
async fn write_all(
    client: &Client,
    shared: &Shared,
    resource: &str,
    leadership: &Leadership,
    value: &str,
) -> Result<(), LockError> {
    let guarded = guarded_put(client, leadership, resource, value).await?;
    let mut resources = shared.lock().unwrap_or_else(PoisonError::into_inner);
    let (name, token) = (&leadership.name, leadership.token);
    let unfenced = resources.unfenced.write(name, token, value);
    let fenced = resources.fenced.write(name, token, value);
    resources.writes.push(WriteRecord {
        writer: name.clone(),
        token,
        value: value.to_string(),
        unfenced,
        fenced,
        guarded,
    });
    Ok(())
}

/// A candidate waiting in its campaign; when it wins, it writes once.
/// Dropping it aborts the task (and so cancels the campaign).
struct Waiting(JoinHandle<Result<(Leadership, Instant), LockError>>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn wait_and_write(
    client: Client,
    shared: Shared,
    settings: &Settings,
    name: String,
    session: &Session,
) -> Waiting {
    let (election, resource) = (settings.election.clone(), settings.resource.clone());
    let lease = session.lease();
    // Longest wait: the pause, the lease's expiry, and a margin.
    let wait = settings.pause + Duration::from_secs(10);
    Waiting(tokio::spawn(async move {
        let mut elections = client.election_client();
        let what = format!("{name} campaigning");
        let won = within(
            &what,
            wait,
            elections.campaign(election, name.as_str(), lease),
        )
        .await?;
        let at = Instant::now();
        let key = won.leader().cloned().ok_or(LockError::NoLeader)?;
        let leadership = Leadership {
            token: FencingToken(u64::try_from(key.rev()).unwrap_or(0)),
            name: name.clone(),
            key,
        };
        write_all(
            &client,
            &shared,
            &resource,
            &leadership,
            &format!("{name}-1"),
        )
        .await?;
        Ok((leadership, at))
    }))
}

/// Waits (bounded) until `count` candidates hold a key under the election,
/// so that their revisions, and so their turns, follow the order they
/// campaigned in.
async fn until_candidates(
    client: &Client,
    election: &str,
    count: i64,
) -> Result<(), LockError> {
    for _ in 0..200 {
        if candidates(client, election).await? >= count {
            return Ok(());
        }
        sleep(Duration::from_millis(10)).await;
    }
    Err(LockError::Deadline {
        what: format!("{count} candidates"),
        after: Duration::from_secs(2),
    })
}

async fn join(mut waiting: Waiting) -> Result<(Leadership, Instant), LockError> {
    match (&mut waiting.0).await {
        Ok(result) => result,
        Err(_) => Err(LockError::Panicked("candidate")),
    }
}

/// The names of the candidates, in the order they campaign.
pub const NAMES: [&str; 3] = ["alice", "bob", "carol"];

// ANCHOR: scenario
/// Runs the story: the first candidate leads and writes; it stalls past its
/// lease's TTL; etcd expires the lease and the second wins and writes; the
/// first wakes up, still holding its [`Leadership`], and writes again.
/// With three candidates the second then resigns and the third leads.
/// `endpoints[i % len]` serves candidate `i`.
pub async fn pause_scenario(
    endpoints: &[String],
    settings: &Settings,
) -> Result<Story, LockError> {
    let started = Instant::now();
    if !(2..=3).contains(&settings.candidates) {
        return Err(LockError::Setting(format!(
            "{} candidates: pick 2 or 3",
            settings.candidates
        )));
    }
    if endpoints.is_empty() {
        return Err(LockError::Setting("no endpoints".into()));
    }
    let mut clients = Vec::new();
    for i in 0..settings.candidates {
        clients.push(connect(&[endpoints[i % endpoints.len()].clone()]).await?);
    }
    let mut sessions = Vec::new();
    for client in &clients {
        sessions.push(Session::grant(client, settings.ttl_secs).await?);
    }
    let granted_ttl = sessions[0].granted_ttl();
    let at_least = Duration::from_secs(u64::try_from(granted_ttl).unwrap_or(0) + 1);
    if settings.pause <= at_least {
        return Err(LockError::Setting(format!(
            "a pause of {:?} is too short: etcd granted a TTL of {granted_ttl} s, \
             so pause longer than {at_least:?}",
            settings.pause
        )));
    }
    let shared: Shared = Arc::new(Mutex::new(Resources {
        unfenced: Storage::new(Guard::Unfenced),
        fenced: Storage::new(Guard::Fenced),
        writes: Vec::new(),
    }));
    let (election, resource) = (&settings.election, &settings.resource);

    // The first candidate wins at once; the others queue behind it.
    let first = campaign(
        &clients[0],
        election,
        NAMES[0],
        &sessions[0],
        REQUEST_DEADLINE,
    )
    .await?;
    // etcd answers an observe call once there is a leader to report.
    let observer = Observer::start(&clients[0], election).await?;
    let mut waiting = Vec::new();
    for i in 1..settings.candidates {
        let name = NAMES[i].to_string();
        let task = wait_and_write(
            clients[i].clone(),
            shared.clone(),
            settings,
            name,
            &sessions[i],
        );
        waiting.push(task);
        until_candidates(&clients[0], election, i as i64 + 1).await?;
    }
    write_all(&clients[0], &shared, resource, &first, "alice-1").await?;
    // alice leads for a while; her session's task keeps the lease alive.
    sleep(settings.hold).await;
    let leader_before_pause = leader(&clients[1], election).await?;
    let still_waiting = NAMES[1..settings.candidates]
        .iter()
        .zip(&waiting)
        .filter(|(_, task)| !task.0.is_finished())
        .map(|(name, _)| name.to_string())
        .collect();

    // The pause: alice's process stops, keep-alives and all.
    let renewals = sessions[0].stop_keep_alive().await?;
    let paused = Instant::now();
    sleep(settings.pause).await;
    // alice wakes up. Her `first` still says she leads, and she writes.
    let mut rest = waiting.into_iter();
    let second = rest.next().ok_or(LockError::NoLeader)?;
    let (second, second_at) =
        timeout(REQUEST_DEADLINE, join(second))
            .await
            .map_err(|_| LockError::Deadline {
                what: "the second leader".into(),
                after: REQUEST_DEADLINE,
            })??;
    write_all(&clients[0], &shared, resource, &first, "alice-2").await?;
    let leader_after_wake = leader(&clients[0], election).await?;
    let guarded = read(&clients[0], resource).await?;
    let (unfenced, fenced) = {
        let resources = shared.lock().unwrap_or_else(PoisonError::into_inner);
        (resources.unfenced.clone(), resources.fenced.clone())
    };

    let mut terms = vec![
        Term {
            name: first.name.clone(),
            token: first.token,
            how: How::First,
        },
        Term {
            name: second.name.clone(),
            token: second.token,
            how: How::LeaseExpired,
        },
    ];
    if let Some(third) = rest.next() {
        resign(&clients[1], &second).await?;
        let (third, _) = join(third).await?;
        terms.push(Term {
            name: third.name.clone(),
            token: third.token,
            how: How::Resigned,
        });
        resign(&clients[2], &third).await?;
    }
    let observed = observer.finish(terms.len(), REQUEST_DEADLINE).await?;
    for session in sessions {
        session.close().await?;
    }
    let resources = shared.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(Story {
        asked_ttl: settings.ttl_secs,
        granted_ttl,
        terms,
        waiting: still_waiting,
        hold: settings.hold,
        renewals,
        leader_before_pause,
        pause: settings.pause,
        takeover_after: second_at.duration_since(paused),
        leader_after_wake,
        writes: resources.writes.clone(),
        unfenced,
        fenced,
        guarded,
        observed,
        took: started.elapsed(),
    })
}
// ANCHOR_END: scenario
