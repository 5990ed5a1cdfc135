//! Section 3.1: the source's "throughput" formula, and the models engineers use.
//!
//! [`source_p`] is the article's formula as written. The rest are the
//! standard models, each with its source:
//!
//! - [`amdahl_speedup`]: G. M. Amdahl, "Validity of the single processor
//!   approach to achieving large scale computing capabilities", AFIPS Spring
//!   Joint Computer Conference, 1967.
//! - [`gustafson_speedup`] and [`amdahl_fraction_of_gustafson`]: J. L.
//!   Gustafson, "Reevaluating Amdahl's law", Communications of the ACM
//!   31(5), 1988.
//! - [`usl_capacity`], [`usl_peak`] and [`usl_best_workers`]: N. J.
//!   Gunther's Universal Scalability Law (1993; the book *Guerrilla Capacity
//!   Planning*, Springer, 2007).
//! - [`littles_law_l`]: J. D. C. Little, "A proof for the queuing formula:
//!   L = λW", Operations Research 9(3), 1961.
//! - [`work_span_bounds`]: the work law and the span law of Cormen,
//!   Leiserson, Rivest and Stein, *Introduction to Algorithms*, 3rd ed.,
//!   ch. 27, with the upper bound T₁/p + T∞ that any greedy scheduler meets
//!   (their Theorem 27.1, after R. L. Graham, "Bounds for certain
//!   multiprocessing anomalies", Bell System Technical Journal 45(9), 1966,
//!   and "Bounds on multiprocessing timing anomalies", SIAM Journal on
//!   Applied Mathematics 17(2), 1969).
//! - [`brent_bound`]: the tighter T∞ + (T₁ − T∞)/p of R. P. Brent, "The
//!   parallel evaluation of general arithmetic expressions", JACM 21(2),
//!   1974 (his Lemma 2, for operations of unit time). Graham's argument
//!   gives the same bound for greedy schedules of tasks of any length.
//!
//! [`Schedule`] places tasks on workers, so the formulas can be checked
//! against real schedules rather than against themselves.

use crate::support::error::{ModelError, at_least, fraction, positive};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

// ANCHOR: source_p
/// The source article's formula, as written: P = (T1 + T2 + … + Tn) / T_total.
///
/// `task_times` are the tasks' busy times and `total` the wall time of the
/// whole run, in any one unit. The article calls P "throughput"; it is the
/// average concurrency of the run (work divided by makespan): how many tasks
/// were in progress at an average instant. Rejected: no tasks, a negative
/// or non-finite time, a zero or non-finite total, and a total shorter than
/// the longest task (no schedule can finish before its longest task does).
///
/// Tasks that took no time are accepted, and if every task did, P is 0:
/// 0 ≤ P, with P = 0 only then. A zero is a real reading (a task that found
/// nothing to do, or one shorter than the clock's tick), and on average no
/// task was in progress, so refusing it would turn a measurement into an
/// error.
pub fn source_p(task_times: &[f64], total: f64) -> Result<f64, ModelError> {
    if task_times.is_empty() {
        return Err(ModelError::Empty {
            what: "the list of task times",
        });
    }
    let total = positive("T_total", total)?;
    let mut work = 0.0;
    let mut longest: f64 = 0.0;
    for &t in task_times {
        let t = at_least("a task time", t, 0.0)?;
        work += t;
        longest = longest.max(t);
    }
    if longest > total {
        return Err(ModelError::Inconsistent {
            why: format!(
                "a task took {longest}, longer than the whole run's T_total of {total}"
            ),
        });
    }
    if work.is_finite() {
        Ok(work / total)
    } else {
        // The sum overflowed. Every T_i is at most T_total, so summing the
        // ratios instead cannot overflow: P is at most the number of tasks.
        Ok(task_times.iter().map(|t| t / total).sum())
    }
}
// ANCHOR_END: source_p

/// Returns `value` when it is finite; otherwise the result of `what` overflowed.
fn finite_result(what: &'static str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ModelError::NotFinite { what, value })
    }
}

