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
//! - [`usl_capacity`] and [`usl_peak`]: N. J. Gunther's Universal Scalability
//!   Law (1993; the book *Guerrilla Capacity Planning*, Springer, 2007).
//! - [`littles_law_l`]: J. D. C. Little, "A proof for the queuing formula:
//!   L = λW", Operations Research 9(3), 1961.
//! - [`work_span_bounds`]: the work/span laws of Cormen, Leiserson, Rivest and
//!   Stein, *Introduction to Algorithms*, 3rd ed., ch. 27 (after Blumofe and
//!   Leiserson), with the upper bound of R. P. Brent, "The parallel
//!   evaluation of general arithmetic expressions", JACM 21(2), 1974.
//!
//! [`Schedule`] places tasks on workers, so the formulas can be checked
//! against real schedules rather than against themselves.

use crate::support::error::{ModelError, at_least, fraction, positive};

// ANCHOR: source_p
/// The source article's formula, as written: P = (T1 + T2 + … + Tn) / T_total.
///
/// `task_times` are the tasks' busy times and `total` the wall time of the
/// whole run, in any one unit. The article calls P "throughput"; it is the
/// average parallelism of the run (work divided by makespan). Rejected:
/// no tasks, a negative or non-finite time, a zero or non-finite total, and a
/// total shorter than the longest task (no schedule can finish before its
/// longest task does).
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
    finite_result("Amdahl's speedup", 1.0 / (s + (1.0 - s) / n))
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
    // The same quotient, divided through by n so large n cannot overflow.
    let denominator = 1.0 / n + alpha * (1.0 - 1.0 / n) + beta * (n - 1.0);
    finite_result("the USL capacity", 1.0 / denominator)
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
    finite_result("the USL peak", ((1.0 - alpha) / beta).sqrt()).map(Some)
}
// ANCHOR_END: usl_peak

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
/// (Cormen et al., *Introduction to Algorithms*, ch. 27, after Blumofe and
/// Leiserson); any schedule obeys it. The upper bound is Brent's theorem
/// (Brent 1974): a greedy scheduler, which never leaves a worker idle while a
/// task is ready, achieves it. The speedup T₁ / T_p is thus at most
/// min(p, T₁ / T∞).
pub fn work_span_bounds(
    work: f64,
    span: f64,
    workers: f64,
) -> Result<(f64, f64), ModelError> {
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
    let lower = (work / p).max(span);
    let upper = finite_result("Brent's bound T₁/p + T∞", work / p + span)?;
    Ok((lower, upper))
}
// ANCHOR_END: work_span

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

impl Schedule {
    /// Greedy list scheduling (Graham 1966): take the tasks in order and give
    /// each to the worker that becomes free first (the lowest-numbered on a
    /// tie). One worker is the Go listing whose mutex makes every task wait
    /// for the one before.
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
        let mut free_at = vec![0.0_f64; workers];
        let mut placements = Vec::with_capacity(task_times.len());
        for &t in task_times {
            let t = at_least("a task time", t, 0.0)?;
            let (worker, &start) = free_at
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .expect("at least one worker");
            let finish = finite_result("a task's finish time", start + t)?;
            free_at[worker] = finish;
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
            usl_peak(0.1, f64::from_bits(1)),
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
