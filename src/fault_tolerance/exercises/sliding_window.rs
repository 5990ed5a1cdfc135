//! Exercise: a circuit breaker over a sliding window (chapter 4.3).
//!
//! The library's breaker (`crate::fault_tolerance::breaker`) opens after a
//! number of failures in a row. This one opens on the failure rate of the
//! latest calls, as resilience4j's count-based sliding window does: among
//! the last `window` calls, once at least `min_calls` have ended, a failure
//! rate at or above `threshold` opens it. Then, as the library's, it
//! refuses calls for `cool_down` and lets one probe decide.
//!
//! The configuration, the ticket, recording an outcome and the state are
//! written. Write the four parts they call: `try_call`, the admission;
//! `push`, the window; `failure_rate`; and `should_open`. Replace their
//! `todo!`s until
//! `cargo test --test exercises_fault_tolerance -- --ignored starter`
//! passes. Keep your code between the `solve_*` anchors: outside them this
//! file must stay the same as the reference solution,
//! `solutions/sliding_window.rs`.

// ANCHOR: exercise
use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::Duration;

pub use crate::fault_tolerance::breaker::{Admission, Refusal};
use crate::support::error::ModelError;

// ANCHOR: config
/// When a [`WindowBreaker`] opens, and for how long.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowConfig {
    /// How many of the latest calls the failure rate is taken over (at
    /// least 1).
    pub window: usize,
    /// How many calls the window must hold before the rate counts (at
    /// least 1, at most `window`).
    pub min_calls: usize,
    /// The failure rate that opens the breaker, in (0, 1].
    pub threshold: f64,
    /// How long an open breaker refuses calls before it admits a probe.
    pub cool_down: Duration,
}
// ANCHOR_END: config

