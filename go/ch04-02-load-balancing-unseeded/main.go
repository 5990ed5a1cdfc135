// go/ch04-02-load-balancing with the deprecated rand.Seed call deleted,
// which is all Go 1.20 and later ask for: the global generator is then
// seeded randomly when the program starts, so two runs differ. Setting
// GODEBUG=randautoseed=0 brings back the old fixed start-up seed (as if
// Seed(1) were called), and every run prints the same picks.
//
//	go run ./ch04-02-load-balancing-unseeded
//	GODEBUG=randautoseed=0 go run ./ch04-02-load-balancing-unseeded
package main

import (
	"fmt"
	"math/rand"
)

func main() {
	// ANCHOR: main
	backends := []string{"server1", "server2", "server3"}
	for n := 0; n < 100; n++ { // no Seed: Go seeds the generator itself
		target := backends[rand.Intn(len(backends))]
		fmt.Println("request sent to", target)
	}
	// ANCHOR_END: main
}
