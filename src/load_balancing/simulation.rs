//! Section 3.2: seeded trials of every policy and every hashing scheme.
//!
//! Trials run in parallel on rayon, and each draws from its own
//! `ChaCha8Rng`: seeded with the run's seed, on stream number `trial`
//! ([`trial_rng`]). A trial's numbers therefore depend only on (seed,
//! trial), never on which thread ran it or in what order, and results are
//! collected in trial order: the same seed gives the same table on one
//! thread or sixteen, and on every machine (ChaCha8's stream is fixed by
//! rand_chacha; rand's `StdRng` makes no such promise).

use super::formula::{
    EXACT_WORK_LIMIT, LoadSummary, d_choice_gap, exact_work, gonnet_expected_max_load,
    one_choice_expected_max_exact, one_choice_heavy_gap, one_choice_light_max_load,
};
use super::hashing::{
    BoundedLoads, Jump, Maglev, Placement, Rendezvous, Ring, next_prime,
};
use super::policies::{Choices, LeastLoaded, Policy, RoundRobin, Tie, Uniform};
use crate::support::error::ModelError;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::fmt;

/// The generator for trial number `trial` of a run seeded with `seed`.
pub fn trial_rng(seed: u64, trial: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(trial);
    rng
}

// ANCHOR: kinds
/// The policies the table compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// One uniform choice: the source's policy.
    Uniform,
    /// Round robin.
    RoundRobin,
    /// Least loaded with full information, ties broken at random.
    LeastLoaded,
    /// The least loaded of d distinct servers sampled at random.
    Choices(usize),
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyKind::Uniform => f.write_str("uniform (the source)"),
            PolicyKind::RoundRobin => f.write_str("round robin"),
            PolicyKind::LeastLoaded => f.write_str("least loaded"),
            PolicyKind::Choices(2) => f.write_str("two choices"),
            PolicyKind::Choices(d) => write!(f, "{d} choices"),
        }
    }
}

/// Every policy, in the order the table prints them.
pub const POLICIES: [PolicyKind; 5] = [
    PolicyKind::Uniform,
    PolicyKind::RoundRobin,
    PolicyKind::LeastLoaded,
    PolicyKind::Choices(2),
    PolicyKind::Choices(3),
];

/// `requests` requests on `servers` servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub requests: u64,
    pub servers: usize,
}

/// The sizes the table shows: the source's own (100 requests on 3
/// servers), ten requests per server on ten servers, m = n, and heavy
/// load (m = 100 n).
pub const SIZES: [Size; 4] = [
    Size {
        requests: 100,
        servers: 3,
    },
    Size {
        requests: 100,
        servers: 10,
    },
    Size {
        requests: 1000,
        servers: 1000,
    },
    Size {
        requests: 100_000,
        servers: 1000,
    },
];
// ANCHOR_END: kinds

/// Runs one trial: the loads after `size.requests` requests.
pub fn one_trial(
    kind: PolicyKind,
    size: Size,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<u64>, ModelError> {
    let (m, n) = (size.requests, size.servers);
    Ok(match kind {
        PolicyKind::Uniform => Uniform::new(n)?.assign_all(m, rng).to_vec(),
        PolicyKind::RoundRobin => RoundRobin::new(n)?.assign_all(m, rng).to_vec(),
        PolicyKind::LeastLoaded => LeastLoaded::new(n, Tie::Random)?
            .assign_all(m, rng)
            .to_vec(),
        PolicyKind::Choices(d) => Choices::new(n, d)?.assign_all(m, rng).to_vec(),
    })
}

// ANCHOR: trials
/// The maximum loads of many trials of one policy at one size.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxLoads {
    pub kind: PolicyKind,
    pub size: Size,
    /// Each trial's maximum load, in trial order.
    pub maxima: Vec<u64>,
}

