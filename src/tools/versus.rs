//! Go against Rust, row by row: what `benches/go_vs_rust/` compares, how it
//! reads both sides' outputs, and how it sums up the rounds.
//!
//! Each [`Row`] pairs one Go benchmark (`go/ch06-01-go-vs-rust/`, run with
//! `go test -bench`) with one Rust benchmark (`benches/go_vs_rust/patterns.rs`,
//! run with divan) that do the same work; the two HTTP rows pair Go's
//! `net/http` server with axum, both driven by the load generator of
//! [`super::hello`]. A round runs every Go benchmark, then every Rust one;
//! its ratio for a row is the Rust time over the Go time, so below 1 means
//! Rust took less time. Over several rounds a row reports the median ratio
//! and the lowest and highest seen ([`Summary`]).
//!
//! The run the book shows is saved as text ([`render_saved`]), and
//! [`SavedRun::parse`] reads it back for the chart and for the test that
//! ties the saved file to this table.

use std::collections::BTreeMap;
use std::fmt;

use plotters::prelude::*;

use crate::support::charts::{ChartError, escape};

/// One comparison: a Go benchmark and the Rust benchmark that does the
/// same work with one Rust tool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    /// What the work is, shared by the rows of one Go benchmark.
    pub pattern: &'static str,
    /// The Rust tool this row measures.
    pub variant: &'static str,
    /// The Go side: its name as `go test -bench` prints it, without the
    /// `-GOMAXPROCS` suffix (`Counter/mutex/workers=2`).
    pub go: &'static str,
    /// The Rust side: the divan path inside `patterns` (`counter::std_mutex::2`).
    pub rust: &'static str,
}

impl Row {
    /// `pattern/variant`: the row's name in outputs and in the saved run.
    pub fn id(&self) -> String {
        format!("{}/{}", self.pattern, self.variant)
    }
}

/// The key under which the HTTP throughput row's measurement (time per
/// request at a fixed concurrency) is filed on both sides.
pub const HTTP_THROUGHPUT: &str = "http/throughput";
/// The key of the HTTP latency row's measurement (p99 at a fixed rate).
pub const HTTP_P99: &str = "http/p99";

const fn row(
    pattern: &'static str,
    variant: &'static str,
    go: &'static str,
    rust: &'static str,
) -> Row {
    Row {
        pattern,
        variant,
        go,
        rust,
    }
}

// ANCHOR: rows
/// Every row the benchmark reports, in the order it prints them.
pub const ROWS: &[Row] = &[
    row(
        "spawn_join",
        "tokio_tasks",
        "SpawnJoin",
        "spawn_join::tokio_tasks",
    ),
    row(
        "spawn_join",
        "std_threads",
        "SpawnJoin",
        "spawn_join::std_threads",
    ),
    row(
        "spawn_join",
        "rayon_scope",
        "SpawnJoin",
        "spawn_join::rayon_scope",
    ),
    row(
        "handoff",
        "std_sync_channel",
        "Handoff",
        "handoff::std_sync_channel",
    ),
    row(
        "handoff",
        "crossbeam_bounded",
        "Handoff",
        "handoff::crossbeam_bounded",
    ),
    row("handoff", "tokio_mpsc", "Handoff", "handoff::tokio_mpsc"),
    row(
        "handoff",
        "tokio_oneshot",
        "Handoff",
        "handoff::tokio_oneshot",
    ),
    row(
        "handoff",
        "tokio_current_thread",
        "Handoff",
        "handoff::tokio_current_thread",
    ),
    row(
        "handoff_1000",
        "tokio_tasks",
        "Handoff1000",
        "handoff_1000::tokio_tasks",
    ),
    row(
        "buffered_1p1c",
        "std_sync_channel",
        "Buffered/1p1c",
        "buffered_1p1c::std_sync_channel",
    ),
    row(
        "buffered_1p1c",
        "crossbeam_bounded",
        "Buffered/1p1c",
        "buffered_1p1c::crossbeam_bounded",
    ),
    row(
        "buffered_1p1c",
        "tokio_mpsc",
        "Buffered/1p1c",
        "buffered_1p1c::tokio_mpsc",
    ),
    row(
        "buffered_4p4c",
        "std_sync_channel",
        "Buffered/4p4c",
        "buffered_4p4c::std_sync_channel",
    ),
    row(
        "buffered_4p4c",
        "crossbeam_bounded",
        "Buffered/4p4c",
        "buffered_4p4c::crossbeam_bounded",
    ),
    row(
        "buffered_4p4c",
        "tokio_mpsc",
        "Buffered/4p4c",
        "buffered_4p4c::tokio_mpsc",
    ),
    row(
        "counter_2",
        "std_mutex",
        "Counter/mutex/workers=2",
        "counter::std_mutex::2",
    ),
    row(
        "counter_4",
        "std_mutex",
        "Counter/mutex/workers=4",
        "counter::std_mutex::4",
    ),
    row(
        "counter_8",
        "std_mutex",
        "Counter/mutex/workers=8",
        "counter::std_mutex::8",
    ),
    row(
        "counter_2",
        "atomic",
        "Counter/atomic/workers=2",
        "counter::atomic::2",
    ),
    row(
        "counter_4",
        "atomic",
        "Counter/atomic/workers=4",
        "counter::atomic::4",
    ),
    row(
        "counter_8",
        "atomic",
        "Counter/atomic/workers=8",
        "counter::atomic::8",
    ),
    row(
        "worker_pool",
        "quickref_run_pool",
        "WorkerPool",
        "worker_pool::quickref_run_pool",
    ),
    row(
        "worker_pool",
        "crossbeam_channel",
        "WorkerPool",
        "worker_pool::crossbeam_channel",
    ),
    row(
        "worker_pool",
        "rayon_par_iter",
        "WorkerPool",
        "worker_pool::rayon_par_iter",
    ),
    row(
        "worker_pool_chunked",
        "std_scope_chunks",
        "WorkerPoolChunked",
        "worker_pool::std_scope_chunks",
    ),
    row(
        "worker_pool_chunked",
        "rayon_par_iter",
        "WorkerPoolChunked",
        "worker_pool::rayon_par_iter",
    ),
    row("pick_two", "chacha8", "PickTwo", "pick_two::chacha8"),
    row("pick_two", "small_rng", "PickTwo", "pick_two::small_rng"),
    row("http_throughput", "axum", HTTP_THROUGHPUT, HTTP_THROUGHPUT),
    row("http_p99", "axum", HTTP_P99, HTTP_P99),
];
// ANCHOR_END: rows

