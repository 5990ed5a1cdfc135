// The Go side of the quick reference's select row. Its Rust twin is
// src/bin/ch09-03-select.rs.
package main

import (
	"fmt"
	"sort"
)

func main() {
	const rounds = 10000
	a, b := bothReady(rounds)
	fmt.Printf("select, %d rounds, both channels ready every time:\n", rounds)
	fmt.Printf("  a won ~%.1f%%, b won ~%.1f%%\n", percent(a, rounds), percent(b, rounds))
	fmt.Println(defaultOnEmpty())
	fmt.Println(mergeUntilClosed())
}

func percent(part, whole int) float64 { return 100 * float64(part) / float64(whole) }

// ANCHOR: random
func bothReady(rounds int) (a, b int) {
	chA, chB := make(chan rune, 1), make(chan rune, 1)
	for i := 0; i < rounds; i++ {
		// Refill whichever channel the last round emptied.
		select {
		case chA <- 'a':
		default:
		}
		select {
		case chB <- 'b':
		default:
		}
		select { // both cases are ready: Go picks one uniformly at random
		case <-chA:
			a++
		case <-chB:
			b++
		}
	}
	return a, b
}

// ANCHOR_END: random

// ANCHOR: default
func defaultOnEmpty() string {
	ch := make(chan rune, 1)
	select {
	case v := <-ch:
		return fmt.Sprintf("got %c", v)
	default: // runs because no case is ready
		return "select on an empty channel: took the default case"
	}
}

// ANCHOR_END: default

// ANCHOR: merge
func mergeUntilClosed() string {
	chA, chB := make(chan int, 4), make(chan int, 4)
	go func() {
		for _, v := range []int{1, 2, 3} {
			chA <- v
		}
		close(chA)
		for _, v := range []int{10, 20} {
			chB <- v
		}
		close(chB)
	}()
	var merged []int
	for chA != nil || chB != nil {
		select {
		case v, ok := <-chA:
			if !ok {
				chA = nil // a nil channel's case is never ready
				continue
			}
			merged = append(merged, v)
		case v, ok := <-chB:
			if !ok {
				chB = nil
				continue
			}
			merged = append(merged, v)
		}
	}
	sort.Ints(merged) // arrival order depends on scheduling
	return fmt.Sprintf("merge until both close: got %v", merged)
}

// ANCHOR_END: merge