impl WindowConfig {
    /// Checks the configuration.
    ///
    /// # Errors
    /// [`ModelError`] if `window` or `min_calls` is 0, `min_calls` is above
    /// `window`, `threshold` is NaN, infinite or outside (0, 1], or
    /// `cool_down` is zero.
    pub fn validate(self) -> Result<Self, ModelError> {
        if self.window == 0 {
            return Err(ModelError::TooSmall {
                what: "the window (calls)",
                value: 0.0,
                min: 1.0,
            });
        }
        if self.min_calls == 0 {
            return Err(ModelError::TooSmall {
                what: "the minimum of calls",
                value: 0.0,
                min: 1.0,
            });
        }
        if self.min_calls > self.window {
            return Err(ModelError::Inconsistent {
                why: format!(
                    "min_calls is {}, above the window of {} calls: \
                     the rate would never count",
                    self.min_calls, self.window
                ),
            });
        }
        let threshold = self.threshold;
        if !threshold.is_finite() {
            return Err(ModelError::NotFinite {
                what: "the failure threshold",
                value: threshold,
            });
        }
        if threshold <= 0.0 {
            return Err(ModelError::TooSmall {
                what: "the failure threshold",
                value: threshold,
                min: f64::MIN_POSITIVE,
            });
        }
        if threshold > 1.0 {
            return Err(ModelError::TooLarge {
                what: "the failure threshold",
                value: threshold,
                max: 1.0,
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

/// The three states of the diagram, as [`WindowBreaker::state`] reports
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Calls go through, and their outcomes fill the window.
    Closed,
    /// Calls are refused until `since + cool_down`.
    Open {
        /// When it opened.
        since: Duration,
    },
    /// One probe decides; `probe_out` says whether one is out now.
    HalfOpen {
        /// Whether a probe's ticket is held now.
        probe_out: bool,
    },
}

/// Where the breaker is, with what each state needs.
#[derive(Debug)]
enum Phase {
    Closed,
    Open {
        since: Duration,
    },
    /// The probe's ticket holds the only strong reference: once that
    /// ticket is gone, recorded or dropped, `probe` no longer upgrades.
    HalfOpen {
        probe: Weak<()>,
    },
}

// ANCHOR: ticket
/// The right to make one call. Give it back with
/// [`WindowBreaker::success`] or [`WindowBreaker::failure`]. A probe's
/// ticket dropped without either (its caller panicked, or gave up) frees
/// the probe's place: the next call probes.
#[derive(Debug)]
#[must_use = "a call's outcome must be recorded with its ticket"]
pub struct Ticket {
    admission: Admission,
    /// The transitions before this call was admitted: its outcome counts
    /// only if there has been none since.
    epoch: u64,
    /// Held by a probe only (see [`Phase::HalfOpen`]).
    _probe: Option<Arc<()>>,
}

impl Ticket {
    /// Whether this is an ordinary call or the half-open probe.
    pub fn admission(&self) -> Admission {
        self.admission
    }
}
// ANCHOR_END: ticket

// ANCHOR: breaker
/// A circuit breaker that opens on the failure rate of the latest calls,
/// as resilience4j's count-based sliding window does: among the last
/// `window` calls, once at least `min_calls` of them have ended, a failure
/// rate at or above `threshold` opens it. After `cool_down` one probe
/// decides, as in [`crate::fault_tolerance::breaker`]: a success closes it
/// with an empty window, a failure opens it again.
///
/// Its methods take `&mut self`: a service that shares one between
/// threads puts it behind a `Mutex`. A ticket may be dropped on any thread.
#[derive(Debug)]
pub struct WindowBreaker {
    config: WindowConfig,
    phase: Phase,
    /// Transitions so far (closed, open, half-open and back).
    epoch: u64,
    /// The outcomes of the latest calls, oldest first: `true` is a failure.
    /// Never longer than `config.window`.
    outcomes: VecDeque<bool>,
    /// How many of `outcomes` are failures.
    failures: usize,
}
// ANCHOR_END: breaker

impl WindowBreaker {
    /// A closed breaker with an empty window.
    ///
    /// # Errors
    /// The [`ModelError`] of [`WindowConfig::validate`].
    pub fn new(config: WindowConfig) -> Result<Self, ModelError> {
        Ok(WindowBreaker {
            config: config.validate()?,
            phase: Phase::Closed,
            epoch: 0,
            // Not `with_capacity(window)`: a huge window costs nothing
            // until calls fill it.
            outcomes: VecDeque::new(),
            failures: 0,
        })
    }

    /// Its configuration.
    pub fn config(&self) -> WindowConfig {
        self.config
    }

    /// The state now (an open breaker stays `Open` until a call finds its
    /// cool-down over).
    pub fn state(&self) -> State {
        match &self.phase {
            Phase::Closed => State::Closed,
            Phase::Open { since } => State::Open { since: *since },
            Phase::HalfOpen { probe } => State::HalfOpen {
                probe_out: probe.strong_count() > 0,
            },
        }
    }

    /// How many calls the window holds now.
    pub fn calls_in_window(&self) -> usize {
        self.outcomes.len()
    }

    /// How many of them failed.
    pub fn failures_in_window(&self) -> usize {
        self.failures
    }

    fn enter(&mut self, phase: Phase) {
        self.phase = phase;
        self.epoch += 1;
    }

    fn ticket(&self, admission: Admission, probe: Option<Arc<()>>) -> Ticket {
        Ticket {
            admission,
            epoch: self.epoch,
            _probe: probe,
        }
    }

    /// Makes the probe of a half-open breaker: its ticket holds the strong
    /// reference whose weak twin the state keeps.
    fn probe(&mut self) -> Ticket {
        let alive = Arc::new(());
        self.phase = Phase::HalfOpen {
            probe: Arc::downgrade(&alive),
        };
        self.ticket(Admission::Probe, Some(alive))
    }

    // ANCHOR: try_call
    /// Asks to make a call at `now`. Closed: an ordinary call. Open: refused
    /// until `cool_down` has passed since it opened; the first call after
    /// that turns it half-open (a transition) and is the probe. Half-open:
    /// refused while the probe's ticket is held, else this call is the
    /// probe. `self.probe()` makes a probe's ticket and `self.ticket()`
    /// any other; `self.enter(..)` counts a transition.
    pub fn try_call(&mut self, now: Duration) -> Result<Ticket, Refusal> {
        // ANCHOR: solve_try_call
        todo!("admit a call, the probe, or refuse, by the state")
        // ANCHOR_END: solve_try_call
    }
    // ANCHOR_END: try_call

    /// The call `ticket` admitted succeeded at `now`.
    pub fn success(&mut self, ticket: Ticket, now: Duration) {
        self.record(ticket, false, now);
    }

    /// The call `ticket` admitted failed at `now`.
    pub fn failure(&mut self, ticket: Ticket, now: Duration) {
        self.record(ticket, true, now);
    }

    // ANCHOR: record
    fn record(&mut self, ticket: Ticket, failed: bool, now: Duration) {
        if ticket.epoch != self.epoch {
            return; // admitted before the last transition: a late answer
        }
        match (ticket.admission, &self.phase) {
            (Admission::Call, Phase::Closed) => {
                self.push(failed);
                if self.should_open() {
                    self.enter(Phase::Open { since: now });
                }
            }
            (Admission::Probe, Phase::HalfOpen { .. }) if failed => {
                self.enter(Phase::Open { since: now });
            }
            (Admission::Probe, Phase::HalfOpen { .. }) => {
                // Closed again: the window starts empty.
                self.outcomes.clear();
                self.failures = 0;
                self.enter(Phase::Closed);
            }
            _ => {} // a state the epoch rules out
        }
    }
    // ANCHOR_END: record

    // ANCHOR: push
    /// Adds one call's outcome to the window (`true` for a failure). The
    /// window then holds the latest `window` outcomes at most, oldest
    /// first, and `failures` counts the failures among them.
    fn push(&mut self, failed: bool) {
        // ANCHOR: solve_push
        todo!("add the outcome and keep only the latest `window`")
        // ANCHOR_END: solve_push
    }
    // ANCHOR_END: push

    // ANCHOR: rate
    /// The failure rate over the window, `failures as f64 / calls as f64`,
    /// or `None` while the window holds fewer than `min_calls` calls.
    pub fn failure_rate(&self) -> Option<f64> {
        // ANCHOR: solve_rate
        todo!("failures / calls, or None below min_calls")
        // ANCHOR_END: solve_rate
    }

    /// Whether the window says to open: a failure rate that counts, at or
    /// above the threshold.
    fn should_open(&self) -> bool {
        // ANCHOR: solve_should_open
        todo!("a rate that counts, at or above the threshold")
        // ANCHOR_END: solve_should_open
    }
    // ANCHOR_END: rate
}
// ANCHOR_END: exercise
