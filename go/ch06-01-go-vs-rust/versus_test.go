// Each benchmark pairs with the Rust divan benchmarks named in its comment
// (paths inside benches/go_vs_rust/patterns.rs). Partners that live across
// iterations are started before b.ResetTimer and stopped in b.Cleanup,
// which runs untimed, also after a b.Fatalf. Every benchmark checks what it
// computed, so a broken one fails instead of timing the wrong work.
package versus

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// ANCHOR: spawn_join
// BenchmarkSpawnJoin pairs with spawn_join::{tokio_tasks, std_threads,
// rayon_scope}: one op starts 10 000 goroutines, each adding its index to
// a shared sum, and waits for them all.
func BenchmarkSpawnJoin(b *testing.B) {
	const units = 10_000
	for i := 0; i < b.N; i++ {
		var sum atomic.Int64
		var wg sync.WaitGroup
		for k := 0; k < units; k++ {
			wg.Add(1)
			go func(k int64) {
				defer wg.Done()
				sum.Add(k)
			}(int64(k))
		}
		wg.Wait()
		if got := sum.Load(); got != 49_995_000 {
			b.Fatalf("sum = %d, want 49995000", got)
		}
	}
}

// ANCHOR_END: spawn_join

// ANCHOR: handoff
// BenchmarkHandoff pairs with handoff::{std_sync_channel, crossbeam_bounded,
// tokio_mpsc, tokio_oneshot, tokio_current_thread}: one op is a round trip
// over two unbuffered channels, i to the partner and i+1 back.
func BenchmarkHandoff(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() { // the partner, alive for the whole benchmark
		defer close(done)
		for v := range ping {
			pong <- v + 1
		}
	}()
	b.Cleanup(func() {
		close(ping) // ends the partner's loop
		<-done
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- i
		if got := <-pong; got != i+1 {
			b.Fatalf("sent %d, got back %d", i, got)
		}
	}
}

// ANCHOR_END: handoff

// ANCHOR: handoff_1000
// BenchmarkHandoff1000 pairs with handoff_1000::tokio_tasks: one op starts
// a partner, makes 1 000 round trips with it over two unbuffered channels
// and stops it, so both ends are goroutines the scheduler runs, as in a
// service, and starting the partner costs a thousandth of the op.
func BenchmarkHandoff1000(b *testing.B) {
	const trips = 1_000
	for i := 0; i < b.N; i++ {
		ping, pong := make(chan int), make(chan int)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for v := range ping {
				pong <- v + 1
			}
		}()
		for k := 0; k < trips; k++ {
			ping <- k
			if got := <-pong; got != k+1 {
				b.Fatalf("sent %d, got back %d", k, got)
			}
		}
		close(ping)
		<-done
	}
}

// ANCHOR_END: handoff_1000

// ANCHOR: buffered
// BenchmarkBuffered pairs with buffered_1p1c::* and buffered_4p4c::*
// (std_sync_channel, crossbeam_bounded, tokio_mpsc): one op sends
// 1..=100 000 through a channel of capacity 128, from P producers to C
// consumers, starting and joining them all.
func BenchmarkBuffered(b *testing.B) {
	for _, c := range []struct {
		name                 string
		producers, consumers int
	}{{"1p1c", 1, 1}, {"4p4c", 4, 4}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if got := sendAll(c.producers, c.consumers); got != 5_000_050_000 {
					b.Fatalf("total = %d, want 5000050000", got)
				}
			}
		})
	}
}

// sendAll splits 1..=100 000 evenly among the producers and returns the
// sum of what the consumers received.
func sendAll(producers, consumers int) int {
	const messages = 100_000
	ch := make(chan int, 128)
	per := messages / producers
	var sent, received sync.WaitGroup
	for p := 0; p < producers; p++ {
		sent.Add(1)
		go func(first int) {
			defer sent.Done()
			for v := first; v < first+per; v++ {
				ch <- v
			}
		}(p*per + 1)
	}
	sums := make([]int, consumers)
	for c := 0; c < consumers; c++ {
		received.Add(1)
		go func(c int) {
			defer received.Done()
			sum := 0
			for v := range ch { // many receivers share one channel
				sum += v
			}
			sums[c] = sum
		}(c)
	}
	sent.Wait()
	close(ch) // ends every consumer's range loop
	received.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	return total
}

