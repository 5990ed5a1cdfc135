//! Property tests for section 3.3: the source's R = 1 − P_f, the
//! availability and retry models, the shared-fate model and the contention
//! simulation.
//!
//! Each model is checked against something computed another way: k of n
//! against every up/down pattern of n parts and against the series and
//! parallel formulas; the retry formulas against their sums and products
//! written out; the throttle's threshold against a token bucket stepped
//! call by call (and against the crate's own `RetryBudget`); the
//! shared-fate closed form against its Monte Carlo run. The contention
//! tests assert only the orderings that held for every seed tried, with
//! the margins stated beside them. Every function is also fed the awkward
//! values of `any_value` (NaN, infinities, signed zeros, values just past
//! 1) and must answer with a number in range or a named error.

use cookbook::fault_tolerance::budget::RetryBudget;
use cookbook::fault_tolerance::contention::Strategy as Wait;
use cookbook::fault_tolerance::contention::{Contest, STRATEGIES, compare, run};
use cookbook::fault_tolerance::formula::{
    MAX_NINES, MONTH, YEAR, availability_of_downtime, availability_of_nines, downtime,
    expected_attempts, k_of_n, nines, parallel, retry_amplification, retry_success,
    series, source_r, steady_state_availability, throttle_threshold,
};
use cookbook::fault_tolerance::shared_fate::{SharedFate, simulate};
use cookbook::support::error::ModelError;
use cookbook::trends::backoff::Backoff;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

#[path = "support/prop.rs"]
mod prop_support;
use prop_support::any_value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig::with_cases(cases)
}

/// A probability, with the ends made likely.
fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(1.0),
        Just(0.5),
        0.0..=1.0_f64,
        0.9..=1.0_f64
    ]
}

/// Whether `x` is a probability, as the models must judge it.
fn is_probability(x: f64) -> bool {
    (0.0..=1.0).contains(&x)
}

/// The error a model must give for a value that should lie in [0, 1].
fn refused_as_fraction(result: Result<impl std::fmt::Debug, ModelError>, x: f64) -> bool {
    match result {
        Err(ModelError::NotFinite { .. }) => !x.is_finite(),
        Err(ModelError::TooSmall { .. }) => x.is_finite() && x < 0.0,
        Err(ModelError::TooLarge { .. }) => x.is_finite() && x > 1.0,
        _ => false,
    }
}

/// k of n by brute force: the probability of every up/down pattern of the
/// n parts, summed over the patterns with at least k parts up.
fn k_of_n_by_enumeration(k: u32, n: u32, a: f64) -> f64 {
    (0u32..1 << n)
        .filter(|mask| mask.count_ones() >= k)
        .map(|mask| {
            (0..n)
                .map(|i| if mask >> i & 1 == 1 { a } else { 1.0 - a })
                .product::<f64>()
        })
        .sum()
}

