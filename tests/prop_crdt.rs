//! Property tests for section 3.4's CRDTs (`cookbook::consistency::crdt`).
//!
//! Three kinds of check, for every type:
//!
//! 1. The semilattice laws: merge is commutative, associative and
//!    idempotent, on states that real runs reach (replicas applying random
//!    operations and gossiping now and then), not on arbitrary structs.
//! 2. Convergence: after such a run, each replica receives every other
//!    replica's state, in a random order and with duplicates. All end
//!    equal, and equal to the value restated independently here: the
//!    counter's sum of increments minus decrements, the register's greatest
//!    stamp, the OR-set's elements with an add that no remove observed
//!    (tracked add by add, without dots or clocks), the clocks' events.
//! 3. The `crdts` crate: the same operations applied to it and to ours give
//!    the same values after every step.
//!
//! Then the checks are shown to catch mistakes: three deliberately broken
//! merges (a G-counter that sums, an OR-set that drops adds the other side
//! never saw, a register whose tie-break ignores the replica) run through
//! the same properties, and proptest must find a counterexample to each.
//!
//! The generators keep the interesting branches likely: two to four
//! replicas, three elements and three timestamps, so that timestamps tie
//! (the replica id decides), and the same element is added on one replica
//! while another removes it.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Debug;

use cookbook::consistency::crdt::{
    Causality, Crdt, GCounter, LwwRegister, OrSet, PnCounter, ReplicaId, Stamp,
    TwoPhaseSet, VClock,
};
use crdts::{CmRDT, CvRDT};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// One step of a run: replica `replica` changes its state (`kind` and
/// `arg` say how, per type), or, when `sync` is set, merges the state of
/// replica `from` (mod the replica count).
#[derive(Debug, Clone, Copy)]
struct Step {
    replica: usize,
    kind: u8,
    arg: u8,
    sync: bool,
    from: usize,
}

fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    let step = (
        0..4usize,
        0..4u8,
        0..3u8,
        prop::bool::weighted(0.25),
        0..4usize,
    )
        .prop_map(|(replica, kind, arg, sync, from)| Step {
            replica,
            kind,
            arg,
            sync,
            from,
        });
    prop::collection::vec(step, 0..max)
}

/// A run: how many replicas, their steps, and the seed of the delivery.
fn run(max: usize) -> impl Strategy<Value = (usize, Vec<Step>, u64)> {
    (2..=4usize, steps(max), any::<u64>())
}

fn merged<C: Crdt + Clone>(a: &C, b: &C) -> C {
    let mut out = a.clone();
    out.merge(b);
    out
}

/// A state with the merge under test: the type's own (`Crdt::merge`) or
/// one of the broken merges at the end of this file. Equality and `Debug`
/// look at the state only.
#[derive(Clone)]
struct With<T> {
    state: T,
    merge: fn(&mut T, &T),
}

impl<T: Clone> Crdt for With<T> {
    fn merge(&mut self, other: &Self) {
        (self.merge)(&mut self.state, &other.state);
    }
}

impl<T: PartialEq> PartialEq for With<T> {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state
    }
}

impl<T: Debug> Debug for With<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.state.fmt(f)
    }
}

fn with<T>(states: Vec<T>, merge: fn(&mut T, &T)) -> Vec<With<T>> {
    states
        .into_iter()
        .map(|state| With { state, merge })
        .collect()
}

/// The three laws, on three states.
fn laws<C: Crdt + Clone + PartialEq + Debug>(
    a: &C,
    b: &C,
    c: &C,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(merged(a, b), merged(b, a), "commutative");
    prop_assert_eq!(
        merged(&merged(a, b), c),
        merged(a, &merged(b, c)),
        "associative"
    );
    prop_assert_eq!(&merged(a, a), a, "idempotent");
    prop_assert_eq!(merged(&merged(a, b), b), merged(a, b), "idempotent");
    Ok(())
}

/// Checks the laws on every triple of the replicas' states.
fn laws_on<C: Crdt + Clone + PartialEq + Debug>(
    states: &[C],
) -> Result<(), TestCaseError> {
    for a in states {
        for b in states {
            for c in states {
                laws(a, b, c)?;
            }
        }
    }
    Ok(())
}