// ANCHOR: amdahl
/// Amdahl's law (Amdahl, AFIPS 1967): the speedup of a job of fixed size on
/// `n` workers when a fraction `serial_fraction` of it cannot run in parallel.
///
/// S(n) = 1 / (s + (1 − s) / n). It never exceeds `n`, nor `1 / s`, however
/// many workers are added. `serial_fraction` must be in `[0, 1]` and `n` at
/// least 1 (a count of workers, which may be fractional for plotting).
pub fn amdahl_speedup(serial_fraction: f64, n: f64) -> Result<f64, ModelError> {
    let s = fraction("the serial fraction", serial_fraction)?;
    let n = at_least("the number of workers n", n, 1.0)?;
    // Multiplied through by n: the denominator is at least 1, so the result
    // is at most n and finite. (Near f64::MAX, 1 / n is subnormal, and the
    // reciprocal of s + (1 − s) / n would overflow.)
    finite_result("Amdahl's speedup", n / (s * n + (1.0 - s)))
}
// ANCHOR_END: amdahl

// ANCHOR: gustafson
/// Gustafson's law (Gustafson, "Reevaluating Amdahl's law", CACM 1988): the
/// scaled speedup when the job grows with the number of workers, so that the
/// parallel part fills `n` workers for as long as one worker took before.
///
/// S(n) = s + (1 − s) n = n − s (n − 1), where `serial_fraction` is the share
/// of the run time spent in serial code *on the parallel machine*. It is at
/// least Amdahl's speedup for the same number `s` and the same `n`, but the
/// two laws' `s` are measured on different machines: see
/// [`amdahl_fraction_of_gustafson`].
pub fn gustafson_speedup(serial_fraction: f64, n: f64) -> Result<f64, ModelError> {
    let s = fraction("the serial fraction", serial_fraction)?;
    let n = at_least("the number of workers n", n, 1.0)?;
    // Written as s + (1 − s) n so that s = 1 gives exactly 1 for any n.
    finite_result("Gustafson's speedup", s + (1.0 - s) * n)
}
// ANCHOR_END: gustafson

// ANCHOR: amdahl_fraction
/// Converts Gustafson's serial fraction to Amdahl's, for one run on `n`
/// workers: s_A = s_G / (s_G + (1 − s_G) n).
///
/// Gustafson's `s` is the serial share of the time on `n` workers; Amdahl's
/// is the serial share of the time the same job takes on one worker, where
/// the parallel part runs `n` times longer. With the converted fraction,
/// [`amdahl_speedup`] gives the same speedup as [`gustafson_speedup`]: the
/// two laws describe one observed run alike, and differ only in what they
/// hold fixed as `n` changes. `serial_fraction` must be in `[0, 1]` and `n`
/// at least 1.
pub fn amdahl_fraction_of_gustafson(
    serial_fraction: f64,
    n: f64,
) -> Result<f64, ModelError> {
    let s = fraction("the serial fraction", serial_fraction)?;
    let n = at_least("the number of workers n", n, 1.0)?;
    // s + (1 − s) n >= 1 for n >= 1, so the division is safe.
    finite_result("Amdahl's serial fraction", s / (s + (1.0 - s) * n))
}
// ANCHOR_END: amdahl_fraction

// ANCHOR: usl
/// Gunther's Universal Scalability Law (1993; *Guerrilla Capacity Planning*,
/// 2007): the capacity of `n` workers relative to one worker,
///
/// C(n) = n / (1 + α (n − 1) + β n (n − 1)).
///
/// `alpha` (contention: the share of work that queues for a shared resource)
/// must be in `[0, 1]`; `beta` (coherency: the cost of each pair of workers
/// keeping each other up to date) must be finite and at least 0. With
/// β = 0 this is Amdahl's law with s = α; with β > 0 the capacity peaks and
/// then falls as workers are added.
pub fn usl_capacity(n: f64, alpha: f64, beta: f64) -> Result<f64, ModelError> {
    let n = at_least("the number of workers n", n, 1.0)?;
    let alpha = fraction("the contention coefficient alpha", alpha)?;
    let beta = at_least("the coherency coefficient beta", beta, 0.0)?;
    // β (n − 1) first: if it overflows, the true denominator is too large too.
    let coherency = beta * (n - 1.0);
    let denominator = 1.0 + alpha * (n - 1.0) + coherency * n;
    let capacity = if denominator.is_finite() {
        // The denominator is at least 1, so the quotient is at most n.
        n / denominator
    } else if coherency.is_finite() {
        // Divided through by n, the denominator is 1/n + α(1 − 1/n) + β(n − 1).
        // It overflowed only because n > 1e154, so 1 − 1/n is 1 exactly.
        1.0 / (1.0 / n + alpha + coherency)
    } else {
        // β (n − 1) > f64::MAX: the other terms (at most 2) vanish beside it.
        1.0 / (n - 1.0) / beta
    };
    finite_result("the USL capacity", capacity)
}
// ANCHOR_END: usl

