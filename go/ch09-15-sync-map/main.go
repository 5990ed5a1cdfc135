// The Go side of the quick reference's sync.Map row: four goroutines race
// to store the same three keys with LoadOrStore, as a cache that only grows
// does. Its Rust twin is src/bin/ch09-15-sync-map.rs; the Rust program
// prints these lines first.
package main

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

func main() {
	// ANCHOR: main
	var cache sync.Map // keys and values are `any`
	var stored, found atomic.Int64
	var wg sync.WaitGroup
	for w := 1; w <= 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for _, key := range []string{"a", "b", "c"} {
				if _, loaded := cache.LoadOrStore(key, w); loaded {
					found.Add(1)
				} else {
					stored.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	var keys []string
	cache.Range(func(k, v any) bool {
		keys = append(keys, k.(string)) // a type assertion: the map holds `any`
		return true
	})
	sort.Strings(keys)
	fmt.Printf("4 workers, 3 keys: %d stored, %d found already there\n",
		stored.Load(), found.Load())
	fmt.Printf("keys: [%s]\n", strings.Join(keys, ", "))
	// ANCHOR_END: main
}
