// The Go side of the quick reference's sync.Cond row: a bounded queue whose
// producer waits while it is full and whose consumer waits while it is
// empty, and a Broadcast that wakes every waiter. Its Rust twin is
// src/bin/ch09-14-cond.rs; the two print the same lines.
package main

import (
	"fmt"
	"strings"
	"sync"
)

// ANCHOR: queue
type queue struct {
	mu      sync.Mutex
	changed *sync.Cond // signalled whenever items changes
	items   []int
	limit   int
}

func newQueue(limit int) *queue {
	q := &queue{limit: limit}
	q.changed = sync.NewCond(&q.mu)
	return q
}

func (q *queue) push(v int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == q.limit { // a loop: another goroutine may get in first
		q.changed.Wait() // unlocks mu while waiting, locks it again
	}
	q.items = append(q.items, v)
	q.changed.Broadcast()
}

func (q *queue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.items) == 0 {
		q.changed.Wait()
	}
	v := q.items[0]
	q.items = q.items[1:]
	q.changed.Broadcast()
	return v
}

// ANCHOR_END: queue

func main() {
	q := newQueue(2)
	go func() {
		for v := 1; v <= 6; v++ {
			q.push(v)
		}
	}()
	var got []string
	for i := 0; i < 6; i++ {
		got = append(got, fmt.Sprint(q.pop()))
	}
	fmt.Printf("through a queue of 2: [%s]\n", strings.Join(got, ", "))

	// ANCHOR: broadcast
	var mu sync.Mutex
	arrived := sync.NewCond(&mu)       // main waits on this one
	opened := sync.NewCond(&mu)        // the three waiters wait on this one
	open, waiting, woke := false, 0, 0 // all three guarded by mu
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			waiting++
			arrived.Signal()
			for !open {
				opened.Wait()
			}
			woke++
			mu.Unlock()
		}()
	}
	mu.Lock()
	for waiting < 3 {
		arrived.Wait()
	}
	open = true // all three are inside opened.Wait now
	mu.Unlock()
	opened.Broadcast() // wakes every waiter; Signal would wake one
	wg.Wait()
	fmt.Printf("broadcast: %d of 3 waiters woke\n", woke)
	// ANCHOR_END: broadcast
}
