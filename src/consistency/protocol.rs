//! Stateright models of two register protocols, checked for
//! linearizability over every interleaving of their messages.
//!
//! A model is not the code that runs on loopback: it is the protocol,
//! written as actors that react to messages, and
//! [stateright](https://docs.rs/stateright) explores every order in which
//! the network may deliver those messages. Each message flow between two
//! actors is ordered, as on one TCP connection, but flows race each
//! other; [`Setup::network`] can make the network unordered, or ordered
//! with losses, instead. Every operation a client starts and finishes is recorded
//! in stateright's `LinearizabilityTester`, and the property
//! "linearizable" must hold in every state.
//!
//! - [`Protocol::SingleCopy`]: each server keeps its own value and never
//!   talks to the others, like the source's three nodes. A client that
//!   writes to one server and reads from another reads the old value.
//! - [`Protocol::Abd`]: Attiya, Bar-Noy and Dolev's register ("Sharing
//!   memory robustly in message-passing systems", JACM 1995). The server a
//!   client calls coordinates: it asks a majority for their timestamped
//!   values, then stores a value with a timestamp at a majority. A write
//!   stores its value under a timestamp above every one it heard; a read
//!   stores back the newest value it heard before it answers.
//! - [`Protocol::AbdNoWriteBack`]: ABD whose reads answer as soon as they
//!   have heard a majority, without the second phase.
//! - [`Protocol::AbdBlindWrite`]: ABD whose writes skip the first phase
//!   and pick a timestamp from their own server's copy alone.

use crate::consistency::history::{Call, Operation, Outcome};
use stateright::actor::{
    Actor, ActorModel, ActorModelAction, Id, LossyNetwork, Network, Out,
};
use stateright::semantics::register::{Register, RegisterOp, RegisterRet};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester};
use stateright::{Checker, Expectation, Model};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

/// A timestamp: a counter, then the id of the server that chose it, so
/// two servers never choose the same one.
pub type Timestamp = (u64, u64);

// ANCHOR: msg
/// Every message in the models.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Msg {
    /// Client to server: write this value.
    Write { req: u64, value: u64 },
    /// Client to server: read.
    Read { req: u64 },
    /// Server to client: the write is done.
    Written { req: u64 },
    /// Server to client: the value read.
    ReadOk { req: u64, value: u64 },
    /// Coordinator to every server (ABD, phase 1): what do you hold?
    Query { req: u64 },
    /// Server to coordinator: this timestamp and value.
    Current { req: u64, ts: Timestamp, value: u64 },
    /// Coordinator to every server (ABD, phase 2): keep this value if its
    /// timestamp is newer than yours.
    Store { req: u64, ts: Timestamp, value: u64 },
    /// Server to coordinator: stored (or already held something newer).
    Stored { req: u64 },
}
// ANCHOR_END: msg

/// Which protocol the servers run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Each server answers from its own copy and never talks to the others.
    SingleCopy,
    /// ABD: two phases for writes and for reads.
    Abd,
    /// ABD with a deliberate bug: reads skip their write-back phase.
    AbdNoWriteBack,
    /// ABD with a deliberate bug: a write skips its query phase and picks
    /// a timestamp above its own server's only.
    AbdBlindWrite,
}

/// How the model's network may deliver messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkKind {
    /// Each flow between two actors keeps its order (like one TCP
    /// connection); flows race each other.
    Ordered,
    /// Any message may overtake any other.
    Unordered,
    /// Ordered flows, and any message may be lost.
    OrderedLossy,
}

/// One actor: a server or a client.
#[derive(Clone, Debug)]
pub enum Node {
    /// A server running `protocol` among `servers` servers.
    Server { protocol: Protocol, servers: usize },
    /// A client that runs its script one operation at a time, each
    /// through the server named beside it.
    Client { script: Vec<(Call, usize)> },
}

/// An operation a server coordinates for a client (ABD).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Coordinating {
    client: Id,
    req: u64,
    call: Call,
    phase: Phase,
}

