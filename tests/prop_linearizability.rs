//! Property tests for section 4.4's linearizability checker.
//!
//! The checker is compared with stateright's `LinearizabilityTester`, a
//! different search written by other people (it tries every interleaving
//! of the clients' sequences, with no memo), on random small histories:
//! clients doing one operation at a time on one or two keys, some read
//! values made up, some writes failed. Two things differ between the two
//! and are bridged here, not hidden:
//! - stateright knows no clock, only the order of invoke and return
//!   events; the histories are turned into events sorted by time, an
//!   invocation before a return at the same instant, which is this
//!   checker's rule (equal stamps are concurrent);
//! - stateright's pending operations are the last one of each thread; a
//!   failed write here is pending for ever while its client goes on, so it
//!   is given a thread of its own that invokes it and never returns. A
//!   failed read is left out (stateright would let a pending read return
//!   anything, which is the same as leaving it out).
//!
//! Histories built from a real execution (each operation takes effect at
//! an instant inside its interval, in order, on one register per key) must
//! be linearizable; so must histories recorded by threads sharing a real
//! `Mutex`. Changing one read's value must make the checker agree with
//! stateright on whether the change broke the history.

#![cfg(feature = "full")]

use cookbook::consistency::history::{Call, Operation, Outcome};
use cookbook::consistency::linearizability::{HistoryError, check};
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stateright::semantics::register::{Register, RegisterOp, RegisterRet};
use stateright::semantics::{ConsistencyTester, LinearizabilityTester};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Instant;

/// Stateright's verdict for each key of `history`.
fn stateright_verdicts(history: &[Operation]) -> BTreeMap<u32, bool> {
    let keys: BTreeSet<u32> = history.iter().map(|op| op.key).collect();
    keys.into_iter()
        .map(|key| {
            // (time, 0 for invoke / 1 for return, index)
            let mut events = Vec::new();
            for (i, op) in history.iter().enumerate() {
                if op.key != key {
                    continue;
                }
                match (op.call, op.outcome) {
                    (Call::Read, Outcome::Failed) => {}
                    (Call::Write(_), Outcome::Failed) => events.push((op.invoked, 0, i)),
                    _ => {
                        events.push((op.invoked, 0, i));
                        events.push((op.returned, 1, i));
                    }
                }
            }
            events.sort_unstable();
            let mut tester = LinearizabilityTester::new(Register(0u64));
            for (_, kind, i) in events {
                let op = &history[i];
                let thread = if op.outcome == Outcome::Failed {
                    1_000 + i as u64
                } else {
                    op.client as u64
                };
                let result = if kind == 0 {
                    let call = match op.call {
                        Call::Write(v) => RegisterOp::Write(v),
                        Call::Read => RegisterOp::Read,
                    };
                    tester.on_invoke(thread, call).map(|_| ())
                } else {
                    let ret = match op.outcome {
                        Outcome::Read(v) => RegisterRet::ReadOk(v),
                        _ => RegisterRet::WriteOk,
                    };
                    tester.on_return(thread, ret).map(|_| ())
                };
                result.expect("a well-formed history for stateright");
            }
            (key, tester.is_consistent())
        })
        .collect()
}

/// Whether no two invoke or return events of `history` share an instant.
/// (At a shared instant the checker counts two operations as concurrent,
/// even one client's; stateright would need an order.)
fn distinct_instants(history: &[Operation]) -> bool {
    let mut seen = BTreeSet::new();
    history
        .iter()
        .all(|op| seen.insert(op.invoked) && seen.insert(op.returned))
}

/// The book's checker's verdict for each key.
fn our_verdicts(history: &[Operation]) -> BTreeMap<u32, bool> {
    let report = check(history).expect("a valid history");
    let bad: BTreeSet<u32> = report.violations.iter().map(|v| v.key).collect();
    history
        .iter()
        .map(|op| (op.key, !bad.contains(&op.key)))
        .collect()
}

