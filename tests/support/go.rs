//! A harness for claims about the Go listings in `go/`.
//!
//! Each listing is a directory holding one `package main`. The harness copies
//! its `.go` files into a fresh module whose `go.mod` states the language
//! version under test (by default the one in `go/go.mod`), so a check can say
//! "under go 1.21 semantics this prints X, under 1.22 it prints Y". It never
//! touches the network: `GOTOOLCHAIN=local`, `GOPROXY=off`.

#![allow(dead_code)] // each test target uses a different part of the harness

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The root of this repository (where `Cargo.toml` is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Go toolchain found on this machine.
#[derive(Clone, Debug)]
pub struct Go {
    pub bin: PathBuf,
    /// `(major, minor)`, e.g. `(1, 23)`.
    pub version: (u32, u32),
}

/// Where the harness looks for Go, in order.
fn candidates() -> Vec<PathBuf> {
    // An explicit `GO` is the only candidate: `GO=/nonexistent` shows the
    // skip path on a machine that has Go.
    if let Some(p) = std::env::var_os("GO") {
        return vec![PathBuf::from(p)];
    }
    let mut c = vec![PathBuf::from("go")];
    // Debian's versioned packages (golang-1.23-go from bookworm-backports)
    // install here without touching PATH.
    for v in ["1.24", "1.23", "1.22"] {
        c.push(PathBuf::from(format!("/usr/lib/go-{v}/bin/go")));
    }
    c
}

fn parse_version(text: &str) -> Option<(u32, u32)> {
    // "go version go1.23.5 linux/amd64"
    let word = text.split_whitespace().find(|w| w.starts_with("go1."))?;
    let mut parts = word.trim_start_matches("go").split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor))
}

/// The newest usable Go (1.22 or later: the checks compare the 1.21 and 1.22
/// loop-variable semantics), or why none was found.
pub fn find_go() -> Result<Go, String> {
    let mut seen = Vec::new();
    for bin in candidates() {
        let Ok(out) = Command::new(&bin).arg("version").output() else {
            continue;
        };
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        match parse_version(&text) {
            Some(v) if v >= (1, 22) => return Ok(Go { bin, version: v }),
            Some(v) => seen.push(format!("{} is go{}.{}", bin.display(), v.0, v.1)),
            None => {}
        }
    }
    if seen.is_empty() {
        Err(format!(
            "no Go toolchain found (looked at {})",
            candidates()
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    } else {
        Err(format!(
            "need Go 1.22 or later, found only: {}",
            seen.join(", ")
        ))
    }
}

/// Whether a missing Go is a failure (`REQUIRE_GO=1`, as CI sets it).
pub fn go_required() -> bool {
    matches!(std::env::var("REQUIRE_GO").as_deref(), Ok("1") | Ok("true"))
}

/// The language version `go/go.mod` declares, e.g. `"1.23"`.
pub fn module_language_version() -> String {
    let gomod =
        std::fs::read_to_string(repo_root().join("go/go.mod")).expect("read go/go.mod");
    gomod
        .lines()
        .find_map(|l| l.strip_prefix("go "))
        .map(|v| v.trim().to_string())
        .expect("go/go.mod has a `go` line")
}

/// What running a command gave.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
    /// The exit code, if the process exited (66 after a detected race).
    pub code: Option<i32>,
    pub elapsed: Duration,
}

impl Run {
    fn from(out: Output, elapsed: Duration) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            success: out.status.success(),
            code: out.status.code(),
            elapsed,
        }
    }

    /// stdout and stderr together, for messages and searches.
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

