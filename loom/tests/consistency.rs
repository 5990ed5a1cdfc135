//! Loom models of a replica's register (src/consistency/register.rs):
//! compare-and-store under concurrent handlers, beside the racy twin that
//! checks, releases the lock, then stores.
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom`, or alone: `cargo xtask loom consistency`
#![cfg(loom)]

use cookbook::consistency::register::{RacyReplica, Replica, Version, Versioned};
use loom::sync::Arc;
use loom::thread;

fn at(counter: u64, writer: u32, value: u64) -> Versioned {
    Versioned {
        version: Version { counter, writer },
        value,
    }
}

// ANCHOR: newest_wins_model
/// Two handlers store two writes of one key at once, the newer from a
/// spawned thread. Whatever the interleaving, the replica ends with the
/// newer one; the newer store always reports that it stored, and the
/// older store may or may not store: the model accepts both.
#[test]
fn the_newest_version_wins_in_every_interleaving() {
    loom::model(|| {
        let replica = Arc::new(Replica::new());
        let newer = at(2, 1, 20);
        let older = at(1, 2, 10);
        let other = {
            let replica = Arc::clone(&replica);
            thread::spawn(move || replica.store(0, newer))
        };
        let stored_older = replica.store(0, older);
        let stored_newer = other.join().unwrap();
        // Assert after the join: a model that panics while one of its
        // threads runs aborts the whole test binary.
        assert!(stored_newer, "the newer write was refused");
        assert_eq!(
            replica.get(0),
            newer,
            "an older version overwrote a newer one"
        );
        let _ = stored_older; // true or false: both are interleavings
    });
}

/// Four threads: two spawned stores that share a counter (the writer id
/// breaks the tie), a spawned reader that reads twice, and the main
/// thread storing a higher counter. The reader never sees the version go
/// back, and the replica ends with the highest.
#[test]
fn three_stores_end_with_the_highest_and_reads_never_go_back() {
    loom::model(|| {
        let replica = Arc::new(Replica::new());
        let writes = [at(1, 0, 10), at(1, 1, 11), at(2, 0, 20)];
        let handles: Vec<_> = writes[..2]
            .iter()
            .map(|&w| {
                let replica = Arc::clone(&replica);
                thread::spawn(move || replica.store(0, w))
            })
            .collect();
        let reader = {
            let replica = Arc::clone(&replica);
            thread::spawn(move || (replica.get(0), replica.get(0)))
        };
        replica.store(0, writes[2]);
        for h in handles {
            h.join().unwrap();
        }
        let (first, second) = reader.join().unwrap();
        assert!(
            first.version <= second.version,
            "a read went back: {first:?} then {second:?}"
        );
        assert_eq!(
            replica.get(0),
            writes[2],
            "an older version overwrote a newer one"
        );
    });
}
// ANCHOR_END: newest_wins_model

// ANCHOR: racy_model
/// The bug: check, release, store. Loom finds the interleaving where both
/// handlers read version 0, the newer stores, and the older, already past
/// its check, overwrites it. This test passes only because loom finds it.
#[test]
#[should_panic(expected = "an older version overwrote a newer one")]
fn loom_finds_the_racy_replicas_older_overwrite() {
    loom::model(|| {
        let replica = Arc::new(RacyReplica::new());
        let newer = at(2, 1, 20);
        let other = {
            let replica = Arc::clone(&replica);
            thread::spawn(move || replica.store(0, newer))
        };
        replica.store(0, at(1, 2, 10));
        other.join().unwrap();
        assert_eq!(
            replica.get(0),
            newer,
            "an older version overwrote a newer one"
        );
    });
}
// ANCHOR_END: racy_model
