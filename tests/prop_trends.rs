//! Property tests for the trends page: the fan-out tail formula and its
//! inverse (src/trends/tail_latency.rs), and the backoff policy
//! (src/trends/backoff.rs).
//!
//! The fan-out formula is checked against an independent computation (the
//! product of per-backend "fast" probabilities, summed in exact steps) as
//! well as against its own laws, and every bad input must give a named
//! error, never a panic or a NaN. The backoff ceilings are checked exactly,
//! on both sides of the cap, and the jitter's draws against the uniform
//! distribution the retry page's arithmetic assumes.

use cookbook::support::error::ModelError;
use cookbook::trends::backoff::Backoff;
use cookbook::trends::tail_latency::{fanout_slow_probability, per_backend_budget};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::time::Duration;

#[path = "support/prop.rs"]
mod prop_support;
use prop_support::any_value;

proptest! {
    #[test]
    fn fanout_is_a_probability_or_a_named_error(p in any_value(), n in 0u64..=u64::MAX) {
        match fanout_slow_probability(p, n) {
            Ok(v) => {
                prop_assert!((0.0..=1.0).contains(&v), "p={p} n={n} gave {v}");
                prop_assert!((0.0..=1.0).contains(&p) && n >= 1);
            }
            Err(e) => {
                let named = matches!(
                    e,
                    ModelError::NotFinite { .. } | ModelError::TooSmall { .. } | ModelError::TooLarge { .. }
                );
                prop_assert!(named, "{e:?}");
                prop_assert!(!(0.0..=1.0).contains(&p) || p.is_nan() || n == 0);
            }
        }
    }

    #[test]
    fn fanout_matches_repeated_multiplication(p in 0.0f64..=1.0, n in 1u64..200) {
        let mut all_fast = 1.0;
        for _ in 0..n {
            all_fast *= 1.0 - p;
        }
        let got = fanout_slow_probability(p, n).unwrap();
        prop_assert!((got - (1.0 - all_fast)).abs() < 1e-9, "p={p} n={n}: {got} vs {}", 1.0 - all_fast);
    }

    #[test]
    fn more_backends_never_make_the_tail_rarer(p in 0.0f64..=1.0, n in 1u64..10_000, extra in 1u64..10_000) {
        let few = fanout_slow_probability(p, n).unwrap();
        let many = fanout_slow_probability(p, n + extra).unwrap();
        prop_assert!(many >= few, "n={n}: {few}, n={}: {many}", n + extra);
        // ...and never make it rarer than a single backend's.
        prop_assert!(few >= p - 1e-12);
    }

    #[test]
    fn one_backend_is_itself(p in 0.0f64..=1.0) {
        let got = fanout_slow_probability(p, 1).unwrap();
        prop_assert!((got - p).abs() <= 1e-15, "{p} -> {got}");
    }

    // ANCHOR: budget_inverts
    #[test]
    fn the_budget_inverts_the_fanout(target in 0.0f64..0.999, n in 1u64..100_000) {
        let each = per_backend_budget(target, n).unwrap();
        prop_assert!(
            (0.0..=target + 1e-15).contains(&each),
            "each {each} > target {target}"
        );
        let back = fanout_slow_probability(each, n).unwrap();
        prop_assert!((back - target).abs() < 1e-9, "target {target}, n {n}: back {back}");
    }
    // ANCHOR_END: budget_inverts

    #[test]
    fn the_budget_rejects_bad_input(t in any_value(), n in 0u64..3) {
        let bad = !(0.0..=1.0).contains(&t) || t.is_nan() || n == 0;
        prop_assert_eq!(per_backend_budget(t, n).is_err(), bad);
    }

    /// The cap is reached after `doublings` doublings (0 to 30), and the
    /// attempts run from 0 to 40, so both the growing and the capped branch
    /// run in most cases; each ceiling must be exactly min(cap, base · 2^k).
    #[test]
    fn backoff_ceilings_grow_then_hold_at_the_cap(
        base_ns in 1u64..2_000_000_000,
        doublings in 0u32..30,
        extra in 0.0f64..1.0,
        attempts in prop::collection::vec(0u32..40, 1..8),
    ) {
        let base = u128::from(base_ns);
        // A cap from base · 2^doublings up to just under twice that.
        let low = base << doublings;
        let cap = low + (extra * low as f64) as u128 % low;
        let to_duration = |ns: u128| Duration::from_nanos(u64::try_from(ns).unwrap());
        let b = Backoff::new(to_duration(base), to_duration(cap)).unwrap();
        for k in attempts {
            let expected = to_duration(cap.min(base << k));
            prop_assert_eq!(b.ceiling(k), expected, "attempt {}", k);
        }
        // Far past the cap, it holds.
        prop_assert_eq!(b.ceiling(u32::MAX), to_duration(cap));
    }

    #[test]
    fn jitter_never_exceeds_its_ceiling(
        base_ms in 1u64..1_000,
        cap_factor in 1u32..100,
        attempt in 0u32..64,
        seed in any::<u64>(),
    ) {
        let base = Duration::from_millis(base_ms);
        let b = Backoff::new(base, base * cap_factor).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        for _ in 0..20 {
            prop_assert!(b.full_jitter(attempt, &mut rng) <= b.ceiling(attempt));
        }
    }

    #[test]
    fn bad_policies_are_refused_not_panicked(base_ns in 0u64..1_000, cap_ns in 0u64..1_000) {
        let result = Backoff::new(Duration::from_nanos(base_ns), Duration::from_nanos(cap_ns));
        prop_assert_eq!(result.is_err(), base_ns == 0 || cap_ns < base_ns);
    }
}

