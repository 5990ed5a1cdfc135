//! A linearizability checker for histories of a key-value map of registers.
//!
//! A history is linearizable when every operation can be given one instant
//! between its invocation and its return such that, taken in the order of
//! those instants, the operations are what one register per key, starting
//! at 0, would have answered (Herlihy and Wing, "Linearizability: a
//! correctness condition for concurrent objects", 1990). Linearizability
//! is *local*: a history of many keys is linearizable if and only if each
//! key's sub-history is (the same paper's locality theorem, which
//! Porcupine's author calls P-compositionality), so [`check`] splits the
//! history by key and judges each key alone.
//!
//! For one key the search is Wing and Gong's (1993): pick an operation
//! that may go first (no other unplaced operation returned before it was
//! invoked), apply it to a register, recurse; back up when a read does not
//! match. Lowe ("Testing for linearizability", 2017) and Porcupine (Anish
//! Athalye, "Porcupine: a fast linearizability checker in Go", 2017)
//! memoise the states already explored: a state is the *set* of
//! operations placed so far and the register's value, and two paths that
//! reach the same state need not both be explored. That turns an
//! exponential search over orders into one over sets, which for a history
//! whose clients overlap only a few at a time is small.
//!
//! What the outcomes mean (see [`crate::consistency::history`]):
//! - a completed read or write must be placed between its invocation and
//!   its return;
//! - a [`Outcome::Failed`] write is *pending for ever*: it may take effect
//!   at any instant after its invocation, or never;
//! - a [`Outcome::Failed`] read constrains nothing and is dropped.
//!
//! Two operations with `a.returned == b.invoked` are treated as
//! concurrent: with one clock read by every client, equal stamps do not
//! say which came first.

use crate::consistency::history::{Call, Operation, Outcome};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// How many search states [`check`] explores for one key before it gives
/// up with [`HistoryError::SearchLimit`] rather than run for minutes.
pub const DEFAULT_STEP_LIMIT: u64 = 2_000_000;

/// How many search states the explanation of one violation may use
/// (finding the shortest failing prefix, then dropping operations that do
/// not matter). Past it the explanation is reported as found so far.
const EXPLAIN_STEP_LIMIT: u64 = 1_000_000;

/// What [`check`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// Operations in the history, failed ones included.
    pub operations: usize,
    /// Distinct keys in the history.
    pub keys: usize,
    /// Search states explored over all keys (the checker's work).
    pub steps: u64,
    /// One entry per key whose history is not linearizable, by key.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether every key's history is linearizable.
    pub fn is_linearizable(&self) -> bool {
        self.violations.is_empty()
    }
}

/// One key whose history no register could have produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The key.
    pub key: u32,
    /// The read whose return first made the key's history impossible to
    /// order: the history cut at that instant is not linearizable, cut a
    /// moment earlier it is.
    pub culprit: Operation,
    /// A small set of the key's operations, the culprit among them, that
    /// no order explains, in invocation order. Operations still running
    /// when the culprit returned are in it as they were then (a write may
    /// or may not have taken effect).
    pub operations: Vec<Operation>,
    /// Whether dropping any one operation from [`Violation::operations`]
    /// (other than the culprit, and other than a write some read in the
    /// set returned) makes it linearizable. False when the explanation ran
    /// out of search budget first.
    pub minimal: bool,
}

