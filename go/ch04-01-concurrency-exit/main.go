// The goroutine body of go/ch04-01-concurrency with two ways out that skip
// mu.Unlock() and wg.Done(): a panic, and an early return (an error path).
//
//	go run ./ch04-01-concurrency-exit -panic-in 3    # the process dies
//	go run ./ch04-01-concurrency-exit -return-in 3   # the others wait forever
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
	returnIn := flag.Int("return-in", -1, "the goroutine that returns early")
	flag.Parse()

	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			// ANCHOR: body
			mu.Lock()
			fmt.Printf("goroutine %d started\n", i)
			if i == *panicIn {
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
