// The quick reference's counter with the mutex forgotten: it compiles, and
// only the race detector, at run time, notices. The Rust version of this
// mistake is a compile error (tests/ui/ch09-01-counter-without-lock.rs).
package main

import (
	"fmt"
	"sync"
)

func main() {
	// ANCHOR: main
	const workers, perWorker = 4, 1000
	var (
		counter int
		wg      sync.WaitGroup
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				counter++ // unsynchronised read-modify-write
			}
		}()
	}
	wg.Wait()
	fmt.Printf("counter = %d (%d workers x %d increments)\n", counter, workers, perWorker)
	// ANCHOR_END: main
}
