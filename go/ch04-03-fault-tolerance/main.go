// Section 4.3 of the source, rewritten in this project's words: the same
// hundred random picks over three server names as section 4.2, except
// that any request whose pick is "server2" counts as failed. The failure
// is decided by the name alone; nothing is sent, and a failed request is
// neither retried, nor moved to another server, nor waited for: it is
// counted and dropped. The weak points are kept on purpose; the book
// discusses each. Its Rust port is src/bin/ch04-03-port.rs.
//
//	go run ./ch04-03-fault-tolerance
package main

import (
	"fmt"
	"math/rand"
	"time"
)

func main() {
	// ANCHOR: main
	backends := []string{"server1", "server2", "server3"}
	rand.Seed(time.Now().UnixNano()) // deprecated since Go 1.20, as in 4.2
	lost := 0
	for id := 1; id <= 100; id++ {
		target := backends[rand.Intn(len(backends))]
		if target == "server2" { // the only fault there is, named in code
			lost++
			fmt.Printf("request %d failed on %s\n", id, target)
			continue // no retry, no other server, no wait: the request is gone
		}
		fmt.Printf("request %d sent to %s\n", id, target)
	}
	fmt.Printf("requests failed: %d of 100\n", lost)
	// ANCHOR_END: main
}
