//! Section 4.4 on a real engine: etcd, the Raft store behind Kubernetes.
//!
//! | module | what it holds |
//! |---|---|
//! | [`cluster`] | N etcd processes on 127.0.0.1: started, killed, restarted, always stopped |
//! | [`kv`] | linearizable puts and gets, compare-and-swap with backoff, histories judged |
//! | [`lock`] | leases, leader election and fencing tokens |
//!
//! Compiled with the `etcd` feature; running needs the `etcd` binary.

pub mod cluster;
pub mod kv;
pub mod lock;
