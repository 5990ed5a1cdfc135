//! The tools page's claim about clippy: a std `MutexGuard` held across an
//! `.await` compiles when nothing needs the future to be `Send`, and
//! clippy's default lints report it anyway.
//!
//! The message clippy prints is kept in `tests/lint/*.stderr`, which the page
//! includes. Like the compile-fail messages, it changes between toolchain
//! releases: regenerate it with `UPDATE_OUTPUTS=1 cargo test --test lint_ch06`
//! and review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURE: &str = "ch06-await-holding-lock";

fn lint_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lint")
}

/// Compiles the fixture as a library with `driver` (rustc or clippy-driver)
/// and returns (success, stderr).
fn compile(driver: &str) -> (bool, String) {
    let out_dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(driver)
        .current_dir(lint_dir())
        .args([
            "--edition",
            "2024",
            "--crate-type",
            "lib",
            "--emit=metadata",
        ])
        .args(["--crate-name", "lint_fixture", "--color", "never"])
        .arg("-o")
        .arg(out_dir.path().join("fixture.rmeta"))
        .arg(format!("{FIXTURE}.rs"))
        .output()
        .unwrap_or_else(|e| {
            panic!("could not run {driver} (part of the toolchain CI uses): {e}")
        });
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn rustc_accepts_the_lock_held_across_await() {
    let (ok, stderr) = compile("rustc");
    assert!(ok && stderr.trim().is_empty(), "rustc said:\n{stderr}");
}

#[test]
fn clippy_reports_the_lock_held_across_await() {
    let (ok, stderr) = compile("clippy-driver");
    assert!(ok, "clippy-driver failed:\n{stderr}");
    assert!(
        stderr.contains("clippy::await_holding_lock"),
        "clippy did not report await_holding_lock:\n{stderr}"
    );
    let expected_file = lint_dir().join(format!("{FIXTURE}.stderr"));
    if std::env::var_os("UPDATE_OUTPUTS").is_some() {
        std::fs::write(&expected_file, &stderr).expect("write the .stderr");
        return;
    }
    let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
    assert_eq!(
        stderr, expected,
        "clippy's message changed; regenerate with UPDATE_OUTPUTS=1 cargo test --test lint_ch06"
    );
}
