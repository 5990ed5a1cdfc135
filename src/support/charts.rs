//! Line charts as SVG, drawn with `plotters` (its SVG backend, no fonts).
//!
//! A pillar describes a chart as data ([`Chart`]: axes, series, guides) and
//! [`Chart::to_svg`] draws it. The book's charts are listed in
//! [`crate::book_charts`]; `tests/charts.rs` draws each one again and fails
//! if the file in `chapters/images/` differs, the way `tests/outputs.rs`
//! checks printed outputs.
//!
//! Two properties make plotters fit for that check, and the tests below
//! hold it to both: the same chart gives the same bytes on every run (its
//! naive text metrics need no font installed), and text stays text
//! (`<text>` elements the reader's browser sets in its own font).

use crate::support::error::ModelError;
use plotters::prelude::*;
use std::fmt;

/// Why a chart could not be drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartError {
    /// A model refused the parameters the chart gave it.
    Model(ModelError),
    /// An axis range is unusable.
    BadAxis { axis: &'static str, why: String },
    /// A series holds a point that is NaN or infinite.
    BadPoint { series: String, x: f64, y: f64 },
    /// A chart with no series, or a series with fewer than two points.
    NothingToDraw { why: String },
    /// plotters itself failed.
    Draw(String),
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChartError::Model(e) => {
                write!(f, "a model refused the chart's parameters: {e}")
            }
            ChartError::BadAxis { axis, why } => write!(f, "the {axis} axis: {why}"),
            ChartError::BadPoint { series, x, y } => write!(
                f,
                "series {series:?} has the point ({x}, {y}); points must be finite"
            ),
            ChartError::NothingToDraw { why } => f.write_str(why),
            ChartError::Draw(why) => {
                write!(f, "plotters could not draw the chart: {why}")
            }
        }
    }
}

impl std::error::Error for ChartError {}

impl From<ModelError> for ChartError {
    fn from(e: ModelError) -> Self {
        ChartError::Model(e)
    }
}

/// One axis: its label and its range. plotters places the ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub label: String,
    pub min: f64,
    pub max: f64,
}

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Solid,
    Dashed,
    Dotted,
}

/// A curve, drawn as straight segments between its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub label: String,
    /// Red, green and blue.
    pub color: (u8, u8, u8),
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

/// The canvas, in SVG user units (pixels at 100% zoom).
const SIZE: (u32, u32) = (740, 440);
const GUIDE_GREY: RGBColor = RGBColor(136, 136, 136);

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

impl Axis {
    fn validate(&self, axis: &'static str) -> Result<(), ChartError> {
        let bad = |why: String| Err(ChartError::BadAxis { axis, why });
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
        Ok(())
    }

    fn contains(&self, v: f64) -> bool {
        v.is_finite() && self.min <= v && v <= self.max
    }
}

/// A tick label: whole numbers without decimals, others with up to two.
fn tick(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}").trim_end_matches('0').to_string()
    }
}