/// Why a history could not be judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// `history[index]` returned before it was invoked.
    ReturnedBeforeInvoked { index: usize },
    /// `history[index]` pairs a call with an outcome it cannot have (a
    /// read that was "written", a write that returned a value).
    Mismatch { index: usize },
    /// One client had two operations running at once, `history[first]`
    /// and `history[second]`; a client runs one at a time.
    Overlap {
        client: usize,
        first: usize,
        second: usize,
    },
    /// Two writes on one key wrote the same value, so a read of it cannot
    /// say which write it saw.
    DuplicateWrite {
        key: u32,
        value: u64,
        first: usize,
        second: usize,
    },
    /// `history[index]` wrote 0, the value every register starts with.
    WriteOfInitialValue { index: usize },
    /// The search for `key` explored `steps` states without an answer.
    SearchLimit { key: u32, steps: u64 },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::ReturnedBeforeInvoked { index } => {
                write!(f, "operation {index} returned before it was invoked")
            }
            HistoryError::Mismatch { index } => write!(
                f,
                "operation {index} has an outcome its call cannot have \
                 (a read is answered with a value, a write with `written`)"
            ),
            HistoryError::Overlap {
                client,
                first,
                second,
            } => write!(
                f,
                "client {client} ran operations {first} and {second} at once; \
                 a client runs one operation at a time"
            ),
            HistoryError::DuplicateWrite {
                key,
                value,
                first,
                second,
            } => write!(
                f,
                "operations {first} and {second} both wrote {value} to key {key}; \
                 each write must write a value of its own"
            ),
            HistoryError::WriteOfInitialValue { index } => write!(
                f,
                "operation {index} wrote 0, the value every key starts with; \
                 write values from 1"
            ),
            HistoryError::SearchLimit { key, steps } => write!(
                f,
                "gave up on key {key} after {steps} search states; \
                 check a shorter history or one with fewer clients at once"
            ),
        }
    }
}

impl std::error::Error for HistoryError {}

// ANCHOR: check
/// Judges a history of reads and writes on a map of registers, each
/// starting at 0, with [`DEFAULT_STEP_LIMIT`] search states per key.
pub fn check(history: &[Operation]) -> Result<Report, HistoryError> {
    check_with_limit(history, DEFAULT_STEP_LIMIT)
}

/// [`check`] with a chosen bound on the search states per key.
pub fn check_with_limit(
    history: &[Operation],
    step_limit: u64,
) -> Result<Report, HistoryError> {
    validate(history)?;
    // Locality: judge each key on its own.
    let mut by_key: BTreeMap<u32, Vec<Operation>> = BTreeMap::new();
    for op in history {
        by_key.entry(op.key).or_default().push(*op);
    }
    let mut report = Report {
        operations: history.len(),
        keys: by_key.len(),
        steps: 0,
        violations: Vec::new(),
    };
    for (&key, ops) in &by_key {
        let entries = entries_at(ops, u64::MAX);
        let mut budget = Budget::new(step_limit);
        let verdict = search(&entries, &mut budget);
        report.steps += budget.used;
        match verdict {
            Some(true) => {}
            Some(false) => report.violations.push(explain(key, ops)),
            None => {
                return Err(HistoryError::SearchLimit {
                    key,
                    steps: budget.used,
                });
            }
        }
    }
    Ok(report)
}
// ANCHOR_END: check

fn validate(history: &[Operation]) -> Result<(), HistoryError> {
    let mut by_client: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut writers: BTreeMap<(u32, u64), usize> = BTreeMap::new();
    for (index, op) in history.iter().enumerate() {
        if op.returned < op.invoked {
            return Err(HistoryError::ReturnedBeforeInvoked { index });
        }
        match (op.call, op.outcome) {
            (Call::Read, Outcome::Read(_) | Outcome::Failed) => {}
            (Call::Write(_), Outcome::Written | Outcome::Failed) => {}
            _ => return Err(HistoryError::Mismatch { index }),
        }
        if let Call::Write(value) = op.call {
            if value == 0 {
                return Err(HistoryError::WriteOfInitialValue { index });
            }
            if let Some(&first) = writers.get(&(op.key, value)) {
                return Err(HistoryError::DuplicateWrite {
                    key: op.key,
                    value,
                    first,
                    second: index,
                });
            }
            writers.insert((op.key, value), index);
        }
        by_client.entry(op.client).or_default().push(index);
    }
    for (client, mut indices) in by_client {
        indices.sort_by_key(|&i| (history[i].invoked, history[i].returned, i));
        for pair in indices.windows(2) {
            let (a, b) = (&history[pair[0]], &history[pair[1]]);
            // Back to back is fine: the next may begin the instant one ends.
            if b.invoked < a.returned {
                return Err(HistoryError::Overlap {
                    client,
                    first: pair[0],
                    second: pair[1],
                });
            }
        }
    }
    Ok(())
}

