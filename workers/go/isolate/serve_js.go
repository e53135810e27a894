//go:build js && wasm

package isolate

import (
	"context"
	"strings"

	"github.com/hack-pad/safejs"

	"github.com/flowthings/flowthings-wasm/jsfetch"
)

// The object worker.mjs gives the Go program on its private global object:
// { env, ready(handle) }.
const bridgeName = "__flowthingsIsolate"

// Getenv is the text binding name of the Worker (a variable or a secret),
// or "" when there is none. Bindings are those of the isolate's first
// request.
func Getenv(name string) string {
	bridge, err := safejs.Global().Get(bridgeName)
	if err != nil {
		return ""
	}
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

// Serve hands h to worker.mjs and serves requests until the isolate ends;
// it never returns. It panics when the program is not run by worker.mjs.
func Serve(h Handler) {
	bridge, err := safejs.Global().Get(bridgeName)
	if err != nil || bridge.Type() != safejs.TypeObject {
		panic("isolate: run this program with workers/go/worker.mjs")
	}
	handle, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		if len(args) == 4 {
			go serve(h, args[0], args[1], args[2], args[3])
		}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if _, err := bridge.Call("ready", handle.Value()); err != nil {
		panic(err)
	}
	select {}
}

// serve runs one request: method, url, the headers as one string of
// "name: value" lines (one crossing instead of several per header), and
// the request's port.
func serve(h Handler, method, url, headers, port safejs.Value) {
	r := &Request{Method: str(method), URL: str(url), Header: map[string]string{}}
	for _, line := range strings.Split(str(headers), "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok {
			r.Header[name] = value
		}
	}
	r.ReadBody = func(ctx context.Context, maxBytes int64) ([]byte, error) { return readBody(ctx, port, maxBytes) }
	fetch, _ := port.Get("fetch")
	ctx := jsfetch.WithFetch(context.Background(), fetch)
	resp := run(ctx, h, r)
	answer(port, resp)
}

// run is h's answer, or a 500 when h panics: a panic must not end the
// instance every later request needs.
func run(ctx context.Context, h Handler, r *Request) (resp *Response) {
	defer func() {
		if recover() != nil {
			resp = &Response{Status: 500, Header: map[string]string{"content-type": "application/json"},
				Body: []byte(`{"error":{"code":"internal","message":"internal error"}}`)}
		}
	}()
	resp = h.ServeRequest(ctx, r)
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
