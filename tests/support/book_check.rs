//! The book's integrity rules, as a function from a tree to its problems.
//!
//! `tests/book.rs` runs [`check`] on this repository (it must find nothing)
//! and on small broken trees (it must find exactly what was broken).

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every section of the source document, by number, and the page that
/// covers it. `None` is the closing, unnumbered quick reference.
pub const SECTIONS: &[(&str, &str)] = &[
    ("1", "ch01-background.md"),
    ("2", "ch02-core-concepts.md"),
    ("3", "ch03-00-models.md"),
    ("3.1", "ch03-01-parallelism-formula.md"),
    ("3.2", "ch03-02-load-balancing-formula.md"),
    ("3.3", "ch03-03-fault-tolerance-formula.md"),
    ("3.4", "ch03-04-consistency-formula.md"),
    ("4", "ch04-00-best-practices.md"),
    ("4.1", "ch04-01-concurrency.md"),
    ("4.2", "ch04-02-load-balancing.md"),
    ("4.3", "ch04-03-fault-tolerance.md"),
    ("4.4", "ch04-04-consistency.md"),
    ("5", "ch05-scenarios.md"),
    ("6", "ch06-tools.md"),
    ("7", "ch07-trends.md"),
    ("8", "ch08-faq.md"),
];

/// The unnumbered page after the sections.
pub const QUICKREF: &str = "quickref.md";

/// The widest line a page may show, in columns (a tab counts as 4, the
/// width the book's stylesheet gives it): wider code scrolls sideways.
pub const MAX_COLUMNS: usize = 90;

/// Files whose lines are another tool's words, shown as that tool wrote
/// them: rustc's and clippy's messages, and divan's saved tables. Their
/// width is not the book's to choose.
pub const TOOL_OUTPUT: &[&str] = &["tests/ui/", "tests/lint/", "benches/results/"];

/// The columns a line takes on the page.
pub fn columns(line: &str) -> usize {
    line.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum()
}

/// The lines of `text` wider than [`MAX_COLUMNS`]: (line number, width).
pub fn too_wide(text: &str) -> Vec<(usize, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.contains("ANCHOR:") && !l.contains("ANCHOR_END:"))
        .map(|(i, l)| (i + 1, columns(l)))
        .filter(|&(_, w)| w > MAX_COLUMNS)
        .collect()
}

/// Words that mark a page as unfinished.
const PLACEHOLDERS: &[&str] =
    &["TODO", "TBD", "FIXME", "XXX", "lorem ipsum", "coming soon"];

/// One entry of SUMMARY.md.
#[derive(Debug, Clone)]
pub struct Entry {
    /// "3.1" for numbered chapters, "" for prefix and suffix chapters.
    pub number: String,
    pub title: String,
    /// `None` for a draft chapter (`[Title]()`).
    pub link: Option<String>,
}

/// Parses SUMMARY.md the way mdBook numbers it: list items are numbered by
/// their nesting; links outside the list are unnumbered.
pub fn parse_summary(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut counters: Vec<usize> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let (numbered, rest) = match trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            Some(rest) => (true, rest.trim()),
            None => (false, trimmed.trim()),
        };
        let Some(open) = rest.strip_prefix('[') else {
            continue;
        };
        let Some((title, after)) = open.split_once("](") else {
            continue;
        };
        let Some((link, _)) = after.split_once(')') else {
            continue;
        };
        let link = (!link.trim().is_empty()).then(|| link.trim().to_string());
        let number = if numbered {
            let depth = indent / 2;
            counters.truncate(depth + 1);
            while counters.len() < depth + 1 {
                counters.push(0);
            }
            counters[depth] += 1;
            counters
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(".")
        } else {
            String::new()
        };
        entries.push(Entry {
            number,
            title: title.to_string(),
            link,
        });
    }
    entries
}

/// An `{{#include path:anchor}}` (or `rustdoc_include`) found on a page.
#[derive(Debug, Clone)]
pub struct Include {
    pub page: PathBuf,
    pub path: String,
    pub anchor: Option<String>,
    /// `rustdoc_include`: the whole file is shown, the lines outside the
    /// anchor one click away.
    pub whole_file: bool,
}

pub fn find_includes(page: &Path, text: &str) -> Vec<Include> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let body = after[..end].trim();
        rest = &after[end + 2..];
        let mut words = body.split_whitespace();
        let directive = words.next().unwrap_or_default();
        if directive != "include" && directive != "rustdoc_include" {
            continue;
        }
        let target = words.next().unwrap_or_default();
        let (path, anchor) = match target.split_once(':') {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (target.to_string(), None),
        };
        found.push(Include {
            page: page.to_path_buf(),
            path,
            whole_file: directive == "rustdoc_include" || anchor.is_none(),
            anchor,
        });
    }
    found
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without the
/// other anchor markers (which mdBook strips), or `None` if absent.
pub fn anchor_body(source: &str, name: &str) -> Option<String> {
    let is_marker = |line: &str, kind: &str| {
        line.split(kind)
            .nth(1)
            .is_some_and(|r| r.split_whitespace().next() == Some(name))
    };
    let mut inside = false;
    let mut closed = false;
    let mut body = String::new();
    for line in source.lines() {
        if is_marker(line, "ANCHOR_END:") {
            closed = inside;
            inside = false;
        } else if is_marker(line, "ANCHOR:") {
            inside = true;
        } else if inside && !line.contains("ANCHOR:") && !line.contains("ANCHOR_END:") {
            body.push_str(line);
            body.push('\n');
        }
    }
    closed.then_some(body)
}

