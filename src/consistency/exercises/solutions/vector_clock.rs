//! Reference solution to the vector-clock exercise (chapter 4.4).
//!
//! The exercise file `src/consistency/exercises/vector_clock.rs` is this
//! file with the code between each `solve_*` pair of anchors replaced by a
//! `todo!`.

// ANCHOR: exercise
pub use crate::consistency::crdt::Causality;

/// The most replicas a clock may name: replica ids are indices into a
/// vector, so a larger id would make a tick allocate without bound.
pub const MAX_REPLICAS: usize = 1024;

// ANCHOR: clock
/// A vector clock as a Go program with replicas numbered 0 to n - 1 might
/// keep it: a `[]uint64` indexed by replica (Go libraries such as GoVector
/// use a `map[string]uint64` instead). Entry `i` says how many of replica
/// `i`'s events this clock has seen. Two clocks may have different
/// lengths: an entry past the end of a clock is 0, and so is an explicit
/// trailing 0, so `[2]`, `[2, 0]` and `[2, 0, 0]` are the same clock.
#[derive(Debug, Clone, Default)]
pub struct VectorClock {
    counts: Vec<u64>,
}
// ANCHOR_END: clock

impl VectorClock {
    // ANCHOR: written
    /// A clock that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A clock with these counts: `counts[i]` for replica `i`. Entries past
    /// [`MAX_REPLICAS`] are dropped.
    pub fn from_counts(counts: &[u64]) -> Self {
        let kept = counts.len().min(MAX_REPLICAS);
        VectorClock {
            counts: counts[..kept].to_vec(),
        }
    }

    /// How many of `replica`'s events this clock has seen.
    pub fn get(&self, replica: usize) -> u64 {
        self.counts.get(replica).copied().unwrap_or(0)
    }

    /// The counts as stored (perhaps with trailing zeros).
    pub fn as_slice(&self) -> &[u64] {
        &self.counts
    }

    /// Records one more event of `replica` and returns its number (the
    /// first is 1), or `None`, changing nothing, if `replica` is not below
    /// [`MAX_REPLICAS`] or its count is at `u64::MAX`.
    pub fn tick(&mut self, replica: usize) -> Option<u64> {
        if replica >= MAX_REPLICAS {
            return None;
        }
        let next = self.get(replica).checked_add(1)?;
        if self.counts.len() <= replica {
            self.counts.resize(replica + 1, 0);
        }
        self.counts[replica] = next;
        Some(next)
    }

    /// A replica's receipt of a message stamped `message`: it learns what
    /// the sender had seen, then counts the receipt as its own event.
    /// Returns the event's number, or `None`, changing nothing (not even
    /// the merge), if the tick is refused.
    pub fn receive(&mut self, replica: usize, message: &VectorClock) -> Option<u64> {
        let mut next = self.clone();
        next.merge(message);
        let event = next.tick(replica)?;
        *self = next;
        Some(event)
    }
    // ANCHOR_END: written

    // ANCHOR: merge
    /// Folds `other` in: every entry becomes the larger of the two clocks'
    /// entries, for every replica either clock names. Afterwards `self` is
    /// after (or equal to) both clocks, and the least such clock.
    pub fn merge(&mut self, other: &VectorClock) {
        // ANCHOR: solve_merge
        if self.counts.len() < other.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (ours, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *ours = (*ours).max(*theirs);
        }
        // ANCHOR_END: solve_merge
    }
    // ANCHOR_END: merge

    // ANCHOR: compare
    /// How `self` relates to `other`. `Before` if no entry of `self` is
    /// above `other`'s and at least one is strictly below; `After` the
    /// other way round;
    /// `Equal` if every entry is the same; `Concurrent` if each is above
    /// the other somewhere. Every replica either clock names counts, with
    /// a missing entry read as 0.
    pub fn compare(&self, other: &VectorClock) -> Causality {
        // ANCHOR: solve_compare
        let longest = self.counts.len().max(other.counts.len());
        let mut behind = false;
        let mut ahead = false;
        for replica in 0..longest {
            let (ours, theirs) = (self.get(replica), other.get(replica));
            behind |= ours < theirs;
            ahead |= ours > theirs;
        }
        match (behind, ahead) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
        // ANCHOR_END: solve_compare
    }
    // ANCHOR_END: compare
}
// ANCHOR_END: exercise
