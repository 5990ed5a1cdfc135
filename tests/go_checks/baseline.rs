//! Go's own baseline over every listing in `go/`: `gofmt -l` is empty, and
//! `go vet ./...` reports only the findings that a page discusses.
//!
//! The listings are built as one module that says `go 1.23`, where vet has
//! nothing to say. Under `go 1.21` (the old loop-variable semantics) vet
//! flags every closure that captures a loop variable. Each listing that
//! has such a capture is named below with the page that explains it; a new
//! finding, or a listed one that is gone, fails the check.

use crate::Checks;
use crate::claim;
use crate::support::{Check, Go, module_language_version};
use std::collections::BTreeSet;

/// (listing, vet's finding, the page that discusses it), under `go 1.21`.
const DISCUSSED_UNDER_GO_1_21: &[(&str, &str, &str)] = &[
    (
        "ch04-03-fault-tolerance-fixed",
        "rand.New requires go1.22 or later (module is go1.21)",
        "ch04-03-go-twin.md",
    ),
    (
        "ch04-03-fault-tolerance-fixed",
        "rand.NewPCG requires go1.22 or later (module is go1.21)",
        "ch04-03-go-twin.md",
    ),
    (
        "ch04-01-concurrency",
        "loop variable i captured by func literal",
        "ch04-01-concurrency.md",
    ),
    (
        "ch04-01-concurrency-exit",
        "loop variable i captured by func literal",
        "ch04-01-concurrency.md",
    ),
    (
        "ch04-04-consistency",
        "loop variable i captured by func literal",
        "ch04-04-consistency.md",
    ),
    (
        "ch09-05-context",
        "loop variable i captured by func literal",
        "quickref.md",
    ),
    (
        "ch09-05-context",
        "loop variable j captured by func literal",
        "quickref.md",
    ),
];

pub fn checks() -> Checks {
    vec![
        ("gofmt_has_nothing_to_change", gofmt_has_nothing_to_change),
        (
            "vet_is_silent_under_the_module_s_version",
            vet_is_silent_under_the_module_s_version,
        ),
        (
            "vet_under_go_1_21_reports_only_the_discussed_captures",
            vet_under_go_1_21_reports_only_the_discussed_captures,
        ),
    ]
}

fn gofmt_has_nothing_to_change(go: &Go) -> Check {
    let files = go.gofmt_list()?;
    claim!(files.is_empty(), "gofmt would reformat: {files:?}");
    Ok(())
}

fn vet_is_silent_under_the_module_s_version(go: &Go) -> Check {
    let version = module_language_version();
    let findings = go.vet_module_as(&version)?;
    claim!(
        findings.is_empty(),
        "go vet under go {version} reports: {findings:?}"
    );
    Ok(())
}

fn vet_under_go_1_21_reports_only_the_discussed_captures(go: &Go) -> Check {
    let found: BTreeSet<(String, String)> =
        go.vet_module_as("1.21")?.into_iter().collect();
    let expected: BTreeSet<(String, String)> = DISCUSSED_UNDER_GO_1_21
        .iter()
        .map(|(l, m, _)| (l.to_string(), m.to_string()))
        .collect();
    claim!(
        found == expected,
        "go vet under go 1.21: found {found:?}, the pages discuss {expected:?}"
    );
    // Each page named above says what vet says, in those words.
    let chapters = crate::support::repo_root().join("chapters");
    for (listing, finding, page) in DISCUSSED_UNDER_GO_1_21 {
        let text =
            std::fs::read_to_string(chapters.join(page)).map_err(|e| e.to_string())?;
        let generic = finding.replace(" j ", " i ");
        claim!(
            text.contains(&generic) || text.contains(finding),
            "{page} shows go/{listing} but never quotes vet's `{finding}`"
        );
        claim!(
            text.contains(&format!("go/{listing}/")),
            "{page} does not show go/{listing}"
        );
    }
    Ok(())
}
