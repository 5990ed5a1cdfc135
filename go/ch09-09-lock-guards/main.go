// The Go side of the quick reference's lock-guard row: a Go mutex is
// released where the code says Unlock, here by a defer when the function
// returns. Its Rust twin is src/bin/ch09-09-lock-guards.rs; the two print
// the same first two lines.
package main

import (
	"fmt"
	"sync"
)

// report prints whether a second attempt to take the lock got it.
func report(when string, secondAttemptLocked bool) {
	verb := "fails"
	if secondAttemptLocked {
		verb = "succeeds"
	}
	fmt.Printf("%s: a second lock attempt %s\n", when, verb)
}

// ANCHOR: main
func withLock(mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock() // runs when withLock returns
	report("while the lock is held", mu.TryLock())
}

func main() {
	var mu sync.Mutex
	withLock(&mu)
	ok := mu.TryLock()
	report("after the unlock", ok)
	if ok {
		mu.Unlock()
	}
}

// ANCHOR_END: main