/// The Go benchmarks the rows name (HTTP keys left out), each once.
pub fn go_benchmarks() -> Vec<&'static str> {
    let mut names: Vec<&str> =
        ROWS.iter().map(|r| r.go).filter(|n| !is_http(n)).collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The Rust benchmarks the rows name (HTTP keys left out), each once.
pub fn rust_benchmarks() -> Vec<&'static str> {
    let mut names: Vec<&str> = ROWS
        .iter()
        .map(|r| r.rust)
        .filter(|n| !is_http(n))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn is_http(name: &str) -> bool {
    name == HTTP_THROUGHPUT || name == HTTP_P99
}

/// Why an output, a round or a saved run could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum VersusError {
    /// A line of an output that should hold a measurement does not.
    BadLine { what: &'static str, line: String },
    /// The same benchmark appears twice in one output.
    Duplicate { what: &'static str, name: String },
    /// An output reported a failure.
    Failed { what: &'static str, line: String },
    /// A row's benchmark is missing from a round.
    Missing {
        side: &'static str,
        names: Vec<String>,
    },
    /// A time that is zero, negative, NaN or infinite.
    BadTime { name: String, value: f64 },
    /// No rounds, or rounds of different lengths.
    NoRounds,
}

impl fmt::Display for VersusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersusError::BadLine { what, line } => {
                write!(f, "{what}: cannot read the line {line:?}")
            }
            VersusError::Duplicate { what, name } => {
                write!(f, "{what}: {name} appears twice")
            }
            VersusError::Failed { what, line } => write!(f, "{what} failed: {line}"),
            VersusError::Missing { side, names } => {
                write!(f, "the {side} side has no result for {}", names.join(", "))
            }
            VersusError::BadTime { name, value } => write!(
                f,
                "{name} took {value} ns; a time must be finite and greater than 0"
            ),
            VersusError::NoRounds => f.write_str("no rounds to sum up; run at least one"),
        }
    }
}

impl std::error::Error for VersusError {}

/// Nanoseconds per operation, by benchmark name.
pub type Times = BTreeMap<String, f64>;

fn insert(
    times: &mut Times,
    what: &'static str,
    name: String,
    ns: f64,
) -> Result<(), VersusError> {
    if !(ns.is_finite() && ns > 0.0) {
        return Err(VersusError::BadTime { name, value: ns });
    }
    if times.insert(name.clone(), ns).is_some() {
        return Err(VersusError::Duplicate { what, name });
    }
    Ok(())
}

// ANCHOR: parse_go
/// Reads `go test -bench` output: every `BenchmarkName-N  iters  T ns/op`
/// line, as name (no `Benchmark` prefix, no `-N` suffix) and T.
pub fn parse_go(output: &str) -> Result<Times, VersusError> {
    const WHAT: &str = "go test -bench";
    let mut times = Times::new();
    for line in output.lines() {
        let line = line.trim();
        if line.starts_with("--- FAIL")
            || line.starts_with("FAIL")
            || line.starts_with("panic:")
        {
            return Err(VersusError::Failed {
                what: WHAT,
                line: line.to_string(),
            });
        }
        let Some(rest) = line.strip_prefix("Benchmark") else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let bad = || VersusError::BadLine {
            what: WHAT,
            line: line.to_string(),
        };
        // name, iterations, value, "ns/op", then any extra metrics.
        let at = fields.iter().position(|f| *f == "ns/op").ok_or_else(bad)?;
        if at != 3 {
            return Err(bad());
        }
        fields[1].parse::<u64>().map_err(|_| bad())?;
        let ns: f64 = fields[2].parse().map_err(|_| bad())?;
        let name = strip_procs(fields[0]);
        insert(&mut times, WHAT, name.to_string(), ns)?;
    }
    Ok(times)
}
// ANCHOR_END: parse_go

