//! Exercise: consistent hashing with bounded loads (chapter 4.2).
//!
//! Plain consistent hashing sends each key to the first server clockwise
//! from the key's point on a ring of virtual nodes, and a popular key range
//! can pile onto one server. With bounded loads (Mirrokni, Thorup and
//! Zadimoghaddam, 2018) no server may hold more than ⌈(1 + ε)·m / n⌉ of the
//! m keys placed on the n servers: a key whose first server is full walks
//! on clockwise to the first server below that cap.
//!
//! The ring, the hash, `place` and `remove` are written. Write the two
//! parts they call: `cap_for`, the cap for a number of keys, and `walk`,
//! the clockwise walk past full servers. Replace their `todo!`s until
//! `cargo test --test exercises_load_balancing -- --ignored starter`
//! passes. Keep your code between the `solve_*` anchors: outside them this
//! file must stay the same as the reference solution,
//! `solutions/bounded_loads.rs`.

// ANCHOR: exercise
use crate::support::error::ModelError;
use std::collections::{HashMap, HashSet};

// ANCHOR: hash
/// The seed of [`stable_hash`] (the first digits of π): change it and every
/// placement changes.
const SEED: u64 = 0x243F_6A88_85A3_08D3;
const FNV_OFFSET: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

/// A 64-bit hash of `bytes` that is the same on every machine and in every
/// Rust release: FNV-1a from a seeded start, then splitmix64's finaliser to
/// spread FNV's weak low bits over the whole word. std's `DefaultHasher`
/// promises no such thing, so a ring built on it could move every key when
/// the toolchain is upgraded.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET ^ SEED;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    splitmix64(h)
}

/// splitmix64's finaliser: a bijection on `u64` in which every output bit
/// depends on every input bit.
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Where virtual node `i` of `server` sits on the ring: the hash of
/// `"{server}#{i}"`, so the key with that name sits exactly on it. It
/// depends on the server's name and `i` only, so a server keeps its points
/// when others join or leave.
pub fn vnode_point(server: &str, i: usize) -> u64 {
    stable_hash(format!("{server}#{i}").as_bytes())
}

/// Where `key` sits on the ring.
pub fn key_point(key: &str) -> u64 {
    stable_hash(key.as_bytes())
}
// ANCHOR_END: hash

/// The most points [`BoundedRing::new`] builds (servers × virtual nodes),
/// 16 bytes each: 2^24 points take 256 MiB.
pub const MAX_POINTS: usize = 1 << 24;

// ANCHOR: ring
/// Consistent hashing with bounded loads: a ring of virtual nodes on which
/// no server holds more than ⌈(1 + ε)·m / n⌉ of the m keys placed.
///
/// Plain consistent hashing sends a key to the first server clockwise from
/// the key's point. Here a key whose first server is full walks on
/// clockwise to the first server below the cap. Removing keys can lower
/// the cap; a server left above it sheds its newest keys, which walk on
/// the same way. At every moment between calls, every server holds at most
/// [`BoundedRing::cap`] keys.
#[derive(Debug, Clone)]
pub struct BoundedRing {
    servers: Vec<String>,
    /// The virtual nodes in clockwise order: (point, index into `servers`).
    points: Vec<(u64, usize)>,
    epsilon: f64,
    /// Each server's keys, oldest first.
    keys: Vec<Vec<String>>,
    /// The server of each placed key.
    placed: HashMap<String, usize>,
}
// ANCHOR_END: ring

impl BoundedRing {
    // ANCHOR: new
    /// A ring with `vnodes` virtual nodes for each of `servers`, on which no
    /// server may hold more than ⌈(1 + ε)·m / n⌉ keys, with ε = `epsilon`.
    ///
    /// # Errors
    /// [`ModelError`] if `servers` is empty or names a server twice,
    /// `vnodes` is 0, the ring would have more than [`MAX_POINTS`] points,
    /// or `epsilon` is not a finite number above 0.
    pub fn new<S: AsRef<str>>(
        servers: &[S],
        vnodes: usize,
        epsilon: f64,
    ) -> Result<Self, ModelError> {
        if servers.is_empty() {
            return Err(ModelError::Empty { what: "servers" });
        }
        if vnodes == 0 {
            return Err(ModelError::TooSmall {
                what: "virtual nodes per server",
                value: 0.0,
                min: 1.0,
            });
        }
        let total = servers
            .len()
            .checked_mul(vnodes)
            .filter(|&t| t <= MAX_POINTS);
        let Some(total) = total else {
            return Err(ModelError::TooLarge {
                what: "servers × virtual nodes",
                value: servers.len() as f64 * vnodes as f64,
                max: MAX_POINTS as f64,
            });
        };
        if !epsilon.is_finite() {
            return Err(ModelError::NotFinite {
                what: "epsilon",
                value: epsilon,
            });
        }
        if epsilon <= 0.0 {
            // `min: MIN_POSITIVE` reads "it must be greater than 0".
            return Err(ModelError::TooSmall {
                what: "epsilon",
                value: epsilon,
                min: f64::MIN_POSITIVE,
            });
        }
        let servers: Vec<String> =
            servers.iter().map(|s| s.as_ref().to_owned()).collect();
        let mut seen = HashSet::new();
        if let Some(twice) = servers.iter().find(|s| !seen.insert(s.as_str())) {
            return Err(ModelError::Inconsistent {
                why: format!("server {twice:?} is listed twice"),
            });
        }

        let mut points = Vec::with_capacity(total);
        for (s, name) in servers.iter().enumerate() {
            points.extend((0..vnodes).map(|i| (vnode_point(name, i), s)));
        }
        // Clockwise order. Two servers on one point (a 64-bit collision) are
        // ordered by name, so the ring is the same whatever order the
        // servers were listed in.
        points.sort_unstable_by(|a, b| (a.0, &servers[a.1]).cmp(&(b.0, &servers[b.1])));
        Ok(BoundedRing {
            keys: vec![Vec::new(); servers.len()],
            servers,
            points,
            epsilon,
            placed: HashMap::new(),
        })
    }
    // ANCHOR_END: new

