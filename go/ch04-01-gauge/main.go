// The Go twin of Gauge::enter_check_then_act in src/parallelism/tracker.rs:
// a gauge of busy goroutines whose high-water mark is kept with a load, a
// compare and a store. Every access is atomic, so the race detector has no
// data race to report, yet the peak can be lost.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ANCHOR: gauge
type gauge struct {
	now, peak atomic.Int64
}

func (g *gauge) enter() int64 {
	now := g.now.Add(1)
	if now > g.peak.Load() { // check ...
		g.peak.Store(now) // ... then act: another goroutine may have stored more
	}
	return now
}

func (g *gauge) leave() { g.now.Add(-1) }

// ANCHOR_END: gauge

func main() {
	var g gauge
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.enter()
			time.Sleep(time.Millisecond)
			g.leave()
		}()
	}
	wg.Wait()
	fmt.Printf("peak: %d busy at once\n", g.peak.Load())
}