/// `Counter/mutex/workers=2-8` → `Counter/mutex/workers=2`: Go appends
/// `-GOMAXPROCS` unless it is 1.
fn strip_procs(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((head, procs))
            if !procs.is_empty() && procs.bytes().all(|b| b.is_ascii_digit()) =>
        {
            head
        }
        _ => name,
    }
}

/// A divan time cell (`77.5 ms`, `1.234 µs`, `12 ns`) in nanoseconds.
pub fn parse_time(cell: &str) -> Option<f64> {
    let (number, unit) = cell.trim().split_once(' ')?;
    let scale = match unit.trim() {
        "ps" => 1e-3,
        "ns" => 1.0,
        "µs" | "us" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        _ => return None,
    };
    let value: f64 = number.parse().ok()?;
    let ns = value * scale;
    (ns.is_finite() && ns > 0.0).then_some(ns)
}

// ANCHOR: parse_divan
/// Reads divan's table: each leaf row's median, by its path (`a::b::c`),
/// rebuilt from the tree's indentation. The binary's own name, on the
/// header line, is not part of the path.
pub fn parse_divan(output: &str) -> Result<Times, VersusError> {
    const WHAT: &str = "divan";
    let mut times = Times::new();
    let mut path: Vec<String> = Vec::new();
    let mut in_table = false;
    for line in output.lines() {
        if !in_table {
            in_table = line.contains("fastest") && line.contains("median");
            continue;
        }
        let (depth, rest) = tree_depth(line);
        if depth == 0 {
            if line.trim().is_empty() {
                continue;
            }
            return Err(VersusError::BadLine {
                what: WHAT,
                line: line.to_string(),
            });
        }
        let cells: Vec<&str> = rest.split('│').map(str::trim).collect();
        let (name, first) = match cells[0].split_once("  ") {
            Some((name, time)) => (name.trim(), time.trim()),
            None => (cells[0], ""),
        };
        path.truncate(depth - 1);
        path.push(name.to_string());
        if first.is_empty() && cells[1..].iter().all(|c| c.is_empty()) {
            continue; // a group: its children follow
        }
        if cells.len() < 3 {
            return Err(VersusError::BadLine {
                what: WHAT,
                line: line.to_string(),
            });
        }
        let ns = parse_time(cells[2]).ok_or_else(|| VersusError::BadLine {
            what: WHAT,
            line: line.to_string(),
        })?;
        insert(&mut times, WHAT, path.join("::"), ns)?;
    }
    Ok(times)
}
// ANCHOR_END: parse_divan

/// How deep a line of divan's tree is, and the line after its tree
/// characters. Each level is three characters: `├─ `, `╰─ `, `│  ` or
/// three spaces.
fn tree_depth(line: &str) -> (usize, &str) {
    let mut depth = 0;
    let mut rest = line;
    loop {
        let mut chars = rest.chars();
        let unit: String = chars.by_ref().take(3).collect();
        if ["├─ ", "╰─ ", "│  ", "   "].contains(&unit.as_str()) {
            depth += 1;
            rest = chars.as_str();
        } else {
            return (depth, rest);
        }
    }
}

/// Reads the tree a divan binary prints under `--test` (each benchmark run
/// once; arguments are leaves of their function): every leaf's path, sorted.
/// The first line, the binary's name, is not part of the paths.
pub fn parse_divan_leaves(output: &str) -> Vec<String> {
    let nodes: Vec<(usize, &str)> = output
        .lines()
        .map(tree_depth)
        .filter(|(depth, name)| *depth > 0 && !name.trim().is_empty())
        .collect();
    let mut path: Vec<&str> = Vec::new();
    let mut leaves = Vec::new();
    for (i, &(depth, name)) in nodes.iter().enumerate() {
        path.truncate(depth - 1);
        path.push(name.trim());
        let has_children = nodes.get(i + 1).is_some_and(|&(next, _)| next > depth);
        if !has_children {
            leaves.push(path.join("::"));
        }
    }
    leaves.sort();
    leaves
}

/// What one round measured: nanoseconds per operation on each side, by
/// the names the rows use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Round {
    pub go: Times,
    pub rust: Times,
}

impl Round {
    /// Every row's Rust/Go ratio in this round, in [`ROWS`] order. An error
    /// names every benchmark a row needs that this round lacks.
    pub fn ratios(&self, rows: &[Row]) -> Result<Vec<f64>, VersusError> {
        let missing =
            |side: &'static str, times: &Times, pick: fn(&Row) -> &'static str| {
                let mut names: Vec<String> = Vec::new();
                for name in rows.iter().map(pick) {
                    // Two rows may share a benchmark (both pick-two rows
                    // divide by Go's PickTwo); it is named once.
                    if !times.contains_key(name) && !names.iter().any(|n| n == name) {
                        names.push(name.to_string());
                    }
                }
                if names.is_empty() {
                    Ok(())
                } else {
                    Err(VersusError::Missing { side, names })
                }
            };
        missing("Go", &self.go, |r| r.go)?;
        missing("Rust", &self.rust, |r| r.rust)?;
        Ok(rows
            .iter()
            .map(|r| self.rust[r.rust] / self.go[r.go])
            .collect())
    }
}

