//! State-based CRDTs (convergent replicated data types), after Shapiro,
//! Preguiça, Baquero and Zawirski, "Conflict-free Replicated Data Types"
//! (SSS 2011).
//!
//! Each type is a state that replicas change locally, without asking anyone,
//! and a [`Crdt::merge`] that combines two states. The merge is the least
//! upper bound of a join semilattice: commutative, associative and
//! idempotent. So replicas that exchange whole states, in any order, any
//! number of times, end in the same state once each has seen every change
//! (`tests/prop_crdt.rs` checks both the laws and the convergence).
//!
//! | type | what it holds | merge |
//! |---|---|---|
//! | [`GCounter`] | a count that only grows | the larger count per replica |
//! | [`PnCounter`] | a count that goes up and down | two `GCounter`s |
//! | [`LwwRegister`] | one value, the last written | the larger [`Stamp`] wins |
//! | [`VClock`] | what each replica has done (causality) | the larger entry per replica |
//! | [`OrSet`] | a set where an add beats a concurrent remove | drop the dots removed |
//! | [`TwoPhaseSet`] | a set where a removed element stays out | union of both |
//!
//! A replica is named by a [`ReplicaId`]; two replicas must never share one
//! (the OR-set's dots and the counters' entries rely on it). Nothing here
//! panics: the only input a method refuses is a count that would overflow
//! its `u64`, with a [`CrdtError`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// Names a replica. Each replica that changes a CRDT needs its own.
pub type ReplicaId = u32;

/// Why a change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrdtError {
    /// A replica's count would pass `u64::MAX`.
    Overflow {
        /// What would overflow.
        what: &'static str,
        /// Whose count.
        replica: ReplicaId,
    },
}

impl fmt::Display for CrdtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CrdtError::Overflow { what, replica } => write!(
                f,
                "{what} of replica {replica} would pass {}; it is refused",
                u64::MAX
            ),
        }
    }
}

impl std::error::Error for CrdtError {}

// ANCHOR: crdt
/// A state-based CRDT: a state replicas change locally and a merge that
/// is the join of a semilattice. For any states `a`, `b`, `c`:
/// merging `b` into `a` gives the same state as merging `a` into `b`
/// (commutative); `(a ⊔ b) ⊔ c` equals `a ⊔ (b ⊔ c)` (associative);
/// `a ⊔ a` is `a` (idempotent). A local change only moves a state up.
pub trait Crdt {
    /// Folds `other` into `self`: afterwards `self` is the least state
    /// above both.
    fn merge(&mut self, other: &Self);
}
// ANCHOR_END: crdt

// ANCHOR: gcounter
/// A counter that only grows: one count per replica, each changed only by
/// its replica. The value is their sum; the merge keeps the larger count
/// of each replica, so a state seen twice is not counted twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GCounter {
    /// Never holds a zero: a replica that has not counted has no entry.
    counts: BTreeMap<ReplicaId, u64>,
}

impl GCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `by` to `replica`'s count.
    ///
    /// # Errors
    /// [`CrdtError::Overflow`] if the count would pass `u64::MAX`; the
    /// counter is then unchanged.
    pub fn increment(&mut self, replica: ReplicaId, by: u64) -> Result<(), CrdtError> {
        if by == 0 {
            return Ok(());
        }
        let count = self.counts.entry(replica).or_insert(0);
        *count = count.checked_add(by).ok_or(CrdtError::Overflow {
            what: "the count",
            replica,
        })?;
        Ok(())
    }

    /// The counter's value: the sum over replicas (a `u128`, which no sum
    /// of `u64` counts over `u32` replicas can overflow).
    pub fn value(&self) -> u128 {
        self.counts.values().map(|&c| u128::from(c)).sum()
    }

    /// What `replica` has added.
    pub fn count(&self, replica: ReplicaId) -> u64 {
        self.counts.get(&replica).copied().unwrap_or(0)
    }
}

impl Crdt for GCounter {
    fn merge(&mut self, other: &Self) {
        for (&replica, &theirs) in &other.counts {
            let ours = self.counts.entry(replica).or_insert(0);
            *ours = (*ours).max(theirs);
        }
    }
}
// ANCHOR_END: gcounter

