//! Pillar 4, distributed consistency: sections 3.4 and 4.4.
//!
//! | module | what it holds | page |
//! |---|---|---|
//! | [`formula`] | the source's C = N / M; majorities and quorum intersection | 3.4 |
//! | [`pbs`] | probabilistically bounded staleness: the closed form and the WARS model | 3.4 |
//! | `chart` | the chance a read misses the latest write, against time after it | 3.4 |
//! | [`crdt`] | state-based CRDTs: counters, a last-writer-wins register, an observed-remove set, vector clocks | 3.4, 4.4 |
//! | [`port`] | the article's three nodes, ported as closely as Rust allows | 4.4 |
//! | [`fixed`] | the same nodes with each one owning its state and a stop signal | 4.4 |
//! | [`register`] | a replica's versioned register: compare-and-store by version | 4.4 |
//! | [`history`] | operations as clients saw them: call, outcome, invoke and return times | 4.4 |
//! | [`linearizability`] | a checker that judges a history against a register | 4.4 |
//! | `replicas` | replica servers on 127.0.0.1, with delays injected and replicas killed | 4.4 |
//! | `quorum` | the client: quorum reads and writes, read repair, ABD's write-back | 4.4 |
//! | `protocol` | stateright models: a single-copy register, ABD, and two broken ABDs | 4.4 |
//! | `etcd` | a three-node etcd cluster on 127.0.0.1; linearizable reads, compare-and-swap, leases and fencing | 4.4, etcd |
//! | [`exercises`] | a vector clock's comparison, with a solution | 4.4, exercise |
//!
//! The module loom checks ([`register`]) takes its primitives from
//! [`crate::sync`]. The network modules are compiled with the `net`
//! feature; `protocol`, `chart` and the `crdts` cross-checks with `full`.

#[cfg(feature = "full")]
pub mod chart;
pub mod crdt;
#[cfg(feature = "etcd")]
pub mod etcd;
pub mod exercises;
pub mod fixed;
pub mod formula;
pub mod history;
pub mod linearizability;
pub mod pbs;
pub mod port;
#[cfg(feature = "full")]
pub mod protocol;
#[cfg(feature = "net")]
pub mod quorum;
pub mod register;
#[cfg(feature = "net")]
pub mod replicas;
