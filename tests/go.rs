//! Checks of every claim the book makes about its Go listings.
//!
//! Each chapter's claims live in `tests/go_checks/<chapter>.rs` as a list of
//! named checks. Without Go (1.22 or later) on the machine the checks are
//! reported as ignored and the run passes, saying so; with `REQUIRE_GO=1`
//! (set by `.ci/run`) a missing Go fails the run.

#[path = "support/go.rs"]
mod support;
#[path = "support/mask.rs"]
mod tilde;

#[path = "go_checks/baseline.rs"]
mod baseline;
#[path = "go_checks/ch04_01.rs"]
mod ch04_01;
#[path = "go_checks/ch04_02.rs"]
mod ch04_02;
#[path = "go_checks/ch04_03.rs"]
mod ch04_03;
#[path = "go_checks/ch04_03_fixed.rs"]
mod ch04_03_fixed;
#[path = "go_checks/ch04_04.rs"]
mod ch04_04;
#[path = "go_checks/ch06_01.rs"]
mod ch06_01;
#[path = "go_checks/ch09_quickref.rs"]
mod ch09_quickref;

use libtest_mimic::{Arguments, Failed, Trial};
use std::sync::RwLock;
use support::{Check, Go};

/// Checks whose claims hold only while no other Go check loads the
/// machine: each runs programs against deadlines of tens of milliseconds
/// (a per-try deadline on loopback, a sleep that must end on time), and a
/// `go test -race` compiling beside it on two cores makes them miss. Each
/// of these runs alone; every other check shares the machine with the
/// rest.
const ALONE: &[&str] = &[
    "ch04_01::the_fixed_go_program_takes_about_one_sleep",
    "ch04_02::the_go_twin_answers_all_and_two_choices_spares_the_slow_server",
    "ch04_03_fixed::the_fixed_twin_s_steps_lose_and_call_what_the_page_says",
    "ch04_04::the_loops_never_end_and_main_s_return_stops_them",
    "ch04_04::the_fixed_twin_stops_at_once_is_race_free_and_refuses_bad_flags",
];

/// Held for writing by a check in `ALONE`, for reading by any other.
static MACHINE: RwLock<()> = RwLock::new(());

/// Runs `check`, alone if it is in `ALONE`.
fn in_turn(name: &str, check: impl FnOnce() -> Check) -> Check {
    if ALONE.contains(&name) {
        let _alone = MACHINE.write().unwrap_or_else(|e| e.into_inner());
        check()
    } else {
        let _shared = MACHINE.read().unwrap_or_else(|e| e.into_inner());
        check()
    }
}

/// A chapter's named checks.
pub type Checks = Vec<(&'static str, fn(&Go) -> Check)>;

fn all_checks() -> Vec<(&'static str, Checks)> {
    vec![
        ("baseline", baseline::checks()),
        ("ch04_01", ch04_01::checks()),
        ("ch04_02", ch04_02::checks()),
        ("ch04_03", ch04_03::checks()),
        ("ch04_03_fixed", ch04_03_fixed::checks()),
        ("ch04_04", ch04_04::checks()),
        ("ch06_01", ch06_01::checks()),
        ("ch09_quickref", ch09_quickref::checks()),
    ]
}

fn main() {
    let args = Arguments::from_args();
    let go = match support::find_go() {
        Ok(go) => {
            println!(
                "Go checks: using {} (go{}.{})",
                go.bin.display(),
                go.version.0,
                go.version.1
            );
            Some(go)
        }
        Err(why) if support::go_required() => {
            eprintln!("Go checks: REQUIRE_GO is set but {why}");
            std::process::exit(1);
        }
        Err(why) => {
            println!(
                "Go checks SKIPPED: {why}. Install Go 1.22+ or set GO=/path/to/go; REQUIRE_GO=1 makes this a failure."
            );
            None
        }
    };
    let mut trials = Vec::new();
    for (chapter, checks) in all_checks() {
        for (name, check) in checks {
            let skipped = go.is_none();
            let go = go.clone();
            let full = format!("{chapter}::{name}");
            let trial = Trial::test(full.clone(), move || match &go {
                Some(go) => in_turn(&full, || check(go)).map_err(Failed::from),
                None => Ok(()),
            })
            .with_ignored_flag(skipped);
            trials.push(trial);
        }
    }
    let names: Vec<&str> = trials.iter().map(|t| t.name()).collect();
    for alone in ALONE {
        if !names.contains(alone) {
            eprintln!("Go checks: ALONE names {alone:?}, which is no check");
            std::process::exit(1);
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
