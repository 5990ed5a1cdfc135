// The Go side of the quick reference's sync.OnceValue row: a value computed
// once, on first use, however many goroutines ask; and what happens when
// the computation panics. Its Rust twin is src/bin/ch09-16-once-value.rs.
package main

import (
	"fmt"
	"sync"
)

func main() {
	// ANCHOR: once_value
	loads := 0
	config := sync.OnceValue(func() string {
		loads++ // runs once: OnceValue orders it before every return
		return "config v1"
	})
	var wg sync.WaitGroup
	got := make([]string, 4)
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			got[c] = config()
		}(c)
	}
	wg.Wait()
	fmt.Printf("4 callers got %q %q %q %q; the loader ran %d time\n",
		got[0], got[1], got[2], got[3], loads)
	// ANCHOR_END: once_value

	// ANCHOR: panics
	tries := 0
	flaky := sync.OnceValue(func() string {
		tries++
		panic("config file missing")
	})
	for call := 1; call <= 2; call++ {
		fmt.Printf("call %d: %s\n", call, recovering(flaky))
	}
	fmt.Printf("the loader ran %d time: every call repeats its panic\n", tries)
	// ANCHOR_END: panics
}

// recovering calls f and reports what it returned or how it panicked.
func recovering(f func() string) (outcome string) {
	defer func() {
		if p := recover(); p != nil {
			outcome = fmt.Sprintf("panicked: %v", p)
		}
	}()
	return fmt.Sprintf("got %q", f())
}
