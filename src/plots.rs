//! Charts of the book's models, computed by the library and written as SVG.
//!
//! Every picture in `chapters/images/` comes from [`book_images`]. The test
//! `tests/plots.rs` draws each one again and fails if the file on disk
//! differs, the way `tests/outputs.rs` checks printed outputs. Regenerate
//! them with `UPDATE_PLOTS=1 cargo test --test plots`.
//!
//! The SVG is written here by hand rather than by a plotting crate, for three
//! reasons. The same input gives the same bytes on every machine, so a diff
//! means the numbers changed. Text stays text (`<text>` elements): nothing
//! needs a font installed when the file is made, and the reader's browser
//! picks the font when it shows the page. And the crate gains no dependency.

use crate::models::ModelError;
use crate::models::parallelism::{amdahl_speedup, gustafson_speedup, usl_capacity, usl_peak};
use std::fmt::{self, Write as _};

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum PlotError {
    /// A model refused the parameters the chart gave it.
    Model(ModelError),
    /// An axis range or tick is unusable.
    BadAxis { axis: &'static str, why: String },
    /// A series holds a point that is NaN or infinite.
    BadPoint { series: String, x: f64, y: f64 },
    /// A chart with no series, or a series with fewer than two points.
    NothingToDraw { why: String },
}

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlotError::Model(e) => write!(f, "a model refused the chart's parameters: {e}"),
            PlotError::BadAxis { axis, why } => write!(f, "the {axis} axis: {why}"),
            PlotError::BadPoint { series, x, y } => {
                write!(
                    f,
                    "series {series:?} has the point ({x}, {y}); points must be finite"
                )
            }
            PlotError::NothingToDraw { why } => f.write_str(why),
        }
    }
}

impl std::error::Error for PlotError {}

impl From<ModelError> for PlotError {
    fn from(e: ModelError) -> Self {
        PlotError::Model(e)
    }
}

/// One axis: its label, its range and where its ticks go.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
}

impl Stroke {
    fn dasharray(self) -> &'static str {
        match self {
            Stroke::Solid => "",
            Stroke::Dashed => r#" stroke-dasharray="8 5""#,
            Stroke::Dotted => r#" stroke-dasharray="2 4""#,
        }
    }
}

/// A curve, drawn as straight segments between its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Any SVG colour, e.g. `#1f77b4`.
    pub color: &'static str,
    pub stroke: Stroke,
    pub points: Vec<(f64, f64)>,
}

/// A thin reference line across the plot, with a label beside it.
#[derive(Debug, Clone, PartialEq)]
pub enum Guide {
    /// A vertical line at this x.
    AtX { x: f64, label: String },
    /// A horizontal line at this y.
    AtY { y: f64, label: String },
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    /// Read by screen readers (the SVG's `<desc>`).
    pub description: String,
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub guides: Vec<Guide>,
}

// The canvas, in SVG user units (pixels at 100% zoom).
const WIDTH: f64 = 740.0;
const HEIGHT: f64 = 440.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 520.0;
const TOP: f64 = 48.0;
const BOTTOM: f64 = 384.0;
const LEGEND_X: f64 = 536.0;

/// Escapes text for SVG element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with two decimals, never `-0.00`.
fn coord(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_string() } else { s }
}

/// A tick label: whole numbers without decimals, others with up to two.
fn tick_label(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').to_string()
    }
}

impl Axis {
    fn validate(&self, axis: &'static str) -> Result<(), PlotError> {
        let bad = |why: String| Err(PlotError::BadAxis { axis, why });
        if !self.min.is_finite() || !self.max.is_finite() {
            return bad(format!(
                "the range {}..{} must be finite",
                self.min, self.max
            ));
        }
        if self.min >= self.max {
            return bad(format!(
                "the range {}..{} is empty; min must be below max",
                self.min, self.max
            ));
        }
        if let Some(t) = self
            .ticks
            .iter()
            .find(|t| !t.is_finite() || **t < self.min || **t > self.max)
        {
            return bad(format!(
                "the tick {t} lies outside {}..{}",
                self.min, self.max
            ));
        }
        Ok(())
    }

    /// Maps a value on this axis to a position between `from` and `to`.
    fn map(&self, v: f64, from: f64, to: f64) -> f64 {
        from + (v - self.min) / (self.max - self.min) * (to - from)
    }
}

