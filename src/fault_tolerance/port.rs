//! Section 4.3: the source's "fault tolerance", ported to Rust with its
//! behaviour kept: section 4.2's hundred random picks over three servers,
//! where every request that lands on "server2" counts as failed. A failed
//! request is counted and dropped: nothing retries it, sends it elsewhere,
//! waits for it or recovers it.
//!
//! - [`random_requests`] is the Go program's loop, on the thread's
//!   generator (`rand::rng()`, seeded by the operating system, as Go's
//!   global source has been since Go 1.20).
//! - [`requests_on`] is the same loop on a generator and a server list the
//!   caller chooses; it draws through section 4.2's
//!   [`seeded_picks`], so a seed gives the same picks as there.
//! - [`Losses`] counts one run: picks per server, and how many failed.
//! - [`losses_over_seeds`] repeats a seeded run over many seeds.
//! - [`server_names`] and [`parse_failing`] name the servers of a seeded
//!   run and read which one fails (`server2` or `2`).
//!
//! Printing is left to the bins (`src/bin/ch04-03-port.rs`,
//! `src/bin/ch04-03-seeded.rs`). Bad input (no servers, a failing server
//! that is not in the list, no runs) is a [`ModelError`], never a panic.

use crate::load_balancing::port::seeded_picks;
use crate::support::error::ModelError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The source's server names.
pub const SERVERS: [&str; 3] = ["server1", "server2", "server3"];

/// The server whose requests the source counts as failed.
pub const FAILING: &str = "server2";

/// The source's number of requests.
pub const REQUESTS: usize = 100;

/// What happened to one request: where it went, and whether it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    /// The request's number, from 1, as the Go program prints it.
    pub id: usize,
    /// The index of the server it was sent to.
    pub server: usize,
    /// Whether it failed: it went to the failing server.
    pub failed: bool,
}

// ANCHOR: port
/// The Go program's loop: `requests` requests, each to a server drawn
/// uniformly from [`SERVERS`], failed if that server is [`FAILING`].
pub fn random_requests(requests: usize) -> Result<Vec<Request>, ModelError> {
    // rand::rng() is seeded by the OS: there is no rand.Seed to port.
    requests_on(&mut rand::rng(), &SERVERS, FAILING, requests)
}
// ANCHOR_END: port

// ANCHOR: requests_on
/// The same loop on a generator and servers the caller chooses. No
/// servers, or a failing name that is none of them, is refused: in Go an
/// empty list makes `rand.Intn(0)` panic, and a name that matches no
/// server silently makes every request succeed.
pub fn requests_on<R, S>(
    rng: &mut R,
    servers: &[S],
    failing: &str,
    requests: usize,
) -> Result<Vec<Request>, ModelError>
where
    R: Rng + ?Sized,
    S: AsRef<str>,
{
    if servers.is_empty() {
        return Err(ModelError::Empty {
            what: "the server list",
        });
    }
    if !servers.iter().any(|s| s.as_ref() == failing) {
        return Err(ModelError::Inconsistent {
            why: format!("{failing} is not one of the {} servers", servers.len()),
        });
    }
    // Section 4.2's loop: the same draws from the same generator.
    let picks = seeded_picks(rng, servers.len(), requests)?;
    Ok(picks
        .into_iter()
        .zip(1..)
        .map(|(server, id)| Request {
            id,
            server,
            // if target == "server2": the fault is a name, tested per pick
            failed: servers[server].as_ref() == failing,
        })
        .collect())
}
// ANCHOR_END: requests_on

// ANCHOR: losses
/// One run counted: picks per server, and the requests that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Losses {
    /// Requests per server, by index.
    pub per_server: Vec<usize>,
    /// Requests that failed.
    pub failed: usize,
}

impl Losses {
    /// Counts `requests` over `servers` servers; a request that names no
    /// server of the list is refused.
    pub fn new(requests: &[Request], servers: usize) -> Result<Losses, ModelError> {
        if servers == 0 {
            return Err(ModelError::Empty {
                what: "the server list",
            });
        }
        let mut per_server = vec![0; servers];
        let mut failed = 0;
        for r in requests {
            let slot =
                per_server
                    .get_mut(r.server)
                    .ok_or_else(|| ModelError::Inconsistent {
                        why: format!("request {} names no server of {servers}", r.id),
                    })?;
            *slot += 1;
            failed += usize::from(r.failed);
        }
        Ok(Losses { per_server, failed })
    }

    /// How many requests were sent, failed or not.
    pub fn sent(&self) -> usize {
        self.per_server.iter().sum()
    }

    /// The share of requests lost, from 0 to 1 (0 for an empty run).
    pub fn share(&self) -> f64 {
        match self.sent() {
            0 => 0.0,
            n => self.failed as f64 / n as f64,
        }
    }
}
// ANCHOR_END: losses

/// What [`losses_over_seeds`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spread {
    /// How many runs lost each number of requests.
    pub histogram: BTreeMap<usize, usize>,
    /// Requests failed, over all runs.
    pub failed: usize,
    /// Requests sent, over all runs.
    pub sent: usize,
    /// The first seed with the most failures, to replay it.
    pub worst_seed: u64,
}

