// The Go side of the quick reference's first row: goroutines, a WaitGroup
// and a Mutex guarding a counter. Its Rust twin is
// src/bin/ch09-01-mutex-counter.rs.
package main

import (
	"fmt"
	"sync"
)

func main() {
	// ANCHOR: main
	const workers, perWorker = 4, 1000
	var (
		mu      sync.Mutex
		counter int // guarded by mu, by convention only
		wg      sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("counter = %d (%d workers x %d increments)\n", counter, workers, perWorker)
	// ANCHOR_END: main
}