/// One operation as the search sees it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    op: Operation,
    /// Must be placed (a completed operation), or may be left out (a write
    /// still pending at the cut).
    required: bool,
}

/// The key's history as it stood at instant `cut`: operations that
/// returned by then are complete; writes invoked by then and not yet
/// returned, or failed, are pending; reads not yet returned, failed reads
/// and operations invoked later are dropped. A pending write whose value
/// no remaining read returned is dropped too: leaving it out of an order
/// never changes what a read sees.
fn entries_at(ops: &[Operation], cut: u64) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for op in ops {
        if op.invoked > cut {
            continue;
        }
        let completed = op.outcome != Outcome::Failed && op.returned <= cut;
        match op.call {
            Call::Read if completed => entries.push(Entry {
                op: *op,
                required: true,
            }),
            Call::Read => {}
            Call::Write(_) => entries.push(Entry {
                op: *op,
                required: completed,
            }),
        }
    }
    prune(entries)
}

fn prune(entries: Vec<Entry>) -> Vec<Entry> {
    let read: HashSet<u64> = entries
        .iter()
        .filter_map(|e| match e.op.outcome {
            Outcome::Read(v) => Some(v),
            _ => None,
        })
        .collect();
    entries
        .into_iter()
        .filter(|e| match e.op.call {
            Call::Write(v) => e.required || read.contains(&v),
            Call::Read => true,
        })
        .collect()
}

/// Counts search states against a limit.
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    fn new(limit: u64) -> Self {
        Budget { used: 0, limit }
    }
}

/// A search state: which operations are placed, and the register's value.
/// The required operations' set is stored from the first word that is not
/// all placed, without trailing empty words, so a long history whose early
/// part is settled costs only its window of overlapping operations.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct State {
    /// Words of the required set before `words` are all ones.
    offset: usize,
    words: Vec<u64>,
    /// The pending writes' set (few: failed or cut writes that some read
    /// returned).
    pending: Vec<u64>,
    value: u64,
}

impl State {
    fn has(&self, i: usize) -> bool {
        let w = i / 64;
        w < self.offset
            || self
                .words
                .get(w - self.offset)
                .is_some_and(|x| x >> (i % 64) & 1 == 1)
    }

    fn with(&self, i: usize, value: u64) -> State {
        let mut next = self.clone();
        next.value = value;
        let w = i / 64 - self.offset;
        if next.words.len() <= w {
            next.words.resize(w + 1, 0);
        }
        next.words[w] |= 1 << (i % 64);
        let full = next.words.iter().take_while(|&&x| x == u64::MAX).count();
        next.words.drain(..full);
        next.offset += full;
        while next.words.last() == Some(&0) {
            next.words.pop();
        }
        next
    }

    fn has_pending(&self, j: usize) -> bool {
        self.pending
            .get(j / 64)
            .is_some_and(|x| x >> (j % 64) & 1 == 1)
    }

    fn with_pending(&self, j: usize, value: u64) -> State {
        let mut next = self.clone();
        next.value = value;
        next.pending[j / 64] |= 1 << (j % 64);
        next
    }

    /// The first required operation not yet placed.
    fn first_unplaced(&self) -> usize {
        let lead = self.words.first().map_or(0, |x| x.trailing_ones() as usize);
        self.offset * 64 + lead
    }
}

