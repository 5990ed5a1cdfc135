// The Go side of the quick reference's worker-pool row. Its Rust twin is
// src/bin/ch09-07-worker-pool.rs (the pool itself is
// src/quickref/worker_pool.rs); both print the same line.
package main

import (
	"fmt"
	"strings"
	"sync"
)

func main() {
	// ANCHOR: main
	const workers, n = 3, 8
	type result struct{ index, value int }
	jobs := make(chan int)
	results := make(chan result)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs { // many receivers share one channel
				results <- result{j - 1, j * j}
			}
		}()
	}
	go func() {
		for j := 1; j <= n; j++ {
			jobs <- j
		}
		close(jobs) // ends every worker's range loop
	}()
	go func() {
		wg.Wait()
		close(results) // ends the collecting loop below
	}()
	squares := make([]string, n)
	for r := range results {
		squares[r.index] = fmt.Sprint(r.value)
	}
	fmt.Printf("%d jobs on %d workers: [%s]\n", n, workers, strings.Join(squares, ", "))
	// ANCHOR_END: main
}