/// Where a coordinated operation is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Phase {
    /// Phase 1: the servers' answers so far.
    Querying(BTreeMap<Id, (Timestamp, u64)>),
    /// Phase 2: the servers that stored so far, and the answer for the
    /// client once a majority has.
    Storing(BTreeSet<Id>, Msg),
}

/// An actor's state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NodeState {
    /// A server's copy, and what it coordinates.
    Server {
        ts: Timestamp,
        value: u64,
        coordinating: Vec<Coordinating>,
    },
    /// How many operations of its script the client has finished, and the
    /// request it waits for.
    Client { done: usize, awaiting: Option<u64> },
}

fn request_id(client: Id, k: usize) -> u64 {
    usize::from(client) as u64 * 1000 + k as u64
}

fn start_op(
    client: Id,
    script: &[(Call, usize)],
    k: usize,
    o: &mut Out<Node>,
) -> Option<u64> {
    let (call, server) = script.get(k)?;
    let req = request_id(client, k);
    let server = Id::from(*server);
    match call {
        Call::Write(value) => o.send(server, Msg::Write { req, value: *value }),
        Call::Read => o.send(server, Msg::Read { req }),
    }
    Some(req)
}

fn majority(servers: usize) -> usize {
    servers / 2 + 1
}

// ANCHOR: abd
/// What an ABD server does with one message. It answers other servers'
/// queries and stores, and coordinates the operations clients send it.
/// The coordinator counts itself without a message: it reads and stores
/// its own copy at once, and waits for the others until a majority of all
/// servers (itself included) has answered.
fn abd_on_msg(
    me: Id,
    servers: usize,
    protocol: Protocol,
    state: &mut NodeState,
    src: Id,
    msg: Msg,
    o: &mut Out<Node>,
) {
    let NodeState::Server {
        ts,
        value,
        coordinating,
    } = state
    else {
        return;
    };
    let others: Vec<Id> = (0..servers).map(Id::from).filter(|&s| s != me).collect();
    let (req, heard_from) = match msg {
        // A client's call: phase 1 starts with this server's own copy.
        Msg::Write { req, .. } | Msg::Read { req } => {
            let call = match msg {
                Msg::Write { value: v, .. } => Call::Write(v),
                _ => Call::Read,
            };
            coordinating.push(Coordinating {
                client: src,
                req,
                call,
                phase: Phase::Querying(BTreeMap::from([(me, (*ts, *value))])),
            });
            let blind =
                protocol == Protocol::AbdBlindWrite && matches!(call, Call::Write(_));
            if !blind {
                o.broadcast(&others, &Msg::Query { req });
            }
            (req, None)
        }
        // Any server: answer a query with what it holds.
        Msg::Query { req } => {
            o.send(
                src,
                Msg::Current {
                    req,
                    ts: *ts,
                    value: *value,
                },
            );
            return;
        }
        // Any server: keep a value whose timestamp is newer.
        Msg::Store {
            req,
            ts: t,
            value: v,
        } => {
            if t > *ts {
                (*ts, *value) = (t, v);
            }
            o.send(src, Msg::Stored { req });
            return;
        }
        // Coordinator: an answer to phase 1 or 2 (a late one is ignored).
        Msg::Current {
            req,
            ts: t,
            value: v,
        } => (req, Some((src, Some((t, v))))),
        Msg::Stored { req } => (req, Some((src, None))),
        Msg::Written { .. } | Msg::ReadOk { .. } => return,
    };
    let Some(i) = coordinating.iter().position(|c| c.req == req) else {
        return;
    };
    let op = &mut coordinating[i];
    match (&mut op.phase, heard_from) {
        (Phase::Querying(heard), Some((from, Some(copy)))) => {
            heard.insert(from, copy);
        }
        (Phase::Storing(acks, _), Some((from, None))) => {
            acks.insert(from);
        }
        (_, None) => {}
        _ => return,
    }
    // Phase 1 done: pick the newest copy a majority holds.
    if let Phase::Querying(heard) = &op.phase {
        // The blind-write bug: a write asks no one but itself.
        let blind =
            protocol == Protocol::AbdBlindWrite && matches!(op.call, Call::Write(_));
        if heard.len() < majority(servers) && !blind {
            return;
        }
        let (newest, newest_value) = heard.values().max().copied().unwrap_or(((0, 0), 0));
        let (store_ts, store_value, answer) = match op.call {
            // A write goes above every timestamp it heard.
            Call::Write(w) => (
                (newest.0 + 1, usize::from(me) as u64),
                w,
                Msg::Written { req },
            ),
            // A read makes the newest value stick before it answers.
            Call::Read if protocol != Protocol::AbdNoWriteBack => (
                newest,
                newest_value,
                Msg::ReadOk {
                    req,
                    value: newest_value,
                },
            ),
            // The bug: answer before a majority holds what was read.
            Call::Read => {
                o.send(
                    op.client,
                    Msg::ReadOk {
                        req,
                        value: newest_value,
                    },
                );
                coordinating.remove(i);
                return;
            }
        };
        if store_ts > *ts {
            (*ts, *value) = (store_ts, store_value);
        }
        op.phase = Phase::Storing(BTreeSet::from([me]), answer);
        o.broadcast(
            &others,
            &Msg::Store {
                req,
                ts: store_ts,
                value: store_value,
            },
        );
    }
    // Phase 2 done: a majority stores the value; answer the client.
    if let Phase::Storing(acks, answer) = &op.phase {
        if acks.len() >= majority(servers) {
            o.send(op.client, answer.clone());
            coordinating.remove(i);
        }
    }
}
// ANCHOR_END: abd

