// go/ch04-03-fault-tolerance repaired, still in Go: the requests really
// travel, and the faults are real. Three HTTP servers run on 127.0.0.1:
// server 0 refuses connections until -back-at, then listens again on the
// same port; server 1 answers 503 to a fraction of the tries; server 2
// stalls a fraction of them. The same seeded open-loop workload meets
// fresh servers once for each step of the fixed client: one random try
// (the source's way), a per-try timeout, retries with capped exponential
// backoff and full jitter, failover, a circuit breaker per server, a retry
// budget (twice: gRPC's example token ratio, then a larger one), and
// hedging. The Rust client is src/fault_tolerance/client.rs.
//
// The draws come from Go's math/rand/v2, not from the Rust program's
// ChaCha8Rng, so the two schedules differ request by request: compare the
// figures, not individual requests.
//
//	go run ./ch04-03-fault-tolerance-fixed
//	go run ./ch04-03-fault-tolerance-fixed -seed 7 -flaky 0.5 -back-at 400ms
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	// math/rand/v2 (Go 1.22): a source is seeded explicitly, and a PCG
	// takes two words, so the schedule and each request get a stream of
	// their own from one seed. Vetted as a go 1.21 module (the book's
	// tests/go_checks/baseline.rs does), vet reports
	// "rand.New requires go1.22 or later (module is go1.21)".
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// config is the workload and the fault plan, from the flags.
type config struct {
	seed       uint64
	requests   int
	rate       float64       // arrivals a second (Poisson)
	work       time.Duration // mean job size
	deadline   time.Duration // per request, from its scheduled time
	tryTimeout time.Duration // per try, from steps 1 on
	hedgeAfter time.Duration // step 6: when the second request goes
	backAt     time.Duration // server 0 listens again then
	flaky      float64       // fraction of tries server 1 answers 503
	stalls     float64       // fraction of tries server 2 stalls
	stall      time.Duration // how long a stall lasts
}

// The client's fixed settings, as in the Rust client.
const (
	servers        = 3
	slots          = 4 // tries a server works on at once
	maxRetries     = 3
	backoffBase    = 5 * time.Millisecond
	backoffCap     = 50 * time.Millisecond
	failuresToOpen = 3
	coolDown       = 100 * time.Millisecond
	budgetTokens   = 10  // gRPC's maxTokens, as in its examples
	grpcRatio      = 0.1 // gRPC's tokenRatio, as in its examples
	budgetRatio    = 0.5 // what rides out one server of three failing
)

// ANCHOR: faults
// attemptUnit is a number in [0, 1) fixed by (seed, server, request id,
// try number): an attempt fails (or stalls) when it is below the fault's
// fraction. The same attempt draws the same number in every run and in
// every step; it is the Rust servers' attempt_unit, bit for bit.
func attemptUnit(seed uint64, server int, id, try uint64) float64 {
	h := mix(mix(mix(seed)^uint64(server))^id) ^ try
	return float64(mix(h)>>11) / (1 << 53)
}

// mix is splitmix64's finaliser: a stable hash, the same on every machine.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

type fault int

const (
	downThenBack fault = iota // server 0
	flaky                     // server 1
	stalls                    // server 2
)

// server is one HTTP server on 127.0.0.1 with its fault, and what its
// handler counted.
type server struct {
	index   int
	fault   fault
	addr    string
	srv     *http.Server
	served  chan error    // what Serve returned, or why it never ran
	cancel  chan struct{} // closed by stop: a pending return is called off
	slots   chan struct{} // a try holds one while it works
	ok      atomic.Int64  // 200s written
	busy    atomic.Int64  // 503s written
	noticed atomic.Int64  // saw r.Context().Done() and stopped early
	wasted  atomic.Int64  // finished the work for a client already gone
	first   atomic.Int64  // when it first answered 200, ns after the start
}

