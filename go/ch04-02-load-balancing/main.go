// Section 4.2 of the source, rewritten in this project's words: three
// server names and a hundred requests, each "sent" to a name drawn
// uniformly at random from the package's global generator, which is first
// seeded with the clock. Nothing is sent and nothing is measured: the
// program prints one line per pick. The weak points are kept on purpose;
// the book discusses each. Its Rust port is src/bin/ch04-02-port.rs.
//
//	go run ./ch04-02-load-balancing
package main

import (
	"fmt"
	"math/rand"
	"time"
)

func main() {
	// ANCHOR: main
	backends := []string{"server1", "server2", "server3"}
	// Deprecated since Go 1.20, which seeds the global generator randomly
	// at start-up: this call adds nothing but a warning from linters.
	rand.Seed(time.Now().UnixNano())
	for n := 0; n < 100; n++ {
		// ANCHOR: pick
		target := backends[rand.Intn(len(backends))]
		// ANCHOR_END: pick
		fmt.Println("request sent to", target) // the only "sending" there is
	}
	// ANCHOR_END: main
}