// ANCHOR: single
/// What a single-copy server does: answer from its own value.
fn single_copy_on_msg(state: &mut NodeState, src: Id, msg: Msg, o: &mut Out<Node>) {
    let NodeState::Server { value, .. } = state else {
        return;
    };
    match msg {
        Msg::Write { req, value: v } => {
            *value = v;
            o.send(src, Msg::Written { req });
        }
        Msg::Read { req } => o.send(src, Msg::ReadOk { req, value: *value }),
        _ => {}
    }
}
// ANCHOR_END: single

impl Actor for Node {
    type Msg = Msg;
    type State = NodeState;
    type Timer = ();
    type Random = ();
    type Storage = ();

    fn name(&self) -> String {
        match self {
            Node::Server { .. } => "server".into(),
            Node::Client { .. } => "client".into(),
        }
    }

    fn on_start(&self, id: Id, _storage: &Option<()>, o: &mut Out<Self>) -> NodeState {
        match self {
            Node::Server { .. } => NodeState::Server {
                ts: (0, 0),
                value: 0,
                coordinating: Vec::new(),
            },
            Node::Client { script } => NodeState::Client {
                done: 0,
                awaiting: start_op(id, script, 0, o),
            },
        }
    }

    fn on_msg(
        &self,
        id: Id,
        state: &mut Cow<NodeState>,
        src: Id,
        msg: Msg,
        o: &mut Out<Self>,
    ) {
        match self {
            Node::Server { protocol, servers } => {
                let mut next = (**state).clone();
                match protocol {
                    Protocol::SingleCopy => single_copy_on_msg(&mut next, src, msg, o),
                    _ => abd_on_msg(id, *servers, *protocol, &mut next, src, msg, o),
                }
                if next != **state {
                    *state.to_mut() = next;
                }
            }
            Node::Client { script } => {
                let NodeState::Client { done, awaiting } = **state else {
                    return;
                };
                let req = match msg {
                    Msg::Written { req } | Msg::ReadOk { req, .. } => req,
                    _ => return,
                };
                if awaiting == Some(req) {
                    *state.to_mut() = NodeState::Client {
                        done: done + 1,
                        awaiting: start_op(id, script, done + 1, o),
                    };
                }
            }
        }
    }
}

