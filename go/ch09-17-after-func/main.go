// The Go side of the quick reference's time.AfterFunc row: run a function
// later, and stop it before it runs. Its Rust twin is
// src/bin/ch09-17-after-func.rs; the two print the same lines.
package main

import (
	"fmt"
	"time"
)

func main() {
	// ANCHOR: main
	fired := make(chan string, 2)
	first := time.AfterFunc(50*time.Millisecond, func() { fired <- "first" })
	second := time.AfterFunc(100*time.Millisecond, func() { fired <- "second" })
	fmt.Println("the", <-fired, "timer fired")
	fmt.Println("stopping the second timer before it fires:", second.Stop())
	fmt.Println("stopping the first timer after it fired:", first.Stop())
	time.Sleep(100 * time.Millisecond) // past the second timer's time
	fmt.Println("timers that fired in all:", 1+len(fired))
	// ANCHOR_END: main
}
