//! Section 4.3 fixed, checked over real requests to faulty servers on
//! 127.0.0.1: the targets the page states, with margins.
//!
//! - step 0 loses what the down and the flaky server cost (about a
//!   quarter expected, a fifth with this seed); retries cut the loss;
//!   failover and the breaker lose (almost) nothing while a server is up;
//! - the breaker cuts the calls to the down server, and sees it come back
//!   within a bound;
//! - when every server fails, the budget keeps calls near one a request;
//!   without it each request makes all its tries;
//! - hedging cuts the slow tail that the stalling server makes;
//! - every server stops, also when the test body panics; a request whose
//!   task panics counts as lost and the run goes on.
//!
//! The tests take one lock each, so only one of them loads the machine at
//! a time, and a run whose generator fell behind its schedule (the machine
//! was busy elsewhere) is measured again, as in section 4.2's tests.

use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use cookbook::fault_tolerance::client::{
    CallError, ClientConfig, FaultSender, Knobs, ResilientClient, Step, StepReport,
    hedge_delay_of, run_step_with_report,
};
use cookbook::fault_tolerance::faults::{Fault, FaultPlan, FaultyServers};
use cookbook::load_balancing::loadgen::{
    Arrival, Report, Workload, run_open_loop, schedule,
};

/// One test at a time: they measure latencies.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The program's default workload: 300 requests at 500/s, 2 ms jobs.
fn arrivals() -> Vec<Arrival> {
    schedule(&Workload {
        requests: 300,
        rate: 500.0,
        mean_work: Duration::from_millis(2),
        keys: 1,
        seed: 1,
    })
}

fn knobs() -> Knobs {
    Knobs {
        hedge_after: Some(hedge_delay_of(&arrivals())),
        ..Knobs::default()
    }
}

fn config(step: Step) -> ClientConfig {
    ClientConfig::for_step(step, &knobs())
}

/// A run whose generator sent a request later than this measured the
/// machine, not the client: it is measured again.
const CALM: Duration = Duration::from_millis(30);
const ATTEMPTS: usize = 5;

/// Runs `config` against fresh servers with `plan`, again while the
/// generator fell behind; shows the row on stderr.
fn measure(name: &str, config: ClientConfig, plan: &FaultPlan) -> (StepReport, Report) {
    let arrivals = arrivals();
    let rt = runtime();
    let mut lags = Vec::new();
    let (row, report) = loop {
        let (row, report) = rt
            .block_on(run_step_with_report(name, config, plan, &arrivals))
            .expect("a run");
        lags.push(row.lag);
        if row.lag <= CALM || lags.len() == ATTEMPTS {
            break (row, report);
        }
    };
    assert!(
        row.lag <= CALM,
        "{name}: the sender fell behind by {lags:?} in {ATTEMPTS} attempts; \
         the machine is too busy to measure a client"
    );
    eprintln!(
        "{name:28} lost {} p50 {:?} p99 {:?} calls {} down {} recovery {:?} hedges {} \
         throttled {} servers {:?}",
        row.lost,
        row.p50,
        row.p99,
        row.calls,
        row.calls_while_down,
        row.recovery,
        row.hedges,
        row.throttled,
        row.servers
            .iter()
            .map(|s| (s.received, s.served, s.failed, s.stalled, s.abandoned))
            .collect::<Vec<_>>()
    );
    (row, report)
}

fn step(s: Step) -> StepReport {
    measure(s.name(), config(s), &FaultPlan::default()).0
}