proptest! {
    #![proptest_config(config(256))]

    // ---- the source's formula ------------------------------------------

    #[test]
    fn source_r_is_one_minus_p_or_a_named_error(p in any_value()) {
        match source_r(p) {
            Ok(r) => {
                prop_assert!(is_probability(p), "accepted {p}");
                prop_assert!(is_probability(r));
                prop_assert!((r + p - 1.0).abs() <= f64::EPSILON, "{p} -> {r}");
            }
            Err(e) => prop_assert!(refused_as_fraction(Err::<(), _>(e), p), "{p}"),
        }
    }

    // ---- series and parallel -------------------------------------------

    #[test]
    fn parallel_beats_its_best_part_and_series_trails_its_worst(
        parts in prop::collection::vec(probability(), 1..8),
    ) {
        let best = parts.iter().copied().fold(0.0, f64::max);
        let worst = parts.iter().copied().fold(1.0, f64::min);
        let (s, p) = (series(&parts).unwrap(), parallel(&parts).unwrap());
        prop_assert!(p >= best, "parallel {p} < best part {best} of {parts:?}");
        prop_assert!(s <= worst, "series {s} > worst part {worst} of {parts:?}");
        prop_assert!(is_probability(s) && is_probability(p));
    }

    #[test]
    fn another_part_never_helps_a_series_nor_hurts_a_parallel(
        parts in prop::collection::vec(probability(), 1..8),
        extra in probability(),
    ) {
        let mut more = parts.clone();
        more.push(extra);
        prop_assert!(series(&more).unwrap() <= series(&parts).unwrap());
        prop_assert!(parallel(&more).unwrap() >= parallel(&parts).unwrap());
    }

    #[test]
    fn series_and_parallel_refuse_a_bad_part(
        parts in prop::collection::vec(probability(), 0..5),
        bad in any_value(),
        at in any::<prop::sample::Index>(),
    ) {
        let mut parts = parts;
        parts.insert(at.index(parts.len() + 1), bad);
        for result in [series(&parts), parallel(&parts)] {
            if is_probability(bad) {
                prop_assert!(result.is_ok());
            } else {
                prop_assert!(refused_as_fraction(result, bad), "{parts:?}");
            }
        }
    }

    // ---- k of n --------------------------------------------------------

    #[test]
    fn k_of_n_matches_every_up_down_pattern(n in 1u32..=12, k in 1u32..=12, a in probability()) {
        let k = k.min(n);
        let formula = k_of_n(u64::from(k), u64::from(n), a).unwrap();
        let brute = k_of_n_by_enumeration(k, n, a);
        prop_assert!((formula - brute).abs() < 1e-12, "{k} of {n} at {a}: {formula} vs {brute}");
    }

    #[test]
    fn k_of_n_is_series_at_n_and_parallel_at_1(n in 1u64..=300, a in probability()) {
        let parts = vec![a; n as usize];
        let tolerance = 1e-13 * n as f64;
        let (all, one) = (k_of_n(n, n, a).unwrap(), k_of_n(1, n, a).unwrap());
        let (s, p) = (series(&parts).unwrap(), parallel(&parts).unwrap());
        prop_assert!((all - s).abs() <= tolerance * s + 1e-300, "{n} of {n}: {all} vs {s}");
        prop_assert!((one - p).abs() <= tolerance, "1 of {n}: {one} vs {p}");
    }

    #[test]
    fn k_of_n_falls_as_k_rises(n in 1u64..=1000, a in probability(), k in 1u64..=1000) {
        let k = k.min(n);
        let here = k_of_n(k, n, a).unwrap();
        prop_assert!(is_probability(here));
        if k < n {
            let next = k_of_n(k + 1, n, a).unwrap();
            // Equal within rounding when the dropped term is negligible.
            prop_assert!(next <= here * (1.0 + 1e-12) + 1e-300, "{k}: {here}, {}: {next}", k + 1);
        }
    }

    #[test]
    fn k_of_n_refuses_bad_counts_and_availabilities(k in 0u64..=5, n in 0u64..=4, a in any_value()) {
        let result = k_of_n(k, n, a);
        let fine = is_probability(a) && n >= 1 && (1..=n).contains(&k);
        prop_assert_eq!(result.is_ok(), fine, "{} of {} at {}: {:?}", k, n, a, result);
        if let Ok(v) = result {
            prop_assert!(is_probability(v));
        }
    }

    // ---- repair and nines ----------------------------------------------

    #[test]
    fn availability_rises_with_mttf_and_falls_with_mttr(
        mttf in 1e-6..1e9_f64, more in 0.0..1e9_f64, mttr in 0.0..1e6_f64, longer in 0.0..1e6_f64,
    ) {
        let a = steady_state_availability(mttf, mttr).unwrap();
        prop_assert!(is_probability(a));
        prop_assert!((a - mttf / (mttf + mttr)).abs() < 1e-12);
        prop_assert!(steady_state_availability(mttf + more, mttr).unwrap() >= a);
        prop_assert!(steady_state_availability(mttf, mttr + longer).unwrap() <= a);
    }

    #[test]
    fn mttf_and_mttr_refuse_bad_times(mttf in any_value(), mttr in any_value()) {
        let result = steady_state_availability(mttf, mttr);
        let fine = mttf.is_finite() && mttf > 0.0 && mttr.is_finite() && mttr >= 0.0;
        prop_assert_eq!(result.is_ok(), fine, "{} {}: {:?}", mttf, mttr, result);
        if let Ok(a) = result {
            prop_assert!(is_probability(a));
        }
    }

    #[test]
    fn nines_round_trip(n in 0.0..=MAX_NINES) {
        let a = availability_of_nines(n).unwrap();
        prop_assert!(is_probability(a));
        let back = nines(a).unwrap();
        // 1 − a carries an absolute error of half an ulp of 1, which is a
        // relative error of about 1e-16 · 10ⁿ in 1 − a.
        let tolerance = 1e-12 + 1e-16 * 10f64.powf(n);
        prop_assert!((back - n).abs() <= tolerance, "{n} -> {a} -> {back}");
    }

    #[test]
    fn downtime_round_trips_and_falls_with_availability(a in probability(), b in probability()) {
        for period in [YEAR, MONTH] {
            let down = downtime(a, period).unwrap();
            prop_assert!(down <= period);
            let back = availability_of_downtime(down, period).unwrap();
            prop_assert!((back - a).abs() < 1e-12, "{a} -> {down:?} -> {back}");
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(downtime(hi, period).unwrap() <= downtime(lo, period).unwrap());
        }
    }

    #[test]
    fn nines_refuse_what_has_none(a in any_value(), n in any_value()) {
        match nines(a) {
            Ok(v) => prop_assert!(is_probability(a) && a < 1.0 && v >= 0.0 && v.is_finite()),
            Err(ModelError::Inconsistent { .. }) => prop_assert_eq!(a, 1.0),
            Err(e) => prop_assert!(refused_as_fraction(Err::<(), _>(e), a)),
        }
        let fine = n.is_finite() && (0.0..=MAX_NINES).contains(&n);
        prop_assert_eq!(availability_of_nines(n).is_ok(), fine, "{}", n);
        prop_assert!(downtime(a, YEAR).is_ok() == is_probability(a));
    }

    // ---- retries -------------------------------------------------------

    #[test]
    fn retries_match_their_sums_and_products(p in probability(), r in 0u32..=200) {
        let success = retry_success(p, r).unwrap();
        let attempts = expected_attempts(p, r).unwrap();
        // Written out: 1 − p·p·…·p (r + 1 times), and 1 + p + … + p^r.
        let all_fail: f64 = (0..=r).map(|_| p).product();
        let sum: f64 = (0..=r).map(|i| p.powi(i as i32)).sum();
        prop_assert!((success - (1.0 - all_fail)).abs() < 1e-13, "{p} {r}: {success}");
        prop_assert!((attempts - sum).abs() <= 1e-12 * sum, "{p} {r}: {attempts} vs {sum}");
        prop_assert!((1.0..=f64::from(r) + 1.0).contains(&attempts));
        prop_assert!(is_probability(success));
    }

    #[test]
    fn another_retry_never_lowers_the_chance_of_success(p in probability(), r in 0u32..=1000) {
        prop_assert!(retry_success(p, r + 1).unwrap() >= retry_success(p, r).unwrap());
        prop_assert!(expected_attempts(p, r + 1).unwrap() >= expected_attempts(p, r).unwrap());
    }

    #[test]
    fn retries_refuse_a_bad_probability(p in any_value(), r in any::<u32>()) {
        if is_probability(p) {
            prop_assert!(is_probability(retry_success(p, r).unwrap()));
            prop_assert!(expected_attempts(p, r).unwrap() >= 1.0);
        } else {
            prop_assert!(refused_as_fraction(retry_success(p, r), p));
            prop_assert!(refused_as_fraction(expected_attempts(p, r), p));
        }
    }

    #[test]
    fn amplification_is_the_product_of_the_layers(r in any::<u32>(), layers in 0u32..=70) {
        // Multiply layer by layer, stopping at the first overflow.
        let per_layer = u64::from(r) + 1;
        let mut product = Some(1u64);
        for _ in 0..layers {
            product = product.and_then(|p| p.checked_mul(per_layer));
        }
        match retry_amplification(r, layers) {
            Ok(n) => prop_assert_eq!(Some(n), product.filter(|_| layers > 0)),
            Err(ModelError::TooSmall { .. }) => prop_assert_eq!(layers, 0),
            Err(ModelError::Inconsistent { .. }) => prop_assert!(product.is_none()),
            Err(e) => prop_assert!(false, "unexpected {e:?}"),
        }
    }

    #[test]
    fn the_throttle_threshold_refuses_bad_ratios(t in any_value()) {
        match throttle_threshold(t) {
            Ok(f) => prop_assert!(t.is_finite() && t > 0.0 && f > 0.0 && f <= 1.0),
            Err(_) => prop_assert!(!(t.is_finite() && t > 0.0)),
        }
    }
}