    /// The servers, in the order they were given; [`Self::loads`] follows it.
    pub fn servers(&self) -> &[String] {
        &self.servers
    }

    /// ε: each server may hold up to 1 + ε times the average load.
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// How many keys are placed (m).
    pub fn len(&self) -> usize {
        self.placed.len()
    }

    /// Whether no key is placed.
    pub fn is_empty(&self) -> bool {
        self.placed.is_empty()
    }

    /// How many keys each server holds, in the order of [`Self::servers`].
    pub fn loads(&self) -> Vec<usize> {
        self.keys.iter().map(Vec::len).collect()
    }

    /// The server that holds `key`, if it is placed.
    pub fn server_of(&self, key: &str) -> Option<&str> {
        self.placed.get(key).map(|&s| self.servers[s].as_str())
    }

    /// The cap now: the most keys a server may hold with [`Self::len`] keys
    /// placed.
    pub fn cap(&self) -> usize {
        self.cap_for(self.len())
    }

    // ANCHOR: cap
    /// The most keys one server may hold while `keys` keys are placed on
    /// the n servers: ⌈(1 + ε)·keys / n⌉, computed in `f64` in that order,
    /// `((1.0 + ε) * keys as f64 / n as f64).ceil()`. A cap too large for a
    /// `usize` is `usize::MAX`.
    pub fn cap_for(&self, keys: usize) -> usize {
        // ANCHOR: solve_cap
        todo!("the cap ⌈(1 + ε)·keys / n⌉, computed in f64")
        // ANCHOR_END: solve_cap
    }
    // ANCHOR_END: cap

    // ANCHOR: walk
    /// The server for a key at `point` when no server may hold more than
    /// `cap` keys: the first server clockwise from `point` whose load is
    /// below `cap`. Clockwise from `point` means the first virtual node at
    /// or after `point`, then the next ones, wrapping past the largest
    /// point to the smallest. Returns the server's index in
    /// [`Self::servers`]. The callers make sure that some server is below
    /// `cap`, so the walk always ends within one turn of the ring.
    fn walk(&self, point: u64, cap: usize) -> usize {
        // ANCHOR: solve_walk
        todo!("the first server clockwise from `point` whose load is below `cap`")
        // ANCHOR_END: solve_walk
    }
    // ANCHOR_END: walk

    // ANCHOR: place
    /// Places `key` and returns its server. A key already placed stays where
    /// it is.
    pub fn place(&mut self, key: &str) -> &str {
        let server = match self.placed.get(key) {
            Some(&server) => server,
            None => {
                // The new key counts: with it, m + 1 keys are placed, and
                // n·⌈(1 + ε)(m + 1)/n⌉ > m, so some server has room.
                let cap = self.cap_for(self.len() + 1);
                let server = self.walk(key_point(key), cap);
                self.keys[server].push(key.to_owned());
                self.placed.insert(key.to_owned(), server);
                server
            }
        };
        &self.servers[server]
    }
    // ANCHOR_END: place

    // ANCHOR: remove
    /// Removes `key` and returns the server it was on, or `None` if it was
    /// not placed.
    ///
    /// With one key fewer the cap can drop. Each server left above the new
    /// cap sheds its newest keys, and each walks on clockwise from its own
    /// point to a server below the cap, as a new key would.
    pub fn remove(&mut self, key: &str) -> Option<&str> {
        let server = self.placed.remove(key)?;
        self.keys[server].retain(|k| k != key);
        let cap = self.cap();
        for over in 0..self.servers.len() {
            let excess = self.keys[over].len().saturating_sub(cap);
            for _ in 0..excess {
                let Some(moving) = self.keys[over].pop() else {
                    break;
                };
                // `moving` is on no server now: the others hold m - 1 keys,
                // fewer than n·cap, and `over` is full, so it walks past it.
                let to = self.walk(key_point(&moving), cap);
                self.placed.insert(moving.clone(), to);
                self.keys[to].push(moving);
            }
        }
        Some(&self.servers[server])
    }
    // ANCHOR_END: remove
}
// ANCHOR_END: exercise