/// A history from a real execution: each client runs `per_client`
/// operations one after another with gaps; each operation takes effect at
/// a random instant inside its interval; reads return what one register
/// per key holds at that instant. Some writes fail: a failed write takes
/// effect or not, at random. Some reads fail.
fn real_execution(
    rng: &mut ChaCha8Rng,
    clients: usize,
    keys: u32,
    per_client: usize,
) -> Vec<Operation> {
    let mut history = Vec::new();
    let mut effects = Vec::new(); // (instant, index into history)
    let mut next_value = 1;
    for client in 0..clients {
        let mut t = rng.random_range(0..20u64);
        for _ in 0..per_client {
            let invoked = t;
            let returned = invoked + rng.random_range(0..60u64);
            let key = rng.random_range(0..keys);
            let call = if rng.random_bool(0.5) {
                next_value += 1;
                Call::Write(next_value - 1)
            } else {
                Call::Read
            };
            let failed = rng.random_bool(0.15);
            let index = history.len();
            history.push(Operation {
                client,
                key,
                call,
                outcome: if failed {
                    Outcome::Failed
                } else {
                    Outcome::Written
                },
                invoked,
                returned,
            });
            let takes_effect = !failed || (call != Call::Read && rng.random_bool(0.5));
            if takes_effect {
                // A failed write may take effect any time after its
                // invocation, even after its client gave up.
                let end = if failed { returned + 100 } else { returned };
                effects.push((rng.random_range(invoked..=end), index));
            }
            t = returned + rng.random_range(1..30u64);
        }
    }
    effects.sort_unstable();
    let mut registers: BTreeMap<u32, u64> = BTreeMap::new();
    for (_, i) in effects {
        let op = &mut history[i];
        let value = registers.entry(op.key).or_insert(0);
        match op.call {
            Call::Write(v) => *value = v,
            Call::Read => op.outcome = Outcome::Read(*value),
        }
    }
    history
}

/// Changes one completed read's value to another value written to its key
/// (or 0). Returns false when there is no read to change.
fn perturb(rng: &mut ChaCha8Rng, history: &mut [Operation]) -> bool {
    let reads: Vec<usize> = (0..history.len())
        .filter(|&i| matches!(history[i].outcome, Outcome::Read(_)))
        .collect();
    if reads.is_empty() {
        return false;
    }
    let i = reads[rng.random_range(0..reads.len())];
    let key = history[i].key;
    let mut values: Vec<u64> = history
        .iter()
        .filter(|op| op.key == key)
        .filter_map(|op| match op.call {
            Call::Write(v) => Some(v),
            Call::Read => None,
        })
        .collect();
    values.push(0);
    let Outcome::Read(old) = history[i].outcome else {
        return false;
    };
    values.retain(|&v| v != old);
    if values.is_empty() {
        return false;
    }
    history[i].outcome = Outcome::Read(values[rng.random_range(0..values.len())]);
    true
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn real_executions_are_linearizable(
        seed in any::<u64>(),
        clients in 1usize..=4,
        keys in 1u32..=2,
        per_client in 1usize..=5,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let history = real_execution(&mut rng, clients, keys, per_client);
        let report = check(&history).unwrap();
        prop_assert!(report.is_linearizable(), "{history:?}\n{:?}", report.violations);
        prop_assert_eq!(our_verdicts(&history), stateright_verdicts(&history));
    }

    #[test]
    fn a_perturbed_read_is_judged_as_stateright_judges_it(
        seed in any::<u64>(),
        clients in 1usize..=4,
        keys in 1u32..=2,
        per_client in 1usize..=5,
    ) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut history = real_execution(&mut rng, clients, keys, per_client);
        prop_assume!(perturb(&mut rng, &mut history));
        prop_assert_eq!(our_verdicts(&history), stateright_verdicts(&history), "{:?}", history);
    }

    #[test]
    fn bad_input_is_an_error_never_a_panic(
        ops in prop::collection::vec(
            (0usize..3, 0u32..2, prop::option::of(0u64..4), 0u64..5, 0u64..40, 0u64..40),
            0..8,
        )
    ) {
        // Anything at all: overlapping clients, repeated values, writes of
        // 0, returns before invocations, reads of values never written.
        let history: Vec<Operation> = ops
            .iter()
            .map(|&(client, key, write, read, invoked, returned)| Operation {
                client,
                key,
                call: write.map_or(Call::Read, Call::Write),
                outcome: match (write, read) {
                    (_, 4) => Outcome::Failed,
                    (Some(_), _) => Outcome::Written,
                    (None, v) => Outcome::Read(v),
                },
                invoked,
                returned,
            })
            .collect();
        match check(&history) {
            Ok(report) => {
                prop_assert_eq!(report.operations, history.len());
                // Where no two events share an instant, the event order is
                // unambiguous and the verdicts must agree.
                if distinct_instants(&history) {
                    prop_assert_eq!(our_verdicts(&history), stateright_verdicts(&history));
                }
            }
            Err(HistoryError::SearchLimit { .. }) => prop_assert!(false, "tiny history"),
            Err(e) => prop_assert!(justified(&history, &e), "{e} for {history:?}"),
        }
    }
}

