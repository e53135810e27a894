//go:build js && wasm

package isolate

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answered is what a fake port's respond got.
type answered struct {
	status  int
	headers string
	body    string
}

// fakePort is a request's port as worker.mjs makes it: body(maxBytes)
// resolves to body (null when longer), respond(status, headerLines, body)
// sends to the channel.
func fakePort(t *testing.T, body string) (safejs.Value, <-chan answered) {
	t.Helper()
	answers := make(chan answered, 1)
	fn := func(f func(args []safejs.Value) any) safejs.Value {
		v, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any { return f(args) })
		require.NoError(t, err)
		t.Cleanup(v.Release)
		return v.Value()
	}
	promise, err := safejs.Global().Get("Promise")
	require.NoError(t, err)
	port, err := safejs.ValueOf(map[string]any{})
	require.NoError(t, err)
	require.NoError(t, port.Set("body", fn(func(args []safejs.Value) any {
		maxBytes, _ := args[0].Int()
		var v any
		if len(body) <= maxBytes {
			v = body
		}
		p, _ := promise.Call("resolve", v)
		return p
	})))
	require.NoError(t, port.Set("respond", fn(func(args []safejs.Value) any {
		a := answered{headers: str(args[1])}
		a.status, _ = args[0].Int()
		if !args[2].IsNull() && !args[2].IsUndefined() {
			b, _ := copyBytes(args[2])
			a.body = string(b)
		}
		answers <- a
		return nil
	})))
	return port, answers
}

// copyBytes copies a Uint8Array into Go, for the fake port.
func copyBytes(v safejs.Value) ([]byte, error) {
	n, err := v.Length()
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	_, err = safejs.CopyBytesToGo(b, v)
	return b, err
}

func TestServeRunsEachRequestOnItsPort(t *testing.T) {
	headers := map[string]string{}
	h := HandlerFunc(func(ctx context.Context, r *Request) *Response {
		switch r.URL {
		case "https://w.example/panic":
			panic("handler bug")
		case "https://w.example/nil":
			return nil
		}
		body, err := r.ReadBody(ctx, 5)
		headers = r.Header
		if errors.Is(err, ErrBodyTooLarge) {
			return &Response{Status: 413}
		}
		return &Response{Status: 201, Header: map[string]string{"content-type": "text/plain", "x-echo": r.Method}, Body: body}
	})
	tests := []struct {
		name, url, body string
		want            answered
	}{
		{name: "a body within the limit", url: "https://w.example/ok", body: "hello", want: answered{status: 201, body: "hello"}},
		{name: "a body over the limit", url: "https://w.example/ok", body: "hello!", want: answered{status: 413}},
		{name: "a panic is a 500, and the instance lives on", url: "https://w.example/panic", want: answered{status: 500, body: `{"error":{"code":"internal","message":"internal error"}}`}},
		{name: "no response is a 204", url: "https://w.example/nil", want: answered{status: 204}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port, answers := fakePort(t, tt.body)
			go serve(func() Handler { return h }, jsString("POST"), jsString(tt.url), jsString("content-type: text/plain\nx-device-secret: a: b\n"), port)
			select {
			case got := <-answers:
				assert.Equal(t, tt.want.status, got.status)
				assert.Equal(t, tt.want.body, got.body)
			case <-time.After(5 * time.Second):
				t.Fatal("no answer")
			}
		})
	}
	assert.Equal(t, map[string]string{"content-type": "text/plain", "x-device-secret": "a: b"}, headers, "the header lines are parsed")
}

func jsString(s string) safejs.Value { v, _ := safejs.ValueOf(s); return v }

// Go starts before the Worker has bindings: the Handler is made at the
// first request, from the env worker.mjs put on the bridge by then, and
// serves every later request.
func TestHandlerIsConfiguredAtTheFirstRequest(t *testing.T) {
	bridge, err := safejs.ValueOf(map[string]any{})
	require.NoError(t, err)
	var configured []string
	handle, err := newHandle(bridge, func(getenv func(string) string) Handler {
		configured = append(configured, getenv("GREETING")+"|"+getenv("MISSING"))
		greeting := getenv("GREETING")
		return HandlerFunc(func(context.Context, *Request) *Response {
			return &Response{Status: 200, Body: []byte(greeting)}
		})
	})
	require.NoError(t, err)
	t.Cleanup(handle.Release)
	assert.Empty(t, configured, "nothing is configured before a request")

	env, err := safejs.ValueOf(map[string]any{"GREETING": "hello", "NUMBER": 7})
	require.NoError(t, err)
	require.NoError(t, bridge.Set("env", env))
	for range 3 {
		port, answers := fakePort(t, "")
		_, err := handle.Value().Invoke("GET", "https://w.example/", "", port)
		require.NoError(t, err)
		select {
		case got := <-answers:
			assert.Equal(t, answered{status: 200, body: "hello"}, got)
		case <-time.After(5 * time.Second):
			t.Fatal("no answer")
		}
	}
	assert.Equal(t, []string{"hello|"}, configured, "configured once, with the bindings")
}
