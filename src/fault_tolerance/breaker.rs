//! Section 4.3: a circuit breaker.
//!
//! A client keeps one breaker per server. While the server answers, the
//! breaker is **closed** and every call goes through. After
//! `failures_to_open` failures in a row it **opens**: calls are refused at
//! once, without touching the network, so a dead server costs nothing and a
//! struggling one gets room. After `cool_down` the next call is let through
//! as a **probe** and the breaker is **half-open**: every other call is
//! still refused until the probe ends. A probe that succeeds closes the
//! breaker; one that fails opens it for another cool-down.
//!
//! ```text
//!   closed ──(failures_to_open in a row)──▶ open
//!     ▲                                       │ cool_down passed,
//!     │ probe succeeds                        ▼ one call admitted
//!     └─────────────────────────────────── half-open
//!                 probe fails: back to open ──┘
//! ```
//!
//! Three details decide whether a breaker is right, and each has a test:
//!
//! - **One probe.** Half-open admits exactly one call. Deciding that ("is
//!   it half-open, and is no probe out?") and recording it must be one
//!   step; [`RacyBreaker`] makes them two, and the loom model in
//!   `loom/tests/fault_tolerance.rs` finds the interleaving that lets two
//!   probes through.
//! - **Late answers.** A call admitted while the breaker was closed may
//!   answer after it opened. Its outcome says nothing about the server now,
//!   so it is ignored: every ticket remembers the *epoch* (the number of
//!   transitions so far) it was admitted in, and only outcomes of the
//!   current epoch count.
//! - **A ticket dropped without an outcome.** A caller that panics, or a
//!   hedged request that lost and was dropped, never reports. A dropped
//!   probe gives its place back (the breaker stays half-open and the next
//!   call probes), so the breaker cannot stay half-open for ever with a
//!   probe nobody will finish. A dropped ordinary call changes nothing.
//!
//! The breaker reads no clock: every call passes `now`, the time since any
//! fixed start (a client passes `start.elapsed()`). A property test, a loom
//! model and a real client drive the same code.
//!
//! Go has no breaker in its standard library; `github.com/sony/gobreaker`
//! is the usual one. It counts failures within an interval, and its
//! half-open state admits up to `MaxRequests` calls (1 by default).

use std::time::Duration;

use crate::support::error::ModelError;
use crate::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use crate::sync::{Arc, Mutex, lock};

/// When a breaker opens, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Failures in a row that open a closed breaker (at least 1).
    pub failures_to_open: u32,
    /// How long an open breaker refuses calls before it admits a probe.
    pub cool_down: Duration,
}

impl BreakerConfig {
    /// Checks the configuration: at least one failure to open, and a
    /// cool-down longer than zero.
    pub fn validate(self) -> Result<Self, ModelError> {
        if self.failures_to_open == 0 {
            return Err(ModelError::TooSmall {
                what: "the failures that open the breaker",
                value: 0.0,
                min: 1.0,
            });
        }
        if self.cool_down.is_zero() {
            return Err(ModelError::TooSmall {
                what: "the cool-down (seconds)",
                value: 0.0,
                min: 1e-9,
            });
        }
        Ok(self)
    }
}

/// The three states of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls go through; `failures` counts the failures in a row so far.
    Closed {
        /// Failures in a row, below the threshold.
        failures: u32,
    },
    /// Calls are refused until `since + cool_down`.
    Open {
        /// When it opened.
        since: Duration,
    },
    /// One probe decides; `probe_out` says whether it has been admitted.
    HalfOpen {
        /// Whether a probe is out now.
        probe_out: bool,
    },
}

/// What a ticket lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// An ordinary call through a closed breaker.
    Call,
    /// The one call a half-open breaker lets through.
    Probe,
}

/// Why a call was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Open, and the cool-down has not passed.
    Open,
    /// Half-open, and the probe is already out.
    ProbeOut,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Open => "the circuit breaker is open",
            Refusal::ProbeOut => "the circuit breaker is half-open and its probe is out",
        })
    }
}

impl std::error::Error for Refusal {}

/// What a breaker counted since it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BreakerStats {
    /// Calls and probes admitted.
    pub admitted: u64,
    /// Calls refused.
    pub refused: u64,
    /// Times it went from closed or half-open to open.
    pub opened: u64,
    /// Times a probe succeeded and closed it.
    pub closed: u64,
}

