//! Section 3.4: the source's "consistency degree" C = N / M, and the
//! models engineers use instead.
//!
//! [`source_c`] is the article's formula as written: N nodes over M, its
//! "consistency requirement". The article does not say what M counts; the
//! only reading with a unit is a number of nodes that must take part (a
//! write quorum), so M must lie between 1 and N. C is then N / W, which
//! is the inverse of the chance that *one* replica picked at random holds
//! a write, and nothing more: it ignores how many replicas a read asks
//! (R), so the same C belongs to stores whose reads always see the latest
//! write and to stores whose reads often miss it. The rest of this module
//! is what decides that:
//!
//! - [`majority`] and [`majority_failures_tolerated`]: the smallest set
//!   that meets every other set of its size, ⌊N/2⌋ + 1, and the N − ⌊N/2⌋ − 1
//!   nodes that can fail while one is still up.
//! - [`Quorum`]: N replicas, reads that wait for R of them, writes that
//!   wait for W. Every read set meets every write set exactly when
//!   R + W > N ([`Quorum::reads_see_writes`]), and two writes always share
//!   a replica exactly when 2W > N ([`Quorum::writes_meet`]).
//! - [`count_pairs`]: the same facts counted, not argued: every R-subset
//!   against every W-subset of up to [`MAX_ENUMERATED`] nodes.
//!
//! How often a read misses the write when R + W ≤ N, and how that changes
//! with time, is [`crate::consistency::pbs`].

use crate::support::error::ModelError;

/// The largest count the source's formula takes: 2^53, the last integer
/// up to which an `f64` holds every integer exactly.
pub const MAX_EXACT: u64 = 1 << 53;

/// The most replicas a [`Quorum`] may have (the models here are for
/// replica sets, which hold a handful of nodes, not for whole clusters).
pub const MAX_REPLICAS: u32 = 10_000;

/// The most nodes [`count_pairs`] enumerates: at 12 it compares up to
/// C(12, 6)² = 853 776 pairs.
pub const MAX_ENUMERATED: u32 = 12;

/// A count of at least `min`.
fn count_at_least(what: &'static str, value: u64, min: u64) -> Result<u64, ModelError> {
    if value < min {
        return Err(ModelError::TooSmall {
            what,
            value: value as f64,
            min: min as f64,
        });
    }
    Ok(value)
}

/// A count of at most `max`.
fn count_at_most(what: &'static str, value: u64, max: u64) -> Result<u64, ModelError> {
    if value <= max {
        return Ok(value);
    }
    if value > MAX_EXACT {
        // As an f64, 2^53 + 1 would print as 2^53: name the exact count.
        return Err(ModelError::Inconsistent {
            why: format!("{what} is {value}; it must be at most {max}"),
        });
    }
    Err(ModelError::TooLarge {
        what,
        value: value as f64,
        max: max as f64,
    })
}

// ANCHOR: source_c
/// The source article's formula, as written: C = N / M, its "consistency
/// degree", for `n` nodes and a "consistency requirement" `m`, read as the
/// number of nodes that must take part in a write.
///
/// Refused: no nodes, a requirement of 0 (C would be infinite), a
/// requirement above the number of nodes (no write can be taken by more
/// nodes than there are), and counts above 2^53, which an `f64` cannot
/// hold exactly. So C is always at least 1.
pub fn source_c(n: u64, m: u64) -> Result<f64, ModelError> {
    let n = count_at_least("the number of nodes N", n, 1)?;
    let n = count_at_most("the number of nodes N", n, MAX_EXACT)?;
    let m = count_at_least("the consistency requirement M", m, 1)?;
    let m = count_at_most("the consistency requirement M", m, n)?;
    // Both are exact in an f64, so the quotient is correctly rounded.
    Ok(n as f64 / m as f64)
}
// ANCHOR_END: source_c

// ANCHOR: majority
/// The size of a majority of `n` nodes: ⌊n/2⌋ + 1, the smallest number of
/// nodes such that any two sets of that size share a node.
///
/// Refused: `n = 0` (no majority of nothing) and `n` above
/// [`MAX_REPLICAS`].
pub fn majority(n: u32) -> Result<u32, ModelError> {
    let n = count_at_least("the number of nodes N", n.into(), 1)?;
    let n = count_at_most("the number of nodes N", n, MAX_REPLICAS.into())?;
    Ok((n / 2 + 1) as u32)
}

/// How many of `n` nodes can fail while a majority is still up:
/// n − (⌊n/2⌋ + 1), which is ⌊(n − 1)/2⌋. An even `n` tolerates no more
/// failures than `n − 1`: the fourth node of four buys nothing.
pub fn majority_failures_tolerated(n: u32) -> Result<u32, ModelError> {
    Ok(n - majority(n)?)
}
// ANCHOR_END: majority

// ANCHOR: quorum
/// A replicated register's quorum configuration: `n` replicas, reads that
/// wait for `r` of them, writes that wait for `w` of them (Dynamo's N, R
/// and W; Cassandra's replication factor and consistency levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    n: u32,
    r: u32,
    w: u32,
}

impl Quorum {
    /// Refused: `n` of 0 or above [`MAX_REPLICAS`], and an `r` or `w` of 0
    /// or above `n`.
    pub fn new(n: u32, r: u32, w: u32) -> Result<Quorum, ModelError> {
        let n = count_at_least("the number of replicas N", n.into(), 1)?;
        let n = count_at_most("the number of replicas N", n, MAX_REPLICAS.into())?;
        let r = count_at_least("the read quorum R", r.into(), 1)?;
        let r = count_at_most("the read quorum R", r, n)?;
        let w = count_at_least("the write quorum W", w.into(), 1)?;
        let w = count_at_most("the write quorum W", w, n)?;
        Ok(Quorum {
            n: n as u32,
            r: r as u32,
            w: w as u32,
        })
    }

