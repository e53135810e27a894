//go:build js && wasm

package jsfetch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

const secret = "tok/en+with=chars"

func request(method, url string, body string) core.Request {
	r := core.Request{Method: method, URL: url, Path: "/x", Header: []core.Header{
		{Name: "X-Auth-Token", Value: secret},
		{Name: "Content-Type", Value: "application/json"},
	}}
	if body != "" {
		r.Body = []byte(body)
	}
	return r
}

type echoed struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func TestTransportSendsTheRequestAsItIs(t *testing.T) {
	base, _ := testServer(t)
	tests := []struct {
		name, method, query, body string
		status                    int
	}{
		{name: "GET", method: "GET", status: 200},
		{name: "POST with a body", method: "POST", body: `{"elems":{"temp":21}}`, status: 200},
		{name: "a 404 is a response, not an error", method: "GET", query: "?status=404", status: 404},
		{name: "a 503 is a response, not an error", method: "DELETE", query: "?status=503", status: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, err := (&Transport{}).Do(t.Context(), request(tt.method, "http://"+base+"/echo"+tt.query, tt.body))
			require.NoError(t, err)
			assert.Equal(t, tt.status, status)
			var got echoed
			require.NoError(t, json.Unmarshal(body, &got))
			assert.Equal(t, tt.method, got.Method)
			assert.Equal(t, "/echo"+tt.query, got.Path)
			assert.Equal(t, secret, got.Headers["x-auth-token"])
			assert.Equal(t, tt.body, got.Body)
		})
	}
}

// fakeFetch is a fetch function that records its receiver and the method
// it was given, and answers 201 {"ok":true} with a real Response.
func fakeFetch(t *testing.T, receivers *[]safejs.Type, methods *[]string) safejs.Value {
	t.Helper()
	fetch, err := safejs.FuncOf(func(this safejs.Value, args []safejs.Value) any {
		*receivers = append(*receivers, this.Type())
		*methods = append(*methods, stringProp(args[1], "method"))
		response, _ := safejs.Global().Get("Response")
		init, _ := safejs.ValueOf(map[string]any{"status": 201})
		r, _ := response.New(`{"ok":true}`, init)
		promise, _ := safejs.Global().Get("Promise")
		p, _ := promise.Call("resolve", r)
		return p
	})
	require.NoError(t, err)
	t.Cleanup(fetch.Release)
	return fetch.Value()
}

func TestTransportCallsFetchWithoutAReceiver(t *testing.T) {
	var receivers []safejs.Type
	var methods []string
	fetch := fakeFetch(t, &receivers, &methods)

	status, body, err := (&Transport{Fetch: fetch}).Do(t.Context(), request("MGET", "http://127.0.0.1:1/drop/f1", `["a"]`))
	require.NoError(t, err)
	assert.Equal(t, 201, status)
	assert.JSONEq(t, `{"ok":true}`, string(body))
	// workerd refuses fetch called on a proxy of the global object ("Illegal
	// invocation"): the Transport must call it as a plain function.
	assert.Equal(t, []safejs.Type{safejs.TypeUndefined}, receivers)
	assert.Equal(t, []string{"MGET"}, methods, "the platform's methods are sent verbatim")

	// A fetch in the context wins over the Transport's own.
	var others []safejs.Type
	other := fakeFetch(t, &others, &methods)
	_, _, err = (&Transport{Fetch: fetch}).Do(WithFetch(t.Context(), other), request("GET", "http://127.0.0.1:1/x", ""))
	require.NoError(t, err)
	assert.Len(t, receivers, 1)
	assert.Len(t, others, 1)
}

func TestTransportFailures(t *testing.T) {
	base, _ := testServer(t)
	tests := []struct {
		name  string
		tr    *Transport
		url   string
		check func(t *testing.T, err error)
	}{
		{
			name: "a redirect is not followed",
			tr:   &Transport{}, url: "/redirect",
			check: func(t *testing.T, err error) {
				var redirect *core.RedirectError
				require.ErrorAs(t, err, &redirect)
				assert.Equal(t, 302, redirect.Status)
				assert.Equal(t, "GET", redirect.Method)
				assert.Equal(t, "/x", redirect.Path)
				assert.Equal(t, "http://"+base, redirect.Target, "the origin only")
			},
		},
		{
			name: "a body over the limit, by its Content-Length",
			tr:   &Transport{MaxBodyBytes: 1000}, url: "/big?n=1001",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrBodyTooLarge) },
		},
		{
			name: "a body over the limit, chunked",
			tr:   &Transport{MaxBodyBytes: 1000}, url: "/big?n=1001&chunked",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrBodyTooLarge) },
		},
		{
			name: "nothing listening",
			tr:   &Transport{}, url: "http://127.0.0.1:1/echo",
			check: func(t *testing.T, err error) {
				var jsErr *JSError
				require.ErrorAs(t, err, &jsErr)
				assert.Contains(t, err.Error(), "fetch failed")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url
			if strings.HasPrefix(url, "/") {
				url = "http://" + base + url
			}
			status, body, err := tt.tr.Do(t.Context(), request("GET", url, ""))
			require.Error(t, err)
			assert.Zero(t, status)
			assert.Nil(t, body)
			assert.NotContains(t, err.Error(), secret)
			tt.check(t, err)
		})
	}

	t.Run("a body within the limit", func(t *testing.T) {
		status, body, err := (&Transport{MaxBodyBytes: 1000}).Do(t.Context(), request("GET", "http://"+base+"/big?n=1000&chunked", ""))
		require.NoError(t, err)
		assert.Equal(t, 200, status)
		assert.Len(t, body, 1000)
	})
}

func TestOrigin(t *testing.T) {
	for _, tt := range []struct{ location, want string }{
		{"/echo?a=b", "http://127.0.0.1:9"},
		{"https://evil.example:8443/steal?token=1", "https://evil.example:8443"},
		{"//other.example/x", "http://other.example"},
		{"", ""},
	} {
		assert.Equal(t, tt.want, origin("http://127.0.0.1:9/v0.1/dev/flow", tt.location), tt.location)
	}
}

func TestTransportHonoursTheContext(t *testing.T) {
	base, _ := testServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := (&Transport{}).Do(ctx, request("GET", "http://"+base+"/slow", ""))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)

	ended, stop := context.WithCancel(t.Context())
	stop()
	_, _, err = (&Transport{}).Do(ended, request("GET", "http://"+base+"/echo", ""))
	assert.True(t, errors.Is(err, context.Canceled))
}
