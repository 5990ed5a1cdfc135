// Package versus is the Go side of `cargo bench --bench go_vs_rust`: the
// testing.B benchmarks in versus_test.go each do the same work as a Rust
// divan benchmark in benches/go_vs_rust/patterns.rs, and the orchestrator
// (benches/go_vs_rust/main.rs) prints their time ratios. This file holds
// what the benchmarks share: the job of the worker pool, the pool itself,
// the two counters and the power-of-two-choices balancer.
//
//	cd go && go test -run '^$' -bench . -benchtime 300ms ./ch06-01-go-vs-rust
package versus

import (
	"math/rand"
	"sync"
	"sync/atomic"
)

// splitmix64 is one job of the worker pool: a few multiplications and
// shifts, the same on both sides (the Rust twin is `splitmix64` in
// patterns.rs). Go's uint64 arithmetic wraps, as Rust's wrapping_* does.
func splitmix64(n uint64) uint64 {
	z := n + 0x9E3779B97F4A7C15
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// ANCHOR: counter
// countWithMutex has `workers` goroutines add 1 to a shared int `per` times
// each, under a sync.Mutex. The twin of
// cookbook::quickref::counter::count_with_mutex.
func countWithMutex(workers, per int) int {
	var mu sync.Mutex
	count := 0
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < per; k++ {
				mu.Lock()
				count++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return count
}

// countWithAtomic does the same with atomic.Int64.Add. The twin of
// cookbook::quickref::counter::count_with_atomic.
func countWithAtomic(workers, per int) int64 {
	var count atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; k < per; k++ {
				count.Add(1)
			}
		}()
	}
	wg.Wait()
	return count.Load()
}

// ANCHOR_END: counter

// ANCHOR: worker_pool
// runPool is the quick reference's pool (go/ch09-07-worker-pool): an
// unbuffered jobs channel that `workers` goroutines range over, a results
// channel of (index, value) closed once they are all done, and the results
// put back in job order. The twin of cookbook::quickref::worker_pool::run_pool.
func runPool(workers int, jobs []uint64, work func(uint64) uint64) []uint64 {
	type job struct {
		index int
		n     uint64
	}
	type result struct {
		index int
		value uint64
	}
	in := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range in {
				results <- result{j.index, work(j.n)}
			}
		}()
	}
	go func() {
		for i, n := range jobs {
			in <- job{i, n}
		}
		close(in) // ends every worker's range loop
	}()
	go func() {
		wg.Wait()
		close(results) // ends the collecting loop below
	}()
	out := make([]uint64, len(jobs))
	for r := range results {
		out[r.index] = r.value
	}
	return out
}

// ANCHOR_END: worker_pool

// ANCHOR: chunked
// runChunked does the same work without channels: each of `workers`
// goroutines computes one contiguous share of the jobs and writes the
// results in place, so no job or result crosses from one goroutine to
// another. The twin of worker_pool::std_scope_chunks.
func runChunked(workers int, jobs []uint64, work func(uint64) uint64) []uint64 {
	out := make([]uint64, len(jobs))
	per := (len(jobs) + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < len(jobs); start += per {
		end := min(start+per, len(jobs))
		wg.Add(1)
		go func(start, end int) {
			defer wg.Done()
			for i, n := range jobs[start:end] {
				out[start+i] = work(n)
			}
		}(start, end)
	}
	wg.Wait()
	return out
}

// ANCHOR_END: chunked

// ANCHOR: balancer
// balancer is the power of two choices of go/ch04-02-load-balancing-fixed:
// draw two distinct servers, send to the one with fewer requests in
// flight. The twin of cookbook::load_balancing::balancer::pick_two.
type balancer struct {
	rng         *rand.Rand     // not safe for concurrent use: one owner
	outstanding []atomic.Int64 // requests sent and not yet answered
}

func newBalancer(servers int, seed int64) *balancer {
	return &balancer{
		rng:         rand.New(rand.NewSource(seed)),
		outstanding: make([]atomic.Int64, servers),
	}
}

func (b *balancer) pick() int {
	n := len(b.outstanding)
	i := b.rng.Intn(n)
	j := b.rng.Intn(n - 1)
	if j >= i {
		j++ // a second server, distinct from the first
	}
	if b.outstanding[j].Load() < b.outstanding[i].Load() {
		return j
	}
	return i // the less loaded of the two; ties go to the first
}

// ANCHOR_END: balancer
