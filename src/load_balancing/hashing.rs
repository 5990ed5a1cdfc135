//! Section 3.2: sending each key to the same server every time, and moving
//! few keys when the set of servers changes.
//!
//! | scheme | lookup | a server leaves | source |
//! |---|---|---|---|
//! | [`Ring`] | binary search over n·v points | only its keys move | Karger et al., STOC 1997 |
//! | [`Rendezvous`] | n scores | only its keys move | Thaler and Ravishankar, 1998 |
//! | [`Jump`] | O(ln n) steps, no memory | only the *last* bucket can leave | Lamping and Veach, 2014 |
//! | [`Maglev`] | one table read | its keys move, and a few others | Eisenbud et al., NSDI 2016 |
//! | [`BoundedLoads`] | ring walk past full servers | its keys, and a cascade | Mirrokni, Thorup and Zadimoghaddam, SODA 2018 |
//!
//! Every scheme hashes with [`hash64`], written here: std's `DefaultHasher`
//! is documented as unspecified and free to change between Rust releases,
//! and `RandomState` is seeded randomly per process. A ring built on either
//! would place keys differently after a toolchain upgrade, or on every run,
//! which for a cache means a cold start and for the book an output that
//! never matches. [`hash64`] is FNV-1a over the bytes followed by the
//! splitmix64 finaliser (FNV-1a alone mixes its last bytes poorly into the
//! high bits, which the ring's ordering and Maglev's `mod M` depend on).
//!
//! Servers are named, and a scheme places a key on a name: when a server
//! leaves, the others keep their names (their index in a list would shift).
//! Duplicate names are refused, since two servers with one name would hash
//! to the same points.

use crate::support::error::{ModelError, positive};
use std::collections::HashSet;

// ANCHOR: hash
/// splitmix64's finaliser (Steele, Lea and Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014): a bijection on u64 in
/// which every input bit affects every output bit.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A 64-bit hash of `bytes` under `seed` that never changes: FNV-1a (the
/// published offset basis and prime), then [`mix64`].
pub fn hash64(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325 ^ mix64(seed);
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    mix64(h)
}

/// The hash of a numeric key under `seed`.
pub fn hash_key(seed: u64, key: u64) -> u64 {
    hash64(seed, &key.to_le_bytes())
}
// ANCHOR_END: hash

/// A scheme that places each key on one of its servers.
pub trait Placement {
    /// The name of the server that holds `key`.
    fn server_of(&self, key: u64) -> &str;

    /// The servers' names, in the order given.
    fn servers(&self) -> &[String];
}

/// Checks that there is at least one server and no name twice.
fn server_names<S: AsRef<str>>(servers: &[S]) -> Result<Vec<String>, ModelError> {
    if servers.is_empty() {
        return Err(ModelError::Empty {
            what: "the list of servers",
        });
    }
    let mut seen = HashSet::new();
    for s in servers {
        if !seen.insert(s.as_ref()) {
            return Err(ModelError::Inconsistent {
                why: format!(
                    "the server name {:?} appears twice; names must be distinct",
                    s.as_ref()
                ),
            });
        }
    }
    Ok(servers.iter().map(|s| s.as_ref().to_string()).collect())
}

// ANCHOR: ring
/// Consistent hashing (D. Karger et al., "Consistent hashing and random
/// trees", STOC 1997): each server owns `vnodes` points on a circle of
/// 2^64 positions, and a key belongs to the first point at or after its
/// hash, going clockwise. Virtual nodes even out the arcs: with v points
/// per server the busiest server's share is about 1 + O(√(ln n / v))
/// times the mean.
#[derive(Debug, Clone)]
pub struct Ring {
    names: Vec<String>,
    /// (position, server index), sorted by position.
    points: Vec<(u64, usize)>,
    seed: u64,
}

impl Ring {
    /// A ring of these servers with `vnodes` points each (at least 1).
    pub fn new<S: AsRef<str>>(
        servers: &[S],
        vnodes: usize,
        seed: u64,
    ) -> Result<Self, ModelError> {
        let names = server_names(servers)?;
        if vnodes == 0 {
            return Err(ModelError::TooSmall {
                what: "the number of virtual nodes per server",
                value: 0.0,
                min: 1.0,
            });
        }
        let mut points = Vec::with_capacity(names.len() * vnodes);
        for (i, name) in names.iter().enumerate() {
            for v in 0..vnodes {
                let label = format!("{name}#{v}");
                points.push((hash64(seed, label.as_bytes()), i));
            }
        }
        // Sorting by (position, index) settles a collision the same way
        // on every run.
        points.sort_unstable();
        Ok(Ring {
            names,
            points,
            seed,
        })
    }