impl Chart {
    fn px(&self, x: f64) -> f64 {
        self.x.map(x, LEFT, RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        self.y.map(y, BOTTOM, TOP)
    }

    fn validate(&self) -> Result<(), PlotError> {
        self.x.validate("x")?;
        self.y.validate("y")?;
        if self.series.is_empty() {
            return Err(PlotError::NothingToDraw {
                why: format!("the chart {:?} has no series", self.title),
            });
        }
        for s in &self.series {
            if s.points.len() < 2 {
                return Err(PlotError::NothingToDraw {
                    why: format!("series {:?} needs at least two points", s.label),
                });
            }
            if let Some(&(x, y)) = s
                .points
                .iter()
                .find(|(x, y)| !x.is_finite() || !y.is_finite())
            {
                return Err(PlotError::BadPoint {
                    series: s.label.clone(),
                    x,
                    y,
                });
            }
        }
        for g in &self.guides {
            let (axis, v, range) = match g {
                Guide::AtX { x, .. } => ("x", *x, &self.x),
                Guide::AtY { y, .. } => ("y", *y, &self.y),
            };
            if !v.is_finite() || v < range.min || v > range.max {
                return Err(PlotError::BadAxis {
                    axis,
                    why: format!("a guide at {v} lies outside {}..{}", range.min, range.max),
                });
            }
        }
        Ok(())
    }

    /// The chart as a standalone SVG document. The same chart always gives
    /// the same bytes. Parts of curves outside the axes' ranges are clipped.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        self.validate()?;
        let mut s = String::new();
        // Writing to a String cannot fail; `w!` keeps the lines short.
        macro_rules! w {
            ($($arg:tt)*) => { let _ = writeln!(s, $($arg)*); };
        }
        w!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" font-family="sans-serif" font-size="13">"#,
            w = WIDTH,
            h = HEIGHT
        );
        w!("<title>{}</title>", escape(&self.title));
        w!("<desc>{}</desc>", escape(&self.description));
        w!(
            r#"<defs><clipPath id="plot-area"><rect x="{}" y="{}" width="{}" height="{}"/></clipPath></defs>"#,
            coord(LEFT),
            coord(TOP),
            coord(RIGHT - LEFT),
            coord(BOTTOM - TOP)
        );
        // An opaque background, so the chart reads the same in dark themes.
        w!(r#"<rect width="100%" height="100%" fill="white"/>"#);
        w!(
            r#"<text x="{}" y="28" text-anchor="middle" font-size="16" font-weight="bold">{}</text>"#,
            coord(WIDTH / 2.0),
            escape(&self.title)
        );

        // Grid and ticks.
        w!(r##"<g stroke="#e3e3e3" stroke-width="1">"##);
        for &t in &self.x.ticks {
            let x = coord(self.px(t));
            w!(
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
                coord(TOP),
                coord(BOTTOM)
            );
        }
        for &t in &self.y.ticks {
            let y = coord(self.py(t));
            w!(
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
                coord(LEFT),
                coord(RIGHT)
            );
        }
        w!("</g>");
        w!(r##"<g fill="#333">"##);
        for &t in &self.x.ticks {
            w!(
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                coord(self.px(t)),
                coord(BOTTOM + 18.0),
                tick_label(t)
            );
        }
        for &t in &self.y.ticks {
            w!(
                r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
                coord(LEFT - 8.0),
                coord(self.py(t) + 4.0),
                tick_label(t)
            );
        }
        w!("</g>");
        w!(
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            coord((LEFT + RIGHT) / 2.0),
            coord(BOTTOM + 42.0),
            escape(&self.x.label)
        );
        w!(
            r#"<text transform="translate({} {}) rotate(-90)" text-anchor="middle">{}</text>"#,
            coord(LEFT - 44.0),
            coord((TOP + BOTTOM) / 2.0),
            escape(&self.y.label)
        );
        w!(
            r##"<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#555"/>"##,
            coord(LEFT),
            coord(TOP),
            coord(RIGHT - LEFT),
            coord(BOTTOM - TOP)
        );

        // Guides, under the curves.
        for g in &self.guides {
            match g {
                Guide::AtX { x, label } => {
                    let x = self.px(*x);
                    w!(
                        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888" stroke-dasharray="4 4"/>"##,
                        coord(x),
                        coord(TOP),
                        coord(x),
                        coord(BOTTOM)
                    );
                    w!(
                        r##"<text x="{}" y="{}" text-anchor="end" fill="#555">{}</text>"##,
                        coord(x - 5.0),
                        coord(TOP + 16.0),
                        escape(label)
                    );
                }
                Guide::AtY { y, label } => {
                    let y = self.py(*y);
                    w!(
                        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888" stroke-dasharray="4 4"/>"##,
                        coord(LEFT),
                        coord(y),
                        coord(RIGHT),
                        coord(y)
                    );
                    w!(
                        r##"<text x="{}" y="{}" fill="#555">{}</text>"##,
                        coord(LEFT + 6.0),
                        coord(y - 6.0),
                        escape(label)
                    );
                }
            }
        }

        // Curves, clipped to the plot area.
        w!(r#"<g clip-path="url(#plot-area)" fill="none" stroke-width="2.5">"#);
        for series in &self.series {
            let points: Vec<String> = series
                .points
                .iter()
                .map(|&(x, y)| format!("{},{}", coord(self.px(x)), coord(self.py(y))))
                .collect();
            w!(
                r#"<polyline stroke="{}"{} points="{}"><title>{}</title></polyline>"#,
                escape(series.color),
                series.stroke.dasharray(),
                points.join(" "),
                escape(&series.label)
            );
        }
        w!("</g>");

        // Legend, right of the plot.
        for (i, series) in self.series.iter().enumerate() {
            let y = TOP + 12.0 + 26.0 * i as f64;
            w!(
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.5"{}/>"#,
                coord(LEGEND_X),
                coord(y),
                coord(LEGEND_X + 28.0),
                coord(y),
                escape(series.color),
                series.stroke.dasharray()
            );
            w!(
                r#"<text x="{}" y="{}">{}</text>"#,
                coord(LEGEND_X + 36.0),
                coord(y + 4.5),
                escape(&series.label)
            );
        }
        w!("</svg>");
        Ok(s)
    }
}

/// The parameters of the scaling chart. They are the defaults of
/// `ch03-01-models`, so the chart draws the table that program prints
/// (`tests/plots.rs` checks that they agree).
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
pub fn scaling_chart(p: ScalingParams) -> Result<Chart, PlotError> {
    if p.max_workers < 2 {
        return Err(PlotError::NothingToDraw {
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
    let curve = |f: &dyn Fn(f64) -> Result<f64, ModelError>| -> Result<Vec<(f64, f64)>, PlotError> {
        ns.iter().map(|&n| Ok((n, f(n)?))).collect()
    };
    let amdahl = curve(&|n| amdahl_speedup(p.serial, n))?;
    let gustafson = curve(&|n| gustafson_speedup(p.serial, n))?;
    let usl = curve(&|n| usl_capacity(n, p.alpha, p.beta))?;
    let ideal = vec![(1.0, 1.0), (top, top)];

    let step = if top <= 16.0 { 2.0 } else { 4.0 };
    let ticks = |first: f64| -> Vec<f64> {
        std::iter::successors(Some(first), |t| Some(t + step))
            .take_while(|t| *t <= top)
            .collect()
    };
    let mut x_ticks = vec![1.0];
    x_ticks.extend(ticks(step));

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
            ticks: x_ticks,
        },
        y: Axis {
            label: "speedup over one worker".to_string(),
            min: 0.0,
            max: top,
            ticks: ticks(0.0),
        },
        series: vec![
            Series {
                label: "ideal: S = n".to_string(),
                color: "#9a9a9a",
                stroke: Stroke::Dotted,
                points: ideal,
            },
            Series {
                label: format!("Gustafson, s = {}", p.serial),
                color: "#2ca02c",
                stroke: Stroke::Dashed,
                points: gustafson,
            },
            Series {
                label: format!("Amdahl, s = {}", p.serial),
                color: "#1f77b4",
                stroke: Stroke::Solid,
                points: amdahl,
            },
            Series {
                label: format!("USL, α = {}, β = {}", p.alpha, p.beta),
                color: "#d62728",
                stroke: Stroke::Solid,
                points: usl,
            },
        ],
        guides,
    })
}

/// Every picture the book shows: its file name in `chapters/images/` and
/// its SVG text.
pub fn book_images() -> Result<Vec<(&'static str, String)>, PlotError> {
    Ok(vec![(
        "ch03-01-scaling.svg",
        scaling_chart(SCALING)?.to_svg()?,
    )])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Chart {
        Chart {
            title: "t".to_string(),
            description: "d".to_string(),
            x: Axis {
                label: "x".to_string(),
                min: 0.0,
                max: 10.0,
                ticks: vec![0.0, 5.0, 10.0],
            },
            y: Axis {
                label: "y".to_string(),
                min: 0.0,
                max: 4.0,
                ticks: vec![0.0, 2.0, 4.0],
            },
            series: vec![Series {
                label: "line".to_string(),
                color: "black",
                stroke: Stroke::Solid,
                points: vec![(0.0, 0.0), (10.0, 4.0)],
            }],
            guides: vec![],
        }
    }

    /// The `points` attribute of the n-th polyline.
    fn polyline_points(svg: &str, n: usize) -> Vec<(f64, f64)> {
        let line = svg.lines().filter(|l| l.starts_with("<polyline")).nth(n);
        let attr = line.unwrap().split("points=\"").nth(1).unwrap();
        let attr = &attr[..attr.find('"').unwrap()];
        attr.split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn corners_map_to_the_plot_area() {
        let svg = tiny().to_svg().unwrap();
        // (0, 0) is bottom left, (10, 4) top right: SVG's y grows downward.
        assert_eq!(
            polyline_points(&svg, 0),
            [(LEFT, BOTTOM), (RIGHT, TOP)],
            "{svg}"
        );
    }

    #[test]
    fn text_is_escaped() {
        let mut c = tiny();
        c.title = "a < b & \"c\"".to_string();
        let svg = c.to_svg().unwrap();
        assert!(svg.contains("<title>a &lt; b &amp; &quot;c&quot;</title>"));
        assert!(!svg.contains("a < b"));
    }

    #[test]
    fn tags_balance() {
        let svg = scaling_chart(SCALING).unwrap().to_svg().unwrap();
        let mut open: Vec<String> = Vec::new();
        let mut rest = svg.as_str();
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').unwrap() + start;
            let tag = &rest[start + 1..end];
            rest = &rest[end + 1..];
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if tag.ends_with('/') {
                continue;
            } else if tag.starts_with('/') {
                assert_eq!(open.pop().as_deref(), Some(name.as_str()), "at <{tag}>");
            } else {
                open.push(name);
            }
        }
        assert!(open.is_empty(), "unclosed: {open:?}");
    }

    #[test]
    fn bad_charts_are_refused() {
        let mut c = tiny();
        c.x.max = c.x.min;
        assert!(matches!(
            c.to_svg(),
            Err(PlotError::BadAxis { axis: "x", .. })
        ));

        let mut c = tiny();
        c.y.min = f64::NAN;
        assert!(matches!(
            c.to_svg(),
            Err(PlotError::BadAxis { axis: "y", .. })
        ));

        let mut c = tiny();
        c.x.ticks.push(11.0);
        assert!(matches!(c.to_svg(), Err(PlotError::BadAxis { .. })));

        let mut c = tiny();
        c.series[0].points[1].1 = f64::INFINITY;
        let e = c.to_svg().unwrap_err();
        assert!(matches!(e, PlotError::BadPoint { .. }));
        assert!(e.to_string().contains("must be finite"), "{e}");

        let mut c = tiny();
        c.series.clear();
        assert!(matches!(c.to_svg(), Err(PlotError::NothingToDraw { .. })));

        let mut c = tiny();
        c.series[0].points.truncate(1);
        assert!(matches!(c.to_svg(), Err(PlotError::NothingToDraw { .. })));

        let mut c = tiny();
        c.guides.push(Guide::AtX {
            x: -1.0,
            label: "g".to_string(),
        });
        assert!(matches!(
            c.to_svg(),
            Err(PlotError::BadAxis { axis: "x", .. })
        ));
    }

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
                matches!(scaling_chart(bad), Err(PlotError::Model(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            scaling_chart(ScalingParams {
                max_workers: 1,
                ..SCALING
            }),
            Err(PlotError::NothingToDraw { .. })
        ));
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
        assert!(chart.guides.contains(&Guide::AtX {
            x: usl_peak(0.05, 0.002).unwrap().unwrap(),
            label: "USL peak n* = 21.8".to_string()
        }));
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes() {
        let a = book_images().unwrap();
        let b = book_images().unwrap();
        assert_eq!(a, b);
        assert!(!a[0].1.contains("NaN") && !a[0].1.contains("inf"));
    }
}
