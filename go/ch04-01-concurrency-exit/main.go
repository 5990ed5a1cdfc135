// The goroutine body of go/ch04-01-concurrency with three ways out that
// skip mu.Unlock() and wg.Done(): a panic, a panic that a deferred helper
// recovers, and an early return (an error path).
//
//	go run ./ch04-01-concurrency-exit -panic-in 3     # the process dies
//	go run ./ch04-01-concurrency-exit -recover-in 3   # the runtime reports a deadlock
//	go run ./ch04-01-concurrency-exit -return-in 3    # the runtime reports a deadlock
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

func main() {
	sleep := flag.Duration("sleep", 100*time.Millisecond, "how long each goroutine works")
	panicIn := flag.Int("panic-in", -1, "the goroutine that panics")
	recoverIn := flag.Int("recover-in", -1, "the goroutine that panics and recovers")
	returnIn := flag.Int("return-in", -1, "the goroutine that returns early")
	flag.Parse()

	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			// ANCHOR: body
			if i == *recoverIn {
				defer func() { // a helper that swallows the panic
					fmt.Printf("goroutine %d recovered: %v\n", i, recover())
				}()
			}
			mu.Lock()
			fmt.Printf("goroutine %d started\n", i)
			if i == *panicIn || i == *recoverIn {
				panic(fmt.Sprintf("goroutine %d failed", i))
			}
			if i == *returnIn {
				return // an error path: no Unlock, no Done
			}
			time.Sleep(*sleep)
			fmt.Printf("goroutine %d finished\n", i)
			mu.Unlock()
			wg.Done()
			// ANCHOR_END: body
		}()
	}
	wg.Wait()
	fmt.Println("all goroutines finished")
}