/// The history stateright keeps: a linearizability tester over one
/// register of `u64`, threads named by client id.
pub type History = LinearizabilityTester<Id, Register<u64>>;

/// The model type.
pub type RegisterModel = ActorModel<Node, Vec<Call>, History>;

/// A model to check: a protocol, its servers, each client's script.
#[derive(Clone, Debug)]
pub struct Setup {
    /// A short name for printing.
    pub name: &'static str,
    pub protocol: Protocol,
    pub servers: usize,
    /// One script per client: each operation and the server it goes to.
    pub clients: Vec<Vec<(Call, usize)>>,
    pub network: NetworkKind,
}

impl Setup {
    /// The source's nodes, reduced to two: one client writes 1 to server
    /// 0, then reads from server 1.
    pub fn single_copy() -> Setup {
        Setup {
            name: "single copy",
            protocol: Protocol::SingleCopy,
            servers: 2,
            clients: vec![vec![(Call::Write(1), 0), (Call::Read, 1)]],
            network: NetworkKind::Ordered,
        }
    }

    /// ABD on three servers: client 0 writes 1 through server 0 while
    /// client 1 reads twice, through server 2, then server 1: if the first
    /// read sees the write still in progress, the second must not miss it.
    /// On ordered, reliable links even [`Protocol::AbdNoWriteBack`] passes
    /// this configuration: a store from s0 reaches a server before any
    /// answer s0 sends it later, so when the first read returns 1 two of
    /// the three servers hold 1. An unordered or lossy network shows the
    /// bug.
    pub fn abd() -> Setup {
        Setup {
            name: "ABD",
            protocol: Protocol::Abd,
            servers: 3,
            clients: vec![
                vec![(Call::Write(1), 0)],
                vec![(Call::Read, 2), (Call::Read, 1)],
            ],
            network: NetworkKind::Ordered,
        }
    }

    /// [`Setup::abd`] with reads that skip their write-back.
    pub fn abd_no_write_back() -> Setup {
        Setup {
            name: "ABD without write-back",
            protocol: Protocol::AbdNoWriteBack,
            ..Setup::abd()
        }
    }

    /// One client writes 1 through server 2, then 2 through server 0,
    /// then reads through server 1: sequential, so one right answer (2).
    pub fn abd_sequential() -> Setup {
        Setup {
            name: "ABD, one client",
            clients: vec![vec![
                (Call::Write(1), 2),
                (Call::Write(2), 0),
                (Call::Read, 1),
            ]],
            ..Setup::abd()
        }
    }

    /// [`Setup::abd_sequential`] with writes that skip their query.
    pub fn abd_blind_write() -> Setup {
        Setup {
            name: "ABD with blind writes",
            protocol: Protocol::AbdBlindWrite,
            ..Setup::abd_sequential()
        }
    }

    /// A larger ABD: two clients each write, then read (about a minute in
    /// a debug build; the tests run it only when asked).
    pub fn abd_two_writers() -> Setup {
        Setup {
            name: "ABD, two writers",
            clients: vec![
                vec![(Call::Write(1), 0), (Call::Read, 1)],
                vec![(Call::Write(2), 1), (Call::Read, 2)],
            ],
            ..Setup::abd()
        }
    }

