//go:build js && wasm

// Package jsfetch runs the Go client (package flowthings) on a JavaScript
// runtime's own networking: Transport calls the runtime's fetch and Dialer
// opens sockets with its WebSocket. It is for Go compiled with GOOS=js
// GOARCH=wasm: Cloudflare Workers (workerd), browsers, Deno, Node.js.
//
// It never links net/http, which would put a Go Worker over the 3 MB
// (gzip) script limit of the Workers Free plan, and it calls fetch without
// a receiver: Go's net/http and syumai/workers' cloudflare/fetch call it as
// a method of the global object, which workerd refuses with "Illegal
// invocation" when that object is a proxy. Every call into JavaScript goes
// through github.com/hack-pad/safejs, so a JavaScript exception becomes a Go
// error instead of a panic.
//
//	client, err := flowthings.NewClient(cfg, &jsfetch.Transport{})
//	ws, err := flowthings.DialWebSocket(ctx, cfg, &jsfetch.Transport{}, &jsfetch.Dialer{}, nil)
//
// The token travels only in the X-Auth-Token header: redirects are never
// followed (a 3xx is a *core.RedirectError), and no error of this package
// holds a header.
//
// # WebSockets in Cloudflare Workers
//
// workerd ties every I/O object to the request whose handler created it, and
// a WebSocket is one: a session opened with Dialer belongs to the request in
// whose callback its socket was created. Its pushes keep arriving after that
// request has answered, but a write to the socket from any other request (a
// subscription to another flow, a CRUD call over the socket) fails with
// "Cannot perform I/O on behalf of a different request", and the session
// ends (its State is "closed"); workerd's rule, tested in workerd by
// test/js/workers.test.js. So in a Worker, open a session, use it and close
// it within the request that needs it; never keep one for later requests.
// In a Go Worker that serves all requests from one Go instance
// (workers/go/isolate), a goroutine runs inside whichever request's callback
// is on the stack when something other than its own request wakes it (a
// timer, another goroutine): with requests in flight together, such a write
// can land in another request too. Transport has no such limit: each fetch
// goes through the request of its context (WithFetch).
package jsfetch
