//! CPU-bound work, three ways: one thread, hand-split scoped threads, rayon.
//!
//! The job is to count the primes below a limit by trial division. It is
//! pure computation with a fixed answer (there are 78 498 primes below one
//! million), so the three versions must agree exactly and only their speed
//! may differ. The work is also uneven: testing a large prime takes many
//! more divisions than testing a small one, so the upper half of the range
//! costs more than the lower half. That unevenness is what separates a
//! fixed split of the range from rayon's work stealing.
//!
//! None of this code shares mutable state: each thread counts its own part
//! and the parts are added at the end. So it needs no locks and no loom
//! model, and it uses `std::thread` directly rather than the sync shim.

use rayon::prelude::*;
use std::panic::{self, AssertUnwindSafe};
use std::thread;

// ANCHOR: is_prime
/// Whether `n` is prime, by trial division with odd divisors up to √n.
///
/// `d <= n / d` is `d * d <= n` without the overflow near `u64::MAX`.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut d = 3;
    while d <= n / d {
        if n % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}
// ANCHOR_END: is_prime

// ANCHOR: sequential
/// Counts the primes in `0..limit` on the calling thread.
pub fn count_primes_sequential(limit: u64) -> u64 {
    (0..limit).filter(|&n| is_prime(n)).count() as u64
}
// ANCHOR_END: sequential

// ANCHOR: threads
/// Counts the primes in `0..limit` by cutting the range into `threads`
/// equal slices, one scoped thread per slice, and adding the counts.
///
/// This is the worker pool a Go programmer writes by hand: one goroutine
/// per core, each given a fixed share. `threads` of 0 is treated as 1.
pub fn count_primes_threads(limit: u64, threads: usize) -> u64 {
    let threads = threads.max(1) as u64;
    let slice = limit.div_ceil(threads);
    thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let start = (t * slice).min(limit);
                let end = (start + slice).min(limit);
                s.spawn(move || count_primes_in(start, end))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a counting thread panicked"))
            .sum()
    })
}
// ANCHOR_END: threads

/// Counts the primes in `start..end` on the calling thread.
pub fn count_primes_in(start: u64, end: u64) -> u64 {
    (start..end).filter(|&n| is_prime(n)).count() as u64
}

// ANCHOR: rayon
/// Counts the primes in `0..limit` with rayon, on the current rayon pool
/// (the global one, or the one installed with `ThreadPool::install`).
pub fn count_primes_rayon(limit: u64) -> u64 {
    (0..limit).into_par_iter().filter(|&n| is_prime(n)).count() as u64
}
// ANCHOR_END: rayon

// ANCHOR: from_async
/// Counts primes from async code without stalling the runtime: the work
/// runs on tokio's pool of blocking threads while the calling task awaits.
pub async fn count_primes_spawn_blocking(limit: u64) -> u64 {
    tokio::task::spawn_blocking(move || count_primes_sequential(limit))
        .await
        .expect("the counting thread panicked")
}

/// The same, handed to rayon's pool so that it also runs in parallel.
pub async fn count_primes_via_rayon(limit: u64) -> u64 {
    on_rayon(move || count_primes_rayon(limit)).await
}

/// Runs `job` on rayon's global pool; a oneshot channel carries the answer
/// back to the waiting task. A panic in `job` is raised again here.
pub async fn on_rayon<R: Send + 'static>(job: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // A panic that escapes a `rayon::spawn` job aborts the process
        // (unless the pool has a panic handler), so catch it and send it on.
        let outcome = panic::catch_unwind(AssertUnwindSafe(job));
        let _ = tx.send(outcome); // the receiver may be gone
    });
    match rx.await.expect("the job sends its outcome before it ends") {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    }
}
// ANCHOR_END: from_async

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, slowly: no divisor between 2 and n - 1.
    fn is_prime_naive(n: u64) -> bool {
        n >= 2 && (2..n).all(|d| n % d != 0)
    }

    #[test]
    fn small_numbers_are_classified_correctly() {
        let primes: Vec<u64> = (0..30).filter(|&n| is_prime(n)).collect();
        assert_eq!(primes, [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    }

    #[test]
    fn larger_numbers_are_classified_correctly() {
        assert!(is_prime(4_294_967_291)); // the largest prime below 2^32
        assert!(!is_prime(4_294_967_297)); // 2^32 + 1 = 641 x 6 700 417
        assert!(!is_prime(u64::MAX)); // divisible by 3
    }

    #[test]
    fn known_prime_counts() {
        // pi(x), the number of primes up to x, from any table of it.
        for (limit, count) in [
            (0, 0),
            (1, 0),
            (2, 0),
            (3, 1),
            (10, 4),
            (100, 25),
            (1_000, 168),
            (10_000, 1_229),
            (100_000, 9_592),
        ] {
            assert_eq!(count_primes_sequential(limit), count, "below {limit}");
            assert_eq!(count_primes_threads(limit, 3), count, "below {limit}");
            assert_eq!(count_primes_rayon(limit), count, "below {limit}");
        }
    }

    #[test]
    fn async_callers_get_the_same_answer() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        assert_eq!(rt.block_on(count_primes_spawn_blocking(10_000)), 1_229);
        assert_eq!(rt.block_on(count_primes_via_rayon(10_000)), 1_229);
    }

    #[test]
    #[should_panic(expected = "the job panicked on purpose")]
    fn a_panic_on_rayon_reaches_the_awaiting_task() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        // Without catch_unwind in `on_rayon` this would abort the whole test
        // binary instead of failing this one test with the job's message.
        rt.block_on(on_rayon(|| -> u64 {
            panic!("the job panicked on purpose")
        }));
    }

    #[test]
    fn zero_threads_means_one() {
        assert_eq!(count_primes_threads(1_000, 0), 168);
    }

    #[test]
    fn more_threads_than_numbers_is_fine() {
        assert_eq!(count_primes_threads(5, 64), 2);
    }

    proptest! {
        #[test]
        fn is_prime_matches_the_definition(n in 0u64..5_000) {
            prop_assert_eq!(is_prime(n), is_prime_naive(n));
        }

        #[test]
        fn the_three_versions_agree(limit in 0u64..20_000, threads in 0usize..9) {
            let expected = count_primes_sequential(limit);
            prop_assert_eq!(count_primes_threads(limit, threads), expected);
            prop_assert_eq!(count_primes_rayon(limit), expected);
        }
    }
}
