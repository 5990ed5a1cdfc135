// go/ch04-03-fault-tolerance on a generator of its own, seeded from a
// flag instead of the clock, so a run can be shown and replayed: the
// stream of rand.New(rand.NewSource(seed)) is fixed by Go 1's
// compatibility promise. It prints one run's picks per server and what
// was lost, then the same hundred requests over many seeds. Nothing
// else changes: "server2" still fails by name, and nothing retries.
//
//	go run ./ch04-03-fault-tolerance-seeded -seed 1 -runs 1000
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
)

var backends = []string{"server1", "server2", "server3"}

// ANCHOR: run
// run is the source's loop on r: how many picks each backend got, and
// how many requests failed (those that picked "server2").
func run(r *rand.Rand, requests int) (picks map[string]int, lost int) {
	picks = make(map[string]int)
	for id := 1; id <= requests; id++ {
		target := backends[r.Intn(len(backends))]
		picks[target]++
		if target == "server2" {
			lost++ // counted, then dropped, as in the source
		}
	}
	return picks, lost
}

// ANCHOR_END: run

func main() {
	seed := flag.Int64("seed", 1, "the seed of the run shown, and the first one")
	runs := flag.Int("runs", 1000, "how many seeds (seed, seed+1, ...) to run")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "-runs must be at least 1")
		os.Exit(2)
	}
	// ANCHOR: main
	picks, lost := run(rand.New(rand.NewSource(*seed)), 100)
	fmt.Printf("seed %d: 100 requests over %d servers, server2 failing\n",
		*seed, len(backends))
	for _, b := range backends {
		verdict := "sent"
		if b == "server2" {
			verdict = "failed"
		}
		fmt.Printf("%s  %3d %s\n", b, picks[b], verdict)
	}
	fmt.Printf("requests failed: %d of 100\n", lost)

	sent, total, fewest, most := 100*(*runs), 0, 101, -1
	for k := 0; k < *runs; k++ {
		_, n := run(rand.New(rand.NewSource(*seed+int64(k))), 100)
		total += n
		fewest, most = min(fewest, n), max(most, n)
	}
	share := 100 * float64(total) / float64(sent)
	fmt.Printf("over %d seeds: %d of %d requests failed (%.1f%%), fewest %d, most %d\n",
		*runs, total, sent, share, fewest, most)
	// ANCHOR_END: main
}