// ANCHOR: pncounter
/// A counter that goes up and down: the increments and the decrements are
/// two grow-only counters, and the value is their difference. (One count
/// per replica that goes both ways would not do: the merge's `max` would
/// throw a decrement away.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PnCounter {
    up: GCounter,
    down: GCounter,
}

impl PnCounter {
    /// A counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `by`, as `replica`.
    ///
    /// # Errors
    /// [`CrdtError::Overflow`] if `replica`'s increments would pass
    /// `u64::MAX`.
    pub fn increment(&mut self, replica: ReplicaId, by: u64) -> Result<(), CrdtError> {
        self.up.increment(replica, by)
    }

    /// Subtracts `by`, as `replica`.
    ///
    /// # Errors
    /// [`CrdtError::Overflow`] if `replica`'s decrements would pass
    /// `u64::MAX`.
    pub fn decrement(&mut self, replica: ReplicaId, by: u64) -> Result<(), CrdtError> {
        self.down
            .increment(replica, by)
            .map_err(|_| CrdtError::Overflow {
                what: "the decrements",
                replica,
            })
    }

    /// Increments minus decrements. Each side is below 2^96, so the
    /// difference always fits an `i128`.
    pub fn value(&self) -> i128 {
        // Both sums are below 2^96, far inside i128: the casts are exact.
        self.up.value() as i128 - self.down.value() as i128
    }
}

impl Crdt for PnCounter {
    fn merge(&mut self, other: &Self) {
        self.up.merge(&other.up);
        self.down.merge(&other.down);
    }
}
// ANCHOR_END: pncounter

// ANCHOR: lww
/// When a write happened, as far as a last-writer-wins register can tell:
/// a timestamp, with the writer's id to break ties. Ordered by `time`,
/// then `replica`, so any two stamps compare: a total order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// The writer's clock (a hybrid logical clock in practice; any `u64`).
    pub time: u64,
    /// The writer: two writes at the same `time` are ordered by it.
    pub replica: ReplicaId,
}

/// A register holding the value with the greatest [`Stamp`]. Concurrent
/// writes do not conflict: one wins and the others are lost, silently, as
/// are writes stamped by a clock that runs behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LwwRegister<T> {
    /// `None` until the first write.
    current: Option<(Stamp, T)>,
}

impl<T> Default for LwwRegister<T> {
    fn default() -> Self {
        LwwRegister { current: None }
    }
}

impl<T: Ord + Clone> LwwRegister<T> {
    /// A register never written.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `value` stamped `stamp`. It takes effect only if it is later
    /// than the value held, and says whether it did. Two writes with the
    /// same stamp (a replica that reuses a time) keep the greater value, so
    /// the merge stays commutative even then.
    pub fn set(&mut self, stamp: Stamp, value: T) -> bool {
        let later = match &self.current {
            None => true,
            Some((held, old)) => (stamp, &value) > (*held, old),
        };
        if later {
            self.current = Some((stamp, value));
        }
        later
    }

    /// The value held, if any was written.
    pub fn get(&self) -> Option<&T> {
        self.current.as_ref().map(|(_, v)| v)
    }

    /// The stamp of the value held.
    pub fn stamp(&self) -> Option<Stamp> {
        self.current.as_ref().map(|(s, _)| *s)
    }
}

impl<T: Ord + Clone> Crdt for LwwRegister<T> {
    fn merge(&mut self, other: &Self) {
        if let Some((stamp, value)) = &other.current {
            self.set(*stamp, value.clone());
        }
    }
}
// ANCHOR_END: lww

// ANCHOR: vclock
/// How two vector clocks (or the events they stand for) are related.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Causality {
    /// Every entry at most the other's, and at least one strictly below:
    /// it happened before.
    Before,
    /// The other way round: it happened after.
    After,
    /// The same clock.
    Equal,
    /// Each is ahead somewhere: neither saw the other.
    Concurrent,
}

/// One counter per replica: how many events of each replica a state has
/// seen. Replica `r` ticks its own entry; a merge takes the larger entry of
/// each. A replica missing from the map counts as zero.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VClock {
    /// Never holds a zero, so two equal clocks are equal maps.
    counts: BTreeMap<ReplicaId, u64>,
}

