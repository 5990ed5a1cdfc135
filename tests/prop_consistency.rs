//! Property tests for section 3.4: the source's C = N / M, majorities,
//! quorum intersection and probabilistically bounded staleness.
//!
//! Each model is checked against something computed another way: the
//! intersection rules (R + W > N, 2W > N, majorities) against every pair
//! of node sets, counted; the closed form p_s against the same count, and
//! k-staleness against every read set and every k-tuple of write sets; the
//! WARS Monte Carlo against the closed form when the write stops at W
//! replicas (within a binomial bound), against its own definition of a
//! fresh read replica by replica, against what must happen as time
//! passes or writes get faster, and against three replicas whose delays
//! are chosen by hand. Every function is also fed the awkward
//! values of `any_value` (NaN, infinities, signed zeros, values just past
//! one) or counts of 0 and past their bounds, and must answer with a
//! value in range or a named error.

use cookbook::consistency::formula::{
    MAX_ENUMERATED, MAX_EXACT, MAX_REPLICAS, Quorum, count_pairs, majority,
    majority_failures_tolerated, source_c,
};
use cookbook::consistency::pbs::{
    Latency, MAX_TRIALS, Propagation, Trial, Wars, k_staleness, simulate,
    stale_probability,
};
use cookbook::support::error::ModelError;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[path = "support/prop.rs"]
mod prop_support;
use prop_support::any_value;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig::with_cases(cases)
}

/// A count, with 0, 1 and the bounds made likely.
fn any_count() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        Just(1),
        Just(MAX_EXACT),
        Just(MAX_EXACT + 1),
        Just(u64::MAX),
        0u64..20,
        any::<u64>(),
    ]
}

/// A valid quorum of up to `max_n` replicas.
fn quorum(max_n: u32) -> impl Strategy<Value = Quorum> {
    (1..=max_n)
        .prop_flat_map(|n| (Just(n), 1..=n, 1..=n))
        .prop_map(|(n, r, w)| Quorum::new(n, r, w).unwrap())
}

/// C(n, k), by Pascal's triangle (no formula shared with the library).
fn choose(n: u32, k: u32) -> u64 {
    let mut row = vec![1u64];
    for _ in 0..n {
        let mut next = vec![1u64; row.len() + 1];
        for i in 1..row.len() {
            next[i] = row[i - 1] + row[i];
        }
        row = next;
    }
    row.get(k as usize).copied().unwrap_or(0)
}

/// The subsets of `n` nodes of size `k`, as bit masks.
fn subsets(n: u32, k: u32) -> Vec<u32> {
    (0u32..1 << n).filter(|m| m.count_ones() == k).collect()
}

/// A bound a binomial estimate of `p` from `trials` trials stays within:
/// five standard errors, plus one trial's worth for p near 0 or 1.
fn binomial_bound(p: f64, trials: u64) -> f64 {
    5.0 * (p * (1.0 - p) / trials as f64).sqrt() + 1.0 / trials as f64
}

/// Exponential WARS rates per ms, from fast to slow.
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![Just(1.0), Just(0.25), 0.05..20.0_f64]
}

