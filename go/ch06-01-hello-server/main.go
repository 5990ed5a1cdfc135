// The Go server of the HTTP rows of `cargo bench --bench go_vs_rust`; its
// Rust twin is the axum server in src/tools/hello.rs. Both follow the same
// protocol, so one load generator can drive either: listen on -addr (by
// default a free port on 127.0.0.1), print one line `listening on ADDR`,
// answer `GET /` with 200 and `hello\n`, and shut down gracefully when
// stdin reaches end of file, so a parent that dies leaves no server behind.
//
//	cd go && go run ./ch06-01-hello-server   # Ctrl-D stops it
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// ANCHOR: server
func hello(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "hello\n")
}

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr) // port 0: the OS picks one
	if err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(1)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(hello),
		ReadHeaderTimeout: 5 * time.Second, // no client holds a conn forever
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("listening on %s\n", ln.Addr()) // os.Stdout is unbuffered

	io.Copy(io.Discard, os.Stdin) // returns at end of file (or an error)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil { // waits for requests in flight
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		srv.Close()
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "serve:", err)
		os.Exit(1)
	}
}

// ANCHOR_END: server