/// Whether the entries can be ordered; `None` when the budget ran out.
fn search(entries: &[Entry], budget: &mut Budget) -> Option<bool> {
    // Required operations in invocation order; pending writes apart.
    let mut required: Vec<Operation> = entries
        .iter()
        .filter(|e| e.required)
        .map(|e| e.op)
        .collect();
    required.sort_by_key(|op| (op.invoked, op.returned));
    let pending: Vec<Operation> = entries
        .iter()
        .filter(|e| !e.required)
        .map(|e| e.op)
        .collect();

    let start = State {
        offset: 0,
        words: Vec::new(),
        pending: vec![0; pending.len().div_ceil(64)],
        value: 0,
    };
    let mut seen: HashSet<State> = HashSet::new();
    seen.insert(start.clone());
    let mut stack = vec![start];
    let mut next_states: Vec<State> = Vec::new();
    while let Some(state) = stack.pop() {
        if budget.used >= budget.limit {
            return None;
        }
        budget.used += 1;
        let base = state.first_unplaced();
        if base >= required.len() {
            return Some(true);
        }
        // An operation may go next if no unplaced required operation
        // returned before it was invoked. Scan in invocation order from
        // the first unplaced one, keeping the earliest return seen: every
        // operation invoked before it has been seen, and one invoked later
        // returns later still, so once an invocation passes the earliest
        // return, neither it nor any after it can go next.
        let mut earliest_return = u64::MAX;
        let mut candidates: Vec<usize> = Vec::new();
        for (i, op) in required.iter().enumerate().skip(base) {
            if op.invoked > earliest_return {
                break;
            }
            if !state.has(i) {
                earliest_return = earliest_return.min(op.returned);
                candidates.push(i);
            }
        }
        next_states.clear();
        for &i in &candidates {
            let op = &required[i];
            match (op.call, op.outcome) {
                (Call::Write(v), _) => next_states.push(state.with(i, v)),
                (Call::Read, Outcome::Read(v)) if v == state.value => {
                    next_states.push(state.with(i, v))
                }
                _ => {}
            }
        }
        for (j, op) in pending.iter().enumerate() {
            if let Call::Write(v) = op.call {
                if op.invoked <= earliest_return && !state.has_pending(j) {
                    next_states.push(state.with_pending(j, v));
                }
            }
        }
        for next in next_states.drain(..) {
            if seen.insert(next.clone()) {
                stack.push(next);
            }
        }
    }
    Some(false)
}

