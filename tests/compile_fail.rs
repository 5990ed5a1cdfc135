//! Every "this does not compile" in the book is checked here.
//!
//! Each file in `tests/ui/` must fail to compile with exactly the message
//! in its `.stderr` twin, which the chapter includes. The messages were
//! produced by rustc 1.95; after a toolchain upgrade, regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