impl MaxLoads {
    /// Runs `trials` trials (at least 1), in parallel.
    pub fn run(
        kind: PolicyKind,
        size: Size,
        trials: u64,
        seed: u64,
    ) -> Result<Self, ModelError> {
        if trials == 0 {
            return Err(ModelError::TooSmall {
                what: "the number of trials",
                value: 0.0,
                min: 1.0,
            });
        }
        let maxima = (0..trials)
            .into_par_iter()
            .map(|t| {
                let loads = one_trial(kind, size, &mut trial_rng(seed, t))?;
                Ok(LoadSummary::of(&loads)?.max)
            })
            .collect::<Result<Vec<u64>, ModelError>>()?;
        Ok(MaxLoads { kind, size, maxima })
    }

    /// The mean of the maxima.
    pub fn mean_max(&self) -> f64 {
        let sum: u64 = self.maxima.iter().sum();
        sum as f64 / self.maxima.len() as f64
    }

    /// The largest maximum of any trial.
    pub fn worst_max(&self) -> u64 {
        self.maxima.iter().copied().max().unwrap_or(0)
    }

    /// The mean of the gaps, max − m/n.
    pub fn mean_gap(&self) -> f64 {
        self.mean_max() - self.size.requests as f64 / self.size.servers as f64
    }
}
// ANCHOR_END: trials

// ANCHOR: theory
/// What theory says the maximum load is, and where that comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Theory {
    /// The predicted maximum load.
    pub max: f64,
    /// True when the figure is exact (an expectation, or a sure value);
    /// false when it is an asymptotic leading term.
    pub exact: bool,
    /// Who gives it.
    pub source: &'static str,
}

/// The theory's figure for `kind` at `size`.
pub fn theory(kind: PolicyKind, size: Size) -> Result<Theory, ModelError> {
    let (m, n) = (size.requests, size.servers as u64);
    let mean = m as f64 / n as f64;
    Ok(match kind {
        PolicyKind::RoundRobin | PolicyKind::LeastLoaded => Theory {
            max: m.div_ceil(n) as f64,
            exact: true,
            source: "ceil(m/n), always",
        },
        PolicyKind::Uniform if exact_work(m, n) <= EXACT_WORK_LIMIT => Theory {
            max: one_choice_expected_max_exact(m, n)?,
            exact: true,
            source: "exact expectation",
        },
        PolicyKind::Uniform if m == n => Theory {
            max: gonnet_expected_max_load(n)?,
            exact: false,
            source: "Gonnet 1981",
        },
        PolicyKind::Uniform if m < n => Theory {
            max: one_choice_light_max_load(m, n)?,
            exact: false,
            source: "Raab-Steger 1998",
        },
        PolicyKind::Uniform => Theory {
            max: mean + one_choice_heavy_gap(m, n)?,
            exact: false,
            source: "Raab-Steger 1998",
        },
        PolicyKind::Choices(1) => theory(PolicyKind::Uniform, size)?,
        PolicyKind::Choices(d) => Theory {
            max: mean + d_choice_gap(n, d as u64)?,
            exact: false,
            source: if m > n {
                "BCSV 2006, + O(1)"
            } else {
                "ABKU 1999, + O(1)"
            },
        },
    })
}
// ANCHOR_END: theory

/// One row of the policy table: a policy's trials at one size, and theory.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub trials: MaxLoads,
    pub theory: Theory,
}

/// Every policy at every size, `trials` trials each.
pub fn policy_table(
    sizes: &[Size],
    policies: &[PolicyKind],
    trials: u64,
    seed: u64,
) -> Result<Vec<Row>, ModelError> {
    let mut rows = Vec::new();
    for &size in sizes {
        for &kind in policies {
            rows.push(Row {
                trials: MaxLoads::run(kind, size, trials, seed)?,
                theory: theory(kind, size)?,
            });
        }
    }
    Ok(rows)
}