/// Fenced code blocks: (info string, body).
pub fn code_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if let Some(info) = t.strip_prefix("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner.trim_start().starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            blocks.push((info.trim().to_string(), body));
        }
    }
    blocks
}

/// The local files that a page's Markdown links and images point at
/// The repository paths a page's prose names in code spans, such as
/// `src/parallelism/fixed.rs` or `loom/tests/`: any span that starts with
/// one of the project's top-level folders and holds no wildcard or
/// placeholder. Fenced blocks are skipped.
pub fn named_paths(text: &str) -> Vec<String> {
    const ROOTS: &[&str] = &[
        "src/",
        "tests/",
        "go/",
        "benches/",
        "loom/",
        "xtask/",
        "chapters/",
        "theme/",
    ];
    let mut found = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for (i, span) in line.split('`').enumerate() {
            let is_code = i % 2 == 1;
            let plain = span
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
            if is_code && plain && ROOTS.iter().any(|r| span.starts_with(r)) {
                found.push(span.to_string());
            }
        }
    }
    found
}

/// (`[text](page.md#part)`, `![alt](images/x.svg)`), without the `#part`;
/// links with a scheme and same-page `#` links are left out. Code spans and
/// fenced blocks are skipped.
pub fn local_links(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        // Drop inline code spans: `[x](y)` inside backticks is not a link.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let mut rest = plain.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            rest = &after[end..];
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || target.contains("://") || target.starts_with("mailto:")
            {
                continue;
            }
            found.push(path.to_string());
        }
    }
    found
}