/// Finds the shortest prefix of a key's history that is not linearizable
/// and a small set of its operations that still is not.
fn explain(key: u32, ops: &[Operation]) -> Violation {
    let mut budget = Budget::new(EXPLAIN_STEP_LIMIT);
    // Linearizability is prefix-closed: if the history cut at t fails, so
    // does every later cut. Only a read's return can make a cut fail (a
    // write that returns can always be placed last), so search the reads'
    // return instants for the first failing one.
    let mut cuts: Vec<u64> = ops
        .iter()
        .filter(|op| matches!(op.outcome, Outcome::Read(_)))
        .map(|op| op.returned)
        .collect();
    cuts.sort_unstable();
    cuts.dedup();
    let (mut lo, mut hi) = (0, cuts.len().saturating_sub(1));
    let mut complete = true;
    while lo < hi {
        let mid = (lo + hi) / 2;
        match search(&entries_at(ops, cuts[mid]), &mut budget) {
            Some(false) => hi = mid,
            Some(true) => lo = mid + 1,
            // Out of budget: keep the later cut, known to fail.
            None => {
                complete = false;
                break;
            }
        }
    }
    let cut = cuts.get(hi).copied().unwrap_or(u64::MAX);
    let mut entries = entries_at(ops, cut);
    entries.sort_by_key(|e| (e.op.invoked, e.op.returned));
    let culprit = entries
        .iter()
        .filter(|e| e.required && e.op.call == Call::Read && e.op.returned == cut)
        .map(|e| e.op)
        .next()
        .unwrap_or(ops[0]);

    // Drop operations one at a time while the rest still fails; a write
    // stays while a read in the set returned its value (without it the
    // read would fail for a reason the history does not have).
    let mut changed = true;
    while changed && complete {
        changed = false;
        let mut i = 0;
        while i < entries.len() {
            let e = entries[i];
            let needed = e.op == culprit
                || match e.op.call {
                    Call::Write(v) => {
                        entries.iter().any(|r| r.op.outcome == Outcome::Read(v))
                    }
                    Call::Read => false,
                };
            if !needed {
                let mut fewer = entries.clone();
                fewer.remove(i);
                match search(&prune(fewer.clone()), &mut budget) {
                    Some(false) => {
                        entries = fewer;
                        changed = true;
                        continue;
                    }
                    Some(true) => {}
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            i += 1;
        }
    }
    Violation {
        key,
        culprit,
        operations: entries.iter().map(|e| e.op).collect(),
        minimal: complete,
    }
}

/// A time in ns as a reader takes it in: ns, µs or ms.
fn instant(ns: u64) -> String {
    if ns < 10_000 {
        format!("{ns} ns")
    } else if ns < 10_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else {
        format!("{:.1} ms", ns as f64 / 1e6)
    }
}

/// One operation in words: who, what, when.
fn describe(op: &Operation, cut: u64) -> String {
    let what = match (op.call, op.outcome) {
        (Call::Write(v), Outcome::Failed) => {
            format!("wrote {v} (failed: it may still take effect)")
        }
        (Call::Write(v), _) if op.returned > cut => {
            format!("wrote {v} (not yet acknowledged)")
        }
        (Call::Write(v), _) => format!("wrote {v}"),
        (Call::Read, Outcome::Read(v)) => format!("read {v}"),
        (Call::Read, _) => "read (failed)".to_string(),
    };
    let end = if op.outcome == Outcome::Failed || op.returned > cut {
        "…".to_string()
    } else {
        instant(op.returned)
    };
    format!(
        "client {} {what}, from {} to {end}",
        op.client,
        instant(op.invoked)
    )
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = self.culprit.returned;
        let read = match self.culprit.outcome {
            Outcome::Read(v) => v,
            _ => 0,
        };
        let wrote = self
            .operations
            .iter()
            .any(|op| op.call == Call::Write(read));
        if self.operations.len() == 1 && !wrote && read != 0 {
            return write!(
                f,
                "key {}: {} — but no write on this key wrote {read}",
                self.key,
                describe(&self.culprit, cut)
            );
        }
        writeln!(
            f,
            "key {}: no single register explains these {} operations:",
            self.key,
            self.operations.len()
        )?;
        for op in &self.operations {
            writeln!(f, "  {}", describe(op, cut))?;
        }
        write!(
            f,
            "every order that keeps real time (an operation that returned before \
             another began goes first) gives the read of {read} by client {} \
             another value{}",
            self.culprit.client,
            if self.minimal {
                ""
            } else {
                " (search budget ran out; the set may hold more than it needs)"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A completed write.
    fn w(client: usize, value: u64, invoked: u64, returned: u64) -> Operation {
        Operation {
            client,
            key: 0,
            call: Call::Write(value),
            outcome: Outcome::Written,
            invoked,
            returned,
        }
    }

    /// A completed read.
    fn r(client: usize, value: u64, invoked: u64, returned: u64) -> Operation {
        Operation {
            client,
            key: 0,
            call: Call::Read,
            outcome: Outcome::Read(value),
            invoked,
            returned,
        }
    }

    fn failed(mut op: Operation) -> Operation {
        op.outcome = Outcome::Failed;
        op
    }

    fn on_key(mut op: Operation, key: u32) -> Operation {
        op.key = key;
        op
    }

    fn linearizable(history: &[Operation]) -> bool {
        check(history).expect("a valid history").is_linearizable()
    }

    #[test]
    fn empty_and_sequential_histories_are_linearizable() {
        assert!(linearizable(&[]));
        // One client: write 1, read 1, write 2, read 2.
        assert!(linearizable(&[
            w(0, 1, 0, 1),
            r(0, 1, 2, 3),
            w(0, 2, 4, 5),
            r(0, 2, 6, 7)
        ]));
        // A read before any write sees the initial 0.
        assert!(linearizable(&[r(1, 0, 0, 1), w(0, 1, 2, 3)]));
    }

    #[test]
    fn a_stale_read_after_a_completed_write_is_not() {
        // Client 0's write of 1 returned at 10; client 1 began reading at
        // 20 and got the old 0.
        let history = [w(0, 1, 0, 10), r(1, 0, 20, 30)];
        let report = check(&history).unwrap();
        assert!(!report.is_linearizable());
        let v = &report.violations[0];
        assert_eq!(v.culprit, history[1]);
        assert_eq!(v.operations, history.to_vec());
        assert!(v.minimal);
    }

    #[test]
    fn a_new_old_inversion_between_two_reads_is_not() {
        // A write of 1 runs long. Client 1 reads the new 1, returns; then
        // client 2 begins and reads the old 0. Either read alone is fine
        // (the write is concurrent with both), but once the first read saw
        // 1 the write has taken effect, and the later read cannot undo it.
        let history = [w(0, 1, 0, 100), r(1, 1, 10, 20), r(2, 0, 30, 40)];
        assert!(!linearizable(&history));
        assert!(linearizable(&history[..2]));
        assert!(linearizable(&[history[0], history[2]]));
        // Overlapping reads may disagree: the write fell between them.
        assert!(linearizable(&[
            w(0, 1, 0, 100),
            r(1, 1, 10, 40),
            r(2, 0, 30, 50)
        ]));
    }

    #[test]
    fn a_read_concurrent_with_a_write_may_see_either_value() {
        assert!(linearizable(&[w(0, 1, 0, 100), r(1, 0, 10, 20)]));
        assert!(linearizable(&[w(0, 1, 0, 100), r(1, 1, 10, 20)]));
        // Equal stamps count as concurrent.
        assert!(linearizable(&[w(0, 1, 0, 10), r(1, 0, 10, 20)]));
    }

    #[test]
    fn a_failed_write_may_be_seen_later_or_never() {
        // The client gave up at 10, but the write reached a replica and a
        // read long after sees it: allowed, it took effect late.
        assert!(linearizable(&[failed(w(0, 1, 0, 10)), r(1, 1, 50, 60)]));
        // Or it never took effect.
        assert!(linearizable(&[failed(w(0, 1, 0, 10)), r(1, 0, 50, 60)]));
        // But once seen, it cannot be unseen.
        assert!(!linearizable(&[
            failed(w(0, 1, 0, 10)),
            r(1, 1, 50, 60),
            r(1, 0, 70, 80),
        ]));
        // And it cannot take effect before it was invoked.
        assert!(!linearizable(&[r(1, 1, 0, 10), failed(w(0, 1, 20, 30))]));
        // A failed read constrains nothing.
        assert!(linearizable(&[w(0, 1, 0, 10), failed(r(1, 0, 20, 30))]));
    }

    #[test]
    fn a_read_of_a_value_never_written_is_not() {
        let report = check(&[w(0, 1, 0, 10), r(1, 7, 20, 30)]).unwrap();
        assert!(!report.is_linearizable());
        let v = &report.violations[0];
        assert_eq!(v.operations.len(), 1);
        let text = v.to_string();
        assert!(text.contains("no write on this key wrote 7"), "{text}");
    }

    #[test]
    fn keys_are_judged_apart() {
        // Key 0 is fine; key 1 has a stale read. Only key 1 is reported,
        // and a write on key 0 does not explain a read on key 1.
        let history = [
            w(0, 1, 0, 10),
            r(1, 1, 20, 30),
            on_key(w(0, 1, 40, 50), 1),
            on_key(r(1, 0, 60, 70), 1),
        ];
        let report = check(&history).unwrap();
        assert_eq!((report.operations, report.keys), (4, 2));
        assert_eq!(report.violations.len(), 1);
        assert_eq!(report.violations[0].key, 1);
        assert!(!linearizable(&[w(0, 1, 0, 10), on_key(r(1, 1, 20, 30), 1)]));
    }

    #[test]
    fn the_explanation_drops_what_does_not_matter() {
        // Ten clean rounds, then a stale read; the explanation names the
        // last write and the stale read, not the rounds before.
        let mut history = Vec::new();
        for i in 0..10u64 {
            history.push(w(0, i + 1, i * 100, i * 100 + 10));
            history.push(r(1, i + 1, i * 100 + 20, i * 100 + 30));
        }
        history.push(w(0, 11, 1000, 1010));
        history.push(r(1, 10, 1020, 1030));
        history.push(r(1, 11, 1040, 1050));
        let report = check(&history).unwrap();
        let v = &report.violations[0];
        assert_eq!(v.culprit, history[21]);
        assert_eq!(v.operations, vec![history[18], history[20], history[21]]);
        let text = v.to_string();
        assert!(text.contains("3 operations"), "{text}");
        assert!(
            text.contains("client 1 read 10, from 1020 ns to 1030 ns"),
            "{text}"
        );
        // A stale read of the initial 0 needs no write it saw: two.
        let history = [w(0, 1, 0, 10), r(1, 1, 20, 30), r(1, 0, 40, 50)];
        let report = check(&history).unwrap();
        assert_eq!(
            report.violations[0].operations,
            vec![history[0], history[2]]
        );
    }

    #[test]
    fn bad_histories_are_errors_not_panics() {
        assert_eq!(
            check(&[w(0, 1, 10, 5)]),
            Err(HistoryError::ReturnedBeforeInvoked { index: 0 })
        );
        assert_eq!(
            check(&[w(0, 1, 0, 10), r(0, 1, 5, 20)]),
            Err(HistoryError::Overlap {
                client: 0,
                first: 0,
                second: 1
            })
        );
        assert_eq!(
            check(&[w(0, 1, 0, 10), w(1, 1, 20, 30)]),
            Err(HistoryError::DuplicateWrite {
                key: 0,
                value: 1,
                first: 0,
                second: 1
            })
        );
        // The same value on two keys is fine.
        assert!(check(&[w(0, 1, 0, 10), on_key(w(1, 1, 20, 30), 1)]).is_ok());
        assert_eq!(
            check(&[w(0, 0, 0, 10)]),
            Err(HistoryError::WriteOfInitialValue { index: 0 })
        );
        let mut odd = r(0, 1, 0, 10);
        odd.outcome = Outcome::Written;
        assert_eq!(check(&[odd]), Err(HistoryError::Mismatch { index: 0 }));
        // Zero-length operations back to back are not an overlap.
        assert!(check(&[w(0, 1, 5, 5), r(0, 1, 5, 5)]).is_ok());
        let overlap = HistoryError::Overlap {
            client: 3,
            first: 1,
            second: 2,
        };
        assert!(
            overlap
                .to_string()
                .starts_with("client 3 ran operations 1 and 2 at once"),
            "{overlap}"
        );
        let limit = HistoryError::SearchLimit { key: 4, steps: 9 };
        assert!(
            limit
                .to_string()
                .starts_with("gave up on key 4 after 9 search states"),
            "{limit}"
        );
    }

    #[test]
    fn the_search_is_bounded() {
        // Twelve failed writes and reads that need them in a tangle: the
        // search space is large, and a tiny limit stops it with an error.
        let mut history = Vec::new();
        for i in 0..12u64 {
            history.push(failed(w(i as usize, i + 1, 0, 1)));
        }
        for i in 0..12u64 {
            history.push(r(20, 12 - i, 10 + i * 10, 15 + i * 10));
        }
        assert_eq!(
            check_with_limit(&history, 5),
            Err(HistoryError::SearchLimit { key: 0, steps: 5 })
        );
        assert!(linearizable(&history));
    }

    #[test]
    fn many_overlapping_clients_stay_cheap() {
        // Eight clients, 2,000 operations, each overlapping its
        // neighbours: the memo keeps the search to a few states per
        // operation.
        let mut history = Vec::new();
        let mut value = 0;
        for round in 0..250u64 {
            let t = round * 100;
            for c in 0..8u64 {
                if c == 0 {
                    value += 1;
                    history.push(w(0, value, t, t + 50));
                } else {
                    let seen = if c < 4 { value - 1 } else { value };
                    let start = t + c * 5;
                    history.push(r(c as usize, seen, start, start + 45));
                }
            }
        }
        let report = check(&history).unwrap();
        assert!(report.is_linearizable());
        assert!(report.steps < 100_000, "{}", report.steps);
    }
}