impl VClock {
    /// The clock of a replica that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many of `replica`'s events this clock has seen.
    pub fn get(&self, replica: ReplicaId) -> u64 {
        self.counts.get(&replica).copied().unwrap_or(0)
    }

    /// Records one more event of `replica` and returns its number (the
    /// first is 1).
    ///
    /// # Errors
    /// [`CrdtError::Overflow`] after `u64::MAX` events.
    pub fn tick(&mut self, replica: ReplicaId) -> Result<u64, CrdtError> {
        let next = self
            .get(replica)
            .checked_add(1)
            .ok_or(CrdtError::Overflow {
                what: "the event count",
                replica,
            })?;
        self.counts.insert(replica, next);
        Ok(next)
    }

    /// Whether this clock has seen `dot`, the `dot.counter`-th event of
    /// `dot.replica`.
    pub fn has_seen(&self, dot: Dot) -> bool {
        dot.counter <= self.get(dot.replica)
    }

    /// How `self` relates to `other`.
    pub fn compare(&self, other: &VClock) -> Causality {
        let mut behind = false; // some entry of self is below other's
        let mut ahead = false; // some entry of self is above other's
        for replica in self.counts.keys().chain(other.counts.keys()) {
            let (ours, theirs) = (self.get(*replica), other.get(*replica));
            behind |= ours < theirs;
            ahead |= ours > theirs;
        }
        match (behind, ahead) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }

    /// The entries, by replica.
    pub fn entries(&self) -> impl Iterator<Item = (ReplicaId, u64)> + '_ {
        self.counts.iter().map(|(&r, &c)| (r, c))
    }
}

impl Crdt for VClock {
    fn merge(&mut self, other: &Self) {
        for (&replica, &theirs) in &other.counts {
            let ours = self.counts.entry(replica).or_insert(0);
            *ours = (*ours).max(theirs);
        }
    }
}

impl fmt::Display for VClock {
    /// `{0:2, 1:1}`: replica and count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (replica, count)) in self.entries().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{replica}:{count}")?;
        }
        f.write_str("}")
    }
}
// ANCHOR_END: vclock

// ANCHOR: orset
/// One add, named by its replica and that replica's event number: unique,
/// because each replica numbers its own events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dot {
    /// Who added.
    pub replica: ReplicaId,
    /// The replica's event number (from 1).
    pub counter: u64,
}

/// An observed-remove set where a concurrent add wins: an element is in
/// the set while some add of it has not been seen by a remove. Each add
/// gets a fresh [`Dot`]; a remove drops the dots its replica sees, and
/// only those. The set keeps no tombstones: a [`VClock`] (the context)
/// says which dots a state has seen, so a merge can tell "removed here"
/// (seen, gone) from "not heard of yet" (not seen). This is the optimised
/// OR-set of Bieniusa et al. (2012), the design of `crdts::Orswot`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrSet<T: Ord> {
    /// Every dot this state has seen, added or since removed.
    context: VClock,
    /// The element's live dots. Never an empty set.
    entries: BTreeMap<T, BTreeSet<Dot>>,
}
// ANCHOR_END: orset

impl<T: Ord> Default for OrSet<T> {
    fn default() -> Self {
        OrSet {
            context: VClock::new(),
            entries: BTreeMap::new(),
        }
    }
}

