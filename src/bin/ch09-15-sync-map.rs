//! Go-to-Rust quick reference: `sync.Map` and a `HashMap` behind a lock.
//!
//! Run: `cargo run --bin ch09-15-sync-map`
//!
//! Four threads race to store the same three keys, as a cache that only
//! grows does: first with `RwLock<HashMap>`, then with `Mutex<HashMap>`. Its
//! Go twin is `go/ch09-15-sync-map`; it prints the first two lines.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::thread;

const KEYS: [&str; 3] = ["a", "b", "c"];

// ANCHOR: rwlock
/// Go's `LoadOrStore`: the value already there and `true`, or `value`,
/// stored, and `false`.
fn load_or_store(
    map: &RwLock<HashMap<String, u32>>,
    key: &str,
    value: u32,
) -> (u32, bool) {
    if let Some(&v) = map.read().unwrap().get(key) {
        return (v, true); // the common case: any number of readers at once
    }
    // Another thread may store the key between the two locks: `entry`
    // looks again, under the write lock.
    match map.write().unwrap().entry(key.to_string()) {
        Entry::Occupied(e) => (*e.get(), true),
        Entry::Vacant(e) => (*e.insert(value), false),
    }
}
// ANCHOR_END: rwlock

/// Has four threads call `store` on each key; returns (stored, found).
fn race(store: impl Fn(&str, u32) -> bool + Sync) -> (usize, usize) {
    let (stored, found) = (AtomicUsize::new(0), AtomicUsize::new(0));
    thread::scope(|s| {
        for w in 1..=4 {
            let (store, stored, found) = (&store, &stored, &found);
            s.spawn(move || {
                for key in KEYS {
                    let counter = if store(key, w) { found } else { stored };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    (stored.into_inner(), found.into_inner())
}

fn main() {
    let cache = RwLock::new(HashMap::new());
    let (stored, found) = race(|key, w| load_or_store(&cache, key, w).1);
    println!("4 workers, 3 keys: {stored} stored, {found} found already there");
    let mut keys: Vec<String> = cache.into_inner().unwrap().into_keys().collect();
    keys.sort();
    println!("keys: [{}]", keys.join(", "));

    // ANCHOR: mutex
    let cache: Mutex<HashMap<String, u32>> = Mutex::new(HashMap::new());
    // The guard is a temporary of the `match`: it is held to the match's
    // end, so the look-up and the store happen under one lock.
    let (stored, found) = race(|key, w| match cache.lock().unwrap().entry(key.into()) {
        Entry::Occupied(_) => true,
        Entry::Vacant(e) => {
            e.insert(w);
            false
        }
    });
    // ANCHOR_END: mutex
    println!("Mutex<HashMap> and entry(): {stored} stored, {found} found already there");
}
