// The Go side of the quick reference's actor row: one goroutine owns the
// balance, and the others reach it only through messages, each carrying a
// channel for the reply. Its Rust twin is src/bin/ch09-11-actor.rs; the two
// print the same lines.
package main

import (
	"fmt"
	"sync"
)

// ANCHOR: actor
type reply struct {
	balance int  // the balance after the request
	ok      bool // false: refused, the balance is unchanged
}

type request struct {
	amount int // > 0 deposits, < 0 withdraws, 0 only reads
	reply  chan reply
}

// account is the actor: the only code that touches balance.
func account(requests <-chan request) int {
	balance := 0
	for r := range requests {
		if balance+r.amount < 0 {
			r.reply <- reply{balance, false}
			continue
		}
		balance += r.amount
		r.reply <- reply{balance, true}
	}
	return balance // the requests channel was closed
}

// ask sends one request and waits for its reply.
func ask(requests chan<- request, amount int) reply {
	answer := make(chan reply, 1) // capacity 1: the actor never waits on it
	requests <- request{amount, answer}
	return <-answer
}

func (r reply) String() string {
	if !r.ok {
		return fmt.Sprintf("refused, balance %d", r.balance)
	}
	return fmt.Sprintf("balance %d", r.balance)
}

// ANCHOR_END: actor

func main() {
	// ANCHOR: main
	requests := make(chan request)
	final := make(chan int)
	go func() { final <- account(requests) }()

	fmt.Println("deposit 10:", ask(requests, 10))
	fmt.Println("withdraw 25:", ask(requests, -25))
	var wg sync.WaitGroup
	for c := 1; c <= 4; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				ask(requests, c)
			}
		}(c)
	}
	wg.Wait()
	fmt.Println("after 4 clients sent 40 deposits:", ask(requests, 0))
	close(requests) // the actor's range loop ends
	fmt.Println("the actor stopped with balance", <-final)
	// ANCHOR_END: main
}
