//! Every output the book shows is what the program prints now.
//!
//! Each file `chapters/outputs/*.txt` starts with the command that produced
//! it, e.g. `$ cargo run --bin ch09-01-mutex-counter -- --workers 4`. This test
//! runs that command's binary with those arguments and compares what it
//! prints with the rest of the file. Measured values that vary from run to
//! run are printed by the programs behind a `~` (`~1.02 s`, `P ~9.87`); the
//! comparison masks the number after each `~`, and nothing else.
//!
//! Regenerate every output with `UPDATE_OUTPUTS=1 cargo test --test outputs`.
//! To add one, create the file with only its first line and regenerate.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the binaries cargo built for this test run.
fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    // target/<profile>/deps/outputs-<hash> -> target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// The command line of an output file, split into the bin and its arguments.
fn parse_command(first: &str) -> Result<(String, Vec<String>), String> {
    let rest = first.strip_prefix("$ cargo run --bin ").ok_or_else(|| {
        format!("first line must start with `$ cargo run --bin `: {first:?}")
    })?;
    if rest.contains(['"', '\'', '\\']) {
        return Err(format!("no quoting in output commands, please: {first:?}"));
    }
    let mut words = rest.split_whitespace().peekable();
    let bin = words.next().ok_or("no bin named")?.to_string();
    // The etcd programs are built only with their feature, and say so:
    // `$ cargo run --bin ch04-04-etcd --features etcd -- args`.
    if words.peek() == Some(&"--features") {
        words.next();
        if words.next() != Some(ETCD_FEATURE) {
            return Err(format!(
                "only `--features {ETCD_FEATURE}` is known: {first:?}"
            ));
        }
    }
    let args: Vec<String> = match words.next() {
        None => Vec::new(),
        Some("--") => words.map(str::to_string).collect(),
        Some(other) => {
            return Err(format!("expected `--` before arguments, found {other:?}"));
        }
    };
    Ok((bin, args))
}

/// Runs the bin and renders what it printed the way the book shows it:
/// stdout, then stderr, then `[exit status: N]` when it failed.
fn render(bin: &str, args: &[String]) -> Result<String, String> {
    let path = bin_dir().join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        return Err(format!(
            "no binary {} (is `{bin}` a bin of this crate?)",
            path.display()
        ));
    }
    let mut child = Command::new(&path)
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("start {bin}: {e}"))?;
    let start = Instant::now();
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            return Err(format!(
                "{bin} ran for over {TIMEOUT:?}; examples must finish in seconds"
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        let code = out
            .status
            .code()
            .map_or("signal".to_string(), |c| c.to_string());
        text.push_str(&format!("[exit status: {code}]\n"));
    }
    Ok(text)
}

#[path = "support/mask.rs"]
mod tilde;
use tilde::mask;

/// The feature the etcd programs need (besides an etcd binary to run).
const ETCD_FEATURE: &str = "etcd";

/// Is a missing etcd (feature or binary) a failure (`REQUIRE_ETCD=1`)?
fn etcd_required() -> bool {
    matches!(
        std::env::var("REQUIRE_ETCD").as_deref(),
        Ok("1") | Ok("true")
    )
}

/// Bins that Cargo.toml builds only with the etcd feature.
fn etcd_bins() -> Vec<String> {
    let manifest =
        std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let mut bins = Vec::new();
    for section in manifest.split("[[bin]]").skip(1) {
        let section = section.split("\n[").next().unwrap_or_default();
        let name = section.lines().find_map(|l| {
            let value = l.trim().strip_prefix("name")?.trim().strip_prefix('=')?;
            Some(value.trim().trim_matches('"').to_string())
        });
        if let Some(name) = name {
            if section.contains("required-features") && section.contains("\"etcd\"") {
                bins.push(name);
            }
        }
    }
    bins
}

/// An etcd binary: `$ETCD`, or `etcd` on the PATH.
fn etcd_binary_found() -> bool {
    if let Some(path) = std::env::var_os("ETCD") {
        return Path::new(&path).is_file();
    }
    let dirs = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&dirs).any(|d| d.join("etcd").is_file())
}

