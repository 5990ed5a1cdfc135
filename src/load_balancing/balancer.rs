//! The balancer's shared state: what every request reads and writes on its
//! way to a server, and what loom checks (`loom/tests/load_balancing.rs`).
//!
//! - [`InFlight`] counts the requests outstanding on each server. A request
//!   raises its server's count when it is sent ([`InFlight::start`]) and the
//!   returned [`InFlightGuard`] lowers it when dropped: when the response
//!   arrives, when the request fails, and when its future is dropped half
//!   way (a cancelled request). In Go this is `atomic.AddInt64(&n, 1)` with
//!   a `defer atomic.AddInt64(&n, -1)`; forgetting the `defer` is the bug
//!   that `Drop` rules out.
//! - [`Cursor`] hands out round-robin positions with one `fetch_add`.
//! - [`pick_two`] is the power of two choices over those counts.
//! - [`PeakEwma`] is the latency estimate tower's peak-EWMA balancer uses.
//!
//! Beside them, the two bugs the page warns about, kept so loom can show
//! them: [`RacyInFlight`] updates a count by a load and a store, and loses an
//! update; [`RacyCursor`] advances by a load and a store, and gives two
//! requests the same position.

use crate::sync::Arc;
use crate::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

// ANCHOR: in_flight
/// Requests outstanding per server. Cloning it is cheap and every clone
/// shares the same counts, like an `Arc` (which is what it holds).
#[derive(Debug, Clone)]
pub struct InFlight {
    counts: Arc<Vec<AtomicUsize>>,
}

/// One request outstanding on one server; dropping it ends the request.
#[derive(Debug)]
#[must_use = "the request counts as outstanding only while the guard lives"]
pub struct InFlightGuard {
    counts: InFlight,
    server: usize,
}

impl InFlight {
    /// Zero requests outstanding on each of `servers` servers.
    pub fn new(servers: usize) -> Self {
        InFlight {
            counts: Arc::new((0..servers).map(|_| AtomicUsize::new(0)).collect()),
        }
    }

    /// Counts a request as outstanding on `server` until the guard drops.
    ///
    /// # Panics
    /// If `server` is not one of this balancer's servers (a bug in the
    /// caller, never a result of bad input).
    pub fn start(&self, server: usize) -> InFlightGuard {
        self.counts[server].fetch_add(1, Ordering::Relaxed);
        InFlightGuard {
            counts: self.clone(),
            server,
        }
    }

    /// Requests outstanding on `server` now.
    pub fn get(&self, server: usize) -> usize {
        self.counts[server].load(Ordering::Relaxed)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.counts.counts[self.server].fetch_sub(1, Ordering::Relaxed);
    }
}
// ANCHOR_END: in_flight

impl InFlight {
    /// How many servers this balancer counts for.
    pub fn servers(&self) -> usize {
        self.counts.len()
    }

    /// Every server's count, read one after another (not one instant).
    pub fn snapshot(&self) -> Vec<usize> {
        self.counts
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect()
    }
}

impl InFlightGuard {
    /// The server this request went to.
    pub fn server(&self) -> usize {
        self.server
    }
}

/// The bug: a count raised and lowered by a load and then a store.
///
/// Two requests that end at the same time both read 2 and both store 1: the
/// count stays one too high for good, and every lost decrement adds one
/// more, so a least-outstanding balancer sends the server less and less. It
/// is Go's `n[i].Store(n[i].Load() - 1)` on an `atomic.Int64`: each call is
/// atomic, the pair is not, and the race detector has nothing to report;
/// only a model checker (or bad luck in production) shows it.
#[derive(Debug, Clone)]
pub struct RacyInFlight {
    counts: Arc<Vec<AtomicUsize>>,
}

/// The racy twin of [`InFlightGuard`].
#[derive(Debug)]
#[must_use = "the request counts as outstanding only while the guard lives"]
pub struct RacyGuard {
    counts: RacyInFlight,
    server: usize,
}

impl RacyInFlight {
    /// Zero requests outstanding on each of `servers` servers.
    pub fn new(servers: usize) -> Self {
        RacyInFlight {
            counts: Arc::new((0..servers).map(|_| AtomicUsize::new(0)).collect()),
        }
    }

    /// Raises the count by a load and a store (the bug).
    pub fn start(&self, server: usize) -> RacyGuard {
        let seen = self.counts[server].load(Ordering::Relaxed);
        self.counts[server].store(seen + 1, Ordering::Relaxed);
        RacyGuard {
            counts: self.clone(),
            server,
        }
    }