// ANCHOR: usl_peak
/// Where the USL capacity peaks: n* = sqrt((1 − α) / β).
///
/// `None` when β = 0: the capacity then rises for ever (toward 1/α). A value
/// below 1 means the capacity falls from the first added worker on.
pub fn usl_peak(alpha: f64, beta: f64) -> Result<Option<f64>, ModelError> {
    let alpha = fraction("the contention coefficient alpha", alpha)?;
    let beta = at_least("the coherency coefficient beta", beta, 0.0)?;
    if beta == 0.0 {
        return Ok(None);
    }
    // Two square roots, not one of the quotient: (1 − α) / β overflows for a
    // tiny β, while n* itself stays below 1e162 for every β > 0.
    finite_result("the USL peak", (1.0 - alpha).sqrt() / beta.sqrt()).map(Some)
}
// ANCHOR_END: usl_peak

// ANCHOR: usl_best
/// The whole number of workers with the largest USL capacity: ⌊n*⌋ or ⌈n*⌉,
/// whichever gives more (the smaller on a tie), and never below 1.
///
/// 1 / C(n) = (1 − α) / n + β n + α − β is convex in n, so C rises up to n*
/// and falls after it, and the best integer is one of the two around n*.
/// `None` when β = 0 and α < 1: every added worker then adds capacity. With
/// α = 1 and β = 0 the capacity is 1 for any n, and the answer is 1. The
/// count is an `f64` holding a whole number, since n* can pass `u64::MAX`.
pub fn usl_best_workers(alpha: f64, beta: f64) -> Result<Option<f64>, ModelError> {
    let Some(peak) = usl_peak(alpha, beta)? else {
        return Ok((alpha == 1.0).then_some(1.0));
    };
    let (below, above) = (peak.floor().max(1.0), peak.ceil().max(1.0));
    let more = usl_capacity(above, alpha, beta)? > usl_capacity(below, alpha, beta)?;
    Ok(Some(if more { above } else { below }))
}
// ANCHOR_END: usl_best

// ANCHOR: little
/// Little's law (Little, Operations Research 1961): the average number of
/// items in a stable system, L = λ W, from the arrival rate λ and the mean
/// time W each item spends inside (waiting included).
///
/// Both must be finite and at least 0, in matching units (items per second
/// and seconds, say).
pub fn littles_law_l(
    arrival_rate: f64,
    mean_time_in_system: f64,
) -> Result<f64, ModelError> {
    let lambda = at_least("the arrival rate", arrival_rate, 0.0)?;
    let w = at_least("the mean time in system", mean_time_in_system, 0.0)?;
    finite_result("Little's L", lambda * w)
}
// ANCHOR_END: little

// ANCHOR: work_span
/// The work/span bounds on the run time T_p of a computation on `workers`
/// workers: returns `(lower, upper)` with
///
/// max(T₁ / p, T∞) ≤ T_p ≤ T₁ / p + T∞.
///
/// `work` T₁ is the total busy time (the run time on one worker), `span` T∞
/// the longest chain of tasks that must run one after another (the run time
/// on unlimited workers). The lower bound is the work law and the span law
/// (Cormen et al., *Introduction to Algorithms*, 3rd ed., ch. 27); any
/// schedule obeys it. The upper bound is the greedy-scheduler bound (their
/// Theorem 27.1, after Graham 1966 and 1969): a scheduler that never leaves
/// a worker idle while a task is ready meets it. [`brent_bound`] is a
/// tighter one. The speedup T₁ / T_p is at most min(p, T₁ / T∞).
pub fn work_span_bounds(
    work: f64,
    span: f64,
    workers: f64,
) -> Result<(f64, f64), ModelError> {
    let (work, span, p) = work_and_span(work, span, workers)?;
    let lower = (work / p).max(span);
    let upper = finite_result("the greedy bound T₁/p + T∞", work / p + span)?;
    Ok((lower, upper))
}
// ANCHOR_END: work_span

