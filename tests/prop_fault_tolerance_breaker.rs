//! Property tests for section 4.3's circuit breaker and retry budget
//! (src/fault_tolerance/breaker.rs, src/fault_tolerance/budget.rs).
//!
//! The breaker is driven by random sequences of events (calls at
//! increasing times; successes, failures and drops of random outstanding
//! tickets) and compared, after every event, with a reference written here:
//! the state diagram as a plain enum, sequential, with the same rule for
//! late answers. Every refusal, every admission's kind, the state and the
//! counters must agree. The reference shares no code with the breaker.
//!
//! The budget is run at a seeded failure fraction well below and well
//! above gRPC's threshold t / (1 + t): below, retries stay allowed once
//! the bucket has refilled; above, they are throttled nearly all the time.

use std::time::Duration;

use cookbook::fault_tolerance::breaker::{
    Admission, BreakerConfig, BreakerStats, CircuitBreaker, Refusal, State, Ticket,
};
use cookbook::fault_tolerance::budget::RetryBudget;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---------------------------------------------------------------------------
// The reference: the diagram, one event at a time.

// ANCHOR: reference
/// Where the reference breaker is in the diagram.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Closed { failures_in_a_row: u32 },
    Open { since: Duration },
    HalfOpen { probe_out: bool },
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Success,
    Failure,
    /// The ticket was dropped: no outcome.
    Dropped,
}

/// A call the reference admitted: a probe or not, and the epoch it was
/// admitted in. Its outcome counts only if no transition happened since.
#[derive(Debug, Clone, Copy)]
struct Admitted {
    probe: bool,
    epoch: u64,
}

/// The diagram, sequential and plain. The epoch counts the transitions
/// between Closed, Open and HalfOpen (a failure counted, or a probe's place
/// given back, is none).
#[derive(Debug)]
struct Reference {
    failures_to_open: u32,
    cool_down: Duration,
    phase: Phase,
    epoch: u64,
    admitted: u64,
    refused: u64,
    opened: u64,
    closed: u64,
}

impl Reference {
    fn new(failures_to_open: u32, cool_down: Duration) -> Self {
        Reference {
            failures_to_open,
            cool_down,
            phase: Phase::Closed {
                failures_in_a_row: 0,
            },
            epoch: 0,
            admitted: 0,
            refused: 0,
            opened: 0,
            closed: 0,
        }
    }

    fn move_to(&mut self, phase: Phase) {
        self.phase = phase;
        self.epoch += 1;
    }

    fn ask(&mut self, now: Duration) -> Result<Admitted, Refusal> {
        let answer = match self.phase {
            Phase::Closed { .. } => Ok(false),
            Phase::Open { since } => {
                // Times never go back here, so `now - since` exists.
                let waited = now.checked_sub(since).expect("time went back");
                if waited >= self.cool_down {
                    self.move_to(Phase::HalfOpen { probe_out: true });
                    Ok(true)
                } else {
                    Err(Refusal::Open)
                }
            }
            Phase::HalfOpen { probe_out: false } => {
                self.phase = Phase::HalfOpen { probe_out: true };
                Ok(true)
            }
            Phase::HalfOpen { probe_out: true } => Err(Refusal::ProbeOut),
        };
        match answer {
            Ok(probe) => {
                self.admitted += 1;
                Ok(Admitted {
                    probe,
                    epoch: self.epoch,
                })
            }
            Err(refusal) => {
                self.refused += 1;
                Err(refusal)
            }
        }
    }

    fn answer(&mut self, call: Admitted, outcome: Outcome, now: Duration) {
        if call.epoch != self.epoch {
            return; // admitted before a transition: a late answer
        }
        if call.probe {
            // A probe's own epoch is a half-open one.
            match outcome {
                Outcome::Success => {
                    self.move_to(Phase::Closed {
                        failures_in_a_row: 0,
                    });
                    self.closed += 1;
                }
                Outcome::Failure => {
                    self.move_to(Phase::Open { since: now });
                    self.opened += 1;
                }
                Outcome::Dropped => self.phase = Phase::HalfOpen { probe_out: false },
            }
            return;
        }
        // An ordinary call's own epoch is a closed one.
        let Phase::Closed { failures_in_a_row } = self.phase else {
            unreachable!("a call of the current epoch, and the breaker not closed");
        };
        match outcome {
            Outcome::Success => {
                self.phase = Phase::Closed {
                    failures_in_a_row: 0,
                }
            }
            Outcome::Failure if failures_in_a_row + 1 >= self.failures_to_open => {
                self.move_to(Phase::Open { since: now });
                self.opened += 1;
            }
            Outcome::Failure => {
                self.phase = Phase::Closed {
                    failures_in_a_row: failures_in_a_row + 1,
                }
            }
            Outcome::Dropped => {}
        }
    }

