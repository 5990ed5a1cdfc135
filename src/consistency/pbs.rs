//! Section 3.4: Probabilistically Bounded Staleness (P. Bailis, S.
//! Venkataraman, M. J. Franklin, J. M. Hellerstein and I. Stoica,
//! "Probabilistically Bounded Staleness for Practical Partial Quorums",
//! VLDB 2012).
//!
//! A partial quorum (R + W ≤ N) lets a read miss the latest write. PBS
//! asks how often, in two ways:
//!
//! - **versions**: if a write reaches exactly W replicas and a read asks R
//!   replicas, both at random, the read misses it with probability
//!   p_s = C(N − W, R) / C(N, R) ([`stale_probability`]); a read sees one of
//!   the last k writes with probability 1 − p_sᵏ ([`k_staleness`]).
//! - **time**: in Dynamo-style stores the write goes to all N replicas and
//!   the coordinator answers after W acknowledgements; the others get it
//!   later. The WARS model draws four delays per replica: the write
//!   reaching it (W), its acknowledgement coming back (A), a read request
//!   reaching it (R) and its response coming back (S). A read that starts
//!   t after the write committed is fresh if one of the R replicas that
//!   answer it first had the write when the read request arrived.
//!   [`simulate`] estimates that chance by seeded Monte Carlo
//!   (t-visibility).
//!
//! [`Propagation::QuorumOnly`] stops the write at the W replicas that
//! acknowledged it first, which is the closed form's assumption: the
//! simulation must then agree with 1 − p_s at every t, and the tests hold
//! it to that.

use super::formula::Quorum;
use crate::support::error::{ModelError, at_least, fraction, positive};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ANCHOR: closed_form
/// The chance that a read of R replicas misses a write held by W replicas,
/// both sets chosen uniformly at random: C(N − W, R) / C(N, R), and 0 for a
/// strict quorum (R + W > N).
///
/// Computed as the product ∏ᵢ (N − W − i) / (N − i) for i below R, which
/// neither overflows nor needs a binomial coefficient.
pub fn stale_probability(q: &Quorum) -> f64 {
    if q.reads_see_writes() {
        return 0.0;
    }
    let (n, w) = (f64::from(q.n()), f64::from(q.w()));
    (0..q.r())
        .map(|i| (n - w - f64::from(i)) / (n - f64::from(i)))
        .product()
}

/// The chance that a read returns one of the last `k` writes, when each
/// write went to its own random W replicas: 1 − p_sᵏ (PBS's k-staleness).
/// `k = 1` is the chance of reading the latest write.
///
/// Refused: `k = 0` (no read returns one of the last zero writes).
pub fn k_staleness(q: &Quorum, k: u32) -> Result<f64, ModelError> {
    if k == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of versions k",
            value: 0.0,
            min: 1.0,
        });
    }
    let p = stale_probability(q);
    // 1 − pᵏ = −expm1(k ln p), which keeps its digits when pᵏ is tiny or
    // close to 1; p = 0 gives exp(−∞) − 1 = −1, so 1.
    Ok(0.0 - (f64::from(k) * p.ln()).exp_m1())
}
// ANCHOR_END: closed_form

// ANCHOR: wars
/// A delay distribution, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Latency {
    /// Exponential with rate λ per millisecond (mean 1/λ ms), the
    /// synthetic distribution the PBS paper uses.
    Exponential { lambda: f64 },
    /// Always the same delay.
    Constant { ms: f64 },
}

impl Latency {
    /// An exponential delay of rate `lambda` per ms. Refused: a rate that
    /// is not positive and finite.
    pub fn exponential(lambda: f64) -> Result<Latency, ModelError> {
        let lambda = positive("the rate λ (per ms)", lambda)?;
        // A rate so small that 1/λ overflows has no finite mean.
        positive("the mean delay 1/λ (ms)", 1.0 / lambda)?;
        Ok(Latency::Exponential { lambda })
    }

    /// A fixed delay of `ms`. Refused: a negative or non-finite delay.
    pub fn constant(ms: f64) -> Result<Latency, ModelError> {
        Ok(Latency::Constant {
            ms: at_least("the delay (ms)", ms, 0.0)?,
        })
    }

    fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            // Inverse CDF: −ln(1 − u)/λ for u uniform in [0, 1).
            Latency::Exponential { lambda } => -(-rng.random::<f64>()).ln_1p() / lambda,
            Latency::Constant { ms } => ms,
        }
    }
}

/// The four delays of the WARS model, each drawn independently for each
/// replica and each operation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wars {
    /// The write request reaching a replica (W).
    pub write: Latency,
    /// The replica's acknowledgement reaching the coordinator (A).
    pub ack: Latency,
    /// The read request reaching a replica (R).
    pub read: Latency,
    /// The replica's response reaching the coordinator (S).
    pub response: Latency,
}