/// Mean, variance, least and greatest of `draws` jittered waits after
/// `attempt`, in nanoseconds.
fn jitter_stats(b: &Backoff, attempt: u32, draws: usize, seed: u64) -> [f64; 4] {
    let mut rng = StdRng::seed_from_u64(seed);
    let waits: Vec<f64> = (0..draws)
        .map(|_| b.full_jitter(attempt, &mut rng).as_nanos() as f64)
        .collect();
    let n = draws as f64;
    let mean = waits.iter().sum::<f64>() / n;
    let variance = waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let least = waits.iter().copied().fold(f64::INFINITY, f64::min);
    let greatest = waits.iter().copied().fold(0.0, f64::max);
    [mean, variance, least, greatest]
}

// ANCHOR: jitter_uniform
/// Full jitter is uniform on [0, ceiling]: over 20,000 seeded draws the
/// mean is ceiling/2 and the variance that of a uniform, each within 6
/// standard errors (a correct uniform misses by more with probability
/// about 2e-9), and the least and greatest draws come within 0.1% of 0 and
/// of the ceiling (missed with probability about e^-20, also 2e-9). A
/// jitter that always waits 0, the whole ceiling, or half of it fails.
#[test]
fn jitter_is_uniform_up_to_its_ceiling() {
    const DRAWS: usize = 20_000;
    let policies = [
        // The retry page's policy, 100 ms doubling to a 2 s cap.
        (Duration::from_millis(100), Duration::from_secs(2)),
        // Ceilings of a few nanoseconds, where the draws are whole numbers.
        (Duration::from_nanos(1), Duration::from_nanos(7)),
    ];
    for (seed, (base, cap)) in policies.into_iter().enumerate() {
        let b = Backoff::new(base, cap).unwrap();
        for attempt in 0..6 {
            let c = b.ceiling(attempt).as_nanos() as f64;
            // The draws are the whole numbers 0..=c, each as likely.
            let (mean, variance) = (c / 2.0, c * (c + 2.0) / 12.0);
            // The spread of a sample mean and of a sample variance (for
            // a uniform, the fourth central moment is about 9/5 variance²).
            let se_mean = (variance / DRAWS as f64).sqrt();
            let se_variance = variance * (0.8 / DRAWS as f64).sqrt();
            let seed = 1000 * seed as u64 + u64::from(attempt);
            let [m, v, least, greatest] = jitter_stats(&b, attempt, DRAWS, seed);
            let at = format!("ceiling {c} ns");
            assert!(
                (m - mean).abs() <= 6.0 * se_mean,
                "{at}: mean {m}, want {mean}"
            );
            assert!(
                (v - variance).abs() <= 6.0 * se_variance,
                "{at}: variance {v}, want {variance}"
            );
            assert!(least <= c / 1000.0, "{at}: least draw {least}");
            assert!(
                greatest >= c - c / 1000.0 && greatest <= c,
                "{at}: greatest {greatest}"
            );
        }
    }
}
// ANCHOR_END: jitter_uniform

#[test]
fn huge_caps_do_not_overflow_the_jitter() {
    let b = Backoff::new(Duration::from_secs(1), Duration::MAX).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    assert_eq!(b.ceiling(200), Duration::MAX);
    let _ = b.full_jitter(200, &mut rng); // must not panic
}
