//! The stateright models of section 4.4: what the page says each check
//! finds, and the state counts it quotes.
#![cfg(feature = "full")]

use cookbook::consistency::history::{Call, Outcome};
use cookbook::consistency::linearizability::check;
use cookbook::consistency::protocol::{
    NetworkKind, Setup, Step, Verdict, history_of, verify,
};

fn rendered(verdict: &Verdict) -> Vec<String> {
    verdict
        .counterexample
        .as_ref()
        .expect("a counterexample")
        .iter()
        .map(|s| s.render(verdict.setup.servers))
        .collect()
}

/// The counterexample's history is one the book's checker rejects too.
fn checker_agrees(setup: &Setup, steps: &[Step]) {
    let report = check(&history_of(setup, steps)).expect("a valid history");
    assert!(!report.is_linearizable(), "{steps:?}");
}

#[test]
fn the_single_copy_register_reads_the_old_value() {
    let setup = Setup::single_copy();
    let verdict = verify(&setup);
    assert_eq!(
        rendered(&verdict),
        [
            "c0 → s0  write 1",
            "s0 → c0  written",
            "c0 → s1  read",
            "s1 → c0  read returns 0"
        ]
    );
    assert_eq!(verdict.unique_states, 5);
    checker_agrees(&setup, verdict.counterexample.as_ref().unwrap());
}

#[test]
fn abd_is_linearizable_in_every_state() {
    let verdict = verify(&Setup::abd());
    assert!(verdict.counterexample.is_none());
    assert!(verdict.exhaustive && verdict.can_finish);
    // The page quotes these.
    assert_eq!((verdict.unique_states, verdict.max_depth), (74_275, 31));
}

#[test]
fn a_write_that_skips_its_query_is_caught() {
    // The correct protocol passes the same one-client script...
    let correct = verify(&Setup::abd_sequential());
    assert!(correct.counterexample.is_none() && correct.can_finish);
    // ...the blind write does not: the second write picks a timestamp
    // below the first, and a read after both returns the first value.
    let setup = Setup::abd_blind_write();
    let verdict = verify(&setup);
    let steps = verdict.counterexample.clone().expect("a counterexample");
    assert_eq!(steps.len(), 14);
    assert_eq!(
        rendered(&verdict).last().map(String::as_str),
        Some("s1 → c0  read returns 1")
    );
    assert_eq!(verdict.unique_states, 560);
    checker_agrees(&setup, &steps);
}

#[test]
fn no_write_back_passes_on_ordered_links_and_fails_on_unordered_ones() {
    // On ordered, reliable links a store from s0 reaches a server before
    // any answer s0 sends it later, so when the first read returns 1 two
    // of the three servers hold 1: in this configuration the bug is
    // hidden, and stateright proves it over every state.
    let ordered = verify(&Setup::abd_no_write_back());
    assert!(ordered.counterexample.is_none() && ordered.exhaustive);
    assert_eq!(ordered.unique_states, 12_182);
    // Let messages overtake each other and the new-old inversion appears:
    // one read returns 1, a later read returns 0.
    let setup = Setup {
        network: NetworkKind::Unordered,
        ..Setup::abd_no_write_back()
    };
    let verdict = verify(&setup);
    let steps = verdict.counterexample.clone().expect("an inversion");
    let history = history_of(&setup, &steps);
    let reads: Vec<Outcome> = history
        .iter()
        .filter(|op| op.call == Call::Read)
        .map(|op| op.outcome)
        .collect();
    assert_eq!(reads, [Outcome::Read(1), Outcome::Read(0)]);
    // The hash order is fixed for a build, so the search is too.
    assert_eq!((steps.len(), verdict.unique_states), (14, 16_362));
    checker_agrees(&setup, &steps);
    // The correct protocol survives the same network.
    let abd = verify(&Setup {
        network: NetworkKind::Unordered,
        ..Setup::abd_sequential()
    });
    assert!(abd.counterexample.is_none() && abd.can_finish);
}

#[test]
fn a_lossy_network_loses_no_safety() {
    // Lost messages leave operations unanswered (pending), never wrong.
    let verdict = verify(&Setup {
        network: NetworkKind::OrderedLossy,
        ..Setup::abd_sequential()
    });
    assert!(verdict.counterexample.is_none() && verdict.can_finish);
    // The single copy fails as it does on reliable links: losing a
    // message can only shorten a run, so the shortest failure is the same.
    let single = verify(&Setup {
        network: NetworkKind::OrderedLossy,
        ..Setup::single_copy()
    });
    assert_eq!(
        rendered(&single),
        [
            "c0 → s0  write 1",
            "s0 → c0  written",
            "c0 → s1  read",
            "s1 → c0  read returns 0"
        ]
    );
}

#[test]
fn no_write_back_fails_on_ordered_links_that_lose_a_message() {
    // The writer's store to s2 is lost, s2 hears 1 from s0 and answers 1,
    // and the next read asks s1 and s2, neither of which holds 1.
    let setup = Setup {
        network: NetworkKind::OrderedLossy,
        ..Setup::abd_no_write_back()
    };
    let verdict = verify(&setup);
    let steps = verdict.counterexample.clone().expect("an inversion");
    let lost: Vec<String> = steps
        .iter()
        .filter(|s| s.lost)
        .map(|s| s.render(setup.servers))
        .collect();
    assert_eq!(lost, ["s0 → s2  store 1 at (1, 0)  (lost)"]);
    // The page quotes these: 13 deliveries and one loss.
    assert_eq!((steps.len(), verdict.unique_states), (14, 27_359));
    let reads: Vec<Outcome> = history_of(&setup, &steps)
        .iter()
        .filter(|op| op.call == Call::Read)
        .map(|op| op.outcome)
        .collect();
    assert_eq!(reads, [Outcome::Read(1), Outcome::Read(0)]);
    checker_agrees(&setup, &steps);
}

/// The page's ABD configuration on an unordered network: tens of seconds
/// in a debug build. `cargo test --test consistency_models -- --ignored`.
#[test]
#[ignore]
fn abd_is_linearizable_on_an_unordered_network() {
    let verdict = verify(&Setup {
        network: NetworkKind::Unordered,
        ..Setup::abd()
    });
    assert!(verdict.counterexample.is_none() && verdict.can_finish);
    // The page quotes this count.
    assert_eq!(verdict.unique_states, 389_442);
}

/// The page's ABD configuration on ordered links that lose messages:
/// tens of seconds in a debug build.
#[test]
#[ignore]
fn abd_is_linearizable_on_lossy_links() {
    let verdict = verify(&Setup {
        network: NetworkKind::OrderedLossy,
        ..Setup::abd()
    });
    assert!(verdict.counterexample.is_none() && verdict.can_finish);
    // The page quotes this count.
    assert_eq!(verdict.unique_states, 346_721);
}

/// Two writers, each writing then reading: about a minute in a debug
/// build. `cargo test --test consistency_models -- --ignored`.
#[test]
#[ignore]
fn abd_with_two_writers_is_linearizable() {
    let verdict = verify(&Setup::abd_two_writers());
    assert!(verdict.counterexample.is_none() && verdict.can_finish);
    // The page quotes this count.
    assert_eq!(verdict.unique_states, 1_418_143);
    println!("{verdict}");
}