    /// Where on the ring the search for `key` starts: the index of the
    /// first point at or after the key's hash, wrapping past the top.
    fn start(&self, key: u64) -> usize {
        let h = hash_key(self.seed, key);
        let i = self.points.partition_point(|&(p, _)| p < h);
        if i == self.points.len() { 0 } else { i }
    }

    /// The servers' indexes in the order a clockwise walk from `key`
    /// meets their points (with repeats).
    fn walk(&self, key: u64) -> impl Iterator<Item = usize> + '_ {
        let start = self.start(key);
        let (before, after) = self.points.split_at(start);
        after.iter().chain(before).map(|&(_, server)| server)
    }
}

impl Placement for Ring {
    fn server_of(&self, key: u64) -> &str {
        &self.names[self.points[self.start(key)].1]
    }

    fn servers(&self) -> &[String] {
        &self.names
    }
}
// ANCHOR_END: ring

// ANCHOR: rendezvous
/// Rendezvous or highest-random-weight hashing (D. G. Thaler and C. V.
/// Ravishankar, "Using name-based mappings to increase hit rates",
/// IEEE/ACM Transactions on Networking 6(1), 1998): every server scores
/// the key, and the highest score wins. When a server leaves, only its
/// keys move, each to the server that scored second for it. A lookup
/// costs n scores.
#[derive(Debug, Clone)]
pub struct Rendezvous {
    names: Vec<String>,
    ids: Vec<u64>,
    seed: u64,
}

impl Rendezvous {
    /// Rendezvous hashing over these servers.
    pub fn new<S: AsRef<str>>(servers: &[S], seed: u64) -> Result<Self, ModelError> {
        let names = server_names(servers)?;
        let ids = names.iter().map(|n| hash64(seed, n.as_bytes())).collect();
        Ok(Rendezvous { names, ids, seed })
    }
}

impl Placement for Rendezvous {
    fn server_of(&self, key: u64) -> &str {
        let k = hash_key(self.seed, key);
        let score = |id: u64| mix64(id ^ k);
        // The highest score; a tie (one in 2^64) goes to the first server.
        let mut best = 0;
        for (i, &id) in self.ids.iter().enumerate().skip(1) {
            if score(id) > score(self.ids[best]) {
                best = i;
            }
        }
        &self.names[best]
    }

    fn servers(&self) -> &[String] {
        &self.names
    }
}
// ANCHOR_END: rendezvous

// ANCHOR: jump
/// Jump consistent hash (J. Lamping and E. Veach, "A fast, minimal memory,
/// consistent hash algorithm", 2014): the bucket, from 0 to n − 1, that a
/// key would reach if buckets were added one at a time and, on each
/// addition to b buckets, the key moved to the new one with probability
/// 1 / b.
///
/// The paper's insight is that the key's *next* move can be found
/// directly: from bucket b the key next jumps to ⌊(b + 1) / r⌋ for a
/// uniform r in (0, 1], so about ln n jumps reach n. The uniform draws
/// here come from splitmix64 seeded by the key, not from the paper's
/// linear congruential generator; any fixed stream per key keeps the
/// scheme consistent. Growing from n to n + 1 buckets moves exactly the
/// keys that land in the new bucket. Only the last bucket can be removed:
/// a server in the middle cannot leave without renumbering the others.
pub fn jump_bucket(key: u64, buckets: u32) -> Result<u32, ModelError> {
    if buckets == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of buckets",
            value: 0.0,
            min: 1.0,
        });
    }
    let n = f64::from(buckets);
    let mut state = key;
    let mut bucket = 0.0_f64;
    loop {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        // 53 random bits, plus one so r is never 0: r in (0, 1].
        let r = ((mix64(state) >> 11) + 1) as f64 / (1u64 << 53) as f64;
        let next = ((bucket + 1.0) / r).floor();
        if next >= n {
            return Ok(bucket as u32);
        }
        bucket = next;
    }
}