#[derive(Debug)]
struct Inner {
    state: State,
    /// Transitions so far: a ticket's outcome counts only in its epoch.
    epoch: u64,
    stats: BreakerStats,
}

impl Inner {
    fn enter(&mut self, state: State) {
        self.state = state;
        self.epoch += 1;
    }
}

#[derive(Debug)]
struct Shared {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

// ANCHOR: breaker
/// A circuit breaker for one server. Cloning it shares the breaker: every
/// request to that server, on any thread or task, goes through the same one.
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

impl CircuitBreaker {
    /// A closed breaker with `config` (refused if it does not validate).
    pub fn new(config: BreakerConfig) -> Result<Self, ModelError> {
        let config = config.validate()?;
        let inner = Inner {
            state: State::Closed { failures: 0 },
            epoch: 0,
            stats: BreakerStats::default(),
        };
        Ok(CircuitBreaker {
            shared: Arc::new(Shared {
                config,
                inner: Mutex::new(inner),
            }),
        })
    }

    /// Asks to make a call at time `now`. The decision and its effect (an
    /// open breaker turning half-open, a probe marked as out) happen under
    /// one lock, so two callers can never both become the probe.
    pub fn try_call(&self, now: Duration) -> Result<Ticket, Refusal> {
        let mut inner = lock(&self.shared.inner);
        let cool_down = self.shared.config.cool_down;
        let admission = match inner.state {
            State::Closed { .. } => Ok(Admission::Call),
            // Not `now >= since + cool_down`: the sum can be past what a
            // Duration holds (a cool-down of Duration::MAX: open for good).
            State::Open { since } if now.saturating_sub(since) >= cool_down => {
                inner.enter(State::HalfOpen { probe_out: true });
                Ok(Admission::Probe)
            }
            State::Open { .. } => Err(Refusal::Open),
            State::HalfOpen { probe_out: false } => {
                inner.state = State::HalfOpen { probe_out: true };
                Ok(Admission::Probe)
            }
            State::HalfOpen { probe_out: true } => Err(Refusal::ProbeOut),
        };
        match admission {
            Ok(admission) => {
                inner.stats.admitted += 1;
                Ok(Ticket {
                    breaker: self.clone(),
                    admission,
                    epoch: inner.epoch,
                    reported: false,
                })
            }
            Err(refusal) => {
                inner.stats.refused += 1;
                Err(refusal)
            }
        }
    }

    /// Records the outcome of the call `ticket` admitted.
    fn report(&self, ticket: &Ticket, ok: Option<bool>, now: Duration) {
        let mut inner = lock(&self.shared.inner);
        if ticket.epoch != inner.epoch {
            return; // admitted before the last transition: a late answer
        }
        match (ticket.admission, inner.state, ok) {
            (Admission::Call, State::Closed { .. }, Some(true)) => {
                inner.state = State::Closed { failures: 0 };
            }
            (Admission::Call, State::Closed { failures }, Some(false)) => {
                let failures = failures + 1;
                if failures >= self.shared.config.failures_to_open {
                    inner.enter(State::Open { since: now });
                    inner.stats.opened += 1;
                } else {
                    inner.state = State::Closed { failures };
                }
            }
            (Admission::Probe, State::HalfOpen { .. }, Some(true)) => {
                inner.enter(State::Closed { failures: 0 });
                inner.stats.closed += 1;
            }
            (Admission::Probe, State::HalfOpen { .. }, Some(false)) => {
                inner.enter(State::Open { since: now });
                inner.stats.opened += 1;
            }
            (Admission::Probe, State::HalfOpen { .. }, None) => {
                // Dropped without an outcome: the next call probes instead.
                inner.state = State::HalfOpen { probe_out: false };
            }
            _ => {} // a dropped call, or a state the epoch rules out
        }
    }
}
// ANCHOR_END: breaker

impl CircuitBreaker {
    /// The state now (an open breaker stays `Open` until a call finds its
    /// cool-down over).
    pub fn state(&self) -> State {
        lock(&self.shared.inner).state
    }

    /// What it counted so far.
    pub fn stats(&self) -> BreakerStats {
        lock(&self.shared.inner).stats
    }

