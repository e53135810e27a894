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
package jsfetch
