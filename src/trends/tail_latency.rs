//! Section 7: how fanning a request out to many backends amplifies the tail.
//!
//! A request that waits for `n` backends is as slow as the slowest of them.
//! If each backend is slow (above its own p99, say) with probability `p`,
//! independently, the whole request is slow with probability
//! 1 − (1 − p)^n. The argument is the one in J. Dean and L. A. Barroso,
//! "The Tail at Scale", Communications of the ACM 56(2), 2013.
//!
//! [`fanout_slow_probability`] computes that figure, and
//! [`per_backend_budget`] inverts it: how rarely each backend may be slow
//! for the fanned-out request to meet a target.

use crate::support::error::{ModelError, fraction};

/// Rejects a fan-out of zero backends: a request waits for at least one.
fn fan_out(n: u64) -> Result<f64, ModelError> {
    if n == 0 {
        return Err(ModelError::TooSmall {
            what: "the fan-out n",
            value: 0.0,
            min: 1.0,
        });
    }
    // u64 to f64 rounds above 2^53; the probabilities below do not care.
    Ok(n as f64)
}

// ANCHOR: fanout
/// The probability that a request waiting for `n` independent backends is
/// slow, when each backend is slow with probability `p_slow`:
/// 1 − (1 − p_slow)^n.
///
/// Computed as −expm1(n · ln(1 − p_slow)), which keeps its precision when
/// `p_slow` is tiny. The naive 1 − (1 − p_slow)^n loses it: for 1e-12 and
/// n = 1 it gives 9.99978e-13, wrong in the fifth digit, and below about
/// 5.6e-17 (2^-54, half the gap between 1 and the double just below it)
/// 1 − p_slow rounds to 1 and the naive answer to 0.
/// Rejected: `p_slow` outside [0, 1] or not finite, and `n` = 0.
pub fn fanout_slow_probability(p_slow: f64, n: u64) -> Result<f64, ModelError> {
    let p = fraction("p_slow", p_slow)?;
    let n = fan_out(n)?;
    // ln_1p(-1) is -inf, and -expm1(-inf) is exactly 1: p = 1 needs no case.
    let all_fast = n * (-p).ln_1p();
    Ok((-all_fast.exp_m1()).clamp(0.0, 1.0))
}

/// How rarely each of `n` backends may be slow so that the fanned-out
/// request is slow with probability at most `target`: 1 − (1 − target)^(1/n).
///
/// With `target` = 0.01 (a p99 for the whole request) and `n` = 100, each
/// backend must be slow less than about once in ten thousand calls: its
/// p99.99 must meet the budget that the request's p99 has to meet.
pub fn per_backend_budget(target: f64, n: u64) -> Result<f64, ModelError> {
    let t = fraction("the target slow probability", target)?;
    let n = fan_out(n)?;
    Ok((-((-t).ln_1p() / n).exp_m1()).clamp(0.0, 1.0))
}
// ANCHOR_END: fanout

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_probabilities_keep_their_digits() {
        let naive = |p: f64, n: i32| 1.0 - (1.0 - p).powi(n);
        // The doc comment's figures: the naive form is off in the fifth
        // digit at 1e-12, and gives 0 below 2^-54 (about 5.6e-17).
        let off = naive(1e-12, 1);
        assert!((off - 9.99978e-13).abs() < 1e-18, "{off:e}");
        let half_gap = 2f64.powi(-54);
        assert_eq!(naive(half_gap * 0.99, 1), 0.0);
        assert_ne!(naive(half_gap * 1.01, 1), 0.0);
        for p in [1e-12, 1e-16, 5e-17, 1e-300] {
            let ours = fanout_slow_probability(p, 1).unwrap();
            assert!((ours - p).abs() <= p * 1e-15, "{p:e}: {ours:e}");
        }
    }

    #[test]
    fn one_backend_is_its_own_tail() {
        // Not bit-exact: Rust does not promise the last bit of `ln_1p` and
        // `exp_m1`, and miri deliberately varies it.
        let p = fanout_slow_probability(0.01, 1).unwrap();
        assert!((p - 0.01).abs() < 1e-15, "{p}");
    }

    #[test]
    fn a_hundred_backends_make_the_p99_common() {
        let p = fanout_slow_probability(0.01, 100).unwrap();
        assert!((p - 0.633_967_658_726_770_3).abs() < 1e-12, "{p}");
    }

    #[test]
    fn the_budget_inverts_the_amplification() {
        let each = per_backend_budget(0.01, 100).unwrap();
        assert!(each < 0.0002 && each > 0.0001, "{each}");
        let back = fanout_slow_probability(each, 100).unwrap();
        assert!((back - 0.01).abs() < 1e-12, "{back}");
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(
            fanout_slow_probability(0.5, 0),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            fanout_slow_probability(f64::NAN, 3),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            per_backend_budget(1.5, 3),
            Err(ModelError::TooLarge { .. })
        ));
    }
}