#[test]
fn each_step_loses_less_and_failover_loses_almost_nothing_when_every_server_is_faulty() {
    let _one = serial();
    let once = step(Step::Once);
    let timeouts = step(Step::Timeouts);
    let retries = step(Step::Retries);
    let failover = step(Step::Failover);
    let breaker = step(Step::Breaker);
    // Step 0: each request makes one call to one server, so the two
    // losses add up with no overlap: the requests sent to server 0 before
    // it comes back (500/s for 300 ms is 150 requests, a third of them: 50
    // expected) plus the flaky server's 503s to first tries (30% of a third
    // of 300: 30). That is 80 expected, about a quarter. This seed's draw
    // is lower: 131 arrivals before 300 ms, 38 of them to server 0, and 19
    // first tries answered 503, so 57, about a fifth. The stalls (250 ms)
    // end inside the deadline and lose nothing. (The source's third is for
    // a server down the whole run.)
    assert!(
        (45..=105).contains(&once.lost),
        "step 0 lost {} of 300",
        once.lost
    );
    // A timeout alone turns the stalls into losses.
    assert!(
        timeouts.lost > once.lost,
        "{} vs {}",
        timeouts.lost,
        once.lost
    );
    // Retries to the same server save the 503s and the stalls, not the
    // requests whose server is down for longer than their backoff.
    assert!(
        retries.lost * 3 < timeouts.lost * 2,
        "{} vs {}",
        retries.lost,
        timeouts.lost
    );
    // Failover: at most the rare request whose four tries all meet a
    // fault (seed 1: one, whose tries met a 503, a refusal, a stall, a 503).
    assert!(failover.lost <= 2, "step 3 lost {}", failover.lost);
    // The breaker takes the down server out of the four tries: none lost,
    // or one whose tries were all unlucky (a run of the program saw one).
    assert!(breaker.lost <= 1, "step 4 lost {}", breaker.lost);
    // And the stalls, with timeouts, no longer hold requests for 250 ms.
    assert!(once.p99 > Duration::from_millis(200), "{:?}", once.p99);
    assert!(
        breaker.p99 < Duration::from_millis(150),
        "{:?}",
        breaker.p99
    );
}

#[test]
fn the_breaker_stops_the_calls_to_the_down_server_and_sees_it_back() {
    let _one = serial();
    let failover = step(Step::Failover);
    let breaker = step(Step::Breaker);
    // Without a breaker every request that meets the down server pays a
    // refused connect (about 40 of 300); with one, the breaker opens after
    // 3 and lets one probe through each 100 ms cool-down.
    assert!(
        breaker.calls_while_down * 4 < failover.calls_while_down,
        "{} vs {}",
        breaker.calls_while_down,
        failover.calls_while_down
    );
    assert!(
        breaker.calls_while_down <= 12,
        "{}",
        breaker.calls_while_down
    );
    // Back at 300 ms: found within a cool-down and a margin.
    let recovery = breaker.recovery.expect("server 0 served after its return");
    let bound = Knobs::default().breaker.cool_down + Duration::from_millis(60);
    assert!(recovery <= bound, "recovery {recovery:?}, bound {bound:?}");
    assert!(failover.recovery.is_some());
    assert!(breaker.calls_per_request() < failover.calls_per_request());
}

/// Servers `down` refuse connections for the whole run (well past its
/// deadline); the others are healthy.
fn down_for_good(down: &[usize]) -> FaultPlan {
    let mut plan = FaultPlan::default();
    for (i, fault) in plan.faults.iter_mut().enumerate() {
        *fault = if down.contains(&i) {
            Fault::DownUntil(Duration::from_secs(60))
        } else {
            Fault::Healthy
        };
    }
    plan
}

#[test]
fn with_failover_no_request_is_lost_while_one_server_is_up() {
    let _one = serial();
    for down in [&[0][..], &[0, 1]] {
        let plan = down_for_good(down);
        let (once, _) = measure("one try, servers down", config(Step::Once), &plan);
        let (failover, _) =
            measure("failover, servers down", config(Step::Failover), &plan);
        // One random try loses the down servers' share: a third, or two.
        let share = 300 * down.len() / 3;
        assert!(
            once.lost.abs_diff(share) <= 45,
            "{down:?} down: one try lost {}, expected about {share}",
            once.lost
        );
        // Failover goes round the request's order of the servers: within
        // its retries it reaches the server that is up, every time.
        assert_eq!(failover.lost, 0, "{down:?} down: failover lost requests");
        let served: u64 = failover.servers.iter().map(|s| s.served).sum();
        assert_eq!(served, 300, "{down:?} down: each request served once");
    }
}

