//! The chart of section 3.2: the gap above the mean, max − m/n, against
//! the number of requests m on a fixed number of servers, for one uniform
//! choice and for two choices, each beside its theory.
//! `chapters/images/ch03-02-gap.svg` is this chart.
//!
//! The charts module has no logarithmic axis, so x is log₁₀ m: each unit
//! is ten times more requests.

use super::formula::{d_choice_gap, one_choice_heavy_gap};
use super::simulation::{PolicyKind, gap_curve};
use crate::support::charts::{Axis, Chart, ChartError, Series, Stroke};

/// The parameters of the gap chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapParams {
    /// The servers n.
    pub servers: usize,
    /// The most requests drawn, as a multiple of n.
    pub max_per_server: u64,
    /// Trials averaged at each point.
    pub trials: u64,
    /// The trials' seed.
    pub seed: u64,
}

/// What the 3.2 page shows: 100 servers, up to 1000 requests per server,
/// 20 trials.
pub const GAP: GapParams = GapParams {
    servers: 100,
    max_per_server: 1000,
    trials: 20,
    seed: 1,
};

/// The chart's file name in `chapters/images/` and its SVG, for
/// [`crate::book_charts`].
pub fn book_entry() -> Result<(&'static str, String), ChartError> {
    Ok(("ch03-02-gap.svg", gap_chart(GAP)?.to_svg()?))
}

/// Points per tenfold increase of m.
const STEPS_PER_DECADE: u32 = 4;

/// The gap against log₁₀ m, for m from n to `max_per_server`·n: measured
/// for uniform and two choices, and the theory of each (Raab and Steger's
/// √(2 (m/n) ln n) and Berenbrink et al.'s ln ln n / ln 2, without its
/// O(1)).
pub fn gap_chart(p: GapParams) -> Result<Chart, ChartError> {
    if p.servers < 3 || p.max_per_server < 10 {
        return Err(ChartError::NothingToDraw {
            why: format!(
                "{} servers up to {} requests each; the chart needs at least 3 servers \
                 and 10 requests per server",
                p.servers, p.max_per_server
            ),
        });
    }
    let n = p.servers as u64;
    let decades = (p.max_per_server as f64).log10();
    let steps = (decades * f64::from(STEPS_PER_DECADE)).floor() as u32;
    let mut checkpoints: Vec<u64> = (0..=steps)
        .map(|i| {
            let per = 10f64.powf(f64::from(i) / f64::from(STEPS_PER_DECADE));
            (per * n as f64).round() as u64
        })
        .collect();
    checkpoints.dedup();
    let x = |m: u64| (m as f64).log10();
    let measured = |kind| -> Result<Vec<(f64, f64)>, ChartError> {
        let curve = gap_curve(kind, p.servers, &checkpoints, p.trials, p.seed)?;
        Ok(curve.into_iter().map(|(m, g)| (x(m), g)).collect())
    };
    let uniform = measured(PolicyKind::Uniform)?;
    let two = measured(PolicyKind::Choices(2))?;
    let uniform_theory = checkpoints
        .iter()
        .map(|&m| Ok((x(m), one_choice_heavy_gap(m, n)?)))
        .collect::<Result<Vec<_>, ChartError>>()?;
    let flat = d_choice_gap(n, 2)?;
    let (first, last) = (x(checkpoints[0]), x(checkpoints[checkpoints.len() - 1]));
    let two_theory = vec![(first, flat), (last, flat)];
    let top = uniform
        .iter()
        .chain(&uniform_theory)
        .map(|&(_, g)| g)
        .fold(0.0, f64::max);

    Ok(Chart {
        title: format!("Gap above the mean on {} servers", p.servers),
        description: format!(
            "The busiest server's load minus the mean m/n, against log10 of the number \
             of requests m from {} to {}, on n = {} servers, averaged over {} seeded \
             trials: one uniform choice grows like the square root of 2 (m/n) ln n, \
             two choices stays near ln ln n / ln 2 = {flat:.2}.",
            checkpoints[0],
            checkpoints[checkpoints.len() - 1],
            p.servers,
            p.trials
        ),
        x: Axis {
            label: format!("requests m, as log10 m ({} servers)", p.servers),
            min: first,
            max: last,
        },
        y: Axis {
            label: "max load − m/n".to_string(),
            min: 0.0,
            max: (top * 1.1).ceil(),
        },
        series: vec![
            Series {
                label: "uniform, theory √(2 (m/n) ln n)".to_string(),
                color: (31, 119, 180),
                stroke: Stroke::Dashed,
                points: uniform_theory,
            },
            Series {
                label: "uniform (the source), measured".to_string(),
                color: (31, 119, 180),
                stroke: Stroke::Solid,
                points: uniform,
            },
            Series {
                label: format!("two choices, theory ln ln n / ln 2 = {flat:.2}"),
                color: (214, 39, 40),
                stroke: Stroke::Dashed,
                points: two_theory,
            },
            Series {
                label: "two choices, measured".to_string(),
                color: (214, 39, 40),
                stroke: Stroke::Solid,
                points: two,
            },
        ],
        guides: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_refused() {
        for bad in [
            GapParams { servers: 2, ..GAP },
            GapParams {
                max_per_server: 9,
                ..GAP
            },
        ] {
            assert!(matches!(
                gap_chart(bad),
                Err(ChartError::NothingToDraw { .. })
            ));
        }
        let no_trials = GapParams { trials: 0, ..GAP };
        assert!(matches!(gap_chart(no_trials), Err(ChartError::Model(_))));
    }

    #[test]
    fn the_chart_shows_the_gap_growing_for_one_choice_only() {
        let small = GapParams {
            servers: 20,
            max_per_server: 100,
            trials: 4,
            seed: 1,
        };
        let chart = gap_chart(small).unwrap();
        let points = |i: usize| chart.series[i].points.clone();
        let (uniform, two) = (points(1), points(3));
        assert_eq!(uniform.len(), 9);
        assert_eq!(uniform[0].0, 20f64.log10());
        assert_eq!(uniform[8].0, 2000f64.log10());
        // At 100 per server, uniform's gap is several times two choices'.
        assert!(uniform[8].1 > 3.0 * two[8].1, "{uniform:?} {two:?}");
        assert!(two.iter().all(|&(_, g)| g < 4.0), "{two:?}");
        assert!(chart.to_svg().is_ok());
    }
}