// ---- the throttle against a token bucket, call by call ------------------

/// gRFC A6's bucket, written out: starts full; a failure takes 1 (not
/// below 0), a success gives `ratio` (not above `max`); retries are allowed
/// while more than `max / 2` are left. Returns the fraction of the last
/// half of `calls` calls, each failing with probability `f`, at which
/// retries were allowed.
fn retries_allowed_late(max: f64, ratio: f64, f: f64, calls: u32, seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tokens = max;
    let mut allowed = 0u32;
    for call in 0..calls {
        if rng.random_bool(f) {
            tokens = (tokens - 1.0).max(0.0);
        } else {
            tokens = (tokens + ratio).min(max);
        }
        if call >= calls / 2 && tokens > max / 2.0 {
            allowed += 1;
        }
    }
    f64::from(allowed) / f64::from(calls - calls / 2)
}

/// The same, through the crate's `RetryBudget` (section 4.3).
fn budget_allows_late(max: u32, ratio: f64, f: f64, calls: u32, seed: u64) -> f64 {
    let budget = RetryBudget::new(max, ratio).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut allowed = 0u32;
    for call in 0..calls {
        if rng.random_bool(f) {
            budget.on_failure();
        } else {
            budget.on_success();
        }
        if call >= calls / 2 && budget.can_retry() {
            allowed += 1;
        }
    }
    f64::from(allowed) / f64::from(calls - calls / 2)
}