#[test]
fn the_budget_bounds_the_calls_when_every_server_fails() {
    let _one = serial();
    let all_fail = FaultPlan::all_flaky(1, 3, 1.0);
    // Retries and failover, no breaker, so only the budget stops them.
    let no_budget = config(Step::Failover);
    let budget = ClientConfig {
        budget: Some((10, 0.1)),
        ..no_budget
    };
    let (without, _) = measure("retries, no budget", no_budget, &all_fail);
    let (with, _) = measure("retries, budget", budget, &all_fail);
    assert_eq!((without.lost, with.lost), (300, 300), "everything fails");
    // Without: 1 try + 3 retries for every request.
    assert!(
        without.calls_per_request() > 3.9,
        "{}",
        without.calls_per_request()
    );
    // With: the first five failures drain the budget to its half, and no
    // success ever refills it: about one call a request.
    assert!(
        with.calls_per_request() < 1.1,
        "{}",
        with.calls_per_request()
    );
    assert!(with.throttled >= 290, "{}", with.throttled);
}

#[test]
fn grpc_s_example_budget_gives_up_on_a_pool_with_one_bad_server() {
    let _one = serial();
    let tight = ClientConfig {
        budget: Some((10, 0.1)),
        ..config(Step::Budget)
    };
    let (tight, _) = measure("budget 0.1", tight, &FaultPlan::default());
    let (loose, _) = measure("budget 0.5", config(Step::Budget), &FaultPlan::default());
    // More than 1 call in 11 fails here, so the 0.1 budget stops retrying
    // and loses requests that failover would have saved.
    assert!(tight.lost >= 15, "ratio 0.1 lost {}", tight.lost);
    assert!(
        loose.lost * 3 < tight.lost,
        "{} vs {}",
        loose.lost,
        tight.lost
    );
}

/// Answered requests slower than `limit`.
fn slower_than(report: &Report, limit: Duration) -> u64 {
    let micros = limit.as_micros() as u64;
    report
        .latency
        .iter_recorded()
        .filter(|v| v.value_iterated_to() > micros)
        .map(|v| v.count_at_value())
        .sum()
}

#[test]
fn hedging_cuts_the_tail_of_the_stalling_server() {
    let _one = serial();
    let per_try = Knobs::default().per_try_timeout;
    let plan = FaultPlan::default();
    let (budget, budget_report) =
        measure(Step::Budget.name(), config(Step::Budget), &plan);
    let (hedge, hedge_report) = measure(Step::Hedge.name(), config(Step::Hedge), &plan);
    // Without hedging, each stalled try waits for its 50 ms timeout.
    let slow_before = slower_than(&budget_report, per_try);
    let slow_after = slower_than(&hedge_report, per_try);
    eprintln!(
        "slower than {per_try:?}: {slow_before} without hedging, {slow_after} with"
    );
    assert!(slow_before >= 8, "{slow_before}");
    // How many stay slow depends on timing (a stalled try has nowhere to
    // go while server 0 is down and server 1's breaker is open): 2 to 10
    // were seen against 15 to 18 without hedging. Without hedging both
    // counts are the same.
    assert!(
        slow_after + 4 <= slow_before,
        "{slow_after} vs {slow_before}"
    );
    assert!(hedge.hedges > 0);
    // The losers: the client dropped them, and server 2 saw its
    // connections close while stalled; it counted each stall it began.
    let stalled = &hedge.servers[2];
    assert!(stalled.stalled > 0 && stalled.abandoned > 0, "{stalled:?}");
    // The p99 need not move: the requests still slow are stalls the hedge
    // had nowhere to go from (server 0 down, server 1's breaker open).
    eprintln!("p99 {:?} without hedging, {:?} with", budget.p99, hedge.p99);
}

fn refused(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err()
}

