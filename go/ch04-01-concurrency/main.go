// Section 4.1 of the source, rewritten in this project's words: ten
// goroutines, a WaitGroup and one Mutex that every goroutine holds while it
// "works" (sleeps). The bugs are kept on purpose; the book discusses each.
// Its Rust port is src/bin/ch04-01-port.rs.
//
//	go run ./ch04-01-concurrency              # 10 x 100ms
//	go run ./ch04-01-concurrency -sleep 1s    # the source's one second
package main

import (
	"flag"
	"fmt"
	"sync"
	"time"
)

func main() {
	sleep := flag.Duration("sleep", 100*time.Millisecond, "how long each goroutine works (the source used 1s)")
	flag.Parse()

	// ANCHOR: main
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			mu.Lock() // held for the whole task, the sleep included
			// i is the loop's variable, shared by every goroutine before Go 1.22
			fmt.Printf("goroutine %d started\n", i)
			time.Sleep(*sleep)
			fmt.Printf("goroutine %d finished\n", i)
			mu.Unlock()
			wg.Done() // not deferred
		}()
	}
	wg.Wait()
	fmt.Println("all goroutines finished")
	// ANCHOR_END: main
}
