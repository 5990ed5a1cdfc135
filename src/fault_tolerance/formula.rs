//! Section 3.3: the source's "fault-tolerance rate" R = 1 − P_f, and the
//! models engineers use instead.
//!
//! [`source_r`] is the article's formula as written. It is the reliability
//! of *one* component: the chance that it does not fail. Nothing in it
//! tolerates a fault. Tolerance comes from redundancy (several parts, of
//! which enough must work) and from what the client does about a failure
//! (retry it, within a budget). The rest of this module is those models:
//!
//! - [`series`] and [`parallel`]: availability of parts that must *all*
//!   work, ∏ aᵢ, and of parts of which *one* must work, 1 − ∏ (1 − aᵢ)
//!   (the series and parallel blocks of reliability engineering's block
//!   diagrams).
//! - [`k_of_n`]: n identical parts of which at least k must work, the
//!   binomial tail Σ_{i=k}^{n} C(n, i) aⁱ (1 − a)ⁿ⁻ⁱ, summed in log space so
//!   that n = 1000 neither overflows nor underflows.
//! - [`steady_state_availability`]: A = MTTF / (MTTF + MTTR).
//! - [`nines`], [`availability_of_nines`], [`downtime`] and
//!   [`availability_of_downtime`]: the "number of nines" and the downtime
//!   it allows in a year or a month.
//! - [`retry_success`] and [`expected_attempts`]: r retries against
//!   independent failures of probability p.
//! - [`retry_amplification`]: L layers that each retry r times send up to
//!   (r + 1)^L attempts to the bottom layer (the Google SRE book, chapter
//!   22, "Addressing Cascading Failures", makes this point with three
//!   layers of four attempts: 64 attempts on the database for one action).
//! - [`throttle_threshold`]: the failure rate above which gRPC's retry
//!   throttling (gRFC A6, "gRPC Retry Design") stops retries, t / (1 + t)
//!   for a token ratio t.
//!
//! Every model here assumes that failures are **independent**.
//! [`crate::fault_tolerance::shared_fate`] shows what a shared cause (one
//! rack, one bad deploy) does to them.

use crate::support::error::{ModelError, at_least, fraction, positive};
use std::time::Duration;

// ANCHOR: source_r
/// The source article's formula, as written: R = 1 − P_f, its
/// "fault-tolerance rate", for a failure probability `p_f`.
///
/// It is the reliability of a single component: the probability that it
/// does not fail. Refused: a `p_f` that is not a probability (below 0,
/// above 1, NaN or infinite), for which 1 − P_f would be a number that
/// means nothing.
pub fn source_r(p_f: f64) -> Result<f64, ModelError> {
    let p_f = fraction("the failure probability P_f", p_f)?;
    Ok(1.0 - p_f)
}
// ANCHOR_END: source_r

/// Checks a list of availabilities: not empty, each in [0, 1].
fn availabilities(parts: &[f64]) -> Result<&[f64], ModelError> {
    if parts.is_empty() {
        return Err(ModelError::Empty {
            what: "the list of availabilities",
        });
    }
    for &a in parts {
        fraction("a part's availability", a)?;
    }
    Ok(parts)
}

// ANCHOR: series_parallel
/// The availability of parts that must **all** work (a request passes
/// through each of them): ∏ aᵢ. Never more than its worst part.
pub fn series(parts: &[f64]) -> Result<f64, ModelError> {
    Ok(availabilities(parts)?.iter().product())
}

/// The availability of redundant parts of which **one** must work
/// (replicas, any of which can answer): 1 − ∏ (1 − aᵢ). Never less than its
/// best part.
pub fn parallel(parts: &[f64]) -> Result<f64, ModelError> {
    let parts = availabilities(parts)?;
    let all_down: f64 = parts.iter().map(|a| 1.0 - a).product();
    // 1 − (1 − a) can round to one ulp below a; the exact value is never
    // below the best part, so neither is the answer.
    let best = parts.iter().copied().fold(0.0, f64::max);
    Ok((1.0 - all_down).max(best))
}
// ANCHOR_END: series_parallel

