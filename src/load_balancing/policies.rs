//! Section 3.2: sequential allocation policies. Requests arrive one at a
//! time and stay (balls into bins: nothing finishes), and each policy
//! picks a server for the next one.
//!
//! | policy | what it knows | max load of m requests on n servers |
//! |---|---|---|
//! | [`Uniform`] (the source's `rand.Intn`) | nothing | m/n + about √(2 (m/n) ln n) |
//! | [`RoundRobin`] | its own cursor | ⌈m/n⌉ |
//! | [`SmoothWeighted`] (nginx) | its own counters | each within 1 of its weight's share |
//! | [`LeastLoaded`] | every server's load | ⌈m/n⌉ |
//! | [`Choices`] (power of d choices) | the load of d sampled servers | m/n + ln ln n / ln d + O(1) |
//!
//! Every policy implements [`Policy`]: [`Policy::assign`] picks a server,
//! counts the request on it and returns it; randomness comes from the
//! caller's generator, so a seeded generator gives the same picks on every
//! run. Constructors refuse bad input with a [`ModelError`].

use super::balancer::pick_two;
use crate::support::error::{ModelError, positive};
use rand::Rng;

// ANCHOR: policy
/// A way of choosing the server for each request in turn.
pub trait Policy {
    /// Picks the server for one more request, counts it there, and
    /// returns the server's index.
    fn assign<R: Rng + ?Sized>(&mut self, rng: &mut R) -> usize;

    /// The requests each server has received so far.
    fn loads(&self) -> &[u64];

    /// Assigns `requests` requests in turn and returns the loads after.
    fn assign_all<R: Rng + ?Sized>(&mut self, requests: u64, rng: &mut R) -> &[u64] {
        for _ in 0..requests {
            self.assign(rng);
        }
        self.loads()
    }
}
// ANCHOR_END: policy

/// Checks that there is at least one server and returns zero loads.
fn empty_loads(servers: usize) -> Result<Vec<u64>, ModelError> {
    if servers == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of servers",
            value: 0.0,
            min: 1.0,
        });
    }
    Ok(vec![0; servers])
}

// ANCHOR: uniform
/// The source's policy: each request to a server chosen uniformly at
/// random, ignoring the loads (Go's `servers[rand.Intn(len(servers))]`).
#[derive(Debug, Clone)]
pub struct Uniform {
    loads: Vec<u64>,
}

impl Uniform {
    /// Uniform choice over `servers` servers (at least 1).
    pub fn new(servers: usize) -> Result<Self, ModelError> {
        Ok(Uniform {
            loads: empty_loads(servers)?,
        })
    }
}

impl Policy for Uniform {
    fn assign<R: Rng + ?Sized>(&mut self, rng: &mut R) -> usize {
        let server = rng.random_range(0..self.loads.len());
        self.loads[server] += 1;
        server
    }

    fn loads(&self) -> &[u64] {
        &self.loads
    }
}
// ANCHOR_END: uniform

// ANCHOR: round_robin
/// Each server in turn, 0, 1, …, n − 1, 0, …: the loads never differ by
/// more than one. It ignores the generator.
#[derive(Debug, Clone)]
pub struct RoundRobin {
    loads: Vec<u64>,
    next: usize,
}

impl RoundRobin {
    /// Round robin over `servers` servers (at least 1), starting at 0.
    pub fn new(servers: usize) -> Result<Self, ModelError> {
        Ok(RoundRobin {
            loads: empty_loads(servers)?,
            next: 0,
        })
    }
}

impl Policy for RoundRobin {
    fn assign<R: Rng + ?Sized>(&mut self, _rng: &mut R) -> usize {
        let server = self.next;
        self.next = (self.next + 1) % self.loads.len();
        self.loads[server] += 1;
        server
    }

    fn loads(&self) -> &[u64] {
        &self.loads
    }
}
// ANCHOR_END: round_robin

// ANCHOR: smooth_weighted
/// nginx's smooth weighted round robin: for each request every server's
/// `current` grows by its weight, the server with the largest `current`
/// is picked (the lowest index on a tie, as nginx scans), and the total of
/// the weights is taken off the picked one's `current`.
///
/// After k requests server i has been picked about k·wᵢ/W times (W the
/// total weight), and the picks are spread out: weights 5, 1, 1 give
/// a a b a c a a, not a a a a a b c. It ignores the generator.
#[derive(Debug, Clone)]
pub struct SmoothWeighted {
    weights: Vec<f64>,
    current: Vec<f64>,
    total: f64,
    loads: Vec<u64>,
}

impl SmoothWeighted {
    /// Smooth weighted round robin over servers with these weights, each
    /// finite and above 0, at least one server, and a finite total.
    pub fn new(weights: &[f64]) -> Result<Self, ModelError> {
        let loads = empty_loads(weights.len())?;
        for &w in weights {
            positive("a server's weight", w)?;
        }
        let total: f64 = weights.iter().sum();
        if !total.is_finite() {
            return Err(ModelError::NotFinite {
                what: "the total of the weights",
                value: total,
            });
        }
        Ok(SmoothWeighted {
            weights: weights.to_vec(),
            current: vec![0.0; weights.len()],
            total,
            loads,
        })
    }

    /// Each server's share of the requests its weight asks for: wᵢ / W.
    pub fn shares(&self) -> Vec<f64> {
        self.weights.iter().map(|w| w / self.total).collect()
    }
}

