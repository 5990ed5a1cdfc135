//! Section 4.2: the source's hundred random picks over three servers,
//! ported to Rust with their behaviour kept: each request goes to a server
//! drawn uniformly at random, and nothing is sent.
//!
//! - [`random_picks`] is the Go program's loop, on the thread's generator
//!   (`rand::rng()`), which the operating system seeds, as Go (since 1.20)
//!   seeds its global source when the program starts: Rust has no
//!   `rand.Seed(time.Now().UnixNano())` to write, and needs none.
//! - [`seeded_picks`] takes any generator, so a test or a page can fix the
//!   seed and get the same picks every time; the book seeds
//!   `rand_chacha::ChaCha8Rng`, whose stream is promised across releases.
//! - [`Tally`] counts the picks per server: max, min, and the gap between
//!   the busiest server and the mean N / M (the source's R, section 3.2).
//! - [`max_load_over_seeds`] repeats a seeded run over many seeds and
//!   counts how often each maximum load occurs.
//!
//! The functions return what they picked or counted; printing is left to
//! the bins (`src/bin/ch04-02-port.rs`, `src/bin/ch04-02-seeded.rs`). The
//! zero-server case that makes Go's `rand.Intn(0)` panic is a
//! [`ModelError`] here.

use crate::support::error::ModelError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The source's server names.
pub const SERVERS: [&str; 3] = ["server1", "server2", "server3"];

/// The source's number of requests.
pub const REQUESTS: usize = 100;

// ANCHOR: port
/// The Go program's loop: for each of `requests` requests, the index of a
/// server drawn uniformly from `0..servers`, as `rand.Intn(len(servers))`
/// draws it, from the thread's generator (seeded by the OS, no call needed).
pub fn random_picks(servers: usize, requests: usize) -> Result<Vec<usize>, ModelError> {
    seeded_picks(&mut rand::rng(), servers, requests)
}
// ANCHOR_END: port

// ANCHOR: seeded
/// The same loop on a generator the caller chooses: with a seeded one,
/// the same seed gives the same picks. Zero servers is refused (in Go,
/// `rand.Intn(0)` panics).
pub fn seeded_picks<R: Rng + ?Sized>(
    rng: &mut R,
    servers: usize,
    requests: usize,
) -> Result<Vec<usize>, ModelError> {
    if servers == 0 {
        return Err(ModelError::Empty {
            what: "the server list",
        });
    }
    Ok((0..requests)
        .map(|_| rng.random_range(0..servers))
        .collect())
}
// ANCHOR_END: seeded

// ANCHOR: tally
/// How many of the picks went to each server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    /// Requests per server, by index.
    pub counts: Vec<usize>,
}

impl Tally {
    /// Counts `picks` over `servers` servers; a pick out of range is refused.
    pub fn new(picks: &[usize], servers: usize) -> Result<Tally, ModelError> {
        if servers == 0 {
            return Err(ModelError::Empty {
                what: "the server list",
            });
        }
        let mut counts = vec![0; servers];
        for &pick in picks {
            let slot = counts
                .get_mut(pick)
                .ok_or_else(|| ModelError::Inconsistent {
                    why: format!("pick {pick} names no server of {servers}"),
                })?;
            *slot += 1;
        }
        Ok(Tally { counts })
    }

    /// N, the number of requests counted.
    pub fn requests(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The busiest server's load.
    pub fn max(&self) -> usize {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// The idlest server's load.
    pub fn min(&self) -> usize {
        self.counts.iter().copied().min().unwrap_or(0)
    }

    /// N / M, the mean load: the source's "request distribution rate".
    pub fn mean(&self) -> f64 {
        self.requests() as f64 / self.counts.len() as f64
    }

    /// How far the busiest server is above the mean: max − N / M.
    pub fn gap(&self) -> f64 {
        self.max() as f64 - self.mean()
    }

    /// ⌈N / M⌉: no split of N requests over M servers has a smaller
    /// maximum (the pigeonhole principle).
    pub fn floor(&self) -> usize {
        self.requests().div_ceil(self.counts.len())
    }
}
// ANCHOR_END: tally

/// What [`max_load_over_seeds`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaxLoads {
    /// How many runs had each maximum load.
    pub histogram: BTreeMap<usize, usize>,
    /// The first seed with the largest maximum, to replay it.
    pub worst_seed: u64,
}

impl MaxLoads {
    /// How many runs there were.
    pub fn runs(&self) -> usize {
        self.histogram.values().sum()
    }

    /// How many runs had a maximum load of at least `load`.
    pub fn at_least(&self, load: usize) -> usize {
        self.histogram.range(load..).map(|(_, n)| n).sum()
    }

