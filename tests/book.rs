//! The book is whole: every include resolves to a non-empty named anchor,
//! every bin, Go listing and output is shown (and each bin's page says how to
//! run it), every section of the source has its SUMMARY entry, and no page
//! holds a placeholder or code typed in by hand.
//!
//! Each rule is also shown to fail: a small clean book is built in a scratch
//! directory, broken in exactly one way, and the checker must report exactly
//! that one problem.

#[path = "support/book_check.rs"]
mod book_check;

use book_check::{SECTIONS, check};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn this_book_is_whole() {
    let problems = check(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        problems.is_empty(),
        "the book has problems:\n{}",
        problems.join("\n")
    );
}

/// A minimal book that passes every rule; tests break it one way each.
struct Fixture {
    dir: tempfile::TempDir,
}

const PROSE: &str = "This page explains one small program in enough words to count as a real page of the book, \
which the checker wants: a page with a heading and nothing else is a placeholder by another name. \
The program below starts a few threads, joins them and prints what they computed, and the output \
under it was produced by running it. Everything a reader sees here is checked by a test.\n";

impl Fixture {
    fn clean() -> Fixture {
        let dir = tempfile::tempdir().expect("scratch dir");
        let f = Fixture { dir };
        let mut summary =
            String::from("# Summary\n\n[Introduction](introduction.md)\n\n");
        for (number, file) in SECTIONS {
            let depth = number.matches('.').count();
            let link = if *number == "1" { *file } else { "" };
            summary.push_str(&format!(
                "{}- [Section {number}]({link})\n",
                "  ".repeat(depth)
            ));
        }
        summary.push_str("\n---\n\n[Quick reference](quickref.md)\n");
        f.write("chapters/SUMMARY.md", &summary);
        f.write(
            "chapters/introduction.md",
            &format!("# Introduction\n\n{PROSE}"),
        );
        f.write(
            "chapters/quickref.md",
            &format!("# Quick reference\n\n{PROSE}"),
        );
        f.write(
            "chapters/ch01-background.md",
            &format!(
                "# Background\n\n{PROSE}\n```rust\n{{{{#include ../src/bin/ch01-01-demo.rs:main}}}}\n```\n\n\
                 ```go\n{{{{#include ../go/ch01-01-demo/main.go:main}}}}\n```\n\n\
                 ```text\n{{{{#include outputs/ch01-01-demo.txt}}}}\n```\n\n\
                 ```console\n$ cargo run --bin ch01-01-demo\n```\n"
            ),
        );
        f.write(
            "src/bin/ch01-01-demo.rs",
            "fn main() {\n    // ANCHOR: main\n    println!(\"4\");\n    // ANCHOR_END: main\n}\n",
        );
        f.write(
            "go/ch01-01-demo/main.go",
            "package main\n\nimport \"fmt\"\n\nfunc main() {\n\t// ANCHOR: main\n\tfmt.Println(4)\n\t// ANCHOR_END: main\n}\n",
        );
        f.write(
            "chapters/outputs/ch01-01-demo.txt",
            "$ cargo run --bin ch01-01-demo\n4\n",
        );
        f
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = fs::read_to_string(self.path(rel)).unwrap();
        assert!(text.contains(from), "fixture {rel} lacks {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    fn append(&self, rel: &str, more: &str) {
        let text = fs::read_to_string(self.path(rel)).unwrap();
        self.write(rel, &format!("{text}{more}"));
    }

    /// The checker must report exactly one problem, containing `expected`.
    fn assert_only_problem(&self, expected: &str) {
        let problems = check(self.dir.path());
        assert!(
            problems.len() == 1 && problems[0].contains(expected),
            "expected exactly one problem containing {expected:?}, got:\n{}",
            problems.join("\n")
        );
    }
}

const PAGE: &str = "chapters/ch01-background.md";

#[test]
fn clean_fixture_passes() {
    let problems = check(Fixture::clean().dir.path());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn include_of_a_missing_file_fails() {
    let f = Fixture::clean();
    f.append(
        PAGE,
        "\n```rust\n{{#include ../src/bin/nope.rs:main}}\n```\n",
    );
    f.assert_only_problem("include of ../src/bin/nope.rs: missing file");
}

#[test]
fn missing_anchor_fails() {
    let f = Fixture::clean();
    f.edit(PAGE, "ch01-01-demo.rs:main", "ch01-01-demo.rs:setup");
    f.assert_only_problem("anchor `setup` not found");
}

#[test]
fn empty_anchor_fails() {
    let f = Fixture::clean();
    f.edit("src/bin/ch01-01-demo.rs", "    println!(\"4\");\n", "");
    f.assert_only_problem("anchor `main` is empty");
}

#[test]
fn line_range_include_fails() {
    let f = Fixture::clean();
    f.edit(PAGE, "ch01-01-demo.rs:main", "ch01-01-demo.rs:2:4");
    f.assert_only_problem("a line range");
}

#[test]
fn unshown_bin_fails() {
    let f = Fixture::clean();
    f.write("src/bin/ch01-02-extra.rs", "fn main() {}\n");
    f.assert_only_problem("src/bin/ch01-02-extra.rs is not shown by any page");
}

#[test]
fn bin_without_its_run_command_fails() {
    let f = Fixture::clean();
    f.edit(PAGE, "$ cargo run --bin ch01-01-demo", "$ cargo test");
    f.assert_only_problem("does not say `cargo run --bin ch01-01-demo`");
}

#[test]
fn unshown_go_listing_fails() {
    let f = Fixture::clean();
    f.write(
        "go/ch01-02-extra/main.go",
        "package main\n\nfunc main() {}\n",
    );
    f.assert_only_problem("Go listing go/ch01-02-extra is not shown");
}

#[test]
fn unshown_output_fails() {
    let f = Fixture::clean();
    f.write(
        "chapters/outputs/ch01-01-demo-args.txt",
        "$ cargo run --bin ch01-01-demo -- 3\n4\n",
    );
    f.assert_only_problem("chapters/outputs/ch01-01-demo-args.txt is not shown");
}

#[test]
fn missing_section_fails() {
    let f = Fixture::clean();
    f.edit("chapters/SUMMARY.md", "  - [Section 4.4]()\n", "");
    f.assert_only_problem("no entry for section 4.4");
}

#[test]
fn section_linked_to_the_wrong_page_fails() {
    let f = Fixture::clean();
    f.edit(
        "chapters/SUMMARY.md",
        "[Section 5]()",
        "[Section 5](ch01-background.md)",
    );
    f.assert_only_problem("section 5 links to ch01-background.md");
}

#[test]
fn summary_link_to_a_missing_page_fails() {
    let f = Fixture::clean();
    f.edit(
        "chapters/SUMMARY.md",
        "[Section 8]()",
        "[Section 8](ch08-faq.md)",
    );
    f.assert_only_problem("links to missing file chapters/ch08-faq.md");
}

#[test]
fn orphan_page_fails() {
    let f = Fixture::clean();
    f.write("chapters/notes.md", &format!("# Notes\n\n{PROSE}"));
    f.assert_only_problem("chapters/notes.md is not in SUMMARY.md");
}

#[test]
fn link_to_a_missing_page_fails() {
    let f = Fixture::clean();
    f.append(
        PAGE,
        "\nSee [the FAQ](ch08-faq.md#async) and [this page](#background).\n",
    );
    f.assert_only_problem("link to missing file ch08-faq.md");
}

#[test]
fn missing_image_fails() {
    let f = Fixture::clean();
    f.append(PAGE, "\n![A plot](images/plot.svg)\n");
    f.assert_only_problem("link to missing file images/plot.svg");
}

#[test]
fn placeholder_fails() {
    let f = Fixture::clean();
    f.append(PAGE, "\nTODO: explain the output.\n");
    f.assert_only_problem("placeholder text `TODO`");
}

#[test]
fn nearly_empty_page_fails() {
    let f = Fixture::clean();
    f.write("chapters/quickref.md", "# Quick reference\n\nSoon.\n");
    f.assert_only_problem("the page is nearly empty");
}

#[test]
fn typed_rust_fails() {
    let f = Fixture::clean();
    f.append(PAGE, "\n```rust\nfn main() { println!(\"4\"); }\n```\n");
    f.assert_only_problem("a `rust` block typed into the page");
}

#[test]
fn typed_go_fails() {
    let f = Fixture::clean();
    f.append(PAGE, "\n```go\nfmt.Println(4)\n```\n");
    f.assert_only_problem("a `go` block typed into the page");
}

#[test]
fn typed_output_fails() {
    let f = Fixture::clean();
    f.append(PAGE, "\n```text\n4\n```\n");
    f.assert_only_problem("a `text` block typed into the page");
}

#[test]
fn output_typed_into_a_console_block_fails() {
    let f = Fixture::clean();
    f.edit(
        PAGE,
        "$ cargo run --bin ch01-01-demo\n",
        "$ cargo run --bin ch01-01-demo\n4\n",
    );
    f.assert_only_problem("holds lines that are not `$ ` commands");
}

#[test]
fn a_wide_included_line_fails() {
    let f = Fixture::clean();
    let wide = format!("    println!(\"{}\");", "x".repeat(80));
    f.edit("src/bin/ch01-01-demo.rs", "    println!(\"4\");", &wide);
    f.assert_only_problem("line 1 of the anchor is 97 columns wide");
}

#[test]
fn a_wide_line_outside_the_anchor_fails_only_when_the_whole_file_is_shown() {
    let f = Fixture::clean();
    let wide = format!("// {}\n", "x".repeat(88));
    f.edit(
        "src/bin/ch01-01-demo.rs",
        "fn main() {\n",
        &format!("{wide}fn main() {{\n"),
    );
    let problems = check(f.dir.path());
    assert!(problems.is_empty(), "{problems:?}");
    f.edit(
        PAGE,
        "{{#include ../src/bin/ch01-01-demo.rs:main}}",
        "{{#rustdoc_include ../src/bin/ch01-01-demo.rs:main}}",
    );
    f.assert_only_problem("line 1 is 91 columns wide");
}

#[test]
fn a_wide_go_line_counts_tabs_as_four_columns() {
    let f = Fixture::clean();
    let wide = format!("\t\tfmt.Println(\"{}\")", "x".repeat(70));
    f.edit("go/ch01-01-demo/main.go", "\tfmt.Println(4)", &wide);
    f.assert_only_problem("93 columns wide");
}

#[test]
fn a_wide_console_line_fails() {
    let f = Fixture::clean();
    let wide = format!("$ cargo run --bin ch01-01-demo -- {}\n", "x".repeat(60));
    f.append(PAGE, &format!("\n```console\n{wide}```\n"));
    f.assert_only_problem("a `console` block has a line 94 columns wide");
}

#[test]
fn a_named_path_that_does_not_exist_fails() {
    let f = Fixture::clean();
    f.append(
        PAGE,
        "\nThe program is `src/bin/ch01-01-demo.rs`, its twin `go/ch01-01-demo/`.\n",
    );
    assert!(check(f.dir.path()).is_empty());
    f.append(PAGE, "\nIts helper is `src/patterns/demo.rs`.\n");
    f.assert_only_problem("names `src/patterns/demo.rs`, which does not exist");
}

#[test]
fn summary_numbering_follows_mdbook() {
    let entries = book_check::parse_summary(
        "# Summary\n\n[Intro](i.md)\n\n- [A](a.md)\n- [B]()\n  - [B1](b1.md)\n  - [B2]()\n- [C](c.md)\n\n---\n\n[Q](q.md)\n",
    );
    let got: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.number.as_str(), e.link.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("", Some("i.md")),
            ("1", Some("a.md")),
            ("2", None),
            ("2.1", Some("b1.md")),
            ("2.2", None),
            ("3", Some("c.md")),
            ("", Some("q.md")),
        ]
    );
}

