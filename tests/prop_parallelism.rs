//! Property tests for section 3.1: the source's P formula and the scaling
//! models beside it (Amdahl, Gustafson, the USL, Little's law, work/span).
//!
//! The formulas are checked against schedules built here, not only against
//! themselves: P against list schedules and random assignments of tasks to
//! workers, Little's law against a sweep over arrival and departure events,
//! and the work/span bounds against a greedy scheduler running random task
//! graphs.

use cookbook::parallelism::formula::{
    Schedule, amdahl_fraction_of_gustafson, amdahl_speedup, gustafson_speedup,
    littles_law_l, source_p, usl_capacity, usl_peak, work_span_bounds,
};
use cookbook::support::error::ModelError;
use proptest::prelude::*;

#[path = "support/prop.rs"]
mod prop_support;
use prop_support::any_value;

/// `a <= b`, allowing for rounding.
fn le(a: f64, b: f64) -> bool {
    a <= b + 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// `a == b`, allowing for rounding.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn task_times() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(0.001_f64..100.0, 1..40)
}

fn bad_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        -1e9_f64..-1e-9,
    ]
}

/// A bad value and the error it must produce.
fn expect_bad(result: Result<impl std::fmt::Debug, ModelError>, value: f64) -> bool {
    match result {
        Err(ModelError::NotFinite { .. }) => !value.is_finite(),
        Err(ModelError::TooSmall { .. }) => value.is_finite(),
        _ => false,
    }
}

// ---------------------------------------------------------------------
// The source's P = (T1 + ... + Tn) / T_total
// ---------------------------------------------------------------------

