//! Sections 3.3 and 7: clients contending for one resource, and what
//! backoff and jitter do about it.
//!
//! The setting is the one of M. Brooker, "Exponential Backoff And
//! Jitter" (AWS Architecture Blog, 2015): many clients start at the same
//! moment and each wants to make one write to the same item, under
//! optimistic concurrency control. When several writes arrive together,
//! one wins and the others conflict, back off and try again. The article
//! measures two things, and so does this module: the **work** (calls made
//! in all, conflicts included) and the **completion time** (until the
//! last client has written).
//!
//! The simulation is this module's own, in discrete time: time is cut
//! into slots, each as long as one write; every client whose next call
//! falls in a slot calls in it; if any do, one of them (chosen at random)
//! succeeds and the rest fail. A client that fails in slot s waits a delay
//! d from its strategy and calls again in slot s + 1 + ⌊d / slot⌋. Five
//! strategies, after the k-th failure (k = 0, 1, …), with ceiling(k) =
//! min(cap, base · 2^k):
//!
//! - no backoff: d = 0, call again in the next slot;
//! - exponential: d = ceiling(k), the same for every client;
//! - full jitter: d uniform in [0, ceiling(k)]
//!   ([`crate::trends::backoff::Backoff::full_jitter`]);
//! - equal jitter: d = ceiling(k) / 2 + uniform in [0, ceiling(k) / 2]
//!   ([`equal_jitter`]);
//! - decorrelated jitter: d = min(cap, uniform in [base, 3 · previous d]),
//!   starting from d = base ([`Decorrelated`]).
//!
//! The names and the last three formulas are the article's; the code and
//! the model of time are not.

use crate::support::error::ModelError;
use crate::trends::backoff::Backoff;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fmt;
use std::time::Duration;

/// The most clients a run accepts: the work without jitter grows as n²/2.
pub const MAX_CLIENTS: usize = 2000;

// ANCHOR: jitters
/// "Equal jitter": half the ceiling for sure, plus a uniform draw over the
/// other half, so a client always waits at least ceiling(attempt) / 2.
pub fn equal_jitter(backoff: &Backoff, attempt: u32, rng: &mut impl Rng) -> Duration {
    let half = backoff.ceiling(attempt) / 2;
    let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(rng.random_range(0..=nanos))
}

/// "Decorrelated jitter": each wait is drawn uniformly between the base
/// and three times the previous wait, then capped. It keeps its previous
/// wait, so it is a value per client, not a function of the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decorrelated {
    base: Duration,
    cap: Duration,
    previous: Duration,
}

impl Decorrelated {
    /// Starts from the base and cap of `backoff` (its first and its
    /// largest ceiling), with a previous wait of one base.
    pub fn new(backoff: &Backoff) -> Self {
        let base = backoff.ceiling(0);
        let cap = backoff.ceiling(u32::MAX);
        Decorrelated {
            base,
            cap,
            previous: base,
        }
    }

    /// The next wait: min(cap, uniform in [base, 3 · previous]).
    pub fn next(&mut self, rng: &mut impl Rng) -> Duration {
        let lo = u64::try_from(self.base.as_nanos()).unwrap_or(u64::MAX);
        let hi =
            u64::try_from(self.previous.saturating_mul(3).as_nanos()).unwrap_or(u64::MAX);
        let wait = Duration::from_nanos(rng.random_range(lo..=hi.max(lo))).min(self.cap);
        self.previous = wait;
        wait
    }
}
// ANCHOR_END: jitters

/// How a client waits after a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Call again in the next slot.
    NoBackoff,
    /// Wait the ceiling, min(cap, base · 2^k): no randomness.
    Exponential,
    /// Wait a uniform draw from [0, ceiling].
    FullJitter,
    /// Wait half the ceiling plus a uniform draw over the other half.
    EqualJitter,
    /// Wait min(cap, uniform in [base, 3 · previous wait]).
    Decorrelated,
}

/// Every strategy, in the order the tables print them.
pub const STRATEGIES: [Strategy; 5] = [
    Strategy::NoBackoff,
    Strategy::Exponential,
    Strategy::FullJitter,
    Strategy::EqualJitter,
    Strategy::Decorrelated,
];

impl Strategy {
    /// Whether the strategy draws its waits at random.
    pub fn is_jittered(self) -> bool {
        matches!(
            self,
            Strategy::FullJitter | Strategy::EqualJitter | Strategy::Decorrelated
        )
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Strategy::NoBackoff => "no backoff",
            Strategy::Exponential => "exponential, no jitter",
            Strategy::FullJitter => "full jitter",
            Strategy::EqualJitter => "equal jitter",
            Strategy::Decorrelated => "decorrelated jitter",
        })
    }
}

/// The contest: how many clients, how they back off, and how long a slot
/// (one write) lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contest {
    clients: usize,
    backoff: Backoff,
    slot: Duration,
}

impl Contest {
    /// `clients` clients (1 to [`MAX_CLIENTS`]) that back off by `backoff`,
    /// in slots of `slot` (not zero).
    pub fn new(
        clients: usize,
        backoff: Backoff,
        slot: Duration,
    ) -> Result<Self, ModelError> {
        if clients == 0 || clients > MAX_CLIENTS {
            let what = "the number of clients";
            return Err(if clients == 0 {
                ModelError::TooSmall {
                    what,
                    value: 0.0,
                    min: 1.0,
                }
            } else {
                let max = MAX_CLIENTS as f64;
                ModelError::TooLarge {
                    what,
                    value: clients as f64,
                    max,
                }
            });
        }
        if slot.is_zero() {
            return Err(ModelError::TooSmall {
                what: "the slot (seconds)",
                value: 0.0,
                min: f64::MIN_POSITIVE,
            });
        }
        Ok(Contest {
            clients,
            backoff,
            slot,
        })
    }