/// Waits (bounded) until every address refuses connections.
fn all_refused_soon(addrs: &[SocketAddr]) -> bool {
    for _ in 0..100 {
        if addrs.iter().all(|&a| refused(a)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn job(id: u64) -> Arrival {
    Arrival {
        id,
        at: Duration::ZERO,
        work: Duration::from_millis(1),
        key: 0,
    }
}

#[test]
fn every_server_stops_on_shutdown_also_one_still_down() {
    let _one = serial();
    let rt = runtime();
    let addrs = rt.block_on(async {
        let servers = FaultyServers::start(&FaultPlan::default()).await.unwrap();
        let addrs = servers.addrs();
        let sender = FaultSender::new(&addrs);
        // Server 0 is down: refused, and told apart from other errors.
        assert_eq!(sender.call(0, &job(0), 0).await, Err(CallError::Refused));
        // Request 0's first try at server 1 is not one of its 503s.
        let ok = (0..20).find(|&id| {
            cookbook::fault_tolerance::faults::attempt_unit(1, 1, id, 0) >= 0.3
        });
        sender.call(1, &job(ok.unwrap()), 0).await.unwrap();
        assert!(!refused(addrs[1]) && !refused(addrs[2]), "listening");
        drop(sender);
        servers.shutdown().await.unwrap();
        addrs
    });
    assert!(addrs.iter().all(|&a| refused(a)), "a port still accepts");
    drop(rt);
}

#[test]
fn every_server_stops_when_the_test_body_panics() {
    let _one = serial();
    let rt = runtime();
    let (tx, rx) = std::sync::mpsc::channel();
    let body = rt.spawn(async move {
        let plan = FaultPlan::scenario(
            1,
            Duration::from_millis(20),
            0.3,
            0.1,
            Duration::from_millis(250),
        );
        let servers = FaultyServers::start(&plan).await.unwrap();
        tx.send(servers.addrs()).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await; // server 0 is back
        assert!(servers.addrs().iter().all(|&a| !refused(a)));
        panic!("a test body fails while its servers run (expected)");
    });
    let outcome = rt.block_on(body);
    assert!(outcome.unwrap_err().is_panic());
    let addrs = rx.recv().unwrap();
    assert!(
        all_refused_soon(&addrs),
        "a port still accepts after a panic"
    );
    drop(rt);
}

/// A request whose task panics is lost like any other and the others go
/// on: the open loop joins each task, and a panic reaches it as a
/// `JoinError`, counted as a failure (section 4.2's generator test shows
/// the same with a bare future; this one panics inside the client's).
#[test]
fn a_request_that_panics_is_lost_and_the_run_goes_on() {
    let _one = serial();
    runtime().block_on(async {
        let plan = FaultPlan {
            faults: vec![cookbook::fault_tolerance::faults::Fault::Healthy; 3],
            slots: 4,
            seed: 1,
        };
        let servers = FaultyServers::start(&plan).await.unwrap();
        let client =
            Arc::new(ResilientClient::new(config(Step::Hedge), &servers).unwrap());
        let jobs: Vec<Arrival> = (0..30)
            .map(|id| Arrival {
                at: Duration::from_millis(id),
                ..job(id)
            })
            .collect();
        // On a loaded machine a healthy request can still run out of its
        // per-try timeouts; those are counted apart, so the assertion is
        // about the panics alone.
        let lost_on_their_own = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let report = run_open_loop(&jobs, Duration::from_secs(2), |a| {
            let request = client.send(a);
            let id = a.id;
            let lost = Arc::clone(&lost_on_their_own);
            async move {
                let outcome = request.await;
                assert!(id % 10 != 0, "request {id} panics (expected)");
                if outcome.is_err() {
                    lost.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                outcome
            }
        })
        .await;
        let lost = lost_on_their_own.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(report.sent, 30);
        assert_eq!(report.timed_out, 0);
        assert_eq!(
            report.failed,
            3 + lost,
            "requests 0, 10 and 20 panicked; {lost} others failed on their own"
        );
        assert_eq!(report.completed, 27 - lost);
        assert!(lost <= 5, "{lost} healthy requests failed");
        drop(client);
        servers.shutdown().await.unwrap();
    });
}
