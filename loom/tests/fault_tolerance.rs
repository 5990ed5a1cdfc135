//! Loom models of the fault-tolerance pillar's shared state: the circuit
//! breaker's half-open probe (src/fault_tolerance/breaker.rs) and the retry
//! budget's token count (src/fault_tolerance/budget.rs), each beside the
//! racy twin the page warns about.
//!
//! Run with the rest of the loom suite:
//! `cargo xtask loom`, or alone: `cargo xtask loom fault_tolerance`
#![cfg(loom)]

use std::time::Duration;

use cookbook::fault_tolerance::breaker::{
    Admission, BreakerConfig, CircuitBreaker, RacyBreaker, Refusal, State, Ticket,
};
use cookbook::fault_tolerance::budget::{RacyBudget, RetryBudget};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

const COOL_DOWN: Duration = Duration::from_millis(100);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A breaker that opened at t = 0 (one failure opens it), so any call at
/// t ≥ 100 ms finds its cool-down over.
fn opened_at_zero() -> CircuitBreaker {
    let config = BreakerConfig {
        failures_to_open: 1,
        cool_down: COOL_DOWN,
    };
    let breaker = CircuitBreaker::new(config).unwrap();
    breaker.try_call(ms(0)).unwrap().failure(ms(0));
    assert_eq!(breaker.state(), State::Open { since: ms(0) });
    breaker
}

// ANCHOR: probe_race_model
/// Two callers find the cool-down over at the same moment. Whichever takes
/// the lock first turns the breaker half-open and becomes the probe; the
/// other finds the probe out. Each keeps what it got until both have asked,
/// so a ticket dropped early cannot free the place.
#[test]
fn two_callers_one_probe() {
    loom::model(|| {
        let breaker = opened_at_zero();
        let other = {
            let breaker = breaker.clone();
            thread::spawn(move || breaker.try_call(ms(100)))
        };
        let mine = breaker.try_call(ms(100));
        let theirs = other.join().unwrap();
        let probes = [&mine, &theirs]
            .iter()
            .filter(|r| matches!(r, Ok(t) if t.admission() == Admission::Probe))
            .count();
        assert_eq!(probes, 1, "two probes at once");
        let refused: Vec<Refusal> = [&mine, &theirs]
            .iter()
            .filter_map(|r| r.as_ref().err())
            .copied()
            .collect();
        assert_eq!(refused, [Refusal::ProbeOut], "the other caller's refusal");
        assert_eq!(breaker.state(), State::HalfOpen { probe_out: true });
    });
}
// ANCHOR_END: probe_race_model

// ANCHOR: probe_ends_models
/// The probe succeeds on one thread while another caller asks. The caller
/// either comes first (the probe is out: refused) or after the breaker has
/// closed (an ordinary call); never a second probe. Closed at the end.
#[test]
fn a_probe_that_succeeds_while_another_caller_asks() {
    loom::model(|| {
        let breaker = opened_at_zero();
        let probe = breaker.try_call(ms(100)).unwrap();
        assert_eq!(probe.admission(), Admission::Probe);
        let prober = thread::spawn(move || probe.success(ms(101)));
        let asked = breaker.try_call(ms(101));
        let admission = asked.as_ref().map(Ticket::admission).map_err(|r| *r);
        if let Ok(ticket) = asked {
            ticket.success(ms(102));
        }
        // Join before asserting: a model that panics while one of its
        // threads still runs aborts the whole test binary.
        prober.join().unwrap();
        match admission {
            Err(refusal) => assert_eq!(refusal, Refusal::ProbeOut),
            Ok(kind) => assert_eq!(kind, Admission::Call, "a second probe"),
        }
        assert_eq!(breaker.state(), State::Closed { failures: 0 });
    });
}

/// The probe fails on one thread while another caller asks. The caller is
/// refused either way: the probe is out, or the breaker has opened again
/// with a fresh cool-down. Every state seen is one of the diagram's, and
/// the breaker ends open from the probe's failure.
#[test]
fn a_probe_that_fails_while_another_caller_asks() {
    loom::model(|| {
        let breaker = opened_at_zero();
        let probe = breaker.try_call(ms(100)).unwrap();
        let prober = thread::spawn(move || probe.failure(ms(101)));
        let seen = breaker.state();
        let asked = breaker.try_call(ms(101)).map(|t| t.admission());
        let after = breaker.state();
        prober.join().unwrap();
        for state in [seen, after] {
            let in_diagram = match state {
                State::HalfOpen { probe_out } => probe_out,
                State::Open { since } => since == ms(101),
                State::Closed { .. } => false,
            };
            assert!(in_diagram, "a state outside the diagram: {state:?}");
        }
        match asked {
            Err(Refusal::ProbeOut) | Err(Refusal::Open) => {}
            Ok(kind) => panic!("admitted as {kind:?} while the probe was out or failed"),
        }
        assert_eq!(breaker.state(), State::Open { since: ms(101) });
        let stats = breaker.stats();
        assert_eq!((stats.opened, stats.closed), (2, 0));
    });
}
// ANCHOR_END: probe_ends_models