// ANCHOR: brent
/// Brent's bound (Brent, JACM 1974, Lemma 2): T_p ≤ T∞ + (T₁ − T∞) / p.
///
/// Tighter than T₁/p + T∞ by T∞/p: it does not count the span's own work
/// twice, once in T∞ and again, spread over the workers, in T₁/p. Brent
/// proved it for operations of unit time; the argument behind the greedy
/// bound (Graham 1966) gives it for greedy schedules of tasks of any
/// length, which the property tests check. The input is that of
/// [`work_span_bounds`]. The bound lies between T∞ and T₁, so it is finite.
pub fn brent_bound(work: f64, span: f64, workers: f64) -> Result<f64, ModelError> {
    let (work, span, p) = work_and_span(work, span, workers)?;
    finite_result("Brent's bound", span + (work - span) / p)
}
// ANCHOR_END: brent

/// Checks the input of the work/span bounds: positive work and span, the
/// span no longer than the work, and at least one worker.
fn work_and_span(
    work: f64,
    span: f64,
    workers: f64,
) -> Result<(f64, f64, f64), ModelError> {
    let work = positive("the work T₁", work)?;
    let span = positive("the span T∞", span)?;
    let p = at_least("the number of workers p", workers, 1.0)?;
    if span > work {
        return Err(ModelError::Inconsistent {
            why: format!(
                "the span T∞ = {span} is longer than the work T₁ = {work}; \
                 T∞ is part of T₁"
            ),
        });
    }
    Ok((work, span, p))
}

// ANCHOR: schedule
/// Where and when one task ran.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placement {
    /// The worker, from 0.
    pub worker: usize,
    /// When it started running.
    pub start: f64,
    /// When it finished.
    pub finish: f64,
}

/// Independent tasks, all ready at time 0, placed on a fixed number of
/// workers.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    placements: Vec<Placement>,
}

/// A worker and when it is next free, ordered so that a max-heap's top is
/// the worker free first, the lowest-numbered on a tie.
#[derive(Debug, PartialEq)]
struct FreeAt {
    time: f64,
    worker: usize,
}

impl Eq for FreeAt {}

impl Ord for FreeAt {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: earlier is greater. Times are finite, so total_cmp is
        // the usual order.
        (other.time.total_cmp(&self.time)).then(other.worker.cmp(&self.worker))
    }
}

impl PartialOrd for FreeAt {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Schedule {
    /// Greedy list scheduling (Graham 1966): take the tasks in order and give
    /// each to the worker that becomes free first (the lowest-numbered on a
    /// tie). One worker is the Go listing whose mutex makes every task wait
    /// for the one before.
    ///
    /// Any number of workers from 1 up is accepted, even `usize::MAX`: with
    /// n tasks, workers n and above never get a task (a lower-numbered one
    /// is always free at time 0 before them), so only min(workers, n) are
    /// kept, and the schedule is the same as with exactly that many.
    pub fn list(task_times: &[f64], workers: usize) -> Result<Schedule, ModelError> {
        if task_times.is_empty() {
            return Err(ModelError::Empty {
                what: "the list of task times",
            });
        }
        if workers == 0 {
            return Err(ModelError::TooSmall {
                what: "the number of workers",
                value: 0.0,
                min: 1.0,
            });
        }
        // Every time is checked before any is placed, so a bad time is named
        // even when an earlier finish would overflow.
        for &t in task_times {
            at_least("a task time", t, 0.0)?;
        }
        let used = workers.min(task_times.len());
        let mut free: BinaryHeap<FreeAt> = (0..used)
            .map(|worker| FreeAt { time: 0.0, worker })
            .collect();
        let mut placements = Vec::with_capacity(task_times.len());
        for &t in task_times {
            let FreeAt {
                time: start,
                worker,
            } = free.pop().expect("at least one worker");
            let finish = finite_result("a task's finish time", start + t)?;
            free.push(FreeAt {
                time: finish,
                worker,
            });
            placements.push(Placement {
                worker,
                start,
                finish,
            });
        }
        Ok(Schedule { placements })
    }

    /// The tasks, in the order they were given.
    pub fn placements(&self) -> &[Placement] {
        &self.placements
    }

    /// T_total: when the last task finished.
    pub fn makespan(&self) -> f64 {
        self.placements.iter().map(|p| p.finish).fold(0.0, f64::max)
    }

    /// Each task's busy time, finish − start: what P should add up.
    pub fn busy_times(&self) -> Vec<f64> {
        self.placements.iter().map(|p| p.finish - p.start).collect()
    }

