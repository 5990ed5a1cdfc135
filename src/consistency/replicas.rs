//! Section 4.4 fixed: replicas that really answer, on 127.0.0.1.
//!
//! N HTTP servers, each holding a [`Replica`] (a versioned register per
//! key, with compare-and-store). Each answers two requests:
//!
//! - `GET /get?key=K&client=C&msg=M`: the key's value and version, as the
//!   text `counter writer value`;
//! - `PUT /put?key=K&client=C&msg=M&counter=..&writer=..&value=..`: store
//!   it if newer; the answer is `stored` or `kept` (an older or equal
//!   version: ignored, and still an acknowledgement).
//!
//! The network between clients and replicas is simulated by the replicas
//! themselves: each message waits before the replica reads it. The wait is
//! fixed by a [`DelayPlan`]: a base delay per (client, replica), as if each
//! client sat near one replica and far from the others, plus a jitter
//! hashed from (seed, replica, client, message number), so the same message
//! waits as long in every run. A message that waits lands later, and a
//! replica that has not received a write yet answers reads with what it
//! had: that is how stale reads happen.
//!
//! [`Replicas`] owns the servers. [`Replicas::kill`] stops one gracefully
//! (what it accepted is answered; its port refuses from then on), [`Replicas::shutdown`] stops the rest through
//! section 4.2's `ServerTask`, and dropping a [`Replicas`] aborts them,
//! so no server outlives the program or test that started it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::routing::{get, put};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use super::register::{Replica, Version, Versioned};
use crate::fault_tolerance::faults::mix;
use crate::load_balancing::loopback::ServerTask;

/// The path of a read.
pub const GET_PATH: &str = "/get";
/// The path of a write.
pub const PUT_PATH: &str = "/put";

// ANCHOR: delays
/// How long each message waits before its replica reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayPlan {
    /// Seed of the jitter.
    pub seed: u64,
    /// `base[c][r]`: the delay from client `c` to replica `r`. A client
    /// beyond the last row uses row `c % rows`; a replica beyond a row's
    /// end, the row's last delay.
    pub base: Vec<Vec<Duration>>,
    /// Each message also waits a hashed fraction of this, from 0 to all.
    pub jitter: Duration,
}

impl DelayPlan {
    /// Client `c` sits near replica `c % replicas` (`near`) and far from
    /// the others (`far`), for `clients` clients; plus `jitter`.
    pub fn geo(
        clients: usize,
        replicas: usize,
        near: Duration,
        far: Duration,
        jitter: Duration,
        seed: u64,
    ) -> DelayPlan {
        let replicas = replicas.max(1);
        let base = (0..clients.max(1))
            .map(|c| {
                (0..replicas)
                    .map(|r| if r == c % replicas { near } else { far })
                    .collect()
            })
            .collect();
        DelayPlan { seed, base, jitter }
    }

    /// The wait of message `msg` from `client` to `replica`.
    pub fn delay(&self, client: usize, replica: usize, msg: u64) -> Duration {
        let row = match self.base.len() {
            0 => None,
            rows => self.base.get(client % rows),
        };
        let base = row
            .and_then(|row| row.get(replica).or(row.last()))
            .copied()
            .unwrap_or_default();
        let h = mix(mix(mix(self.seed) ^ replica as u64) ^ client as u64) ^ msg;
        let unit = (mix(h) >> 11) as f64 / (1u64 << 53) as f64; // [0, 1)
        base + self.jitter.mul_f64(unit)
    }
}
// ANCHOR_END: delays

/// What every message names: the key, who sent it, and its number among
/// that client's messages (for the jitter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Envelope {
    /// The key.
    pub key: u32,
    /// The client that sent it.
    pub client: usize,
    /// Its number among that client's messages.
    pub msg: u64,
}

/// The path of a read of `e.key`.
pub fn get_path(e: Envelope) -> String {
    format!("{GET_PATH}?key={}&client={}&msg={}", e.key, e.client, e.msg)
}

/// The path of a write of `v` to `e.key`.
pub fn put_path(e: Envelope, v: Versioned) -> String {
    format!(
        "{PUT_PATH}?key={}&client={}&msg={}&counter={}&writer={}&value={}",
        e.key, e.client, e.msg, v.version.counter, v.version.writer, v.value
    )
}

/// The text of a read's answer: `counter writer value`.
pub fn encode(v: Versioned) -> String {
    format!("{} {} {}", v.version.counter, v.version.writer, v.value)
}

/// Reads a read's answer back.
pub fn decode(text: &str) -> Option<Versioned> {
    let mut words = text.split_whitespace();
    let counter = words.next()?.parse().ok()?;
    let writer = words.next()?.parse().ok()?;
    let value = words.next()?.parse().ok()?;
    if words.next().is_some() {
        return None;
    }
    Some(Versioned {
        version: Version { counter, writer },
        value,
    })
}

