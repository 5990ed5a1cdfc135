//! Section 4.4: what one replica holds, a versioned register per key.
//!
//! A replicated register cannot order writes by the clock of whoever
//! receives them: two replicas would disagree. Each write carries its own
//! [`Version`] instead, a logical timestamp that the writer picks: a counter
//! one above the highest it has seen, and its own id to break ties. Versions
//! are totally ordered (counter first, then writer id), so every replica
//! that has seen the same writes keeps the same value: the one with the
//! highest version.
//!
//! A [`Replica`] stores an incoming value only if its version is newer than
//! the one it holds, and the comparison and the store happen under one
//! lock: compare-and-store. Many requests reach a replica at once (its HTTP
//! handlers run on several threads), and [`RacyReplica`] shows what goes
//! wrong when the two steps are apart: two stores both find version 0, the
//! newer one stores first, and the older one, already past its check,
//! overwrites it. The replica then holds an older value for ever. The loom
//! models in `loom/tests/consistency.rs` check both.
//!
//! The primitives come from [`crate::sync`], so loom can check this code.

use std::collections::BTreeMap;

use crate::sync::{Mutex, lock};

// ANCHOR: version
/// A logical timestamp: which write a value came from. Ordered by
/// `counter`, then by `writer` (the field order makes the derived `Ord`
/// do exactly that), so two writers that pick the same counter are still
/// ordered, the same way at every replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Version {
    /// One above the highest counter the writer saw when it wrote.
    pub counter: u64,
    /// The writer's id: breaks ties between equal counters.
    pub writer: u32,
}

impl Version {
    /// The version of a key nobody has written: below every write's.
    pub const ZERO: Version = Version {
        counter: 0,
        writer: 0,
    };

    /// The version a writer with id `writer` gives its write after seeing
    /// `self` as the highest version: one counter above it.
    pub fn next(self, writer: u32) -> Version {
        Version {
            counter: self.counter.saturating_add(1),
            writer,
        }
    }
}

/// A value and the version of the write that put it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Versioned {
    /// Which write this is.
    pub version: Version,
    /// The value written (0 for a key nobody has written).
    pub value: u64,
}
// ANCHOR_END: version

// ANCHOR: replica
/// One replica's registers: a value and its version for each key, behind
/// one lock. Share it between handlers with an `Arc`.
#[derive(Debug, Default)]
pub struct Replica {
    keys: Mutex<BTreeMap<u32, Versioned>>,
}

impl Replica {
    /// A replica that holds nothing: every key reads as version 0, value 0.
    pub fn new() -> Self {
        Replica::default()
    }

    /// The value of `key` and its version.
    pub fn get(&self, key: u32) -> Versioned {
        lock(&self.keys).get(&key).copied().unwrap_or_default()
    }

    /// Compare-and-store: keeps `incoming` if its version is newer than the
    /// one held, in one step under the lock. Returns whether it stored. An
    /// equal version is the same write again (a repair, a retry): kept once.
    pub fn store(&self, key: u32, incoming: Versioned) -> bool {
        let mut keys = lock(&self.keys);
        let held = keys.entry(key).or_default();
        if incoming.version > held.version {
            *held = incoming;
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: replica

// ANCHOR: racy
/// The bug: the version checked under the lock, the lock released, then
/// the value stored under the lock again. Every step is locked, the pair
/// is not: between the check and the store another handler can store a
/// newer version, which this one then overwrites with its older one. In
/// Go it is a `Get` and a `Put` on a map guarded by a mutex, each one
/// locking for itself.
#[derive(Debug, Default)]
pub struct RacyReplica {
    keys: Mutex<BTreeMap<u32, Versioned>>,
}

impl RacyReplica {
    /// A replica that holds nothing.
    pub fn new() -> Self {
        RacyReplica::default()
    }

    /// The value of `key` and its version.
    pub fn get(&self, key: u32) -> Versioned {
        lock(&self.keys).get(&key).copied().unwrap_or_default()
    }

    /// Check, release, then act: stores `incoming` if it was newer than
    /// what `get` returned a moment ago.
    pub fn store(&self, key: u32, incoming: Versioned) -> bool {
        let held = self.get(key); // the lock is released here
        if incoming.version > held.version {
            lock(&self.keys).insert(key, incoming); // maybe newer by now
            true
        } else {
            false
        }
    }
}
// ANCHOR_END: racy

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::Arc;

    fn at(counter: u64, writer: u32, value: u64) -> Versioned {
        Versioned {
            version: Version { counter, writer },
            value,
        }
    }

    #[test]
    fn versions_order_by_counter_then_writer() {
        assert!(Version::ZERO < Version::ZERO.next(0));
        assert!(at(1, 9, 0).version < at(2, 0, 0).version);
        assert!(at(3, 1, 0).version < at(3, 2, 0).version);
        assert_eq!(
            at(4, 7, 0).version.next(2),
            Version {
                counter: 5,
                writer: 2
            }
        );
        let top = Version {
            counter: u64::MAX,
            writer: 1,
        };
        assert_eq!(top.next(3).counter, u64::MAX, "saturates, never wraps to 0");
    }

    #[test]
    fn a_replica_keeps_the_newest_version_of_each_key() {
        let r = Replica::new();
        assert_eq!(r.get(7), Versioned::default());
        assert!(r.store(7, at(2, 1, 20)));
        assert!(!r.store(7, at(1, 3, 10)), "older: ignored");
        assert!(!r.store(7, at(2, 1, 20)), "the same write again: ignored");
        assert!(r.store(7, at(2, 2, 22)), "same counter, higher writer");
        assert_eq!(r.get(7), at(2, 2, 22));
        assert_eq!(r.get(8), Versioned::default(), "keys are apart");
        assert!(
            !r.store(8, Versioned::default()),
            "version 0 is never newer"
        );
    }

    #[test]
    fn the_racy_replica_agrees_when_nothing_overlaps() {
        let r = RacyReplica::new();
        assert!(r.store(1, at(2, 0, 20)));
        assert!(!r.store(1, at(1, 0, 10)));
        assert_eq!(r.get(1), at(2, 0, 20));
    }

    #[test]
    fn concurrent_stores_from_threads_leave_the_newest() {
        let r = Arc::new(Replica::new());
        let threads: Vec<_> = (0..4u32)
            .map(|w| {
                let r = Arc::clone(&r);
                std::thread::spawn(move || {
                    for c in 1..=200u64 {
                        r.store(0, at(c, w, c * 10 + u64::from(w)));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(r.get(0), at(200, 3, 2003));
    }

    proptest! {
        /// Whatever order the stores arrive in, the replica ends with the
        /// highest version, and exactly the stores that beat everything
        /// before them reported that they stored.
        #[test]
        fn any_arrival_order_ends_with_the_highest_version(
            writes in proptest::collection::vec((0u64..6, 0u32..3), 1..12)
        ) {
            let r = Replica::new();
            let mut best = Version::ZERO;
            for (i, &(counter, writer)) in writes.iter().enumerate() {
                let v = at(counter, writer, i as u64 + 1);
                let newer = v.version > best;
                prop_assert_eq!(r.store(0, v), newer);
                best = best.max(v.version);
            }
            prop_assert_eq!(r.get(0).version, best);
        }
    }
}