proptest! {
    #![proptest_config(config(256))]

    // ---- the source's formula ------------------------------------------

    #[test]
    fn source_c_is_n_over_m_or_a_named_error(n in any_count(), m in any_count()) {
        let result = source_c(n, m);
        let fine = (1..=MAX_EXACT).contains(&n) && (1..=n).contains(&m);
        prop_assert_eq!(result.is_ok(), fine, "{} / {}: {:?}", n, m, result);
        match result {
            Ok(c) => {
                prop_assert!(c >= 1.0 && c.is_finite(), "{n} / {m} = {c}");
                // Correctly rounded: within half an ulp of n / m.
                prop_assert!((c * m as f64 - n as f64).abs() <= c * m as f64 * f64::EPSILON);
            }
            Err(ModelError::TooSmall { value, .. }) => prop_assert_eq!(value, 0.0),
            Err(ModelError::TooLarge { value, max, .. }) => prop_assert!(value > max),
            Err(ModelError::Inconsistent { why }) => {
                // Counts past 2^53 are named exactly, not rounded to an f64.
                let named = why.contains(&n.to_string()) || why.contains(&m.to_string());
                prop_assert!(n.max(m) > MAX_EXACT && named, "{why}");
            }
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
    }

    /// The point of the page: one C, two stores, one of which always reads
    /// the latest write and one of which does not. The counts, not the
    /// rule R + W > N, decide which.
    #[test]
    fn the_same_c_fits_stores_that_do_and_do_not_read_the_latest_write(
        n in 2u32..=6, m in 1u32..=5, k in 2u32..=3,
    ) {
        let m = m.min(n - 1); // a partial configuration exists only if M < N
        let c = source_c(n.into(), m.into()).unwrap();
        // Reads of N − M + 1 replicas always meet a write on M of them...
        let sees = Quorum::new(n, n - m + 1, m).unwrap();
        prop_assert_eq!(count_pairs(&sees).unwrap().disjoint, 0);
        // ...reads of one replica do not,
        let misses = Quorum::new(n, 1, m).unwrap();
        prop_assert!(count_pairs(&misses).unwrap().disjoint > 0);
        // and neither do reads of the same N − M + 1 replicas in a store k
        // times larger, whose C is the same.
        if k * n <= MAX_ENUMERATED {
            let scaled = Quorum::new(k * n, n - m + 1, k * m).unwrap();
            prop_assert_eq!(source_c((k * n).into(), (k * m).into()).unwrap(), c);
            prop_assert!(count_pairs(&scaled).unwrap().disjoint > 0, "{scaled:?}");
        }
    }

    // ---- majorities and intersection -----------------------------------

    #[test]
    fn majorities_are_the_smallest_sets_that_always_meet(n in 1u32..=MAX_ENUMERATED) {
        let m = majority(n).unwrap();
        prop_assert_eq!(count_pairs(&Quorum::new(n, m, m).unwrap()).unwrap().disjoint, 0);
        if m > 1 {
            let smaller = Quorum::new(n, m - 1, m - 1).unwrap();
            prop_assert!(count_pairs(&smaller).unwrap().disjoint > 0, "{n}");
        }
        let f = majority_failures_tolerated(n).unwrap();
        prop_assert!(n - f >= m, "{n} nodes, {f} down, majority {m}");
        prop_assert!(n - f - 1 < m, "{n} nodes could lose {} and keep {m}", f + 1);
    }

    #[test]
    fn every_read_set_meets_every_write_set_exactly_when_r_plus_w_exceeds_n(
        q in quorum(10),
    ) {
        let counted = count_pairs(&q).unwrap();
        let (n, r, w) = (q.n(), q.r(), q.w());
        prop_assert_eq!(counted.pairs, choose(n, r) * choose(n, w));
        prop_assert_eq!(counted.disjoint == 0, q.reads_see_writes(), "{:?}", q);
        let writes = count_pairs(&Quorum::new(n, w, w).unwrap()).unwrap();
        prop_assert_eq!(writes.disjoint == 0, q.writes_meet(), "{:?}", q);
        // Disjoint pairs: a write set, then a read set among the others.
        prop_assert_eq!(counted.disjoint, choose(n, w) * choose(n - w, r));
    }

    #[test]
    fn quorums_and_majorities_refuse_what_cannot_be_configured(
        n in prop_oneof![0u32..8, Just(MAX_REPLICAS), Just(MAX_REPLICAS + 1), Just(u32::MAX)],
        r in prop_oneof![0u32..9, Just(u32::MAX)],
        w in prop_oneof![0u32..9, Just(u32::MAX)],
    ) {
        let fine = (1..=MAX_REPLICAS).contains(&n) && (1..=n).contains(&r) && (1..=n).contains(&w);
        let made = Quorum::new(n, r, w);
        prop_assert_eq!(made.is_ok(), fine, "{} {} {}: {:?}", n, r, w, made);
        prop_assert_eq!(majority(n).is_ok(), (1..=MAX_REPLICAS).contains(&n));
        if let Ok(q) = made {
            prop_assert_eq!(count_pairs(&q).is_ok(), n <= MAX_ENUMERATED);
        }
    }

    // ---- the closed form -----------------------------------------------

    #[test]
    fn the_closed_form_is_the_fraction_of_disjoint_pairs(q in quorum(MAX_ENUMERATED)) {
        let formula = stale_probability(&q);
        let counted = count_pairs(&q).unwrap().disjoint_fraction();
        prop_assert!((formula - counted).abs() < 1e-12, "{q:?}: {formula} vs {counted}");
    }

    #[test]
    fn staleness_falls_as_reads_or_writes_ask_more_replicas(q in quorum(2000)) {
        let p = stale_probability(&q);
        prop_assert!((0.0..=1.0).contains(&p), "{q:?}: {p}");
        let (n, r, w) = (q.n(), q.r(), q.w());
        if r < n {
            let more = stale_probability(&Quorum::new(n, r + 1, w).unwrap());
            prop_assert!(more <= p, "{q:?}: R + 1 gives {more} > {p}");
            prop_assert!(more < p || p == 0.0, "{q:?}: R + 1 does not help");
        }
        if w < n {
            prop_assert!(stale_probability(&Quorum::new(n, r, w + 1).unwrap()) <= p);
        }
    }

    #[test]
    fn k_staleness_counts_every_read_against_k_independent_writes(
        q in quorum(5), k in 1u32..=3,
    ) {
        let (n, r, w) = (q.n(), q.r(), q.w());
        let (reads, writes) = (subsets(n, r), subsets(n, w));
        // Every read set against every k-tuple of write sets: the read
        // returns one of the last k writes if it meets any of their sets.
        let mut hits = 0u64;
        let mut all = 0u64;
        for read in &reads {
            let mut tuple = vec![0usize; k as usize];
            loop {
                all += 1;
                if tuple.iter().any(|&i| writes[i] & read != 0) {
                    hits += 1;
                }
                // Next tuple, like an odometer.
                let mut digit = 0;
                while digit < tuple.len() {
                    tuple[digit] += 1;
                    if tuple[digit] < writes.len() {
                        break;
                    }
                    tuple[digit] = 0;
                    digit += 1;
                }
                if digit == tuple.len() {
                    break;
                }
            }
        }
        let counted = hits as f64 / all as f64;
        let formula = k_staleness(&q, k).unwrap();
        prop_assert!((formula - counted).abs() < 1e-12, "{q:?} k = {k}: {formula} vs {counted}");
    }

    #[test]
    fn k_staleness_rises_with_k(q in quorum(50), k in 1u32..=1000) {
        let here = k_staleness(&q, k).unwrap();
        prop_assert!((0.0..=1.0).contains(&here));
        prop_assert!(k_staleness(&q, k + 1).unwrap() >= here);
        prop_assert!(k_staleness(&q, 0).is_err());
    }
}

proptest! {
    #![proptest_config(config(48))]

    // ---- the WARS Monte Carlo --------------------------------------------

    /// With the write stopped at the W replicas that acknowledged first,
    /// the simulation must find the closed form, at every t.
    #[test]
    fn the_simulation_finds_the_closed_form_when_the_write_stops_at_w(
        q in quorum(7), w_rate in rate(), ars_rate in rate(), seed in any::<u64>(),
        t in 0.0..50.0_f64,
    ) {
        let trials = 4000;
        let model = Wars::exponential(w_rate, ars_rate).unwrap();
        let vis = simulate(&q, &model, Propagation::QuorumOnly, trials, seed).unwrap();
        let expected = 1.0 - stale_probability(&q);
        for at in [0.0, t] {
            let got = vis.fresh_at(at).unwrap().p();
            let bound = binomial_bound(expected, trials);
            prop_assert!((got - expected).abs() <= bound,
                "{q:?} at t = {at}: simulated {got}, closed form {expected} ± {bound}");
        }
    }

    /// When the write reaches every replica, a read right after the commit
    /// is fresh at least as often as the closed form says (the W replicas
    /// have it, and maybe others), always for a strict quorum, and almost
    /// always once every delay has had time to pass.
    #[test]
    fn a_write_that_reaches_all_replicas_is_seen_more_and_more(
        q in quorum(7), w_rate in rate(), ars_rate in rate(), seed in any::<u64>(),
    ) {
        let trials = 4000;
        let model = Wars::exponential(w_rate, ars_rate).unwrap();
        let vis = simulate(&q, &model, Propagation::Everywhere, trials, seed).unwrap();
        let floor = 1.0 - stale_probability(&q);
        let now = vis.fresh_at(0.0).unwrap().p();
        prop_assert!(now >= floor - binomial_bound(floor, trials), "{q:?}: {now} < {floor}");
        if q.reads_see_writes() {
            prop_assert_eq!(now, 1.0);
        }
        // 40 mean write delays: an exponential exceeds that once in e^40.
        let late = vis.fresh_at(40.0 / w_rate).unwrap().p();
        prop_assert_eq!(late, 1.0, "{:?} at {} ms", q, 40.0 / w_rate);
    }

    /// The same seed draws the same uniforms in the same order, and only
    /// the rate of W differs, so every write delay of the fast run is a
    /// quarter of the slow run's (the inverse CDF divides by the rate, and
    /// dividing by a power of two is exact). Each Wᵢ/4 + Aᵢ ≥ (Wᵢ + Aᵢ)/4,
    /// so the fast commit is at least a quarter of the slow one, and a
    /// read fresh with slow writes is fresh with fast ones: exactly, trial
    /// by trial, at every t.
    #[test]
    fn faster_writes_are_seen_sooner(
        q in quorum(7), w_rate in rate(), ars_rate in rate(), seed in any::<u64>(),
        t in prop_oneof![Just(0.0), 0.0..5.0_f64, 0.0..100.0_f64],
        p in 0.0..=1.0_f64,
    ) {
        let trials = 2000;
        let slow = Wars::exponential(w_rate, ars_rate).unwrap();
        let fast = Wars::exponential(4.0 * w_rate, ars_rate).unwrap();
        let slow = simulate(&q, &slow, Propagation::Everywhere, trials, seed).unwrap();
        let fast = simulate(&q, &fast, Propagation::Everywhere, trials, seed).unwrap();
        for at in [0.0, t] {
            let (s, f) = (slow.fresh_at(at).unwrap().fresh, fast.fresh_at(at).unwrap().fresh);
            prop_assert!(f >= s, "{q:?} at {at}: fast {f}, slow {s} of {trials}");
        }
        let (s, f) = (slow.time_to(p).unwrap(), fast.time_to(p).unwrap());
        prop_assert!(f <= s, "{q:?}: {p} of reads fresh at {f:?} fast, {s:?} slow");
    }

    /// The wait a trial needs and its freshness at `t`, computed two ways
    /// from the same replica orders (the least wait over the responders,
    /// and the definition replica by replica), agree.
    #[test]
    fn a_read_is_fresh_exactly_when_it_waited_long_enough(
        q in quorum(7), w_rate in rate(), ars_rate in rate(), seed in any::<u64>(),
        t in prop_oneof![Just(0.0), 0.0..5.0_f64, 0.0..100.0_f64],
        everywhere in any::<bool>(),
    ) {
        let model = Wars::exponential(w_rate, ars_rate).unwrap();
        let prop = if everywhere { Propagation::Everywhere } else { Propagation::QuorumOnly };
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..50 {
            let trial = Trial::draw(&q, &model, &mut rng);
            let wait = trial.wait_needed(&q, prop);
            let fresh = trial.fresh_at(&q, t, prop);
            prop_assert_eq!(fresh, wait.is_some_and(|w| t >= w), "{:?} {:?} {}", trial, wait, t);
        }
    }

    #[test]
    fn time_to_is_the_first_time_the_fraction_is_reached(
        q in quorum(5), p in 0.0..=1.0_f64, seed in any::<u64>(),
    ) {
        let model = Wars::exponential(0.25, 1.0).unwrap();
        let vis = simulate(&q, &model, Propagation::Everywhere, 1000, seed).unwrap();
        let t = vis.time_to(p).unwrap().expect("every read is fresh in the end");
        prop_assert!(vis.fresh_at(t).unwrap().p() >= p);
        if t > 0.0 {
            let before = t - t * f64::EPSILON;
            prop_assert!(vis.fresh_at(before).unwrap().p() < p, "{q:?}: {p} at {t}");
        }
    }

    // ---- bad input -------------------------------------------------------

    #[test]
    fn delays_refuse_bad_rates_and_times(x in any_value()) {
        let rate = Latency::exponential(x);
        let fine = x.is_finite() && x > 0.0 && (1.0 / x).is_finite();
        prop_assert_eq!(rate.is_ok(), fine, "{}: {:?}", x, rate);
        let fixed = Latency::constant(x);
        prop_assert_eq!(fixed.is_ok(), x.is_finite() && x >= 0.0, "{}: {:?}", x, fixed);
        prop_assert_eq!(Wars::exponential(x, 1.0).is_ok(), fine);
        prop_assert_eq!(Wars::exponential(1.0, x).is_ok(), fine);
    }

    #[test]
    fn visibility_refuses_bad_times_fractions_and_trials(x in any_value(), trials in any_count()) {
        let q = Quorum::new(3, 1, 1).unwrap();
        let model = Wars::exponential(1.0, 1.0).unwrap();
        let vis = simulate(&q, &model, Propagation::Everywhere, 200, 1).unwrap();
        match vis.fresh_at(x) {
            Ok(e) => {
                prop_assert!(x.is_finite() && x >= 0.0, "accepted t = {x}");
                prop_assert!((0.0..=1.0).contains(&e.p()) && e.std_error().is_finite());
            }
            Err(_) => prop_assert!(!(x.is_finite() && x >= 0.0), "refused t = {x}"),
        }
        match vis.time_to(x) {
            Ok(t) => {
                prop_assert!((0.0..=1.0).contains(&x), "accepted p = {x}");
                prop_assert!(t.is_some_and(|t| t.is_finite() && t >= 0.0));
            }
            Err(_) => prop_assert!(!(0.0..=1.0).contains(&x), "refused p = {x}"),
        }
        if trials == 0 || trials > MAX_TRIALS {
            prop_assert!(simulate(&q, &model, Propagation::Everywhere, trials, 1).is_err());
        }
    }
}

/// Three replicas with every delay fixed by hand, all distinct, so the
/// orders the model depends on are known without running it:
///
/// | replica | W | A   | W + A | R   | S    | R + S |
/// |---------|---|-----|-------|-----|------|-------|
/// | 0       | 2 | 4   | 6     | 3   | 2    | 5     |
/// | 1       | 6 | 1.5 | 7.5   | 0.5 | 3    | 3.5   |
/// | 2       | 9 | 0.5 | 9.5   | 1   | 0.25 | 1.25  |
///
/// Acknowledgements arrive 0, 1, 2; responses 2, 1, 0. A read of replica
/// `i` that starts t after the commit c reaches it at c + t + Rᵢ, and is
/// fresh if Wᵢ ≤ c + t + Rᵢ (and the replica gets the write at all).
#[test]
fn hand_chosen_delays_give_the_commit_and_the_responders_by_hand() {
    let trial = Trial {
        write: vec![2.0, 6.0, 9.0],
        ack: vec![4.0, 1.5, 0.5],
        read: vec![3.0, 0.5, 1.0],
        response: vec![2.0, 3.0, 0.25],
    };
    let q = |r, w| Quorum::new(3, r, w).unwrap();
    let (all, stop) = (Propagation::Everywhere, Propagation::QuorumOnly);

    // W = 1: replica 0 acknowledges first, at 6.
    assert_eq!(trial.write_quorum(&q(1, 1)), vec![0]);
    assert_eq!(trial.commit(&q(1, 1)), 6.0);
    // W = 2: replicas 0 and 1; the second acknowledgement is at 7.5.
    assert_eq!(trial.write_quorum(&q(1, 2)), vec![0, 1]);
    assert_eq!(trial.commit(&q(1, 2)), 7.5);
    // The first responders: replica 2, then 1, then 0.
    assert_eq!(trial.read_quorum(&q(1, 1)), vec![2]);
    assert_eq!(trial.read_quorum(&q(2, 1)), vec![2, 1]);
    assert_eq!(trial.read_quorum(&q(3, 1)), vec![2, 1, 0]);

    // (R, W, propagation, the wait worked out by hand)
    let cases = [
        // Replica 2 gets the write at 9; the read reaches it at 7.5 + t + 1.
        (1, 2, all, Some(0.5)),
        // Replica 2 is not among the W = 2 that hold it.
        (1, 2, stop, None),
        // Commit at 6: the read reaches replica 2 at 6 + t + 1, and 9 − 7 = 2.
        (1, 1, all, Some(2.0)),
        (1, 1, stop, None),
        // Replica 1 has it at 6, before the read reaches it at 6 + t + 0.5.
        (2, 1, all, Some(0.0)),
        // Only replica 0 holds it, and it does not answer among the first 2.
        (2, 1, stop, None),
        // Replica 1 holds it (W = 2), and has it at 6 < 7.5 + t + 0.5.
        (2, 2, stop, Some(0.0)),
        // All three answer; replica 0 holds it from 2.
        (3, 1, stop, Some(0.0)),
    ];
    for (r, w, prop, wait) in cases {
        let q = q(r, w);
        assert_eq!(
            trial.wait_needed(&q, prop),
            wait,
            "R = {r}, W = {w}, {prop:?}"
        );
        for t in [0.0, 0.25, 0.5, 1.0, 1.75, 2.0, 100.0] {
            let fresh = wait.is_some_and(|wait| t >= wait);
            assert_eq!(
                trial.fresh_at(&q, t, prop),
                fresh,
                "R = {r}, W = {w}, {prop:?}, t = {t}"
            );
        }
    }
}
