//! Pillar 2, load balancing: sections 3.2 and 4.2.
//!
//! | module | what it holds | page |
//! |---|---|---|
//! | [`formula`] | the source's R = N / M, the maximum load, and the balls-into-bins theory | 3.2 |
//! | [`policies`] | uniform, round robin, smooth weighted round robin, least loaded, d choices | 3.2 |
//! | [`hashing`] | ring with virtual nodes, rendezvous, jump, Maglev, bounded loads | 3.2 |
//! | `simulation` | seeded trials of every policy, on rayon | 3.2 |
//! | `chart` | the gap against the number of servers, uniform against two choices | 3.2 |
//! | [`port`] | the source's 100 random picks, ported | 4.2 |
//! | [`balancer`] | the balancer's shared state: in-flight counts, a cursor, two choices | 4.2 |
//! | `loopback` | HTTP servers on 127.0.0.1, started and stopped by the program | 4.2 |
//! | `loadgen` | an open-loop load generator and its HDR histograms | 4.2 |
//! | `live` | the client-side balancer over real requests, and tower's beside it | 4.2 |
//! | [`exercises`] | consistent hashing with bounded loads, with a solution | 4.2, exercises |
//!
//! The modules loom checks ([`balancer`]) take their primitives from
//! [`crate::sync`]; the simulation, chart and network modules are compiled
//! with the `full` feature (the network ones with `net`, which `full` turns on).

pub mod balancer;
#[cfg(feature = "full")]
pub mod chart;
pub mod exercises;
pub mod formula;
pub mod hashing;
#[cfg(feature = "net")]
pub mod live;
#[cfg(feature = "net")]
pub mod loadgen;
#[cfg(feature = "net")]
pub mod loopback;
pub mod policies;
pub mod port;
#[cfg(feature = "full")]
pub mod simulation;