func (s *server) handle(cfg *config, start time.Time) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		id, err1 := strconv.ParseUint(q.Get("id"), 10, 64)
		workUS, err2 := strconv.ParseUint(q.Get("work_us"), 10, 64)
		try, err3 := strconv.ParseUint(q.Get("try"), 10, 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest) // never retried
			return
		}
		if s.fault == flaky && attemptUnit(cfg.seed, s.index, id, try) < cfg.flaky {
			s.busy.Add(1)
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		ctx := r.Context() // done when the client goes away
		if s.fault == stalls && attemptUnit(cfg.seed, s.index, id, try) < cfg.stalls {
			stall := time.NewTimer(cfg.stall)
			select {
			case <-stall.C:
			case <-ctx.Done(): // the waits check the context...
				stall.Stop()
				s.noticed.Add(1)
				return
			}
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			s.noticed.Add(1)
			return
		}
		defer func() { <-s.slots }()
		time.Sleep(time.Duration(workUS) * time.Microsecond) // ...the work does not
		if ctx.Err() != nil {
			s.wasted.Add(1) // nobody is waiting for this answer
		}
		s.first.CompareAndSwap(0, int64(time.Since(start)))
		s.ok.Add(1)
		io.WriteString(w, "ok\n")
	}
}

// ANCHOR_END: faults

// ANCHOR: ports
// startServer starts one server. Server 0 takes a port without listening
// on it, so that connecting to it is refused, and listens at backAt.
func startServer(cfg *config, f fault, start time.Time) (*server, error) {
	s := &server{
		index:  int(f), // server 0 is down then back, 1 flaky, 2 stalls
		fault:  f,
		served: make(chan error, 1),
		cancel: make(chan struct{}),
		slots:  make(chan struct{}, slots),
	}
	s.srv = &http.Server{Handler: s.handle(cfg, start), ReadHeaderTimeout: time.Second}
	if f != downThenBack {
		ln, err := net.Listen("tcp", "127.0.0.1:0") // port 0: the OS picks one
		if err != nil {
			return nil, err
		}
		s.addr = ln.Addr().String()
		go func() { s.served <- s.srv.Serve(ln) }()
		return s, nil
	}
	fd, addr, err := reserve()
	if err != nil {
		return nil, err
	}
	s.addr = addr
	go func() {
		back := time.NewTimer(time.Until(start.Add(cfg.backAt)))
		defer back.Stop()
		select {
		case <-back.C:
		case <-s.cancel:
			syscall.Close(fd)
			s.served <- http.ErrServerClosed // stopped before it came back
			return
		}
		ln, err := listen(fd) // back, on the same port
		if err != nil {
			s.served <- err
			return
		}
		s.served <- s.srv.Serve(ln)
	}()
	return s, nil
}

// reserve binds a TCP socket to a port on 127.0.0.1 that the OS picks, and
// does not listen: the port stays taken, and a connection to it is
// refused. Closing a listener and listening again later would leave the
// port free in between, for any process that binds port 0 to take. The
// net package has no bind without listen, hence the syscalls (Unix only).
func reserve() (int, string, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, "", err
	}
	loopback := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}
	if err := syscall.Bind(fd, loopback); err != nil {
		syscall.Close(fd)
		return -1, "", err
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		syscall.Close(fd)
		return -1, "", err
	}
	return fd, fmt.Sprintf("127.0.0.1:%d", bound.(*syscall.SockaddrInet4).Port), nil
}

// listen starts listening on the reserved socket and hands it to the net
// package, which takes a copy of the descriptor.
func listen(fd int) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), "reserved port")
	defer f.Close()
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		return nil, err
	}
	return net.FileListener(f)
}

