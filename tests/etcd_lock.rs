//! Leases, leader election and fencing tokens on a real etcd cluster
//! (`src/consistency/etcd/lock.rs`).
//!
//! Needs the `etcd` feature and the `etcd` binary (the `ETCD` variable or
//! the PATH). Without either, the etcd checks are skipped and say why;
//! with `REQUIRE_ETCD=1` (as in CI) that is a failure. The storage checks
//! need the feature only. Each etcd check starts its own three-node
//! cluster on ports the OS picks, one cluster at a time, and checks that
//! every member's port is closed after stopping it.
//!
//! Run: `cargo test --features etcd --test etcd_lock`

/// Is a missing etcd a failure (`REQUIRE_ETCD=1`, as `tests/etcd.rs` reads it)?
fn etcd_required() -> bool {
    matches!(
        std::env::var("REQUIRE_ETCD").as_deref(),
        Ok("1") | Ok("true")
    )
}

/// Says why a check did not run, past the test harness's capture of
/// `println!`, so that a plain `cargo test` shows it.
fn skipped(why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "etcd lock checks SKIPPED: {why}; REQUIRE_ETCD=1 makes this a failure."
    );
}

#[cfg(not(feature = "etcd"))]
#[test]
fn etcd_lock_checks_need_the_etcd_feature() {
    let why = "built without the `etcd` feature \
               (run `cargo test --features etcd --test etcd_lock`)";
    assert!(!etcd_required(), "REQUIRE_ETCD=1, but {why}");
    skipped(why);
}

#[cfg(feature = "etcd")]
mod storage {
    use cookbook::consistency::etcd::lock::{FencingToken, Guard, Refused, Storage};

    #[test]
    fn fenced_storage_refuses_a_lower_token_and_keeps_the_newer_write() {
        let mut storage = Storage::new(Guard::Fenced);
        assert_eq!(storage.write("alice", FencingToken(7), "alice-1"), Ok(()));
        assert_eq!(storage.write("bob", FencingToken(9), "bob-1"), Ok(()));
        assert_eq!(
            storage.write("alice", FencingToken(7), "alice-2"),
            Err(Refused {
                token: FencingToken(7),
                highest: FencingToken(9),
            })
        );
        let entry = storage.current().expect("a value");
        assert_eq!(
            (entry.writer.as_str(), entry.value.as_str()),
            ("bob", "bob-1")
        );
        // The same leader writing again, and a later one, are accepted.
        assert_eq!(storage.write("bob", FencingToken(9), "bob-2"), Ok(()));
        assert_eq!(storage.write("carol", FencingToken(10), "carol-1"), Ok(()));
        assert_eq!(
            storage.write("bob", FencingToken(9), "bob-3"),
            Err(Refused {
                token: FencingToken(9),
                highest: FencingToken(10),
            })
        );
    }

    #[test]
    fn unfenced_storage_lets_the_stale_write_win() {
        let mut storage = Storage::new(Guard::Unfenced);
        for (writer, token, value) in [("alice", 7, "alice-1"), ("bob", 9, "bob-1")] {
            assert_eq!(storage.write(writer, FencingToken(token), value), Ok(()));
        }
        assert_eq!(storage.write("alice", FencingToken(7), "alice-2"), Ok(()));
        assert_eq!(storage.current().expect("a value").value, "alice-2");
    }
}

#[cfg(feature = "etcd")]
mod with_etcd {
    use super::etcd_required;
    use cookbook::consistency::etcd::cluster::{self, Cluster, etcd_binary};
    use cookbook::consistency::etcd::lock::{
        FencingToken, How, Refused, Session, Settings, campaign, connect, leader,
        pause_scenario, resign,
    };
    use std::net::{SocketAddr, TcpStream};
    use std::time::{Duration, Instant};
    use tokio::sync::{Mutex, MutexGuard};
    use tokio::time::sleep;

    /// One cluster at a time: two electing leaders at once on two cores
    /// would be slow, and each preallocates its write-ahead logs.
    static ONE_AT_A_TIME: Mutex<()> = Mutex::const_new(());

    /// A running cluster and the turn it holds, or `None` after saying why
    /// the check is skipped.
    async fn running() -> Option<(Cluster, MutexGuard<'static, ()>)> {
        if let Err(e) = etcd_binary() {
            assert!(!etcd_required(), "REQUIRE_ETCD=1, but {e}");
            super::skipped(&e.to_string());
            return None;
        }
        let turn = ONE_AT_A_TIME.lock().await;
        Some((cluster::start(3).await.expect("a three-node cluster"), turn))
    }

