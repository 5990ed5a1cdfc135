//! Section 7: retrying over an unreliable network, with capped exponential
//! backoff and "full jitter".
//!
//! After the `k`-th failure (k = 0, 1, 2, …) a client waits a delay drawn
//! uniformly from [0, min(cap, base · 2^k)]. The ceiling grows
//! exponentially so a struggling server gets room; the cap bounds the
//! wait; the random draw spreads clients that failed at the same moment,
//! so they do not all come back at the same moment. The scheme and its name
//! are from M. Brooker, "Exponential Backoff And Jitter", AWS Architecture
//! Blog, 2015.

use crate::support::error::ModelError;
use rand::Rng;
use std::time::Duration;

// ANCHOR: backoff
/// A capped exponential backoff policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
}

impl Backoff {
    /// A policy whose first ceiling is `base` and whose ceilings never pass
    /// `cap`. Rejected: a zero `base` (every delay would be zero) and a
    /// `cap` below `base`.
    pub fn new(base: Duration, cap: Duration) -> Result<Self, ModelError> {
        if base.is_zero() {
            return Err(ModelError::TooSmall {
                what: "the base delay (seconds)",
                value: 0.0,
                min: 1e-9,
            });
        }
        if cap < base {
            return Err(ModelError::Inconsistent {
                why: format!("the cap {cap:?} is below the base delay {base:?}"),
            });
        }
        Ok(Backoff { base, cap })
    }

    /// The longest wait after failure number `attempt` (counting from 0):
    /// min(cap, base · 2^attempt). Saturates instead of overflowing.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let mut ceiling = self.base;
        // Doubling stops at the cap: at most about 95 rounds even from 1 ns
        // to Duration::MAX, whatever `attempt` is.
        for _ in 0..attempt {
            if ceiling >= self.cap {
                break;
            }
            ceiling = ceiling.saturating_mul(2);
        }
        ceiling.min(self.cap)
    }

    /// The wait after failure number `attempt`, drawn uniformly from
    /// [0, ceiling(attempt)]: "full jitter".
    pub fn full_jitter(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = u64::try_from(self.ceiling(attempt).as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=ceiling))
    }
}
// ANCHOR_END: backoff

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn ceilings_double_then_stop_at_the_cap() {
        let b = Backoff::new(ms(100), ms(1000)).unwrap();
        let got: Vec<_> = (0..6).map(|k| b.ceiling(k)).collect();
        assert_eq!(
            got,
            [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]
        );
        assert_eq!(b.ceiling(u32::MAX), ms(1000));
    }

    #[test]
    fn jitter_stays_under_the_ceiling_and_varies() {
        let b = Backoff::new(ms(100), ms(1000)).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let draws: Vec<_> = (0..50).map(|_| b.full_jitter(3, &mut rng)).collect();
        assert!(draws.iter().all(|d| *d <= ms(800)));
        assert!(draws.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn bad_policies_are_refused() {
        assert!(Backoff::new(Duration::ZERO, ms(10)).is_err());
        let err = Backoff::new(ms(10), ms(5)).unwrap_err();
        assert!(err.to_string().contains("below the base"), "{err}");
    }
}
