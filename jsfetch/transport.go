//go:build js && wasm

package jsfetch

import (
	"context"
	"errors"
	"net/url"
	"strconv"

	"github.com/hack-pad/safejs"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// DefaultMaxBodyBytes is the largest response body a Transport reads unless
// told otherwise, as in package nethttp.
const DefaultMaxBodyBytes = 32 << 20

// ErrBodyTooLarge is wrapped by the error of a response whose body exceeds
// the Transport's limit.
var ErrBodyTooLarge = errors.New("jsfetch: response body too large")

// Transport is a flowthings.Transport over JavaScript's fetch. It sends the
// request's method verbatim, its headers and body, with redirect: "manual";
// it returns the status and the whole body, whatever the status, except for
// a redirect: that is a *core.RedirectError naming the origin it pointed to
// (scheme://host[:port]; empty where the runtime hides it, as browsers do),
// never followed, so that the token goes to its own host only. It is safe
// for concurrent use; the zero value is ready to use.
//
// When the call's context can end, fetch gets an AbortSignal that aborts
// it then; Do returns ctx.Err() as soon as ctx ends in any case.
type Transport struct {
	// Fetch is the fetch function, called as Fetch(url, init) without a
	// receiver. It returns a promise (or any thenable) of a Response, or of
	// an object with status, headers.get(name) and an arrayBuffer() promise.
	// Zero means the runtime's globalThis.fetch, looked up at each call. A
	// function put in a call's context with WithFetch wins over both.
	Fetch safejs.Value
	// MaxBodyBytes is the largest body read; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

var _ flowthings.Transport = (*Transport)(nil)

type fetchKey struct{}

// WithFetch returns a context under which a Transport calls fetch (see
// Transport.Fetch) instead of its own. A runtime that ties I/O to the
// request that started it (workerd) uses it to route each request's calls
// through that request.
func WithFetch(ctx context.Context, fetch safejs.Value) context.Context {
	return context.WithValue(ctx, fetchKey{}, fetch)
}

func (t *Transport) fetchFunc(ctx context.Context) (safejs.Value, error) {
	if f, ok := ctx.Value(fetchKey{}).(safejs.Value); ok && !f.IsUndefined() {
		return f, nil
	}
	if !t.Fetch.IsUndefined() {
		return t.Fetch, nil
	}
	f, err := safejs.Global().Get("fetch")
	if err != nil {
		return safejs.Undefined(), err
	}
	if f.Type() != safejs.TypeFunction {
		return safejs.Undefined(), errNoGlobal
	}
	return f, nil
}

// Do performs req.
func (t *Transport) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	fetch, err := t.fetchFunc(ctx)
	if err != nil {
		return 0, nil, &JSError{Message: "fetch: " + err.Error()}
	}
	init, err := requestInit(req)
	if err != nil {
		return 0, nil, err
	}
	if ctx.Done() != nil {
		abort, err := abortOnDone(ctx, init)
		if err != nil {
			return 0, nil, err
		}
		defer abort()
	}
	promise, err := fetch.Invoke(req.URL, init)
	if err != nil {
		return 0, nil, fetchFailed(ctx, errorOf(err))
	}
	resp, err := Await(ctx, promise)
	if err != nil {
		return 0, nil, fetchFailed(ctx, err)
	}
	status, err := intProp(resp, "status")
	if err != nil {
		return 0, nil, &JSError{Message: "fetch resolved to something other than a Response"}
	}
	if stringProp(resp, "type") == "opaqueredirect" || (status >= 300 && status < 400) {
		cancelBody(resp)
		return 0, nil, &core.RedirectError{Status: status, Method: req.Method, Path: req.Path, Target: origin(req.URL, header(resp, "location"))}
	}
	limit := t.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if n, err := strconv.ParseInt(header(resp, "content-length"), 10, 64); err == nil && n > limit {
		cancelBody(resp)
		return 0, nil, tooLarge(limit, status)
	}
	body, err := readBody(ctx, resp, limit)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			return 0, nil, tooLarge(limit, status)
		}
		return 0, nil, fetchFailed(ctx, err)
	}
	return status, body, nil
}

// origin is scheme://host[:port] of location, resolved against the
// request's URL; "" when there is none. A redirect's path and query are the
// redirecting server's words and are left out.
func origin(requestURL, location string) string {
	if location == "" {
		return ""
	}
	base, err := url.Parse(requestURL)
	if err != nil {
		return ""
	}
	target, err := base.Parse(location)
	if err != nil || target.Host == "" {
		return ""
	}
	return target.Scheme + "://" + target.Host
}

func tooLarge(limit int64, status int) error {
	return &bodyTooLargeError{limit: limit, status: status}
}

type bodyTooLargeError struct {
	limit  int64
	status int
}

