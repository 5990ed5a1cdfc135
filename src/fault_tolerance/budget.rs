//! Section 4.3: a retry budget, as gRPC throttles retries.
//!
//! Retries help against a failure that is rare and independent, and hurt
//! when the server is failing because it is overloaded: every retry is
//! more load on the thing that is already falling over. A budget lets a
//! client retry while failures are rare and stops it when they are not.
//!
//! This one is the token bucket of gRPC's retry throttling (gRFC A6,
//! "gRPC Retry Design"): a client holds `max_tokens` tokens to start with;
//! every failed call takes one away (never below zero) and every success
//! gives `token_ratio` back (never above `max_tokens`); a retry is allowed
//! only while more than half the tokens are left. If a fraction `f` of
//! calls fail, the tokens drift by `(1 − f)·t − f` a call, so retries stay
//! allowed while `f < t / (1 + t)` and stop above it:
//! [`crate::fault_tolerance::formula`] computes that threshold, and
//! `tests/prop_fault_tolerance.rs` holds this bucket to it.
//!
//! The count lives in one atomic, in thousandths of a token (gRPC allows
//! three decimal places in `token_ratio`), changed by a compare-and-swap
//! loop so that concurrent successes and failures are never lost.
//! [`RacyBudget`] changes it by a load and a store, and the loom model in
//! `loom/tests/fault_tolerance.rs` shows the update it loses.
//!
//! tower's `retry::budget::TpsBudget` is another design (a deposit per
//! request, a withdrawal per retry, over a sliding window); section 4.3 runs
//! it beside this one.

use crate::support::error::{ModelError, positive};
use crate::sync::Arc;
use crate::sync::atomic::{AtomicU64, Ordering};

/// Thousandths of a token per token.
const MILLI: u64 = 1000;

/// The most tokens gRPC allows a client (its service config caps
/// `maxTokens` at 1000).
pub const MAX_TOKENS: u32 = 1000;

// ANCHOR: budget
/// A retry budget shared by every request of one client (clone it: the
/// clones share the tokens).
#[derive(Debug, Clone)]
pub struct RetryBudget {
    tokens: Arc<AtomicU64>, // thousandths
    max: u64,               // thousandths
    ratio: u64,             // thousandths given back per success
}

impl RetryBudget {
    /// A full budget of `max_tokens` (1 to 1000) that gives back
    /// `token_ratio` tokens per success (above 0, at most `max_tokens`,
    /// rounded to thousandths as gRPC does).
    pub fn new(max_tokens: u32, token_ratio: f64) -> Result<Self, ModelError> {
        if !(1..=MAX_TOKENS).contains(&max_tokens) {
            return Err(ModelError::Inconsistent {
                why: format!(
                    "max_tokens is {max_tokens}; it must be between 1 and {MAX_TOKENS}"
                ),
            });
        }
        let ratio = positive("the token ratio", token_ratio)?;
        let ratio = (ratio * MILLI as f64).round();
        if ratio < 1.0 || ratio > f64::from(max_tokens) * MILLI as f64 {
            return Err(ModelError::Inconsistent {
                why: format!(
                    "the token ratio {token_ratio} must be between 0.001 and max_tokens ({max_tokens})"
                ),
            });
        }
        let max = u64::from(max_tokens) * MILLI;
        Ok(RetryBudget {
            tokens: Arc::new(AtomicU64::new(max)),
            max,
            ratio: ratio as u64,
        })
    }

    /// A call succeeded: give back `token_ratio`, up to the maximum.
    pub fn on_success(&self) {
        let (max, ratio) = (self.max, self.ratio);
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some((t + ratio).min(max))
            });
    }

    /// A call failed: take one token away, down to zero.
    pub fn on_failure(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(t.saturating_sub(MILLI))
            });
    }

    /// Whether a failed call may be retried now: more than half the tokens
    /// are left.
    pub fn can_retry(&self) -> bool {
        self.tokens.load(Ordering::Acquire) * 2 > self.max
    }
}
// ANCHOR_END: budget

