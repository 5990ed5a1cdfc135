//! A history: what each client asked a replicated register and what it
//! was told, with the times it asked and heard back.
//!
//! Clients record operations as they run; a checker
//! ([`crate::consistency::linearizability`]) then judges the whole
//! history. Times are nanoseconds from one common start, read from the
//! same clock by every client, so "returned before invoked" between two
//! operations means what it says.

/// What a client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Call {
    /// Read the key's value.
    Read,
    /// Write this value. Workloads write each value once, so a read names
    /// the write it saw.
    Write(u64),
}

/// What the client was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A read returned this value (0 for a key never written).
    Read(u64),
    /// A write was acknowledged.
    Written,
    /// No answer the client could trust: too few replicas answered in time.
    /// A failed write may still have reached some replicas, so a checker
    /// treats it as a write that may take effect at any time after its
    /// invocation, or never. A failed read constrains nothing.
    Failed,
}

/// One operation as its client saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    /// Which client ran it; a client runs one operation at a time.
    pub client: usize,
    /// Which register (key) it touched.
    pub key: u32,
    /// What was asked.
    pub call: Call,
    /// What came back.
    pub outcome: Outcome,
    /// When the client sent it, in nanoseconds from the run's start.
    pub invoked: u64,
    /// When the client heard back, in nanoseconds from the run's start;
    /// never before `invoked`.
    pub returned: u64,
}
