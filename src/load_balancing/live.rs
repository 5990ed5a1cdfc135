//! Section 4.2 fixed: a client-side balancer over requests that really
//! travel, and tower's balancer beside it.
//!
//! - [`Sender`] sends one job to one server over HTTP/1.1 with hyper-util's
//!   pooled client, which keeps connections open and reuses them.
//! - [`Balancer`] is the hand-written balancer: each [`Pick`] policy, over
//!   the shared state of [`super::balancer`]. [`Balancer::dispatch`] picks a
//!   server and holds an [`InFlightGuard`] for the request's whole life, so
//!   a request that is answered, fails or is dropped half way (a timeout, an
//!   abort) always ends its count.
//! - [`tower_balancer`] is the production tool: tower's `p2c::Balance` over
//!   a `ServiceList` of per-server [`Endpoint`]s, with `PendingRequests`,
//!   `PeakEwma` or a constant load, shared by the spawned requests through
//!   a `tower::buffer::Buffer`.
//! - [`run_contender`] starts fresh servers, runs one policy over a
//!   schedule with [`run_open_loop`], stops the servers and returns what the
//!   client and the servers measured.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tower::balance::p2c::Balance;
use tower::buffer::Buffer;
use tower::discover::ServiceList;
use tower::load::{
    CompleteOnResponse, Constant, PeakEwmaDiscover, PendingRequestsDiscover,
};
use tower::util::BoxService;
use tower::{Service, ServiceExt};

use super::balancer::{Cursor, InFlight, InFlightGuard, PeakEwma, pick_two};
use super::loadgen::{Arrival, Report, run_open_loop};
use super::loopback::{ServerSpec, ServerStats, Servers, job_path};

/// Any error a request can end with.
pub type BoxError = tower::BoxError;

/// A request's future, boxed so every policy's has the same type.
pub type BoxedRequest = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send>>;

// ANCHOR: sender
/// Sends jobs to the servers over HTTP/1.1. Cloning it shares one
/// connection pool: a connection that answered is kept and reused.
#[derive(Debug, Clone)]
pub struct Sender {
    client: Client<HttpConnector, Empty<Bytes>>,
    bases: Arc<Vec<String>>,
}

impl Sender {
    /// A client for the servers at `addrs` (server `i` is `addrs[i]`).
    pub fn new(addrs: &[SocketAddr]) -> Self {
        let client = Client::builder(TokioExecutor::new()).build_http();
        let bases = addrs.iter().map(|a| format!("http://{a}")).collect();
        Sender {
            client,
            bases: Arc::new(bases),
        }
    }

    /// How many servers it can send to.
    pub fn servers(&self) -> usize {
        self.bases.len()
    }

    /// Sends `arrival`'s job to `server`: the future ends when the whole
    /// answer has been read (so the connection can be reused).
    pub fn send(
        &self,
        server: usize,
        arrival: &Arrival,
    ) -> impl Future<Output = Result<(), BoxError>> + Send + use<> {
        let uri = format!(
            "{}{}",
            self.bases[server],
            job_path(arrival.id, arrival.work)
        );
        let client = self.client.clone();
        async move {
            let response = client.get(uri.parse()?).await?;
            let status = response.status();
            response.into_body().collect().await?; // read to the end
            if !status.is_success() {
                return Err(format!("server {server} answered {status}").into());
            }
            Ok(())
        }
    }
}
// ANCHOR_END: sender

/// The hand-written policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Uniform random, as the source picks.
    Random,
    /// Each server in turn.
    RoundRobin,
    /// The server with the fewest requests outstanding (a full scan).
    LeastOutstanding,
    /// Two servers at random, the one with fewer outstanding.
    TwoChoices,
    /// Two servers at random, the cheaper by peak-EWMA latency times
    /// outstanding requests plus one.
    PeakEwma,
    /// The key's server on a hash ring, unless it holds more than its
    /// share of the outstanding requests: then the next one on the ring.
    BoundedHash,
}

/// tower's load metrics for `p2c::Balance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TowerLoad {
    /// `load::PendingRequests`: requests outstanding.
    PendingRequests,
    /// `load::PeakEwma`: latency estimate times (outstanding + 1).
    PeakEwma,
    /// `load::Constant`: every server weighs the same, so p2c's choice is
    /// its first sample, uniform random (what tonic's `balance_list` does).
    Constant,
}