proptest! {
    /// Greedy list scheduling on k workers: 0 < P <= k.
    #[test]
    fn p_is_between_zero_and_k_for_list_schedules(
        times in task_times(),
        k in 1usize..16,
    ) {
        let schedule = Schedule::list(&times, k).unwrap();
        let p = source_p(&schedule.busy_times(), schedule.makespan()).unwrap();
        prop_assert!(p > 0.0);
        prop_assert!(le(p, k as f64), "P = {p} > k = {k}");
        // P never exceeds the number of tasks either.
        prop_assert!(le(p, times.len() as f64));
    }

    // ANCHOR: p_any_schedule
    /// Any assignment of the tasks to k workers, each worker running its
    /// tasks back to back, with any idle time added to the run: 0 < P <= k.
    #[test]
    fn p_is_between_zero_and_k_for_any_schedule(
        (times, assignment, k) in (1usize..16).prop_flat_map(|k| {
            task_times().prop_flat_map(move |t| {
                let n = t.len();
                (Just(t), prop::collection::vec(0..k, n), Just(k))
            })
        }),
        idle in 0.0_f64..50.0,
    ) {
        let mut load = vec![0.0_f64; k];
        for (t, &w) in times.iter().zip(&assignment) {
            load[w] += t;
        }
        let total = load.iter().copied().fold(0.0, f64::max) + idle;
        let p = source_p(&times, total).unwrap();
        prop_assert!(p > 0.0);
        prop_assert!(le(p, k as f64), "P = {p} > k = {k}");
    }
    // ANCHOR_END: p_any_schedule

    /// k workers each kept busy for exactly the same time L: P = k.
    #[test]
    fn p_is_k_for_a_perfect_packing(
        weights in prop::collection::vec(
            prop::collection::vec(0.01_f64..1.0, 1..8),
            1..16,
        ),
        length in 0.1_f64..100.0,
    ) {
        let k = weights.len();
        let mut times = Vec::new();
        let mut makespan = 0.0_f64;
        for worker in &weights {
            let sum: f64 = worker.iter().sum();
            let mine: Vec<f64> = worker.iter().map(|w| length * w / sum).collect();
            // Each load is `length` up to rounding; T_total is the largest.
            makespan = makespan.max(mine.iter().sum());
            times.extend(mine);
        }
        let p = source_p(&times, makespan).unwrap();
        prop_assert!(close(p, k as f64), "P = {p}, k = {k}");
    }

    /// P has no unit: measuring in milliseconds instead of seconds changes nothing.
    #[test]
    fn p_is_unchanged_by_scaling_every_time(
        times in task_times(),
        slack in 1.0_f64..5.0,
        c in 1e-3_f64..1e3,
    ) {
        let total = times.iter().copied().fold(0.0, f64::max) * slack;
        let p = source_p(&times, total).unwrap();
        let scaled: Vec<f64> = times.iter().map(|t| t * c).collect();
        let q = source_p(&scaled, total * c).unwrap();
        prop_assert!(close(p, q), "{p} vs {q}");
    }

    // ANCHOR: p_with_waits
    /// Busy times give the parallelism; times in system (waits included)
    /// give Little's L, which is never smaller.
    #[test]
    fn p_of_times_in_system_is_littles_l(times in task_times(), k in 1usize..16) {
        let schedule = Schedule::list(&times, k).unwrap();
        let total = schedule.makespan();
        let busy = source_p(&schedule.busy_times(), total).unwrap();
        let in_system = schedule.times_in_system();
        let with_waits = source_p(&in_system, total).unwrap();
        let n = in_system.len() as f64;
        let mean_w = in_system.iter().sum::<f64>() / n;
        let l = littles_law_l(n / total, mean_w).unwrap();
        prop_assert!(close(with_waits, l), "{with_waits} vs {l}");
        prop_assert!(le(busy, with_waits));
    }
    // ANCHOR_END: p_with_waits

    #[test]
    fn p_rejects_a_bad_task_time(
        mut times in task_times(),
        at in any::<prop::sample::Index>(),
        bad in bad_value(),
    ) {
        let i = at.index(times.len());
        times[i] = bad;
        prop_assert!(expect_bad(source_p(&times, 1e12), bad));
    }

    #[test]
    fn p_rejects_a_bad_total(times in task_times(), bad in bad_value()) {
        prop_assert!(expect_bad(source_p(&times, bad), bad));
    }

    #[test]
    fn p_rejects_a_total_shorter_than_the_longest_task(
        times in task_times(),
        shrink in 0.01_f64..0.999,
    ) {
        let longest = times.iter().copied().fold(0.0, f64::max);
        let is_inconsistent = matches!(
            source_p(&times, longest * shrink),
            Err(ModelError::Inconsistent { .. })
        );
        prop_assert!(is_inconsistent);
    }

    /// Whatever it is given, P is an error or a finite number >= 0.
    #[test]
    fn p_is_never_nan(
        times in prop::collection::vec(any_value(), 0..6),
        total in any_value(),
    ) {
        if let Ok(p) = source_p(&times, total) {
            prop_assert!(p.is_finite() && p >= 0.0, "P = {p}");
        }
    }
}

#[test]
fn p_rejects_no_tasks_and_a_zero_total() {
    assert!(matches!(source_p(&[], 1.0), Err(ModelError::Empty { .. })));
    assert!(matches!(
        source_p(&[0.0], 0.0),
        Err(ModelError::TooSmall { .. })
    ));
}

// ---------------------------------------------------------------------
// Amdahl and Gustafson
// ---------------------------------------------------------------------

fn workers() -> impl Strategy<Value = f64> {
    prop_oneof![1.0_f64..64.0, 1.0_f64..1e9]
}

