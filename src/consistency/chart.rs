//! The chart of section 3.4: the chance that a read misses the latest
//! write (one minus PBS's t-visibility), against the time after that write
//! committed, for a few quorum configurations in the WARS model with
//! exponential delays. `chapters/images/ch03-04-visibility.svg` is this
//! chart.
//!
//! It draws the misses rather than the fresh reads because the legend
//! sits in the upper left, where curves rising towards 1 would pass under
//! it; curves falling from p_s towards 0 leave that corner empty.

use super::formula::Quorum;
use super::pbs::{Propagation, Wars, simulate, stale_probability};
use crate::support::charts::{Axis, Chart, ChartError, Series, Stroke};

/// The parameters of the t-visibility chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisibilityParams {
    /// The configurations drawn, as (N, R, W).
    pub configs: &'static [(u32, u32, u32)],
    /// The rate of the write delay W, per ms.
    pub w_lambda: f64,
    /// The rate of the A, R and S delays, per ms.
    pub ars_lambda: f64,
    /// The last time drawn after the commit, in ms.
    pub t_max: f64,
    /// Trials per configuration.
    pub trials: u64,
    /// The first configuration's seed; the next ones add 1 each.
    pub seed: u64,
}

/// What the 3.4 page shows: writes that take 4 ms on average to reach a
/// replica, acknowledgements, read requests and responses 1 ms, 20 000
/// trials per configuration.
pub const VISIBILITY: VisibilityParams = VisibilityParams {
    configs: &[(3, 1, 1), (3, 2, 1), (3, 1, 2), (5, 2, 2), (3, 2, 2)],
    w_lambda: 0.25,
    ars_lambda: 1.0,
    t_max: 12.0,
    trials: 20_000,
    seed: 1,
};

/// The chart's file name in `chapters/images/` and its SVG, for
/// [`crate::book_charts`].
pub fn book_entry() -> Result<(&'static str, String), ChartError> {
    Ok((
        "ch03-04-visibility.svg",
        visibility_chart(&VISIBILITY)?.to_svg()?,
    ))
}

/// Points drawn per curve, evenly spaced from 0 to `t_max`.
const POINTS: u32 = 97;

/// Colours for up to six curves.
const COLORS: [(u8, u8, u8); 6] = [
    (214, 39, 40),
    (255, 127, 14),
    (31, 119, 180),
    (148, 103, 189),
    (44, 160, 44),
    (23, 190, 207),
];

// ANCHOR: chart
/// One curve per configuration: the fraction of seeded WARS trials whose
/// read, started t ms after the commit, misses the write.
pub fn visibility_chart(p: &VisibilityParams) -> Result<Chart, ChartError> {
    if p.configs.is_empty() || p.configs.len() > COLORS.len() {
        return Err(ChartError::NothingToDraw {
            why: format!(
                "{} configurations; the chart draws 1 to {}",
                p.configs.len(),
                COLORS.len()
            ),
        });
    }
    let model = Wars::exponential(p.w_lambda, p.ars_lambda)?;
    let times: Vec<f64> = (0..POINTS)
        .map(|i| p.t_max * f64::from(i) / f64::from(POINTS - 1))
        .collect();
    let mut series = Vec::new();
    for (i, &(n, r, w)) in p.configs.iter().enumerate() {
        let q = Quorum::new(n, r, w)?;
        let seed = p.seed.wrapping_add(i as u64);
        let vis = simulate(&q, &model, Propagation::Everywhere, p.trials, seed)?;
        let points = times
            .iter()
            .map(|&t| Ok((t, 1.0 - vis.fresh_at(t)?.p())))
            .collect::<Result<Vec<_>, ChartError>>()?;
        let kind = if q.reads_see_writes() {
            "strict: never".to_string()
        } else {
            format!("p_s = {:.3}", stale_probability(&q))
        };
        series.push(Series {
            label: format!("N = {n}, R = {r}, W = {w} ({kind})"),
            color: COLORS[i],
            stroke: Stroke::Solid,
            points,
        });
    }
    Ok(Chart {
        title: "Reads that miss the latest write".to_string(),
        description: format!(
            "The fraction of reads that miss the latest write, against the time in ms \
             between the write's commit and the read's start, from 0 to {} ms, for {} \
             quorum configurations, each from {} seeded trials of the WARS model with \
             exponential delays: writes reach a replica in {} ms on average, \
             acknowledgements, read requests and responses take {} ms.",
            p.t_max,
            p.configs.len(),
            p.trials,
            1.0 / p.w_lambda,
            1.0 / p.ars_lambda
        ),
        x: Axis {
            label: format!(
                "ms after the write commits (mean write delay {} ms, others {} ms)",
                1.0 / p.w_lambda,
                1.0 / p.ars_lambda
            ),
            min: 0.0,
            max: p.t_max,
        },
        y: Axis {
            label: "P(read misses the write)".to_string(),
            min: 0.0,
            max: 1.0,
        },
        series,
        guides: vec![],
    })
}
// ANCHOR_END: chart

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: VisibilityParams = VisibilityParams {
        trials: 2000,
        ..VISIBILITY
    };

    /// The page's SVG is what [`book_entry`] draws (the same check as
    /// `tests/charts.rs`; `UPDATE_CHARTS=1` rewrites the file).
    #[test]
    fn the_page_shows_the_chart_the_code_draws() {
        let (name, svg) = book_entry().unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("chapters/images")
            .join(name);
        if std::env::var_os("UPDATE_CHARTS").is_some() {
            std::fs::write(&path, &svg).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == svg,
            "{} is stale: UPDATE_CHARTS=1",
            path.display()
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        let none = VisibilityParams {
            configs: &[],
            ..SMALL
        };
        assert!(matches!(
            visibility_chart(&none),
            Err(ChartError::NothingToDraw { .. })
        ));
        let bad_quorum = VisibilityParams {
            configs: &[(3, 4, 1)],
            ..SMALL
        };
        assert!(matches!(
            visibility_chart(&bad_quorum),
            Err(ChartError::Model(_))
        ));
        let no_trials = VisibilityParams { trials: 0, ..SMALL };
        assert!(matches!(
            visibility_chart(&no_trials),
            Err(ChartError::Model(_))
        ));
        let bad_rate = VisibilityParams {
            w_lambda: f64::NAN,
            ..SMALL
        };
        assert!(matches!(
            visibility_chart(&bad_rate),
            Err(ChartError::Model(_))
        ));
    }

    #[test]
    fn curves_fall_from_the_closed_form_towards_zero() {
        let chart = visibility_chart(&SMALL).unwrap();
        assert_eq!(chart.series.len(), 5);
        for (s, &(n, r, w)) in chart.series.iter().zip(SMALL.configs) {
            let ceiling = stale_probability(&Quorum::new(n, r, w).unwrap());
            let ys: Vec<f64> = s.points.iter().map(|&(_, y)| y).collect();
            assert_eq!(ys.len(), POINTS as usize);
            assert!(ys.windows(2).all(|p| p[0] >= p[1]), "{}: {ys:?}", s.label);
            // At t = 0 the write is already on its W replicas and maybe
            // more, so no curve starts above the closed form (allowing
            // five standard errors of 2000 trials).
            let bound = 5.0 * (0.25f64 / 2000.0).sqrt();
            assert!(ys[0] <= ceiling + bound, "{}", s.label);
            assert!(ys[ys.len() - 1] < 0.03, "{}: {ys:?}", s.label);
        }
        // The strict quorum never misses.
        assert!(chart.series[4].points.iter().all(|&(_, y)| y == 0.0));
        assert!(chart.to_svg().is_ok());
    }
}
