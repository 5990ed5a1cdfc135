// A send on an unbuffered channel that no goroutine will ever receive from
// blocks for good: the sending goroutine is leaked. Rust's send returns an
// error instead once every Receiver is gone.
package main

import (
	"fmt"
	"time"
)

func main() {
	// ANCHOR: main
	ch := make(chan int) // nobody will ever receive from ch
	sent := make(chan struct{})
	go func() {
		ch <- 7 // blocks for good: this goroutine leaks
		close(sent)
	}()
	select {
	case <-sent:
		fmt.Println("the send went through")
	case <-time.After(200 * time.Millisecond):
		fmt.Println("after 200ms the send is still blocked")
	}
	// ANCHOR_END: main
}
