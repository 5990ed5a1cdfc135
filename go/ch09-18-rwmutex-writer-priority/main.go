// The Go side of the quick reference's RWMutex row: once a writer waits,
// new readers wait too, even while the lock is only read-locked. Its Rust
// twin is src/bin/ch09-18-rwmutex-writer-priority.rs; on Linux the two
// print the same lines.
package main

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	// ANCHOR: main
	var mu sync.RWMutex
	value := 0
	mu.RLock() // a reader holds the lock
	written := make(chan struct{})
	go func() {
		mu.Lock() // waits for the reader
		value++
		mu.Unlock()
		close(written)
	}()
	// Ask, as a new reader, until the writer is waiting (give up after 1 s).
	turnedAway := false
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		if !mu.TryRLock() {
			turnedAway = true
			break
		}
		mu.RUnlock()
		time.Sleep(time.Millisecond)
	}
	fmt.Println("while a reader holds the lock and a writer waits,")
	fmt.Println("a new reader is turned away:", turnedAway)
	mu.RUnlock() // the writer goes first, then readers again
	<-written
	mu.RLock()
	fmt.Println("after the writer, a reader sees", value)
	mu.RUnlock()
	// ANCHOR_END: main
}
