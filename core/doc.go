// Package core is the pure-Go heart of the flowthings SDK.
//
// It is sans-I/O: every call is split into three steps,
//
//  1. build the request: a pure function from a call and the Config to a
//     Request (method, URL, headers, body bytes) — see Config.BuildOp for
//     an Op (the data-only description of a platform operation) and
//     Config.NewRequest for a raw Call;
//  2. the I/O, done by a Transport (Go) or by the host's fetch (wasm);
//  3. decode the response: a pure function from the status and body bytes
//     to an Envelope or a typed error — see DecodeResponse.
//
// The Go client (package flowthings) composes the three over a pluggable
// Transport. The wasm bridge calls steps 1 and 3 synchronously while
// JavaScript does the fetch, so no Go goroutine ever waits on a JavaScript
// promise.
//
// Every rule of the wire lives here once, for Go and JavaScript alike: the
// Op table of services and operations, the params encoding (filters AND-ed,
// refs, only), drops addressed by path (Op.Path), updates from a model or a
// modification's diff (Op.Updates, Update.Target), statistics periods
// (StatOptions), the readOrElse fallback (ReadOrElseFallback), raw calls
// (NewRawCall), the envelope and its typed errors, each with a Kind, and the
// WebSocket protocol engine (WSEngine: events in, actions out).
//
// The package imports neither net/http, syscall/js, encoding/json nor
// regexp (TestDependencies holds the import graph to that), so the wasm
// module that links it stays small: bodies travel as raw JSON bytes. The
// probes of core/internal/wasmprobe, built by TestWasmSize, measure it.
package core