/// Every replica receives every other replica's state at least once, some
/// twice or three times, in an order shuffled by `seed`. Returns the
/// replicas' states afterwards.
fn deliver<C: Crdt + Clone>(states: &[C], seed: u64) -> Vec<C> {
    let n = states.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut messages: Vec<(usize, usize)> = Vec::new();
    for from in 0..n {
        for to in 0..n {
            // Copies: 1 to 3, by the seed; to oneself too (a duplicate).
            let copies = 1 + (seed.rotate_left((from * 4 + to) as u32) % 3) as usize;
            messages.extend(std::iter::repeat_n((from, to), copies));
        }
    }
    messages.shuffle(&mut rng);
    let mut out = states.to_vec();
    for (from, to) in messages {
        let message = states[from].clone(); // the state it had when it sent
        out[to].merge(&message);
    }
    out
}

fn all_equal<C: PartialEq + Debug>(states: &[C]) -> Result<(), TestCaseError> {
    for s in states {
        prop_assert_eq!(s, &states[0], "replicas differ after delivery");
    }
    Ok(())
}

fn id(i: usize) -> ReplicaId {
    ReplicaId::try_from(i).expect("a few replicas")
}

// ---------------------------------------------------------------- counters

/// Runs the steps on `n` PN-counters: kind 0 and 1 increment by `arg + 1`,
/// kind 2 decrements by `arg + 1`, kind 3 decrements by 0. Returns the
/// states and the sum of every change.
fn pn_run(n: usize, steps: &[Step]) -> (Vec<PnCounter>, i128) {
    let mut states = vec![PnCounter::new(); n];
    let mut sum = 0i128;
    for s in steps {
        let r = s.replica % n;
        if s.sync {
            let from = states[s.from % n].clone();
            states[r].merge(&from);
            continue;
        }
        let by = u64::from(s.arg) + 1;
        match s.kind {
            0 | 1 => {
                states[r].increment(id(r), by).unwrap();
                sum += i128::from(by);
            }
            2 => {
                states[r].decrement(id(r), by).unwrap();
                sum -= i128::from(by);
            }
            _ => states[r].decrement(id(r), 0).unwrap(),
        }
    }
    (states, sum)
}

/// The same run on G-counters, increments only, merging with `merge`.
fn g_run(
    n: usize,
    steps: &[Step],
    merge: fn(&mut GCounter, &GCounter),
) -> (Vec<GCounter>, u128) {
    let mut states = vec![GCounter::new(); n];
    let mut sum = 0u128;
    for s in steps {
        let r = s.replica % n;
        if s.sync {
            let from = states[s.from % n].clone();
            merge(&mut states[r], &from);
        } else {
            states[r].increment(id(r), u64::from(s.arg)).unwrap();
            sum += u128::from(s.arg);
        }
    }
    (states, sum)
}

// ---------------------------------------------------------------- register

type Lww = LwwRegister<u8>;

/// Runs the steps on `n` LWW registers: a write of `kind` stamped with time
/// `arg` (three times, so stamps tie across replicas and a replica reuses a
/// time), merging with `merge`. Returns the states and every write.
fn lww_run(
    n: usize,
    steps: &[Step],
    merge: fn(&mut Lww, &Lww),
) -> (Vec<Lww>, Vec<(Stamp, u8)>) {
    let mut states = vec![LwwRegister::new(); n];
    let mut writes = Vec::new();
    for s in steps {
        let r = s.replica % n;
        if s.sync {
            let from = states[s.from % n].clone();
            merge(&mut states[r], &from);
        } else {
            let stamp = Stamp {
                time: u64::from(s.arg),
                replica: id(r),
            };
            states[r].set(stamp, s.kind);
            writes.push((stamp, s.kind));
        }
    }
    (states, writes)
}

// ---------------------------------------------------------------- clocks

/// Runs the steps on `n` vector clocks (any local step is a tick), and
/// beside each the set of events it has seen, `(replica, n)`.
fn clock_run(n: usize, steps: &[Step]) -> Vec<(VClock, BTreeSet<(ReplicaId, u64)>)> {
    let mut states = vec![(VClock::new(), BTreeSet::new()); n];
    for s in steps {
        let r = s.replica % n;
        if s.sync {
            let (clock, seen) = states[s.from % n].clone();
            states[r].0.merge(&clock);
            states[r].1.extend(seen);
        } else {
            let k = states[r].0.tick(id(r)).unwrap();
            states[r].1.insert((id(r), k));
        }
    }
    states
}

