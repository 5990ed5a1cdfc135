// go/ch04-02-load-balancing repaired, still in Go: the requests really
// travel. Several HTTP backends run on 127.0.0.1, each serving a few
// requests at a time, one of them several times slower than the others. A
// client-side balancer sends an open-loop stream of requests to them, once
// picking uniformly at random (the source's policy) and once with the power
// of two choices on outstanding requests, and prints where the requests
// went and their latency percentiles. The Rust twin is
// src/bin/ch04-02-fixed.rs.
//
//	go run ./ch04-02-load-balancing-fixed
//	go run ./ch04-02-load-balancing-fixed -requests 2000 -load 0.8
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	// math/rand, not math/rand/v2: an explicit rand.New(rand.NewSource(seed))
	// is the way `go doc math/rand.Seed` gives for a specific sequence, and
	// all a seeded schedule needs. v2 arrived in Go 1.22, so when the book
	// vets every listing as a go 1.21 module (tests/go_checks/baseline.rs),
	// vet reports "rand.New requires go1.22 or later".
	"math/rand"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ANCHOR: backend
// backend is one HTTP server on 127.0.0.1 that serves at most `slots`
// requests at once, each taking `service`; the others wait for a slot.
type backend struct {
	url    string
	srv    *http.Server
	served chan error // what Serve returned, once it has
}

func startBackend(slots int, service time.Duration) (*backend, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // port 0: the OS picks one
	if err != nil {
		return nil, err
	}
	sem := make(chan struct{}, slots) // a request holds a slot while served
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}: // a free slot
		case <-r.Context().Done(): // the client gave up while queued
			return
		}
		defer func() { <-sem }()
		time.Sleep(service) // the work
		io.WriteString(w, "ok\n")
	})
	b := &backend{
		url:    "http://" + ln.Addr().String() + "/",
		srv:    &http.Server{Handler: mux, ReadHeaderTimeout: time.Second},
		served: make(chan error, 1),
	}
	go func() { b.served <- b.srv.Serve(ln) }()
	return b, nil
}

// ANCHOR_END: backend

// ANCHOR: balancer
// balancer picks a backend for each request. Only the dispatch loop calls
// pick, so the *rand.Rand, which is not safe for concurrent use, has one
// owner; the outstanding counts are shared with the request goroutines.
type balancer struct {
	twoChoices  bool
	rng         *rand.Rand
	outstanding []atomic.Int64 // requests sent and not yet answered
}

func (b *balancer) pick() int {
	n := len(b.outstanding)
	i := b.rng.Intn(n)
	if !b.twoChoices {
		return i // uniform random, as the source does
	}
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

// result is what one policy's run measured.
type result struct {
	perServer []int // requests sent to each backend
	answered  int
	latencies []time.Duration // from each request's scheduled time
}

// ANCHOR: generator
// arrivals returns n arrival times of a Poisson stream at `rate` a second,
// drawn from `seed`: the same schedule for every policy.
func arrivals(n int, rate float64, seed int64) []time.Duration {
	rng := rand.New(rand.NewSource(seed))
	at := make([]time.Duration, n)
	t := 0.0
	for i := range at {
		t += rng.ExpFloat64() / rate
		at[i] = time.Duration(t * float64(time.Second))
	}
	return at
}

// runPolicy starts each request at its scheduled time, whether or not the
// earlier ones are answered (an open loop), and measures its latency from
// that time, so a backlog is counted, not hidden. It stops launching when
// the schedule ends or the run's deadline passes, then waits for them all.
func runPolicy(client *http.Client, urls []string, bal *balancer,
	schedule []time.Duration, limit time.Duration) result {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	res := result{perServer: make([]int, len(urls))}
	var mu sync.Mutex // guards res.answered and res.latencies
	var wg sync.WaitGroup
	start := time.Now()
	for _, at := range schedule {
		due := start.Add(at)
		select {
		case <-time.After(time.Until(due)): // at once if already late
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		k := bal.pick()
		res.perServer[k]++
		bal.outstanding[k].Add(1) // before the next pick can look
		wg.Add(1)
		go func(k int, due time.Time) {
			defer wg.Done()
			defer bal.outstanding[k].Add(-1) // on every way out
			if err := send(ctx, client, urls[k]); err != nil {
				return // unanswered: counted by its absence
			}
			took := time.Since(due)
			mu.Lock()
			res.answered++
			res.latencies = append(res.latencies, took)
			mu.Unlock()
		}(k, due)
	}
	wg.Wait()
	return res
}

// ANCHOR_END: generator

func send(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}

// stopAll shuts every backend down and counts those whose Serve returned
// http.ErrServerClosed, that is, that really stopped.
func stopAll(backends []*backend) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stopped := 0
	for _, b := range backends {
		if err := b.srv.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "shutdown:", err)
			continue
		}
		if err := <-b.served; errors.Is(err, http.ErrServerClosed) {
			stopped++
		}
	}
	return stopped
}

