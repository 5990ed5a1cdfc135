//! Every chart the book shows is what the library draws now.
//!
//! `chapters/images/*.svg` are made by `cookbook::book_charts`. This
//! test draws each one again and fails if the file differs, names a stray
//! SVG that nothing draws, and checks that some page shows each chart.
//!
//! Regenerate every chart with `UPDATE_CHARTS=1 cargo test --test charts`.

use cookbook::book_charts;
use cookbook::parallelism::chart::SCALING;
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

fn chapters() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("chapters")
}

fn images_dir() -> PathBuf {
    chapters().join("images")
}

#[test]
fn every_chart_is_current() {
    let update = std::env::var_os("UPDATE_CHARTS").is_some();
    let mut stale = Vec::new();
    for (name, svg) in book_charts().expect("the book's charts draw") {
        let path = images_dir().join(name);
        let committed = fs::read_to_string(&path).unwrap_or_default();
        if committed == svg {
            continue;
        }
        if update {
            fs::create_dir_all(images_dir()).expect("create chapters/images");
            fs::write(&path, &svg).expect("write chart");
        } else {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale or missing charts: {stale:?}\nRegenerate with UPDATE_CHARTS=1 cargo test --test charts"
    );
}

#[test]
fn every_svg_in_images_is_drawn_by_the_library() {
    let drawn: BTreeSet<String> = book_charts()
        .expect("the book's charts draw")
        .into_iter()
        .map(|(name, _)| name.to_string())
        .collect();
    let on_disk: BTreeSet<String> = fs::read_dir(images_dir())
        .expect("read chapters/images")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    let stray: Vec<&String> = on_disk.difference(&drawn).collect();
    assert!(
        stray.is_empty(),
        "SVGs in chapters/images/ that no code draws (delete them, or add them to \
         cookbook::book_charts): {stray:?}"
    );
}

#[test]
fn every_chart_is_shown_by_a_page() {
    let pages: Vec<String> = fs::read_dir(chapters())
        .expect("read chapters")
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| fs::read_to_string(p).unwrap_or_default())
        .collect();
    for (name, _) in book_charts().expect("the book's charts draw") {
        let link = format!("(images/{name})");
        assert!(
            pages.iter().any(|text| text.contains(&link)),
            "no page in chapters/ shows images/{name} (as `![...]{link}`)"
        );
    }
}

/// The scaling chart draws the table that `ch03-01-models` prints by
/// default, so its parameters must be that program's defaults.
#[test]
fn scaling_chart_uses_the_parameters_of_the_shown_output() {
    let output = fs::read_to_string(chapters().join("outputs/ch03-01-models.txt"))
        .expect("read chapters/outputs/ch03-01-models.txt");
    let expected = format!(
        "Predicted speedup: s = {}, USL alpha = {}, beta = {}",
        SCALING.serial, SCALING.alpha, SCALING.beta
    );
    assert!(
        output.lines().any(|l| l == expected),
        "chapters/outputs/ch03-01-models.txt has no line {expected:?}: the chart in \
         chapters/images/ch03-01-scaling.svg and the table on the page would disagree"
    );
    assert!(
        output.lines().any(|l| l
            .split_whitespace()
            .next()
            .is_some_and(|n| n == SCALING.max_workers.to_string())),
        "the output's table does not reach n = {}, where the chart ends",
        SCALING.max_workers
    );
}