/// The relation of two histories, by set inclusion.
fn by_history(
    a: &BTreeSet<(ReplicaId, u64)>,
    b: &BTreeSet<(ReplicaId, u64)>,
) -> Causality {
    match (a.is_subset(b), b.is_subset(a)) {
        (true, true) => Causality::Equal,
        (true, false) => Causality::Before,
        (false, true) => Causality::After,
        (false, false) => Causality::Concurrent,
    }
}

// ---------------------------------------------------------------- sets

/// What a replica of the set has heard of, with no dots and no clocks:
/// every add it knows (element, the add's number in the run) and the adds
/// it knows were removed. A remove of `x` removes the adds of `x` the
/// replica knows of and nothing else.
#[derive(Debug, Clone, Default)]
struct SetModel {
    adds: BTreeSet<(u8, usize)>,
    removed: BTreeSet<usize>,
}

impl SetModel {
    fn elements(&self) -> BTreeSet<u8> {
        self.adds
            .iter()
            .filter(|(_, add)| !self.removed.contains(add))
            .map(|&(x, _)| x)
            .collect()
    }
    fn learn(&mut self, other: &SetModel) {
        self.adds.extend(other.adds.iter().copied());
        self.removed.extend(other.removed.iter().copied());
    }
}

/// Runs the steps on `n` OR-sets and on the model: kinds 0 and 1 add
/// element `arg`, kinds 2 and 3 remove it; the sets merge with `merge`.
fn or_run(
    n: usize,
    steps: &[Step],
    merge: fn(&mut OrSet<u8>, &OrSet<u8>),
) -> (Vec<OrSet<u8>>, Vec<SetModel>) {
    let mut states = vec![OrSet::new(); n];
    let mut models = vec![SetModel::default(); n];
    for (i, s) in steps.iter().enumerate() {
        let r = s.replica % n;
        if s.sync {
            let (from, model) = (states[s.from % n].clone(), models[s.from % n].clone());
            merge(&mut states[r], &from);
            models[r].learn(&model);
        } else if s.kind < 2 {
            states[r].add(id(r), s.arg).unwrap();
            models[r].adds.insert((s.arg, i));
        } else {
            states[r].remove(&s.arg);
            let seen: Vec<usize> = models[r]
                .adds
                .iter()
                .filter(|&&(x, _)| x == s.arg)
                .map(|&(_, add)| add)
                .collect();
            models[r].removed.extend(seen);
        }
    }
    (states, models)
}

fn elements(s: &OrSet<u8>) -> BTreeSet<u8> {
    s.elements().copied().collect()
}

/// The same run on two-phase sets; the model is "added somewhere and never
/// removed anywhere".
fn two_phase_run(n: usize, steps: &[Step]) -> (Vec<TwoPhaseSet<u8>>, BTreeSet<u8>) {
    let mut states = vec![TwoPhaseSet::new(); n];
    let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
    for s in steps {
        let r = s.replica % n;
        if s.sync {
            let from = states[s.from % n].clone();
            states[r].merge(&from);
        } else if s.kind < 2 {
            states[r].add(s.arg);
            added.insert(s.arg);
        } else if states[r].remove(&s.arg) {
            removed.insert(s.arg);
        }
    }
    (states, added.difference(&removed).copied().collect())
}

// ---------------------------------------------------------------- properties
// Each property takes the merge it checks, so that the broken merges at the
// end of the file can be run through it.

/// G-counters: the laws, and convergence to the sum of the increments.
fn g_counter_property(
    (n, steps, seed): (usize, Vec<Step>, u64),
    merge: fn(&mut GCounter, &GCounter),
) -> Result<(), TestCaseError> {
    let (states, sum) = g_run(n, &steps, merge);
    let states = with(states, merge);
    laws_on(&states)?;
    let after = deliver(&states, seed);
    all_equal(&after)?;
    prop_assert_eq!(after[0].state.value(), sum);
    Ok(())
}