proptest! {
    #[test]
    fn amdahl_is_at_most_n_and_one_over_s(s in 0.0_f64..=1.0, n in workers()) {
        let speedup = amdahl_speedup(s, n).unwrap();
        prop_assert!(le(1.0, speedup));
        prop_assert!(le(speedup, n), "S = {speedup} > n = {n}");
        if s > 0.0 {
            prop_assert!(le(speedup, 1.0 / s), "S = {speedup} > 1/s = {}", 1.0 / s);
        }
    }

    #[test]
    fn amdahl_grows_with_n(s in 0.0_f64..=1.0, a in workers(), b in workers()) {
        let (small, large) = if a <= b { (a, b) } else { (b, a) };
        let (at_small, at_large) = (amdahl_speedup(s, small), amdahl_speedup(s, large));
        prop_assert!(le(at_small.unwrap(), at_large.unwrap()));
    }

    #[test]
    fn gustafson_is_at_least_amdahl(s in 0.0_f64..=1.0, n in workers()) {
        let g = gustafson_speedup(s, n).unwrap();
        let a = amdahl_speedup(s, n).unwrap();
        prop_assert!(le(a, g), "Gustafson {g} < Amdahl {a}");
        prop_assert!(le(g, n));
    }

    // ANCHOR: same_run
    /// One run seen by both laws: Gustafson's s, converted to the serial
    /// share of the one-worker time, gives Amdahl the same speedup.
    #[test]
    fn both_laws_agree_on_one_run(s_g in 0.0_f64..=1.0, n in workers()) {
        let s_a = amdahl_fraction_of_gustafson(s_g, n).unwrap();
        prop_assert!((0.0..=1.0).contains(&s_a) && le(s_a, s_g), "s_A = {s_a}");
        // Check the conversion against the timings it stands for: serial
        // time s_G and parallel time (1 - s_G) on n workers, n times that
        // parallel time on one worker.
        let one_worker = s_g + (1.0 - s_g) * n;
        prop_assert!(close(s_a, s_g / one_worker));
        let a = amdahl_speedup(s_a, n).unwrap();
        let g = gustafson_speedup(s_g, n).unwrap();
        prop_assert!(close(a, g), "Amdahl {a} vs Gustafson {g}");
        prop_assert!(close(g, one_worker));
    }
    // ANCHOR_END: same_run

    #[test]
    fn the_conversion_rejects_bad_input(
        bad in bad_value(),
        n in workers(),
        s in 0.0_f64..=1.0,
    ) {
        prop_assert!(expect_bad(amdahl_fraction_of_gustafson(bad, n), bad));
        prop_assert!(amdahl_fraction_of_gustafson(s, bad).is_err());
        prop_assert!(amdahl_fraction_of_gustafson(s, 0.5).is_err());
        let over_one = matches!(
            amdahl_fraction_of_gustafson(1.5, n),
            Err(ModelError::TooLarge { .. })
        );
        prop_assert!(over_one);
    }

    #[test]
    fn the_conversion_is_never_nan(s in any_value(), n in any_value()) {
        if let Ok(v) = amdahl_fraction_of_gustafson(s, n) {
            prop_assert!((0.0..=1.0).contains(&v), "{v}");
        }
    }

    #[test]
    fn both_laws_reject_a_bad_fraction(bad in bad_value(), n in workers()) {
        prop_assert!(expect_bad(amdahl_speedup(bad, n), bad));
        prop_assert!(expect_bad(gustafson_speedup(bad, n), bad));
    }

    #[test]
    fn both_laws_reject_a_fraction_over_one(s in 1.0001_f64..1e6, n in workers()) {
        let amdahl = matches!(amdahl_speedup(s, n), Err(ModelError::TooLarge { .. }));
        let gustafson =
            matches!(gustafson_speedup(s, n), Err(ModelError::TooLarge { .. }));
        prop_assert!(amdahl && gustafson);
    }

    #[test]
    fn both_laws_reject_fewer_than_one_worker(
        s in 0.0_f64..=1.0,
        n in prop_oneof![bad_value(), 0.0_f64..0.999],
    ) {
        prop_assert!(amdahl_speedup(s, n).is_err());
        prop_assert!(gustafson_speedup(s, n).is_err());
    }

    #[test]
    fn both_laws_are_never_nan(s in any_value(), n in any_value()) {
        for v in [amdahl_speedup(s, n), gustafson_speedup(s, n)].into_iter().flatten() {
            prop_assert!(v.is_finite() && v >= 1.0 - 1e-12, "{v}");
        }
    }
}

// ---------------------------------------------------------------------
// The Universal Scalability Law
// ---------------------------------------------------------------------