fn draw_error(e: impl fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

impl Chart {
    fn validate(&self) -> Result<(), ChartError> {
        self.x.validate("x")?;
        self.y.validate("y")?;
        if self.series.is_empty() {
            return Err(ChartError::NothingToDraw {
                why: format!("the chart {:?} has no series", self.title),
            });
        }
        for s in &self.series {
            if s.points.len() < 2 {
                return Err(ChartError::NothingToDraw {
                    why: format!("series {:?} needs at least two points", s.label),
                });
            }
            let bad = s
                .points
                .iter()
                .find(|(x, y)| !x.is_finite() || !y.is_finite());
            if let Some(&(x, y)) = bad {
                let series = s.label.clone();
                return Err(ChartError::BadPoint { series, x, y });
            }
        }
        for g in &self.guides {
            let (axis, v, range) = match g {
                Guide::AtX { x, .. } => ("x", *x, &self.x),
                Guide::AtY { y, .. } => ("y", *y, &self.y),
            };
            if !range.contains(v) {
                let why =
                    format!("a guide at {v} lies outside {}..{}", range.min, range.max);
                return Err(ChartError::BadAxis { axis, why });
            }
        }
        Ok(())
    }

    /// The chart as a standalone SVG document, with the title and
    /// description a screen reader announces. The same chart always gives
    /// the same bytes.
    pub fn to_svg(&self) -> Result<String, ChartError> {
        self.validate()?;
        let mut svg = String::new();
        self.draw(SVGBackend::with_string(&mut svg, SIZE).into_drawing_area())?;
        // plotters writes no <title> or <desc>: add them after <svg ...>.
        let accessible = format!(
            "<title>{}</title>\n<desc>{}</desc>\n",
            escape(&self.title),
            escape(&self.description)
        );
        let after_root = svg.find('\n').map_or(svg.len(), |i| i + 1);
        svg.insert_str(after_root, &accessible);
        Ok(svg)
    }

    fn draw(
        &self,
        root: DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(draw_error)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                &self.title,
                ("sans-serif", 20).into_font().style(FontStyle::Bold),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(52)
            .build_cartesian_2d(self.x.min..self.x.max, self.y.min..self.y.max)
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .x_desc(self.x.label.as_str())
            .y_desc(self.y.label.as_str())
            .label_style(("sans-serif", 14))
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(WHITE)
            .draw()
            .map_err(draw_error)?;

        // Guides first, so the curves are drawn over them.
        let guide_style = GUIDE_GREY.stroke_width(1);
        let label_style = ("sans-serif", 14).into_font().color(&GUIDE_GREY);
        for g in &self.guides {
            // A vertical guide's label hangs inside the top of the plot; a
            // horizontal one's sits just above its line, at the left.
            let (ends, at, offset, label) = match g {
                Guide::AtX { x, label } => (
                    [(*x, self.y.min), (*x, self.y.max)],
                    (*x, self.y.max),
                    (6, 6),
                    label,
                ),
                Guide::AtY { y, label } => (
                    [(self.x.min, *y), (self.x.max, *y)],
                    (self.x.min, *y),
                    (6, -18),
                    label,
                ),
            };
            chart
                .draw_series(DashedLineSeries::new(ends, 4, 4, guide_style))
                .map_err(draw_error)?;
            let label = label.clone();
            let text =
                EmptyElement::at(at) + Text::new(label, offset, label_style.clone());
            chart.draw_series([text]).map_err(draw_error)?;
        }

        for s in &self.series {
            let (r, g, b) = s.color;
            let color = RGBColor(r, g, b);
            let style = color.stroke_width(2);
            let points = s.points.iter().copied();
            let drawn = match s.stroke {
                Stroke::Solid => chart.draw_series(LineSeries::new(points, style)),
                Stroke::Dashed => {
                    chart.draw_series(DashedLineSeries::new(points, 8, 5, style))
                }
                Stroke::Dotted => {
                    chart.draw_series(DashedLineSeries::new(points, 2, 4, style))
                }
            }
            .map_err(draw_error)?;
            drawn
                .label(s.label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 24, y)], style));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()
            .map_err(draw_error)?;
        root.present().map_err(draw_error)
    }
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
            },
            y: Axis {
                label: "y".to_string(),
                min: 0.0,
                max: 4.0,
            },
            series: vec![Series {
                label: "line".to_string(),
                color: (0, 0, 0),
                stroke: Stroke::Solid,
                points: vec![(0.0, 0.0), (10.0, 4.0)],
            }],
            guides: vec![],
        }
    }

    #[test]
    fn text_stays_text_and_is_escaped() {
        let mut c = tiny();
        c.title = "a < b & \"c\"".to_string();
        c.series[0].label = "the legend".to_string();
        let svg = c.to_svg().unwrap();
        assert!(
            svg.contains("<title>a &lt; b &amp; &quot;c&quot;</title>"),
            "{svg}"
        );
        assert!(svg.contains("<desc>d</desc>"));
        assert!(!svg.contains("a < b"));
        // The legend and the axis labels are <text> elements, not paths.
        for word in ["the legend", ">\nx\n<", ">\ny\n<"] {
            assert!(svg.contains(word), "{word:?} missing from {svg}");
        }
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn strokes_differ_on_the_page() {
        let draw = |stroke| {
            let mut c = tiny();
            c.series[0].stroke = stroke;
            c.to_svg().unwrap()
        };
        let (solid, dashed, dotted) = (
            draw(Stroke::Solid),
            draw(Stroke::Dashed),
            draw(Stroke::Dotted),
        );
        assert_ne!(solid, dashed);
        assert_ne!(dashed, dotted);
        assert_ne!(solid, dotted);
    }

    #[test]
    fn bad_charts_are_refused() {
        let mut c = tiny();
        c.x.max = c.x.min;
        assert!(matches!(
            c.to_svg(),
            Err(ChartError::BadAxis { axis: "x", .. })
        ));

        let mut c = tiny();
        c.y.min = f64::NAN;
        assert!(matches!(
            c.to_svg(),
            Err(ChartError::BadAxis { axis: "y", .. })
        ));

        let mut c = tiny();
        c.series[0].points[1].1 = f64::INFINITY;
        let e = c.to_svg().unwrap_err();
        assert!(matches!(e, ChartError::BadPoint { .. }));
        assert!(e.to_string().contains("must be finite"), "{e}");

        let mut c = tiny();
        c.series.clear();
        assert!(matches!(c.to_svg(), Err(ChartError::NothingToDraw { .. })));

        let mut c = tiny();
        c.series[0].points.truncate(1);
        assert!(matches!(c.to_svg(), Err(ChartError::NothingToDraw { .. })));

        let mut c = tiny();
        c.guides.push(Guide::AtX {
            x: -1.0,
            label: "g".to_string(),
        });
        assert!(matches!(
            c.to_svg(),
            Err(ChartError::BadAxis { axis: "x", .. })
        ));
        let mut c = tiny();
        c.guides.push(Guide::AtY {
            y: 4.5,
            label: "g".to_string(),
        });
        assert!(matches!(
            c.to_svg(),
            Err(ChartError::BadAxis { axis: "y", .. })
        ));
    }

    #[test]
    fn the_same_chart_gives_the_same_bytes() {
        assert_eq!(tiny().to_svg().unwrap(), tiny().to_svg().unwrap());
    }
}
