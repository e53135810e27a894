// Package flowthings is the Go client of the flowthings platform, on top of
// the sans-I/O protocol layer of package core: every call builds a core.Op,
// which goes through Config.BuildOp, a Transport and
// core.DecodeResponse.
//
// NewClient(cfg, transport), over a Config, returns a Client with one service per platform
// service (c.Flow, c.Track, c.Group, c.Identity, c.APITask, c.MQTT, c.RSS,
// c.Token, c.Share, c.Device, c.Statistics), c.Drop(flowID) and
// c.DropPath(path) for drops, c.Service(name) for any other service and
// c.Raw for any other call. Package nethttp provides the net/http Transport
// and nethttp.NewClient(cfg). Config, Params and the errors are core's
// types under their names here, and WSOptions configures a WebSocket in
// time.Durations, so that everyday code imports this package, a transport
// and, to build filters, package filter.
//
// # Typed objects
//
// Every service works on its own type: Flow, Drop, Track, Group, Identity,
// Token, Share, Device, APITask, MQTTTask, RSSTask. As in go-github, their
// fields are pointers (nil: not sent, or not received), read with nil-safe
// GetX accessors that chain through nil (d.GetLocation().GetLat()); Ptr
// fills them. Dates are EpochMs. Members a type does not declare are kept in
// its Extra, as raw JSON, and sent back unchanged: a drop read, changed and
// saved keeps everything the platform sent. Drop.Elems reads typed
// ({"type","value"}) and plain elems alike and keeps 64-bit integers exact;
// Typed writes an explicit elem type.
//
// The services are MutableService[T] (Read, ReadOrElse, ReadMany, FindMany,
// Create, Update, Modify, UpdateMany, ModifyMany, Save, Delete) except
// tokens and shares, which are immutable: ImmutableService[T] has no Update,
// so updating a token does not compile.
//
// Every method returns (value, *Response, error), as go-github does: *T for
// one object, []*T for a find, map[string]*T (id → object) for ReadMany and
// UpdateMany, []int64 for statistics. The *Response carries the status, the
// messages and, when the call's params have "refs": true, head.references as
// a map id → Object. Result drops the *Response when only (value, error) is
// wanted.
//
// # Untyped access
//
// Objects() on a service, and Client.Service, give the untyped Service: the
// same operations on Object, a map whose accessors (String, Int64, Get, …)
// never panic, with numbers as json.Number so that nothing is rounded. Into
// and As decode any JSON, or convert any value, into a Go type.
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
// M makes a Modification of an Object or a typed object: Modify and
// ModifyMany (Update, UpdateMany and Save on the untyped Service) send only
// its diff. Batch queues calls and returns their results in call order;
// package flowthings/lazy runs calls as futures that can feed later calls;
// both run at most DefaultConcurrency calls at once unless told otherwise.
//
// c.WebSocket(ctx, opts) opens a live session (with a Transport that is also
// a Dialer, as nethttp's is; DialWebSocket takes any Dialer). Its
// subscriptions deliver *Drop (Subscribe) or raw JSON (SubscribeRaw);
// SendAs decodes a CRUD reply into a typed object.
package flowthings

//go:generate go run ./internal/genaccessors
//go:generate go run ./internal/genmodels
