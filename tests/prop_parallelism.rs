//! Property tests for section 3.1: the source's P formula and the scaling
//! models beside it (Amdahl, Gustafson, the USL, Little's law, work/span).
//!
//! The formulas are checked against schedules built here, not only against
//! themselves: P against list schedules and random assignments of tasks to
//! workers, Little's law against a sweep over arrival and departure events
//! in a window that cuts some stays, the USL against its formula written out
//! and a brute-force search, and the work/span bounds against a greedy
//! scheduler running random task graphs.
//!
//! Every function is also fed the awkward values of `any_value` (huge, tiny,
//! subnormal, zero, negative, NaN, infinite): each argument that is out of
//! range must produce the error that names it, and input in range must give
//! a finite result whenever the true result is representable.

use cookbook::parallelism::formula::{
    Placement, Schedule, amdahl_fraction_of_gustafson, amdahl_speedup, brent_bound,
    gustafson_speedup, littles_law_l, source_p, usl_best_workers, usl_capacity, usl_peak,
    work_span_bounds,
};
use cookbook::support::error::ModelError;
use proptest::prelude::*;
use std::collections::BTreeMap;

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

/// At least two tasks, and from 1 to one fewer workers than tasks.
fn task_times_and_fewer_workers() -> impl Strategy<Value = (Vec<f64>, usize)> {
    prop::collection::vec(0.001_f64..100.0, 2..40).prop_flat_map(|times| {
        let n = times.len();
        (Just(times), 1..n)
    })
}

/// The time average over `[0, end]` of the number of tasks present, all
/// ready at time 0, found by sweeping their departures in time order and
/// counting only the part of each stay before `end`. It reads the schedule's
/// finish times, not its `times_in_system`.
fn average_in_system(placements: &[Placement], end: f64) -> f64 {
    let mut departures: Vec<f64> = placements.iter().map(|p| p.finish).collect();
    departures.sort_by(f64::total_cmp);
    let (mut area, mut present, mut last) = (0.0, departures.len(), 0.0);
    for at in departures {
        let until = at.min(end);
        area += present as f64 * (until - last).max(0.0);
        last = last.max(until);
        present -= 1;
    }
    area / end
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

/// What a function must answer, judged from its arguments alone.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    Fine,
    NotFinite,
    TooSmall,
    TooLarge,
    Inconsistent,
    Empty,
}

/// The verdict on one argument that must lie in `[min, max]`.
fn verdict(value: f64, min: f64, max: f64) -> Verdict {
    if !value.is_finite() {
        Verdict::NotFinite
    } else if value < min {
        Verdict::TooSmall
    } else if value > max {
        Verdict::TooLarge
    } else {
        Verdict::Fine
    }
}

/// The verdict on a list of `(value, min, max)`: that of the first bad
/// argument, since each function checks its arguments in order.
fn first_bad(args: &[(f64, f64, f64)]) -> Verdict {
    args.iter()
        .map(|&(v, lo, hi)| verdict(v, lo, hi))
        .find(|v| *v != Verdict::Fine)
        .unwrap_or(Verdict::Fine)
}

/// The verdict a result gave.
fn given<T>(result: &Result<T, ModelError>) -> Verdict {
    match result {
        Ok(_) => Verdict::Fine,
        Err(ModelError::NotFinite { .. }) => Verdict::NotFinite,
        Err(ModelError::TooSmall { .. }) => Verdict::TooSmall,
        Err(ModelError::TooLarge { .. }) => Verdict::TooLarge,
        Err(ModelError::Inconsistent { .. }) => Verdict::Inconsistent,
        Err(ModelError::Empty { .. }) => Verdict::Empty,
    }
}

/// The smallest positive f64: "greater than 0" as an inclusive bound.
const TINY: f64 = 5e-324;
const INF: f64 = f64::INFINITY;