    /// Each task's time in the system, from being ready (time 0) to finish:
    /// busy time plus the wait for a worker (or, in Go, for the mutex).
    pub fn times_in_system(&self) -> Vec<f64> {
        self.placements.iter().map(|p| p.finish).collect()
    }
}
// ANCHOR_END: schedule

#[cfg(test)]
mod tests {
    use super::*;

    fn close_to(got: f64, want: f64) -> bool {
        (got - want).abs() <= want.abs() * 1e-12
    }

    #[test]
    fn the_usl_keeps_its_value_where_its_denominator_overflows() {
        // n β n overflows, β (n − 1) = 2 does not: C = 1 / (α + 2).
        let c = usl_capacity(1e308, 0.5, 2e-308).unwrap();
        assert!(close_to(c, 0.4), "{c:e}");
        // β (n − 1) itself overflows: C = 1 / ((n − 1) β), a subnormal.
        let c = usl_capacity(3.0, 0.5, 1e308).unwrap();
        assert!(close_to(c, 0.5 / 1e308), "{c:e}");
        // Huge n with a denominator that still fits: the plain quotient.
        let c = usl_capacity(1e200, 0.0, 1e-10).unwrap();
        assert!(close_to(c, 1e-190), "{c:e}");
    }

    #[test]
    fn a_tie_between_the_two_whole_counts_goes_to_the_smaller() {
        // α = 0, β = 1/2: C(1) = 1 and C(2) = 2 / (1 + 1) = 1 exactly.
        assert_eq!(usl_capacity(1.0, 0.0, 0.5), usl_capacity(2.0, 0.0, 0.5));
        assert_eq!(usl_best_workers(0.0, 0.5), Ok(Some(1.0)));
    }

    #[test]
    fn without_coherency_only_full_contention_has_a_best_count() {
        assert_eq!(usl_best_workers(0.5, 0.0), Ok(None)); // rises for ever
        assert_eq!(usl_best_workers(1.0, 0.0), Ok(Some(1.0))); // flat at 1
    }

    #[test]
    fn serial_run_has_p_one_and_parallel_run_has_p_k() {
        assert_eq!(source_p(&[1.0; 10], 10.0), Ok(1.0));
        assert_eq!(source_p(&[1.0; 10], 1.0), Ok(10.0));
    }

    #[test]
    fn bad_input_is_named() {
        assert!(matches!(source_p(&[], 1.0), Err(ModelError::Empty { .. })));
        assert!(matches!(
            source_p(&[1.0], 0.0),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            source_p(&[-1.0], 1.0),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            source_p(&[f64::NAN], 1.0),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            source_p(&[1.0], f64::INFINITY),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            source_p(&[2.0], 1.0),
            Err(ModelError::Inconsistent { .. })
        ));
    }

    #[test]
    fn tasks_that_took_no_time_give_p_zero() {
        assert_eq!(source_p(&[0.0], 1.0), Ok(0.0));
        assert_eq!(source_p(&[0.0, 0.0], 3.0), Ok(0.0));
        assert_eq!(source_p(&[0.0, 1.5], 3.0), Ok(0.5));
    }

    #[test]
    fn valid_extremes_give_the_representable_result() {
        assert_eq!(amdahl_speedup(0.0, f64::MAX), Ok(f64::MAX));
        assert_eq!(amdahl_speedup(1.0, f64::MAX), Ok(1.0));
        assert_eq!(usl_capacity(f64::MAX, 0.0, 0.0), Ok(f64::MAX));
        let peak = usl_peak(0.0, 1e-310).unwrap().unwrap();
        assert!((peak / 1e155 - 1.0).abs() < 1e-9, "{peak}");
        let smallest = usl_peak(0.1, f64::from_bits(1)).unwrap().unwrap();
        assert!(smallest.is_finite() && smallest > 1e161, "{smallest}");
        let best = usl_best_workers(0.0, 1e-310).unwrap().unwrap();
        assert!(
            (best / 1e155 - 1.0).abs() < 1e-9 && best.fract() == 0.0,
            "{best}"
        );
        assert_eq!(brent_bound(f64::MAX, f64::MAX, 1.0), Ok(f64::MAX));
    }

    #[test]
    fn absurd_worker_counts_allocate_nothing_for_idle_workers() {
        let one = Schedule::list(&[1.0], 1).unwrap();
        assert_eq!(Schedule::list(&[1.0], usize::MAX), Ok(one));
        let three = Schedule::list(&[1.0, 2.0, 3.0], 3).unwrap();
        assert_eq!(Schedule::list(&[1.0, 2.0, 3.0], 1 << 40), Ok(three));
    }