/// Registers: the laws, and convergence to the write with the greatest
/// stamp (then the greatest value).
fn lww_property(
    (n, steps, seed): (usize, Vec<Step>, u64),
    merge: fn(&mut Lww, &Lww),
) -> Result<(), TestCaseError> {
    let (states, writes) = lww_run(n, &steps, merge);
    let states = with(states, merge);
    laws_on(&states)?;
    let after = deliver(&states, seed);
    all_equal(&after)?;
    let last = writes.iter().max().map(|(_, v)| v);
    prop_assert_eq!(after[0].state.get(), last);
    prop_assert_eq!(after[0].state.stamp(), writes.iter().max().map(|(s, _)| *s));
    Ok(())
}

/// OR-sets: the model's elements on every replica before delivery, the
/// laws, and convergence to every add that no remove observed.
fn or_set_property(
    (n, steps, seed): (usize, Vec<Step>, u64),
    merge: fn(&mut OrSet<u8>, &OrSet<u8>),
) -> Result<(), TestCaseError> {
    let (states, models) = or_run(n, &steps, merge);
    for (s, m) in states.iter().zip(&models) {
        prop_assert_eq!(elements(s), m.elements(), "before delivery");
    }
    let states = with(states, merge);
    laws_on(&states)?;
    let after = deliver(&states, seed);
    all_equal(&after)?;
    let mut everything = SetModel::default();
    for m in &models {
        everything.learn(m);
    }
    prop_assert_eq!(elements(&after[0].state), everything.elements());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn counters_are_semilattices_and_converge_to_the_sum(input in run(40)) {
        let (n, steps, seed) = input.clone();
        let (states, sum) = pn_run(n, &steps);
        laws_on(&states)?;
        let after = deliver(&states, seed);
        all_equal(&after)?;
        prop_assert_eq!(after[0].value(), sum);

        g_counter_property(input, GCounter::merge)?;
    }

    #[test]
    fn lww_is_a_semilattice_and_converges_to_the_greatest_stamp(input in run(30)) {
        lww_property(input, Lww::merge)?;
    }

    #[test]
    fn clocks_are_semilattices_and_say_what_each_state_has_seen(
        (n, steps, seed) in run(30),
    ) {
        let states = clock_run(n, &steps);
        for (a, seen_a) in &states {
            for (b, seen_b) in &states {
                prop_assert_eq!(a.compare(b), by_history(seen_a, seen_b), "{} vs {}", a, b);
            }
        }
        let clocks: Vec<VClock> = states.iter().map(|(c, _)| c.clone()).collect();
        laws_on(&clocks)?;
        let after = deliver(&clocks, seed);
        all_equal(&after)?;
        for r in 0..n {
            let ticks = steps.iter().filter(|s| !s.sync && s.replica % n == r).count();
            prop_assert_eq!(after[0].get(id(r)), ticks as u64);
        }
    }

    #[test]
    fn or_sets_are_semilattices_and_keep_each_unobserved_add(input in run(40)) {
        or_set_property(input, OrSet::merge)?;
    }

    #[test]
    fn two_phase_sets_are_semilattices_and_never_bring_an_element_back(
        (n, steps, seed) in run(40),
    ) {
        let (states, expected) = two_phase_run(n, &steps);
        laws_on(&states)?;
        let after = deliver(&states, seed);
        all_equal(&after)?;
        prop_assert_eq!(after[0].elements().copied().collect::<BTreeSet<u8>>(), expected);
    }
}

/// The case the OR-set exists for, made certain rather than likely: an
/// element added on one replica while another removes it, in both orders
/// of merge, stays in.
#[test]
fn a_concurrent_add_and_remove_keep_the_element_in_every_order() {
    for add_first in [false, true] {
        let mut a = OrSet::new();
        a.add(0, 7u8).unwrap();
        let mut b = a.clone();
        let mut c = a.clone();
        if add_first {
            b.add(1, 7).unwrap();
            a.remove(&7);
        } else {
            a.remove(&7);
            b.add(1, 7).unwrap();
        }
        c.remove(&7); // a second remove, of the same old add
        for order in [[&a, &b, &c], [&c, &b, &a], [&b, &a, &c], [&a, &c, &b]] {
            let mut s = order[0].clone();
            s.merge(order[1]);
            s.merge(order[2]);
            assert!(s.contains(&7), "add_first {add_first}: {s:?}");
        }
    }
}