    /// The smallest and the largest maximum load seen.
    pub fn range(&self) -> Option<(usize, usize)> {
        let lo = *self.histogram.keys().next()?;
        let hi = *self.histogram.keys().next_back()?;
        Some((lo, hi))
    }
}

// ANCHOR: over_seeds
/// Runs the seeded picks once for each of the `runs` seeds from `first` up
/// (wrapping past `u64::MAX`), each on its own `ChaCha8Rng`, so any run can
/// be replayed from its seed, and counts how often each maximum load
/// occurred.
pub fn max_load_over_seeds(
    first: u64,
    runs: usize,
    servers: usize,
    requests: usize,
) -> Result<MaxLoads, ModelError> {
    if runs == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of runs",
            value: 0.0,
            min: 1.0,
        });
    }
    let mut histogram = BTreeMap::new();
    let mut worst = (0, first);
    for seed in (0..runs as u64).map(|k| first.wrapping_add(k)) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let tally = Tally::new(&seeded_picks(&mut rng, servers, requests)?, servers)?;
        *histogram.entry(tally.max()).or_insert(0) += 1;
        if tally.max() > worst.0 {
            worst = (tally.max(), seed);
        }
    }
    Ok(MaxLoads {
        histogram,
        worst_seed: worst.1,
    })
}
// ANCHOR_END: over_seeds

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn chacha(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn the_counts_sum_to_the_requests_and_picks_name_servers() {
        for (servers, requests) in [(3, 100), (1, 7), (5, 0), (10, 1000)] {
            let picks = random_picks(servers, requests).unwrap();
            assert_eq!(picks.len(), requests);
            assert!(picks.iter().all(|&p| p < servers), "{picks:?}");
            let tally = Tally::new(&picks, servers).unwrap();
            assert_eq!(tally.requests(), requests);
            assert_eq!(tally.counts.len(), servers);
        }
    }

    #[test]
    fn no_run_beats_the_pigeonhole_floor() {
        for seed in 0..500 {
            let picks = seeded_picks(&mut chacha(seed), 3, 100).unwrap();
            let tally = Tally::new(&picks, 3).unwrap();
            assert_eq!(tally.floor(), 34);
            assert!(tally.max() >= 34, "seed {seed}: {tally:?}");
            assert!(tally.min() <= 33, "seed {seed}: {tally:?}");
            assert!(tally.gap() >= 34.0 - 100.0 / 3.0 - 1e-9);
        }
        // An even split meets the floor exactly.
        let even = Tally::new(&[0, 1, 2, 0], 3).unwrap();
        assert_eq!((even.max(), even.floor(), even.min()), (2, 2, 1));
    }

    #[test]
    fn a_seed_replays_its_picks() {
        let a = seeded_picks(&mut chacha(7), 3, 100).unwrap();
        let b = seeded_picks(&mut chacha(7), 3, 100).unwrap();
        let c = seeded_picks(&mut chacha(8), 3, 100).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let over = max_load_over_seeds(7, 20, 3, 100).unwrap();
        let wraps = max_load_over_seeds(u64::MAX, 2, 3, 100).unwrap();
        assert_eq!(wraps.runs(), 2);
        assert_eq!(over, max_load_over_seeds(7, 20, 3, 100).unwrap());
        // The worst seed, replayed alone, has the largest maximum.
        let worst = seeded_picks(&mut chacha(over.worst_seed), 3, 100).unwrap();
        let (_, hi) = over.range().unwrap();
        assert_eq!(Tally::new(&worst, 3).unwrap().max(), hi);
    }

    #[test]
    fn the_max_load_histogram_counts_every_run_above_the_floor() {
        let over = max_load_over_seeds(1, 300, 3, 100).unwrap();
        assert_eq!(over.runs(), 300);
        assert_eq!(over.at_least(0), 300);
        let (lo, hi) = over.range().unwrap();
        assert!((34..=hi).contains(&lo), "{over:?}");
        assert_eq!(over.at_least(hi + 1), 0);
    }

    #[test]
    fn zero_servers_or_runs_is_refused_not_a_panic() {
        let empty = ModelError::Empty {
            what: "the server list",
        };
        assert_eq!(random_picks(0, 100), Err(empty.clone()));
        assert_eq!(seeded_picks(&mut chacha(1), 0, 0), Err(empty.clone()));
        assert_eq!(Tally::new(&[], 0), Err(empty.clone()));
        assert_eq!(max_load_over_seeds(1, 5, 0, 100), Err(empty));
        assert!(matches!(
            max_load_over_seeds(1, 0, 3, 100),
            Err(ModelError::TooSmall { .. })
        ));
        let out = Tally::new(&[0, 3], 3).unwrap_err().to_string();
        assert_eq!(out, "pick 3 names no server of 3");
        assert_eq!(
            random_picks(0, 1).unwrap_err().to_string(),
            "the server list is empty; give at least one value"
        );
    }
}