    /// The number of clients.
    pub fn clients(&self) -> usize {
        self.clients
    }
}

/// What one run cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Calls made, the winning ones included: the work.
    pub calls: u64,
    /// Slots until the last client succeeded: the completion time.
    pub slots: u64,
}

/// One client's backoff state.
struct Client {
    failures: u32,
    decorrelated: Decorrelated,
}

// ANCHOR: run
/// Runs the contest once under `strategy`, drawing waits and winners from
/// `rng`. Every client starts in slot 0 and calls until it wins a slot.
///
/// Events are taken in slot order from a heap, so a run costs about
/// calls · log(clients), however long the waits are.
pub fn run(contest: &Contest, strategy: Strategy, rng: &mut impl Rng) -> Outcome {
    let b = contest.backoff;
    let mut clients: Vec<Client> = (0..contest.clients)
        .map(|_| Client {
            failures: 0,
            decorrelated: Decorrelated::new(&b),
        })
        .collect();
    // (slot of the next call, client), smallest slot first, then client.
    let mut next: BinaryHeap<Reverse<(u64, usize)>> =
        (0..contest.clients).map(|c| Reverse((0, c))).collect();
    let (mut calls, mut last, mut callers) = (0, 0, Vec::new());
    while let Some(&Reverse((slot, _))) = next.peek() {
        callers.clear();
        while let Some(&Reverse((s, c))) = next.peek() {
            if s != slot {
                break;
            }
            next.pop();
            callers.push(c);
        }
        calls += callers.len() as u64;
        last = slot;
        // One write wins the slot; every other write conflicts.
        let winner = callers[rng.random_range(0..callers.len())];
        for &c in callers.iter().filter(|&&c| c != winner) {
            let client = &mut clients[c];
            let wait = match strategy {
                Strategy::NoBackoff => Duration::ZERO,
                Strategy::Exponential => b.ceiling(client.failures),
                Strategy::FullJitter => b.full_jitter(client.failures, rng),
                Strategy::EqualJitter => equal_jitter(&b, client.failures, rng),
                Strategy::Decorrelated => client.decorrelated.next(rng),
            };
            client.failures = client.failures.saturating_add(1);
            let wait_slots = wait.as_nanos() / contest.slot.as_nanos();
            let wait_slots = u64::try_from(wait_slots).unwrap_or(u64::MAX / 2);
            next.push(Reverse((slot.saturating_add(1 + wait_slots), c)));
        }
    }
    Outcome {
        calls,
        slots: last + 1,
    }
}
// ANCHOR_END: run

/// The mean cost of one strategy over many seeded runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    /// The strategy.
    pub strategy: Strategy,
    /// The number of clients.
    pub clients: usize,
    /// Mean calls per run.
    pub calls: f64,
    /// Mean slots until every client succeeded.
    pub slots: f64,
}

/// The generator of trial `trial`: ChaCha8 seeded with `seed`, on stream
/// `trial`, so trials are independent and any one can be rerun alone.
pub fn trial_rng(seed: u64, trial: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(trial);
    rng
}

/// Runs every strategy `trials` times on `contest` and averages. Trial t
/// of every strategy starts from the same generator, [`trial_rng`]`(seed,
/// t)`. Refused: zero trials.
pub fn compare(
    contest: &Contest,
    trials: u64,
    seed: u64,
) -> Result<Vec<Row>, ModelError> {
    if trials == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of trials",
            value: 0.0,
            min: 1.0,
        });
    }
    let rows = STRATEGIES.iter().map(|&strategy| {
        let (mut calls, mut slots) = (0u64, 0u64);
        for t in 0..trials {
            let out = run(contest, strategy, &mut trial_rng(seed, t));
            calls += out.calls;
            slots += out.slots;
        }
        Row {
            strategy,
            clients: contest.clients,
            calls: calls as f64 / trials as f64,
            slots: slots as f64 / trials as f64,
        }
    });
    Ok(rows.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn without_jitter_the_clients_stay_in_lockstep() {
        let b = Backoff::new(ms(1), ms(100)).unwrap();
        let c = Contest::new(10, b, ms(1)).unwrap();
        let mut rng = trial_rng(1, 0);
        for s in [Strategy::NoBackoff, Strategy::Exponential] {
            // One winner per round: 10 + 9 + … + 1 calls.
            assert_eq!(run(&c, s, &mut rng).calls, 55, "{s}");
        }
        assert_eq!(run(&c, Strategy::NoBackoff, &mut rng).slots, 10);
    }

    #[test]
    fn the_jitters_stay_in_their_ranges() {
        let b = Backoff::new(ms(10), ms(100)).unwrap();
        let mut rng = trial_rng(3, 0);
        for k in 0..8 {
            let d = equal_jitter(&b, k, &mut rng);
            assert!(d >= b.ceiling(k) / 2 && d <= b.ceiling(k), "{k}: {d:?}");
        }
        let mut dec = Decorrelated::new(&b);
        let mut prev = ms(10);
        for _ in 0..50 {
            let d = dec.next(&mut rng);
            assert!(d >= ms(10) && d <= ms(100) && d <= prev * 3, "{d:?}");
            prev = d;
        }
    }

    #[test]
    fn bad_contests_are_refused() {
        let b = Backoff::new(ms(1), ms(10)).unwrap();
        assert!(Contest::new(0, b, ms(1)).is_err());
        assert!(Contest::new(MAX_CLIENTS + 1, b, ms(1)).is_err());
        assert!(Contest::new(5, b, Duration::ZERO).is_err());
        let c = Contest::new(5, b, ms(1)).unwrap();
        assert!(compare(&c, 0, 1).is_err());
    }
}