impl Policy for SmoothWeighted {
    fn assign<R: Rng + ?Sized>(&mut self, _rng: &mut R) -> usize {
        for (current, weight) in self.current.iter_mut().zip(&self.weights) {
            *current += weight;
        }
        let mut best = 0;
        for (i, &current) in self.current.iter().enumerate() {
            // Strictly greater: the first of equal maxima stays.
            if current > self.current[best] {
                best = i;
            }
        }
        self.current[best] -= self.total;
        self.loads[best] += 1;
        best
    }

    fn loads(&self) -> &[u64] {
        &self.loads
    }
}
// ANCHOR_END: smooth_weighted

/// How [`LeastLoaded`] breaks a tie between equally loaded servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    /// The lowest-numbered server: a scan that keeps the first minimum.
    /// From zero loads this is exactly round robin.
    Lowest,
    /// A server drawn uniformly from the tied ones.
    Random,
}

// ANCHOR: least_loaded
/// Full information: each request to a server with the fewest requests so
/// far. The loads never differ by more than one.
///
/// It keeps the servers at the current minimum in a list, so a pick costs
/// O(1) on average instead of a scan of all n loads: loads only grow, so
/// the list only shrinks until it is empty, and then it is rebuilt from
/// one scan.
#[derive(Debug, Clone)]
pub struct LeastLoaded {
    loads: Vec<u64>,
    tie: Tie,
    /// Servers whose load is the minimum, highest index first.
    at_min: Vec<usize>,
}

impl LeastLoaded {
    /// Least loaded over `servers` servers (at least 1), with this tie rule.
    pub fn new(servers: usize, tie: Tie) -> Result<Self, ModelError> {
        Ok(LeastLoaded {
            loads: empty_loads(servers)?,
            tie,
            at_min: Vec::new(),
        })
    }

    fn refill(&mut self) {
        let min = self.loads.iter().copied().min().unwrap_or(0);
        let tied = (0..self.loads.len())
            .rev()
            .filter(|&i| self.loads[i] == min);
        self.at_min.extend(tied);
    }
}

impl Policy for LeastLoaded {
    fn assign<R: Rng + ?Sized>(&mut self, rng: &mut R) -> usize {
        if self.at_min.is_empty() {
            self.refill();
        }
        let server = match self.tie {
            // The list is highest index first: the last is the lowest.
            Tie::Lowest => self.at_min.pop(),
            Tie::Random => {
                let i = rng.random_range(0..self.at_min.len());
                Some(self.at_min.swap_remove(i))
            }
        }
        .unwrap_or(0);
        self.loads[server] += 1;
        server
    }

    fn loads(&self) -> &[u64] {
        &self.loads
    }
}
// ANCHOR_END: least_loaded

// ANCHOR: choices
/// The power of d choices: sample `d` distinct servers uniformly at random
/// and send the request to the least loaded of them; a tie goes to the
/// first sampled, as in tower's `p2c`. d = 2 is the usual choice (tower's,
/// and [`pick_two`]'s, which this reuses); d = 1 is [`Uniform`]; d = n is
/// [`LeastLoaded`] with random ties.
#[derive(Debug, Clone)]
pub struct Choices {
    loads: Vec<u64>,
    d: usize,
    sampled: Vec<usize>,
}

impl Choices {
    /// Two choices over `servers` servers (at least 1; with one server
    /// both samples are that server).
    pub fn two(servers: usize) -> Result<Self, ModelError> {
        Choices::new(servers, 2.min(servers.max(1)))
    }

    /// d choices over `servers` servers: `d` from 1 to `servers`.
    pub fn new(servers: usize, d: usize) -> Result<Self, ModelError> {
        let loads = empty_loads(servers)?;
        if d == 0 {
            return Err(ModelError::TooSmall {
                what: "the number of choices d",
                value: 0.0,
                min: 1.0,
            });
        }
        if d > servers {
            return Err(ModelError::TooLarge {
                what: "the number of choices d",
                value: d as f64,
                max: servers as f64,
            });
        }
        Ok(Choices {
            loads,
            d,
            sampled: Vec::with_capacity(d),
        })
    }

    /// How many servers each request samples.
    pub fn d(&self) -> usize {
        self.d
    }
}

impl Policy for Choices {
    fn assign<R: Rng + ?Sized>(&mut self, rng: &mut R) -> usize {
        let n = self.loads.len();
        let server = if self.d == 2 {
            let loads = &self.loads;
            pick_two(rng, n, |i| loads[i] as f64).unwrap_or(0)
        } else {
            // d distinct servers in the order drawn, by rejection: every
            // ordered d-tuple of distinct servers is equally likely, so the
            // first sampled is a uniform pick among any tie.
            self.sampled.clear();
            while self.sampled.len() < self.d {
                let s = rng.random_range(0..n);
                if !self.sampled.contains(&s) {
                    self.sampled.push(s);
                }
            }
            let mut best = self.sampled[0];
            for &s in &self.sampled[1..] {
                if self.loads[s] < self.loads[best] {
                    best = s;
                }
            }
            best
        };
        self.loads[server] += 1;
        server
    }

    fn loads(&self) -> &[u64] {
        &self.loads
    }
}
// ANCHOR_END: choices
