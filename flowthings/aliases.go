package flowthings

import "github.com/flowthings/flowthings-wasm/core"

// The types of package core a Go user of this package handles, under their
// names here, so that everyday code imports flowthings (and a transport
// such as nethttp) only. They are aliases: a flowthings.Config is a
// core.Config, and errors.As with either name finds the same error. core
// remains the package of protocol implementers (Op, Request, the WebSocket
// engine).
type (
	// Config is a client's configuration: credentials, hosts, API version,
	// namespace and default params (see core.Config).
	Config = core.Config
	// Params are a call's query params (limit, skip, sort, order, only,
	// refs, filter, hints, …): Params{"limit": 10}.
	Params = core.Params
	// WSDrop is a drop pushed to a raw subscription (SubscribeRaw).
	WSDrop = core.WSDrop
	// Aggregation is the body of DropService.Aggregate.
	Aggregation = core.Aggregation
)

// The errors of a call; use errors.As (or errors.Is for the Err values).
type (
	// APIError is implemented by every error the platform answered with.
	APIError = core.APIError
	// ResponseError carries what every platform error has: the platform's
	// error strings, the status, method, path and account.
	ResponseError = core.ResponseError
	// BadRequestError is a 400: malformed input, a bad filter, an immutable update.
	BadRequestError = core.BadRequestError
	// ForbiddenError is a 401 or 403: a missing, unknown or expired token,
	// or one lacking permission.
	ForbiddenError = core.ForbiddenError
	// NotFoundError is a 404: an unknown id or flow.
	NotFoundError = core.NotFoundError
	// ServerError is a 5xx.
	ServerError = core.ServerError
	// PlatformError is any other failure status.
	PlatformError = core.PlatformError
	// MalformedResponseError is a reply that is not an envelope, or whose
	// body is not of the expected shape.
	MalformedResponseError = core.MalformedResponseError
	// TransportError wraps a failure to get any response at all.
	TransportError = core.TransportError
	// RedirectError is a 3xx answer: requests carrying the token never
	// follow a redirect. It names the status and the target's origin.
	RedirectError = core.RedirectError
	// InputError is a call refused before any I/O.
	InputError = core.InputError
	// UnsupportedError is an operation a service does not have (updating a
	// token or a share through Objects()).
	UnsupportedError = core.UnsupportedError
	// ConnectionLostError ends a WebSocket's calls and subscriptions when
	// its connection is lost for good.
	ConnectionLostError = core.ConnectionLostError
	// WSFrameError is a WebSocket frame that could not be read.
	WSFrameError = core.WSFrameError
	// GapError reports drops a subscription could not deliver: its backfill
	// could not fill the gap a lost connection left (see WSOptions).
	GapError = core.GapError
)

var (
	// ErrMissingCredentials: a Config without an account or a token.
	ErrMissingCredentials = core.ErrMissingCredentials
	// ErrWebSocketClosed ends the calls of a WebSocket that was closed.
	ErrWebSocketClosed = core.ErrWebSocketClosed
	// ErrUnsubscribed ends a subscription closed before the server confirmed it.
	ErrUnsubscribed = core.ErrUnsubscribed
)

// IsNotFound reports whether err is, or wraps, a *NotFoundError.
func IsNotFound(err error) bool { return core.IsNotFound(err) }