    /// The state the breaker must report.
    fn state(&self) -> State {
        match self.phase {
            Phase::Closed { failures_in_a_row } => State::Closed {
                failures: failures_in_a_row,
            },
            Phase::Open { since } => State::Open { since },
            Phase::HalfOpen { probe_out } => State::HalfOpen { probe_out },
        }
    }

    fn stats(&self) -> BreakerStats {
        BreakerStats {
            admitted: self.admitted,
            refused: self.refused,
            opened: self.opened,
            closed: self.closed,
        }
    }
}
// ANCHOR_END: reference

// ---------------------------------------------------------------------------
// The events, and the breaker driven side by side with the reference.

/// One thing that happens to the breaker. Each event first moves the clock
/// on by `after` milliseconds; `pick` chooses among the outstanding tickets.
#[derive(Debug, Clone)]
enum Event {
    Call {
        after: u64,
    },
    End {
        pick: usize,
        outcome: Outcome,
        after: u64,
    },
}

fn events(cool_down_ms: u64) -> impl Strategy<Value = Vec<Event>> {
    // Steps of up to twice the cool-down: some calls come before it is over,
    // some after.
    let after = 0..=2 * cool_down_ms;
    let outcome = prop_oneof![
        3 => Just(Outcome::Success),
        4 => Just(Outcome::Failure),
        1 => Just(Outcome::Dropped),
    ];
    let event = prop_oneof![
        5 => after.clone().prop_map(|after| Event::Call { after }),
        4 => (any::<usize>(), outcome, after)
            .prop_map(|(pick, outcome, after)| Event::End { pick, outcome, after }),
    ];
    prop::collection::vec(event, 0..300)
}

/// The cool-downs: short ones that calls outlast, and ones so long that
/// `since + cool_down` is past what a `Duration` holds.
fn cool_downs() -> impl Strategy<Value = Duration> {
    prop_oneof![
        8 => (1..=40u64).prop_map(Duration::from_millis),
        1 => Just(Duration::MAX),
        1 => Just(Duration::MAX - Duration::from_secs(1)),
    ]
}

/// Runs `events` through a breaker and the reference side by side, and
/// returns the first disagreement.
fn run(
    failures_to_open: u32,
    cool_down: Duration,
    events: &[Event],
) -> Result<(), TestCaseError> {
    let config = BreakerConfig {
        failures_to_open,
        cool_down,
    };
    let breaker = CircuitBreaker::new(config).unwrap();
    let mut reference = Reference::new(failures_to_open, cool_down);
    let mut outstanding: Vec<(Ticket, Admitted)> = Vec::new();
    let mut now = Duration::ZERO;
    for (step, event) in events.iter().enumerate() {
        match *event {
            Event::Call { after } => {
                now += Duration::from_millis(after);
                let got = breaker.try_call(now);
                let want = reference.ask(now);
                match (got, want) {
                    (Ok(ticket), Ok(admitted)) => {
                        let kind = if admitted.probe {
                            Admission::Probe
                        } else {
                            Admission::Call
                        };
                        prop_assert_eq!(ticket.admission(), kind, "step {}", step);
                        outstanding.push((ticket, admitted));
                    }
                    (Err(got), Err(want)) => prop_assert_eq!(got, want, "step {}", step),
                    (got, want) => {
                        let got = got.map(|t| t.admission());
                        prop_assert!(false, "step {step}: got {got:?}, want {want:?}");
                    }
                }
            }
            Event::End {
                pick,
                outcome,
                after,
            } => {
                now += Duration::from_millis(after);
                if outstanding.is_empty() {
                    continue;
                }
                let (ticket, admitted) =
                    outstanding.swap_remove(pick % outstanding.len());
                match outcome {
                    Outcome::Success => ticket.success(now),
                    Outcome::Failure => ticket.failure(now),
                    Outcome::Dropped => drop(ticket),
                }
                reference.answer(admitted, outcome, now);
            }
        }
        prop_assert_eq!(breaker.state(), reference.state(), "after step {}", step);
        prop_assert_eq!(breaker.stats(), reference.stats(), "after step {}", step);
    }
    Ok(())
}