// ANCHOR_END: buffered

// ANCHOR: counter_bench
// BenchmarkCounter pairs with counter::std_mutex/{2,4,8} and
// counter::atomic/{2,4,8}: 100 000 increments in all per op, split over
// W goroutines started and joined in the op.
func BenchmarkCounter(b *testing.B) {
	const total = 100_000
	workers := []int{2, 4, 8}
	b.Run("mutex", func(b *testing.B) {
		for _, w := range workers {
			b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if got := countWithMutex(w, total/w); got != total {
						b.Fatalf("count = %d, want %d", got, total)
					}
				}
			})
		}
	})
	b.Run("atomic", func(b *testing.B) {
		for _, w := range workers {
			b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if got := countWithAtomic(w, total/w); got != total {
						b.Fatalf("count = %d, want %d", got, total)
					}
				}
			})
		}
	})
}

// ANCHOR_END: counter_bench

// ANCHOR: worker_pool_bench
// BenchmarkWorkerPool pairs with worker_pool::{quickref_run_pool,
// crossbeam_channel, rayon_par_iter}: one op runs splitmix64 over
// 0..10 000 on 4 workers; the wrapping sum is checked against a plain loop.
func BenchmarkWorkerPool(b *testing.B) { benchJobs(b, runPool) }

// benchJobs times one way of running the 10 000 jobs on 4 workers.
func benchJobs(b *testing.B, run func(int, []uint64, func(uint64) uint64) []uint64) {
	const n = 10_000
	jobs := make([]uint64, n)
	var want uint64
	for i := range jobs {
		jobs[i] = uint64(i)
		want += splitmix64(uint64(i)) // wraps, as in Rust
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		results := run(4, jobs, splitmix64)
		var sum uint64
		for _, v := range results {
			sum += v
		}
		if len(results) != n || sum != want || results[n-1] != splitmix64(n-1) {
			b.Fatalf("%d results summing to %d, want %d summing to %d",
				len(results), sum, n, want)
		}
	}
}

// ANCHOR_END: worker_pool_bench

// ANCHOR: chunked_bench
// BenchmarkWorkerPoolChunked pairs with worker_pool_chunked's rows
// (worker_pool::{std_scope_chunks, rayon_par_iter}): the same jobs and
// check as BenchmarkWorkerPool, split into 4 contiguous shares.
func BenchmarkWorkerPoolChunked(b *testing.B) { benchJobs(b, runChunked) }

// ANCHOR_END: chunked_bench

// ANCHOR: pick_two
// BenchmarkPickTwo pairs with pick_two::{chacha8, small_rng}: one op picks
// one of 8 servers by two choices, then starts and ends a request on it.
func BenchmarkPickTwo(b *testing.B) {
	bal := newBalancer(8, 1)
	// Before timing: a busy server is never picked while the others idle.
	bal.outstanding[3].Add(1)
	for k := 0; k < 1000; k++ {
		if s := bal.pick(); s == 3 {
			b.Fatalf("picked the busy server 3 over an idle one")
		}
	}
	bal.outstanding[3].Add(-1)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := bal.pick()
		bal.outstanding[s].Add(1)  // the request starts
		bal.outstanding[s].Add(-1) // and ends
	}
	b.StopTimer()
	for s := range bal.outstanding {
		if got := bal.outstanding[s].Load(); got != 0 {
			b.Fatalf("server %d has %d requests in flight, want 0", s, got)
		}
	}
}

// ANCHOR_END: pick_two