/// One balancer measured by [`run_contender`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// The hand-written balancer with one policy.
    Hand(Pick),
    /// tower's `p2c::Balance` with one load metric.
    Tower(TowerLoad),
}

impl Contender {
    /// Every contender, in the order the program prints them.
    pub const ALL: [Contender; 9] = [
        Contender::Hand(Pick::Random),
        Contender::Hand(Pick::RoundRobin),
        Contender::Hand(Pick::LeastOutstanding),
        Contender::Hand(Pick::TwoChoices),
        Contender::Hand(Pick::PeakEwma),
        Contender::Hand(Pick::BoundedHash),
        Contender::Tower(TowerLoad::PendingRequests),
        Contender::Tower(TowerLoad::PeakEwma),
        Contender::Tower(TowerLoad::Constant),
    ];

    /// A short name.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Hand(Pick::Random) => "random",
            Contender::Hand(Pick::RoundRobin) => "round robin",
            Contender::Hand(Pick::LeastOutstanding) => "least outstanding",
            Contender::Hand(Pick::TwoChoices) => "two choices",
            Contender::Hand(Pick::PeakEwma) => "two choices, peak EWMA",
            Contender::Hand(Pick::BoundedHash) => "hashing with bounded loads",
            Contender::Tower(TowerLoad::PendingRequests) => "tower p2c, PendingRequests",
            Contender::Tower(TowerLoad::PeakEwma) => "tower p2c, PeakEwma",
            Contender::Tower(TowerLoad::Constant) => "tower p2c, constant load",
        }
    }

    /// What it does, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            Contender::Hand(Pick::Random) => {
                "uniform over the servers, as the source picks"
            }
            Contender::Hand(Pick::RoundRobin) => "each server in turn (balancer::Cursor)",
            Contender::Hand(Pick::LeastOutstanding) => {
                "the fewest requests in flight, by a full scan"
            }
            Contender::Hand(Pick::TwoChoices) => {
                "of two at random, the fewer in flight (balancer::pick_two)"
            }
            Contender::Hand(Pick::PeakEwma) => {
                "of two at random, the lower latency x (in flight + 1)"
            }
            Contender::Hand(Pick::BoundedHash) => {
                "the key's ring server, unless over (1 + eps) x the mean"
            }
            Contender::Tower(TowerLoad::PendingRequests) => {
                "p2c::Balance over load::PendingRequestsDiscover"
            }
            Contender::Tower(TowerLoad::PeakEwma) => {
                "p2c::Balance over load::PeakEwmaDiscover"
            }
            Contender::Tower(TowerLoad::Constant) => {
                "p2c over load::Constant: its first sample, so uniform"
            }
        }
    }
}

/// The balancers' knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Seed of the balancers' own random choices (not the schedule's).
    pub seed: u64,
    /// Peak-EWMA's estimate before the first answer.
    pub default_rtt: Duration,
    /// Peak-EWMA's decay time constant.
    pub decay: Duration,
    /// Bounded loads: a server takes a key while it holds fewer than
    /// ⌈(1 + epsilon) × (outstanding + 1) / servers⌉ requests.
    pub epsilon: f64,
    /// Points per server on the hash ring.
    pub vnodes: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            seed: 1,
            default_rtt: Duration::from_millis(2),
            decay: Duration::from_millis(100),
            epsilon: 0.25,
            vnodes: 64,
        }
    }
}

/// splitmix64's finaliser: the ring's hash, the same on every machine
/// (std's `DefaultHasher` promises no stable output).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ANCHOR: ring
/// A consistent-hash ring: `vnodes` points per server, sorted. A key
/// belongs to the first point at or after its hash (wrapping round).
#[derive(Debug, Clone)]
struct Ring {
    points: Vec<(u64, usize)>,
}

impl Ring {
    fn new(servers: usize, vnodes: usize) -> Self {
        let mut points: Vec<(u64, usize)> = (0..servers)
            .flat_map(|s| (0..vnodes.max(1)).map(move |v| (s, v)))
            .map(|(s, v)| (mix(((s as u64) << 32) | v as u64), s))
            .collect();
        points.sort_unstable();
        Ring { points }
    }