/// The most parts [`k_of_n`] sums over; its cost is linear in `n`.
pub const MAX_PARTS: u64 = 1_000_000;

// ANCHOR: k_of_n
/// The availability of `n` identical, independent parts, each up with
/// probability `a`, of which at least `k` must be up (a quorum of 3 out of
/// 5, say): Σ_{i=k}^{n} C(n, i) aⁱ (1 − a)ⁿ⁻ⁱ.
///
/// `k = 1` is [`parallel`] and `k = n` is [`series`], for identical parts.
/// Refused: `n = 0` or above [`MAX_PARTS`], `k = 0` (a system that needs
/// no part at all is a mistake, not a design), `k > n`, and an `a` outside
/// [0, 1].
///
/// Each term is computed as its logarithm, ln C(n, i) + i ln a +
/// (n − i) ln(1 − a), and the terms are added with the largest factored
/// out, so nothing overflows (C(1000, 500) is about 10^299) and nothing
/// underflows to a 0 that should not be.
pub fn k_of_n(k: u64, n: u64, a: f64) -> Result<f64, ModelError> {
    let a = fraction("a part's availability", a)?;
    if n == 0 || n > MAX_PARTS {
        let what = "the number of parts n";
        return Err(if n == 0 {
            ModelError::TooSmall {
                what,
                value: 0.0,
                min: 1.0,
            }
        } else {
            let max = MAX_PARTS as f64;
            ModelError::TooLarge {
                what,
                value: n as f64,
                max,
            }
        });
    }
    if k == 0 || k > n {
        let what = "the number of parts k that must be up";
        return Err(if k == 0 {
            ModelError::TooSmall {
                what,
                value: 0.0,
                min: 1.0,
            }
        } else {
            ModelError::TooLarge {
                what,
                value: k as f64,
                max: n as f64,
            }
        });
    }
    if a == 0.0 || a == 1.0 {
        return Ok(a); // every part down, or every part up
    }
    let (ln_up, ln_down) = (a.ln(), (-a).ln_1p());
    // ln C(n, k), built up from C(n, 0) = 1.
    let ln_choose_k: f64 = (0..k)
        .map(|i| ((n - i) as f64).ln() - ((i + 1) as f64).ln())
        .sum();
    // Running log-sum-exp: the sum is exp(top) · scaled.
    let (mut top, mut scaled) = (f64::NEG_INFINITY, 0.0_f64);
    let mut ln_choose = ln_choose_k;
    for i in k..=n {
        let term = ln_choose + i as f64 * ln_up + (n - i) as f64 * ln_down;
        if term > top {
            scaled = scaled * (top - term).exp() + 1.0;
            top = term;
        } else {
            scaled += (term - top).exp();
        }
        if i < n {
            ln_choose += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
    }
    Ok((top.exp() * scaled).clamp(0.0, 1.0))
}
// ANCHOR_END: k_of_n

// ANCHOR: mttf
/// The long-run fraction of time a repairable part is up: A = MTTF /
/// (MTTF + MTTR), for its mean time to failure and mean time to repair,
/// in the same unit.
///
/// Refused: an MTTF that is not positive (a part that fails at once is
/// never up), and an MTTR that is negative; both must be finite. An MTTR
/// of 0 (instant repair) gives 1. Computed as 1 / (1 + MTTR / MTTF), so
/// two huge times do not overflow their sum.
pub fn steady_state_availability(mttf: f64, mttr: f64) -> Result<f64, ModelError> {
    let mttf = positive("the mean time to failure MTTF", mttf)?;
    let mttr = at_least("the mean time to repair MTTR", mttr, 0.0)?;
    Ok(1.0 / (1.0 + mttr / mttf))
}
// ANCHOR_END: mttf

/// A year for downtime budgets: 365.25 days (the Julian year).
pub const YEAR: Duration = Duration::from_secs(36_525 * 864);

/// A month for downtime budgets: a twelfth of [`YEAR`], 30.4375 days.
pub const MONTH: Duration = Duration::from_secs(36_525 * 72);

/// The most nines [`availability_of_nines`] accepts: beyond 15, 1 − 10⁻ⁿ
/// is within a few units in the last place of 1.0 and an `f64` cannot
/// tell the availabilities apart.
pub const MAX_NINES: f64 = 15.0;

// ANCHOR: nines
/// The "number of nines" of an availability: −log₁₀(1 − a), so 0.999 has
/// 3 and 0.9995 has about 3.3.
///
/// Refused: an `a` outside [0, 1], and `a = 1`, which has infinitely many.
pub fn nines(a: f64) -> Result<f64, ModelError> {
    let a = fraction("the availability", a)?;
    if a == 1.0 {
        return Err(ModelError::Inconsistent {
            why: "an availability of exactly 1 has infinitely many nines".into(),
        });
    }
    // 1 − a is in (0, 1], so the logarithm is ≤ 0; abs() turns −0 into 0.
    Ok((1.0 - a).log10().abs())
}

/// The availability with `n` nines: 1 − 10⁻ⁿ, for `n` from 0 to
/// [`MAX_NINES`] (fractional nines allowed: 3.5 is 0.999 68…).
pub fn availability_of_nines(n: f64) -> Result<f64, ModelError> {
    let n = at_least("the number of nines", n, 0.0)?;
    if n > MAX_NINES {
        return Err(ModelError::TooLarge {
            what: "the number of nines",
            value: n,
            max: MAX_NINES,
        });
    }
    // 1 − 10^(−n) = −expm1(−n ln 10), without cancellation for small n.
    Ok(-(-n * std::f64::consts::LN_10).exp_m1())
}

/// The downtime availability `a` allows in `period` (a [`YEAR`], a
/// [`MONTH`]): (1 − a) · period, to the nanosecond.
pub fn downtime(a: f64, period: Duration) -> Result<Duration, ModelError> {
    let a = fraction("the availability", a)?;
    Ok(period.mul_f64(1.0 - a))
}

/// The availability that allows `down` of downtime in `period`:
/// 1 − down / period. Refused: a zero period, and more downtime than the
/// period holds.
pub fn availability_of_downtime(
    down: Duration,
    period: Duration,
) -> Result<f64, ModelError> {
    positive("the period (seconds)", period.as_secs_f64())?;
    if down > period {
        return Err(ModelError::Inconsistent {
            why: format!("a downtime of {down:?} does not fit in a period of {period:?}"),
        });
    }
    Ok(1.0 - down.as_secs_f64() / period.as_secs_f64())
}
// ANCHOR_END: nines

// ANCHOR: retries
/// The probability that a call succeeds within `retries` retries (so
/// `retries + 1` attempts) when each attempt fails independently with
/// probability `p`: 1 − p^(r+1).
///
/// Computed as −expm1((r + 1) ln p), which keeps its digits when p is
/// close to 1 (Go's `1 - math.Pow(p, r+1)` loses some). Refused: a `p`
/// outside [0, 1].
pub fn retry_success(p: f64, retries: u32) -> Result<f64, ModelError> {
    let p = fraction("the failure probability p", p)?;
    let attempts = f64::from(retries) + 1.0;
    // 0 − x rather than −x, so that p = 1 gives 0 and not −0.
    Ok(0.0 - (attempts * p.ln()).exp_m1())
}

/// The expected number of attempts a client makes, stopping at the first
/// success or after `retries + 1` attempts: Σ_{i=0}^{r} pⁱ =
/// (1 − p^(r+1)) / (1 − p), and r + 1 in the limit p = 1 (every attempt
/// fails, so every attempt is made).
///
/// Never more than r + 1: a rounding error that would push it over is
/// clamped. Refused: a `p` outside [0, 1].
pub fn expected_attempts(p: f64, retries: u32) -> Result<f64, ModelError> {
    let success = retry_success(p, retries)?;
    let attempts = f64::from(retries) + 1.0;
    if p == 1.0 {
        return Ok(attempts);
    }
    Ok((success / (1.0 - p)).min(attempts))
}

/// The attempts that reach the bottom of `layers` layers of calls when
/// every layer makes up to `retries + 1` attempts of each call it gets and
/// the bottom keeps failing: (r + 1)^L.
///
/// Refused: no layers, and a count that does not fit in a `u64` (an error,
/// not a saturated value: a number that large is a configuration to fix).
pub fn retry_amplification(retries: u32, layers: u32) -> Result<u64, ModelError> {
    if layers == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of layers L",
            value: 0.0,
            min: 1.0,
        });
    }
    let per_layer = u64::from(retries) + 1;
    per_layer
        .checked_pow(layers)
        .ok_or_else(|| ModelError::Inconsistent {
            why: format!("{per_layer}^{layers} attempts do not fit in a u64"),
        })
}
// ANCHOR_END: retries