// ANCHOR: orset_ops
impl<T: Ord + Clone> OrSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`, as `replica`, with a fresh dot, which replaces the
    /// dots of `value` this state holds (they are in the context, so a
    /// merge will not bring them back). Adding an element already present
    /// still matters: the new dot survives a concurrent remove.
    ///
    /// # Errors
    /// [`CrdtError::Overflow`] after `u64::MAX` events of `replica`.
    pub fn add(&mut self, replica: ReplicaId, value: T) -> Result<Dot, CrdtError> {
        let counter = self.context.tick(replica)?;
        let dot = Dot { replica, counter };
        self.entries.insert(value, BTreeSet::from([dot]));
        Ok(dot)
    }

    /// Removes `value`: the dots of it this state has seen. An add this
    /// state has not seen (made concurrently elsewhere) survives the
    /// merge. Returns whether `value` was present.
    pub fn remove(&mut self, value: &T) -> bool {
        self.entries.remove(value).is_some()
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.entries.contains_key(value)
    }

    /// The elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &T> + '_ {
        self.entries.keys()
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The dots this state has seen.
    pub fn context(&self) -> &VClock {
        &self.context
    }
}

// ANCHOR_END: orset_ops

// ANCHOR: orset_merge
impl<T: Ord + Clone> Crdt for OrSet<T> {
    fn merge(&mut self, other: &Self) {
        // A dot survives if both sides hold it, or one side holds it and
        // the other has never seen it. A dot one side holds and the other
        // has seen but dropped was removed there: it goes.
        let mut merged = BTreeMap::new();
        let values: BTreeSet<&T> =
            self.entries.keys().chain(other.entries.keys()).collect();
        let none = BTreeSet::new();
        for value in values {
            let ours = self.entries.get(value).unwrap_or(&none);
            let theirs = other.entries.get(value).unwrap_or(&none);
            let live: BTreeSet<Dot> = ours
                .intersection(theirs)
                .copied()
                .chain(
                    ours.difference(theirs)
                        .filter(|d| !other.context.has_seen(**d))
                        .copied(),
                )
                .chain(
                    theirs
                        .difference(ours)
                        .filter(|d| !self.context.has_seen(**d))
                        .copied(),
                )
                .collect();
            if !live.is_empty() {
                merged.insert(value.clone(), live);
            }
        }
        self.entries = merged;
        self.context.merge(&other.context);
    }
}
// ANCHOR_END: orset_merge

// ANCHOR: twophase
/// The two-phase set: a grow-only set of adds and one of removes
/// (tombstones). An element is in it if added and never removed. A CRDT,
/// but a removed element can never come back, whatever is added later or
/// concurrently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoPhaseSet<T: Ord> {
    added: BTreeSet<T>,
    removed: BTreeSet<T>,
}

impl<T: Ord> Default for TwoPhaseSet<T> {
    fn default() -> Self {
        TwoPhaseSet {
            added: BTreeSet::new(),
            removed: BTreeSet::new(),
        }
    }
}

impl<T: Ord + Clone> TwoPhaseSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value`; a no-op if it was ever removed.
    pub fn add(&mut self, value: T) {
        self.added.insert(value);
    }

    /// Removes `value` for good, if it was added here; returns whether it
    /// was present.
    pub fn remove(&mut self, value: &T) -> bool {
        let present = self.contains(value);
        if present {
            self.removed.insert(value.clone());
        }
        present
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: &T) -> bool {
        self.added.contains(value) && !self.removed.contains(value)
    }

    /// The elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &T> + '_ {
        self.added.difference(&self.removed)
    }
}

impl<T: Ord + Clone> Crdt for TwoPhaseSet<T> {
    fn merge(&mut self, other: &Self) {
        self.added.extend(other.added.iter().cloned());
        self.removed.extend(other.removed.iter().cloned());
    }
}
// ANCHOR_END: twophase

#[cfg(test)]
mod tests {
    use super::*;

    fn merged<C: Crdt + Clone>(a: &C, b: &C) -> C {
        let mut out = a.clone();
        out.merge(b);
        out
    }

    #[test]
    fn a_counter_seen_twice_counts_once() {
        let (mut a, mut b) = (GCounter::new(), GCounter::new());
        a.increment(0, 3).unwrap();
        b.increment(1, 2).unwrap();
        let ab = merged(&a, &b);
        assert_eq!(merged(&ab, &a).value(), 5);
        assert_eq!(merged(&ab, &ab), ab);
        assert_eq!((ab.count(0), ab.count(1), ab.count(2)), (3, 2, 0));
        assert_eq!(merged(&GCounter::new(), &ab), ab);
    }

    // ANCHOR: invariant
    #[test]
    fn a_merge_cannot_keep_the_count_from_going_below_zero() {
        // One item in stock, known to both replicas.
        let mut a = PnCounter::new();
        a.increment(0, 1).unwrap();
        let mut b = a.clone();
        // Partitioned, each sells it: locally the stock never went below 0.
        a.decrement(0, 1).unwrap();
        b.decrement(1, 1).unwrap();
        assert_eq!((a.value(), b.value()), (0, 0));
        // Both sales are kept, as they must be: the merged stock is -1.
        assert_eq!(merged(&a, &b).value(), -1);
    }
    // ANCHOR_END: invariant