    /// The stateright model.
    pub fn model(&self) -> RegisterModel {
        let servers = (0..self.servers).map(|_| Node::Server {
            protocol: self.protocol,
            servers: self.servers,
        });
        let clients = self.clients.iter().map(|script| Node::Client {
            script: script.clone(),
        });
        let (network, lossy) = match self.network {
            NetworkKind::Ordered => (Network::new_ordered([]), LossyNetwork::No),
            NetworkKind::Unordered => {
                (Network::new_unordered_nonduplicating([]), LossyNetwork::No)
            }
            NetworkKind::OrderedLossy => (Network::new_ordered([]), LossyNetwork::Yes),
        };
        let scripts: Vec<Call> = Vec::new();
        ActorModel::new(scripts, History::default())
            .actors(servers)
            .actors(clients)
            .init_network(network)
            .lossy_network(lossy)
            // ANCHOR: property
            .property(Expectation::Always, LINEARIZABLE, |_, state| {
                state.history.serialized_history().is_some()
            })
            .property(Expectation::Sometimes, FINISHED, |model, state| {
                model
                    .actors
                    .iter()
                    .zip(&state.actor_states)
                    .all(|(actor, s)| match (actor, &**s) {
                        (Node::Client { script, .. }, NodeState::Client { done, .. }) => {
                            *done == script.len()
                        }
                        _ => true,
                    })
            })
            .record_msg_out(|_, history, env| {
                let op = match env.msg {
                    Msg::Write { value, .. } => RegisterOp::Write(*value),
                    Msg::Read { .. } => RegisterOp::Read,
                    _ => return None,
                };
                let mut history = history.clone();
                let _ = history.on_invoke(env.src, op);
                Some(history)
            })
            .record_msg_in(|_, history, env| {
                let ret = match env.msg {
                    Msg::Written { .. } => RegisterRet::WriteOk,
                    Msg::ReadOk { value, .. } => RegisterRet::ReadOk(*value),
                    _ => return None,
                };
                let mut history = history.clone();
                let _ = history.on_return(env.dst, ret);
                Some(history)
            })
        // ANCHOR_END: property
    }
}

/// The property every state must have.
pub const LINEARIZABLE: &str = "linearizable";
/// The property some state must have: every client finished its script
/// (so a model where nothing happens cannot pass).
pub const FINISHED: &str = "every client finished";

// ANCHOR: verdict
/// What the checker found for one [`Setup`].
#[derive(Clone, Debug)]
pub struct Verdict {
    pub setup: Setup,
    /// Distinct states visited (deterministic: breadth-first, one thread).
    pub unique_states: usize,
    /// States generated, repeats included.
    pub states: usize,
    /// The longest path explored.
    pub max_depth: usize,
    /// Whether the search visited every reachable state (it stops early
    /// once it has a counterexample and an example of finishing).
    pub exhaustive: bool,
    /// The shortest path to a state that is not linearizable, as the
    /// messages delivered, if there is one.
    pub counterexample: Option<Vec<Step>>,
    /// Whether some path lets every client finish.
    pub can_finish: bool,
    pub elapsed: Duration,
}

/// Runs stateright's breadth-first search over every interleaving.
pub fn verify(setup: &Setup) -> Verdict {
    let model = setup.model();
    let start = Instant::now();
    let checker = model.checker().spawn_bfs().join();
    let elapsed = start.elapsed();
    let counterexample = checker.discovery(LINEARIZABLE).map(|path| {
        path.into_actions()
            .into_iter()
            .filter_map(|action| match action {
                ActorModelAction::Deliver { src, dst, msg } => Some(Step {
                    src,
                    dst,
                    msg,
                    lost: false,
                }),
                ActorModelAction::Drop(env) => Some(Step {
                    src: env.src,
                    dst: env.dst,
                    msg: env.msg,
                    lost: true,
                }),
                _ => None,
            })
            .collect()
    });
    Verdict {
        setup: setup.clone(),
        unique_states: checker.unique_state_count(),
        states: checker.state_count(),
        max_depth: checker.max_depth(),
        exhaustive: counterexample.is_none(),
        can_finish: checker.discovery(FINISHED).is_some(),
        counterexample,
        elapsed,
    }
}
// ANCHOR_END: verdict

/// One message in a counterexample: delivered, or lost on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub src: Id,
    pub dst: Id,
    pub msg: Msg,
    /// The network lost the message (only on a lossy network).
    pub lost: bool,
}

impl Step {
    /// Names an actor: servers first (`s0`, `s1`, …), then clients
    /// (`c0`, …).
    pub fn actor(id: Id, servers: usize) -> String {
        let i = usize::from(id);
        if i < servers {
            format!("s{i}")
        } else {
            format!("c{}", i - servers)
        }
    }

