//! The project's own commands, run as `cargo xtask <command>` (an alias in
//! `.cargo/config.toml`).
//!
//! - `cargo xtask bless` regenerates every generated file the book shows:
//!   the programs' outputs, the charts, the compile errors and the clippy
//!   message. Review the diff it leaves before committing it.
//! - `cargo xtask loom [TEST...]` runs the loom suite (`loom/tests/`), or
//!   the named files of it, in release mode in its own target directory.

use std::process::{Command, ExitCode};

/// One regeneration step: what it makes, the test that makes it, and the
/// variable that switches that test from checking to writing.
const BLESS: [(&str, &str, &str, &str); 5] = [
    ("outputs", "chapters/outputs/*.txt", "UPDATE_OUTPUTS", "1"),
    // The Go twins' outputs: rewritten where Go 1.22 or later is found.
    ("go", "chapters/outputs/go/*.txt", "UPDATE_OUTPUTS", "1"),
    ("charts", "chapters/images/*.svg", "UPDATE_CHARTS", "1"),
    ("compile_fail", "tests/ui/*.stderr", "TRYBUILD", "overwrite"),
    ("lint_ch06", "tests/lint/*.stderr", "UPDATE_OUTPUTS", "1"),
];

/// The preemption bound of the loom suite, unless LOOM_MAX_PREEMPTIONS is set.
const LOOM_PREEMPTIONS: &str = "3";

/// Cargo, run at the workspace's root whatever directory xtask ran in.
fn cargo() -> Command {
    let mut command =
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    command.current_dir(root);
    command
}

fn run(what: &str, mut command: Command) -> Result<(), String> {
    eprintln!("xtask: {what}");
    let status = command
        .status()
        .map_err(|e| format!("could not start cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn bless() -> Result<(), String> {
    for (test, files, var, value) in BLESS {
        let mut command = cargo();
        command
            .args(["test", "--quiet", "--test", test])
            .env(var, value);
        run(
            &format!("regenerate {files} ({var}={value} cargo test --test {test})"),
            command,
        )?;
    }
    eprintln!("xtask: done; review the changes with `git diff` before committing them");
    Ok(())
}

fn loom(tests: &[String]) -> Result<(), String> {
    let flags = match std::env::var("RUSTFLAGS") {
        Ok(more) if !more.trim().is_empty() => format!("--cfg loom {more}"),
        _ => "--cfg loom".to_string(),
    };
    let preemptions = std::env::var("LOOM_MAX_PREEMPTIONS")
        .unwrap_or_else(|_| LOOM_PREEMPTIONS.to_string());
    let mut command = cargo();
    command
        .args(["test", "--release", "--package", "cookbook-loom"])
        .args(["--target-dir", "target/loom"])
        .env("RUSTFLAGS", &flags)
        .env("LOOM_MAX_PREEMPTIONS", &preemptions);
    for test in tests {
        command.args(["--test", test]);
    }
    let what = format!(
        "RUSTFLAGS=\"{flags}\" LOOM_MAX_PREEMPTIONS={preemptions} \
         cargo test --release -p cookbook-loom --target-dir target/loom{}",
        tests
            .iter()
            .map(|t| format!(" --test {t}"))
            .collect::<String>()
    );
    run(&what, command)
}

const USAGE: &str = "usage: cargo xtask bless | cargo xtask loom [TEST...]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("bless") if args.len() == 1 => bless(),
        Some("loom") => loom(&args[1..]),
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("xtask: {why}");
            ExitCode::FAILURE
        }
    }
}