/// The fields of a query string, by name.
fn field<T: std::str::FromStr>(uri: &Uri, name: &str) -> Option<T> {
    uri.query()?
        .split('&')
        .find_map(|pair| match pair.split_once('=') {
            Some((n, v)) if n == name => v.parse().ok(),
            _ => None,
        })
}

fn envelope(uri: &Uri) -> Option<Envelope> {
    Some(Envelope {
        key: field(uri, "key")?,
        client: field(uri, "client")?,
        msg: field(uri, "msg")?,
    })
}

fn versioned(uri: &Uri) -> Option<Versioned> {
    Some(Versioned {
        version: Version {
            counter: field(uri, "counter")?,
            writer: field(uri, "writer")?,
        },
        value: field(uri, "value")?,
    })
}

/// What one replica counted since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReplicaStats {
    /// Reads it answered.
    pub reads: u64,
    /// Writes it stored (newer than what it held).
    pub stored: u64,
    /// Writes it acknowledged without storing (not newer).
    pub kept: u64,
}

/// One replica's state, shared by its handlers.
#[derive(Debug)]
struct Node {
    index: usize,
    delays: Arc<DelayPlan>,
    register: Replica,
    reads: AtomicU64,
    stored: AtomicU64,
    kept: AtomicU64,
}

type Answer = Result<String, (StatusCode, &'static str)>;

// ANCHOR: handlers
/// A read: wait as the message's delay says, then answer what is held.
async fn read(State(node): State<Arc<Node>>, uri: Uri) -> Answer {
    let e = envelope(&uri).ok_or((StatusCode::BAD_REQUEST, "want key, client, msg"))?;
    tokio::time::sleep(node.delays.delay(e.client, node.index, e.msg)).await;
    node.reads.fetch_add(1, Ordering::Relaxed);
    Ok(encode(node.register.get(e.key)))
}

/// A write: wait, then compare-and-store. Either way it is acknowledged:
/// a replica that holds a newer version has done what the writer needs.
async fn write(State(node): State<Arc<Node>>, uri: Uri) -> Answer {
    let bad = (
        StatusCode::BAD_REQUEST,
        "want key, client, msg, counter, writer, value",
    );
    let (e, v) = envelope(&uri).zip(versioned(&uri)).ok_or(bad)?;
    tokio::time::sleep(node.delays.delay(e.client, node.index, e.msg)).await;
    if node.register.store(e.key, v) {
        node.stored.fetch_add(1, Ordering::Relaxed);
        Ok("stored".into())
    } else {
        node.kept.fetch_add(1, Ordering::Relaxed);
        Ok("kept".into())
    }
}
// ANCHOR_END: handlers

/// One running replica; `server` is `None` once killed.
#[derive(Debug)]
struct Running {
    node: Arc<Node>,
    addr: SocketAddr,
    server: Option<ServerTask>,
}

/// Every replica the program started; dropping it stops them.
#[derive(Debug)]
pub struct Replicas {
    running: Vec<Running>,
}

// ANCHOR: start
impl Replicas {
    /// Starts `n` replicas on 127.0.0.1, on ports the OS picks, whose
    /// messages wait as `delays` says. Must be called inside a tokio
    /// runtime.
    pub async fn start(n: usize, delays: DelayPlan) -> io::Result<Replicas> {
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a replicated register needs at least one replica",
            ));
        }
        let delays = Arc::new(delays);
        let mut replicas = Replicas {
            running: Vec::with_capacity(n),
        };
        for index in 0..n {
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let addr = listener.local_addr()?;
            let node = Arc::new(Node {
                index,
                delays: Arc::clone(&delays),
                register: Replica::new(),
                reads: AtomicU64::new(0),
                stored: AtomicU64::new(0),
                kept: AtomicU64::new(0),
            });
            let app = Router::new()
                .route(GET_PATH, get(read))
                .route(PUT_PATH, put(write))
                .with_state(Arc::clone(&node));
            let (stop, stopped) = oneshot::channel::<()>();
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await; // a stop sent, or its sender dropped
            });
            let task = tokio::spawn(serve.into_future());
            replicas.running.push(Running {
                node,
                addr,
                server: Some(ServerTask::new(addr, stop, task)),
            });
        }
        Ok(replicas)
    }
}
// ANCHOR_END: start

impl Replicas {
    /// How many replicas were started (killed ones included).
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether there are none (never, once started).
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Each replica's address, in order (a killed one's refuses).
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.running.iter().map(|r| r.addr).collect()
    }

    /// Whether replica `i` is still running.
    pub fn is_alive(&self, i: usize) -> bool {
        self.running.get(i).is_some_and(|r| r.server.is_some())
    }

    /// What replica `i` holds for `key` now, read directly (no message).
    pub fn peek(&self, i: usize, key: u32) -> Option<Versioned> {
        Some(self.running.get(i)?.node.register.get(key))
    }

    /// Each replica's counts now, in order.
    pub fn stats(&self) -> Vec<ReplicaStats> {
        self.running
            .iter()
            .map(|r| ReplicaStats {
                reads: r.node.reads.load(Ordering::Relaxed),
                stored: r.node.stored.load(Ordering::Relaxed),
                kept: r.node.kept.load(Ordering::Relaxed),
            })
            .collect()
    }
}