impl Spread {
    /// How many runs there were.
    pub fn runs(&self) -> usize {
        self.histogram.values().sum()
    }

    /// The fewest and the most failures a run had.
    pub fn range(&self) -> Option<(usize, usize)> {
        let lo = *self.histogram.keys().next()?;
        let hi = *self.histogram.keys().next_back()?;
        Some((lo, hi))
    }

    /// How many runs had between `lo` and `hi` failures, both included.
    pub fn runs_within(&self, lo: usize, hi: usize) -> usize {
        self.histogram.range(lo..=hi).map(|(_, n)| n).sum()
    }

    /// The share of all requests lost, from 0 to 1.
    pub fn share(&self) -> f64 {
        match self.sent {
            0 => 0.0,
            n => self.failed as f64 / n as f64,
        }
    }
}

// ANCHOR: over_seeds
/// Runs the seeded loop once for each of the `runs` seeds from `first` up
/// (wrapping past `u64::MAX`), each on its own `ChaCha8Rng`, and counts how
/// many requests each run lost.
pub fn losses_over_seeds<S: AsRef<str>>(
    first: u64,
    runs: usize,
    servers: &[S],
    failing: &str,
    requests: usize,
) -> Result<Spread, ModelError> {
    if runs == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of runs",
            value: 0.0,
            min: 1.0,
        });
    }
    let mut spread = Spread {
        histogram: BTreeMap::new(),
        failed: 0,
        sent: 0,
        worst_seed: first,
    };
    let mut most = None;
    for seed in (0..runs as u64).map(|k| first.wrapping_add(k)) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let run = requests_on(&mut rng, servers, failing, requests)?;
        let losses = Losses::new(&run, servers.len())?;
        *spread.histogram.entry(losses.failed).or_insert(0) += 1;
        spread.failed += losses.failed;
        spread.sent += losses.sent();
        if most.is_none_or(|m| losses.failed > m) {
            most = Some(losses.failed);
            spread.worst_seed = seed;
        }
    }
    Ok(spread)
}
// ANCHOR_END: over_seeds

/// The chance that a run of `requests` loses none, when each request picks
/// one of `servers` servers uniformly and one of them fails:
/// (1 − 1/M)^N. Zero servers is refused.
pub fn chance_of_no_loss(servers: usize, requests: usize) -> Result<f64, ModelError> {
    if servers == 0 {
        return Err(ModelError::Empty {
            what: "the server list",
        });
    }
    let survive = 1.0 - 1.0 / servers as f64;
    Ok(survive.powf(requests as f64))
}

/// The names of a seeded run's servers: `server1` to `serverM`, as the
/// source names its three.
pub fn server_names(servers: usize) -> Vec<String> {
    (1..=servers).map(|k| format!("server{k}")).collect()
}