// ANCHOR: throttle
/// The fraction of failing calls above which gRPC's retry throttling stops
/// retries, for a token ratio `t`: t / (1 + t).
///
/// The throttle (gRFC A6, "gRPC Retry Design") keeps a token count that
/// starts at `max_tokens`, loses 1 on every failed call, gains `t` on every
/// success (never more than `max_tokens`), and allows retries only while
/// it is above `max_tokens / 2`. If a fraction f of calls fail, the count
/// drifts by t (1 − f) − f per call: upward, so it stays near the top,
/// while f < t / (1 + t), and downward, until retries stop, above it. The
/// threshold does not depend on `max_tokens`; `max_tokens` sets how many
/// calls it takes to get there. Refused: a `t` that is not positive.
pub fn throttle_threshold(token_ratio: f64) -> Result<f64, ModelError> {
    let t = positive("the token ratio", token_ratio)?;
    Ok(t / (1.0 + t))
}
// ANCHOR_END: throttle

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_formula_and_its_refusals() {
        assert_eq!(source_r(0.25), Ok(0.75));
        let err = source_r(1.5).unwrap_err().to_string();
        assert_eq!(
            err,
            "the failure probability P_f is 1.5; it must be at most 1"
        );
        assert!(source_r(f64::NAN).is_err());
    }

    #[test]
    fn three_replicas_at_99_percent() {
        let a = parallel(&[0.99; 3]).unwrap();
        assert!((a - 0.999_999).abs() < 1e-12, "{a}");
        assert!((k_of_n(1, 3, 0.99).unwrap() - a).abs() < 1e-12);
        assert!((k_of_n(2, 3, 0.99).unwrap() - 0.999_702).abs() < 1e-12);
    }

    #[test]
    fn a_thousand_parts_neither_overflow_nor_underflow() {
        // Majority of 1000 fair coins: just under a half (exactly 1/2 minus
        // half the central term C(1000, 500) / 2^1000 ≈ 0.0252).
        let half = k_of_n(501, 1000, 0.5).unwrap();
        assert!(
            (half - (0.5 - 0.025_225_018_178_360_1 / 2.0)).abs() < 1e-12,
            "{half}"
        );
        assert!(k_of_n(1000, 1000, 0.5).unwrap() > 0.0); // 2^-1000, not 0
    }

    #[test]
    fn downtime_budgets() {
        assert_eq!(YEAR.as_secs(), 31_557_600);
        assert_eq!(MONTH * 12, YEAR);
        let d = downtime(0.999, YEAR).unwrap();
        assert!((d.as_secs_f64() - 31_557.6).abs() < 1e-3, "{d:?}");
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(nines(0.0), Ok(0.0));
        assert!(nines(1.0).is_err());
    }

    #[test]
    fn retries_and_their_limit() {
        assert_eq!(expected_attempts(1.0, 3), Ok(4.0));
        assert_eq!(expected_attempts(0.0, 3), Ok(1.0));
        assert_eq!(retry_success(1.0, 3), Ok(0.0));
        assert_eq!(retry_amplification(3, 3), Ok(64));
        assert!(retry_amplification(u32::MAX, 3).is_err());
        assert!((throttle_threshold(0.1).unwrap() - 1.0 / 11.0).abs() < 1e-15);
    }
}
