// Closing a channel twice compiles and passes go vet, and panics at run
// time. In Rust a channel closes when its last Sender is dropped, and a
// value is dropped once.
package main

import "fmt"

func main() {
	// ANCHOR: main
	ch := make(chan int)
	close(ch)
	close(ch) // panics: close of closed channel
	// ANCHOR_END: main
	fmt.Println("not reached")
}