impl RetryBudget {
    /// The tokens left now.
    pub fn tokens(&self) -> f64 {
        self.tokens.load(Ordering::Acquire) as f64 / MILLI as f64
    }

    /// The tokens left now, in thousandths (exact).
    pub fn milli_tokens(&self) -> u64 {
        self.tokens.load(Ordering::Acquire)
    }

    /// The budget's maximum, in tokens.
    pub fn max_tokens(&self) -> f64 {
        self.max as f64 / MILLI as f64
    }
}

// ANCHOR: racy
/// The bug: the same bucket changed by a load and then a store.
///
/// A success and a failure at the same moment both read 6000, one stores
/// 6100 and the other 5000: one of the two updates is gone. Lost failures
/// keep retries allowed in an outage the budget should have stopped; lost
/// successes stop them when the service is fine. It is Go's
/// `b.tokens.Store(b.tokens.Load() - 1000)`: every call atomic, the pair not.
#[derive(Debug, Clone)]
pub struct RacyBudget {
    tokens: Arc<AtomicU64>,
    max: u64,
    ratio: u64,
}

impl RacyBudget {
    /// The same full bucket as [`RetryBudget::new`], without its checks.
    pub fn new(max_tokens: u32, ratio_milli: u64) -> Self {
        let max = u64::from(max_tokens) * MILLI;
        RacyBudget {
            tokens: Arc::new(AtomicU64::new(max)),
            max,
            ratio: ratio_milli,
        }
    }

    /// A success, by load and store.
    pub fn on_success(&self) {
        let t = self.tokens.load(Ordering::Acquire);
        self.tokens
            .store((t + self.ratio).min(self.max), Ordering::Release);
    }

    /// A failure, by load and store.
    pub fn on_failure(&self) {
        let t = self.tokens.load(Ordering::Acquire);
        self.tokens
            .store(t.saturating_sub(MILLI), Ordering::Release);
    }

    /// The tokens left now, in thousandths.
    pub fn milli_tokens(&self) -> u64 {
        self.tokens.load(Ordering::Acquire)
    }
}
// ANCHOR_END: racy

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn failures_drain_it_below_half_and_successes_refill_it() {
        let b = RetryBudget::new(10, 0.1).unwrap();
        assert!(b.can_retry());
        for _ in 0..5 {
            b.on_failure();
        }
        assert_eq!(b.milli_tokens(), 5000);
        assert!(!b.can_retry(), "exactly half left: throttled");
        b.on_success();
        assert_eq!(b.milli_tokens(), 5100);
        assert!(b.can_retry());
        for _ in 0..100 {
            b.on_success();
        }
        assert_eq!(b.tokens(), 10.0, "never above the maximum");
        for _ in 0..20 {
            b.on_failure();
        }
        assert_eq!(b.tokens(), 0.0, "never below zero");
        assert_eq!(b.max_tokens(), 10.0);
    }

    #[test]
    fn clones_share_the_tokens() {
        let a = RetryBudget::new(4, 1.0).unwrap();
        let b = a.clone();
        b.on_failure();
        b.on_failure();
        assert!(!a.can_retry());
        a.on_success();
        assert!(b.can_retry());
    }

    #[test]
    fn bad_budgets_are_refused() {
        for (max, ratio) in [
            (0, 0.1),
            (1001, 0.1),
            (10, 0.0),
            (10, -1.0),
            (10, f64::NAN),
            (10, f64::INFINITY),
            (10, 0.0001),
            (10, 10.5),
        ] {
            assert!(RetryBudget::new(max, ratio).is_err(), "{max} {ratio}");
        }
        assert!(RetryBudget::new(1000, 1000.0).is_ok());
        assert!(RetryBudget::new(1, 0.001).is_ok());
    }

    #[test]
    fn the_racy_budget_counts_right_when_calls_take_turns() {
        let b = RacyBudget::new(10, 100);
        b.on_failure();
        b.on_success();
        assert_eq!(b.milli_tokens(), 9100);
    }
}