impl Go {
    /// `gofmt -l` over every listing: the files gofmt would change.
    pub fn gofmt_list(&self) -> Result<Vec<String>, String> {
        // gofmt ships beside go in the same GOROOT.
        let root = Command::new(&self.bin)
            .args(["env", "GOROOT"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| format!("go env GOROOT: {e}"))?;
        let gofmt = PathBuf::from(String::from_utf8_lossy(&root.stdout).trim())
            .join("bin")
            .join("gofmt");
        let out = Command::new(&gofmt)
            .arg("-l")
            .arg(repo_root().join("go"))
            .output()
            .map_err(|e| format!("{}: {e}", gofmt.display()))?;
        if !out.status.success() {
            return Err(format!(
                "gofmt failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect())
    }

    /// `go vet ./...` over a copy of the whole `go/` module whose `go.mod`
    /// says `go <language>`: each finding as (listing, message).
    pub fn vet_module_as(&self, language: &str) -> Result<Vec<(String, String)>, String> {
        let dir = tempfile::Builder::new()
            .prefix("cookbook-go-module-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let src = repo_root().join("go");
        for entry in std::fs::read_dir(&src).map_err(|e| e.to_string())? {
            let listing = entry.map_err(|e| e.to_string())?.path();
            if !listing.is_dir() {
                continue;
            }
            let to = dir.path().join(listing.file_name().unwrap());
            std::fs::create_dir_all(&to).map_err(|e| e.to_string())?;
            for file in std::fs::read_dir(&listing).map_err(|e| e.to_string())? {
                let file = file.map_err(|e| e.to_string())?.path();
                if file.extension().is_some_and(|e| e == "go") {
                    std::fs::copy(&file, to.join(file.file_name().unwrap()))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        let gomod = format!("module cookbook.example/go\n\ngo {language}\n");
        std::fs::write(dir.path().join("go.mod"), gomod).map_err(|e| e.to_string())?;
        let out = Command::new(&self.bin)
            .args(["vet", "./..."])
            .current_dir(dir.path())
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOWORK", "off")
            .output()
            .map_err(|e| format!("go vet: {e}"))?;
        // Findings look like `ch04-01-concurrency/main.go:29:41: message`.
        let findings: Vec<(String, String)> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (path, rest) = l.split_once(".go:")?;
                let listing = path.split('/').next()?.to_string();
                let message = rest.splitn(3, ':').nth(2)?.trim().to_string();
                Some((listing, message))
            })
            .collect();
        if !out.status.success() && findings.is_empty() {
            return Err(format!(
                "go vet failed without findings:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(findings)
    }
}

/// One Go listing, copied into a scratch module with a chosen language version.
pub struct Listing {
    go: Go,
    name: String,
    dir: tempfile::TempDir,
    language: String,
}

impl Go {
    /// Prepares `go/<name>` under the language version of `go/go.mod`.
    pub fn listing(&self, name: &str) -> Listing {
        self.listing_as(name, &module_language_version())
    }

    /// Prepares `go/<name>` in a module whose `go.mod` says `go <language>`.
    pub fn listing_as(&self, name: &str, language: &str) -> Listing {
        let src = repo_root().join("go").join(name);
        let dir = tempfile::Builder::new()
            .prefix("cookbook-go-")
            .tempdir()
            .expect("make a scratch dir");
        let mut copied = 0;
        for entry in
            std::fs::read_dir(&src).unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        {
            let path = entry.expect("read dir entry").path();
            if path.extension().is_some_and(|e| e == "go") {
                std::fs::copy(&path, dir.path().join(path.file_name().unwrap()))
                    .expect("copy a .go file");
                copied += 1;
            }
        }
        assert!(copied > 0, "{} holds no .go file", src.display());
        std::fs::write(
            dir.path().join("go.mod"),
            format!(
                "module example.com/{}\n\ngo {language}\n",
                name.replace('-', "_")
            ),
        )
        .expect("write go.mod");
        Listing {
            go: self.clone(),
            name: name.to_string(),
            dir,
            language: language.to_string(),
        }
    }
}

impl Listing {
    fn go_cmd(&self) -> Command {
        let mut c = Command::new(&self.go.bin);
        c.current_dir(self.dir.path())
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOWORK", "off")
            .env("CGO_ENABLED", "1");
        c
    }

    fn exec(mut cmd: Command) -> Run {
        let start = Instant::now();
        let out = cmd.output().expect("start a Go command");
        Run::from(out, start.elapsed())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `go build`: whether the listing compiles, and what the compiler said.
    pub fn build(&self) -> Run {
        let mut c = self.go_cmd();
        c.args(["build", "-o", "listing", "."]);
        Self::exec(c)
    }

    /// `go vet`: its findings are on stderr.
    pub fn vet(&self) -> Run {
        let mut c = self.go_cmd();
        c.args(["vet", "."]);
        Self::exec(c)
    }

    /// Builds (optionally with `-race`), then runs the binary with `args` and
    /// times the run alone, not the compilation.
    pub fn run_with(&self, race: bool, args: &[&str]) -> Run {
        let mut b = self.go_cmd();
        b.arg("build");
        if race {
            b.arg("-race");
        }
        b.args(["-o", "listing", "."]);
        let built = Self::exec(b);
        assert!(
            built.success,
            "go/{} (go {}) does not build:\n{}",
            self.name,
            self.language,
            built.all()
        );
        let mut c = Command::new(self.dir.path().join("listing"));
        c.args(args).current_dir(self.dir.path());
        Self::exec(c)
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(false, args)
    }

    /// `go build -race`, then run: a detected race prints `WARNING: DATA RACE`
    /// and makes the program exit with status 66.
    pub fn run_race(&self, args: &[&str]) -> Run {
        self.run_with(true, args)
    }

    /// `go vet` reports nothing.
    pub fn vet_clean(&self) -> Check {
        let vet = self.vet();
        if vet.success {
            Ok(())
        } else {
            Err(format!(
                "go vet complained about go/{}:\n{}",
                self.name,
                vet.all()
            ))
        }
    }

    /// Built with `-race` and run with `args`, it succeeds and the race
    /// detector reports nothing. Returns the run for further claims.
    pub fn race_clean(&self, args: &[&str]) -> Result<Run, String> {
        let race = self.run_race(args);
        if race.success && !race.all().contains("DATA RACE") {
            Ok(race)
        } else {
            Err(format!(
                "go/{} under -race exited {:?}; the detector should be silent:\n{}",
                self.name,
                race.code,
                race.all()
            ))
        }
    }
}

/// What a check returns: `Err` with a message says which claim failed.
pub type Check = Result<(), String>;

/// Fails a check with a message unless `cond` holds.
#[macro_export]
macro_rules! claim {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}
