//! The chart of section 3.1: predicted speedup against workers for
//! Amdahl's law, Gustafson's law and the USL, from the formulas in
//! [`super::formula`]. `chapters/images/ch03-01-scaling.svg` is this chart.

use super::formula::{amdahl_speedup, gustafson_speedup, usl_capacity, usl_peak};
use crate::support::charts::{Axis, Chart, ChartError, Guide, Series, Stroke};
use crate::support::error::ModelError;

/// The parameters of the scaling chart. They are the defaults of
/// `ch03-01-models`, so the chart draws the table that program prints
/// (`tests/charts.rs` checks that they agree).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalingParams {
    /// The serial fraction s of Amdahl's and Gustafson's laws.
    pub serial: f64,
    /// The USL's contention coefficient α.
    pub alpha: f64,
    /// The USL's coherency coefficient β.
    pub beta: f64,
    /// The largest number of workers drawn.
    pub max_workers: u32,
}

/// What the 3.1 page shows: s = α = 0.05, β = 0.002, up to 32 workers.
pub const SCALING: ScalingParams = ScalingParams {
    serial: 0.05,
    alpha: 0.05,
    beta: 0.002,
    max_workers: 32,
};

/// Steps between drawn points, per worker: fine enough for smooth curves.
const STEPS_PER_WORKER: u32 = 4;

/// Predicted speedup against the number of workers n, for Amdahl's law,
/// Gustafson's law and the USL, with the ideal S = n for reference, a guide
/// at Amdahl's ceiling 1/s and one at the USL's peak n*.
pub fn scaling_chart(p: ScalingParams) -> Result<Chart, ChartError> {
    if p.max_workers < 2 {
        return Err(ChartError::NothingToDraw {
            why: format!(
                "max_workers is {}; a curve needs at least 2 workers",
                p.max_workers
            ),
        });
    }
    let top = f64::from(p.max_workers);
    let ns: Vec<f64> = (0..=(p.max_workers - 1) * STEPS_PER_WORKER)
        .map(|i| 1.0 + f64::from(i) / f64::from(STEPS_PER_WORKER))
        .collect();
    let curve = |f: &dyn Fn(f64) -> Result<f64, ModelError>| -> Result<Vec<(f64, f64)>, ChartError> {
        ns.iter().map(|&n| Ok((n, f(n)?))).collect()
    };
    let amdahl = curve(&|n| amdahl_speedup(p.serial, n))?;
    let gustafson = curve(&|n| gustafson_speedup(p.serial, n))?;
    let usl = curve(&|n| usl_capacity(n, p.alpha, p.beta))?;
    let ideal = vec![(1.0, 1.0), (top, top)];

    let mut guides = Vec::new();
    let ceiling = 1.0 / p.serial;
    if ceiling <= top {
        guides.push(Guide::AtY {
            y: ceiling,
            label: format!("Amdahl's ceiling 1/s = {ceiling:.0}"),
        });
    }
    if let Some(peak) = usl_peak(p.alpha, p.beta)?.filter(|n| (1.0..=top).contains(n)) {
        guides.push(Guide::AtX {
            x: peak,
            label: format!("USL peak n* = {peak:.1}"),
        });
    }

    Ok(Chart {
        title: "Predicted speedup on n workers".to_string(),
        description: format!(
            "Speedup against the number of workers n from 1 to {}: Amdahl's law and \
             Gustafson's law with serial fraction s = {}, and the Universal Scalability \
             Law with alpha = {} and beta = {}, beside the ideal speedup n.",
            p.max_workers, p.serial, p.alpha, p.beta
        ),
        x: Axis {
            label: "workers n".to_string(),
            min: 1.0,
            max: top,
        },
        y: Axis {
            label: "speedup over one worker".to_string(),
            min: 0.0,
            max: top,
        },
        series: vec![
            Series {
                label: "ideal: S = n".to_string(),
                color: (154, 154, 154),
                stroke: Stroke::Dotted,
                points: ideal,
            },
            Series {
                label: format!("Gustafson, s = {}", p.serial),
                color: (44, 160, 44),
                stroke: Stroke::Dashed,
                points: gustafson,
            },
            Series {
                label: format!("Amdahl, s = {}", p.serial),
                color: (31, 119, 180),
                stroke: Stroke::Solid,
                points: amdahl,
            },
            Series {
                label: format!("USL, α = {}, β = {}", p.alpha, p.beta),
                color: (214, 39, 40),
                stroke: Stroke::Solid,
                points: usl,
            },
        ],
        guides,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_model_parameters_are_refused() {
        for bad in [
            ScalingParams {
                serial: 1.5,
                ..SCALING
            },
            ScalingParams {
                alpha: f64::NAN,
                ..SCALING
            },
            ScalingParams {
                beta: -0.1,
                ..SCALING
            },
        ] {
            assert!(
                matches!(scaling_chart(bad), Err(ChartError::Model(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            scaling_chart(ScalingParams {
                max_workers: 1,
                ..SCALING
            }),
            Err(ChartError::NothingToDraw { .. })
        ));
        // Two workers are enough for a curve.
        let two = scaling_chart(ScalingParams {
            max_workers: 2,
            ..SCALING
        });
        assert_eq!(
            two.unwrap().series[2].points.last(),
            Some(&(2.0, 1.0 / 0.525))
        );
    }

    #[test]
    fn scaling_chart_draws_the_models() {
        let chart = scaling_chart(SCALING).unwrap();
        let by_label = |prefix: &str| {
            chart
                .series
                .iter()
                .find(|s| s.label.starts_with(prefix))
                .unwrap()
                .points
                .clone()
        };
        let amdahl = by_label("Amdahl");
        let gustafson = by_label("Gustafson");
        let usl = by_label("USL");
        assert_eq!(amdahl.len(), 125);
        assert_eq!(amdahl.first(), Some(&(1.0, 1.0)));
        assert_eq!(amdahl.last().unwrap().0, 32.0);
        // The table of ch03-01-models, at n = 16 (index 60).
        assert_eq!(amdahl[60].0, 16.0);
        assert!((amdahl[60].1 - 9.14).abs() < 0.005);
        assert!((gustafson[60].1 - 15.25).abs() < 0.005);
        assert!((usl[60].1 - 7.17).abs() < 0.005);
        // Gustafson is never below Amdahl; the USL peaks inside the range.
        assert!(gustafson.iter().zip(&amdahl).all(|(g, a)| g.1 >= a.1));
        let (peak_n, _) = usl
            .iter()
            .copied()
            .fold((0.0, f64::MIN), |b, p| if p.1 > b.1 { p } else { b });
        assert!((peak_n - 21.79f64).abs() <= 0.25, "peak at {peak_n}");
        assert_eq!(chart.guides.len(), 2);
        assert!(chart.guides.contains(&Guide::AtY {
            y: 20.0,
            label: "Amdahl's ceiling 1/s = 20".to_string()
        }));
        assert!(chart.guides.contains(&Guide::AtX {
            x: usl_peak(0.05, 0.002).unwrap().unwrap(),
            label: "USL peak n* = 21.8".to_string()
        }));
    }
}