    /// Stops the cluster and checks that no member still listens.
    async fn stop(cluster: Cluster) {
        let endpoints = cluster.endpoints();
        cluster.stop().await;
        for endpoint in endpoints {
            let addr: SocketAddr = endpoint
                .trim_start_matches("http://")
                .parse()
                .expect("an address");
            let open =
                TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok();
            assert!(!open, "{endpoint} still answers after stop");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_leader_at_a_time_until_resign_or_expiry() {
        let Some((cluster, _turn)) = running().await else {
            return;
        };
        let endpoints = cluster.endpoints();
        let a = connect(&endpoints[..1]).await.expect("connect");
        let b = connect(&endpoints[1..2]).await.expect("connect");
        let election = "/test/one-leader";
        let wait = Duration::from_secs(5);
        let mut a_session = Session::grant(&a, 1).await.expect("lease");
        let b_session = Session::grant(&b, 1).await.expect("lease");

        // a leads; b's campaign does not return while a holds on.
        let a_leads = campaign(&a, election, "a", &a_session, wait)
            .await
            .expect("a leads");
        let b_campaign = {
            let b = b.clone();
            let lease = b_session.lease();
            tokio::spawn(async move {
                let mut elections = b.election_client();
                let won = elections.campaign(election, "b", lease).await;
                (won, Instant::now())
            })
        };
        // Longer than the TTL: a's keep-alives hold the lease.
        sleep(Duration::from_millis(1500)).await;
        assert!(!b_campaign.is_finished(), "b won while a led");
        assert_eq!(leader(&b, election).await.expect("leader").0, "a");

        // a resigns: b wins, with a higher token.
        resign(&a, &a_leads).await.expect("resign");
        let (won, _) = tokio::time::timeout(wait, b_campaign)
            .await
            .expect("b wins soon after a resigns")
            .expect("b's task");
        let b_key = won.expect("b's campaign").leader().cloned().expect("a key");
        assert!(
            FencingToken(u64::try_from(b_key.rev()).expect("a revision")) > a_leads.token
        );

        // a queues again; b stops its keep-alives; a wins once the lease expires.
        let a_again = {
            let a = a.clone();
            let lease = a_session.lease();
            tokio::spawn(async move {
                let mut elections = a.election_client();
                let won = elections.campaign(election, "a", lease).await;
                (won, Instant::now())
            })
        };
        sleep(Duration::from_millis(200)).await;
        let mut b_session = b_session;
        b_session.stop_keep_alive().await.expect("keep-alives ran");
        let stalled = Instant::now();
        sleep(Duration::from_millis(300)).await;
        assert!(
            !a_again.is_finished(),
            "a won before b's lease could expire"
        );
        assert_eq!(leader(&a, election).await.expect("leader").0, "b");
        let (won, at) = tokio::time::timeout(wait, a_again)
            .await
            .expect("a wins once b's lease expires")
            .expect("a's task");
        won.expect("a's campaign");
        let after = at.duration_since(stalled);
        // The last keep-alive was at most a third of the TTL before the stall.
        assert!(
            after >= Duration::from_millis(600),
            "b's lease expired after {after:?}"
        );
        assert_eq!(leader(&b, election).await.expect("leader").0, "a");

        a_session.stop_keep_alive().await.expect("keep-alives ran");
        a_session.close().await.expect("revoke");
        b_session.close().await.expect("an expired lease closes");
        stop(cluster).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_stale_leader_overwrites_an_unfenced_resource_and_not_a_fenced_one() {
        let Some((cluster, _turn)) = running().await else {
            return;
        };
        let settings = Settings::default();
        let story = pause_scenario(&cluster.endpoints(), &settings).await;
        stop(cluster).await;
        let story = story.expect("the scenario runs");

        let names: Vec<&str> = story.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "carol"]);
        let hows: Vec<How> = story.terms.iter().map(|t| t.how).collect();
        assert_eq!(hows, [How::First, How::LeaseExpired, How::Resigned]);
        let tokens: Vec<FencingToken> = story.terms.iter().map(|t| t.token).collect();
        assert!(tokens.windows(2).all(|w| w[0] < w[1]), "tokens {tokens:?}");
        let observed: Vec<(String, FencingToken)> = story
            .terms
            .iter()
            .map(|t| (t.name.clone(), t.token))
            .collect();
        assert_eq!(story.observed, observed);
        assert_eq!(story.waiting, ["bob", "carol"]);
        assert_eq!(story.leader_before_pause, ("alice".into(), tokens[0]));
        assert_eq!(story.leader_after_wake, ("bob".into(), tokens[1]));
        assert!(story.renewals >= 1, "alice's lease was never renewed");
        assert!(story.takeover_after < story.pause);

        // The stale write: alice's token, after bob's.
        let stale = &story.writes[2];
        assert_eq!((stale.writer.as_str(), stale.token), ("alice", tokens[0]));
        assert_eq!(story.writes[1].value, "bob-1");
        // Without a check, bob's write is lost.
        assert_eq!(stale.unfenced, Ok(()));
        assert_eq!(story.unfenced.current().expect("a value").value, "alice-2");
        // With a fencing token, it is refused and bob's write stays.
        let refused = Refused {
            token: tokens[0],
            highest: tokens[1],
        };
        assert_eq!(stale.fenced, Err(refused));
        assert_eq!(story.fenced.current().expect("a value").value, "bob-1");
        // etcd's own transaction on the leader key refuses it too.
        assert!(!stale.guarded);
        assert_eq!(story.guarded.as_deref(), Some("bob-1"));
    }
}