// stop shuts the server down (or calls off its return) and says whether
// Serve really ended with http.ErrServerClosed.
func (s *server) stop(ctx context.Context) error {
	close(s.cancel)
	if err := s.srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-s.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ANCHOR_END: ports

// ANCHOR: breaker
// breaker is one server's circuit breaker: closed, open (refuses calls for
// coolDown), half-open (lets one probe through). A mutex guards it, so the
// check "half-open and no probe out" and marking the probe are one step.
type breaker struct {
	mu       sync.Mutex
	state    int // closed, open or halfOpen
	failures int // in a row, while closed
	since    time.Time
	probeOut bool
	epoch    uint64 // transitions so far: a late answer's report is ignored
}

const (
	closed = iota
	open
	halfOpen
)

// ticket is the right to make one call; probe says it is the only one a
// half-open breaker lets through. A zero ticket belongs to no breaker.
type ticket struct {
	b     *breaker
	probe bool
	epoch uint64
}

func (b *breaker) admit(now time.Time) (ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.state == closed:
		return ticket{b, false, b.epoch}, true
	case b.state == open && now.Sub(b.since) >= coolDown:
		b.enter(halfOpen)
	case b.state == halfOpen && !b.probeOut:
	default:
		return ticket{}, false // open, or the probe is already out
	}
	b.probeOut = true
	return ticket{b, true, b.epoch}, true
}

func (b *breaker) enter(state int) {
	b.state, b.failures, b.probeOut = state, 0, false
	b.epoch++
}

// report records how the call went: ok and unwell count; a call given up
// or refused for its own sake (a 400) says nothing about the server, and
// a probe given up lets the next call probe.
func (t ticket) report(o outcome, now time.Time) {
	b := t.b
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.epoch != b.epoch {
		return // admitted before the last transition
	}
	switch {
	case o != ok && o != unwell:
		if t.probe {
			b.probeOut = false
		}
	case t.probe && o == ok:
		b.enter(closed)
	case t.probe:
		b.enter(open)
		b.since = now
	case o == ok:
		b.failures = 0
	default:
		b.failures++
		if b.failures >= failuresToOpen {
			b.enter(open)
			b.since = now
		}
	}
}

// ANCHOR_END: breaker

// ANCHOR: budget
// budget is gRPC's retry throttle, shared by every request of one client:
// a failed try takes a token, a success gives back `ratio` of one, and a
// retry (or a hedge) may go only while more than half are left: retries
// stop once more than ratio/(1+ratio) of the tries fail. Tokens are
// counted in thousandths in an atomic.Int64; each change is one
// compare-and-swap of the value it read, never a Load then a Store.
type budget struct {
	milli      atomic.Int64
	max, ratio int64
}

func newBudget(ratio float64) *budget {
	b := &budget{max: budgetTokens * 1000, ratio: int64(math.Round(ratio * 1000))}
	b.milli.Store(b.max)
	return b
}

func (b *budget) update(f func(int64) int64) {
	for {
		old := b.milli.Load()
		if b.milli.CompareAndSwap(old, f(old)) {
			return
		}
	}
}

// The methods accept a nil *budget (no budget): it always lets a retry go.
func (b *budget) onSuccess() {
	if b != nil {
		b.update(func(t int64) int64 { return min(t+b.ratio, b.max) })
	}
}

func (b *budget) onFailure() {
	if b != nil {
		b.update(func(t int64) int64 { return max(t-1000, 0) })
	}
}

func (b *budget) canRetry() bool {
	return b == nil || b.milli.Load()*2 > b.max
}

// ANCHOR_END: budget

// arrival is one request of the schedule.
type arrival struct {
	id    uint64
	at    time.Duration // when it is sent, from the start
	work  time.Duration // its job size
	first int           // the server step 0 picks at random, and later steps start at
}

// schedule draws the workload once: Poisson arrivals, exponential job
// sizes (cut at five means), and a uniform first server, from a PCG
// source seeded with the seed. Every step meets the same schedule.
func schedule(cfg *config) []arrival {
	rng := rand.New(rand.NewPCG(cfg.seed, 0))
	out := make([]arrival, cfg.requests)
	t := 0.0
	for i := range out {
		t += rng.ExpFloat64() / cfg.rate
		size := min(rng.ExpFloat64(), 5)
		work := time.Duration(size * float64(cfg.work)).Truncate(time.Microsecond)
		out[i] = arrival{
			id:    uint64(i),
			at:    time.Duration(t * float64(time.Second)),
			work:  max(work, time.Microsecond),
			first: rng.IntN(servers),
		}
	}
	return out
}

