//! What every exercise test file checks about its exercises: that each
//! exercise file is its solution with the `solve_*` regions replaced, and
//! that the untouched starters fail every test. `tests/exercises_*.rs`
//! include it with `#[path]`.

/// Splits an exercise file into its skeleton (everything outside the
/// `solve_*` regions, anchor lines included) and the regions' bodies. The
/// `//!` lines at the top, which describe the file, are left out.
pub fn split(text: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut skeleton = Vec::new();
    let mut regions: Vec<(String, String)> = Vec::new();
    let mut open: Option<String> = None;
    for line in text.lines().skip_while(|l| l.starts_with("//!")) {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("// ANCHOR: solve_") {
            assert!(open.is_none(), "region solve_{name} opens inside another");
            open = Some(name.to_string());
            regions.push((name.to_string(), String::new()));
            skeleton.push(line.to_string());
        } else if let Some(name) = trimmed.strip_prefix("// ANCHOR_END: solve_") {
            assert_eq!(
                open.as_deref(),
                Some(name),
                "region solve_{name} closes unopened"
            );
            open = None;
            skeleton.push(line.to_string());
        } else if open.is_some() {
            let body = &mut regions.last_mut().expect("an open region").1;
            body.push_str(line);
            body.push('\n');
        } else {
            skeleton.push(line.to_string());
        }
    }
    assert!(open.is_none(), "a solve_ region is never closed");
    (skeleton, regions)
}

/// Checks that each exercise in `dir` (under the crate root) is its
/// solution in `dir/solutions/` with the `solve_*` regions replaced, and,
/// where `CI` is set, that no region gives the solution away.
pub fn exercises_match_their_solutions(dir: &str, names: &[&str]) {
    let root = env!("CARGO_MANIFEST_DIR");
    for name in names {
        let read = |path: String| {
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
        };
        let exercise = read(format!("{root}/{dir}/{name}.rs"));
        let solution = read(format!("{root}/{dir}/solutions/{name}.rs"));
        let (ex_skeleton, ex_regions) = split(&exercise);
        let (sol_skeleton, sol_regions) = split(&solution);
        if let Some((i, (a, b))) = ex_skeleton
            .iter()
            .zip(&sol_skeleton)
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            panic!(
                "{dir}/{name}.rs differs from its solution outside the solve_ regions \
                 (line {} of the skeleton):\n  exercise: {a}\n  solution: {b}\n\
                 Keep your code between the solve_ anchors.",
                i + 1
            );
        }
        assert_eq!(
            ex_skeleton.len(),
            sol_skeleton.len(),
            "{name}: one file is longer"
        );
        assert!(!sol_regions.is_empty(), "{name}: no solve_ regions");
        assert_eq!(
            ex_regions.len(),
            sol_regions.len(),
            "{name}: a different number of solve_ regions"
        );
        for ((ex_name, ex_body), (sol_name, sol_body)) in
            ex_regions.iter().zip(&sol_regions)
        {
            assert_eq!(ex_name, sol_name, "{name}: regions in a different order");
            assert!(
                !sol_body.trim().is_empty(),
                "{name}: solution region {sol_name} is empty"
            );
            // Once you have solved the exercise, your region may well be the
            // solution itself; only the untouched checkout, where `CI` is set,
            // must not give the answer away.
            if std::env::var_os("CI").is_some() {
                assert_ne!(
                    ex_body, sol_body,
                    "solve_{sol_name} in {dir}/{name}.rs is the solution itself: \
                     the unsolved exercise must not give the answer away"
                );
            }
        }
    }
}

/// Checks that the unsolved exercises fail every test: proof that the
/// tests can fail, and that the command the book gives runs them. The test
/// binary runs itself: the starters' tests (`--ignored starter`) must all
/// fail, and there must be as many as the solutions' tests, which the test
/// names starting with `solved` select (at least `min` in all). It runs
/// where `CI` is set (`.ci/run` sets it), so your own `cargo test` stays
/// green once you have solved the exercises in place.
pub fn unsolved_exercises_fail_every_test(solved: &[&str], min: usize) {
    if std::env::var_os("CI").is_none() {
        eprintln!("skipped: set CI=1 to check that the unsolved exercises fail");
        return;
    }
    let me = std::env::current_exe().expect("the test binary");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(&me)
            .args(args)
            .output()
            .expect("run the test binary");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let tests = |listing: &str| listing.lines().filter(|l| l.ends_with(": test")).count();
    let (_, listing) = run(&["--ignored", "--list", "starter"]);
    let listed = tests(&listing);
    let solved: usize = solved
        .iter()
        .map(|filter| tests(&run(&["--list", filter]).1))
        .sum();
    assert!(listed >= min, "only {listed} starter tests:\n{listing}");
    assert_eq!(
        listed, solved,
        "a test runs on the solution only, or the starter"
    );

    let (passed_all, report) = run(&["--ignored", "starter"]);
    assert!(!passed_all, "the exercises passed their tests:\n{report}");
    let summary = report
        .lines()
        .find(|l| l.starts_with("test result:"))
        .unwrap_or_else(|| panic!("no summary in:\n{report}"));
    let expected = format!("test result: FAILED. 0 passed; {listed} failed;");
    assert!(
        summary.starts_with(&expected),
        "expected `{expected}`, got `{summary}`"
    );
}