/// Whether the history really has the fault the error names.
fn justified(history: &[Operation], error: &HistoryError) -> bool {
    match *error {
        HistoryError::ReturnedBeforeInvoked { index } => {
            history[index].returned < history[index].invoked
        }
        HistoryError::Mismatch { index } => matches!(
            (history[index].call, history[index].outcome),
            (Call::Read, Outcome::Written) | (Call::Write(_), Outcome::Read(_))
        ),
        HistoryError::Overlap {
            client,
            first,
            second,
        } => {
            let (a, b) = (&history[first], &history[second]);
            a.client == client
                && b.client == client
                && a.invoked < b.returned
                && b.invoked < a.returned
        }
        HistoryError::DuplicateWrite {
            key,
            value,
            first,
            second,
        } => {
            [first, second]
                .iter()
                .all(|&i| history[i].key == key && history[i].call == Call::Write(value))
                && first != second
        }
        HistoryError::WriteOfInitialValue { index } => {
            history[index].call == Call::Write(0)
        }
        HistoryError::SearchLimit { .. } => false,
    }
}

/// The figures behind the page's cross-check: 2,000 seeded histories,
/// half of them perturbed, judged by both checkers.
#[test]
fn cross_check_figures() {
    let mut rng = ChaCha8Rng::seed_from_u64(44);
    let (mut agree, mut linearizable, mut not, mut perturbed) = (0, 0, 0, 0);
    let total = 2_000;
    for n in 0..total {
        let clients = rng.random_range(1..=4);
        let keys = rng.random_range(1..=2);
        let per_client = rng.random_range(1..=5);
        let mut history = real_execution(&mut rng, clients, keys, per_client);
        if n % 2 == 1 && perturb(&mut rng, &mut history) {
            perturbed += 1;
        }
        let ours = our_verdicts(&history);
        if ours == stateright_verdicts(&history) {
            agree += 1;
        }
        if ours.values().all(|&ok| ok) {
            linearizable += 1;
        } else {
            not += 1;
        }
    }
    println!(
        "{total} histories ({perturbed} perturbed): {linearizable} linearizable, \
         {not} not; the checkers agree on {agree}"
    );
    assert_eq!(agree, total);
    // The page quotes these (seeded, so exact).
    assert_eq!((linearizable, not), (1_489, 511));
}

/// Threads sharing a `Mutex`-guarded map record what they did, with
/// times from one `Instant`: every such history is linearizable (the lock
/// is the linearization point), and changing a read's value makes it
/// fail exactly when stateright says it does.
#[test]
fn histories_recorded_on_a_real_register() {
    let start = Instant::now();
    let map: Arc<Mutex<BTreeMap<u32, u64>>> = Arc::default();
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..3usize)
        .map(|client| {
            let (map, barrier) = (Arc::clone(&map), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let mut ops = Vec::new();
                for k in 0..40u64 {
                    let key = (k % 2) as u32;
                    let write = (k + client as u64) % 3 == 0;
                    let invoked = start.elapsed().as_nanos() as u64;
                    let (call, outcome) = {
                        let mut map = map.lock().unwrap();
                        let value = map.entry(key).or_insert(0);
                        if write {
                            let v = 1 + client as u64 * 1000 + k;
                            *value = v;
                            (Call::Write(v), Outcome::Written)
                        } else {
                            (Call::Read, Outcome::Read(*value))
                        }
                    };
                    let returned = start.elapsed().as_nanos() as u64;
                    ops.push(Operation {
                        client,
                        key,
                        call,
                        outcome,
                        invoked,
                        returned,
                    });
                }
                ops
            })
        })
        .collect();
    let history: Vec<Operation> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("a recording thread"))
        .collect();
    assert!(check(&history).unwrap().is_linearizable());
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut broken = 0;
    for _ in 0..30 {
        let mut changed = history.clone();
        assert!(perturb(&mut rng, &mut changed));
        let ours = our_verdicts(&changed);
        assert_eq!(ours, stateright_verdicts(&changed));
        broken += ours.values().filter(|&&ok| !ok).count();
    }
    // Most changed reads break a history of 120 operations.
    assert!(broken > 10, "{broken}");
}