proptest! {
    #[test]
    fn usl_without_coherency_is_amdahl(alpha in 0.0_f64..=1.0, n in workers()) {
        let c = usl_capacity(n, alpha, 0.0).unwrap();
        let a = amdahl_speedup(alpha, n).unwrap();
        prop_assert!(close(c, a), "USL {c} vs Amdahl {a}");
        prop_assert_eq!(usl_peak(alpha, 0.0).unwrap(), None);
    }

    /// The capacity at n* is at least the capacity at its neighbours, at the
    /// integers around it, and at any other n >= 1.
    #[test]
    fn usl_capacity_is_largest_at_the_peak(
        alpha in 0.0_f64..0.99,
        share in 1e-6_f64..=1.0,
        other in workers(),
    ) {
        // beta <= 1 - alpha puts the peak at n* >= 1.
        let beta = (1.0 - alpha) * share;
        let peak = usl_peak(alpha, beta).unwrap().unwrap();
        prop_assert!(peak >= 1.0 - 1e-12);
        let peak = peak.max(1.0);
        let at_peak = usl_capacity(peak, alpha, beta).unwrap();
        let mut neighbours = vec![
            peak.floor(),
            peak.ceil(),
            peak + 1.0,
            peak * 1.01,
            peak * 0.99,
            other,
        ];
        if peak - 1.0 >= 1.0 {
            neighbours.push(peak - 1.0);
        }
        for n in neighbours.into_iter().filter(|&n| n >= 1.0) {
            let c = usl_capacity(n, alpha, beta).unwrap();
            prop_assert!(le(c, at_peak), "C({n}) = {c} > C(n* = {peak}) = {at_peak}");
        }
        // Past the peak, adding workers loses capacity.
        let past = usl_capacity(peak * 2.0, alpha, beta).unwrap();
        prop_assert!(past < at_peak);
    }

    /// A peak below one worker: every added worker loses capacity.
    #[test]
    fn usl_capacity_falls_from_one_worker_when_the_peak_is_below_one(
        alpha in 0.0_f64..=1.0,
        more in 1.001_f64..100.0,
        n in workers(),
    ) {
        let beta = (1.0 - alpha).max(1e-9) * more;
        let peak = usl_peak(alpha, beta).unwrap().unwrap();
        prop_assert!(peak < 1.0);
        prop_assert!(le(usl_capacity(n, alpha, beta).unwrap(), 1.0));
    }

    #[test]
    fn usl_capacity_is_one_for_one_worker(alpha in 0.0_f64..=1.0, beta in 0.0_f64..10.0) {
        prop_assert!(close(usl_capacity(1.0, alpha, beta).unwrap(), 1.0));
    }

    #[test]
    fn usl_rejects_bad_input(bad in bad_value(), n in workers()) {
        prop_assert!(expect_bad(usl_capacity(n, bad, 0.01), bad));
        prop_assert!(expect_bad(usl_capacity(n, 0.1, bad), bad));
        prop_assert!(usl_capacity(bad, 0.1, 0.01).is_err());
        prop_assert!(expect_bad(usl_peak(bad, 0.01), bad));
        prop_assert!(expect_bad(usl_peak(0.1, bad), bad));
    }

    #[test]
    fn usl_is_never_nan(n in any_value(), alpha in any_value(), beta in any_value()) {
        if let Ok(c) = usl_capacity(n, alpha, beta) {
            prop_assert!(c.is_finite() && c >= 0.0, "{c}");
        }
        if let Ok(Some(peak)) = usl_peak(alpha, beta) {
            prop_assert!(peak.is_finite() && peak >= 0.0, "{peak}");
        }
    }
}

#[test]
fn usl_rejects_an_alpha_over_one() {
    assert!(matches!(
        usl_capacity(2.0, 1.5, 0.0),
        Err(ModelError::TooLarge { .. })
    ));
    assert!(matches!(
        usl_peak(1.5, 0.1),
        Err(ModelError::TooLarge { .. })
    ));
}