// ANCHOR: breaker_property
proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every answer of the breaker is the reference's, in every state.
    #[test]
    fn the_breaker_follows_the_diagram(
        failures_to_open in 1..=4u32,
        (cool_down, events) in cool_downs().prop_flat_map(|cool_down| {
            let ms = u64::try_from(cool_down.as_millis()).unwrap_or(u64::MAX).min(40);
            (Just(cool_down), events(ms))
        }),
    ) {
        run(failures_to_open, cool_down, &events)?;
    }
}
// ANCHOR_END: breaker_property

/// The sequences the property must cover, checked once: it is no test if
/// the breaker never reaches half-open, never sees a late answer or never
/// has a probe dropped.
#[test]
fn the_random_sequences_reach_every_corner() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let (mut probes, mut late, mut dropped_probes, mut reopened) = (0, 0, 0, 0);
    for _ in 0..200 {
        let events = events(20).new_tree(&mut runner).unwrap().current();
        let mut reference = Reference::new(2, Duration::from_millis(20));
        let mut outstanding = Vec::new();
        let mut now = Duration::ZERO;
        for event in &events {
            match *event {
                Event::Call { after } => {
                    now += Duration::from_millis(after);
                    if let Ok(admitted) = reference.ask(now) {
                        probes += usize::from(admitted.probe);
                        outstanding.push(admitted);
                    }
                }
                Event::End {
                    pick,
                    outcome,
                    after,
                } if !outstanding.is_empty() => {
                    now += Duration::from_millis(after);
                    let admitted = outstanding.swap_remove(pick % outstanding.len());
                    late += usize::from(admitted.epoch != reference.epoch);
                    let probe_now = admitted.probe && admitted.epoch == reference.epoch;
                    dropped_probes +=
                        usize::from(probe_now && outcome == Outcome::Dropped);
                    reopened += usize::from(probe_now && outcome == Outcome::Failure);
                    reference.answer(admitted, outcome, now);
                }
                Event::End { .. } => {}
            }
        }
    }
    assert!(probes > 500, "{probes} probes");
    assert!(late > 500, "{late} late answers");
    assert!(dropped_probes > 50, "{dropped_probes} dropped probes");
    assert!(reopened > 100, "{reopened} failed probes");
}

// ---------------------------------------------------------------------------
// The budget's steady state.

/// Makes `calls` calls of which a seeded fraction `failing` fail, and
/// returns the fraction of them after which a retry was allowed.
fn allowed_fraction(
    budget: &RetryBudget,
    failing: f64,
    calls: u64,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let mut allowed = 0;
    for _ in 0..calls {
        if rng.random_bool(failing) {
            budget.on_failure();
        } else {
            budget.on_success();
        }
        allowed += u64::from(budget.can_retry());
    }
    allowed as f64 / calls as f64
}

// ANCHOR: budget_property
proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Failures at half gRPC's threshold t / (1 + t): the tokens drift up
    /// by t/2 a call, so an empty bucket refills past half within
    /// max / t calls, and from then on retries stay allowed.
    #[test]
    fn below_the_threshold_retries_stay_allowed(
        max_tokens in 50..=500u32,
        ratio_milli in 50..=1000u32,
        seed in any::<u64>(),
    ) {
        let t = f64::from(ratio_milli) / 1000.0;
        let budget = RetryBudget::new(max_tokens, t).unwrap();
        for _ in 0..max_tokens {
            budget.on_failure(); // start empty
        }
        prop_assert!(!budget.can_retry());
        let failing = t / (1.0 + t) / 2.0;
        let warm_up = (2.0 * f64::from(max_tokens) / t).ceil() as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        allowed_fraction(&budget, failing, warm_up, &mut rng);
        let allowed = allowed_fraction(&budget, failing, warm_up, &mut rng);
        prop_assert!(allowed >= 0.999, "allowed after {:.4} of calls", allowed);
    }

    /// Failures at twice the threshold: the tokens drift down by t a call,
    /// so a full bucket falls below half within max / (2t) calls, and from
    /// then on retries are throttled nearly all the time.
    #[test]
    fn above_the_threshold_retries_are_throttled(
        max_tokens in 50..=500u32,
        ratio_milli in 50..=1000u32,
        seed in any::<u64>(),
    ) {
        let t = f64::from(ratio_milli) / 1000.0;
        let budget = RetryBudget::new(max_tokens, t).unwrap();
        let failing = 2.0 * t / (1.0 + t);
        let warm_up = (2.0 * f64::from(max_tokens) / t).ceil() as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        allowed_fraction(&budget, failing, warm_up, &mut rng);
        let allowed = allowed_fraction(&budget, failing, warm_up, &mut rng);
        prop_assert!(allowed <= 0.01, "allowed after {:.4} of calls", allowed);
    }
}
// ANCHOR_END: budget_property