/// Reads which server fails: a name (`server2`) or its number (`2`), from
/// 1 to `servers`. Returns the server's name.
pub fn parse_failing(text: &str, servers: usize) -> Result<String, ModelError> {
    let number = text.trim().strip_prefix("server").unwrap_or(text.trim());
    match number.parse::<usize>() {
        // No sign and no leading zero: that also refuses 0 and server0.
        Ok(k) if k <= servers && !number.starts_with(['+', '0']) => {
            Ok(format!("server{k}"))
        }
        _ => Err(ModelError::Inconsistent {
            why: match servers {
                0 => format!("`{text}` names no server: there are none"),
                1 => format!("`{text}` names no server: write server1 or 1"),
                m => format!(
                    "`{text}` names no server: write server1 to server{m}, or 1 to {m}"
                ),
            },
        }),
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn chacha(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn the_failures_are_exactly_the_picks_of_the_failing_server() {
        for _ in 0..50 {
            let run = random_requests(REQUESTS).unwrap();
            assert_eq!(run.len(), REQUESTS);
            let losses = Losses::new(&run, SERVERS.len()).unwrap();
            assert_eq!(losses.sent(), REQUESTS);
            assert_eq!(losses.failed, losses.per_server[1], "{losses:?}");
            for r in &run {
                assert_eq!(r.failed, SERVERS[r.server] == "server2", "{r:?}");
            }
        }
        // Another failing server moves the failures with it.
        let names = server_names(5);
        for seed in 0..50 {
            let run = requests_on(&mut chacha(seed), &names, "server4", 200).unwrap();
            let losses = Losses::new(&run, 5).unwrap();
            assert_eq!(losses.failed, losses.per_server[3], "seed {seed}");
        }
    }

    #[test]
    fn the_share_is_the_failed_over_the_sent() {
        let run = requests_on(&mut chacha(1), &SERVERS, FAILING, 100).unwrap();
        let losses = Losses::new(&run, SERVERS.len()).unwrap();
        assert_eq!(losses.share(), losses.failed as f64 / 100.0);
        assert!((0.2..0.5).contains(&losses.share()), "{losses:?}");
        let none = Losses::new(&[], SERVERS.len()).unwrap();
        assert_eq!((none.sent(), none.share()), (0, 0.0));
    }

    #[test]
    fn every_request_is_tried_once_in_order() {
        let run = requests_on(&mut chacha(3), &SERVERS, FAILING, 100).unwrap();
        let ids: Vec<usize> = run.iter().map(|r| r.id).collect();
        assert_eq!(ids, (1..=100).collect::<Vec<_>>());
    }

    #[test]
    fn a_seed_replays_its_run_and_draws_as_section_4_2_does() {
        let a = requests_on(&mut chacha(7), &SERVERS, FAILING, 100).unwrap();
        let b = requests_on(&mut chacha(7), &SERVERS, FAILING, 100).unwrap();
        let c = requests_on(&mut chacha(8), &SERVERS, FAILING, 100).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let picks = seeded_picks(&mut chacha(7), 3, 100).unwrap();
        let servers: Vec<usize> = a.iter().map(|r| r.server).collect();
        assert_eq!(servers, picks);
        let over = losses_over_seeds(7, 30, &SERVERS, FAILING, 100).unwrap();
        assert_eq!(
            over,
            losses_over_seeds(7, 30, &SERVERS, FAILING, 100).unwrap()
        );
        // The worst seed, replayed alone, has the most failures.
        let worst = requests_on(&mut chacha(over.worst_seed), &SERVERS, FAILING, 100);
        let (_, most) = over.range().unwrap();
        assert_eq!(Losses::new(&worst.unwrap(), 3).unwrap().failed, most);
        // And it is the first such seed: every earlier one lost fewer.
        for seed in 7..over.worst_seed {
            let run = requests_on(&mut chacha(seed), &SERVERS, FAILING, 100).unwrap();
            assert!(Losses::new(&run, 3).unwrap().failed < most, "seed {seed}");
        }
        let wraps = losses_over_seeds(u64::MAX, 2, &SERVERS, FAILING, 10).unwrap();
        assert_eq!((wraps.runs(), wraps.sent), (2, 20));
    }

    #[test]
    fn about_a_third_is_lost_over_many_seeds() {
        let over = losses_over_seeds(1, 1000, &SERVERS, FAILING, 100).unwrap();
        assert_eq!((over.runs(), over.sent), (1000, 100_000));
        let counted: usize = over.histogram.iter().map(|(k, n)| k * n).sum();
        assert_eq!(over.failed, counted);
        // Binomial(100 000, 1/3): the standard deviation is about 149.
        assert!((0.325..0.342).contains(&over.share()), "{}", over.share());
        assert_eq!(over.runs_within(0, 0), 0);
        assert_eq!(over.runs_within(0, 100), 1000);
        let (lo, hi) = over.range().unwrap();
        assert!(lo < 30 && hi > 37 && hi < 100, "{lo}..{hi}");
        // (2/3)^100 is about 2.5e-18: no run of a thousand loses nothing.
        let none = chance_of_no_loss(3, 100).unwrap();
        assert!((2.4e-18..2.6e-18).contains(&none), "{none}");
        assert_eq!(chance_of_no_loss(1, 5), Ok(0.0));
        assert_eq!(chance_of_no_loss(4, 0), Ok(1.0));
    }

    #[test]
    fn the_failing_server_is_read_by_name_or_number() {
        assert_eq!(parse_failing("server2", 3), Ok("server2".to_string()));
        assert_eq!(parse_failing("3", 3), Ok("server3".to_string()));
        assert_eq!(parse_failing(" server1 ", 1), Ok("server1".to_string()));
        for bad in [
            "server4", "4", "0", "server0", "02", "+2", "-1", "", "two", "serverx",
        ] {
            assert!(parse_failing(bad, 3).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            parse_failing("server4", 3).unwrap_err().to_string(),
            "`server4` names no server: write server1 to server3, or 1 to 3"
        );
        assert_eq!(server_names(2), ["server1", "server2"]);
    }

    #[test]
    fn bad_input_is_refused_not_a_panic() {
        let empty = ModelError::Empty {
            what: "the server list",
        };
        let none: [&str; 0] = [];
        assert_eq!(
            requests_on(&mut chacha(1), &none, FAILING, 5),
            Err(empty.clone())
        );
        assert_eq!(Losses::new(&[], 0), Err(empty.clone()));
        assert_eq!(chance_of_no_loss(0, 5), Err(empty));
        let missing = requests_on(&mut chacha(1), &SERVERS, "server9", 5);
        assert_eq!(
            missing.unwrap_err().to_string(),
            "server9 is not one of the 3 servers"
        );
        assert!(matches!(
            losses_over_seeds(1, 0, &SERVERS, FAILING, 100),
            Err(ModelError::TooSmall { .. })
        ));
        let stray = Request {
            id: 4,
            server: 3,
            failed: false,
        };
        let out = Losses::new(&[stray], 3).unwrap_err().to_string();
        assert_eq!(out, "request 4 names no server of 3");
        assert_eq!(Losses::new(&[], 3).unwrap().share(), 0.0);
    }
}