    /// Requests outstanding on `server`, as far as this counter knows.
    pub fn get(&self, server: usize) -> usize {
        self.counts[server].load(Ordering::Relaxed)
    }
}

// ANCHOR: racy_drop
impl Drop for RacyGuard {
    fn drop(&mut self) {
        let count = &self.counts.counts[self.server];
        // The bug: another request can end between this load and the store.
        let seen = count.load(Ordering::Relaxed);
        count.store(seen.saturating_sub(1), Ordering::Relaxed);
    }
}
// ANCHOR_END: racy_drop

// ANCHOR: cursor
/// Round robin shared by every task: each call takes the next position.
#[derive(Debug, Default)]
pub struct Cursor {
    next: AtomicUsize,
}

impl Cursor {
    /// A cursor whose first position is 0.
    pub fn new() -> Self {
        Cursor::default()
    }

    /// The server for the next request, out of `servers`; `None` for none.
    pub fn next(&self, servers: usize) -> Option<usize> {
        if servers == 0 {
            return None;
        }
        // One atomic read-modify-write: no two callers see the same value.
        // It wraps at usize::MAX, which only shifts the rotation once.
        Some(self.next.fetch_add(1, Ordering::Relaxed) % servers)
    }
}
// ANCHOR_END: cursor

/// The bug: a cursor advanced by a load and then a store, so two requests
/// that arrive together read the same position and go to the same server.
#[derive(Debug, Default)]
pub struct RacyCursor {
    next: AtomicUsize,
}

impl RacyCursor {
    /// A cursor whose first position is 0.
    pub fn new() -> Self {
        RacyCursor::default()
    }

    /// The server for the next request, by a load and a store (the bug).
    pub fn next(&self, servers: usize) -> Option<usize> {
        if servers == 0 {
            return None;
        }
        let seen = self.next.load(Ordering::Relaxed);
        self.next.store(seen.wrapping_add(1), Ordering::Relaxed);
        Some(seen % servers)
    }
}

// ANCHOR: pick_two
/// Two distinct servers out of `servers`, drawn uniformly (`None` for none;
/// with one server both are server 0).
pub fn sample_two<R: rand::Rng + ?Sized>(
    rng: &mut R,
    servers: usize,
) -> Option<(usize, usize)> {
    match servers {
        0 => None,
        1 => Some((0, 0)),
        n => {
            let a = rng.random_range(0..n);
            // Draw from the n - 1 others and skip over `a`: distinct, and
            // still uniform over the pairs.
            let b = rng.random_range(0..n - 1);
            Some((a, if b >= a { b + 1 } else { b }))
        }
    }
}

/// The power of two choices: of two sampled servers, the one with the
/// lower load; a tie goes to the first, as in tower's `p2c`.
pub fn pick_two<R, L>(rng: &mut R, servers: usize, load: L) -> Option<usize>
where
    R: rand::Rng + ?Sized,
    L: Fn(usize) -> f64,
{
    let (a, b) = sample_two(rng, servers)?;
    Some(if load(b) < load(a) { b } else { a })
}
// ANCHOR_END: pick_two

// ANCHOR: peak_ewma
/// A latency estimate that jumps to every new peak at once and decays
/// toward lower samples with time constant `tau` (tower's `PeakEwma`).
///
/// Its cost for a new request is the estimate times the requests already
/// outstanding plus one: a slow server looks expensive even when idle, and
/// a fast one expensive when it is queueing.
#[derive(Debug, Clone)]
pub struct PeakEwma {
    estimate: Duration,
    tau: Duration,
}

impl PeakEwma {
    /// An estimate that starts at `initial` and decays with `tau`.
    pub fn new(initial: Duration, tau: Duration) -> Self {
        PeakEwma {
            estimate: initial,
            tau,
        }
    }

    /// Takes a round-trip sample `rtt`, `since_last` after the previous one.
    pub fn observe(&mut self, rtt: Duration, since_last: Duration) {
        if rtt >= self.estimate {
            self.estimate = rtt;
            return;
        }
        let tau = self.tau.as_secs_f64();
        // A zero tau forgets at once; otherwise weight the old estimate by
        // e^(-elapsed / tau).
        let keep = if tau > 0.0 {
            (-since_last.as_secs_f64() / tau).exp()
        } else {
            0.0
        };
        let blended =
            self.estimate.as_secs_f64() * keep + rtt.as_secs_f64() * (1.0 - keep);
        self.estimate = Duration::from_secs_f64(blended);
    }

    /// The current estimate.
    pub fn estimate(&self) -> Duration {
        self.estimate
    }

