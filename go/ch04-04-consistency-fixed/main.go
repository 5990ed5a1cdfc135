// go/ch04-04-consistency repaired, still in Go: each goroutine gets its
// node and its target as arguments and owns the node until it returns, a
// context tells every loop when to stop, wg.Done() is deferred, and main waits
// for every goroutine before it prints, in node order. What it prints is
// the same as src/bin/ch04-04-fixed.rs.
//
//	go run ./ch04-04-consistency-fixed
//	go run ./ch04-04-consistency-fixed -tick 1s -for 10s
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"
)

// Node is one replica of a value. Only the goroutine running it touches
// it, so it needs no lock.
type Node struct {
	id    int
	value int
}

// Report is what a node's goroutine hands back when it stops.
type Report struct {
	rounds  int
	updates int
}

// ANCHOR: run
// run is one node's loop: it owns n until it returns, and it returns as
// soon as ctx is done. It waits tick after each round (a fixed delay, as
// the Rust version's recv_timeout does; a time.Ticker would keep a fixed
// rate instead).
func run(ctx context.Context, n *Node, target int, tick time.Duration) Report {
	var r Report
	for {
		r.rounds++
		if n.value != target {
			n.value = target
			r.updates++
		}
		select {
		case <-ctx.Done():
			return r
		case <-time.After(tick): // a fresh wait after every round
		}
	}
}

// ANCHOR_END: run

func main() {
	ms := time.Millisecond
	tick := flag.Duration("tick", 10*ms, "how long a node waits between rounds")
	runFor := flag.Duration("for", 100*ms, "how long the nodes run")
	flag.Parse()
	if *tick <= 0 || *runFor <= 0 {
		fmt.Fprintln(os.Stderr, "-tick and -for must be > 0")
		os.Exit(2)
	}

	// ANCHOR: main
	ctx, cancel := context.WithTimeout(context.Background(), *runFor)
	defer cancel()
	nodes := []*Node{{id: 1, value: 1}, {id: 2, value: 2}, {id: 3, value: 3}}
	reports := make([]Report, len(nodes)) // slot i belongs to goroutine i
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func(i int, n *Node) { // its own i and node, in every Go version
			defer wg.Done()
			reports[i] = run(ctx, n, i+1, *tick)
		}(i, n)
	}
	wg.Wait() // every goroutine has returned: nodes and reports are ours
	for i, n := range nodes {
		r := reports[i]
		fmt.Printf("node %d holds %d: %d updates in ~%d rounds\n",
			n.id, n.value, r.updates, r.rounds)
	}
	fmt.Println("all nodes stopped; no node ever read another")
	// ANCHOR_END: main
}