    /// The key's home server and the server it goes to: the first one
    /// clockwise from the key whose load is under `bound`.
    fn lookup_bounded(
        &self,
        key: u64,
        bound: usize,
        load: impl Fn(usize) -> usize,
    ) -> (usize, usize) {
        let start = self.points.partition_point(|&(p, _)| p < mix(key));
        let n = self.points.len();
        let home = self.points[start % n].1;
        for step in 0..n {
            let server = self.points[(start + step) % n].1;
            if load(server) < bound {
                return (home, server);
            }
        }
        (home, home) // every server full (counts read while they move)
    }
}
// ANCHOR_END: ring

/// One server's peak-EWMA estimate and when it last took a sample.
#[derive(Debug)]
struct Ewma {
    estimate: PeakEwma,
    last: Instant,
}

/// The hand-written balancer: a policy over shared in-flight counts.
#[derive(Debug)]
pub struct Balancer {
    pick: Pick,
    in_flight: InFlight,
    cursor: Cursor,
    rng: Mutex<ChaCha8Rng>,
    ewma: Vec<Mutex<Ewma>>,
    ring: Ring,
    epsilon: f64,
    picks: AtomicUsize,
    stayed_home: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Balancer {
    /// A balancer over `servers` servers (at least 1) with policy `pick`.
    pub fn new(pick: Pick, servers: usize, tuning: &Tuning) -> Self {
        let servers = servers.max(1);
        let now = Instant::now();
        Balancer {
            pick,
            in_flight: InFlight::new(servers),
            cursor: Cursor::new(),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(tuning.seed)),
            ewma: (0..servers)
                .map(|_| {
                    Mutex::new(Ewma {
                        estimate: PeakEwma::new(tuning.default_rtt, tuning.decay),
                        last: now,
                    })
                })
                .collect(),
            ring: Ring::new(servers, tuning.vnodes),
            epsilon: tuning.epsilon,
            picks: AtomicUsize::new(0),
            stayed_home: AtomicUsize::new(0),
        }
    }

    /// The requests outstanding per server, as this balancer counts them.
    pub fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    /// The policy.
    pub fn policy(&self) -> Pick {
        self.pick
    }

    // ANCHOR: pick
    /// The server for the next request, whose key is `key`.
    pub fn pick(&self, key: u64) -> usize {
        let n = self.in_flight.servers();
        let outstanding = |i: usize| self.in_flight.get(i);
        let chosen = match self.pick {
            Pick::Random => lock(&self.rng).random_range(0..n),
            Pick::RoundRobin => self.cursor.next(n).unwrap_or(0),
            Pick::LeastOutstanding => {
                // Scan from a rotating start, so ties do not all go to server 0.
                let first = self.cursor.next(n).unwrap_or(0);
                (0..n)
                    .map(|step| (first + step) % n)
                    .min_by_key(|&i| outstanding(i))
                    .unwrap_or(first)
            }
            Pick::TwoChoices => {
                let mut rng = lock(&self.rng);
                pick_two(&mut *rng, n, |i| outstanding(i) as f64).unwrap_or(0)
            }
            Pick::PeakEwma => {
                let mut rng = lock(&self.rng);
                let cost = |i: usize| lock(&self.ewma[i]).estimate.cost(outstanding(i));
                pick_two(&mut *rng, n, cost).unwrap_or(0)
            }
            Pick::BoundedHash => {
                let total: usize = self.in_flight.snapshot().iter().sum();
                let share = (1.0 + self.epsilon) * (total + 1) as f64 / n as f64;
                let bound = (share.ceil() as usize).max(1);
                let (home, chosen) = self.ring.lookup_bounded(key, bound, outstanding);
                if chosen == home {
                    self.stayed_home.fetch_add(1, Ordering::Relaxed);
                }
                chosen
            }
        };
        self.picks.fetch_add(1, Ordering::Relaxed);
        chosen
    }
    // ANCHOR_END: pick

    /// Takes a round trip of `rtt` from `server` into its peak-EWMA estimate.
    pub fn observe(&self, server: usize, rtt: Duration) {
        let now = Instant::now();
        let mut e = lock(&self.ewma[server]);
        let since = now.saturating_duration_since(e.last);
        e.estimate.observe(rtt, since);
        e.last = now;
    }

    /// For hashing with bounded loads: the share of picks that went to the
    /// key's home server. `None` for the other policies or before any pick.
    pub fn home_share(&self) -> Option<f64> {
        let picks = self.picks.load(Ordering::Relaxed);
        (self.pick == Pick::BoundedHash && picks > 0)
            .then(|| self.stayed_home.load(Ordering::Relaxed) as f64 / picks as f64)
    }