// ANCHOR: kill
impl Replicas {
    /// Stops replica `i`: from now on its port refuses every connection.
    /// This is a graceful stop, not a crash: requests already accepted are
    /// still answered (bounded by
    /// [`SHUTDOWN_GRACE`](crate::load_balancing::loopback::SHUTDOWN_GRACE)),
    /// so a kill never leaves a task behind. Killing it twice is a no-op.
    pub async fn kill(&mut self, i: usize) -> io::Result<()> {
        let Some(running) = self.running.get_mut(i) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("no replica {i}"),
            ));
        };
        match running.server.as_mut() {
            Some(server) => {
                let stopped = ServerTask::stop_all(vec![server]).await;
                running.server = None;
                stopped
            }
            None => Ok(()),
        }
    }

    /// Stops every replica still running, gracefully and in bounded time.
    pub async fn shutdown(mut self) -> io::Result<()> {
        let alive = self
            .running
            .iter_mut()
            .filter_map(|r| r.server.as_mut())
            .collect();
        ServerTask::stop_all(alive).await
    }
}

impl Drop for Replicas {
    /// Stops whatever [`Replicas::shutdown`] did not.
    fn drop(&mut self) {
        for r in &mut self.running {
            if let Some(server) = r.server.as_mut() {
                server.abort();
            }
        }
    }
}
// ANCHOR_END: kill

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn messages_round_trip_through_their_paths() {
        let e = Envelope {
            key: 3,
            client: 2,
            msg: 17,
        };
        let v = Versioned {
            version: Version {
                counter: 5,
                writer: 1,
            },
            value: 1002,
        };
        let uri: Uri = put_path(e, v).parse().unwrap();
        assert_eq!(envelope(&uri), Some(e));
        assert_eq!(versioned(&uri), Some(v));
        let uri: Uri = get_path(e).parse().unwrap();
        assert_eq!((envelope(&uri), versioned(&uri)), (Some(e), None));
        assert_eq!(decode(&encode(v)), Some(v));
        for bad in ["", "1 2", "1 2 x", "1 2 3 4", "-1 2 3"] {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn delays_are_near_far_plus_a_stable_jitter() {
        let plan = DelayPlan::geo(4, 3, ms(1), ms(8), ms(3), 1);
        assert_eq!(plan.base[0], [ms(1), ms(8), ms(8)]);
        assert_eq!(
            plan.base[3],
            [ms(1), ms(8), ms(8)],
            "client 3 is near replica 0"
        );
        for msg in 0..200 {
            let d = plan.delay(1, 1, msg);
            assert!((ms(1)..ms(4)).contains(&d), "{d:?}");
            assert!((ms(8)..ms(11)).contains(&plan.delay(1, 2, msg)));
            assert_eq!(d, plan.delay(1, 1, msg), "the same message waits the same");
        }
        assert_ne!(plan.delay(0, 1, 5), plan.delay(0, 1, 6));
        let fixed = DelayPlan {
            seed: 0,
            base: vec![vec![ms(2), ms(5)]],
            jitter: Duration::ZERO,
        };
        assert_eq!(fixed.delay(7, 0, 1), ms(2), "row 7 % 1");
        assert_eq!(fixed.delay(0, 4, 1), ms(5), "past the row's end: its last");
        let empty = DelayPlan {
            seed: 0,
            base: vec![],
            jitter: Duration::ZERO,
        };
        assert_eq!(empty.delay(0, 0, 0), Duration::ZERO);
    }

    fn refused(addr: SocketAddr) -> bool {
        std::net::TcpStream::connect_timeout(&addr, ms(200)).is_err()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_replica_refuses_and_the_others_stop_at_shutdown() {
        let plan = DelayPlan::geo(1, 3, ms(0), ms(0), ms(0), 1);
        assert!(Replicas::start(0, plan.clone()).await.is_err());
        let mut replicas = Replicas::start(3, plan).await.unwrap();
        let addrs = replicas.addrs();
        assert!(addrs.iter().all(|&a| !refused(a)));
        replicas.kill(1).await.unwrap();
        replicas.kill(1).await.unwrap();
        assert!(replicas.kill(9).await.is_err());
        assert!(refused(addrs[1]) && !refused(addrs[0]));
        assert!(!replicas.is_alive(1) && replicas.is_alive(2));
        replicas.shutdown().await.unwrap();
        assert!(addrs.iter().all(|&a| refused(a)), "every port refuses");
    }
}
