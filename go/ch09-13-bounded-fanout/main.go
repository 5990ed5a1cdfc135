// The Go side of the quick reference's bounded fan-out row: errgroup's
// SetLimit, built from the standard library (errgroup lives in
// golang.org/x/sync). Its Rust twin is src/bin/ch09-13-bounded-fanout.rs;
// the Rust program prints these lines first.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// ANCHOR: group
// group behaves like errgroup.Group after SetLimit(limit): Go waits for a
// free slot before it starts f, and Wait returns the first error.
type group struct {
	slots chan struct{} // a buffered channel as a semaphore
	wg    sync.WaitGroup
	once  sync.Once
	err   error
}

func newGroup(limit int) *group {
	return &group{slots: make(chan struct{}, limit)}
}

func (g *group) Go(f func() error) {
	g.slots <- struct{}{} // blocks while `limit` goroutines are running
	g.wg.Add(1)
	go func() {
		defer func() { <-g.slots; g.wg.Done() }()
		if err := f(); err != nil {
			g.once.Do(func() { g.err = err })
		}
	}()
}

func (g *group) Wait() error {
	g.wg.Wait()
	return g.err
}

// ANCHOR_END: group

func main() {
	// ANCHOR: main
	const jobs, limit = 6, 2
	var mu sync.Mutex // guards the three below
	running, peak := 0, 0
	var results []int
	fetch := func(id int) func() error {
		return func() error {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			defer func() { mu.Lock(); running--; mu.Unlock() }()
			time.Sleep(50 * time.Millisecond) // the work
			if id == 4 {
				return fmt.Errorf("job %d: failed", id)
			}
			mu.Lock()
			results = append(results, id*10)
			mu.Unlock()
			return nil
		}
	}
	g := newGroup(limit)
	for id := 1; id <= jobs; id++ {
		g.Go(fetch(id)) // waits here while `limit` jobs are running
	}
	err := g.Wait()
	fmt.Printf("%d jobs, limit %d: at most %d ran at once\n", jobs, limit, peak)
	fmt.Println("first error:", err)
	sort.Ints(results)
	fmt.Println("results:", fmtInts(results))
	// ANCHOR_END: main
}

// fmtInts prints a list the way Rust's {:?} does: [1, 2, 3].
func fmtInts(items []int) string {
	words := make([]string, len(items))
	for i, v := range items {
		words[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(words, ", ") + "]"
}