/// [`jump_bucket`] as a [`Placement`] over named servers: bucket i is the
/// i-th name.
#[derive(Debug, Clone)]
pub struct Jump {
    names: Vec<String>,
    seed: u64,
}

impl Jump {
    /// Jump hash over these servers (at most 2^32 − 1 of them).
    pub fn new<S: AsRef<str>>(servers: &[S], seed: u64) -> Result<Self, ModelError> {
        let names = server_names(servers)?;
        if u32::try_from(names.len()).is_err() {
            return Err(ModelError::TooLarge {
                what: "the number of servers",
                value: names.len() as f64,
                max: f64::from(u32::MAX),
            });
        }
        Ok(Jump { names, seed })
    }
}

impl Placement for Jump {
    fn server_of(&self, key: u64) -> &str {
        let buckets = self.names.len() as u32;
        // `new` checked that there is at least one bucket.
        let b = jump_bucket(hash_key(self.seed, key), buckets).unwrap_or(0);
        &self.names[b as usize]
    }

    fn servers(&self) -> &[String] {
        &self.names
    }
}
// ANCHOR_END: jump

/// Whether `n` is prime, by trial division (tables are small).
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

/// The smallest prime at or above `n`.
pub fn next_prime(n: u64) -> u64 {
    (n.max(2)..).find(|&p| is_prime(p)).unwrap_or(n)
}

// ANCHOR: maglev
/// Maglev hashing (D. E. Eisenbud et al., "Maglev: a fast and reliable
/// software network load balancer", NSDI 2016): a lookup table of a prime
/// size M, filled so that each server holds M/n entries, give or take one.
///
/// Each server has its own permutation of the M slots, from two hashes
/// of its name: slot j of its list is (offset + j · skip) mod M, with skip
/// in 1..M, which visits every slot because M is prime. The servers take
/// turns claiming their next still-free slot until the table is full. A
/// key is served by `table[hash(key) mod M]`. The paper recommends M well
/// above n (about 100·n or more), which [`Maglev::new`] picks; when a
/// server leaves, its slots are claimed by others, and the turns shift a
/// few other slots too, so slightly more than its share of keys moves.
#[derive(Debug, Clone)]
pub struct Maglev {
    names: Vec<String>,
    table: Vec<usize>,
    seed: u64,
}

impl Maglev {
    /// A Maglev table for these servers, of the smallest prime size at
    /// least 100 times the number of servers.
    pub fn new<S: AsRef<str>>(servers: &[S], seed: u64) -> Result<Self, ModelError> {
        let size = next_prime(100 * servers.len().max(1) as u64);
        Maglev::with_size(servers, size, seed)
    }

    /// A Maglev table of `size` entries: a prime, at least the number of
    /// servers (so each can claim one), and at most 2^28 (a table of 2 GiB).
    pub fn with_size<S: AsRef<str>>(
        servers: &[S],
        size: u64,
        seed: u64,
    ) -> Result<Self, ModelError> {
        let names = server_names(servers)?;
        let n = names.len() as u64;
        if size < n.max(2) || size > 1 << 28 {
            let why = format!(
                "a Maglev table of {size} entries for {n} servers; it needs from \
                 max(2, n) to 2^28 entries"
            );
            return Err(ModelError::Inconsistent { why });
        }
        if !is_prime(size) {
            return Err(ModelError::Inconsistent {
                why: format!("a Maglev table of {size} entries; the size must be prime"),
            });
        }
        let m = size as usize;
        let lists: Vec<(u64, u64)> = names
            .iter()
            .map(|name| {
                let offset = hash64(seed, name.as_bytes()) % size;
                let skip = hash64(seed ^ 0x5eed, name.as_bytes()) % (size - 1) + 1;
                (offset, skip)
            })
            .collect();
        let mut next = vec![0u64; lists.len()];
        let mut table = vec![usize::MAX; m];
        let mut filled = 0;
        'fill: loop {
            for (server, &(offset, skip)) in lists.iter().enumerate() {
                // This server's next preferred slot that is still free.
                let slot = loop {
                    let j = next[server];
                    next[server] += 1;
                    let slot = ((offset + j % size * skip) % size) as usize;
                    if table[slot] == usize::MAX {
                        break slot;
                    }
                };
                table[slot] = server;
                filled += 1;
                if filled == m {
                    break 'fill;
                }
            }
        }
        Ok(Maglev { names, table, seed })
    }

    /// How many table entries each server holds, in the servers' order.
    pub fn entries(&self) -> Vec<usize> {
        let mut counts = vec![0; self.names.len()];
        for &s in &self.table {
            counts[s] += 1;
        }
        counts
    }

    /// The table's size M.
    pub fn size(&self) -> usize {
        self.table.len()
    }
}

