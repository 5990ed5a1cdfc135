// go/ch04-01-concurrency repaired, still in Go: the goroutine gets its own
// copy of the index, Done is deferred, and the mutex guards only the shared
// slice, not the work. Results are collected and printed in order.
//
//	go run ./ch04-01-concurrency-fixed -sleep 1s
package main

import (
	"flag"
	"fmt"
	"sort"
	"sync"
	"time"
)

func main() {
	sleep := flag.Duration("sleep", 100*time.Millisecond, "how long each goroutine works")
	flag.Parse()

	// ANCHOR: main
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := make([]int, 0, 10) // guarded by mu
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(id int) { // id is this goroutine's own copy
			defer wg.Done()    // runs on every way out, panic included
			time.Sleep(*sleep) // the work: no lock held
			mu.Lock()
			done = append(done, id) // the lock guards only shared state
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	sort.Ints(done)
	for _, id := range done {
		fmt.Printf("goroutine %d finished\n", id)
	}
	fmt.Println("all goroutines finished")
	// ANCHOR_END: main
}