    /// Its configuration.
    pub fn config(&self) -> BreakerConfig {
        self.shared.config
    }
}

// ANCHOR: ticket
/// The right to make one call. Report how it went with
/// [`success`](Ticket::success) or [`failure`](Ticket::failure); a ticket
/// dropped without either (its caller panicked, or it was cancelled) is
/// not counted as a failure, and a dropped probe lets the next call probe.
#[derive(Debug)]
#[must_use = "a call's outcome must be reported on its ticket"]
pub struct Ticket {
    breaker: CircuitBreaker,
    admission: Admission,
    epoch: u64,
    reported: bool,
}

impl Ticket {
    /// Whether this is an ordinary call or the half-open probe.
    pub fn admission(&self) -> Admission {
        self.admission
    }

    /// The call succeeded at `now`.
    pub fn success(mut self, now: Duration) {
        self.reported = true;
        self.breaker.report(&self, Some(true), now);
    }

    /// The call failed at `now` (an error or a timeout that says the server
    /// is unwell; not a refusal by the caller's own deadline).
    pub fn failure(mut self, now: Duration) {
        self.reported = true;
        self.breaker.report(&self, Some(false), now);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.reported {
            // No clock here; an outcome of None never uses it.
            self.breaker.report(self, None, Duration::ZERO);
        }
    }
}
// ANCHOR_END: ticket

// ANCHOR: racy
/// The bug: a half-open check and the probe's mark as two steps.
///
/// The state lives in atomics, and a caller that finds the breaker
/// half-open with no probe out *then* marks the probe as out. Two callers
/// can both find "no probe out" before either marks it, and both go
/// through: the struggling server gets two probes, or, with many callers,
/// a burst. Each atomic operation is atomic; the pair is not. Go's
/// `if b.state.Load() == halfOpen && !b.probe.Load() { b.probe.Store(true) }`
/// has the same hole, and the race detector stays silent because no access
/// is unsynchronised.
#[derive(Debug, Clone)]
pub struct RacyBreaker {
    shared: Arc<RacyShared>,
}

#[derive(Debug)]
struct RacyShared {
    state: AtomicU8,
    probe_out: AtomicBool,
}

/// The one state [`RacyBreaker`] needs: half-open, where the race is.
const RACY_HALF_OPEN: u8 = 2;

impl RacyBreaker {
    /// A breaker already half-open, with no probe out: the moment the bug
    /// needs.
    pub fn half_open() -> Self {
        RacyBreaker {
            shared: Arc::new(RacyShared {
                state: AtomicU8::new(RACY_HALF_OPEN),
                probe_out: AtomicBool::new(false),
            }),
        }
    }