impl Wars {
    /// Exponential delays: rate `w_lambda` for W, `ars_lambda` for A, R and
    /// S (the PBS paper's synthetic setting).
    pub fn exponential(w_lambda: f64, ars_lambda: f64) -> Result<Wars, ModelError> {
        let ars = Latency::exponential(ars_lambda)?;
        Ok(Wars {
            write: Latency::exponential(w_lambda)?,
            ack: ars,
            read: ars,
            response: ars,
        })
    }
}

/// Which replicas ever get the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// All N, each after its own W delay (Dynamo-style: the coordinator
    /// sends to all and answers after W acknowledgements).
    Everywhere,
    /// Only the W whose acknowledgements came first; the others never get
    /// it (no anti-entropy). This is the closed form's assumption.
    QuorumOnly,
}

/// One write and one read, as the WARS model draws them.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    /// Per replica: when the write reaches it, after the write started.
    pub write: Vec<f64>,
    /// Per replica: how long its acknowledgement takes to come back.
    pub ack: Vec<f64>,
    /// Per replica: how long the read request takes to reach it.
    pub read: Vec<f64>,
    /// Per replica: how long its response takes to come back.
    pub response: Vec<f64>,
}

impl Trial {
    /// Draws the 4N delays of one write and one read.
    pub fn draw(q: &Quorum, model: &Wars, rng: &mut impl Rng) -> Trial {
        let n = q.n() as usize;
        let mut draw =
            |l: Latency| -> Vec<f64> { (0..n).map(|_| l.sample(rng)).collect() };
        Trial {
            write: draw(model.write),
            ack: draw(model.ack),
            read: draw(model.read),
            response: draw(model.response),
        }
    }

    /// The replicas, fastest first by `key` (ties by index).
    fn fastest(&self, key: impl Fn(usize) -> f64) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.write.len()).collect();
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        order
    }

    /// The replicas whose acknowledgements the coordinator counts: the
    /// first W by W + A.
    pub fn write_quorum(&self, q: &Quorum) -> Vec<usize> {
        let mut order = self.fastest(|i| self.write[i] + self.ack[i]);
        order.truncate(q.w() as usize);
        order
    }

    /// When the write commits: the W-th acknowledgement, after the write
    /// started.
    pub fn commit(&self, q: &Quorum) -> f64 {
        let quorum = self.write_quorum(q);
        let last = quorum[quorum.len() - 1];
        self.write[last] + self.ack[last]
    }

    /// The replicas whose responses the read uses: the first R by R + S.
    pub fn read_quorum(&self, q: &Quorum) -> Vec<usize> {
        let mut order = self.fastest(|i| self.read[i] + self.response[i]);
        order.truncate(q.r() as usize);
        order
    }

    /// Whether a read that starts `t` ms after the commit returns the
    /// write: one of its first R responders had the write when the read
    /// request reached it (the definition, checked replica by replica).
    pub fn fresh_at(&self, q: &Quorum, t: f64, propagation: Propagation) -> bool {
        let commit = self.commit(q);
        let holders = self.write_quorum(q);
        self.read_quorum(q).into_iter().any(|i| {
            let gets_it = propagation == Propagation::Everywhere || holders.contains(&i);
            gets_it && self.write[i] <= commit + t + self.read[i]
        })
    }

    /// How long after the commit a read must start to be fresh: the least
    /// Wᵢ − commit − Rᵢ over its first R responders, at least 0; `None` if
    /// no responder ever gets the write. A read at `t` is fresh exactly
    /// when `t` is at least this wait.
    pub fn wait_needed(&self, q: &Quorum, propagation: Propagation) -> Option<f64> {
        let commit = self.commit(q);
        let holders = self.write_quorum(q);
        self.read_quorum(q)
            .into_iter()
            .filter(|i| propagation == Propagation::Everywhere || holders.contains(i))
            .map(|i| (self.write[i] - commit - self.read[i]).max(0.0))
            .min_by(f64::total_cmp)
    }
}
// ANCHOR_END: wars

/// The most trials [`simulate`] runs.
pub const MAX_TRIALS: u64 = 10_000_000;

/// A fraction of trials, with its binomial standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Trials whose read was fresh.
    pub fresh: u64,
    /// Trials in all.
    pub trials: u64,
}

impl Estimate {
    /// The fraction of fresh reads.
    pub fn p(&self) -> f64 {
        self.fresh as f64 / self.trials as f64
    }

    /// √(p (1 − p) / trials).
    pub fn std_error(&self) -> f64 {
        let p = self.p();
        (p * (1.0 - p) / self.trials as f64).sqrt()
    }
}

// ANCHOR: simulate
/// The waits of many seeded trials, sorted: enough to answer "how likely
/// is a read fresh `t` after the commit" for every `t` at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Visibility {
    /// Each trial's [`Trial::wait_needed`], sorted; never-fresh trials are
    /// left out and counted in `trials`.
    waits: Vec<f64>,
    trials: u64,
}

