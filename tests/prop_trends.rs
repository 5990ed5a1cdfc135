//! Property tests for the trends page: the fan-out tail formula and its
//! inverse (src/trends/tail_latency.rs), and the backoff policy
//! (src/trends/backoff.rs).
//!
//! The fan-out formula is checked against an independent computation (the
//! product of per-backend "fast" probabilities, summed in exact steps) as
//! well as against its own laws, and every bad input must give a named
//! error, never a panic or a NaN.

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

    #[test]
    fn backoff_ceilings_grow_then_hold_at_the_cap(
        base_ms in 1u64..1_000,
        cap_factor in 1u64..1_000,
        attempt in 0u32..=u32::MAX,
    ) {
        let base = Duration::from_millis(base_ms);
        let cap = base * cap_factor as u32;
        let b = Backoff::new(base, cap).unwrap();
        let c = b.ceiling(attempt);
        prop_assert!(c <= cap && c >= base);
        prop_assert!(b.ceiling(attempt.saturating_add(1)) >= c);
        if attempt < 20 {
            let doubled = base * (1u32 << attempt);
            prop_assert_eq!(c, doubled.min(cap));
        }
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

#[test]
fn huge_caps_do_not_overflow_the_jitter() {
    let b = Backoff::new(Duration::from_secs(1), Duration::MAX).unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    assert_eq!(b.ceiling(200), Duration::MAX);
    let _ = b.full_jitter(200, &mut rng); // must not panic
}