    #[test]
    fn overflow_is_refused_and_leaves_the_counter_alone() {
        let mut c = PnCounter::new();
        c.increment(7, u64::MAX).unwrap();
        let e = c.increment(7, 1).unwrap_err();
        assert_eq!(
            e,
            CrdtError::Overflow {
                what: "the count",
                replica: 7
            }
        );
        assert!(e.to_string().contains("replica 7 would pass"), "{e}");
        c.decrement(7, u64::MAX).unwrap();
        assert!(c.decrement(7, 1).is_err());
        assert_eq!(c.value(), 0);
        let mut big = PnCounter::new();
        for r in 0..3 {
            big.increment(r, u64::MAX).unwrap();
        }
        assert_eq!(big.value(), 3 * i128::from(u64::MAX));
        let mut v = VClock::new();
        v.counts.insert(1, u64::MAX);
        assert!(v.tick(1).is_err());
        assert_eq!(v.get(1), u64::MAX);
    }

    #[test]
    fn lww_breaks_a_tie_by_replica_then_value() {
        let mut r = LwwRegister::new();
        assert_eq!(r.get(), None::<&u8>);
        assert!(r.set(
            Stamp {
                time: 5,
                replica: 1
            },
            10
        ));
        assert!(
            !r.set(
                Stamp {
                    time: 5,
                    replica: 0
                },
                99
            ),
            "lower replica loses"
        );
        assert!(
            r.set(
                Stamp {
                    time: 5,
                    replica: 2
                },
                1
            ),
            "higher replica wins"
        );
        assert!(
            !r.set(
                Stamp {
                    time: 4,
                    replica: 9
                },
                50
            ),
            "earlier time loses"
        );
        assert!(
            r.set(
                Stamp {
                    time: 5,
                    replica: 2
                },
                3
            ),
            "same stamp: larger value"
        );
        assert_eq!(
            (r.get(), r.stamp()),
            (
                Some(&3),
                Some(Stamp {
                    time: 5,
                    replica: 2
                })
            )
        );
    }

    #[test]
    fn clocks_compare_by_every_entry() {
        let mut a = VClock::new();
        let mut b = VClock::new();
        assert_eq!(a.compare(&b), Causality::Equal);
        a.tick(0).unwrap();
        assert_eq!(
            (a.compare(&b), b.compare(&a)),
            (Causality::After, Causality::Before)
        );
        b.tick(1).unwrap();
        assert_eq!(a.compare(&b), Causality::Concurrent);
        let ab = merged(&a, &b);
        assert_eq!(
            (a.compare(&ab), ab.compare(&b)),
            (Causality::Before, Causality::After)
        );
        assert_eq!(ab.to_string(), "{0:1, 1:1}");
        assert!(ab.has_seen(Dot {
            replica: 1,
            counter: 1
        }));
        assert!(!ab.has_seen(Dot {
            replica: 1,
            counter: 2
        }));
    }

    #[test]
    fn a_concurrent_add_survives_a_remove() {
        let mut a = OrSet::new();
        a.add(0, "x").unwrap();
        let mut b = a.clone();
        assert!(a.remove(&"x"));
        assert!(!a.remove(&"x"));
        b.add(1, "x").unwrap(); // concurrent with a's remove
        assert!(merged(&a, &b).contains(&"x"));
        assert!(merged(&b, &a).contains(&"x"));
        // A remove that has seen every add wins.
        let mut c = merged(&a, &b);
        c.remove(&"x");
        assert!(!merged(&c, &b).contains(&"x") && !merged(&b, &c).contains(&"x"));
        assert!(merged(&c, &a).is_empty());
    }

    #[test]
    fn a_two_phase_set_never_takes_an_element_back() {
        let mut a = TwoPhaseSet::new();
        a.add("x");
        let mut b = a.clone();
        assert!(a.remove(&"x"));
        assert!(!a.remove(&"y"));
        b.add("x");
        b.add("y");
        let ab = merged(&a, &b);
        assert_eq!(ab.elements().collect::<Vec<_>>(), [&"y"]);
        assert_eq!(merged(&b, &a), ab);
    }
}
