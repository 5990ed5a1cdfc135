//! Section 3.4: three replicas of a shopping list and a stock count, cut
//! off from each other, each changing its own copy; then gossip in a
//! seeded order until they agree. The list is kept three ways: as an
//! OR-set, as a two-phase set, and as one last-writer-wins register
//! holding the whole set. Only the OR-set keeps every add that no remove
//! saw.
//!
//! Run: `cargo run --bin ch03-04-crdts -- --seed 1`

use clap::Parser;
use cookbook::consistency::crdt::{
    Causality, Crdt, CrdtError, LwwRegister, OrSet, PnCounter, ReplicaId, Stamp,
    TwoPhaseSet, VClock,
};
use cookbook::support::cli::usize_in;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;
use std::process::ExitCode;

/// Partitions three replicas, changes each, then gossips in a seeded order
/// until all three hold the same state.
#[derive(Parser)]
#[command(name = "ch03-04-crdts")]
struct Args {
    /// Seed of the gossip order (ChaCha8).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The most deliveries to try before giving up (1 to 1000).
    #[arg(long, default_value_t = 100, value_parser = usize_in(1..=1000))]
    max_deliveries: usize,
}

const NAMES: [&str; 3] = ["A", "B", "C"];

// ANCHOR: replica
/// One replica's copy of everything: the count, and the list kept three
/// ways. Gossip sends the whole of it.
#[derive(Clone, PartialEq)]
struct Replica {
    id: ReplicaId,
    count: PnCounter,
    or_set: OrSet<&'static str>,
    two_phase: TwoPhaseSet<&'static str>,
    /// The whole list as one value, stamped by the replica's clock.
    whole: LwwRegister<BTreeSet<&'static str>>,
}