proptest! {
    #![proptest_config(config(24))]

    /// At 70 % of the threshold the tokens drift up by 0.3 t a call and
    /// stay near the top; at 130 % they drift down by 0.3 t and retries
    /// stop. With at least 100 tokens, a crossing against the drift needs
    /// 50 tokens of bad luck, which does not happen in these runs; 200 000
    /// calls leave time to drain even 250 tokens at t = 0.05.
    #[test]
    fn retries_stop_just_above_the_threshold(
        ratio_milli in 50u32..=2000,
        max in 100u32..=500,
        seed in any::<u64>(),
    ) {
        let ratio = f64::from(ratio_milli) / 1000.0;
        let threshold = throttle_threshold(ratio).unwrap();
        let calls = 200_000;
        let below = 0.7 * threshold;
        let above = (1.3 * threshold).min(1.0);
        let bucket = |f| retries_allowed_late(f64::from(max), ratio, f, calls, seed);
        prop_assert!(bucket(below) > 0.99, "t {ratio} max {max}: {}", bucket(below));
        prop_assert!(bucket(above) < 0.05, "t {ratio} max {max}: {}", bucket(above));
        let budget = |f| budget_allows_late(max, ratio, f, calls, seed);
        prop_assert!(budget(below) > 0.99 && budget(above) < 0.05);
    }
}

// ---- shared fate -----------------------------------------------------------

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn the_simulation_agrees_with_the_closed_form(
        n in 1u64..=5, k in 1u64..=5, a in 0.5..=1.0_f64, q in 0.0..=0.2_f64, seed in any::<u64>(),
    ) {
        let k = k.min(n);
        let model = SharedFate::new(k, n, a, q).unwrap();
        let sim = simulate(&model, 20_000, seed).unwrap();
        let want = model.correlated().unwrap();
        // Five standard errors of the closed form's own binomial, plus a
        // little for probabilities so close to 0 or 1 that it is 0.
        let se = (want * (1.0 - want) / 20_000.0).sqrt();
        prop_assert!((sim.availability() - want).abs() <= 5.0 * se + 1e-4,
            "{k} of {n}, a {a}, q {q}: simulated {} vs {want}", sim.availability());
        // The shared event happened about q of the time.
        let shared = sim.shared_events as f64 / 20_000.0;
        prop_assert!((shared - q).abs() <= 5.0 * (q * (1.0 - q) / 20_000.0).sqrt() + 1e-4);
    }

    #[test]
    fn no_number_of_replicas_beats_one_minus_q(
        n in 1u64..=1000, a in probability(), q in probability(),
    ) {
        let model = SharedFate::new(1, n, a, q).unwrap();
        let c = model.correlated().unwrap();
        prop_assert!(c <= 1.0 - q && c <= model.independent().unwrap());
    }

    #[test]
    fn shared_fate_refuses_bad_input(q in any_value(), a in any_value(), k in 0u64..=4) {
        let result = SharedFate::new(k, 3, a, q);
        let fine = is_probability(q) && is_probability(a) && (1..=3).contains(&k);
        prop_assert_eq!(result.is_ok(), fine);
    }
}

