//! Section 3.3: every model in [`crate::fault_tolerance::formula`] assumes
//! that parts fail independently. Real replicas share things: a rack, a
//! power feed, a network switch, a configuration push, a release. One such
//! *shared-fate* event takes all of them down at once, and then redundancy
//! does nothing.
//!
//! The model here: n replicas, each up with probability `a` on its own,
//! plus one shared event of probability `q` that takes every replica down
//! together. At least k of them must be up. Its closed form is
//! (1 − q) · Σ_{i=k}^{n} C(n, i) aⁱ (1 − a)ⁿ⁻ⁱ, which for k = 1 is
//! (1 − q) · (1 − (1 − a)ⁿ): never more than 1 − q, however many replicas
//! there are. Reliability engineering calls this a *common-cause* (or
//! common-mode) failure.
//!
//! [`simulate`] checks the closed form by a seeded Monte Carlo run that
//! draws the shared event and each replica separately, never using the
//! formula.

use crate::fault_tolerance::formula::k_of_n;
use crate::support::error::{ModelError, fraction};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The most replicas [`simulate`] draws per trial.
pub const MAX_REPLICAS: u64 = 1000;

/// The most trials [`simulate`] runs.
pub const MAX_TRIALS: u64 = 100_000_000;

// ANCHOR: setup
/// n replicas, each up with probability `a`, at least `k` of which must be
/// up, and a shared event of probability `q` that takes all of them down.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SharedFate {
    /// Replicas that must be up.
    pub k: u64,
    /// Replicas in all.
    pub n: u64,
    /// Each replica's own availability.
    pub a: f64,
    /// The probability of the event that takes every replica down.
    pub q: f64,
}

impl SharedFate {
    /// Checks the parameters: 1 ≤ k ≤ n ≤ [`MAX_REPLICAS`], `a` and `q` in
    /// [0, 1].
    pub fn new(k: u64, n: u64, a: f64, q: f64) -> Result<Self, ModelError> {
        if n > MAX_REPLICAS {
            return Err(ModelError::TooLarge {
                what: "the number of replicas n",
                value: n as f64,
                max: MAX_REPLICAS as f64,
            });
        }
        k_of_n(k, n, a)?; // checks k, n and a
        fraction("the shared-fate probability q", q)?;
        Ok(SharedFate { k, n, a, q })
    }

    /// The availability if the replicas were independent (q ignored):
    /// [`k_of_n`].
    pub fn independent(&self) -> Result<f64, ModelError> {
        k_of_n(self.k, self.n, self.a)
    }

    /// The availability with the shared event: (1 − q) · k_of_n(k, n, a).
    pub fn correlated(&self) -> Result<f64, ModelError> {
        Ok((1.0 - self.q) * self.independent()?)
    }
}
// ANCHOR_END: setup

/// What a simulation saw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Simulated {
    /// Trials run.
    pub trials: u64,
    /// Trials in which at least k replicas were up.
    pub up: u64,
    /// Trials in which the shared event happened.
    pub shared_events: u64,
}

impl Simulated {
    /// The simulated availability: up / trials.
    pub fn availability(&self) -> f64 {
        self.up as f64 / self.trials as f64
    }

    /// The standard error of [`Simulated::availability`], from the
    /// binomial variance p (1 − p) / trials, using the simulated p.
    pub fn std_error(&self) -> f64 {
        let p = self.availability();
        (p * (1.0 - p) / self.trials as f64).sqrt()
    }
}

// ANCHOR: simulate
/// Runs `trials` independent trials of `model`, seeded: in each, the
/// shared event happens with probability q (and then every replica is
/// down); otherwise each replica is up with probability a on its own, and
/// the trial counts as up when at least k are.
///
/// The generator is ChaCha8, whose stream is the same on every platform
/// and release, so a seed always gives the same counts. Refused: zero
/// trials or more than [`MAX_TRIALS`].
pub fn simulate(
    model: &SharedFate,
    trials: u64,
    seed: u64,
) -> Result<Simulated, ModelError> {
    if trials == 0 || trials > MAX_TRIALS {
        let what = "the number of trials";
        return Err(if trials == 0 {
            ModelError::TooSmall {
                what,
                value: 0.0,
                min: 1.0,
            }
        } else {
            let max = MAX_TRIALS as f64;
            ModelError::TooLarge {
                what,
                value: trials as f64,
                max,
            }
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut up, mut shared_events) = (0, 0);
    for _ in 0..trials {
        if rng.random_bool(model.q) {
            shared_events += 1;
            continue; // every replica is down together
        }
        let replicas_up = (0..model.n).filter(|_| rng.random_bool(model.a)).count();
        if replicas_up as u64 >= model.k {
            up += 1;
        }
    }
    Ok(Simulated {
        trials,
        up,
        shared_events,
    })
}
// ANCHOR_END: simulate

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_event_caps_availability_at_one_minus_q() {
        let m = SharedFate::new(1, 3, 0.99, 0.001).unwrap();
        assert!((m.independent().unwrap() - 0.999_999).abs() < 1e-12);
        let c = m.correlated().unwrap();
        assert!(c < 0.999 && c > 0.998_99, "{c}");
        let many = SharedFate::new(1, 50, 0.99, 0.001).unwrap();
        assert!(many.correlated().unwrap() <= 0.999);
    }

    #[test]
    fn the_simulation_agrees_with_the_closed_form() {
        let m = SharedFate::new(2, 3, 0.9, 0.02).unwrap();
        let sim = simulate(&m, 200_000, 7).unwrap();
        let want = m.correlated().unwrap();
        let z = (sim.availability() - want) / sim.std_error();
        assert!(
            z.abs() < 5.0,
            "sim {} want {want} z {z}",
            sim.availability()
        );
        // And it is far from the independent figure, 0.972.
        assert!(m.independent().unwrap() - sim.availability() > 10.0 * sim.std_error());
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(SharedFate::new(1, 3, 0.9, 1.5).is_err());
        assert!(SharedFate::new(1, 3, 0.9, f64::NAN).is_err());
        assert!(SharedFate::new(0, 3, 0.9, 0.1).is_err());
        assert!(SharedFate::new(4, 3, 0.9, 0.1).is_err());
        assert!(SharedFate::new(1, 1001, 0.9, 0.1).is_err());
        let m = SharedFate::new(1, 3, 0.9, 0.1).unwrap();
        assert!(simulate(&m, 0, 1).is_err());
    }
}
