//! The library behind *From Go to Rust: concurrency and distributed-systems
//! patterns*.
//!
//! One module per pillar of the source article, each holding its formula
//! (section 3.x) and its program with the fixes (section 4.x), then the
//! modules for the sections after them:
//!
//! | module | chapters it serves |
//! |---|---|
//! | [`parallelism`] | 3.1 the P formula and the models; 4.1 the port, the fixes, CPU-bound work, exercises |
//! | [`load_balancing`] | 3.2 the R formula, maximum load, policies and hashing; 4.2 the port, real servers on loopback, tower, exercises |
//! | [`consistency`] | 3.4 the C = N / M formula, quorums, staleness and CRDTs; 4.4 the port, the fixes, replicas on loopback, a linearizability checker, stateright models |
//! | [`fault_tolerance`] | 3.3 the R = 1 − P_f formula, availability, retries and their budgets; 4.3 the port, faults injected into real servers, the resilient client, tower, exercise |
//! | [`tools`] | 6 Go against Rust: the benchmark's rows, its parsers and saved run, the hello service and its load generator (feature `full`) |
//! | [`trends`] | 7 tail latency under fan-out, backoff with jitter |
//! | [`quickref`] | the Go-to-Rust quick reference's checked patterns |
//! | [`support`] | every chapter: the error type, panics, command lines, charts |
//! | [`sync`] | every concurrent module: `std::sync`, or loom's twin under `--cfg loom` |
//!
//! The runnable listings are `src/bin/chNN-MM-slug.rs`, one `main` each;
//! section 9 is the quick reference. Sections 1, 2, 5 and 8 need no
//! library code: their programs are whole in their bins.
//!
//! The `full` feature (on by default) brings the runtimes and tools the
//! programs use: tokio, rayon, clap, humantime, futures, tracing and
//! plotters, and turns on `net`: axum, hyper, hyper-util, http-body-util,
//! tower and hdrhistogram, for the requests that travel to servers on
//! 127.0.0.1 (section 4.2). The loom suite
//! (`loom/`) builds the crate without it, so a model check compiles only
//! the code it checks.

pub mod consistency;
pub mod fault_tolerance;
pub mod load_balancing;
pub mod parallelism;
pub mod quickref;
pub mod support;
pub mod sync;
#[cfg(feature = "full")]
pub mod tools;
pub mod trends;

/// Every chart the book shows: its file name in `chapters/images/` and its
/// SVG. `tests/charts.rs` checks that the files are current.
#[cfg(feature = "full")]
pub fn book_charts() -> Result<Vec<(&'static str, String)>, support::charts::ChartError> {
    let scaling = parallelism::chart::scaling_chart(parallelism::chart::SCALING)?;
    Ok(vec![
        ("ch03-01-scaling.svg", scaling.to_svg()?),
        load_balancing::chart::book_entry()?,
        consistency::chart::book_entry()?,
        tools::versus::book_entry()?,
    ])
}