func (e *bodyTooLargeError) Error() string {
	return ErrBodyTooLarge.Error() + ": more than " + strconv.FormatInt(e.limit, 10) + " bytes (status " + strconv.Itoa(e.status) + ")"
}

func (e *bodyTooLargeError) Unwrap() error { return ErrBodyTooLarge }

// fetchFailed is ctx's error once ctx has ended (the abort is ours), else err.
func fetchFailed(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}

// requestInit is fetch's second argument: method, headers as [name, value]
// pairs, the body as a Uint8Array, redirect: "manual".
func requestInit(req core.Request) (safejs.Value, error) {
	headers := make([]any, len(req.Header))
	for i, h := range req.Header {
		headers[i] = []any{h.Name, h.Value}
	}
	init, err := safejs.ValueOf(map[string]any{
		"method":   req.Method,
		"headers":  headers,
		"redirect": "manual",
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	if len(req.Body) > 0 {
		body, err := bytesToJS(req.Body)
		if err != nil {
			return safejs.Undefined(), err
		}
		if err := init.Set("body", body); err != nil {
			return safejs.Undefined(), err
		}
	}
	return init, nil
}

// abortOnDone gives init an AbortSignal that aborts when ctx ends. The
// returned function stops watching ctx.
func abortOnDone(ctx context.Context, init safejs.Value) (func() bool, error) {
	ctor, err := safejs.Global().Get("AbortController")
	if err != nil || ctor.Type() != safejs.TypeFunction {
		return func() bool { return false }, nil // no AbortController: ctx still ends the wait
	}
	controller, err := ctor.New()
	if err != nil {
		return nil, err
	}
	signal, err := controller.Get("signal")
	if err != nil {
		return nil, err
	}
	if err := init.Set("signal", signal); err != nil {
		return nil, err
	}
	return context.AfterFunc(ctx, func() { _, _ = controller.Call("abort") }), nil
}

// readBody reads the whole body of resp, at most limit bytes.
func readBody(ctx context.Context, resp safejs.Value, limit int64) ([]byte, error) {
	promise, err := resp.Call("arrayBuffer")
	if err != nil {
		return nil, err
	}
	buf, err := Await(ctx, promise)
	if err != nil {
		return nil, err
	}
	return Bytes(buf, limit)
}

// bytesToJS copies b into a new Uint8Array.
func bytesToJS(b []byte) (safejs.Value, error) {
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return safejs.Undefined(), err
	}
	arr, err := ctor.New(len(b))
	if err != nil {
		return safejs.Undefined(), err
	}
	if _, err := safejs.CopyBytesToJS(arr, b); err != nil {
		return safejs.Undefined(), err
	}
	return arr, nil
}

// Bytes copies an ArrayBuffer, a typed array or a string (as UTF-8) into
// Go; past maxBytes bytes it fails with ErrBodyTooLarge.
func Bytes(v safejs.Value, maxBytes int64) ([]byte, error) {
	if v.Type() == safejs.TypeString {
		s, err := v.String()
		if err != nil {
			return nil, err
		}
		if int64(len(s)) > maxBytes {
			return nil, ErrBodyTooLarge
		}
		return []byte(s), nil
	}
	ctor, err := safejs.Global().Get("Uint8Array")
	if err != nil {
		return nil, err
	}
	if is, _ := v.InstanceOf(ctor); !is {
		if v, err = ctor.New(v); err != nil {
			return nil, err
		}
	}
	n, err := v.Length()
	if err != nil {
		return nil, err
	}
	if int64(n) > maxBytes {
		return nil, ErrBodyTooLarge
	}
	b := make([]byte, n)
	if _, err := safejs.CopyBytesToGo(b, v); err != nil {
		return nil, err
	}
	return b, nil
}

// header is resp.headers.get(name), or "" when absent.
func header(resp safejs.Value, name string) string {
	headers, err := resp.Get("headers")
	if err != nil || headers.Type() != safejs.TypeObject {
		return ""
	}
	v, err := headers.Call("get", name)
	if err != nil || v.Type() != safejs.TypeString {
		return ""
	}
	s, _ := v.String()
	return s
}

// cancelBody releases a body that will not be read (a runtime keeps the
// connection busy until the body is consumed or cancelled).
func cancelBody(resp safejs.Value) {
	body, err := resp.Get("body")
	if err != nil || body.Type() != safejs.TypeObject {
		return
	}
	if p, err := body.Call("cancel"); err == nil && p.Type() == safejs.TypeObject {
		_, _ = p.Call("catch", ignore()) // the cancellation's own outcome does not matter
	}
}

func intProp(v safejs.Value, name string) (int, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	if p.Type() != safejs.TypeNumber {
		return 0, errors.New("jsfetch: " + name + " is not a number")
	}
	return p.Int()
}