// ---------------------------------------------------------------------
// Little's law
// ---------------------------------------------------------------------

/// The time average of the number of jobs in the system over `[0, end]`,
/// found by sweeping arrivals (+1) and departures (-1) in time order.
fn time_average_in_system(jobs: &[(f64, f64)], end: f64) -> f64 {
    let mut events: Vec<(f64, i64)> = Vec::new();
    for &(arrival, time_in_system) in jobs {
        events.push((arrival, 1));
        events.push((arrival + time_in_system, -1));
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut area, mut count, mut last) = (0.0, 0i64, 0.0);
    for (at, change) in events {
        area += count as f64 * (at - last);
        count += change;
        last = at;
    }
    area / end
}

proptest! {
    /// Jobs arrive at random times and stay a random time. Over a window
    /// that holds every job from arrival to departure, the average number
    /// in the system is the arrival rate times the mean time in the system.
    #[test]
    fn littles_law_matches_a_sweep_of_events(
        jobs in prop::collection::vec((0.0_f64..100.0, 0.001_f64..20.0), 1..60),
    ) {
        let end = jobs.iter().map(|&(a, w)| a + w).fold(0.0, f64::max);
        let n = jobs.len() as f64;
        let lambda = n / end;
        let mean_w = jobs.iter().map(|&(_, w)| w).sum::<f64>() / n;
        let l = littles_law_l(lambda, mean_w).unwrap();
        let swept = time_average_in_system(&jobs, end);
        prop_assert!(close(l, swept), "L = {l}, swept {swept}");
    }

    #[test]
    fn littles_law_rejects_bad_input(bad in bad_value(), good in 0.0_f64..1e6) {
        prop_assert!(expect_bad(littles_law_l(bad, good), bad));
        prop_assert!(expect_bad(littles_law_l(good, bad), bad));
    }

    #[test]
    fn littles_law_is_never_nan(lambda in any_value(), w in any_value()) {
        if let Ok(l) = littles_law_l(lambda, w) {
            prop_assert!(l.is_finite() && l >= 0.0, "{l}");
        }
    }
}

// ---------------------------------------------------------------------
// Work and span
// ---------------------------------------------------------------------

/// A random task graph: task times and, for each task, the earlier tasks it
/// waits for.
fn task_graph() -> impl Strategy<Value = (Vec<f64>, Vec<Vec<usize>>)> {
    prop::collection::vec(0.01_f64..10.0, 1..30).prop_flat_map(|times| {
        let n = times.len();
        let preds = (0..n)
            .map(|i| prop::collection::vec(0..i.max(1), 0..3.min(i + 1)))
            .collect::<Vec<_>>();
        (Just(times), preds).prop_map(|(times, preds)| {
            let preds = preds
                .into_iter()
                .enumerate()
                .map(|(i, p)| p.into_iter().filter(|&j| j < i).collect())
                .collect();
            (times, preds)
        })
    })
}

/// The longest chain of the graph (its span).
fn span_of(times: &[f64], preds: &[Vec<usize>]) -> f64 {
    let mut finish = vec![0.0_f64; times.len()];
    for i in 0..times.len() {
        let ready = preds[i].iter().map(|&j| finish[j]).fold(0.0, f64::max);
        finish[i] = ready + times[i];
    }
    finish.into_iter().fold(0.0, f64::max)
}

/// Runs the graph on `p` workers with a greedy scheduler: whenever a worker
/// is free and a task is ready, the task starts. Returns the makespan.
fn greedy_makespan(times: &[f64], preds: &[Vec<usize>], p: usize) -> f64 {
    let n = times.len();
    let mut done = vec![false; n];
    let mut started = vec![false; n];
    let mut running: Vec<(f64, usize)> = Vec::new(); // (finish, task)
    let mut now = 0.0;
    let mut finished = 0;
    while finished < n {
        for i in 0..n {
            if running.len() < p && !started[i] && preds[i].iter().all(|&j| done[j]) {
                started[i] = true;
                running.push((now + times[i], i));
            }
        }
        // Advance to the next finish and retire every task ending then.
        let next = running.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
        now = next;
        running.retain(|&(end, task)| {
            if end <= next {
                done[task] = true;
                finished += 1;
                false
            } else {
                true
            }
        });
    }
    now
}