/// Runs `trials` seeded WARS trials of the quorum.
///
/// Refused: no trials, or more than [`MAX_TRIALS`].
pub fn simulate(
    q: &Quorum,
    model: &Wars,
    propagation: Propagation,
    trials: u64,
    seed: u64,
) -> Result<Visibility, ModelError> {
    if trials == 0 || trials > MAX_TRIALS {
        let what = "the number of trials";
        return Err(if trials == 0 {
            ModelError::TooSmall {
                what,
                value: 0.0,
                min: 1.0,
            }
        } else {
            ModelError::TooLarge {
                what,
                value: trials as f64,
                max: MAX_TRIALS as f64,
            }
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut waits: Vec<f64> = (0..trials)
        .filter_map(|_| Trial::draw(q, model, &mut rng).wait_needed(q, propagation))
        .collect();
    waits.sort_by(f64::total_cmp);
    Ok(Visibility { waits, trials })
}

impl Visibility {
    /// The reads, among all trials, that are fresh when they start `t` ms
    /// after the commit (t-visibility). Refused: a negative or non-finite
    /// `t`.
    pub fn fresh_at(&self, t: f64) -> Result<Estimate, ModelError> {
        let t = at_least("the time after the commit t (ms)", t, 0.0)?;
        let fresh = self.waits.partition_point(|&w| w <= t) as u64;
        Ok(Estimate {
            fresh,
            trials: self.trials,
        })
    }

    /// The least time after the commit at which at least a fraction `p`
    /// of the trials' reads are fresh; `None` if the trials never get
    /// there. Refused: a `p` outside [0, 1].
    pub fn time_to(&self, p: f64) -> Result<Option<f64>, ModelError> {
        let p = fraction("the fraction of fresh reads p", p)?;
        let needed = (p * self.trials as f64).ceil() as usize;
        if needed == 0 {
            return Ok(Some(0.0));
        }
        Ok(self.waits.get(needed - 1).copied())
    }

    /// How many trials were run.
    pub fn trials(&self) -> u64 {
        self.trials
    }
}
// ANCHOR_END: simulate

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: u32, r: u32, w: u32) -> Quorum {
        Quorum::new(n, r, w).unwrap()
    }

    #[test]
    fn closed_form_for_three_replicas() {
        assert!((stale_probability(&q(3, 1, 1)) - 2.0 / 3.0).abs() < 1e-15);
        assert!((stale_probability(&q(3, 1, 2)) - 1.0 / 3.0).abs() < 1e-15);
        assert!((stale_probability(&q(3, 2, 1)) - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(stale_probability(&q(3, 2, 2)), 0.0);
        let three = k_staleness(&q(3, 1, 1), 3).unwrap();
        assert!((three - (1.0 - 8.0 / 27.0)).abs() < 1e-15);
        assert_eq!(k_staleness(&q(3, 2, 2), 1), Ok(1.0));
        assert!(k_staleness(&q(3, 1, 1), 0).is_err());
    }

    #[test]
    fn constant_delays_give_a_known_wait() {
        // Writes take 5 ms to arrive, everything else 1 ms: the commit is
        // at 6 ms, and a read request reaches a replica 1 ms after it
        // starts, so the write is already there. Fresh at once.
        let one = Latency::constant(1.0).unwrap();
        let model = Wars {
            write: Latency::constant(5.0).unwrap(),
            ack: one,
            read: one,
            response: one,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let trial = Trial::draw(&q(3, 1, 1), &model, &mut rng);
        assert_eq!(trial.commit(&q(3, 1, 1)), 6.0);
        assert_eq!(
            trial.wait_needed(&q(3, 1, 1), Propagation::Everywhere),
            Some(0.0)
        );
        // Only replica 0 (first by index among ties) holds it if the write
        // stops at W = 1; replica 0 also answers the read first.
        assert_eq!(
            trial.wait_needed(&q(3, 1, 1), Propagation::QuorumOnly),
            Some(0.0)
        );
    }

    #[test]
    fn bad_parameters_are_refused() {
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-310] {
            assert!(Latency::exponential(bad).is_err(), "{bad}");
        }
        assert!(Latency::constant(-0.5).is_err());
        let model = Wars::exponential(1.0, 1.0).unwrap();
        let quorum = q(3, 1, 1);
        assert!(simulate(&quorum, &model, Propagation::Everywhere, 0, 1).is_err());
        let vis = simulate(&quorum, &model, Propagation::Everywhere, 100, 1).unwrap();
        assert!(vis.fresh_at(-1.0).is_err());
        assert!(vis.fresh_at(f64::NAN).is_err());
        assert!(vis.time_to(1.5).is_err());
        assert_eq!(vis.time_to(0.0), Ok(Some(0.0)));
    }
}