fn list(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

/// Checks the book rooted at `root` (holding `chapters/`, `src/bin/`, `go/`)
/// and returns every problem found, each as one readable line.
pub fn check(root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let chapters = root.join("chapters");
    let summary_text =
        fs::read_to_string(chapters.join("SUMMARY.md")).unwrap_or_default();
    let entries = parse_summary(&summary_text);
    if entries.is_empty() {
        problems.push("chapters/SUMMARY.md is missing or lists nothing".to_string());
    }

    // Every source section has its entry, as a draft or as its page.
    let by_number: BTreeMap<&str, &Entry> =
        entries.iter().map(|e| (e.number.as_str(), e)).collect();
    for (number, file) in SECTIONS {
        match by_number.get(number) {
            None => problems.push(format!(
                "SUMMARY.md has no entry for section {number} of the source"
            )),
            Some(Entry {
                link: Some(link), ..
            }) if link != file => problems.push(format!(
                "SUMMARY.md: section {number} links to {link}, expected {file}"
            )),
            _ => {}
        }
    }
    if !entries
        .iter()
        .any(|e| e.number.is_empty() && e.link.as_deref() == Some(QUICKREF))
    {
        problems.push(format!("SUMMARY.md has no unnumbered entry for {QUICKREF}"));
    }

    // Every linked page exists; every page is linked.
    let linked: BTreeSet<String> =
        entries.iter().filter_map(|e| e.link.clone()).collect();
    for link in &linked {
        if !chapters.join(link).is_file() {
            problems.push(format!("SUMMARY.md links to missing file chapters/{link}"));
        }
    }
    let pages: Vec<PathBuf> = list(&chapters, "md")
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n != "SUMMARY.md"))
        .collect();
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        if !linked.contains(&name) {
            problems.push(format!("chapters/{name} is not in SUMMARY.md"));
        }
    }

    // Each page: includes resolve, no placeholders, no typed code.
    let mut includes = Vec::new();
    let mut page_texts = BTreeMap::new();
    for page in &pages {
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(page).unwrap_or_default();
        for inc in find_includes(page, &text) {
            let target = chapters.join(&inc.path);
            let shown = format!("chapters/{name}: include of {}", inc.path);
            if !target.is_file() {
                problems.push(format!("{shown}: missing file"));
                continue;
            }
            let source = fs::read_to_string(&target).unwrap_or_default();
            match &inc.anchor {
                Some(a)
                    if a.starts_with(|c: char| c.is_ascii_digit()) || a.is_empty() =>
                {
                    problems.push(format!(
                        "{shown}:{a}: a line range; use a named anchor (// ANCHOR: name)"
                    ))
                }
                Some(a) => match anchor_body(&source, a) {
                    None => problems.push(format!("{shown}: anchor `{a}` not found")),
                    Some(body) if body.trim().is_empty() => {
                        problems.push(format!("{shown}: anchor `{a}` is empty"))
                    }
                    Some(body) if !inc.whole_file => {
                        for (line, width) in too_wide(&body) {
                            problems.push(format!(
                                "{shown}:{a}: line {line} of the anchor is {width} columns wide; \
                                 shown code fits in {MAX_COLUMNS}"
                            ));
                        }
                    }
                    Some(_) => {}
                },
                None if source.trim().is_empty() => {
                    problems.push(format!("{shown}: the file is empty"))
                }
                None => {}
            }
            let tool_output = TOOL_OUTPUT.iter().any(|dir| inc.path.contains(dir))
                && !inc.path.ends_with(".rs");
            if inc.whole_file && !tool_output {
                for (line, width) in too_wide(&source) {
                    problems.push(format!(
                        "{shown}: line {line} is {width} columns wide; \
                         shown code fits in {MAX_COLUMNS}"
                    ));
                }
            }
            includes.push((name.clone(), target));
        }
        let lower = text.to_lowercase();
        for word in PLACEHOLDERS {
            let hit = if word.chars().all(|c| c.is_ascii_uppercase()) {
                text.split(|c: char| !c.is_ascii_alphanumeric())
                    .any(|w| w == *word)
            } else {
                lower.contains(word)
            };
            if hit {
                problems.push(format!("chapters/{name}: placeholder text `{word}`"));
            }
        }
        let prose: usize = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#') && !l.contains("{{#"))
            .map(|l| l.trim().len())
            .sum();
        if prose < 300 {
            problems.push(format!(
                "chapters/{name}: the page is nearly empty ({prose} characters of prose)"
            ));
        }
        for (info, body) in code_blocks(&text) {
            let lang = info.split([',', ' ']).next().unwrap_or_default();
            for (_, width) in too_wide(&body).into_iter().filter(|_| lang != "mermaid") {
                problems.push(format!(
                    "chapters/{name}: a `{lang}` block has a line {width} columns wide; \
                     shown code fits in {MAX_COLUMNS}"
                ));
            }
            let only_includes = body
                .lines()
                .all(|l| l.trim().is_empty() || l.trim().starts_with("{{#"));
            let looks_like_code = ["fn main(", "func main(", "package main", "use std::"]
                .iter()
                .any(|k| body.contains(k));
            match lang {
                "rust" | "rs" | "go" | "golang" | "text" if !only_includes => problems.push(format!(
                    "chapters/{name}: a `{lang}` block typed into the page instead of included from a checked file"
                )),
                "console" | "sh" | "bash" | "shell"
                    if body.lines().any(|l| !l.trim().is_empty() && !l.starts_with("$ ") && !l.starts_with('#')) =>
                {
                    problems.push(format!(
                        "chapters/{name}: a `{lang}` block holds lines that are not `$ ` commands (outputs must be included)"
                    ))
                }
                _ if looks_like_code && !only_includes => problems.push(format!(
                    "chapters/{name}: code typed into a `{lang}` block instead of included"
                )),
                _ => {}
            }
        }
        for named in named_paths(&text) {
            if !root.join(&named).exists() {
                problems.push(format!(
                    "chapters/{name}: names `{named}`, which does not exist"
                ));
            }
        }
        for target in local_links(&text) {
            if !chapters.join(&target).exists() {
                problems.push(format!("chapters/{name}: link to missing file {target}"));
            }
        }
        page_texts.insert(name, text);
    }

    // Every bin, Go listing and output is shown; each bin's page says how to run it.
    let shown = |wanted: &Path| -> Vec<String> {
        let wanted = fs::canonicalize(wanted).unwrap_or_else(|_| wanted.to_path_buf());
        includes
            .iter()
            .filter(|(_, t)| {
                fs::canonicalize(t)
                    .unwrap_or_else(|_| t.clone())
                    .starts_with(&wanted)
            })
            .map(|(p, _)| p.clone())
            .collect()
    };
    for bin in list(&root.join("src/bin"), "rs") {
        let name = stem(&bin);
        let on = shown(&bin);
        if on.is_empty() {
            problems.push(format!("src/bin/{name}.rs is not shown by any page"));
        }
        let command = format!("cargo run --bin {name}");
        for page in on {
            if !page_texts[&page].contains(&command) {
                problems.push(format!(
                    "chapters/{page} shows src/bin/{name}.rs but does not say `{command}`"
                ));
            }
        }
    }
    let mut go_dirs: Vec<PathBuf> = fs::read_dir(root.join("go"))
        .map(|rd| {
            rd.filter_map(|e| Some(e.ok()?.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    go_dirs.sort();
    for dir in go_dirs {
        if shown(&dir).is_empty() {
            problems.push(format!(
                "Go listing go/{} is not shown by any page",
                stem(&dir)
            ));
        }
    }
    for out in list(&chapters.join("outputs"), "txt") {
        if shown(&out).is_empty() {
            problems.push(format!(
                "chapters/outputs/{}.txt is not shown by any page",
                stem(&out)
            ));
        }
    }
    problems
}