// ANCHOR: gap_curve
/// The mean gap, max − m/n, after each of the `checkpoints` numbers of
/// requests (increasing), over `trials` trials of `kind` on `servers`
/// servers. One trial sends requests up to the last checkpoint and reads
/// the gap on the way, so the points of a curve share their trials.
pub fn gap_curve(
    kind: PolicyKind,
    servers: usize,
    checkpoints: &[u64],
    trials: u64,
    seed: u64,
) -> Result<Vec<(u64, f64)>, ModelError> {
    if checkpoints.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ModelError::Inconsistent {
            why: "the checkpoints must increase".to_string(),
        });
    }
    if trials == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of trials",
            value: 0.0,
            min: 1.0,
        });
    }
    let one = |t: u64| -> Result<Vec<f64>, ModelError> {
        let mut rng = trial_rng(seed, t);
        match kind {
            PolicyKind::Uniform => gaps(Uniform::new(servers)?, checkpoints, &mut rng),
            PolicyKind::RoundRobin => {
                gaps(RoundRobin::new(servers)?, checkpoints, &mut rng)
            }
            PolicyKind::LeastLoaded => gaps(
                LeastLoaded::new(servers, Tie::Random)?,
                checkpoints,
                &mut rng,
            ),
            PolicyKind::Choices(d) => {
                gaps(Choices::new(servers, d)?, checkpoints, &mut rng)
            }
        }
    };
    let per_trial = (0..trials)
        .into_par_iter()
        .map(one)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(checkpoints
        .iter()
        .enumerate()
        .map(|(i, &m)| {
            let sum: f64 = per_trial.iter().map(|g| g[i]).sum();
            (m, sum / trials as f64)
        })
        .collect())
}

/// The gap of one run of `policy` at each checkpoint.
fn gaps<P: Policy>(
    mut policy: P,
    checkpoints: &[u64],
    rng: &mut ChaCha8Rng,
) -> Result<Vec<f64>, ModelError> {
    let mut sent = 0;
    let mut out = Vec::with_capacity(checkpoints.len());
    for &m in checkpoints {
        policy.assign_all(m - sent, rng);
        sent = m;
        out.push(LoadSummary::of(policy.loads())?.gap);
    }
    Ok(out)
}
// ANCHOR_END: gap_curve

// ANCHOR: schemes
/// The hashing schemes the movement table compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scheme {
    /// A consistent-hashing ring with this many virtual nodes per server.
    Ring { vnodes: usize },
    /// Rendezvous (highest random weight).
    Rendezvous,
    /// Jump consistent hash.
    Jump,
    /// Maglev, with a prime table of at least 100 entries per server, for
    /// the most servers compared (the size stays fixed as servers change).
    Maglev,
    /// A ring with bounded loads, cap ⌈(1 + ε) m / n⌉.
    Bounded { vnodes: usize, epsilon: f64 },
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scheme::Ring { vnodes } => write!(f, "ring, {vnodes} vnodes"),
            Scheme::Rendezvous => f.write_str("rendezvous"),
            Scheme::Jump => f.write_str("jump (last leaves)"),
            Scheme::Maglev => f.write_str("maglev"),
            Scheme::Bounded { epsilon, .. } => write!(f, "bounded loads, ε = {epsilon}"),
        }
    }
}

/// Every scheme, in the order the table prints them.
pub const SCHEMES: [Scheme; 5] = [
    Scheme::Ring { vnodes: 100 },
    Scheme::Rendezvous,
    Scheme::Jump,
    Scheme::Maglev,
    Scheme::Bounded {
        vnodes: 100,
        epsilon: 0.25,
    },
];
// ANCHOR_END: schemes

/// The servers' names: `s0`, `s1`, ….
pub fn server_names(servers: usize) -> Vec<String> {
    (0..servers).map(|i| format!("s{i}")).collect()
}