// ---- contention ------------------------------------------------------------

fn contest(clients: usize) -> Contest {
    let slot = Duration::from_millis(1);
    let backoff = Backoff::new(slot, 1000 * slot).unwrap();
    Contest::new(clients, backoff, slot).unwrap()
}

proptest! {
    #![proptest_config(config(8))]

    /// Without randomness every client that failed together calls again
    /// together, so each round has one winner: n + (n − 1) + … + 1 calls,
    /// whether the clients back off or not.
    #[test]
    fn without_jitter_the_work_is_quadratic(clients in 1usize..=120, seed in any::<u64>()) {
        let c = contest(clients);
        let n = clients as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for s in [Wait::NoBackoff, Wait::Exponential] {
            prop_assert_eq!(run(&c, s, &mut rng).calls, n * (n + 1) / 2);
        }
        prop_assert_eq!(run(&c, Wait::NoBackoff, &mut rng).slots, n);
    }

    /// Margins seen over 40 seeds of 20 runs each: exponential without
    /// jitter made at least 6.7 times the calls of any jittered strategy at
    /// 100 clients and 3.9 times at 50; full jitter beat equal jitter in
    /// calls and in time, and decorrelated jitter beat full jitter in time,
    /// in every one of them.
    #[test]
    fn jitter_cuts_the_work(seed in any::<u64>()) {
        for (clients, times_cheaper) in [(50, 3.0), (100, 5.0)] {
            let rows = compare(&contest(clients), 20, seed).unwrap();
            let row = |s: Wait| rows.iter().find(|r| r.strategy == s).unwrap();
            let exp = row(Wait::Exponential);
            for s in STRATEGIES.into_iter().filter(|s| s.is_jittered()) {
                let r = row(s);
                prop_assert!(exp.calls >= times_cheaper * r.calls, "{clients}: {s} {r:?}");
                prop_assert!(exp.slots > r.slots, "{clients}: {s} {r:?}");
                prop_assert!(row(Wait::NoBackoff).slots <= r.slots);
            }
            let (full, equal) = (row(Wait::FullJitter), row(Wait::EqualJitter));
            prop_assert!(full.calls < equal.calls && full.slots < equal.slots, "{clients}");
            prop_assert!(row(Wait::Decorrelated).slots < full.slots, "{clients}");
        }
    }
}

#[test]
fn empty_zero_and_oversized_inputs_are_refused() {
    let empty = |r: Result<f64, ModelError>| matches!(r, Err(ModelError::Empty { .. }));
    assert!(empty(series(&[])) && empty(parallel(&[])));
    assert!(k_of_n(1, cookbook::fault_tolerance::formula::MAX_PARTS + 1, 0.5).is_err());
    assert!(availability_of_downtime(Duration::ZERO, Duration::ZERO).is_err());
    assert!(availability_of_downtime(YEAR + Duration::from_nanos(1), YEAR).is_err());
    assert_eq!(availability_of_downtime(YEAR, YEAR), Ok(0.0));
    let slot = Duration::from_millis(1);
    let b = Backoff::new(slot, 10 * slot).unwrap();
    assert!(Contest::new(0, b, slot).is_err());
    assert!(Contest::new(5, b, Duration::ZERO).is_err());
    assert!(compare(&contest(3), 0, 1).is_err());
    assert!(simulate(&SharedFate::new(1, 1, 0.5, 0.5).unwrap(), 0, 1).is_err());
}