// ANCHOR: dropped_probe_model
/// A probe whose caller gives up (its ticket dropped on another thread)
/// while two more callers ask. Each holder of a probe counts itself in
/// `holding` while it holds it, and notes in `overlap` if it was not
/// alone: no holder ever is. A caller that asks after the drop probes;
/// one that asks before is refused. (The threads assert nothing
/// themselves: they report, and the model's thread checks.)
#[test]
fn a_dropped_probe_frees_its_place_for_one_caller() {
    loom::model(|| {
        let breaker = opened_at_zero();
        let holding = Arc::new(AtomicUsize::new(0));
        let overlap = Arc::new(AtomicBool::new(false));
        let probe = breaker.try_call(ms(100)).unwrap();
        holding.fetch_add(1, Ordering::SeqCst);
        let dropper = {
            let holding = Arc::clone(&holding);
            thread::spawn(move || {
                holding.fetch_sub(1, Ordering::SeqCst);
                drop(probe); // a cancelled request: no outcome
            })
        };
        let ask = {
            let (breaker, holding) = (breaker.clone(), Arc::clone(&holding));
            let overlap = Arc::clone(&overlap);
            move || {
                let ticket = breaker.try_call(ms(101)).ok();
                if ticket.is_some() && holding.fetch_add(1, Ordering::SeqCst) > 0 {
                    overlap.store(true, Ordering::SeqCst);
                }
                ticket
            }
        };
        let asker = thread::spawn(ask.clone());
        let mine = ask();
        dropper.join().unwrap();
        let theirs = asker.join().unwrap();
        assert!(!overlap.load(Ordering::SeqCst), "two probes out at once");
        let admitted: Vec<Ticket> = mine.into_iter().chain(theirs).collect();
        let kinds: Vec<Admission> = admitted.iter().map(Ticket::admission).collect();
        assert!(kinds.len() <= 1, "two probes: {kinds:?}");
        assert!(kinds.iter().all(|&k| k == Admission::Probe), "{kinds:?}");
        let probe_out = kinds.len() == 1;
        let state = breaker.state();
        assert_eq!(state, State::HalfOpen { probe_out }, "the probe's place");
    });
}
// ANCHOR_END: dropped_probe_model

// ANCHOR: racy_breaker_model
/// The bug: "half-open and no probe out?" checked, then the probe marked,
/// in two steps. Loom finds the interleaving where both callers check
/// before either marks, and both go through. This test passes only because
/// loom finds it.
#[test]
#[should_panic(expected = "two probes at once")]
fn loom_finds_the_racy_breakers_second_probe() {
    loom::model(|| {
        let breaker = RacyBreaker::half_open();
        let other = {
            let breaker = breaker.clone();
            thread::spawn(move || breaker.try_probe())
        };
        let mine = breaker.try_probe();
        let theirs = other.join().unwrap();
        assert!(!(mine && theirs), "two probes at once");
        assert!(mine || theirs, "no probe at all");
    });
}
// ANCHOR_END: racy_breaker_model

// ANCHOR: budget_model
/// Two threads each record a success and a failure, in opposite orders.
/// Whatever the interleaving, the tokens end where the four updates take
/// them one after another: 7 − 2 × 1 + 2 × 0.5 = 6 tokens. (The budget
/// starts at 7 of 10 so that no update is clamped at 0 or 10, where the
/// order would matter.)
#[test]
fn concurrent_successes_and_failures_are_all_counted() {
    loom::model(|| {
        let budget = RetryBudget::new(10, 0.5).unwrap();
        for _ in 0..3 {
            budget.on_failure();
        }
        assert_eq!(budget.milli_tokens(), 7000);
        let other = {
            let budget = budget.clone();
            thread::spawn(move || {
                budget.on_failure();
                budget.on_success();
            })
        };
        budget.on_success();
        budget.on_failure();
        other.join().unwrap();
        let left = budget.milli_tokens();
        assert_eq!(left, 6000, "lost update: {left} thousandths left");
    });
}

/// The same bucket changed by a load and a store: a success and a failure
/// that overlap can both read 8 tokens, and the one that stores last wins.
#[test]
#[should_panic(expected = "lost update")]
fn loom_finds_the_racy_budgets_lost_update() {
    loom::model(|| {
        let budget = RacyBudget::new(10, 500);
        budget.on_failure();
        budget.on_failure();
        let other = {
            let budget = budget.clone();
            thread::spawn(move || budget.on_failure())
        };
        budget.on_success();
        other.join().unwrap();
        let left = budget.milli_tokens();
        assert_eq!(left, 7500, "lost update: {left} thousandths left, not 7500");
    });
}
// ANCHOR_END: budget_model
