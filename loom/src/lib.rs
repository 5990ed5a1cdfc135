//! The loom models of the cookbook's concurrent code live in `tests/`, one
//! file per library module they check (`parallelism.rs` checks
//! `cookbook::parallelism`, `quickref_counter.rs` checks
//! `cookbook::quickref::counter`, and so on). They compile only under
//! `--cfg loom`; `cargo xtask loom` runs them.
