//! The Rust side of the Go-versus-Rust rows: divan benchmarks of the same
//! work as the `testing.B` benchmarks in `go/ch06-01-go-vs-rust/versus_test.go`.
//!
//! Each module measures one op and pairs with one Go benchmark:
//!
//! - `spawn_join`: start 10 000 tiny tasks and wait for them all
//!   (`BenchmarkSpawnJoin`).
//! - `handoff`: one round trip to a partner, i out and i+1 back
//!   (`BenchmarkHandoff`).
//! - `buffered_1p1c`, `buffered_4p4c`: 100 000 values through a channel of
//!   capacity 128, 1 producer to 1 consumer, or 4 to 4
//!   (`BenchmarkBuffered/1p1c`, `BenchmarkBuffered/4p4c`).
//! - `counter`: 100 000 increments over 2, 4 or 8 threads, under a mutex or
//!   with an atomic (`BenchmarkCounter/mutex/workers=W`, `.../atomic/...`).
//! - `handoff_1000`: start a partner task, make 1 000 round trips with it
//!   from another task, join both (`BenchmarkHandoff1000`).
//! - `worker_pool`: splitmix64 over 0..10 000 on 4 workers, results in order
//!   (`BenchmarkWorkerPool`, and `BenchmarkWorkerPoolChunked` for the
//!   `std_scope_chunks` and `rayon_par_iter` rows of `worker_pool_chunked`).
//! - `pick_two`: pick one of 8 servers by two random choices, then start and
//!   end a request on it (`BenchmarkPickTwo`).
//!
//! What Go's benchmark loop does before `b.ResetTimer()` happens here
//! outside the closure given to `bencher.bench_local`: runtimes, partner
//! threads and tasks, job lists and expected sums are made once. Partners
//! are stopped and joined after the measurement, so no thread or task
//! outlives its benchmark. Every benchmark checks its result with `assert!`,
//! so a broken one fails (`cargo test --bench go_vs_rust` runs each once).

use divan::{Bencher, black_box};

/// A multi-threaded tokio runtime with the default worker count (one per
/// core), built once per benchmark, outside the measurement.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .build()
        .expect("a tokio runtime")
}

/// Spawn and join 10 000 units of trivial work (Go: `BenchmarkSpawnJoin`,
/// goroutines + `sync.WaitGroup` + `atomic.Int64`). Each unit adds its index
/// to a shared atomic sum.
pub mod spawn_join {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    const UNITS: u64 = 10_000;
    /// 0 + 1 + ... + 9 999.
    const SUM: u64 = 49_995_000;