    /// The replicas N.
    pub fn n(&self) -> u32 {
        self.n
    }

    /// The replicas a read waits for, R.
    pub fn r(&self) -> u32 {
        self.r
    }

    /// The replicas a write waits for, W.
    pub fn w(&self) -> u32 {
        self.w
    }

    /// Whether every set of R replicas shares a replica with every set of
    /// W: R + W > N. Then a read always hears from a replica that took the
    /// last completed write (a *strict* quorum); otherwise it may not (a
    /// *partial* quorum).
    pub fn reads_see_writes(&self) -> bool {
        self.r + self.w > self.n
    }

    /// Whether every two write sets share a replica: 2W > N. A write is
    /// ordered after the last completed one by first reading the highest
    /// version from a read quorum, which R + W > N already allows; this
    /// second rule, from Gifford's weighted voting (SOSP 1979), keeps two
    /// writes from completing on disjoint sets. Majorities satisfy both.
    pub fn writes_meet(&self) -> bool {
        2 * self.w > self.n
    }

    /// How many replicas can be down while reads still complete: N − R.
    pub fn read_failures_tolerated(&self) -> u32 {
        self.n - self.r
    }

    /// How many replicas can be down while writes still complete: N − W.
    pub fn write_failures_tolerated(&self) -> u32 {
        self.n - self.w
    }
}
// ANCHOR_END: quorum

// ANCHOR: count_pairs
/// Every read set against every write set, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairCount {
    /// Pairs of an R-subset and a W-subset of the N replicas: C(N, R)·C(N, W).
    pub pairs: u64,
    /// The pairs with no replica in common.
    pub disjoint: u64,
}

impl PairCount {
    /// The fraction of pairs with no replica in common: the chance that a
    /// read asking R replicas at random misses a write taken by W
    /// replicas at random, and hears only from replicas without it.
    pub fn disjoint_fraction(&self) -> f64 {
        self.disjoint as f64 / self.pairs as f64
    }
}

/// Enumerates every R-subset and every W-subset of the quorum's N
/// replicas (as bit masks) and counts the pairs that share no replica.
///
/// Refused: more than [`MAX_ENUMERATED`] replicas.
pub fn count_pairs(q: &Quorum) -> Result<PairCount, ModelError> {
    count_at_most(
        "the number of replicas N to enumerate",
        q.n.into(),
        MAX_ENUMERATED.into(),
    )?;
    let subsets = |size: u32| -> Vec<u32> {
        (0u32..1 << q.n)
            .filter(|mask| mask.count_ones() == size)
            .collect()
    };
    let (reads, writes) = (subsets(q.r), subsets(q.w));
    let mut disjoint = 0;
    for read in &reads {
        disjoint += writes.iter().filter(|&&write| read & write == 0).count() as u64;
    }
    Ok(PairCount {
        pairs: reads.len() as u64 * writes.len() as u64,
        disjoint,
    })
}
// ANCHOR_END: count_pairs

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_formula_and_its_refusals() {
        assert_eq!(source_c(3, 2), Ok(1.5));
        assert_eq!(source_c(5, 5), Ok(1.0));
        assert!(source_c(0, 1).is_err());
        assert!(source_c(3, 0).is_err());
        let over = source_c(3, 4).unwrap_err().to_string();
        assert_eq!(
            over,
            "the consistency requirement M is 4; it must be at most 3"
        );
        assert!(source_c(MAX_EXACT + 1, 1).is_err());
    }

    #[test]
    fn majorities_of_small_clusters() {
        let sizes: Vec<u32> = (1..=7).map(|n| majority(n).unwrap()).collect();
        assert_eq!(sizes, [1, 2, 2, 3, 3, 4, 4]);
        let tolerated: Vec<u32> = (1..=7)
            .map(|n| majority_failures_tolerated(n).unwrap())
            .collect();
        assert_eq!(tolerated, [0, 0, 1, 1, 2, 2, 3]);
        assert!(majority(0).is_err());
        assert!(majority(MAX_REPLICAS + 1).is_err());
    }

    #[test]
    fn counts_for_three_replicas() {
        let one = count_pairs(&Quorum::new(3, 1, 1).unwrap()).unwrap();
        assert_eq!(
            one,
            PairCount {
                pairs: 9,
                disjoint: 6
            }
        );
        let two = count_pairs(&Quorum::new(3, 2, 2).unwrap()).unwrap();
        assert_eq!(
            two,
            PairCount {
                pairs: 9,
                disjoint: 0
            }
        );
        let big = Quorum::new(MAX_ENUMERATED + 1, 1, 1).unwrap();
        assert!(count_pairs(&big).is_err());
    }

    #[test]
    fn quorums_refuse_what_cannot_be_configured() {
        assert!(Quorum::new(0, 1, 1).is_err());
        assert!(Quorum::new(3, 0, 1).is_err());
        assert!(Quorum::new(3, 1, 4).is_err());
        assert!(Quorum::new(MAX_REPLICAS + 1, 1, 1).is_err());
        let q = Quorum::new(5, 2, 4).unwrap();
        assert!(q.reads_see_writes() && q.writes_meet());
        assert_eq!(
            (q.read_failures_tolerated(), q.write_failures_tolerated()),
            (3, 1)
        );
    }
}
