//go:build js && wasm

package isolate

import (
	"context"
	"strings"
	"sync"

	"github.com/hack-pad/safejs"

	"github.com/flowthings/flowthings-wasm/jsfetch"
)

// The object worker.mjs gives the Go program on its private global object:
// { ready(handle) }. Before its first request, worker.mjs adds env, the
// Worker's bindings.
const bridgeName = "__flowthingsIsolate"

// getenv is the text binding name of the Worker (a variable or a secret),
// or "" when there is none.
func getenv(bridge safejs.Value, name string) string {
	env, err := bridge.Get("env")
	if err != nil || env.Type() != safejs.TypeObject {
		return ""
	}
	v, err := env.Get(name)
	if err != nil || v.Type() != safejs.TypeString {
		return ""
	}
	s, _ := v.String()
	return s
}

// Serve serves requests with the Handler that configure makes from the
// Worker's bindings, until the isolate ends; it never returns. It panics
// when the program is not run by worker.mjs.
//
// worker.mjs starts the program with the isolate, at its top level, where
// a Worker has no bindings yet: they come with each request. So Serve
// returns to JavaScript at once, and configure runs at the first request,
// with the bindings of that request (getenv(name) is "" for one that is not
// set); its Handler serves every request of the isolate.
func Serve(configure func(getenv func(name string) string) Handler) {
	bridge, err := safejs.Global().Get(bridgeName)
	if err != nil || bridge.Type() != safejs.TypeObject {
		panic("isolate: run this program with workers/go/worker.mjs")
	}
	handle, err := newHandle(bridge, configure)
	if err != nil {
		panic(err)
	}
	if _, err := bridge.Call("ready", handle.Value()); err != nil {
		panic(err)
	}
	select {}
}

// newHandle is worker.mjs's handle(method, url, headerLines, port): it
// serves each request on a goroutine, with the Handler configure makes
// from bridge.env at the first one.
func newHandle(bridge safejs.Value, configure func(getenv func(name string) string) Handler) (safejs.Func, error) {
	handler := sync.OnceValue(func() Handler {
		return configure(func(name string) string { return getenv(bridge, name) })
	})
	return safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 4 {
			go serve(handler, args[0], args[1], args[2], args[3])
		}
		return nil
	})
}

// serve runs one request: method, url, the headers as one string of
// "name: value" lines (one crossing instead of several per header), and
// the request's port.
func serve(handler func() Handler, method, url, headers, port safejs.Value) {
	r := &Request{Method: str(method), URL: str(url), Header: map[string]string{}}
	for _, line := range strings.Split(str(headers), "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			r.Header[name] = value
		}
	}
	r.ReadBody = func(ctx context.Context, maxBytes int64) ([]byte, error) { return readBody(ctx, port, maxBytes) }
	fetch, _ := port.Get("fetch")
	ctx := jsfetch.WithFetch(context.Background(), fetch)
	resp := run(ctx, handler, r)
	answer(port, resp)
}

// run is the handler's answer, or a 500 when making the handler or the
// handler panics: a panic must not end the instance every later request
// needs.
func run(ctx context.Context, handler func() Handler, r *Request) (resp *Response) {
	defer func() {
		if recover() != nil {
			resp = &Response{Status: 500, Header: map[string]string{"content-type": "application/json"},
				Body: []byte(`{"error":{"code":"internal","message":"internal error"}}`)}
		}
	}()
	resp = handler().ServeRequest(ctx, r)
	if resp == nil {
		resp = &Response{Status: 204}
	}
	return resp
}

// answer posts resp to the port: respond(status, headers as "name: value"
// lines, body).
func answer(port safejs.Value, resp *Response) {
	var headers strings.Builder
	for name, value := range resp.Header {
		headers.WriteString(name + ": " + value + "\n")
	}
	var body any
	if len(resp.Body) > 0 {
		u8, err := safejs.Global().Get("Uint8Array")
		if err == nil {
			if arr, err := u8.New(len(resp.Body)); err == nil {
				if _, err := safejs.CopyBytesToJS(arr, resp.Body); err == nil {
					body = arr
				}
			}
		}
	}
	_, _ = port.Call("respond", resp.Status, headers.String(), body)
}

// readBody asks the port for the body: body(maxBytes) resolves to a Uint8Array,
// or null past maxBytes.
func readBody(ctx context.Context, port safejs.Value, maxBytes int64) ([]byte, error) {
	thenable, err := port.Call("body", float64(maxBytes))
	if err != nil {
		return nil, err
	}
	body, err := jsfetch.Await(ctx, thenable)
	if err != nil {
		return nil, err
	}
	if body.IsNull() {
		return nil, ErrBodyTooLarge
	}
	return jsfetch.Bytes(body, maxBytes)
}

func str(v safejs.Value) string {
	s, err := v.String()
	if err != nil {
		return ""
	}
	return s
}