impl Placement for Maglev {
    fn server_of(&self, key: u64) -> &str {
        let slot = hash_key(self.seed, key) % self.table.len() as u64;
        &self.names[self.table[slot as usize]]
    }

    fn servers(&self) -> &[String] {
        &self.names
    }
}
// ANCHOR_END: maglev

// ANCHOR: bounded
/// Consistent hashing with bounded loads (V. Mirrokni, M. Thorup and M.
/// Zadimoghaddam, "Consistent hashing with bounded loads", SODA 2018): a
/// [`Ring`] where no server holds more than ⌈(1 + ε) · m / n⌉ keys, for m
/// keys placed (the new one included). A key walks clockwise from its hash
/// past servers that are full. Since n servers with that cap have room
/// for more than m keys, the walk always ends.
///
/// Unlike the other schemes it has state: where a key goes depends on the
/// keys placed before it. Google Cloud Pub/Sub and Vimeo's HAProxy use it
/// for caches that must not overload one server.
#[derive(Debug, Clone)]
pub struct BoundedLoads {
    ring: Ring,
    epsilon: f64,
    loads: Vec<u64>,
    placed: u64,
}

impl BoundedLoads {
    /// An empty placement over a ring of these servers, `vnodes` points
    /// each, with the slack `epsilon` (finite and above 0).
    pub fn new<S: AsRef<str>>(
        servers: &[S],
        vnodes: usize,
        epsilon: f64,
        seed: u64,
    ) -> Result<Self, ModelError> {
        let epsilon = positive("the load slack ε", epsilon)?;
        let ring = Ring::new(servers, vnodes, seed)?;
        let loads = vec![0; ring.names.len()];
        Ok(BoundedLoads {
            ring,
            epsilon,
            loads,
            placed: 0,
        })
    }

    /// The most keys a server may hold once `placed` keys are placed:
    /// ⌈(1 + ε) · placed / n⌉.
    pub fn cap(&self, placed: u64) -> u64 {
        let n = self.loads.len() as f64;
        ((1.0 + self.epsilon) * placed as f64 / n).ceil() as u64
    }

    /// Places one more key and returns its server. Placing a key twice
    /// counts it twice.
    pub fn place(&mut self, key: u64) -> &str {
        self.placed += 1;
        let cap = self.cap(self.placed);
        let loads = &self.loads;
        // Some server is below the cap: the walk finds it.
        let server = self.ring.walk(key).find(|&s| loads[s] < cap).unwrap_or(0);
        self.loads[server] += 1;
        &self.ring.names[server]
    }

    /// The keys each server holds, in the servers' order.
    pub fn loads(&self) -> &[u64] {
        &self.loads
    }

    /// The servers' names, in the order given.
    pub fn servers(&self) -> &[String] {
        &self.ring.names
    }
}
// ANCHOR_END: bounded

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_stable() {
        // Fixed forever: a change here moves every key in every ring.
        assert_eq!(mix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(hash64(0, b""), mix64(0xcbf2_9ce4_8422_2325 ^ mix64(0)));
        assert_ne!(hash64(0, b"a"), hash64(1, b"a"));
        assert_ne!(hash64(0, b"ab"), hash64(0, b"ba"));
    }

    #[test]
    fn jump_spreads_keys_evenly() {
        let mut counts = [0u32; 7];
        for key in 0..70_000u64 {
            counts[jump_bucket(mix64(key), 7).unwrap() as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(jump_bucket(5, 1), Ok(0));
        assert!(jump_bucket(5, 0).is_err());
    }

    #[test]
    fn primes() {
        assert_eq!(next_prime(1000), 1009);
        assert_eq!(next_prime(100), 101);
        assert_eq!(next_prime(0), 2);
        assert!(!is_prime(1) && is_prime(2) && !is_prime(1001));
    }
}