    #[test]
    fn a_bad_task_time_is_named_before_a_finish_overflows() {
        let times = [f64::MAX, f64::MAX, -1.0];
        assert!(matches!(
            Schedule::list(&times, 1),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            Schedule::list(&times[..2], 1),
            Err(ModelError::NotFinite { .. })
        ));
    }

    #[test]
    fn overflowing_work_still_gives_a_finite_p() {
        let p = source_p(&[f64::MAX, f64::MAX], f64::MAX).unwrap();
        assert!((p - 2.0).abs() < 1e-12, "{p}");
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn models_give_their_textbook_values() {
        // 5% serial: Amdahl tops out at 20, Gustafson grows almost linearly.
        assert!(close(amdahl_speedup(0.05, 1.0).unwrap(), 1.0));
        assert!(close(amdahl_speedup(0.05, 16.0).unwrap(), 16.0 / 1.75));
        assert!(close(amdahl_speedup(0.0, 8.0).unwrap(), 8.0));
        assert!(close(amdahl_speedup(1.0, 8.0).unwrap(), 1.0));
        assert!(close(gustafson_speedup(0.05, 16.0).unwrap(), 15.25));
        // Gustafson's 5% on 16 workers is 0.05 / 15.25 of the one-worker time.
        let s_a = amdahl_fraction_of_gustafson(0.05, 16.0).unwrap();
        assert!(close(s_a, 0.05 / 15.25));
        assert!(close(amdahl_speedup(s_a, 16.0).unwrap(), 15.25));
        assert!(close(usl_capacity(1.0, 0.3, 0.1).unwrap(), 1.0));
        assert!(close(usl_capacity(4.0, 0.1, 0.01).unwrap(), 4.0 / 1.42));
        assert_eq!(usl_peak(0.05, 0.0), Ok(None));
        assert!(close(usl_peak(0.0, 0.01).unwrap().unwrap(), 10.0));
        assert!(close(littles_law_l(2.0, 5.5).unwrap(), 11.0));
        assert_eq!(work_span_bounds(10.0, 1.0, 4.0), Ok((2.5, 3.5)));
        assert_eq!(brent_bound(10.0, 2.0, 4.0), Ok(4.0));
        assert_eq!(usl_best_workers(0.05, 0.002), Ok(Some(22.0)));
    }

    #[test]
    fn models_name_bad_input() {
        assert!(matches!(
            amdahl_speedup(1.5, 2.0),
            Err(ModelError::TooLarge { .. })
        ));
        assert!(matches!(
            amdahl_speedup(0.5, 0.5),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            gustafson_speedup(f64::NAN, 2.0),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            usl_capacity(2.0, 0.1, -0.1),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            usl_peak(0.1, f64::NAN),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            littles_law_l(1e200, 1e200),
            Err(ModelError::NotFinite { .. })
        ));
        assert!(matches!(
            work_span_bounds(1.0, 2.0, 4.0),
            Err(ModelError::Inconsistent { .. })
        ));
        assert!(matches!(
            work_span_bounds(0.0, 0.0, 4.0),
            Err(ModelError::TooSmall { .. })
        ));
    }

    #[test]
    fn the_source_program_on_one_and_ten_workers() {
        let tasks = [1.0; 10];
        let serial = Schedule::list(&tasks, 1).unwrap();
        assert_eq!(serial.makespan(), 10.0);
        assert_eq!(source_p(&serial.busy_times(), serial.makespan()), Ok(1.0));
        // Counting the wait for the mutex turns P into Little's L.
        assert_eq!(
            source_p(&serial.times_in_system(), serial.makespan()),
            Ok(5.5)
        );
        let parallel = Schedule::list(&tasks, 10).unwrap();
        assert_eq!(parallel.makespan(), 1.0);
        assert_eq!(
            source_p(&parallel.busy_times(), parallel.makespan()),
            Ok(10.0)
        );
        let four = Schedule::list(&tasks, 4).unwrap();
        assert_eq!(four.makespan(), 3.0);
        assert_eq!(four.placements()[4].worker, 0);
        assert!(matches!(
            Schedule::list(&tasks, 0),
            Err(ModelError::TooSmall { .. })
        ));
        assert!(matches!(
            Schedule::list(&[], 2),
            Err(ModelError::Empty { .. })
        ));
    }
}