/// Why `file` (an output of `bin`) cannot be checked here, if it cannot:
/// its bin needs the etcd feature, or (unless it only shows bad arguments,
/// refused before anything starts) an etcd binary.
fn etcd_missing(file: &Path, bin: &str) -> Option<String> {
    if !etcd_bins().iter().any(|b| b == bin) {
        return None;
    }
    if !cfg!(feature = "etcd") {
        return Some(format!("{bin} needs --features {ETCD_FEATURE}"));
    }
    let bad_args = file
        .file_stem()
        .is_some_and(|s| s.to_string_lossy().ends_with("-bad-args"));
    if !bad_args && !etcd_binary_found() {
        return Some(format!(
            "{bin} needs an etcd binary (Debian: etcd-server, or set ETCD)"
        ));
    }
    None
}

/// The bin an output file runs, if its first line parses.
fn bin_of(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    parse_command(text.lines().next()?).ok().map(|(bin, _)| bin)
}

fn check(file: &Path, update: bool) -> Result<(), Failed> {
    let committed = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let first = committed.lines().next().unwrap_or_default().to_string();
    let (bin, args) = parse_command(&first)?;
    if let Some(why) = etcd_missing(file, &bin) {
        // Reached only under REQUIRE_ETCD=1: otherwise the trial is ignored.
        return Err(format!("REQUIRE_ETCD is set but {why}").into());
    }
    let fresh = format!("{first}\n{}", render(&bin, &args)?);
    if update {
        // Only a change beyond the `~` measurements is worth a diff.
        if mask(&fresh) != mask(&committed) {
            std::fs::write(file, &fresh).map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    if mask(&fresh) != mask(&committed) {
        return Err(format!(
            "{} is stale. The program now prints:\n{fresh}\nRegenerate with UPDATE_OUTPUTS=1 cargo test --test outputs",
            file.display()
        )
        .into());
    }
    Ok(())
}

fn bins() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("src/bin"))
        .expect("read src/bin")
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "rs")
                .then(|| p.file_stem()?.to_str().map(str::to_string))?
        })
        .collect();
    names.sort();
    names
}

fn output_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("chapters/outputs"))
        .expect("read chapters/outputs")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

fn main() {
    let args = Arguments::from_args();
    let update = std::env::var_os("UPDATE_OUTPUTS").is_some();
    let mut ignored = Vec::new();
    let mut trials: Vec<Trial> = output_files()
        .into_iter()
        .map(|file| {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let why = bin_of(&file).and_then(|bin| etcd_missing(&file, &bin));
            let skip = why.is_some() && !etcd_required();
            if let (true, Some(why)) = (skip, why) {
                ignored.push(format!("output::{name}: {why}"));
            }
            Trial::test(format!("output::{name}"), move || check(&file, update))
                .with_ignored_flag(skip)
        })
        .collect();
    if !ignored.is_empty() {
        println!(
            "etcd outputs IGNORED (REQUIRE_ETCD=1 makes this a failure):\n  {}",
            ignored.join("\n  ")
        );
    }
    trials.push(Trial::test("every_bin_has_a_shown_output", || {
        let files = output_files();
        let mut shown = std::collections::BTreeSet::new();
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|e| e.to_string())?;
            let (bin, _) = parse_command(text.lines().next().unwrap_or_default())?;
            shown.insert(bin);
        }
        let missing: Vec<String> =
            bins().into_iter().filter(|b| !shown.contains(b)).collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!("bins with no file in chapters/outputs: {missing:?}").into())
        }
    }));
    trials.push(Trial::test("mask_hides_only_measurements", || {
        let a = mask("wall ~1.02 s, P ~9.87, 10 tasks, ~ alone");
        if a != "wall ~N s, P ~N, 10 tasks, ~ alone" {
            return Err(format!("mask gave {a:?}").into());
        }
        if mask("10 tasks") == mask("11 tasks") {
            return Err("mask hid an unmarked number".into());
        }
        Ok(())
    }));
    trials.push(Trial::test("command_lines_parse", || {
        let (b, a) = parse_command("$ cargo run --bin x -- --n 3")?;
        if b != "x" || a != ["--n", "3"] {
            return Err("wrong parse".into());
        }
        let (b, a) = parse_command("$ cargo run --bin x --features etcd -- --n 3")?;
        if b != "x" || a != ["--n", "3"] {
            return Err("wrong parse with --features".into());
        }
        if parse_command("$ cargo run --bin x --n 3").is_ok()
            || parse_command("$ cargo run --bin x --features full").is_ok()
            || parse_command("cargo run").is_ok()
        {
            return Err("accepted a malformed command".into());
        }
        Ok(())
    }));
    libtest_mimic::run(&args, trials).exit();
}