    /// The cost of sending one more request to a server with `outstanding`.
    pub fn cost(&self, outstanding: usize) -> f64 {
        self.estimate.as_secs_f64() * (outstanding as f64 + 1.0)
    }
}
// ANCHOR_END: peak_ewma

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn guards_raise_and_lower_their_own_server() {
        let counts = InFlight::new(3);
        let a = counts.start(1);
        let b = counts.start(1);
        let c = counts.start(2);
        assert_eq!(counts.snapshot(), vec![0, 2, 1]);
        assert_eq!((counts.get(0), counts.get(1), counts.get(2)), (0, 2, 1));
        assert_eq!((a.server(), c.server()), (1, 2));
        drop(b);
        assert_eq!(counts.snapshot(), vec![0, 1, 1]);
        drop((a, c));
        assert_eq!(counts.snapshot(), vec![0, 0, 0]);
        assert_eq!(counts.servers(), 3);
    }

    #[test]
    fn the_racy_counter_counts_right_when_alone() {
        // Sequentially it is correct: the bug needs two threads (loom).
        let counts = RacyInFlight::new(2);
        let a = counts.start(0);
        let b = counts.start(0);
        assert_eq!(counts.get(0), 2);
        drop(a);
        assert_eq!(counts.get(0), 1);
        drop(b);
        assert_eq!(counts.get(0), 0);
    }

    #[test]
    fn cursors_rotate_and_refuse_no_servers() {
        let good = Cursor::new();
        let racy = RacyCursor::new();
        let a: Vec<_> = (0..7).map(|_| good.next(3).unwrap()).collect();
        let b: Vec<_> = (0..7).map(|_| racy.next(3).unwrap()).collect();
        assert_eq!(a, vec![0, 1, 2, 0, 1, 2, 0]);
        assert_eq!(a, b);
        assert_eq!(good.next(0), None);
        assert_eq!(racy.next(0), None);
    }

    #[test]
    fn two_samples_are_distinct_and_cover_every_pair() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = std::collections::BTreeMap::new();
        for _ in 0..6000 {
            let (a, b) = sample_two(&mut rng, 3).unwrap();
            assert_ne!(a, b);
            *seen.entry((a, b)).or_insert(0u32) += 1;
        }
        // Six ordered pairs, each about 1000 times.
        assert_eq!(seen.len(), 6);
        assert!(seen.values().all(|&n| (850..1150).contains(&n)), "{seen:?}");
        assert_eq!(sample_two(&mut rng, 1), Some((0, 0)));
        assert_eq!(sample_two(&mut rng, 0), None);
    }

    #[test]
    fn two_choices_never_picks_the_busier_of_its_pair() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let loads = [5.0, 0.0, 9.0, 0.0];
        let mut picked = [0u32; 4];
        for _ in 0..4000 {
            picked[pick_two(&mut rng, 4, |i| loads[i]).unwrap()] += 1;
        }
        // Server 2 is the busiest: it wins no pair. Server 0 wins only
        // against 2 (1/6 of pairs); the idle ones win the rest.
        assert_eq!(picked[2], 0);
        assert!((500..850).contains(&picked[0]), "{picked:?}");
        assert!(picked[1] > 1400 && picked[3] > 1400, "{picked:?}");
        assert_eq!(pick_two(&mut rng, 0, |_| 0.0), None);
    }

    #[test]
    fn a_tie_goes_to_the_first_sample() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100 {
            let mut probe = rng.clone();
            let (a, _) = sample_two(&mut probe, 5).unwrap();
            assert_eq!(pick_two(&mut rng, 5, |_| 1.0), Some(a));
        }
    }

    #[test]
    fn peak_ewma_jumps_up_and_decays_down() {
        let ms = Duration::from_millis;
        let mut e = PeakEwma::new(ms(10), ms(100));
        e.observe(ms(50), ms(1));
        assert_eq!(e.estimate(), ms(50), "a peak is taken at once");
        e.observe(ms(10), ms(100));
        // One tau later the old estimate weighs e^-1: 10 + 40/e = 24.7 ms.
        let got = e.estimate().as_secs_f64() * 1000.0;
        assert!((got - 24.715).abs() < 0.01, "{got}");
        e.observe(ms(10), Duration::from_secs(100));
        assert!(e.estimate() < ms(11), "long after, the sample dominates");
        let mut instant = PeakEwma::new(ms(30), Duration::ZERO);
        instant.observe(ms(5), Duration::ZERO);
        assert_eq!(instant.estimate(), ms(5));
        assert_eq!(instant.cost(0), 0.005);
        assert_eq!(instant.cost(3), 0.02);
    }
}
