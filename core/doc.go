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
// Client composes the three over a pluggable Transport. The wasm bridge calls
// steps 1 and 3 synchronously while JavaScript does the fetch, so no Go
// goroutine ever waits on a JavaScript promise.
//
// The package imports neither net/http nor syscall/js, and its request and
// envelope halves avoid encoding/json and regexp so that a wasm build which
// only builds and decodes requests stays small: bodies travel as raw JSON bytes.
// The probes of core/internal/wasmprobe, built by TestWasmSize, measure that
// build.
//
// # The Go client
//
// NewClient(cfg, transport) returns a Client with one service per platform
// service (c.Flow, c.Track, c.Group, c.Identity, c.APITask, c.MQTT, c.RSS,
// c.Token, c.Share, c.Device, c.Statistics), c.Drop(flowID) and
// c.DropPath(path) for drops, and c.Request for any other call. Package
// nethttp provides the net/http Transport and nethttp.NewClient(cfg).
//
// Every service method returns (value, *Response, error), as go-github
// does. Values are decoded JSON: an Object (map[string]any) for one object,
// []Object for a find, map[string]Object (id → object) for ReadMany and
// UpdateMany, []int64 for statistics. Numbers decode as json.Number, never
// float64, so ids, dates and 64-bit elems survive a read-modify-save round
// trip. The *Response carries the status, the messages and, when the call's
// params have "refs": true, head.references as a map id → object. Result
// drops the *Response when only (value, error) is wanted.
//
// Errors are typed: *BadRequestError (400), *ForbiddenError (401, 403),
// *NotFoundError (404), *ServerError (5xx), *PlatformError (other statuses),
// all carrying a *ResponseError with the platform's error strings, the
// status, method, path and account; *MalformedResponseError for a body that
// is not an envelope (or not the expected shape); *TransportError wrapping
// the cause of a failed exchange (errors.Is works on it, including
// context.Canceled); *InputError for a call refused before any I/O;
// *UnsupportedError for an operation the service lacks (updating a token or
// share). No error ever contains the token.
//
// M makes a Modification: Update, UpdateMany and Save send only its diff.
// Batch queues calls and returns their results in call order; package
// core/lazy runs calls as futures that can feed later calls.
package core
