//! Pillar 3, fault tolerance and failure recovery: sections 3.3 and 4.3.
//!
//! | module | what it holds | page |
//! |---|---|---|
//! | [`formula`] | the source's R = 1 − P_f, and the availability and retry models | 3.3 |
//! | [`shared_fate`] | what a correlated failure does to the independent models, by seeded simulation | 3.3 |
//! | [`contention`] | clients contending for one resource: no backoff, exponential, and three jitters | 3.3, 7 |
//! | [`port`] | the source's 100 random picks with "server2" failing, ported | 4.3 |
//! | [`breaker`] | a circuit breaker: closed, open, half-open with one probe | 4.3 |
//! | [`budget`] | a retry budget: gRPC's token bucket of retries | 4.3 |
//! | `faults` | HTTP servers on 127.0.0.1 with faults injected: down, flaky, stalling | 4.3 |
//! | `client` | the resilient client, built up one step at a time | 4.3 |
//! | `tower_stack` | tower's timeout, retry, limit and hedge, and a breaker as a layer | 4.3 |
//! | [`exercises`] | a circuit breaker over a sliding window, with a solution | 4.3, exercise |
//!
//! The modules loom checks ([`breaker`], [`budget`]) take their primitives
//! from [`crate::sync`] and read no clock: the caller passes the time, so a
//! model, a property test and a real client drive the same code. The network
//! modules are compiled with the `net` feature.

pub mod breaker;
pub mod budget;
#[cfg(feature = "net")]
pub mod client;
pub mod contention;
pub mod exercises;
#[cfg(feature = "net")]
pub mod faults;
pub mod formula;
pub mod port;
pub mod shared_fate;
#[cfg(feature = "net")]
pub mod tower_stack;
