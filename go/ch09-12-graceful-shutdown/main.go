// The Go side of the quick reference's graceful-shutdown row: workers run
// until Ctrl-C (SIGINT) or, so that the book's run needs no key press, a
// timer; then they are cancelled, and the program waits for them, with a
// deadline, before it exits. Its Rust twin is
// src/bin/ch09-12-graceful-shutdown.rs.
//
// Run: go run ./ch09-12-graceful-shutdown -after 1h   (then press Ctrl-C)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"sync"
	"time"
)

// ANCHOR: worker
func worker(ctx context.Context, id int) string {
	for {
		select {
		case <-ctx.Done():
			time.Sleep(time.Duration(id) * 10 * time.Millisecond) // clean up
			return fmt.Sprintf("worker %d: cleaned up and stopped", id)
		case <-time.After(100 * time.Millisecond): // one round of work
		}
	}
}

// ANCHOR_END: worker

func main() {
	after := flag.Duration("after", 250*time.Millisecond, "shut down after this long")
	flag.Parse()
	// ANCHOR: main
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt) // Ctrl-C no longer kills the process
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var stopped []string
	for id := 1; id <= 3; id++ {
		wg.Add(1)
		go func(id int) {
			defer wg.Done()
			line := worker(ctx, id)
			mu.Lock()
			stopped = append(stopped, line)
			mu.Unlock()
		}(id)
	}
	select {
	case s := <-interrupt:
		fmt.Printf("shutdown requested by a signal (%v)\n", s)
	case <-time.After(*after):
		fmt.Println("shutdown requested by the timer")
	}
	cancel() // every worker's ctx.Done() is closed
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		fmt.Println("the workers did not stop in time; exiting anyway")
		os.Exit(1)
	}
	sort.Strings(stopped)
	for _, line := range stopped {
		fmt.Println(line)
	}
	fmt.Println("every worker stopped; exiting")
	// ANCHOR_END: main
}