    // ANCHOR: dispatch
    /// Picks a server for `arrival` now and returns the request's future.
    ///
    /// The guard is taken before the future exists and moves into it: the
    /// count drops when the answer is read, when the request fails, and
    /// when the future is dropped before either (a timeout, an abort).
    pub fn dispatch(
        self: &Arc<Self>,
        sender: &Sender,
        arrival: &Arrival,
    ) -> impl Future<Output = Result<(), BoxError>> + Send + use<> {
        let server = self.pick(arrival.key);
        let guard: InFlightGuard = self.in_flight.start(server);
        let request = sender.send(server, arrival);
        let balancer = Arc::clone(self);
        async move {
            let sent = Instant::now();
            let result = request.await;
            if result.is_ok() {
                balancer.observe(server, sent.elapsed());
            }
            drop(guard); // the request is over: answered or failed
            result
        }
    }
    // ANCHOR_END: dispatch
}

// ANCHOR: tower_endpoint
/// One server as a tower `Service`: always ready (the server queues for
/// itself), and counting its requests in the same [`InFlight`] as the
/// hand-written balancer does, so both can be checked the same way.
#[derive(Debug, Clone)]
pub struct Endpoint {
    server: usize,
    sender: Sender,
    in_flight: InFlight,
}

impl Service<Arrival> for Endpoint {
    type Response = ();
    type Error = BoxError;
    type Future = BoxedRequest;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, arrival: Arrival) -> BoxedRequest {
        let guard = self.in_flight.start(self.server);
        let request = self.sender.send(self.server, &arrival);
        Box::pin(async move {
            let result = request.await;
            drop(guard);
            result
        })
    }
}
// ANCHOR_END: tower_endpoint

/// tower's sampler, fed from a seeded `ChaCha8Rng` instead of the
/// process-random `HasherRng` it uses by default.
struct SeededRng(ChaCha8Rng);