/// The CPU-bound page quotes the saved benchmark run: its medians, the
/// speedups they give, and the fastest times, as the saved file has them.
#[test]
fn the_cpu_bound_page_quotes_the_saved_benchmark_run() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let saved =
        fs::read_to_string(root.join("benches/results/parallelism_cpu_bound.txt"))
            .expect("the saved run");
    let page = fs::read_to_string(root.join("chapters/ch04-01-cpu-bound.md")).unwrap();
    let page = page.split_whitespace().collect::<Vec<_>>().join(" ");
    // A row: `├─ name  fastest │ slowest │ median │ mean │ samples │ iters`.
    let row = |name: &str| -> (String, String) {
        let line = saved
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no row {name}"));
        let cells: Vec<&str> = line.split('│').map(str::trim).collect();
        let fastest = cells[0].rsplit("  ").next().unwrap().trim().to_string();
        (fastest, cells[2].to_string())
    };
    let ms = |cell: &str| cell.trim_end_matches(" ms").parse::<f64>().unwrap();
    let (seq_fast, seq) = row("sequential");
    let (thr_fast, thr) = row("threads_equal_slices");
    let (ray_fast, ray) = row("rayon_par_iter");
    let speedup = |t: &str| format!("{:.2}×", ms(&seq) / ms(t));
    for quoted in [
        format!("sequential {seq};"),
        format!("threads {thr}, a speedup of {}", speedup(&thr)),
        format!("rayon {ray}, a speedup of {}", speedup(&ray)),
        format!("{seq_fast}, {thr_fast} and {ray_fast}"),
    ] {
        assert!(page.contains(&quoted), "the page does not say {quoted:?}");
    }
}