// policy is what one step of the client does.
type policy struct {
	step       int
	name       string
	tryTimeout bool    // a deadline per try
	retries    int     // retries after the first try
	failover   bool    // a retry goes to the next server round the ring
	breakers   bool    // skip a server whose breaker refuses
	budget     float64 // a retry budget with this token ratio (0: none)
	hedge      bool    // a second request after hedgeAfter
}

var steps = []policy{
	{step: 0, name: "one random try and no timeout, the source's way"},
	{step: 1, name: "+ a deadline per try", tryTimeout: true},
	{step: 2, name: "+ retries with backoff and full jitter, to the same server",
		tryTimeout: true, retries: maxRetries},
	{step: 3, name: "+ failover: a retry goes to the next server",
		tryTimeout: true, retries: maxRetries, failover: true},
	{step: 4, name: "+ a circuit breaker per server",
		tryTimeout: true, retries: maxRetries, failover: true, breakers: true},
	{step: 5, name: "+ a retry budget, 0.1 a success back (gRPC's example)",
		tryTimeout: true, retries: maxRetries, failover: true, breakers: true,
		budget: grpcRatio},
	{step: 5, name: "+ a retry budget, 0.5 a success back",
		tryTimeout: true, retries: maxRetries, failover: true, breakers: true,
		budget: budgetRatio},
	{step: 6, name: "+ hedging: a second request to another server after the delay",
		tryTimeout: true, retries: maxRetries, failover: true, breakers: true,
		budget: budgetRatio, hedge: true},
}

// outcome is how one try went.
type outcome int

const (
	ok       outcome = iota
	unwell           // refused, 503, or over its deadline: safe to retry
	fatal            // a 400 or another error: retrying will not help
	gaveUp           // the request's own context ended: its deadline, or a hedge won
	noServer         // no call: every breaker refused
)

// client is one step's client: its own http.Transport (its own pool of
// connections), its breakers and budget, and its counts.
type client struct {
	cfg       *config
	p         policy
	http      *http.Client
	urls      []string
	breakers  []*breaker // one per server, or nil
	budget    *budget    // or nil
	tries     *sync.WaitGroup
	calls     atomic.Int64 // tries sent, refused connects included
	downCalls atomic.Int64 // tries server 0 refused
	hedges    atomic.Int64 // second requests sent
	hedgeWins atomic.Int64 // second requests that answered first
}

// ANCHOR: try
// try sends one GET with its own deadline, under the request's context,
// and sorts the answer into the outcomes above.
func (c *client) try(ctx context.Context, k int, a arrival, try int) outcome {
	c.calls.Add(1)
	tctx, cancel := ctx, context.CancelFunc(func() {})
	if c.p.tryTimeout {
		tctx, cancel = context.WithTimeout(ctx, c.cfg.tryTimeout)
	}
	defer cancel()
	url := fmt.Sprintf("%s/job?id=%d&work_us=%d&try=%d",
		c.urls[k], a.id, a.work.Microseconds(), try)
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, url, nil)
	if err != nil {
		return fatal
	}
	status := 0
	resp, err := c.http.Do(req)
	if err == nil {
		status = resp.StatusCode
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	switch {
	case err == nil && status == http.StatusOK:
		return ok
	case err == nil && status == http.StatusServiceUnavailable:
		return unwell
	case err == nil:
		return fatal // a 400: the request itself is wrong
	case errors.Is(err, syscall.ECONNREFUSED):
		if k == 0 {
			c.downCalls.Add(1)
		}
		return unwell // nothing listens: the GET never reached a handler
	case ctx.Err() != nil:
		return gaveUp // checked before tctx, which ends with it
	case tctx.Err() != nil:
		return unwell // its own deadline: the server is too slow
	default:
		return fatal
	}
}

// call is one try, reported to the server's breaker and to the budget.
func (c *client) call(ctx context.Context, k int, t ticket, a arrival, try int) outcome {
	o := c.try(ctx, k, a, try)
	t.report(o, time.Now())
	switch o {
	case ok:
		c.budget.onSuccess()
	case unwell:
		c.budget.onFailure()
	}
	return o
}

// ANCHOR_END: try