// ---------------------------------------------------------------- crdts

fn causality(o: Option<Ordering>) -> Causality {
    match o {
        Some(Ordering::Less) => Causality::Before,
        Some(Ordering::Greater) => Causality::After,
        Some(Ordering::Equal) => Causality::Equal,
        None => Causality::Concurrent,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Counters: ours against the crate's `PNCounter` (a pair of its
    /// `GCounter`s, read as a big integer).
    #[test]
    fn counters_agree_with_the_crate((n, steps, _seed) in run(40)) {
        use crdts::{CmRDT, CvRDT};
        let mut ours = vec![PnCounter::new(); n];
        let mut theirs = vec![crdts::PNCounter::<ReplicaId>::new(); n];
        for s in &steps {
            let r = s.replica % n;
            if s.sync {
                let (o, t) = (ours[s.from % n].clone(), theirs[s.from % n].clone());
                ours[r].merge(&o);
                theirs[r].merge(t);
            } else if s.kind < 2 {
                ours[r].increment(id(r), u64::from(s.arg)).unwrap();
                let op = theirs[r].inc_many(id(r), u64::from(s.arg));
                theirs[r].apply(op);
            } else {
                ours[r].decrement(id(r), u64::from(s.arg)).unwrap();
                let op = theirs[r].dec_many(id(r), u64::from(s.arg));
                theirs[r].apply(op);
            }
            for (o, t) in ours.iter().zip(&theirs) {
                prop_assert_eq!(o.value().to_string(), t.read().to_string());
            }
        }
    }

    /// The register: the crate's `LWWReg` with the marker (time, replica,
    /// value), which is our order. The crate keeps the first of two equal
    /// markers, so putting the value in the marker is what makes its merge
    /// commutative when a replica reuses a time.
    #[test]
    fn registers_agree_with_the_crate((n, steps, _seed) in run(30)) {
        type Marker = Option<(u64, ReplicaId, u8)>;
        let mut ours = vec![LwwRegister::<u8>::new(); n];
        let mut theirs = vec![crdts::LWWReg::<Option<u8>, Marker>::default(); n];
        for s in &steps {
            let r = s.replica % n;
            if s.sync {
                let (o, t) = (ours[s.from % n].clone(), theirs[s.from % n].clone());
                ours[r].merge(&o);
                theirs[r].merge(t);
            } else {
                let time = u64::from(s.arg);
                ours[r].set(Stamp { time, replica: id(r) }, s.kind);
                theirs[r].update(Some(s.kind), Some((time, id(r), s.kind)));
            }
            for (o, t) in ours.iter().zip(&theirs) {
                prop_assert_eq!(o.get().copied(), t.val);
            }
        }
    }

    /// Vector clocks: every pair compares the same way in both.
    #[test]
    fn clocks_agree_with_the_crate((n, steps, _seed) in run(30)) {
        let mut ours = vec![VClock::new(); n];
        let mut theirs = vec![crdts::VClock::<ReplicaId>::new(); n];
        for s in &steps {
            let r = s.replica % n;
            if s.sync {
                let (o, t) = (ours[s.from % n].clone(), theirs[s.from % n].clone());
                ours[r].merge(&o);
                theirs[r].merge(t);
            } else {
                ours[r].tick(id(r)).unwrap();
                let dot = theirs[r].inc(id(r));
                theirs[r].apply(dot);
            }
            for (oa, ta) in ours.iter().zip(&theirs) {
                for (ob, tb) in ours.iter().zip(&theirs) {
                    prop_assert_eq!(oa.compare(ob), causality(ta.partial_cmp(tb)));
                }
                let entries: BTreeMap<ReplicaId, u64> = oa.entries().collect();
                prop_assert_eq!(&entries, &ta.dots);
            }
        }
    }

    /// The OR-set against the crate's `Orswot`: the same elements, and the
    /// same clock of what each state has seen, after every step.
    #[test]
    fn or_sets_agree_with_the_crates_orswot((n, steps, _seed) in run(40)) {
        let mut ours = vec![OrSet::<u8>::new(); n];
        let mut theirs = vec![crdts::Orswot::<u8, ReplicaId>::new(); n];
        for s in &steps {
            let r = s.replica % n;
            if s.sync {
                let (o, t) = (ours[s.from % n].clone(), theirs[s.from % n].clone());
                ours[r].merge(&o);
                theirs[r].merge(t);
            } else if s.kind < 2 {
                ours[r].add(id(r), s.arg).unwrap();
                let ctx = theirs[r].read_ctx().derive_add_ctx(id(r));
                let op = theirs[r].add(s.arg, ctx);
                theirs[r].apply(op);
            } else {
                ours[r].remove(&s.arg);
                let ctx = theirs[r].contains(&s.arg).derive_rm_ctx();
                let op = theirs[r].rm(s.arg, ctx);
                theirs[r].apply(op);
            }
            for (o, t) in ours.iter().zip(&theirs) {
                let mine: HashSet<u8> = o.elements().copied().collect();
                prop_assert_eq!(mine, t.read().val);
                let entries: BTreeMap<ReplicaId, u64> = o.context().entries().collect();
                prop_assert_eq!(entries, t.clock().dots);
            }
        }
    }
}

// ---------------------------------------------------------------- broken merges
// Each merge below is wrong in one way a real implementation could be. The
// property that checks the real merge must reject it: proptest, from a
// fixed seed, finds a counterexample.

/// Whether proptest finds a counterexample to `property` in 256 runs, from
/// a fixed seed (so the answer does not change from run to run).
fn counterexample_found(
    max: usize,
    property: impl Fn((usize, Vec<Step>, u64)) -> Result<(), TestCaseError>,
) -> bool {
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    runner.run(&run(max), property).is_err()
}

/// A G-counter merge that adds the other side's counts instead of taking
/// the larger: a state that arrives twice is counted twice.
fn summing(a: &mut GCounter, b: &GCounter) {
    for replica in 0..4 {
        // An overflow is ignored: the property fails long before one.
        a.increment(replica, b.count(replica)).ok();
    }
}

/// An OR-set merge that drops an element only one side holds, whether or
/// not the other side ever saw its add: a remove of adds it never observed.
fn dropping_unseen_adds(a: &mut OrSet<u8>, b: &OrSet<u8>) {
    let one_sided: Vec<u8> = (a.elements().filter(|x| !b.contains(x)))
        .chain(b.elements().filter(|x| !a.contains(x)))
        .copied()
        .collect();
    a.merge(b);
    for x in one_sided {
        a.remove(&x);
    }
}

/// A register merge whose tie-break ignores the replica: of two writes at
/// the same time, the greater value wins, wherever it was written; of two
/// equal ones, the receiver keeps its own stamp.
fn ignoring_the_replica(a: &mut Lww, b: &Lww) {
    let (Some(stamp), Some(&value)) = (b.stamp(), b.get()) else {
        return;
    };
    let later = match (a.stamp(), a.get()) {
        (Some(ours), Some(&held)) => (stamp.time, value) > (ours.time, held),
        _ => true,
    };
    if later {
        let mut fresh = LwwRegister::new();
        fresh.set(stamp, value);
        *a = fresh;
    }
}

#[test]
fn a_g_counter_merge_that_sums_is_caught() {
    // The same runner passes the real merge: what fails is the merge.
    assert!(!counterexample_found(40, |i| g_counter_property(
        i,
        GCounter::merge
    )));
    assert!(counterexample_found(40, |i| g_counter_property(i, summing)));
}

#[test]
fn an_or_set_merge_that_drops_unseen_adds_is_caught() {
    assert!(!counterexample_found(40, |i| or_set_property(
        i,
        OrSet::merge
    )));
    assert!(counterexample_found(40, |i| or_set_property(
        i,
        dropping_unseen_adds
    )));
}

#[test]
fn a_register_tie_break_that_ignores_the_replica_is_caught() {
    assert!(!counterexample_found(30, |i| lww_property(i, Lww::merge)));
    assert!(counterexample_found(30, |i| lww_property(
        i,
        ignoring_the_replica
    )));
}