/// One thing a replica does to its own copy.
#[derive(Clone, Copy)]
enum Change {
    Up(u64),
    Down(u64),
    Add(&'static str),
    Remove(&'static str),
    /// Writes the list as this replica sees it into the whole-list
    /// register, stamped with this time.
    SaveWhole(u64),
}

impl Replica {
    /// Makes `change` and says what it did, in the words the output shows.
    fn apply(&mut self, change: Change) -> Result<String, CrdtError> {
        Ok(match change {
            Change::Up(by) => {
                self.count.increment(self.id, by)?;
                format!("+{by}")
            }
            Change::Down(by) => {
                self.count.decrement(self.id, by)?;
                format!("-{by}")
            }
            Change::Add(item) => {
                self.or_set.add(self.id, item)?;
                let before = self.two_phase.clone();
                self.two_phase.add(item);
                if self.two_phase == before {
                    format!("adds {item} (the 2P-set had it already)")
                } else {
                    format!("adds {item}")
                }
            }
            Change::Remove(item) => {
                self.or_set.remove(&item);
                self.two_phase.remove(&item);
                format!("removes {item}")
            }
            Change::SaveWhole(time) => {
                let list = self.or_set.elements().copied().collect();
                let stamp = Stamp {
                    time,
                    replica: self.id,
                };
                self.whole.set(stamp, list);
                format!("writes its whole list at t={time}")
            }
        })
    }

    /// Whether two replicas hold the same state (their ids differ).
    fn same_as(&self, other: &Replica) -> bool {
        self.count == other.count
            && self.or_set == other.or_set
            && self.two_phase == other.two_phase
            && self.whole == other.whole
    }

    /// Gossip: fold a copy of another replica's state into this one.
    fn receive(&mut self, other: &Replica) {
        self.count.merge(&other.count);
        self.or_set.merge(&other.or_set);
        self.two_phase.merge(&other.two_phase);
        self.whole.merge(&other.whole);
    }
}
// ANCHOR_END: replica

fn list<'a>(items: impl Iterator<Item = &'a &'static str>) -> String {
    let items: Vec<&str> = items.copied().collect();
    format!("{{{}}}", items.join(", "))
}

/// A vector clock with replicas named: `{A:1, B:2}`.
fn named(clock: &VClock) -> String {
    let entries: Vec<String> = clock
        .entries()
        .map(|(r, n)| format!("{}:{n}", NAMES[r as usize]))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

fn whole_list(r: &Replica) -> String {
    r.whole.get().map_or("{}".into(), |s| list(s.iter()))
}

fn show(r: &Replica) {
    let name = NAMES[r.id as usize];
    let time = r.whole.stamp().map_or(0, |s| s.time);
    println!("  {name}  count {:>3}", r.count.value());
    println!(
        "     OR-set  {:<28} seen {}",
        list(r.or_set.elements()),
        named(r.or_set.context())
    );
    println!("     2P-set  {}", list(r.two_phase.elements()));
    println!("     LWW     {} (t={time})", whole_list(r));
}

/// Runs the story; `Ok(false)` if the replicas still differ after the
/// allowed deliveries.
fn run(args: &Args) -> Result<bool, CrdtError> {
    // ANCHOR: partition
    // Before the partition: A creates the list and the count, and B and C
    // receive A's state.
    let blank = |id| Replica {
        id,
        count: PnCounter::new(),
        or_set: OrSet::new(),
        two_phase: TwoPhaseSet::new(),
        whole: LwwRegister::new(),
    };
    let mut a = blank(0);
    let setup = [Change::Up(10), Change::Add("milk"), Change::SaveWhole(1)];
    for change in setup {
        a.apply(change)?;
    }
    let (mut b, mut c) = (blank(1), blank(2));
    b.receive(&a);
    c.receive(&a);

    // Partitioned: each changes its own copy, not knowing the others'.
    use Change::{Add, Down, Remove, SaveWhole, Up};
    let apart: [&[Change]; 3] = [
        &[Up(3), Remove("milk"), Add("eggs"), SaveWhole(5)],
        // B still wants milk: a new add, which A's remove never saw.
        &[Up(2), Add("milk"), Add("bread"), SaveWhole(4)],
        &[Down(1), Add("tea"), SaveWhole(3)],
    ];
    // ANCHOR_END: partition

    println!(
        "Before the partition: A's list {}, count {}, copied to B and C.",
        list(a.or_set.elements()),
        a.count.value()
    );
    println!("Partitioned, each changes its own copy:");
    let mut replicas = [a, b, c];
    for (replica, changes) in replicas.iter_mut().zip(apart) {
        let done: Vec<String> = changes
            .iter()
            .map(|&change| replica.apply(change))
            .collect::<Result<_, _>>()?;
        println!("  {}: {}", NAMES[replica.id as usize], done.join(", "));
    }
    println!();
    println!("States before gossip (`seen`: the OR-set's vector clock, replica:count):");
    replicas.iter().for_each(show);
    let clock = |i: usize| replicas[i].or_set.context().clone();
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let how = match clock(i).compare(&clock(j)) {
            Causality::Concurrent => "concurrent: neither has seen the other",
            Causality::Before => "before",
            Causality::After => "after",
            Causality::Equal => "equal",
        };
        println!("  {} vs {}: {how}", NAMES[i], NAMES[j]);
    }

    // ANCHOR: gossip
    // Gossip: a seeded sender sends its whole state to a seeded receiver,
    // again and again, duplicates and all, until all three agree.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let agree = |r: &[Replica; 3]| r[0].same_as(&r[1]) && r[1].same_as(&r[2]);
    println!();
    println!("Gossip, ChaCha8Rng seeded with {}:", args.seed);
    let mut deliveries = 0;
    while !agree(&replicas) && deliveries < args.max_deliveries {
        let from = rng.random_range(0..3);
        let to = (from + rng.random_range(1..3)) % 3;
        let message = replicas[from].clone();
        let before = replicas[to].clone();
        replicas[to].receive(&message);
        deliveries += 1;
        let (name, now) = (NAMES[to], &replicas[to]);
        if now.same_as(&before) {
            println!("  {deliveries:>2}. {} -> {name}  nothing new", NAMES[from]);
        } else {
            let (count, items) = (now.count.value(), list(now.or_set.elements()));
            let sender = NAMES[from];
            println!(
                "  {deliveries:>2}. {sender} -> {name}  now count {count}, OR-set {items}"
            );
        }
    }
    // ANCHOR_END: gossip

    println!();
    if !agree(&replicas) {
        println!("Still apart after {deliveries} deliveries (raise --max-deliveries):");
        replicas.iter().for_each(show);
        return Ok(false);
    }
    let r = &replicas[0];
    println!("After {deliveries} deliveries all three agree:");
    // The count: every change of the story, summed here from the story
    // itself, which the counter must equal.
    let (mut sum, mut terms) = (0i128, String::new());
    for change in setup.iter().chain(apart.iter().copied().flatten()) {
        let (sign, by) = match *change {
            Up(by) => ("+", i128::from(by)),
            Down(by) => ("-", -i128::from(by)),
            _ => continue,
        };
        terms += &if terms.is_empty() {
            by.to_string()
        } else {
            format!(" {sign} {}", by.abs())
        };
        sum += by;
    }
    assert_eq!(r.count.value(), sum, "the counter lost or doubled a change");
    println!("  count   {}  = {terms}", r.count.value());
    // The lists: the story's point, checked before it is told.
    assert!(
        r.or_set.contains(&"milk") && !r.two_phase.contains(&"milk"),
        "the story has changed: milk should be in the OR-set only"
    );
    println!(
        "  OR-set  {}  B's add of milk survived A's remove",
        list(r.or_set.elements())
    );
    println!(
        "  2P-set  {}  milk's tombstone is final; B's second add had nothing to add",
        list(r.two_phase.elements())
    );
    let stamp = r.whole.stamp().unwrap_or(Stamp {
        time: 0,
        replica: 0,
    });
    let winner = NAMES[stamp.replica as usize];
    println!(
        "  LWW     {}  {winner}'s whole list (t={}) replaced the others",
        whole_list(r),
        stamp.time
    );
    Ok(true)
}

fn main() -> ExitCode {
    let args = Args::parse(); // a bad value: clap's message, exit status 2
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