// pick returns the first server from `from` round the ring, other than
// `skip`, that its breaker admits (with no breakers, the first one).
func (c *client) pick(from, skip int) (int, ticket, bool) {
	for i := 0; i < servers; i++ {
		k := (from + i) % servers
		switch {
		case k == skip:
		case c.breakers == nil:
			return k, ticket{}, true
		default:
			if t, admitted := c.breakers[k].admit(time.Now()); admitted {
				return k, t, true
			}
		}
	}
	return 0, ticket{}, false
}

// ANCHOR: hedge
// round sends try number `try` to a server and, with hedging, the same
// try to another server if the first has not answered after hedgeAfter.
// The first success wins. If the second fails first, the first is past
// the hedge delay already and is given up too. Returning cancels the
// shared context, which aborts the other request (its connection is
// closed). It returns how the round went and the server that said so.
func (c *client) round(ctx context.Context, a arrival, from, try int) (outcome, int) {
	k, t, admitted := c.pick(from, -1)
	if !admitted {
		return noServer, from // every breaker refused: no call was made
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()                  // the other request, if any, is cancelled here
	results := make(chan answer, 2) // buffered: a loser never blocks
	c.spawn(ctx, k, t, a, try, results)
	pending := 1
	var hedge <-chan time.Time
	if c.p.hedge {
		timer := time.NewTimer(c.cfg.hedgeAfter)
		defer timer.Stop()
		hedge = timer.C
	}
	for {
		select {
		case <-hedge:
			hedge = nil
			if !c.budget.canRetry() {
				continue // gRPC throttles hedges with the same budget
			}
			if k2, t2, admitted := c.pick(k+1, k); admitted {
				c.hedges.Add(1)
				c.spawn(ctx, k2, t2, a, try, results)
				pending++
			}
		case r := <-results:
			pending--
			switch {
			case r.o == ok && r.k != k:
				c.hedgeWins.Add(1)
				return ok, r.k
			case r.o == ok, pending == 0, r.k != k:
				return r.o, r.k
			}
			// The first failed and the second is out: wait for it.
		}
	}
}

// answer is how a try to server k went.
type answer struct {
	o outcome
	k int
}

// spawn runs one call in its own goroutine, which the step waits for.
func (c *client) spawn(ctx context.Context, k int, t ticket, a arrival, try int,
	results chan<- answer) {
	c.tries.Add(1)
	go func() {
		defer c.tries.Done()
		results <- answer{c.call(ctx, k, t, a, try), k}
	}()
}

// ANCHOR_END: hedge

// ANCHOR: retry
// do makes one request: rounds of tries until one succeeds, the error is
// not safe to retry, the retries or the budget run out, or the request's
// deadline passes. Between rounds it sleeps a full-jitter backoff.
func (c *client) do(ctx context.Context, a arrival) bool {
	rng := rand.New(rand.NewPCG(c.cfg.seed, a.id+1)) // this request's jitter
	from, retries := a.first, 0
	for {
		o, last := c.round(ctx, a, from, retries)
		switch {
		case o == ok:
			return true
		case o == noServer:
			// No call was made, so no retry is spent: wait, then ask
			// again, until the request's deadline.
		case o != unwell, retries == c.p.retries, !c.budget.canRetry():
			return false
		default:
			retries++
			if c.p.failover {
				from = last + 1 // another server than the one that just failed
			}
		}
		ceiling := min(backoffCap, backoffBase<<max(retries-1, 0))
		wait := time.NewTimer(time.Duration(rng.Int64N(int64(ceiling) + 1)))
		select {
		case <-wait.C:
		case <-ctx.Done():
			wait.Stop()
			return false
		}
	}
}

// ANCHOR_END: retry

// result is what one step measured, on both sides.
type result struct {
	lost             int
	latencies        []time.Duration // of the requests that succeeded
	calls, downCalls int64
	hedges, wins     int64
	recovery         time.Duration // -1: server 0 never answered
	ok, busy         int64
	noticed, wasted  int64
	stopped          int
	late             time.Duration // the latest send, after its time
}

// ANCHOR: step
// runStep starts fresh servers and a fresh client, sends each request at
// its scheduled time in its own goroutine whether or not the earlier ones
// are answered (an open loop), waits for every request and every try, and
// shuts everything down. Each request has a deadline, so the step ends at
// most cfg.deadline after the last arrival.
func runStep(cfg *config, p policy, sched []arrival) (result, error) {
	start := time.Now()
	var res result
	var srvs []*server
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		for _, s := range srvs {
			if err := s.stop(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "shutdown:", err)
				continue
			}
			res.stopped++
		}
	}
	for f := downThenBack; f <= stalls; f++ {
		s, err := startServer(cfg, f, start)
		if err != nil {
			stop()
			return res, err
		}
		srvs = append(srvs, s)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 64} // the default keeps 2
	var wg sync.WaitGroup
	c := &client{cfg: cfg, p: p, http: &http.Client{Transport: transport}, tries: &wg}
	for _, s := range srvs {
		c.urls = append(c.urls, "http://"+s.addr)
	}
	if p.breakers {
		c.breakers = []*breaker{{}, {}, {}}
	}
	if p.budget > 0 {
		c.budget = newBudget(p.budget)
	}
	var mu sync.Mutex // guards res.lost and res.latencies
	for _, a := range sched {
		due := start.Add(a.at)
		time.Sleep(time.Until(due)) // at once if already late
		res.late = max(res.late, time.Since(due))
		wg.Add(1)
		go func(a arrival, due time.Time) {
			defer wg.Done()
			deadline := due.Add(cfg.deadline)
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			succeeded := c.do(ctx, a)
			took := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if succeeded {
				res.latencies = append(res.latencies, took)
			} else {
				res.lost++
			}
		}(a, due)
	}
	wg.Wait() // every request, and every try, hedge losers included
	transport.CloseIdleConnections()
	stop()
	res.calls, res.downCalls = c.calls.Load(), c.downCalls.Load()
	res.hedges, res.wins = c.hedges.Load(), c.hedgeWins.Load()
	res.recovery = -1
	if first := srvs[0].first.Load(); first > 0 {
		res.recovery = time.Duration(first) - cfg.backAt
	}
	for _, s := range srvs {
		res.ok += s.ok.Load()
		res.busy += s.busy.Load()
		res.noticed += s.noticed.Load()
		res.wasted += s.wasted.Load()
	}
	return res, nil
}