/// The Go-against-Rust page's saved run lists exactly the rows the
/// benchmark has (`cookbook::tools::versus::ROWS`, which the bench binary
/// checks against divan's list and the Go checks against `go test -bench`),
/// and says what machine it ran on.
#[test]
fn the_saved_go_vs_rust_run_lists_exactly_the_benchmarks_rows() {
    use cookbook::tools::versus::{ROWS, SavedRun};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let saved = fs::read_to_string(root.join("benches/results/go_vs_rust.txt"))
        .expect("the saved run");
    let run = SavedRun::parse(&saved).expect("the saved run reads back");
    let (extra, lacking) = run.mismatch(ROWS);
    assert!(
        extra.is_empty(),
        "the saved run lists rows the benchmark no longer has: {extra:?}"
    );
    assert!(
        lacking.is_empty(),
        "the saved run lacks rows the benchmark has: {lacking:?}; rerun it"
    );
    for key in [
        "date", "commit", "rustc", "go", "os", "cores", "cpu", "rounds",
    ] {
        assert!(
            run.machine.iter().any(|(k, v)| k == key && !v.is_empty()),
            "the saved run does not say its {key}"
        );
    }
}

/// The README's time for the saved Go-against-Rust run is the run's own
/// `took` line.
#[test]
fn the_readme_gives_the_saved_go_vs_rust_run_s_time() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let saved = fs::read_to_string(root.join("benches/results/go_vs_rust.txt"))
        .expect("the saved run");
    let took = saved
        .lines()
        .find_map(|l| l.strip_prefix("took:"))
        .map(str::trim)
        .expect("the saved run has a took line");
    let readme = fs::read_to_string(root.join("README.md")).expect("the README");
    // The README wraps its lines: compare with the line breaks as spaces.
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        readme.contains(&format!(
            "`benches/results/go_vs_rust.txt` took {took} once built"
        )),
        "the README should say the saved run took {took}"
    );
}

