// The Go twin of lost_update in src/quickref/counter.rs: every access is
// atomic, so go vet and the race detector have nothing to report, yet the
// load followed by a store can lose an increment.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	// ANCHOR: main
	var (
		counter atomic.Int64
		wg      sync.WaitGroup
	)
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				v := counter.Load()  // atomic ...
				counter.Store(v + 1) // ... and atomic, but not together
			}
		}()
	}
	wg.Wait()
	// ANCHOR_END: main
	fmt.Printf("counter: %d of 2000\n", counter.Load())
}