// ANCHOR_END: step

// percentile is the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("~%.1fms", float64(d)/float64(time.Millisecond))
}

func parseFlags() (*config, error) {
	cfg := &config{}
	seed := flag.Uint64("seed", 1, "seed of the schedule, the jitter and the faults")
	flag.IntVar(&cfg.requests, "requests", 300, "requests a step (1 to 10000)")
	flag.Float64Var(&cfg.rate, "rate", 500, "arrivals a second")
	flag.DurationVar(&cfg.work, "work", 2*time.Millisecond, "mean job size")
	flag.DurationVar(&cfg.deadline, "deadline", 500*time.Millisecond,
		"a request's overall deadline")
	flag.DurationVar(&cfg.tryTimeout, "try-timeout", 50*time.Millisecond,
		"each try's deadline, from step 1 on")
	flag.DurationVar(&cfg.hedgeAfter, "hedge-after", 0,
		"step 6's hedging delay (0: the p95 of the job sizes plus 2ms)")
	flag.DurationVar(&cfg.backAt, "back-at", 300*time.Millisecond,
		"when server 0 listens again")
	flag.Float64Var(&cfg.flaky, "flaky", 0.3, "fraction of tries server 1 answers 503")
	flag.Float64Var(&cfg.stalls, "stalls", 0.1, "fraction of tries server 2 stalls")
	flag.DurationVar(&cfg.stall, "stall", 250*time.Millisecond, "how long a stall lasts")
	flag.Parse()
	cfg.seed = *seed
	fraction := func(f float64) bool { return f >= 0 && f <= 1 }
	if flag.NArg() > 0 || cfg.requests < 1 || cfg.requests > 10000 ||
		!(cfg.rate > 0 && cfg.rate <= 1e5) || cfg.work <= 0 || cfg.deadline <= 0 ||
		cfg.tryTimeout <= 0 || cfg.hedgeAfter < 0 || cfg.backAt < 0 ||
		!fraction(cfg.flaky) || !fraction(cfg.stalls) || cfg.stall <= 0 {
		return nil, errors.New("need 1 <= -requests <= 10000, 0 < -rate <= 100000, " +
			"-work, -deadline, -try-timeout and -stall > 0, -hedge-after and " +
			"-back-at >= 0, -flaky and -stalls between 0 and 1, no other arguments")
	}
	return cfg, nil
}

