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
    let mut words = rest.split_whitespace();
    let bin = words.next().ok_or("no bin named")?.to_string();
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

fn check(file: &Path, update: bool) -> Result<(), Failed> {
    let committed = std::fs::read_to_string(file).map_err(|e| e.to_string())?;
    let first = committed.lines().next().unwrap_or_default().to_string();
    let (bin, args) = parse_command(&first)?;
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
    let mut trials: Vec<Trial> = output_files()
        .into_iter()
        .map(|file| {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(format!("output::{name}"), move || check(&file, update))
        })
        .collect();
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
        if parse_command("$ cargo run --bin x --n 3").is_ok()
            || parse_command("cargo run").is_ok()
        {
            return Err("accepted a malformed command".into());
        }
        Ok(())
    }));
    libtest_mimic::run(&args, trials).exit();
}