/// A row over all rounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

// ANCHOR: summary
/// The median of `values` and their range. Refuses an empty list and any
/// value that is not finite and greater than 0.
pub fn summarize(name: &str, values: &[f64]) -> Result<Summary, VersusError> {
    if values.is_empty() {
        return Err(VersusError::NoRounds);
    }
    if let Some(&bad) = values.iter().find(|v| !(v.is_finite() && **v > 0.0)) {
        return Err(VersusError::BadTime {
            name: name.to_string(),
            value: bad,
        });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Ok(Summary {
        median,
        min: sorted[0],
        max: sorted[n - 1],
    })
}
// ANCHOR_END: summary

/// A row of the final table: the row, its ratio over the rounds, and the
/// median times of each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: String,
    pub go_ns: f64,
    pub rust_ns: f64,
    pub ratio: Summary,
    /// The ratio in each round, in order.
    pub per_round: Vec<f64>,
}

/// Sums up the rounds, row by row.
pub fn sum_up(rows: &[Row], rounds: &[Round]) -> Result<Vec<Line>, VersusError> {
    if rounds.is_empty() {
        return Err(VersusError::NoRounds);
    }
    let ratios: Vec<Vec<f64>> = rounds
        .iter()
        .map(|r| r.ratios(rows))
        .collect::<Result<_, _>>()?;
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let id = row.id();
            let per_round: Vec<f64> = ratios.iter().map(|r| r[i]).collect();
            let go: Vec<f64> = rounds.iter().map(|r| r.go[row.go]).collect();
            let rust: Vec<f64> = rounds.iter().map(|r| r.rust[row.rust]).collect();
            Ok(Line {
                ratio: summarize(&id, &per_round)?,
                go_ns: summarize(row.go, &go)?.median,
                rust_ns: summarize(row.rust, &rust)?.median,
                per_round,
                id,
            })
        })
        .collect()
}

/// A time for people: `812 ns`, `3.41 µs`, `12.3 ms`, `1.20 s`.
pub fn human(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    format!("{value:.digits$} {unit}")
}

/// The header line of the ratio table.
pub const TABLE_HEADER: &str =
    "pattern             rust tool            go          rust        rust/go  range";

/// The widths of the table's first two columns: the longest pattern
/// (`worker_pool_chunked`) and the longest variant (`tokio_current_thread`).
const PATTERN_WIDTH: usize = 19;
const VARIANT_WIDTH: usize = 20;

/// The ratio table, one line per row, as the benchmark prints it.
pub fn render_table(lines: &[Line]) -> String {
    let mut out = String::from(TABLE_HEADER);
    out.push('\n');
    for l in lines {
        let (pattern, variant) = l.id.split_once('/').unwrap_or((&l.id, ""));
        out.push_str(&format!(
            "{pattern:<PATTERN_WIDTH$} {variant:<VARIANT_WIDTH$} {:<11} {:<11} {:<8.2} {:.2}–{:.2}\n",
            human(l.go_ns),
            human(l.rust_ns),
            l.ratio.median,
            l.ratio.min,
            l.ratio.max,
        ));
    }
    out
}

/// The per-round ratios, one line per row.
pub fn render_rounds(lines: &[Line]) -> String {
    let mut out = String::from("rust/go in each round, in order:\n");
    for l in lines {
        let values: Vec<String> = l.per_round.iter().map(|r| format!("{r:.2}")).collect();
        out.push_str(&format!("{:<37} {}\n", l.id, values.join(" ")));
    }
    out
}

/// The saved run: the command, the machine (`key: value` lines), the
/// table and each round's ratios.
pub fn render_saved(command: &str, machine: &[(&str, String)], lines: &[Line]) -> String {
    let mut out = format!("$ {command}\n");
    for (key, value) in machine {
        out.push_str(&format!("{:<8}{value}\n", format!("{key}:")));
    }
    out.push('\n');
    out.push_str(&render_table(lines));
    out.push('\n');
    out.push_str(&render_rounds(lines));
    out
}

/// A row read back from a saved run.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedLine {
    pub id: String,
    pub ratio: Summary,
}

/// A saved run, read back.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedRun {
    /// The `key: value` lines of its header.
    pub machine: Vec<(String, String)>,
    pub lines: Vec<SavedLine>,
}