func main() {
	cfg, err := parseFlags()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}

	// ANCHOR: main
	sched := schedule(cfg)
	hedgeNote := "given"
	if cfg.hedgeAfter == 0 {
		sizes := make([]time.Duration, len(sched))
		for i, a := range sched {
			sizes[i] = a.work
		}
		slices.Sort(sizes)
		cfg.hedgeAfter = sizes[min(len(sizes)*95/100, len(sizes)-1)] + 2*time.Millisecond
		hedgeNote = "p95 of the job sizes + 2ms"
	}
	fmt.Printf("server 0 refuses connections until %s, then listens again on its port\n",
		cfg.backAt)
	fmt.Printf("server 1 answers 503 to %.0f%% of tries, server 2 stalls %.0f%% for %s\n",
		cfg.flaky*100, cfg.stalls*100, cfg.stall)
	fmt.Printf("%d requests a step, Poisson at %.0f/s, mean work %s, seed %d\n",
		cfg.requests, cfg.rate, cfg.work, cfg.seed)
	fmt.Printf("deadline %s a request, %s a try; hedge after %s (%s)\n",
		cfg.deadline, cfg.tryTimeout, cfg.hedgeAfter, hedgeNote)

	// The steps run at once, each against its own three servers with its
	// own client: the whole comparison takes about one step's time.
	results := make([]result, len(steps))
	failed := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, p := range steps {
		wg.Add(1)
		go func(i int, p policy) {
			defer wg.Done()
			results[i], failed[i] = runStep(cfg, p, sched)
		}(i, p)
	}
	wg.Wait()
	if err := errors.Join(failed...); err != nil {
		fmt.Fprintln(os.Stderr, "a step could not start its servers:", err)
		os.Exit(1)
	}

	// A number after a "~" varies from run to run: every timing, and the
	// counts that follow the timing of the answers.
	n := float64(cfg.requests)
	stopped, late := 0, time.Duration(0)
	for i, p := range steps {
		r := results[i]
		stopped, late = stopped+r.stopped, max(late, r.late)
		slices.Sort(r.latencies)
		calls := fmt.Sprintf("%.2f", float64(r.calls)/n)
		if p.retries > 0 || p.hedge {
			calls = "~" + calls // one try a request, unless retries or hedges
		}
		recovery := "never"
		if r.recovery >= 0 {
			recovery = ms(r.recovery)
		}
		fmt.Printf("\nstep %d: %s\n", p.step, p.name)
		fmt.Printf("  lost ~%d of %d; p50 %s, p99 %s\n", r.lost, cfg.requests,
			ms(percentile(r.latencies, 50)), ms(percentile(r.latencies, 99)))
		fmt.Printf("  calls a request %s; to server 0 while down ~%.3f; recovery %s\n",
			calls, float64(r.downCalls)/n, recovery)
		fmt.Printf("  handlers: 200 ~%d, 503 ~%d, stopped early ~%d, "+
			"worked for nobody ~%d\n", r.ok, r.busy, r.noticed, r.wasted)
		if p.hedge {
			fmt.Printf("  hedges sent ~%d, answered first ~%d "+
				"(the other try cancelled)\n", r.hedges, r.wins)
		}
	}
	// More than a few milliseconds means the machine stalled the sender:
	// the run measured the machine as much as the client.
	fmt.Printf("\nlatest send after its time: %s\n", ms(late))
	fmt.Printf("servers shut down: %d of %d\n", stopped, servers*len(steps))
	// ANCHOR_END: main
}