/// Where each of the keys `0..keys` goes under `scheme` over `names`.
///
/// `most_servers` is the largest number of servers the caller will
/// compare: Maglev's table size is the smallest prime at least 100 times
/// it, and must not change with the servers, or every key would move.
pub fn place_keys(
    scheme: Scheme,
    names: &[String],
    keys: u64,
    most_servers: usize,
    seed: u64,
) -> Result<Vec<String>, ModelError> {
    fn all(p: &impl Placement, keys: u64) -> Vec<String> {
        (0..keys).map(|k| p.server_of(k).to_string()).collect()
    }
    Ok(match scheme {
        Scheme::Ring { vnodes } => all(&Ring::new(names, vnodes, seed)?, keys),
        Scheme::Rendezvous => all(&Rendezvous::new(names, seed)?, keys),
        Scheme::Jump => all(&Jump::new(names, seed)?, keys),
        Scheme::Maglev => {
            let size = next_prime(100 * most_servers.max(names.len()) as u64);
            all(&Maglev::with_size(names, size, seed)?, keys)
        }
        Scheme::Bounded { vnodes, epsilon } => {
            let mut b = BoundedLoads::new(names, vnodes, epsilon, seed)?;
            (0..keys).map(|k| b.place(k).to_string()).collect()
        }
    })
}

// ANCHOR: movement
/// How many keys move when the servers change, for one scheme.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub scheme: Scheme,
    pub servers: usize,
    pub keys: u64,
    /// The server that left: the first, or for jump the last.
    pub leaver: String,
    /// Keys the leaver held: the fewest that must move when it leaves.
    pub leaver_held: u64,
    /// Keys whose server changed when it left.
    pub moved_on_leave: u64,
    /// Keys the new server holds after one joins: the fewest that must move.
    pub joiner_holds: u64,
    /// Keys whose server changed when it joined.
    pub moved_on_join: u64,
    /// The busiest server's keys over the mean, before any change.
    pub max_over_mean: f64,
}

/// Places `keys` keys on `servers` servers (at least 2), then again with
/// one server gone and with one more, and counts what moved.
pub fn movement(
    scheme: Scheme,
    servers: usize,
    keys: u64,
    seed: u64,
) -> Result<Movement, ModelError> {
    if servers < 2 {
        return Err(ModelError::TooSmall {
            what: "the number of servers",
            value: servers as f64,
            min: 2.0,
        });
    }
    let names = server_names(servers);
    let before = place_keys(scheme, &names, keys, servers + 1, seed)?;
    // Jump can only lose its last bucket; the others lose the first server.
    let leaver = if scheme == Scheme::Jump {
        servers - 1
    } else {
        0
    };
    let mut fewer = names.clone();
    let leaver = fewer.remove(leaver);
    let after_leave = place_keys(scheme, &fewer, keys, servers + 1, seed)?;
    let mut more = names.clone();
    more.push(format!("s{servers}"));
    let after_join = place_keys(scheme, &more, keys, servers + 1, seed)?;

    let count =
        |f: &dyn Fn(usize) -> bool| (0..before.len()).filter(|&i| f(i)).count() as u64;
    let mut per_server = vec![0u64; servers];
    for name in &before {
        if let Some(i) = names.iter().position(|n| n == name) {
            per_server[i] += 1;
        }
    }
    let summary = LoadSummary::of(&per_server)?;
    Ok(Movement {
        scheme,
        servers,
        keys,
        leaver_held: count(&|i| before[i] == leaver),
        moved_on_leave: count(&|i| before[i] != after_leave[i]),
        joiner_holds: count(&|i| after_join[i] == more[servers]),
        moved_on_join: count(&|i| before[i] != after_join[i]),
        max_over_mean: summary.peak_to_average.unwrap_or(1.0),
        leaver,
    })
}

/// [`movement`] for every scheme, in parallel.
pub fn movement_table(
    schemes: &[Scheme],
    servers: usize,
    keys: u64,
    seed: u64,
) -> Result<Vec<Movement>, ModelError> {
    schemes
        .par_iter()
        .map(|&s| movement(s, servers, keys, seed))
        .collect()
}
// ANCHOR_END: movement
