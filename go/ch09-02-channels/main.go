// The Go side of the quick reference's channel rows: unbuffered and buffered
// channels, close and range. Its Rust twin is src/bin/ch09-02-channels.rs;
// both print the same lines (Rust prints one more, about a send with no
// receiver, which in Go would block forever).
package main

import "fmt"

func main() {
	unbuffered()
	buffered(2)
	closeAndRange()
}

func unbuffered() {
	// ANCHOR: unbuffered
	ch := make(chan int) // capacity 0: a send waits for a receiver
	select {
	case ch <- 1:
		fmt.Println("unbuffered: the send went through")
	default:
		fmt.Println("unbuffered: a send would block: no receiver is waiting")
	}
	got := make(chan int)
	go func() { got <- <-ch }()
	ch <- 1 // blocks until the goroutine takes it
	fmt.Printf("unbuffered: handed %d straight to a waiting receiver\n", <-got)
	// ANCHOR_END: unbuffered
}

func buffered(capacity int) {
	// ANCHOR: buffered
	ch := make(chan int, capacity)
	for v := 1; v <= capacity+1; v++ {
		select {
		case ch <- v:
			fmt.Printf("buffered(%d): sent %d without a receiver\n", capacity, v)
		default:
			fmt.Printf("buffered(%d): a send of %d would block: the buffer is full\n",
				capacity, v)
		}
	}
	close(ch)
	var drained []string
	for v := range ch {
		drained = append(drained, fmt.Sprint(v))
	}
	fmt.Printf("buffered(%d): the receiver drained %v\n", capacity, fmtList(drained))
	// ANCHOR_END: buffered
}

func closeAndRange() {
	// ANCHOR: close_and_range
	ch := make(chan int)
	go func() {
		for v := 1; v <= 5; v++ {
			ch <- v
		}
		close(ch) // forget this and the range below waits forever
	}()
	var got []string
	for v := range ch {
		got = append(got, fmt.Sprint(v))
	}
	fmt.Printf("range: got %s, then the channel was closed\n", fmtList(got))
	if v, ok := <-ch; ok {
		fmt.Printf("receive after close: %d\n", v)
	} else {
		fmt.Println("receive after close: nothing (ok = false)")
	}
	// ANCHOR_END: close_and_range
}

// fmtList prints a list the way Rust's {:?} does: [1, 2, 3].
func fmtList(items []string) string {
	out := "["
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out + "]"
}
