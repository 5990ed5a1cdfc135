//! Claims of the Go-to-Rust quick reference (chapters/quickref.md).

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go};

pub fn checks() -> Checks {
    vec![
        ("mutex_counter_prints_4000", mutex_counter_prints_4000),
        (
            "mutex_counter_is_vet_and_race_clean",
            mutex_counter_is_vet_and_race_clean,
        ),
        (
            "racy_counter_is_caught_only_at_run_time",
            racy_counter_is_caught_only_at_run_time,
        ),
    ]
}

/// The page shows the Go program's output next to the Rust one's: the same line.
fn mutex_counter_prints_4000(go: &Go) -> Check {
    let run = go.listing("ch09-01-mutex-counter").run(&[]);
    claim!(run.success, "it failed:\n{}", run.all());
    let rust = std::fs::read_to_string(
        crate::support::repo_root().join("chapters/outputs/ch09-01-mutex-counter.txt"),
    )
    .map_err(|e| e.to_string())?;
    let rust_line = rust.lines().nth(1).unwrap_or_default();
    claim!(
        run.stdout.trim() == rust_line,
        "Go printed {:?}, the Rust twin's shown output is {:?}",
        run.stdout.trim(),
        rust_line
    );
    Ok(())
}

fn mutex_counter_is_vet_and_race_clean(go: &Go) -> Check {
    let listing = go.listing("ch09-01-mutex-counter");
    let vet = listing.vet();
    claim!(vet.success, "go vet complained:\n{}", vet.all());
    let race = listing.run_race(&[]);
    claim!(
        race.success && !race.all().contains("DATA RACE"),
        "the race detector reported:\n{}",
        race.all()
    );
    Ok(())
}

/// The page says: the racy version builds and passes `go vet`; `-race` catches it.
fn racy_counter_is_caught_only_at_run_time(go: &Go) -> Check {
    let listing = go.listing("ch09-01-racy-counter");
    let build = listing.build();
    claim!(build.success, "it should compile, but:\n{}", build.all());
    let vet = listing.vet();
    claim!(
        vet.success,
        "go vet should not flag it, but said:\n{}",
        vet.all()
    );
    let race = listing.run_race(&[]);
    claim!(
        race.all().contains("WARNING: DATA RACE") && race.code == Some(66),
        "go run -race should report a race and exit 66, but exited {:?} and printed:\n{}",
        race.code,
        race.all()
    );
    Ok(())
}
