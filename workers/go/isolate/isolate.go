// Package isolate serves Cloudflare Workers requests from one Go instance
// per isolate, without net/http.
//
// github.com/syumai/workers starts a new Go instance for every request (its
// worker.mjs runs `new Go()` per fetch event, and its handler closes Done
// after the first response), so each request pays Go's start-up (~24 ms
// CPU) and holds its own heap (~4.3 MiB); and its handlers are net/http
// handlers, which put a Go Worker with this SDK over the Free plan's 3 MB.
// Here the Go program starts once, with the isolate (at the module's top
// level, so its start-up is not a request's), makes its handler from the
// bindings of the first request, and serves every request on a goroutine of
// that instance.
//
// workerd ties I/O to the request that started it, while Go runs whichever
// goroutines are ready in whatever request's callback is on the stack. So
// a goroutine never does I/O itself: it posts each fetch (and the reading of
// its request's body, and its answer) to its own request's port, and the
// JavaScript side (workers/go/worker.mjs) performs it in that request's own
// context. jsfetch.Transport does so through the context of the call.
//
// The Go side is this package's Serve (GOOS=js); Request and Response are
// plain Go, so handlers are tested natively.
package isolate

import (
	"context"
	"errors"
)

// Request is one incoming request.
type Request struct {
	Method string
	// URL is the absolute URL of the request.
	URL string
	// Header has the request's headers, names in lower case; repeated
	// headers are joined with ", ", as fetch's Headers does.
	Header map[string]string
	// ReadBody reads the body, at most maxBytes bytes: a longer body fails with
	// ErrBodyTooLarge without being read further. Call it once.
	ReadBody func(ctx context.Context, maxBytes int64) ([]byte, error)
}

// Response is the answer to a Request. Header values must not hold line
// breaks (HTTP does not allow them).
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Handler answers requests. ServeRequest runs on its own goroutine per
// request; ctx routes the request's fetches (see jsfetch.WithFetch).
type Handler interface {
	ServeRequest(ctx context.Context, r *Request) *Response
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Request) *Response

// ServeRequest calls f.
func (f HandlerFunc) ServeRequest(ctx context.Context, r *Request) *Response { return f(ctx, r) }

// ErrBodyTooLarge is the error of ReadBody for a body longer than its maxBytes.
var ErrBodyTooLarge = errors.New("isolate: request body too large")
