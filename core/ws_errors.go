package core

import (
	"errors"
	"strconv"
)

// incomparable makes a struct type incomparable, so that the compiler
// writes no equality function for it: the wasm module would carry it for
// nothing (errors are compared by identity, through their pointers).
type incomparable [0]func()

// The kinds of the WebSocket engine's own errors (see Kind).
const (
	KindGap     Kind = "gap"     // *GapError
	KindTimeout Kind = "timeout" // *TimeoutError
)

// ErrWebSocketClosed is the error of calls made after Close, and the cause
// (inside a *ConnectionLostError) of the calls Close interrupted.
var ErrWebSocketClosed = errors.New("flowthings: websocket closed")

// ErrUnsubscribed settles a Subscribe whose handler was unsubscribed
// before the subscription started.
var ErrUnsubscribed = errors.New("flowthings: unsubscribed before the subscription started")

// errClosedByPeer is the cause of a Closed(nil).
var errClosedByPeer = errors.New("socket closed")

// ConnectionLostError fails a call whose reply can no longer arrive: the
// socket was lost (or closed) after the request was sent, or the engine
// stopped before it could be sent. Err is the cause, if known.
type ConnectionLostError struct{ Err error }

func (e *ConnectionLostError) Error() string {
	if e.Err == nil {
		return "flowthings: websocket connection lost"
	}
	return "flowthings: websocket connection lost: " + e.Err.Error()
}

func (e *ConnectionLostError) Unwrap() error { return e.Err }

// TimeoutError is something the WebSocket engine waited for in vain: the
// connection handshake (POST /session and the upgrade) within
// WSSettings.TimeoutMs, or any frame from a server that went silent
// for two heartbeat intervals.
type TimeoutError struct {
	_ incomparable
	// Method and Path name the request that timed out; both are empty when
	// it was not one request (a silent socket).
	Method, Path string
	// What did not finish in time.
	What string
	// AfterMs is how long it waited, in milliseconds.
	AfterMs int64
}

func (e *TimeoutError) Error() string {
	what := e.What
	if e.Method != "" {
		what = e.Method + " " + e.Path + ": " + what
	}
	return "flowthings: " + what + " timed out after " + strconv.FormatInt(e.AfterMs, 10) + " ms"
}

// Timeout reports true, as net.Error's does.
func (e *TimeoutError) Timeout() bool { return true }

// GapError reports drops that a subscription with backfill may have
// missed: the platform no longer holds what the engine needed to fill in
// what was pushed while the socket was down, or the finds that would have
// fetched it kept failing. Drops created between From and To (epoch
// milliseconds, both by the platform's clock) may be missing; every drop
// created after To is delivered as usual. To is 0 when the engine cannot
// know where the gap ends; From is 0 when the subscription had never seen a
// drop of its flow.
type GapError struct {
	_ incomparable
	// Resource is the flow id or path of the subscription.
	Resource string
	From, To int64
	// Reason says why the gap could not be filled.
	Reason string
	// Err is the last failure of the finds, when they are the reason.
	Err error
}

func (e *GapError) Error() string {
	to, cause := " on", ""
	if e.To > 0 {
		to = " to " + strconv.FormatInt(e.To, 10)
	}
	if e.Err != nil {
		cause = ": " + e.Err.Error()
	}
	return "flowthings: subscription to " + quote(e.Resource) + ": drops created from " + strconv.FormatInt(e.From, 10) +
		to + " (epoch ms) may be missing: " + e.Reason + cause
}

func (e *GapError) Unwrap() error { return e.Err }

func (*TimeoutError) Kind() Kind { return KindTimeout }
func (*GapError) Kind() Kind     { return KindGap }

// permanentError reports failures that retrying the same request cannot
// fix: the platform refused it (a 4xx other than 408 and 429), or the
// client cannot build it. Anything else — no answer, a timeout, a 5xx, a
// body that is not an envelope — may be transient.
func permanentError(err error) bool {
	s, input := failureStatus(err)
	return input || s >= 400 && s <= 499 && s != 408 && s != 429
}

// fatalSessionError reports errors that a new session cannot fix: the
// platform refused the credentials.
func fatalSessionError(err error) bool {
	s, _ := failureStatus(err)
	return s == 400 || s == 401 || s == 403
}

// failureStatus is the status of the platform's answer in err's chain (0
// when there is none), or input when the client refused the request.
// (A plain Unwrap walk: errors.As would link reflection into a wasm build.)
func failureStatus(err error) (status int, input bool) {
	for err != nil {
		switch e := err.(type) {
		case APIError:
			return e.Response().Status, false
		case *InputError, *UnsupportedError:
			return 0, true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return 0, false
}