    // ANCHOR: spawn_join
    /// Tokio tasks: the closest thing to goroutines. The handles play the
    /// part of the WaitGroup.
    #[divan::bench(sample_count = 40, sample_size = 1)]
    fn tokio_tasks(bencher: Bencher) {
        let rt = super::runtime();
        bencher.bench_local(|| {
            let sum = rt.block_on(async {
                let sum = Arc::new(AtomicU64::new(0));
                let handles: Vec<_> = (0..UNITS)
                    .map(|i| {
                        let sum = Arc::clone(&sum);
                        tokio::spawn(async move {
                            sum.fetch_add(i, Ordering::Relaxed);
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.await.expect("a task panicked");
                }
                sum.load(Ordering::Relaxed)
            });
            assert_eq!(sum, SUM);
        });
    }

    /// One operating-system thread per unit: a scope joins them all at its end.
    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn std_threads(bencher: Bencher) {
        bencher.bench_local(|| {
            let sum = AtomicU64::new(0);
            std::thread::scope(|s| {
                for i in 0..UNITS {
                    let sum = &sum;
                    s.spawn(move || sum.fetch_add(i, Ordering::Relaxed));
                }
            });
            assert_eq!(sum.into_inner(), SUM);
        });
    }

    /// Rayon's global pool: a scope whose spawns run on its worker threads.
    #[divan::bench(sample_count = 50, sample_size = 2)]
    fn rayon_scope(bencher: Bencher) {
        bencher.bench_local(|| {
            let sum = AtomicU64::new(0);
            rayon::scope(|s| {
                for i in 0..UNITS {
                    let sum = &sum;
                    s.spawn(move |_| {
                        sum.fetch_add(i, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(sum.into_inner(), SUM);
        });
    }
    // ANCHOR_END: spawn_join
}

/// An unbuffered hand-off (Go: `BenchmarkHandoff`, two `make(chan int)` and
/// a partner goroutine). One op: send i to the partner, which answers i+1.
/// The partner starts before the measurement and is stopped after it.
pub mod handoff {
    use super::*;
    use std::sync::mpsc;
    use std::thread;
    use tokio::sync::oneshot;

    // ANCHOR: handoff
    /// std's rendezvous channel, `sync_channel(0)`: a send waits for a receive,
    /// like Go's unbuffered channel.
    #[divan::bench(sample_count = 50, sample_size = 100)]
    fn std_sync_channel(bencher: Bencher) {
        let (ping, partner_ping) = mpsc::sync_channel::<u64>(0);
        let (partner_pong, pong) = mpsc::sync_channel::<u64>(0);
        let partner = thread::spawn(move || {
            // Ends when `ping` is dropped: Go's `close(ping)`.
            for v in partner_ping {
                if partner_pong.send(v + 1).is_err() {
                    break;
                }
            }
        });
        let mut i = 0;
        bencher.bench_local(|| {
            ping.send(i).expect("the partner is gone");
            let reply = pong.recv().expect("the partner is gone");
            assert_eq!(reply, i + 1);
            i += 1;
        });
        drop(ping);
        partner.join().expect("the partner panicked");
    }
    // ANCHOR_END: handoff

    /// crossbeam's rendezvous channel, `bounded(0)`.
    #[divan::bench(sample_count = 50, sample_size = 100)]
    fn crossbeam_bounded(bencher: Bencher) {
        let (ping, partner_ping) = crossbeam::channel::bounded::<u64>(0);
        let (partner_pong, pong) = crossbeam::channel::bounded::<u64>(0);
        let partner = thread::spawn(move || {
            for v in partner_ping {
                if partner_pong.send(v + 1).is_err() {
                    break;
                }
            }
        });
        let mut i = 0;
        bencher.bench_local(|| {
            ping.send(i).expect("the partner is gone");
            let reply = pong.recv().expect("the partner is gone");
            assert_eq!(reply, i + 1);
            i += 1;
        });
        drop(ping);
        partner.join().expect("the partner panicked");
    }

    /// Tokio's mpsc has no capacity 0: capacity 1 is the nearest. The partner
    /// is a task on the runtime; each op enters it with `block_on`.
    #[divan::bench(sample_count = 50, sample_size = 300)]
    fn tokio_mpsc(bencher: Bencher) {
        let rt = super::runtime();
        let (ping, mut partner_ping) = tokio::sync::mpsc::channel::<u64>(1);
        let (partner_pong, mut pong) = tokio::sync::mpsc::channel::<u64>(1);
        let partner = rt.spawn(async move {
            while let Some(v) = partner_ping.recv().await {
                if partner_pong.send(v + 1).await.is_err() {
                    break;
                }
            }
        });
        let mut i = 0;
        bencher.bench_local(|| {
            let reply = rt.block_on(async {
                ping.send(i).await.expect("the partner is gone");
                pong.recv().await.expect("the partner is gone")
            });
            assert_eq!(reply, i + 1);
            i += 1;
        });
        drop(ping);
        rt.block_on(partner).expect("the partner panicked");
    }

    /// The same mpsc pair on a current-thread runtime: `block_on` runs the
    /// partner task on this very thread, so a round trip wakes no other
    /// thread, as Go's scheduler runs the woken goroutine on the same P.
    #[divan::bench(sample_count = 50, sample_size = 1000)]
    fn tokio_current_thread(bencher: Bencher) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a tokio runtime");
        let (ping, mut partner_ping) = tokio::sync::mpsc::channel::<u64>(1);
        let (partner_pong, mut pong) = tokio::sync::mpsc::channel::<u64>(1);
        let partner = rt.spawn(async move {
            while let Some(v) = partner_ping.recv().await {
                if partner_pong.send(v + 1).await.is_err() {
                    break;
                }
            }
        });
        let mut i = 0;
        bencher.bench_local(|| {
            let reply = rt.block_on(async {
                ping.send(i).await.expect("the partner is gone");
                pong.recv().await.expect("the partner is gone")
            });
            assert_eq!(reply, i + 1);
            i += 1;
        });
        drop(ping);
        rt.block_on(partner).expect("the partner panicked");
    }

    /// Request and response: each request carries a `oneshot` sender for its
    /// answer, Go's `chan chan int` idiom.
    #[divan::bench(sample_count = 50, sample_size = 300)]
    fn tokio_oneshot(bencher: Bencher) {
        let rt = super::runtime();
        let (requests, mut partner_requests) =
            tokio::sync::mpsc::channel::<(u64, oneshot::Sender<u64>)>(1);
        let partner = rt.spawn(async move {
            while let Some((v, reply)) = partner_requests.recv().await {
                let _ = reply.send(v + 1); // the asker may have given up
            }
        });
        let mut i = 0;
        bencher.bench_local(|| {
            let reply = rt.block_on(async {
                let (reply_tx, reply_rx) = oneshot::channel();
                requests
                    .send((i, reply_tx))
                    .await
                    .expect("the partner is gone");
                reply_rx.await.expect("the partner dropped the request")
            });
            assert_eq!(reply, i + 1);
            i += 1;
        });
        drop(requests);
        rt.block_on(partner).expect("the partner panicked");
    }
}

/// A thousand round trips between two tasks on the multi-thread runtime
/// (Go: `BenchmarkHandoff1000`). Unlike `handoff`, where the measuring
/// thread enters the runtime with `block_on` for each trip, both ends here
/// are spawned tasks, as two parts of a service are. One op starts the
/// partner, makes 1 000 trips and joins both tasks.
pub mod handoff_1000 {
    use super::*;

    const TRIPS: u64 = 1_000;

    // ANCHOR: handoff_1000
    /// Two tasks and two mpsc channels of capacity 1 (tokio has no 0).
    #[divan::bench(sample_count = 50, sample_size = 5)]
    fn tokio_tasks(bencher: Bencher) {
        let rt = super::runtime();
        bencher.bench_local(|| {
            let trips = rt.block_on(async {
                let (ping, mut partner_ping) = tokio::sync::mpsc::channel::<u64>(1);
                let (partner_pong, mut pong) = tokio::sync::mpsc::channel::<u64>(1);
                let partner = tokio::spawn(async move {
                    while let Some(v) = partner_ping.recv().await {
                        if partner_pong.send(v + 1).await.is_err() {
                            break;
                        }
                    }
                });
                let driver = tokio::spawn(async move {
                    for k in 0..TRIPS {
                        ping.send(k).await.expect("the partner is gone");
                        let reply = pong.recv().await.expect("the partner is gone");
                        assert_eq!(reply, k + 1);
                    }
                    TRIPS
                    // `ping` is dropped here: the partner's loop ends.
                });
                let trips = driver.await.expect("the driver panicked");
                partner.await.expect("the partner panicked");
                trips
            });
            assert_eq!(trips, TRIPS);
        });
    }
    // ANCHOR_END: handoff_1000
}

/// Buffered channels, capacity 128 (Go: `BenchmarkBuffered/1p1c` and
/// `/4p4c`). One op sends 1..=100 000, split evenly among the producers,
/// and the consumers sum what they receive; starting and joining them all
/// is part of the op. The senders close the channel by being dropped.
///
/// std's and tokio's receivers have a single owner, unlike a Go channel.
/// Several consumers therefore share one behind a mutex and take turns at
/// it, one message per turn; a lone consumer locks it once for good.
mod buffered {
    use std::sync::Mutex;
    use std::sync::mpsc;
    use std::thread;

    pub const CAPACITY: usize = 128;
    pub const MESSAGES: u64 = 100_000;
    /// 1 + 2 + ... + 100 000.
    pub const TOTAL: u64 = 5_000_050_000;

    // ANCHOR: buffered
    /// The values producer `p` of `producers` sends: its share of 1..=100 000.
    fn share(p: u64, producers: u64) -> std::ops::RangeInclusive<u64> {
        let per = MESSAGES / producers;
        p * per + 1..=(p + 1) * per
    }

    /// std's bounded channel; its receiver is shared behind a `Mutex`.
    pub fn std_sync_channel(producers: u64, consumers: usize) -> u64 {
        let (tx, rx) = mpsc::sync_channel::<u64>(CAPACITY);
        let rx = Mutex::new(rx);
        thread::scope(|s| {
            for p in 0..producers {
                let tx = tx.clone();
                s.spawn(move || {
                    for v in share(p, producers) {
                        tx.send(v).expect("the consumers are gone");
                    }
                });
            }
            // The channel closes when the last producer's clone is dropped.
            drop(tx);
            let rx = &rx;
            let sums: Vec<_> = (0..consumers)
                .map(|_| {
                    s.spawn(move || {
                        if consumers == 1 {
                            // Alone: lock once, as good as owning the receiver.
                            return rx.lock().unwrap().iter().sum();
                        }
                        let mut sum = 0;
                        loop {
                            // The guard is dropped at the end of this `let`.
                            let next = rx.lock().unwrap().recv();
                            match next {
                                Ok(v) => sum += v,
                                Err(_) => return sum, // closed and empty
                            }
                        }
                    })
                })
                .collect();
            sums.into_iter().map(|h| h.join().unwrap()).sum()
        })
    }

    /// crossbeam's receiver can be cloned: no mutex, as in Go.
    pub fn crossbeam_bounded(producers: u64, consumers: usize) -> u64 {
        let (tx, rx) = crossbeam::channel::bounded::<u64>(CAPACITY);
        thread::scope(|s| {
            for p in 0..producers {
                let tx = tx.clone();
                s.spawn(move || {
                    for v in share(p, producers) {
                        tx.send(v).expect("the consumers are gone");
                    }
                });
            }
            drop(tx);
            let sums: Vec<_> = (0..consumers)
                .map(|_| {
                    let rx = rx.clone();
                    s.spawn(move || rx.iter().sum::<u64>())
                })
                .collect();
            sums.into_iter().map(|h| h.join().unwrap()).sum()
        })
    }
    // ANCHOR_END: buffered

    /// Tasks on a runtime made once by the caller; one `block_on` per op.
    pub fn tokio_mpsc(
        rt: &tokio::runtime::Runtime,
        producers: u64,
        consumers: usize,
    ) -> u64 {
        rt.block_on(async {
            let (tx, rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
            let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
            let producers: Vec<_> = (0..producers)
                .map(|p| {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        for v in share(p, producers) {
                            tx.send(v).await.expect("the consumers are gone");
                        }
                    })
                })
                .collect();
            drop(tx);
            let sums: Vec<_> = (0..consumers)
                .map(|_| {
                    let rx = std::sync::Arc::clone(&rx);
                    tokio::spawn(async move {
                        let mut sum = 0;
                        if consumers == 1 {
                            let mut rx = rx.lock().await;
                            while let Some(v) = rx.recv().await {
                                sum += v;
                            }
                            return sum;
                        }
                        loop {
                            let next = rx.lock().await.recv().await;
                            match next {
                                Some(v) => sum += v,
                                None => return sum,
                            }
                        }
                    })
                })
                .collect();
            for p in producers {
                p.await.expect("a producer panicked");
            }
            let mut total = 0;
            for c in sums {
                total += c.await.expect("a consumer panicked");
            }
            total
        })
    }
}

/// One producer, one consumer (Go: `BenchmarkBuffered/1p1c`).
pub mod buffered_1p1c {
    use super::buffered::{self, TOTAL};
    use super::*;

    #[divan::bench(sample_count = 60, sample_size = 1)]
    fn std_sync_channel() -> u64 {
        let total = buffered::std_sync_channel(black_box(1), 1);
        assert_eq!(total, TOTAL);
        total
    }

    #[divan::bench(sample_count = 60, sample_size = 1)]
    fn crossbeam_bounded() -> u64 {
        let total = buffered::crossbeam_bounded(black_box(1), 1);
        assert_eq!(total, TOTAL);
        total
    }

    #[divan::bench(sample_count = 30, sample_size = 1)]
    fn tokio_mpsc(bencher: Bencher) {
        let rt = super::runtime();
        bencher.bench_local(|| {
            let total = buffered::tokio_mpsc(&rt, black_box(1), 1);
            assert_eq!(total, TOTAL);
        });
    }
}

/// Four producers, four consumers (Go: `BenchmarkBuffered/4p4c`).
pub mod buffered_4p4c {
    use super::buffered::{self, TOTAL};
    use super::*;

    #[divan::bench(sample_count = 15, sample_size = 1)]
    fn std_sync_channel() -> u64 {
        let total = buffered::std_sync_channel(black_box(4), 4);
        assert_eq!(total, TOTAL);
        total
    }

    #[divan::bench(sample_count = 50, sample_size = 1)]
    fn crossbeam_bounded() -> u64 {
        let total = buffered::crossbeam_bounded(black_box(4), 4);
        assert_eq!(total, TOTAL);
        total
    }

    #[divan::bench(sample_count = 8, sample_size = 1)]
    fn tokio_mpsc(bencher: Bencher) {
        let rt = super::runtime();
        bencher.bench_local(|| {
            let total = buffered::tokio_mpsc(&rt, black_box(4), 4);
            assert_eq!(total, TOTAL);
        });
    }
}

/// A contended counter (Go: `BenchmarkCounter/mutex/workers=W` and
/// `/atomic/workers=W`): 100 000 increments in all, split over W threads
/// that the op starts and joins. The code is the quick reference's.
pub mod counter {
    use super::*;
    use cookbook::quickref::counter::{count_with_atomic, count_with_mutex};

    const TOTAL: u64 = 100_000;

    // ANCHOR: counter
    /// `Mutex<u64>`: the count lives inside the lock.
    #[divan::bench(args = [2, 4, 8], sample_count = 40, sample_size = 2)]
    fn std_mutex(workers: usize) -> u64 {
        let count = count_with_mutex(black_box(workers), TOTAL / workers as u64);
        assert_eq!(count, TOTAL);
        count
    }

    /// `AtomicU64::fetch_add`, Go's `atomic.Int64.Add`.
    #[divan::bench(args = [2, 4, 8], sample_count = 50, sample_size = 4)]
    fn atomic(workers: usize) -> u64 {
        let count = count_with_atomic(black_box(workers), TOTAL / workers as u64);
        assert_eq!(count, TOTAL);
        count
    }
    // ANCHOR_END: counter
}

/// A worker pool: 10 000 jobs, 4 workers, results in job order (Go:
/// `BenchmarkWorkerPool`, the quick reference's pool of goroutines). Each
/// job is `splitmix64(n)`; the wrapping sum of the results is checked
/// against a plain loop computed before the measurement.
pub mod worker_pool {
    use super::*;
    use cookbook::quickref::worker_pool::run_pool;
    use rayon::prelude::*;
    use std::thread;

    const JOBS: u64 = 10_000;
    const WORKERS: usize = 4;

    /// One job: a few multiplications and shifts, wrapping like Go's uint64.
    fn splitmix64(n: u64) -> u64 {
        let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// What every pool must return, computed once, untimed.
    fn expected_sum() -> u64 {
        (0..JOBS).map(splitmix64).fold(0, u64::wrapping_add)
    }

    fn check(results: &[u64], want: u64) {
        let sum = results.iter().copied().fold(0, u64::wrapping_add);
        assert_eq!(results.len() as u64, JOBS);
        assert_eq!(sum, want);
        assert_eq!(results[JOBS as usize - 1], splitmix64(JOBS - 1));
    }

    // ANCHOR: worker_pool
    /// The quick reference's pool: std threads sharing a rendezvous job
    /// channel behind a mutex. It takes its jobs by value, so each op gets a
    /// fresh copy of the list, made outside the measurement.
    #[divan::bench(sample_count = 5, sample_size = 1)]
    fn quickref_run_pool(bencher: Bencher) {
        let jobs: Vec<u64> = (0..JOBS).collect();
        let want = expected_sum();
        bencher
            .with_inputs(|| jobs.clone())
            .bench_local_values(|jobs| {
                let results = run_pool(WORKERS, jobs, splitmix64);
                check(&results, want);
                results
            });
    }

    /// crossbeam: the workers clone the job receiver, as Go's goroutines
    /// share one channel; results come back as (index, value) over a
    /// second rendezvous channel, as in Go's `runPool`.
    #[divan::bench(sample_count = 6, sample_size = 1)]
    fn crossbeam_channel(bencher: Bencher) {
        let jobs: Vec<u64> = (0..JOBS).collect();
        let want = expected_sum();
        bencher.bench_local(|| {
            let (job_tx, job_rx) = crossbeam::channel::bounded::<(usize, u64)>(0);
            let (result_tx, result_rx) = crossbeam::channel::bounded(0);
            let mut results = vec![0; jobs.len()];
            thread::scope(|s| {
                for _ in 0..WORKERS {
                    let (job_rx, result_tx) = (job_rx.clone(), result_tx.clone());
                    s.spawn(move || {
                        for (index, n) in job_rx {
                            result_tx.send((index, splitmix64(n))).unwrap();
                        }
                    });
                }
                drop(result_tx); // the workers hold the only senders now
                // A feeder, as Go's: with rendezvous channels both ways, the
                // jobs must be sent while the results are being read.
                let jobs = &jobs;
                s.spawn(move || {
                    for (index, &n) in jobs.iter().enumerate() {
                        job_tx.send((index, n)).expect("every worker is gone");
                    }
                    // Dropped here, Go's close(jobs): the workers' loops end.
                });
                for (index, value) in result_rx {
                    results[index] = value;
                }
            });
            check(&results, want);
            results
        });
    }

    /// No channels: four scoped threads, each computing one contiguous
    /// quarter of the results in place (Go: `runChunked`).
    #[divan::bench(sample_count = 50, sample_size = 20)]
    fn std_scope_chunks(bencher: Bencher) {
        let jobs: Vec<u64> = (0..JOBS).collect();
        let want = expected_sum();
        let per = jobs.len().div_ceil(WORKERS);
        bencher.bench_local(|| {
            let mut results = vec![0; jobs.len()];
            thread::scope(|s| {
                for (share, out) in jobs.chunks(per).zip(results.chunks_mut(per)) {
                    s.spawn(move || {
                        for (slot, &n) in out.iter_mut().zip(share) {
                            *slot = splitmix64(n);
                        }
                    });
                }
            });
            check(&results, want);
            results
        });
    }

    /// rayon: no channels at all; the global pool (one thread per core)
    /// splits the range and `collect` keeps the order.
    #[divan::bench(sample_count = 50, sample_size = 200)]
    fn rayon_par_iter(bencher: Bencher) {
        let want = expected_sum();
        bencher.bench_local(|| {
            let results: Vec<u64> = (0..JOBS).into_par_iter().map(splitmix64).collect();
            check(&results, want);
            results
        });
    }
    // ANCHOR_END: worker_pool
}

/// The power of two choices on one thread (Go: `BenchmarkPickTwo`, the
/// balancer of `go/ch04-02-load-balancing-fixed`). One op: draw two distinct
/// servers of 8, pick the one with fewer requests in flight, start a request
/// on it and end it. The code is the book's balancer.
pub mod pick_two {
    use super::*;
    use cookbook::load_balancing::balancer::{InFlight, pick_two};
    use rand::SeedableRng;
    use rand::rngs::SmallRng;
    use rand_chacha::ChaCha8Rng;

    const SERVERS: usize = 8;

    // ANCHOR: pick_two
    fn bench_with<R: rand::Rng>(bencher: Bencher, mut rng: R) {
        let in_flight = InFlight::new(SERVERS);
        let load = |s: usize| in_flight.get(s) as f64;
        // Before timing: a busy server is never picked while the others idle.
        let busy = in_flight.start(3);
        for _ in 0..1000 {
            assert_ne!(pick_two(&mut rng, SERVERS, load), Some(3));
        }
        drop(busy);
        bencher.bench_local(|| {
            let server = pick_two(&mut rng, SERVERS, load).expect("8 servers");
            let request = in_flight.start(server); // the request starts
            drop(request); // and ends
            server
        });
        assert_eq!(
            in_flight.snapshot(),
            vec![0; SERVERS],
            "requests left in flight"
        );
    }

    /// ChaCha8, the generator the book's seeded simulations use.
    #[divan::bench(sample_count = 50, sample_size = 100_000)]
    fn chacha8(bencher: Bencher) {
        bench_with(bencher, ChaCha8Rng::seed_from_u64(1));
    }

    /// rand's small fast generator (Xoshiro256++ on 64-bit machines).
    #[divan::bench(sample_count = 50, sample_size = 100_000)]
    fn small_rng(bencher: Bencher) {
        bench_with(bencher, SmallRng::seed_from_u64(1));
    }
    // ANCHOR_END: pick_two
}
