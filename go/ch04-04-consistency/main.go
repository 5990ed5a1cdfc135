// Section 4.4 of the article, rewritten in this project's words, with the
// one line it lacks (the "sync" import) put back: three nodes, each with
// a value and a mutex, and one goroutine per node that loops for ever.
// The captured loop variable is kept on purpose; the book discusses it.
// The listing as the article has it, without the import, is
// testdata/main.go, where `go build ./...` and `go vet ./...` skip it.
// Its Rust port is src/bin/ch04-04-port.rs.
//
//	go run ./ch04-04-consistency                     # 10ms ticks, 100ms in all
//	go run ./ch04-04-consistency -tick 1s -for 10s   # the article's timing
package main

// ANCHOR: program
// ANCHOR: imports
import (
	"flag"
	"fmt"
	"sync"
	"time"
)

// ANCHOR_END: imports

// ANCHOR: node
// Node is one replica of a value.
type Node struct {
	id    int
	value int
	mu    sync.Mutex
	next  *Node // never set, never read
}

// ANCHOR_END: node

func main() {
	ms := time.Millisecond
	tick := flag.Duration("tick", 10*ms, "each node's sleep (the article: 1s)")
	runFor := flag.Duration("for", 100*ms, "main's sleep (the article: 10s)")
	flag.Parse()

	// ANCHOR: main
	nodes := []*Node{{id: 1, value: 1}, {id: 2, value: 2}, {id: 3, value: 3}}
	for i := 0; i < len(nodes); i++ {
		go func(n *Node) {
			for { // nothing ever stops this loop
				n.mu.Lock()
				if n.value != i+1 { // i is the loop's variable
					n.value = i + 1
					fmt.Printf("node %d updated to %d\n", n.id, n.value)
				}
				n.mu.Unlock()
				time.Sleep(*tick)
			}
		}(nodes[i])
	}
	time.Sleep(*runFor) // the goroutines die when main returns
	// ANCHOR_END: main
}

// ANCHOR_END: program
