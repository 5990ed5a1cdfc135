// The Go side of the quick reference's context rows: a deadline, a
// cancellation tree, and an errgroup built from the standard library. Its
// Rust twin is src/bin/ch09-05-context.rs.
package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

const ms = time.Millisecond

func main() {
	deadline()
	cancellation()
	errorGroup()
}

// sleepCtx waits for d, or returns early with the context's error.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ANCHOR: deadline
func deadline() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*ms)
	defer cancel()
	err := sleepCtx(ctx, 1000*ms) // the job must watch ctx.Done() itself
	fmt.Printf("timeout: %v (errors.Is DeadlineExceeded: %t)\n",
		err, errors.Is(err, context.DeadlineExceeded))
}

// ANCHOR_END: deadline

// ANCHOR: cancellation
func cancellation() {
	parent, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	report := make([]string, 2)
	for i := range report {
		child, cancelChild := context.WithCancel(parent)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cancelChild()
			for sleepCtx(child, 30*ms) == nil {
			}
			report[i] = fmt.Sprintf("worker %d: stopped: %v", i+1, child.Err())
		}()
	}
	time.Sleep(100 * ms)
	cancel() // reaches every child context
	wg.Wait()
	for _, line := range report {
		fmt.Println("cancel:", line)
	}
	parent2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	child, cancelChild := context.WithCancel(parent2)
	cancelChild() // cancelling a child leaves its parent alone
	fmt.Printf("cancel: child cancelled (%v), parent's error: %v\n",
		child.Err(), parent2.Err())
}

// ANCHOR_END: cancellation

// ANCHOR: errgroup
// errorGroup does what golang.org/x/sync/errgroup's WithContext does, with
// the standard library alone: the first error cancels the shared context.
func errorGroup() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	jobs := []struct {
		id    int
		ms    time.Duration
		fails bool
	}{{1, 200, false}, {2, 50, true}, {3, 300, false}}
	others := make([]string, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := sleepCtx(ctx, j.ms*ms); err != nil {
				others[i] = fmt.Sprintf("job %d: %v", j.id, err)
			} else if j.fails {
				cancel(fmt.Errorf("job %d: failed", j.id)) // only the first cause is kept
			}
		}()
	}
	wg.Wait()
	fmt.Printf("errgroup: first error %q; the others: %s\n",
		context.Cause(ctx), joinNonEmpty(others))
}

// ANCHOR_END: errgroup

func joinNonEmpty(items []string) string {
	var kept []string
	for _, s := range items {
		if s != "" {
			kept = append(kept, s)
		}
	}
	sort.Strings(kept)
	return strings.Join(kept, ", ")
}
