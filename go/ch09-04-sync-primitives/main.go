// The Go side of the quick reference's sync rows: RWMutex, Once, atomic.
// Its Rust twin is src/bin/ch09-04-sync-primitives.rs; both print the same
// lines.
package main

import (
	"fmt"
	"sync"
	"sync/atomic"
)

func main() {
	rwmutex()
	once()
	atomics()
}

func rwmutex() {
	// ANCHOR: rwlock
	var mu sync.RWMutex
	config := "v1" // guarded by mu, by convention only
	mu.RLock()
	second := mu.TryRLock()
	fmt.Printf("rwlock: a second reader got in: %t\n", second)
	blocked := !mu.TryLock()
	fmt.Printf("rwlock: a writer would block while %s is being read: %t\n",
		config, blocked)
	mu.RUnlock()
	if second {
		mu.RUnlock()
	}
	mu.Lock()
	config = "v2"
	mu.Unlock()
	mu.RLock()
	fmt.Printf("rwlock: after the readers left, the writer set %s\n", config)
	mu.RUnlock()
	// ANCHOR_END: rwlock
}

func once() {
	// ANCHOR: once
	var (
		o        sync.Once
		settings uint64 // written once, inside o.Do
		runs     atomic.Uint64
		wg       sync.WaitGroup
	)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o.Do(func() {
				runs.Add(1)
				settings = 42
			})
		}()
	}
	wg.Wait()
	fmt.Printf("once: 4 threads asked, the initialiser ran %d time, value %d\n",
		runs.Load(), settings)
	// ANCHOR_END: once
}

func atomics() {
	// ANCHOR: atomic
	var (
		hits atomic.Int64
		wg   sync.WaitGroup
	)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				hits.Add(1)
			}
		}()
	}
	wg.Wait()
	total := hits.Load()
	swapped := hits.CompareAndSwap(4000, 0)
	fmt.Printf("atomic: 4 threads x 1000 adds = %d, CompareAndSwap(4000, 0) = %t\n",
		total, swapped)
	// ANCHOR_END: atomic
}