/// Valid input with the awkward values made likely: the bounds themselves,
/// 0 and 1 when in range, the smallest subnormal and normal numbers, huge
/// values up to f64::MAX.
fn extreme_in(min: f64, max: f64) -> impl Strategy<Value = f64> {
    let pick = move |v: f64| v.clamp(min, max);
    prop_oneof![
        3 => Just(min),
        3 => Just(max),
        1 => Just(pick(0.0)),
        1 => Just(pick(1.0)),
        1 => Just(pick(TINY)),
        1 => Just(pick(1e-310)),
        1 => Just(pick(f64::MIN_POSITIVE)),
        1 => Just(pick(1e-200)),
        1 => Just(pick(0.5)),
        1 => Just(pick(2.0)),
        1 => Just(pick(1e154)),
        1 => Just(pick(1e300)),
        // log-uniform over the whole range, then clamped
        1 => (-1074.0_f64..1024.0).prop_map(move |e| pick(2f64.powf(e).min(f64::MAX))),
    ]
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
    /// More tasks than workers, so some wait. Each task's time in system
    /// exceeds its busy time by its wait, and Little's L from the times in
    /// system is the time average of the number of tasks present, measured
    /// by a sweep over the schedule's finish events, in a window [0, end]
    /// that cuts the stays still going at `end`.
    #[test]
    fn times_in_system_give_the_swept_number_in_system(
        (times, k) in task_times_and_fewer_workers(),
        cut in 0.05_f64..0.95,
    ) {
        let schedule = Schedule::list(&times, k).unwrap();
        let (busy, stays) = (schedule.busy_times(), schedule.times_in_system());
        for ((b, w), placed) in busy.iter().zip(&stays).zip(schedule.placements()) {
            // Ready at 0, so the stay is the wait (the start) plus the work.
            prop_assert!(close(*w, placed.start + b), "stay {w}, busy {b}");
        }
        // The task after the first k found every worker busy: it waited.
        prop_assert!(stays.iter().sum::<f64>() > busy.iter().sum::<f64>());
        // Every task arrived at 0, inside the window: lambda = n / end.
        let end = schedule.makespan() * cut;
        let n = stays.len() as f64;
        let mean_w = stays.iter().sum::<f64>() / n;
        let l = littles_law_l(n / end, mean_w).unwrap();
        let swept = average_in_system(schedule.placements(), end);
        // The boundary error: the parts of the stays that run past `end`.
        let past_end = stays.iter().map(|w| (w - end).max(0.0)).sum::<f64>() / end;
        prop_assert!(past_end > 0.0, "the window must cut a stay");
        prop_assert!(close(l - past_end, swept), "L {l} - {past_end} vs {swept}");
        // Over the whole run nothing is cut, and L is P over times in system.
        let total = schedule.makespan();
        let whole = average_in_system(schedule.placements(), total);
        prop_assert!(close(source_p(&stays, total).unwrap(), whole));
        prop_assert!(source_p(&busy, total).unwrap() < whole);
    }
    // ANCHOR_END: p_with_waits

    /// P is 0 exactly when no task took any time, and positive otherwise.
    #[test]
    fn p_is_zero_only_when_no_task_took_time(
        times in prop::collection::vec(prop_oneof![Just(0.0), 0.001_f64..100.0], 1..20),
        slack in 1.0_f64..5.0,
    ) {
        let total = times.iter().copied().fold(0.0, f64::max).max(1.0) * slack;
        let p = source_p(&times, total).unwrap();
        prop_assert!(p >= 0.0);
        prop_assert_eq!(p == 0.0, times.iter().all(|&t| t == 0.0), "P = {}", p);
    }

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

    /// Whatever it is given, P is a finite number >= 0 or the error that
    /// names the first bad input; never a panic or a NaN.
    #[test]
    fn p_is_never_nan(
        times in prop::collection::vec(any_value(), 0..6),
        total in any_value(),
    ) {
        let result = source_p(&times, total);
        let mut args = vec![(total, TINY, INF)];
        args.extend(times.iter().map(|&t| (t, 0.0, INF)));
        let expected = match first_bad(&args) {
            _ if times.is_empty() => Verdict::Empty,
            Verdict::Fine if times.iter().any(|&t| t > total) => Verdict::Inconsistent,
            other => other,
        };
        prop_assert_eq!(given(&result), expected, "{:?}", result);
        if let Ok(p) = result {
            prop_assert!(p.is_finite() && p >= 0.0, "P = {p}");
            prop_assert!(le(p, times.len() as f64), "P = {p}");
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
// List schedules
// ---------------------------------------------------------------------

/// From 1 to 16 workers, or far more than there are tasks.
fn worker_count() -> impl Strategy<Value = usize> {
    prop_oneof![
        4 => 1usize..16,
        1 => Just(1usize << 40),
        1 => Just(usize::MAX),
    ]
}

proptest! {
    /// Replays a list schedule on k workers from its placements alone: each
    /// task runs for its own time, starts at the earliest time any of the k
    /// workers is free (on the lowest-numbered such worker), and never
    /// overlaps another task on its worker.
    #[test]
    fn list_schedules_are_greedy_and_never_overlap(
        times in prop::collection::vec(prop_oneof![Just(0.0), 0.001_f64..100.0], 1..40),
        k in worker_count(),
    ) {
        let schedule = Schedule::list(&times, k).unwrap();
        prop_assert_eq!(schedule.placements().len(), times.len());
        // When each worker that has had a task is next free; the rest are
        // free at 0.
        let mut free: BTreeMap<usize, f64> = BTreeMap::new();
        for (&t, placed) in times.iter().zip(schedule.placements()) {
            prop_assert!(placed.worker < k);
            prop_assert!(close(placed.finish - placed.start, t));
            let earliest = if free.len() < k {
                0.0
            } else {
                free.values().copied().fold(INF, f64::min)
            };
            prop_assert_eq!(placed.start, earliest, "not the earliest free time");
            let lowest_idle = (0..).find(|w| !free.contains_key(w)).unwrap();
            let first = free
                .iter()
                .filter(|&(_, &at)| at == earliest)
                .map(|(&w, _)| w)
                .chain((earliest == 0.0 && lowest_idle < k).then_some(lowest_idle))
                .min()
                .unwrap();
            prop_assert_eq!(placed.worker, first, "not the lowest-numbered free worker");
            let was_free = free.insert(placed.worker, placed.finish).unwrap_or(0.0);
            prop_assert!(was_free <= placed.start, "overlaps the worker's last task");
        }
        // And, sorted by worker and start, no two tasks on a worker overlap.
        let mut by_worker = schedule.placements().to_vec();
        by_worker.sort_by(|a, b| {
            a.worker.cmp(&b.worker).then(a.start.total_cmp(&b.start))
        });
        for pair in by_worker.windows(2) {
            if pair[0].worker == pair[1].worker {
                prop_assert!(pair[0].finish <= pair[1].start, "{:?}", pair);
            }
        }
    }

    /// More workers than tasks: the schedule is the one with a worker per
    /// task, however many workers are asked for, and nothing is allocated
    /// for the idle ones.
    #[test]
    fn surplus_workers_change_nothing(times in task_times(), extra in 0usize..100) {
        let n = times.len();
        let exact = Schedule::list(&times, n).unwrap();
        for k in [n + extra, 1 << 40, usize::MAX] {
            prop_assert_eq!(&Schedule::list(&times, k).unwrap(), &exact);
        }
    }

    /// Bad task times and no workers are named, whatever the worker count.
    #[test]
    fn list_schedules_reject_bad_input(
        times in prop::collection::vec(any_value(), 0..6),
        k in prop_oneof![Just(0usize), worker_count()],
    ) {
        let result = Schedule::list(&times, k);
        let expected = if times.is_empty() {
            Verdict::Empty
        } else if k == 0 {
            Verdict::TooSmall
        } else {
            first_bad(&times.iter().map(|&t| (t, 0.0, INF)).collect::<Vec<_>>())
        };
        match (&result, expected) {
            // Valid times whose finish overflows on one worker.
            (Err(ModelError::NotFinite { what, .. }), Verdict::Fine) => {
                prop_assert!(what.contains("finish"), "{:?}", result);
            }
            _ => prop_assert_eq!(given(&result), expected, "{:?}", result),
        }
    }
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
        let result = amdahl_fraction_of_gustafson(s, n);
        let expected = first_bad(&[(s, 0.0, 1.0), (n, 1.0, INF)]);
        prop_assert_eq!(given(&result), expected, "{:?}", result);
        if let Ok(v) = result {
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

    /// Huge, tiny, zero, negative, NaN or infinite: input in range gives a
    /// finite speedup from 1 to n (n = f64::MAX included), and input out of
    /// range the error that names it.
    #[test]
    fn both_laws_are_never_nan(s in any_value(), n in any_value()) {
        let expected = first_bad(&[(s, 0.0, 1.0), (n, 1.0, INF)]);
        for result in [amdahl_speedup(s, n), gustafson_speedup(s, n)] {
            prop_assert_eq!(given(&result), expected, "s={} n={}: {:?}", s, n, result);
            if let Ok(v) = result {
                prop_assert!(v.is_finite() && v >= 1.0 - 1e-12 && le(v, n), "{v}");
            }
        }
    }

    /// Amdahl's ceiling 1/s is never passed, and it is approached: from
    /// n = (1 − s) / (s ε) workers on, the speedup is within a factor
    /// 1 + ε of it.
    #[test]
    fn amdahl_approaches_one_over_s_and_never_passes_it(
        s in prop_oneof![1e-9_f64..1e-3, 1e-3_f64..=1.0],
        epsilon in 1e-9_f64..0.5,
        n in prop_oneof![workers(), extreme_in(1.0, f64::MAX)],
    ) {
        let ceiling = 1.0 / s;
        prop_assert!(le(amdahl_speedup(s, n).unwrap(), ceiling));
        let enough = ((1.0 - s) / (s * epsilon)).max(1.0);
        for m in [enough, enough * 10.0, f64::MAX] {
            let speedup = amdahl_speedup(s, m).unwrap();
            prop_assert!(le(speedup, ceiling), "S({m}) = {speedup} > 1/s");
            prop_assert!(
                le(ceiling / (1.0 + epsilon), speedup),
                "S({m}) = {speedup}, not within 1 + {epsilon} of 1/s = {ceiling}"
            );
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

    /// Input in range gives a finite answer, however huge or tiny; input
    /// out of range the error that names it.
    #[test]
    fn usl_is_never_nan(n in any_value(), alpha in any_value(), beta in any_value()) {
        let result = usl_capacity(n, alpha, beta);
        let expected = first_bad(&[(n, 1.0, INF), (alpha, 0.0, 1.0), (beta, 0.0, INF)]);
        prop_assert_eq!(given(&result), expected, "{:?}", result);
        if let Ok(c) = result {
            prop_assert!(c.is_finite() && c >= 0.0 && le(c, n), "{c}");
        }
        let expected = first_bad(&[(alpha, 0.0, 1.0), (beta, 0.0, INF)]);
        let peak = usl_peak(alpha, beta);
        prop_assert_eq!(given(&peak), expected, "{:?}", peak);
        if let Ok(Some(peak)) = peak {
            prop_assert!(peak.is_finite() && peak >= 0.0, "{peak}");
        }
        let best = usl_best_workers(alpha, beta);
        prop_assert_eq!(given(&best), expected, "{:?}", best);
        if let Ok(Some(best)) = best {
            prop_assert!(best >= 1.0 && best.fract() == 0.0, "{best}");
        }
    }

    /// Valid extremes, each argument from 0 or 1 up to f64::MAX through the
    /// subnormals: the capacity is returned, between 0 and Amdahl's speedup
    /// with s = alpha, and the peak is returned too.
    #[test]
    fn usl_answers_valid_extremes(
        n in extreme_in(1.0, f64::MAX),
        alpha in extreme_in(0.0, 1.0),
        beta in extreme_in(0.0, f64::MAX),
    ) {
        let c = usl_capacity(n, alpha, beta);
        prop_assert!(matches!(c, Ok(c) if c.is_finite() && c >= 0.0), "{:?}", c);
        let c = c.unwrap();
        prop_assert!(le(c, amdahl_speedup(alpha, n).unwrap()), "C = {c}");
        if beta == 0.0 {
            prop_assert!(close(c, amdahl_speedup(alpha, n).unwrap()), "C = {c}");
        }
        let peak = usl_peak(alpha, beta);
        prop_assert!(matches!(peak, Ok(p) if p.is_none_or(f64::is_finite)), "{:?}", peak);
        let best = usl_best_workers(alpha, beta);
        prop_assert!(matches!(best, Ok(b) if b.is_none_or(|b| b >= 1.0)), "{:?}", best);
    }

    /// For beta > 0, the capacity is the quotient written out directly.
    #[test]
    fn usl_matches_its_formula(
        n in prop_oneof![(1u32..2000).prop_map(f64::from), 1.0_f64..1e4],
        alpha in 0.0_f64..=1.0,
        beta in prop_oneof![1e-9_f64..1e-3, 1e-3_f64..10.0],
    ) {
        let direct = n / (1.0 + alpha * (n - 1.0) + beta * n * (n - 1.0));
        let c = usl_capacity(n, alpha, beta).unwrap();
        prop_assert!(close(c, direct), "C({n}) = {c}, formula {direct}");
    }

    // ANCHOR: usl_brute_force
    /// The best whole number of workers is as good as the best of 1..=1000
    /// found by trying each, with the capacity written out directly (up to
    /// rounding, where two counts tie), and it is one of the two around n*.
    #[test]
    fn usl_best_workers_is_the_brute_force_best(
        alpha in 0.0_f64..1.0,
        beta in (-6.0_f64..1.0).prop_map(|e| 1.1 * 10f64.powf(e)),
    ) {
        let capacity = |n: f64| n / (1.0 + alpha * (n - 1.0) + beta * n * (n - 1.0));
        let tried = (1..=1000).map(f64::from).fold(1.0, |best, n| {
            if capacity(n) > capacity(best) { n } else { best }
        });
        let best = usl_best_workers(alpha, beta).unwrap().unwrap();
        prop_assert!((1.0..=1000.0).contains(&best) && best.fract() == 0.0);
        prop_assert!(
            capacity(best) >= capacity(tried) * (1.0 - 1e-12),
            "best {best} (C = {}), tried {tried} (C = {})",
            capacity(best),
            capacity(tried)
        );
        let peak = usl_peak(alpha, beta).unwrap().unwrap();
        prop_assert!(best == peak.floor().max(1.0) || best == peak.ceil().max(1.0));
    }
    // ANCHOR_END: usl_brute_force
}

#[test]
fn usl_best_workers_is_not_the_rounded_peak() {
    // n* = 1.45 rounds to 1, but 2 workers give 2 / (1 + 2 beta) = 1.025.
    let beta = 1.0 / (1.45 * 1.45);
    assert!(close(usl_peak(0.0, beta).unwrap().unwrap(), 1.45));
    assert_eq!(usl_best_workers(0.0, beta), Ok(Some(2.0)));
    // The book's defaults: n* = 21.79, and 22 beats 21.
    assert_eq!(usl_best_workers(0.05, 0.002), Ok(Some(22.0)));
    assert_eq!(usl_best_workers(0.05, 0.0), Ok(None));
    assert_eq!(usl_best_workers(1.0, 0.0), Ok(Some(1.0)));
    assert_eq!(usl_best_workers(1.0, 0.5), Ok(Some(1.0)));
}

#[test]
fn extreme_valid_input_gives_the_representable_result() {
    assert_eq!(amdahl_speedup(0.0, f64::MAX), Ok(f64::MAX));
    assert_eq!(gustafson_speedup(0.0, f64::MAX), Ok(f64::MAX));
    assert_eq!(usl_capacity(f64::MAX, 0.0, 0.0), Ok(f64::MAX));
    assert_eq!(usl_capacity(f64::MAX, 1.0, 0.0), Ok(1.0));
    let peak = usl_peak(0.0, 1e-310).unwrap().unwrap();
    assert!((peak / 1e155 - 1.0).abs() < 1e-9, "{peak}");
    // beta n (n - 1) overflows; the capacity, about 1 / (beta n), does not.
    let c = usl_capacity(1e154, 0.0, 1e154).unwrap();
    assert!((c * 1e308 - 1.0).abs() < 1e-9, "{c}");
    // beta (n - 1) overflows too; the capacity is subnormal, or 0 below that.
    let c = usl_capacity(1e10 + 1.0, 0.5, 1e300).unwrap();
    assert!((c / 1e-310 - 1.0).abs() < 1e-9, "{c}");
    assert_eq!(usl_capacity(1e200, 0.5, 1e200), Ok(0.0));
    assert_eq!(brent_bound(f64::MAX, f64::MAX, 1.0), Ok(f64::MAX));
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

/// The time average of the number of jobs in the system over the window
/// `[from, to]`, found by sweeping arrivals (+1) and departures (-1) in time
/// order and counting only the part of each stay inside the window.
fn swept_average(jobs: &[(f64, f64)], from: f64, to: f64) -> f64 {
    let mut events: Vec<(f64, i64)> = Vec::new();
    for &(arrival, stay) in jobs {
        events.push((arrival, 1));
        events.push((arrival + stay, -1));
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut area, mut present, mut last) = (0.0, 0i64, from);
    for (at, change) in events {
        let until = at.clamp(from, to);
        area += present as f64 * (until - last);
        last = until;
        present += change;
    }
    area / (to - from)
}

/// How many jobs are in the system at time `t`.
fn present_at(jobs: &[(f64, f64)], t: f64) -> usize {
    jobs.iter().filter(|&&(a, w)| a <= t && t <= a + w).count()
}

proptest! {
    /// Jobs arrive at random times and stay a random time; nothing is
    /// assumed about either. Over a window that cuts the stays in progress
    /// at its edges, the swept average number in the system is λ W, with λ
    /// and W from the jobs that arrive in the window, up to the boundary
    /// error: the jobs present at either edge, each cut by at most the
    /// longest stay.
    #[test]
    fn littles_law_matches_a_sweep_over_a_window(
        jobs in prop::collection::vec((0.0_f64..200.0, 0.001_f64..10.0), 20..80),
        from in 10.0_f64..60.0,
        to in 140.0_f64..190.0,
    ) {
        let inside: Vec<f64> = jobs
            .iter()
            .filter(|&&(a, _)| (from..to).contains(&a))
            .map(|&(_, w)| w)
            .collect();
        prop_assume!(!inside.is_empty());
        let len = to - from;
        let lambda = inside.len() as f64 / len;
        let mean_w = inside.iter().sum::<f64>() / inside.len() as f64;
        let l = littles_law_l(lambda, mean_w).unwrap();
        let swept = swept_average(&jobs, from, to);
        let longest = jobs.iter().map(|&(_, w)| w).fold(0.0, f64::max);
        let edges = (present_at(&jobs, from) + present_at(&jobs, to)) as f64;
        let boundary = edges * longest / len;
        prop_assert!(
            (l - swept).abs() <= boundary + 1e-9,
            "L = {l}, swept {swept}, boundary error at most {boundary}"
        );
    }

    #[test]
    fn littles_law_rejects_bad_input(bad in bad_value(), good in 0.0_f64..1e6) {
        prop_assert!(expect_bad(littles_law_l(bad, good), bad));
        prop_assert!(expect_bad(littles_law_l(good, bad), bad));
    }

    /// Out of range: the error that names it; in range, L = λ W unless the
    /// product is past f64::MAX.
    #[test]
    fn littles_law_is_never_nan(lambda in any_value(), w in any_value()) {
        let result = littles_law_l(lambda, w);
        let expected = match first_bad(&[(lambda, 0.0, INF), (w, 0.0, INF)]) {
            Verdict::Fine if !(lambda * w).is_finite() => Verdict::NotFinite,
            other => other,
        };
        prop_assert_eq!(given(&result), expected, "{:?}", result);
        if let Ok(l) = result {
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
        prop_assert!(le(t_p, upper), "T_p = {t_p} > greedy bound {upper}");
        let brent = brent_bound(work, span, p as f64).unwrap();
        prop_assert!(le(t_p, brent), "T_p = {t_p} > Brent's bound {brent}");
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
        prop_assert!(le(t_p, brent_bound(work, span, p as f64).unwrap()));
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
        let brent = brent_bound(work, span, p).unwrap();
        prop_assert!(le(lower, brent) && le(brent, upper) && le(brent, work));
        prop_assert!(close(upper - brent, span / p));
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

    /// Out of range: the error that names the first bad input. In range:
    /// finite bounds, except a greedy bound past f64::MAX; Brent's bound is
    /// at most T₁, so it is always returned.
    #[test]
    fn work_span_is_never_nan(w in any_value(), s in any_value(), p in any_value()) {
        let bounds = work_span_bounds(w, s, p);
        let brent = brent_bound(w, s, p);
        let expected = match first_bad(&[(w, TINY, INF), (s, TINY, INF), (p, 1.0, INF)]) {
            Verdict::Fine if s > w => Verdict::Inconsistent,
            other => other,
        };
        prop_assert_eq!(given(&brent), expected, "{:?}", brent);
        let overflows = expected == Verdict::Fine && !(w / p + s).is_finite();
        let expected = if overflows { Verdict::NotFinite } else { expected };
        prop_assert_eq!(given(&bounds), expected, "{:?}", bounds);
        if let (Ok((lower, upper)), Ok(brent)) = (&bounds, &brent) {
            let (lower, upper, brent) = (*lower, *upper, *brent);
            prop_assert!(lower.is_finite() && upper.is_finite() && lower <= upper);
            prop_assert!(le(lower, brent) && le(brent, upper));
        }
        if let Ok(brent) = brent {
            prop_assert!(brent.is_finite() && le(brent, w));
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
