// The Go side of the quick reference's ticker row: what a time.Ticker does
// when its receiver falls behind. Its Rust twin is src/bin/ch09-06-ticker.rs.
package main

import (
	"fmt"
	"time"
)

func main() {
	// ANCHOR: main
	const period = 100 * time.Millisecond
	start := time.Now()
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	stamp := func(t time.Time) time.Duration {
		return t.Sub(start).Round(10 * time.Millisecond)
	}

	first := <-ticker.C // a tick's value is the time it was due
	fmt.Printf("first tick stamped %v\n", stamp(first))
	time.Sleep(350 * time.Millisecond) // a slow receiver misses three ticks

	waiting := 0
	var stale time.Time
	for drained := false; !drained; {
		select {
		case t := <-ticker.C:
			waiting++
			stale = t
		default:
			drained = true
		}
	}
	fmt.Printf("after a 350ms stall: %d tick was waiting, stamped %v\n",
		waiting, stamp(stale))
	fmt.Printf("next tick stamped %v\n", stamp(<-ticker.C))
	fmt.Printf("ticker channel capacity: %d\n", cap(ticker.C))
	// ANCHOR_END: main
}