impl SavedRun {
    /// Reads what [`render_saved`] wrote.
    pub fn parse(text: &str) -> Result<SavedRun, VersusError> {
        const WHAT: &str = "the saved run";
        let bad = |line: &str| VersusError::BadLine {
            what: WHAT,
            line: line.to_string(),
        };
        let mut machine = Vec::new();
        let mut lines = Vec::new();
        let mut in_table = false;
        for line in text.lines().skip(1) {
            if line == TABLE_HEADER {
                in_table = true;
                continue;
            }
            if in_table {
                if line.trim().is_empty() {
                    break;
                }
                let f: Vec<&str> = line.split_whitespace().collect();
                // pattern, tool, go value and unit, rust value and unit,
                // ratio, range.
                if f.len() != 8 {
                    return Err(bad(line));
                }
                let number = |s: &str| s.parse::<f64>().map_err(|_| bad(line));
                let (lo, hi) = f[7].split_once('–').ok_or_else(|| bad(line))?;
                let ratio = Summary {
                    median: number(f[6])?,
                    min: number(lo)?,
                    max: number(hi)?,
                };
                if !(ratio.min <= ratio.median && ratio.median <= ratio.max) {
                    return Err(bad(line));
                }
                lines.push(SavedLine {
                    id: format!("{}/{}", f[0], f[1]),
                    ratio,
                });
            } else if let Some((key, value)) = line.split_once(':') {
                machine.push((key.trim().to_string(), value.trim().to_string()));
            }
        }
        if lines.is_empty() {
            return Err(bad("(no table)"));
        }
        Ok(SavedRun { machine, lines })
    }

    /// Row names this run lists that [`ROWS`] lacks, and the other way round.
    pub fn mismatch(&self, rows: &[Row]) -> (Vec<String>, Vec<String>) {
        let saved: Vec<&str> = self.lines.iter().map(|l| l.id.as_str()).collect();
        let ids: Vec<String> = rows.iter().map(Row::id).collect();
        let extra = saved
            .iter()
            .filter(|s| !ids.iter().any(|i| i == *s))
            .map(|s| s.to_string())
            .collect();
        let lacking = ids
            .iter()
            .filter(|i| !saved.contains(&i.as_str()))
            .cloned()
            .collect();
        (extra, lacking)
    }
}

/// The saved run the page quotes, compiled in so the chart is drawn from it.
pub const SAVED: &str = include_str!("../../benches/results/go_vs_rust.txt");

/// The chart's file name in `chapters/images/` and its SVG, drawn from
/// the saved run, for [`crate::book_charts`].
pub fn book_entry() -> Result<(&'static str, String), ChartError> {
    let run = SavedRun::parse(SAVED)
        .map_err(|e| ChartError::NothingToDraw { why: e.to_string() })?;
    Ok(("ch06-01-go-vs-rust.svg", ratio_chart(&run)?))
}

const CHART_WIDTH: u32 = 740;
const ROW_HEIGHT: u32 = 22;
const RUST_ORANGE: RGBColor = RGBColor(206, 66, 43);
const GO_BLUE: RGBColor = RGBColor(0, 125, 156);