impl tower::util::rng::Rng for SeededRng {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

/// tower's balancer shared by every request's task: a `Buffer` is a
/// handle to one task that owns the `Balance`; cloning it is cheap.
pub type TowerBalancer = Buffer<Arrival, BoxedRequest>;

/// Messages the `Buffer` holds before a sender waits: more than any run
/// has outstanding, so the open loop never waits for it.
const BUFFER_BOUND: usize = 100_000;

// ANCHOR: tower_setup
/// tower's `p2c::Balance` over one [`Endpoint`] per server, with `load`
/// as its metric. Must be called inside a tokio runtime (the `Buffer`
/// spawns the task that owns the balancer; it ends when every handle is
/// dropped).
pub fn tower_balancer(
    load: TowerLoad,
    sender: &Sender,
    in_flight: &InFlight,
    tuning: &Tuning,
) -> TowerBalancer {
    let endpoints: Vec<Endpoint> = (0..sender.servers())
        .map(|server| Endpoint {
            server,
            sender: sender.clone(),
            in_flight: in_flight.clone(),
        })
        .collect();
    let list = ServiceList::new::<Arrival>(endpoints);
    let rng = SeededRng(ChaCha8Rng::seed_from_u64(tuning.seed));
    let done = CompleteOnResponse::default();
    let balance: BoxService<Arrival, (), BoxError> = match load {
        TowerLoad::PendingRequests => {
            let discover = PendingRequestsDiscover::new::<Arrival>(list, done);
            BoxService::new(Balance::from_rng(discover, rng))
        }
        TowerLoad::PeakEwma => {
            let (rtt, decay) = (tuning.default_rtt, tuning.decay);
            let discover = PeakEwmaDiscover::new::<Arrival>(list, rtt, decay, done);
            BoxService::new(Balance::from_rng(discover, rng))
        }
        TowerLoad::Constant => {
            let discover = Constant::new(list, 0u8);
            BoxService::new(Balance::from_rng(discover, rng))
        }
    };
    Buffer::new(balance, BUFFER_BOUND)
}

/// Sends `arrival` through tower's balancer: wait for it to be ready (a
/// place in the buffer, a ready server), then call it.
pub fn tower_dispatch(
    balancer: &TowerBalancer,
    arrival: &Arrival,
) -> impl Future<Output = Result<(), BoxError>> + Send + use<> {
    let mut balancer = balancer.clone();
    let arrival = *arrival;
    async move { balancer.ready().await?.call(arrival).await }
}
// ANCHOR_END: tower_setup

/// The servers, the deadline and the balancers' knobs of a run.
#[derive(Debug, Clone)]
pub struct Setup {
    /// One spec per server.
    pub specs: Vec<ServerSpec>,
    /// Time from the first send to the end of the run.
    pub deadline: Duration,
    /// The balancers' knobs.
    pub tuning: Tuning,
}

/// What one contender's run measured.
#[derive(Debug, Clone)]
pub struct ContenderRun {
    /// Which balancer.
    pub contender: Contender,
    /// What the client measured.
    pub report: Report,
    /// What each server counted.
    pub servers: Vec<ServerStats>,
    /// The client's outstanding counts after the run: all zero, or a guard
    /// was lost.
    pub left_in_flight: Vec<usize>,
    /// Hashing with bounded loads: share of requests on their key's home.
    pub home_share: Option<f64>,
}

// ANCHOR: run_contender
/// Starts fresh servers, sends `arrivals` through `contender` with the
/// open-loop generator, and stops the servers (also when this future is
/// dropped: the [`Servers`] guard stops them).
pub async fn run_contender(
    contender: Contender,
    setup: &Setup,
    arrivals: &[Arrival],
) -> io::Result<ContenderRun> {
    let servers = Servers::start(&setup.specs).await?;
    let sender = Sender::new(&servers.addrs());
    let n = servers.len();
    let (report, in_flight, home_share) = match contender {
        Contender::Hand(pick) => {
            let balancer = Arc::new(Balancer::new(pick, n, &setup.tuning));
            let report = run_open_loop(arrivals, setup.deadline, |a| {
                balancer.dispatch(&sender, a)
            })
            .await;
            (report, balancer.in_flight().clone(), balancer.home_share())
        }
        Contender::Tower(load) => {
            let in_flight = InFlight::new(n);
            let tower = tower_balancer(load, &sender, &in_flight, &setup.tuning);
            let report =
                run_open_loop(arrivals, setup.deadline, |a| tower_dispatch(&tower, a))
                    .await;
            (report, in_flight, None)
        }
    };
    let stats = servers.stats();
    drop(sender); // close the pooled connections, so shutdown is quick
    servers.shutdown().await?;
    Ok(ContenderRun {
        contender,
        report,
        servers: stats,
        left_in_flight: in_flight.snapshot(),
        home_share,
    })
}
// ANCHOR_END: run_contender

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_sends_a_key_home_until_home_is_full() {
        let ring = Ring::new(4, 64);
        let key = 42;
        let (home, first) = ring.lookup_bounded(key, 10, |_| 0);
        assert_eq!(home, first);
        // Home full: the next server clockwise, never home itself.
        let (home2, spill) =
            ring.lookup_bounded(key, 10, |s| if s == home { 10 } else { 0 });
        assert_eq!(home2, home);
        assert_ne!(spill, home);
        // Every server has some keys.
        let mut homes = [0u32; 4];
        for k in 0..4000u64 {
            homes[ring.lookup_bounded(k, 1, |_| 0).0] += 1;
        }
        assert!(homes.iter().all(|&h| h > 600), "{homes:?}");
    }

    #[test]
    fn least_outstanding_and_two_choices_avoid_the_busy_server() {
        let tuning = Tuning::default();
        for pick in [Pick::LeastOutstanding, Pick::TwoChoices, Pick::PeakEwma] {
            let b = Balancer::new(pick, 3, &tuning);
            let _busy: Vec<_> = (0..5).map(|_| b.in_flight.start(1)).collect();
            for _ in 0..200 {
                assert_ne!(b.pick(0), 1, "{pick:?}");
            }
        }
    }

    #[test]
    fn bounded_hashing_is_sticky_when_idle() {
        let b = Balancer::new(Pick::BoundedHash, 4, &Tuning::default());
        let first = b.pick(7);
        assert!((0..50).all(|_| b.pick(7) == first));
        assert_eq!(b.home_share(), Some(1.0));
        // Home holding 3 of 3 outstanding: the bound is ⌈1.25 × 4 / 4⌉ = 2,
        // so the key spills to another server, and comes back when home
        // drains.
        let held: Vec<_> = (0..3).map(|_| b.in_flight.start(first)).collect();
        assert_ne!(b.pick(7), first);
        drop(held);
        assert_eq!(b.pick(7), first);
        assert_eq!(
            Balancer::new(Pick::Random, 4, &Tuning::default()).home_share(),
            None
        );
    }
}
