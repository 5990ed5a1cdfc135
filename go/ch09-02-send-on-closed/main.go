// Sending on a closed channel compiles, passes go vet, and panics at run
// time. Its Rust counterpart, tests/ui/ch09-02-send-after-close.rs, does not
// compile.
package main

import "fmt"

func main() {
	// ANCHOR: main
	ch := make(chan int, 1)
	close(ch)
	ch <- 1 // panics: send on closed channel
	// ANCHOR_END: main
	fmt.Println("not reached")
}
