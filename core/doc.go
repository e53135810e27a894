// Package core is the pure-Go heart of the flowthings SDK.
//
// It is sans-I/O: every call is split into three steps,
//
//  1. build the request: a pure function from a call and the Config to a
//     Request (method, URL, headers, body bytes) — see Config.NewRequest;
//  2. the I/O, done by a Transport (Go) or by the host's fetch (wasm);
//  3. decode the response: a pure function from the status and body bytes
//     to an Envelope or a typed error — see DecodeResponse.
//
// Client composes the three over a pluggable Transport. The wasm bridge calls
// steps 1 and 3 synchronously while JavaScript does the fetch, so no Go
// goroutine ever waits on a JavaScript promise.
//
// The package imports neither net/http nor syscall/js, and its request and
// envelope halves avoid encoding/json and regexp so that a wasm build which
// only builds and decodes requests stays small: bodies travel as raw JSON bytes.
package core