// ANCHOR: chart
/// One line per row: a dot at the median Rust/Go ratio and a bar across
/// the rounds' range, on a log scale with 1 (as fast as Go) marked. Dots
/// left of 1 are rows where Rust took less time.
pub fn ratio_chart(run: &SavedRun) -> Result<String, ChartError> {
    if run.lines.is_empty() {
        return Err(ChartError::NothingToDraw {
            why: "the saved run has no rows".to_string(),
        });
    }
    let (mut lo, mut hi) = (1.0f64, 1.0f64);
    for l in &run.lines {
        let r = l.ratio;
        if !(r.min.is_finite() && r.min > 0.0 && r.max.is_finite()) {
            return Err(ChartError::BadPoint {
                series: l.id.clone(),
                x: r.min,
                y: r.max,
            });
        }
        lo = lo.min(r.min);
        hi = hi.max(r.max);
    }
    // Whole powers of two around the data, so the ticks fall on 1/4, 1/2, 1, 2...
    let lo = 2f64.powf(lo.log2().floor());
    let hi = 2f64.powf(hi.log2().ceil());
    let n = run.lines.len();
    let height = 90 + ROW_HEIGHT * n as u32;
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (CHART_WIDTH, height)).into_drawing_area();
        let draw = |e: &dyn fmt::Display| ChartError::Draw(e.to_string());
        root.fill(&WHITE).map_err(|e| draw(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Rust time / Go time, per row",
                ("sans-serif", 20).into_font().style(FontStyle::Bold),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(280)
            .build_cartesian_2d((lo..hi).log_scale(), -0.5f64..n as f64 - 0.5)
            .map_err(|e| draw(&e))?;
        let labels: Vec<String> =
            run.lines.iter().map(|l| l.id.replace('/', ": ")).collect();
        chart
            .configure_mesh()
            .x_desc("Rust / Go (log scale; below 1: Rust took less time)")
            .label_style(("sans-serif", 13))
            .y_labels(n)
            .y_label_formatter(&|y| {
                let i = y.round();
                if (y - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
                    labels[n - 1 - i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_label_formatter(&|x| {
                if *x >= 1.0 {
                    format!("{x:.0}")
                } else {
                    format!("1/{:.0}", 1.0 / x)
                }
            })
            .light_line_style(WHITE)
            .draw()
            .map_err(|e| draw(&e))?;
        let top = n as f64 - 0.5;
        chart
            .draw_series(DashedLineSeries::new(
                [(1.0, -0.5), (1.0, top)],
                4,
                4,
                BLACK.stroke_width(1),
            ))
            .map_err(|e| draw(&e))?;
        for (i, l) in run.lines.iter().enumerate() {
            let y = (n - 1 - i) as f64;
            let color = if l.ratio.median <= 1.0 {
                RUST_ORANGE
            } else {
                GO_BLUE
            };
            chart
                .draw_series(LineSeries::new(
                    [(l.ratio.min, y), (l.ratio.max, y)],
                    color.stroke_width(3),
                ))
                .map_err(|e| draw(&e))?;
            chart
                .draw_series([Circle::new((l.ratio.median, y), 5, color.filled())])
                .map_err(|e| draw(&e))?;
        }
        root.present().map_err(|e| draw(&e))?;
    }
    let accessible = format!(
        "<title>{}</title>\n<desc>{}</desc>\n",
        escape("Rust time over Go time, per benchmark row"),
        escape(&format!(
            "{n} rows; for each, the median ratio of the Rust benchmark's time to the Go \
             benchmark's time across the saved run's rounds, with the lowest and highest round"
        )),
    );
    let after_root = svg.find('\n').map_or(svg.len(), |i| i + 1);
    svg.insert_str(after_root, &accessible);
    Ok(svg)
}
// ANCHOR_END: chart

#[cfg(test)]
mod tests {
    use super::*;

    const GO_OUT: &str = "goos: linux\ngoarch: amd64\npkg: cookbook.example/go/ch06-01-go-vs-rust\n\
BenchmarkSpawnJoin-2                 \t     159\t   2270411 ns/op\n\
BenchmarkCounter/mutex/workers=2-2   \t    1000\t    301234.5 ns/op\t      16 B/op\n\
BenchmarkPickTwo                     \t 9000000\t        41.2 ns/op\n\
PASS\nok  \tcookbook.example/go/ch06-01-go-vs-rust\t3.1s\n";

    #[test]
    fn go_output_is_read_by_name_without_the_procs_suffix() {
        let t = parse_go(GO_OUT).unwrap();
        assert_eq!(t.len(), 3);
        assert_eq!(t["SpawnJoin"], 2_270_411.0);
        assert_eq!(t["Counter/mutex/workers=2"], 301_234.5);
        assert_eq!(t["PickTwo"], 41.2);
    }

    #[test]
    fn go_failures_and_garbage_are_errors() {
        let failed = format!("{GO_OUT}--- FAIL: BenchmarkHandoff\n");
        assert!(matches!(parse_go(&failed), Err(VersusError::Failed { .. })));
        let garbage = "BenchmarkX-2 lots ns/op\n";
        assert!(matches!(
            parse_go(garbage),
            Err(VersusError::BadLine { .. })
        ));
        let twice = "BenchmarkX-2 10 5 ns/op\nBenchmarkX-2 10 6 ns/op\n";
        assert!(matches!(
            parse_go(twice),
            Err(VersusError::Duplicate { .. })
        ));
        let zero = "BenchmarkX-2 10 0 ns/op\n";
        assert!(matches!(parse_go(zero), Err(VersusError::BadTime { .. })));
        let nan = "BenchmarkX-2 10 NaN ns/op\n";
        assert!(matches!(parse_go(nan), Err(VersusError::BadTime { .. })));
    }

    #[test]
    fn procs_suffix_is_only_a_trailing_number() {
        assert_eq!(strip_procs("A/b=2-16"), "A/b=2");
        assert_eq!(strip_procs("A/b=2"), "A/b=2");
        assert_eq!(strip_procs("A-"), "A-");
        assert_eq!(strip_procs("A-x"), "A-x");
    }

    const DIVAN_OUT: &str = "\
go_vs_rust                fastest       │ slowest       │ median        │ mean          │ samples │ iters
╰─ patterns                             │               │               │               │         │
   ├─ counter                           │               │               │               │         │
   │  ├─ atomic                         │               │               │               │         │
   │  │  ├─ 2             1.1 ms        │ 2.2 ms        │ 1.5 ms        │ 1.6 ms        │ 20      │ 20
   │  │  ╰─ 8             3 ms          │ 4 ms          │ 3.5 ms        │ 3.6 ms        │ 20      │ 20
   │  ╰─ std_mutex                      │               │               │               │         │
   │     ╰─ 2             900 µs        │ 1 ms          │ 950.5 µs      │ 960 µs        │ 20      │ 20
   ╰─ pick_two                          │               │               │               │         │
      ╰─ chacha8          30.1 ns       │ 40 ns         │ 31.25 ns      │ 33 ns         │ 100     │ 51200
";

    #[test]
    fn divan_tree_is_read_into_paths() {
        let t = parse_divan(DIVAN_OUT).unwrap();
        let got: Vec<(&str, f64)> = t.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            got,
            [
                ("patterns::counter::atomic::2", 1.5e6),
                ("patterns::counter::atomic::8", 3.5e6),
                ("patterns::counter::std_mutex::2", 950_500.0),
                ("patterns::pick_two::chacha8", 31.25),
            ]
        );
    }

    #[test]
    fn divan_test_tree_gives_its_leaves_with_arguments() {
        let ran = "\
go_vs_rust
╰─ patterns
   ├─ counter
   │  ├─ atomic
   │  │  ├─ 2
   │  │  ╰─ 8
   │  ╰─ std_mutex
   ├─ pick_two
   │  ╰─ chacha8
   ╰─ worker_pool

";
        assert_eq!(
            parse_divan_leaves(ran),
            [
                "patterns::counter::atomic::2",
                "patterns::counter::atomic::8",
                "patterns::counter::std_mutex",
                "patterns::pick_two::chacha8",
                "patterns::worker_pool",
            ]
        );
        assert!(parse_divan_leaves("go_vs_rust\n").is_empty());
    }

    #[test]
    fn divan_groups_without_columns_and_bad_rows() {
        let plain = "x  fastest │ slowest │ median │ mean │ samples │ iters\n├─ group\n│  ╰─ leaf  1 ns │ 2 ns │ 3 ns │ 4 ns │ 1 │ 1\n";
        assert_eq!(parse_divan(plain).unwrap()["group::leaf"], 3.0);
        let bad = "x  fastest │ slowest │ median │ mean │ samples │ iters\n├─ leaf  1 ns │ 2 ns │ soon │ 4 ns │ 1 │ 1\n";
        assert!(matches!(parse_divan(bad), Err(VersusError::BadLine { .. })));
        let stray = "x  fastest │ slowest │ median │ mean │ samples │ iters\nwhat\n";
        assert!(matches!(
            parse_divan(stray),
            Err(VersusError::BadLine { .. })
        ));
    }

    #[test]
    fn times_carry_their_units() {
        assert_eq!(parse_time("77.5 ms"), Some(77.5e6));
        assert_eq!(parse_time("1.5 µs"), Some(1500.0));
        assert_eq!(parse_time("2 s"), Some(2e9));
        assert_eq!(parse_time("500 ps"), Some(0.5));
        assert_eq!(parse_time("3 parsecs"), None);
        assert_eq!(parse_time("0 ns"), None);
        assert_eq!(parse_time("inf ns"), None);
        assert_eq!(parse_time("12ns"), None);
    }

    #[test]
    fn summary_is_the_median_and_the_range() {
        let s = summarize("r", &[3.0, 1.0, 2.0]).unwrap();
        assert_eq!(
            s,
            Summary {
                median: 2.0,
                min: 1.0,
                max: 3.0
            }
        );
        let s = summarize("r", &[4.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(s.median, 2.5);
        // Five rounds, as the saved run has, one and two: the middle is not
        // always index 1, and an odd count is not always 3.
        let median = |v: &[f64]| summarize("r", v).unwrap().median;
        assert_eq!(median(&[5.0, 1.0, 4.0, 2.0, 3.0]), 3.0);
        assert_eq!(median(&[7.0]), 7.0);
        assert_eq!(median(&[2.0, 6.0]), 4.0);
        assert_eq!(median(&[6.0, 1.0, 5.0, 2.0, 4.0, 3.0]), 3.5);
        assert_eq!(summarize("r", &[]), Err(VersusError::NoRounds));
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                summarize("r", &[1.0, bad]),
                Err(VersusError::BadTime { .. })
            ));
        }
    }

    fn round(scale: f64) -> Round {
        let mut r = Round::default();
        for row in ROWS {
            r.go.insert(row.go.to_string(), 100.0);
            r.rust.insert(row.rust.to_string(), 100.0 * scale);
        }
        r
    }

    #[test]
    fn rounds_become_lines_in_row_order() {
        let rounds = [round(0.5), round(2.0), round(1.0)];
        let lines = sum_up(ROWS, &rounds).unwrap();
        assert_eq!(lines.len(), ROWS.len());
        assert_eq!(lines[0].id, "spawn_join/tokio_tasks");
        assert_eq!(
            lines[0].ratio,
            Summary {
                median: 1.0,
                min: 0.5,
                max: 2.0
            }
        );
        assert_eq!(lines[0].per_round, [0.5, 2.0, 1.0]);
        assert_eq!(lines[0].rust_ns, 100.0);
        assert_eq!(sum_up(ROWS, &[]), Err(VersusError::NoRounds));
    }

    #[test]
    fn a_round_missing_a_benchmark_names_it() {
        let mut r = round(1.0);
        r.rust.remove("handoff::tokio_oneshot");
        r.go.remove("PickTwo");
        assert_eq!(
            r.ratios(ROWS),
            Err(VersusError::Missing {
                side: "Go",
                names: vec!["PickTwo".into()]
            })
        );
        r.go.insert("PickTwo".into(), 1.0);
        assert_eq!(
            r.ratios(ROWS),
            Err(VersusError::Missing {
                side: "Rust",
                names: vec!["handoff::tokio_oneshot".into()]
            })
        );
    }

    #[test]
    fn each_error_says_what_is_wrong_and_where() {
        let cases = [
            (
                parse_go("BenchmarkX-2 lots ns/op\n").unwrap_err(),
                r#"go test -bench: cannot read the line "BenchmarkX-2 lots ns/op""#,
            ),
            (
                parse_go("BenchmarkX-2 10 5 ns/op\nBenchmarkX-2 10 6 ns/op\n")
                    .unwrap_err(),
                "go test -bench: X appears twice",
            ),
            (
                parse_go("--- FAIL: BenchmarkHandoff\n").unwrap_err(),
                "go test -bench failed: --- FAIL: BenchmarkHandoff",
            ),
            (
                parse_go("BenchmarkX-2 10 -3 ns/op\n").unwrap_err(),
                "X took -3 ns; a time must be finite and greater than 0",
            ),
            (
                summarize("r", &[]).unwrap_err(),
                "no rounds to sum up; run at least one",
            ),
        ];
        for (error, want) in cases {
            assert_eq!(error.to_string(), want);
        }
        let mut r = round(1.0);
        r.go.remove("PickTwo");
        r.go.remove("SpawnJoin");
        let missing = r.ratios(ROWS).unwrap_err().to_string();
        assert!(
            missing.starts_with("the Go side has no result for ")
                && missing.contains("PickTwo")
                && missing.contains("SpawnJoin")
                && missing.matches("PickTwo").count() == 1,
            "{missing}"
        );
    }

    #[test]
    fn the_saved_format_reads_back() {
        let rounds = [round(0.25), round(0.5), round(3.0)];
        let lines = sum_up(ROWS, &rounds).unwrap();
        let machine = [("cores", "2".to_string()), ("go", "go1.23".to_string())];
        let text = render_saved("cargo bench", &machine, &lines);
        let run = SavedRun::parse(&text).unwrap();
        assert_eq!(run.machine[0], ("cores".to_string(), "2".to_string()));
        assert_eq!(run.lines.len(), ROWS.len());
        assert_eq!(
            run.lines[3].ratio,
            Summary {
                median: 0.5,
                min: 0.25,
                max: 3.0
            }
        );
        assert_eq!(run.mismatch(ROWS), (vec![], vec![]));
        assert!(text.lines().all(|l| l.chars().count() <= 90), "{text}");
        // One row lost, one renamed: both directions are reported.
        let cell = |v: &str| format!("{:<PATTERN_WIDTH$} {v} ", "pick_two");
        let edited = text.replace(&cell("small_rng"), &cell("fast_rng "));
        let run = SavedRun::parse(&edited).unwrap();
        assert_eq!(
            run.mismatch(ROWS),
            (
                vec!["pick_two/fast_rng".to_string()],
                vec!["pick_two/small_rng".to_string()]
            )
        );
        // A median outside its own range is not a summary.
        let broken = text.replace("0.50     0.25–3.00", "0.50     0.75–3.00");
        assert!(SavedRun::parse(&broken).is_err());
    }

    #[test]
    fn every_row_is_unique_and_the_lists_have_no_http_key() {
        let mut ids: Vec<String> = ROWS.iter().map(Row::id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ROWS.len());
        assert!(!go_benchmarks().contains(&HTTP_P99));
        assert!(!rust_benchmarks().contains(&HTTP_THROUGHPUT));
        assert_eq!(go_benchmarks().len(), 14);
        // The table's columns line up: every name fits its column.
        for r in ROWS {
            assert!(
                r.pattern.len() <= PATTERN_WIDTH,
                "{} is too long",
                r.pattern
            );
            assert!(
                r.variant.len() <= VARIANT_WIDTH,
                "{} is too long",
                r.variant
            );
        }
        assert!(TABLE_HEADER.starts_with(&format!(
            "{:<PATTERN_WIDTH$} {:<VARIANT_WIDTH$} go ",
            "pattern", "rust tool"
        )));
        assert_eq!(rust_benchmarks().len(), 27);
    }

    #[test]
    fn human_times() {
        assert_eq!(human(812.0), "812 ns");
        assert_eq!(human(3_410.0), "3.41 µs");
        assert_eq!(human(12_345_678.0), "12.3 ms");
        assert_eq!(human(1.2e9), "1.20 s");
    }

    #[test]
    fn the_chart_draws_every_row_and_refuses_nothing() {
        let run = SavedRun::parse(SAVED).unwrap();
        let svg = ratio_chart(&run).unwrap();
        for l in &run.lines {
            assert!(svg.contains(&escape(&l.id.replace('/', ": "))), "{}", l.id);
        }
        assert_eq!(svg.matches("<circle").count(), run.lines.len());
        let empty = SavedRun {
            machine: vec![],
            lines: vec![],
        };
        assert!(ratio_chart(&empty).is_err());
    }
}