func main() {
	servers := flag.Int("servers", 4, "how many backends (at least 2)")
	slots := flag.Int("slots", 4, "requests a backend serves at once")
	service := flag.Duration("service", 4*time.Millisecond,
		"how long a fast backend takes per request")
	slowdown := flag.Int("slowdown", 4, "how many times slower the last backend is")
	requests := flag.Int("requests", 800, "requests per policy")
	load := flag.Float64("load", 0.65, "arrival rate as a fraction of total capacity")
	seed := flag.Int64("seed", 42, "seed of the schedule and of the picks")
	limit := flag.Duration("timeout", 5*time.Second, "upper bound on each policy's run")
	flag.Parse()
	if *servers < 2 || *slots < 1 || *service <= 0 || *slowdown < 1 ||
		*requests < 1 || !(*load > 0 && *load <= 2) || *limit <= 0 {
		fmt.Fprintln(os.Stderr, "need -servers >= 2, -slots >= 1, -service > 0, "+
			"-slowdown >= 1, -requests >= 1, 0 < -load <= 2, -timeout > 0")
		os.Exit(2)
	}

	// ANCHOR: main
	var backends []*backend
	var urls []string
	for i := 0; i < *servers; i++ {
		took := *service
		if i == *servers-1 {
			took *= time.Duration(*slowdown) // the last one is the slow one
		}
		b, err := startBackend(*slots, took)
		if err != nil {
			fmt.Fprintln(os.Stderr, "start a backend:", err)
			stopAll(backends)
			os.Exit(1)
		}
		backends = append(backends, b)
		urls = append(urls, b.url)
	}
	// Per second: slots/service from each fast backend, less from the slow.
	perFast := float64(*slots) / service.Seconds()
	capacity := perFast*float64(*servers-1) + perFast/float64(*slowdown)
	rate := *load * capacity
	fmt.Printf("%d backends, %d slots each, %s a request; backend %d takes %s\n",
		*servers, *slots, *service, *servers-1, *service*time.Duration(*slowdown))
	fmt.Printf("%d requests a policy, Poisson at %.0f/s (%.0f%% of %.0f/s)\n",
		*requests, rate, *load*100, capacity)

	transport := &http.Transport{MaxIdleConnsPerHost: 256}
	client := &http.Client{Transport: transport}
	schedule := arrivals(*requests, rate, *seed)
	for _, twoChoices := range []bool{false, true} {
		bal := &balancer{
			twoChoices:  twoChoices,
			rng:         rand.New(rand.NewSource(*seed)),
			outstanding: make([]atomic.Int64, len(urls)),
		}
		res := runPolicy(client, urls, bal, schedule, *limit)
		sort.Slice(res.latencies, func(a, b int) bool {
			return res.latencies[a] < res.latencies[b]
		})
		name := "random"
		if twoChoices {
			name = "two-choices"
		}
		// A value that varies from run to run is printed after a "~", the
		// book's mark for it: latencies always, and the per-server counts
		// under two choices, which follow the timing of the answers.
		// Random's counts follow from the seed alone.
		counts := fmt.Sprint(res.perServer)
		if twoChoices {
			counts = strings.ReplaceAll(counts, "[", "[~")
			counts = strings.ReplaceAll(counts, " ", " ~")
		}
		fmt.Printf("%-11s answered %d/%d  per server %s  p50 ~%s  p99 ~%s\n",
			name, res.answered, *requests, counts,
			ms(percentile(res.latencies, 50)), ms(percentile(res.latencies, 99)))
	}
	transport.CloseIdleConnections()
	fmt.Printf("backends shut down: %d of %d\n", stopAll(backends), len(backends))
	// ANCHOR_END: main
}
