//! What every pillar uses.
//!
//! | module | what it holds |
//! |---|---|
//! | [`error`] | [`error::ModelError`], the error every formula returns for bad input |
//! | [`panic`](mod@panic) | a panic's message, and the one-line panic hook the 4.1 bins install |
//! | `cli` | value parsers for the bins' command lines (clap's ranges, durations) |
//! | `charts` | line charts as SVG, drawn with plotters |

#[cfg(feature = "full")]
pub mod charts;
#[cfg(feature = "full")]
pub mod cli;
pub mod error;
pub mod panic;
