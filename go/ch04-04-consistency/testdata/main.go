// Section 4.4 of the article as it stands: the same program as
// ../main.go, but without the "sync" import, so it does not compile.
// It lives in testdata/ because the go tool skips such directories in
// `go build ./...` and `go vet ./...`; tests/go_checks/ch04_04.rs builds
// it and checks that it differs from ../main.go only in that import.
//
//	cd go/ch04-04-consistency/testdata && go run main.go
package main

// ANCHOR: program
// ANCHOR: imports
import (
	"flag"
	"fmt"
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