    /// The step as a line: who sent what to whom, and `(lost)` when it
    /// never arrived.
    pub fn render(&self, servers: usize) -> String {
        let what = match &self.msg {
            Msg::Write { value, .. } => format!("write {value}"),
            Msg::Read { .. } => "read".to_string(),
            Msg::Written { .. } => "written".to_string(),
            Msg::ReadOk { value, .. } => format!("read returns {value}"),
            Msg::Query { .. } => "query".to_string(),
            Msg::Current { ts, value, .. } => {
                format!("holds {value} at ({}, {})", ts.0, ts.1)
            }
            Msg::Store { ts, value, .. } => {
                format!("store {value} at ({}, {})", ts.0, ts.1)
            }
            Msg::Stored { .. } => "stored".to_string(),
        };
        format!(
            "{} → {}  {what}{}",
            Step::actor(self.src, servers),
            Step::actor(self.dst, servers),
            if self.lost { "  (lost)" } else { "" }
        )
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.setup;
        writeln!(
            f,
            "{}: {} servers, {} client{}",
            s.name,
            s.servers,
            s.clients.len(),
            if s.clients.len() == 1 { "" } else { "s" }
        )?;
        for (i, script) in s.clients.iter().enumerate() {
            let ops: Vec<String> = script
                .iter()
                .map(|(call, server)| match call {
                    Call::Write(v) => format!("write {v} via s{server}"),
                    Call::Read => format!("read via s{server}"),
                })
                .collect();
            writeln!(f, "  c{i}: {}", ops.join(", then "))?;
        }
        let search = if self.exhaustive {
            "all there are"
        } else {
            "up to a counterexample"
        };
        writeln!(
            f,
            "  {} distinct states ({} generated, depth {}) in ~{:.0} ms, {search}",
            self.unique_states,
            self.states,
            self.max_depth,
            self.elapsed.as_secs_f64() * 1e3,
        )?;
        match &self.counterexample {
            None => write!(
                f,
                "  linearizable in every state; every client can finish: {}",
                if self.can_finish { "yes" } else { "no" }
            ),
            Some(steps) => {
                writeln!(
                    f,
                    "  NOT linearizable; the shortest counterexample, message by message:"
                )?;
                for (n, step) in steps.iter().enumerate() {
                    writeln!(f, "  {:>3}. {}", n + 1, step.render(s.servers))?;
                }
                write!(f, "  no order of these operations is a single register's")
            }
        }
    }
}

// ANCHOR: history
/// The operations of a counterexample as clients saw them, in the
/// history format the book's checker reads
/// ([`crate::consistency::linearizability::check`]). Time is the step
/// number times 10: an answer delivered at step i returns at 10 i, and
/// the client's next operation starts at 10 i + 5. An operation still
/// unanswered at the end is [`Outcome::Failed`]: a write may or may not
/// take effect, a read says nothing.
pub fn history_of(setup: &Setup, steps: &[Step]) -> Vec<Operation> {
    let mut history = Vec::new();
    for (c, script) in setup.clients.iter().enumerate() {
        let me = Id::from(setup.servers + c);
        let mut invoked = 0;
        let mut answers = steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.dst == me && !s.lost);
        for (call, _) in script {
            let answer = answers.next();
            let (outcome, returned) = match answer {
                Some((i, step)) => {
                    let at = 10 * (i as u64 + 1);
                    match step.msg {
                        Msg::ReadOk { value, .. } => (Outcome::Read(value), at),
                        _ => (Outcome::Written, at),
                    }
                }
                None => (Outcome::Failed, 10 * (steps.len() as u64 + 1)),
            };
            history.push(Operation {
                client: c,
                key: 0,
                call: *call,
                outcome,
                invoked,
                returned,
            });
            if answer.is_none() {
                break;
            }
            invoked = returned + 5;
        }
    }
    history
}
// ANCHOR_END: history