    /// Whether a call may go through as the probe.
    pub fn try_probe(&self) -> bool {
        let s = &self.shared;
        if s.state.load(Ordering::SeqCst) == RACY_HALF_OPEN
            && !s.probe_out.load(Ordering::SeqCst)
        {
            s.probe_out.store(true, Ordering::SeqCst); // too late: another may be here
            return true;
        }
        false
    }
}
// ANCHOR_END: racy

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn breaker(failures_to_open: u32, cool_down_ms: u64) -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            failures_to_open,
            cool_down: ms(cool_down_ms),
        })
        .unwrap()
    }

    #[test]
    fn it_opens_after_the_threshold_of_failures_in_a_row() {
        let b = breaker(3, 100);
        b.try_call(ms(0)).unwrap().failure(ms(1));
        b.try_call(ms(1)).unwrap().failure(ms(2));
        assert_eq!(b.state(), State::Closed { failures: 2 });
        b.try_call(ms(2)).unwrap().success(ms(3)); // a success resets the run
        b.try_call(ms(3)).unwrap().failure(ms(4));
        b.try_call(ms(4)).unwrap().failure(ms(5));
        assert_eq!(b.state(), State::Closed { failures: 2 });
        b.try_call(ms(5)).unwrap().failure(ms(6));
        assert_eq!(b.state(), State::Open { since: ms(6) });
        assert_eq!(b.try_call(ms(7)).unwrap_err(), Refusal::Open);
        assert_eq!(b.try_call(ms(105)).unwrap_err(), Refusal::Open);
        let stats = b.stats();
        assert_eq!((stats.admitted, stats.refused, stats.opened), (6, 2, 1));
    }

    #[test]
    fn after_the_cool_down_one_probe_decides() {
        let b = breaker(1, 100);
        b.try_call(ms(0)).unwrap().failure(ms(10));
        let probe = b.try_call(ms(110)).unwrap();
        assert_eq!(probe.admission(), Admission::Probe);
        assert_eq!(b.state(), State::HalfOpen { probe_out: true });
        assert_eq!(b.try_call(ms(111)).unwrap_err(), Refusal::ProbeOut);
        probe.failure(ms(120));
        assert_eq!(b.state(), State::Open { since: ms(120) });
        assert!(b.try_call(ms(219)).is_err());
        let probe = b.try_call(ms(220)).unwrap();
        probe.success(ms(221));
        assert_eq!(b.state(), State::Closed { failures: 0 });
        assert_eq!(b.try_call(ms(222)).unwrap().admission(), Admission::Call);
        assert_eq!((b.stats().opened, b.stats().closed), (2, 1));
    }

    #[test]
    fn late_answers_from_before_a_transition_are_ignored() {
        let b = breaker(1, 100);
        let early = b.try_call(ms(0)).unwrap();
        let late = b.try_call(ms(0)).unwrap();
        early.failure(ms(1)); // opens it
        late.failure(ms(50)); // would reopen it with a later `since`
        assert_eq!(b.state(), State::Open { since: ms(1) });
        assert!(
            b.try_call(ms(100)).is_err(),
            "the cool-down runs from the first failure"
        );
        assert!(b.try_call(ms(101)).is_ok());
    }

    #[test]
    fn a_late_success_does_not_close_a_half_open_breaker() {
        let b = breaker(2, 100);
        let slow = b.try_call(ms(0)).unwrap();
        b.try_call(ms(0)).unwrap().failure(ms(1));
        b.try_call(ms(1)).unwrap().failure(ms(2)); // open
        let probe = b.try_call(ms(102)).unwrap();
        slow.success(ms(103)); // from the closed epoch: ignored
        assert_eq!(b.state(), State::HalfOpen { probe_out: true });
        probe.failure(ms(104));
        assert_eq!(b.state(), State::Open { since: ms(104) });
    }

    #[test]
    fn a_dropped_probe_lets_the_next_call_probe() {
        let b = breaker(1, 100);
        b.try_call(ms(0)).unwrap().failure(ms(0));
        let probe = b.try_call(ms(100)).unwrap();
        drop(probe); // its caller panicked, or it was cancelled
        assert_eq!(b.state(), State::HalfOpen { probe_out: false });
        let next = b.try_call(ms(101)).unwrap();
        assert_eq!(next.admission(), Admission::Probe);
        assert!(b.try_call(ms(101)).is_err());
        next.success(ms(102));
        assert_eq!(b.state(), State::Closed { failures: 0 });
    }

    #[test]
    fn a_dropped_call_is_not_a_failure() {
        let b = breaker(1, 100);
        drop(b.try_call(ms(0)).unwrap());
        assert_eq!(b.state(), State::Closed { failures: 0 });
    }

    #[test]
    fn a_probe_whose_caller_panics_does_not_wedge_the_breaker() {
        let b = breaker(1, 100);
        b.try_call(ms(0)).unwrap().failure(ms(0));
        let b2 = b.clone();
        let joined = std::thread::spawn(move || {
            let _probe = b2.try_call(ms(100)).unwrap();
            panic!("the caller fails while its probe is out");
        })
        .join();
        assert!(joined.is_err());
        assert_eq!(b.try_call(ms(101)).unwrap().admission(), Admission::Probe);
    }

    #[test]
    fn a_cool_down_too_long_to_add_to_the_time_keeps_it_open() {
        let b = CircuitBreaker::new(BreakerConfig {
            failures_to_open: 1,
            cool_down: Duration::MAX,
        })
        .unwrap();
        b.try_call(ms(0)).unwrap().failure(ms(5));
        assert_eq!(b.try_call(Duration::MAX).unwrap_err(), Refusal::Open);
    }

    #[test]
    fn bad_configurations_are_refused() {
        let zero = BreakerConfig {
            failures_to_open: 0,
            cool_down: ms(1),
        };
        assert!(CircuitBreaker::new(zero).is_err());
        let instant = BreakerConfig {
            failures_to_open: 1,
            cool_down: Duration::ZERO,
        };
        let err = CircuitBreaker::new(instant).unwrap_err().to_string();
        assert!(err.contains("cool-down"), "{err}");
    }

    #[test]
    fn the_racy_breaker_admits_one_probe_when_callers_take_turns() {
        let b = RacyBreaker::half_open();
        assert!(b.try_probe());
        assert!(!b.try_probe());
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(Refusal::Open.to_string(), "the circuit breaker is open");
        assert_eq!(
            Refusal::ProbeOut.to_string(),
            "the circuit breaker is half-open and its probe is out"
        );
    }
}
