// Package flowthings is the Go client of the flowthings platform, on top of
// the sans-I/O protocol layer of package core: every call builds a core.Op,
// which goes through core.Config.BuildOp, a Transport and
// core.DecodeResponse.
//
// NewClient(cfg, transport), over a core.Config, returns a Client with one service per platform
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
// Errors are core's typed errors: *BadRequestError (400), *ForbiddenError (401, 403),
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
// flowthings/lazy runs calls as futures that can feed later calls.
package flowthings

//go:generate go run ./internal/genaccessors