/// Every ratio the Go-against-Rust page quotes (`1.17×`) is a row's median
/// in the saved run, and every range it quotes (`0.23 to 2.29`) is a row's
/// range: a new run that changes the numbers fails here until the prose is
/// rewritten to match it.
#[test]
fn the_go_vs_rust_page_quotes_only_numbers_of_the_saved_run() {
    use cookbook::tools::versus::SavedRun;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let saved = fs::read_to_string(root.join("benches/results/go_vs_rust.txt"))
        .expect("the saved run");
    let run = SavedRun::parse(&saved).expect("the saved run reads back");
    let page = fs::read_to_string(root.join("chapters/ch06-01-go-vs-rust.md"))
        .expect("the page");
    let two = |v: f64| format!("{v:.2}");
    let medians: Vec<String> = run.lines.iter().map(|l| two(l.ratio.median)).collect();
    let ranges: Vec<(String, String)> = run
        .lines
        .iter()
        .map(|l| (two(l.ratio.min), two(l.ratio.max)))
        .collect();
    // The decimal number that ends just before byte `end` of the page.
    let number_before = |end: usize| -> Option<String> {
        let head = &page[..end];
        let start = head
            .char_indices()
            .rfind(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let n = &head[start..];
        (n.len() >= 4 && n.contains('.')).then(|| n.to_string())
    };
    let mut quoted = 0;
    for (at, _) in page.match_indices('×') {
        let Some(n) = number_before(at) else { continue };
        assert!(
            medians.contains(&n),
            "the page quotes {n}×, which is no row's median in the saved run"
        );
        quoted += 1;
    }
    for (at, _) in page.match_indices(" to ") {
        let (Some(low), Some(high)) = (
            number_before(at),
            page[at + 4..]
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .map(|end| page[at + 4..at + 4 + end].trim_end_matches('.').to_string()),
        ) else {
            continue;
        };
        if high.is_empty() {
            continue;
        }
        assert!(
            ranges.contains(&(low.clone(), high.clone())),
            "the page quotes the range {low} to {high}, which is no row's range"
        );
        quoted += 1;
    }
    assert!(quoted >= 20, "the page quotes only {quoted} figures");
}