proptest! {
    // ANCHOR: greedy_bounds
    /// A greedy schedule of any task graph lands between the bounds, and
    /// its speedup is at most min(p, T₁/T∞).
    #[test]
    fn greedy_schedules_obey_work_span_bounds(
        (times, preds) in task_graph(),
        p in 1usize..8,
    ) {
        let work: f64 = times.iter().sum();
        let span = span_of(&times, &preds);
        let (lower, upper) = work_span_bounds(work, span, p as f64).unwrap();
        prop_assert!(le(lower, upper));
        let t_p = greedy_makespan(&times, &preds, p);
        prop_assert!(le(lower, t_p), "T_p = {t_p} < lower bound {lower}");
        prop_assert!(le(t_p, upper), "T_p = {t_p} > Brent's bound {upper}");
        let speedup = work / t_p;
        prop_assert!(le(speedup, (p as f64).min(work / span)));
    }
    // ANCHOR_END: greedy_bounds

    /// Independent tasks: list scheduling is greedy, and its P is the speedup.
    #[test]
    fn list_schedules_obey_work_span_bounds(times in task_times(), p in 1usize..16) {
        let work: f64 = times.iter().sum();
        let span = times.iter().copied().fold(0.0, f64::max);
        let (lower, upper) = work_span_bounds(work, span, p as f64).unwrap();
        let schedule = Schedule::list(&times, p).unwrap();
        let t_p = schedule.makespan();
        prop_assert!(le(lower, t_p) && le(t_p, upper), "{lower} <= {t_p} <= {upper}");
        let speedup = source_p(&schedule.busy_times(), t_p).unwrap();
        prop_assert!(le(speedup, (p as f64).min(work / span)));
    }

    #[test]
    fn work_span_bounds_are_ordered(
        work in 1e-6_f64..1e9,
        share in 1e-6_f64..=1.0,
        p in 1.0_f64..1e6,
    ) {
        let span = work * share;
        let (lower, upper) = work_span_bounds(work, span, p).unwrap();
        prop_assert!(lower > 0.0 && le(lower, upper));
        prop_assert!(le(work / lower, p.min(work / span)));
    }

    #[test]
    fn work_span_rejects_bad_input(bad in bad_value(), good in 1.0_f64..1e6) {
        prop_assert!(expect_bad(work_span_bounds(bad, 1.0, 4.0), bad));
        prop_assert!(expect_bad(work_span_bounds(good, bad, 4.0), bad));
        prop_assert!(expect_bad(work_span_bounds(good, 1.0, bad), bad));
    }

    #[test]
    fn work_span_rejects_a_span_longer_than_the_work(
        work in 1e-3_f64..1e6,
        more in 1.001_f64..10.0,
    ) {
        let is_inconsistent = matches!(
            work_span_bounds(work, work * more, 2.0),
            Err(ModelError::Inconsistent { .. })
        );
        prop_assert!(is_inconsistent);
    }

    #[test]
    fn work_span_is_never_nan(w in any_value(), s in any_value(), p in any_value()) {
        if let Ok((lower, upper)) = work_span_bounds(w, s, p) {
            prop_assert!(lower.is_finite() && upper.is_finite() && lower <= upper);
        }
    }
}

#[test]
fn work_span_rejects_zero_work_zero_span_and_no_workers() {
    assert!(matches!(
        work_span_bounds(0.0, 0.0, 2.0),
        Err(ModelError::TooSmall { .. })
    ));
    assert!(matches!(
        work_span_bounds(1.0, 0.0, 2.0),
        Err(ModelError::TooSmall { .. })
    ));
    assert!(matches!(
        work_span_bounds(1.0, 1.0, 0.0),
        Err(ModelError::TooSmall { .. })
    ));
}
