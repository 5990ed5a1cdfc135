//! Section 3.1: the source's "throughput" formula, and the models engineers use.

use super::{ModelError, at_least, positive};

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
            why: format!("a task took {longest}, longer than the whole run's T_total of {total}"),
        });
    }
    Ok(work / total)
}
// ANCHOR_END: source_p

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
}
