package flowthings

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status int
		check  func(t *testing.T, err error) *core.ResponseError
	}{
		{400, func(t *testing.T, err error) *core.ResponseError {
			var e *core.BadRequestError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{401, func(t *testing.T, err error) *core.ResponseError {
			var e *core.ForbiddenError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{403, func(t *testing.T, err error) *core.ResponseError {
			var e *core.ForbiddenError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{404, func(t *testing.T, err error) *core.ResponseError {
			var e *core.NotFoundError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{500, func(t *testing.T, err error) *core.ResponseError {
			var e *core.ServerError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{503, func(t *testing.T, err error) *core.ResponseError {
			var e *core.ServerError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{418, func(t *testing.T, err error) *core.ResponseError {
			var e *core.PlatformError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			body := fmt.Sprintf(`{"head":{"status":%d,"ok":false,"messages":["msg"],"errors":["first problem","second"],"references":{}},"body":{}}`, tc.status)
			c, _ := newTestClient(t, func(core.Request) (int, []byte, error) { return tc.status, []byte(body), nil })
			_, _, err := c.Drop("f1").Read(t.Context(), "d1", core.Params{"refs": true})
			require.Error(t, err)
			r := tc.check(t, err)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/drop/f1/d1", r.Path)
			assert.Equal(t, testAccount, r.Account)
			assert.Equal(t, []string{"first problem", "second"}, r.Errors)
			assert.Equal(t, []string{"msg"}, r.Messages)
			var api core.APIError
			require.ErrorAs(t, err, &api)
			assert.Same(t, r, api.Response())
			assert.Equal(t, tc.status == 404, core.IsNotFound(err))
			msg := err.Error()
			assert.Contains(t, msg, "first problem")
			assert.Contains(t, msg, fmt.Sprint(tc.status))
			assert.Contains(t, msg, "GET /drop/f1/d1")
			assert.Contains(t, msg, "account alice")
			assert.NotContains(t, msg, testToken)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", err, err), testToken)
		})
	}
}

func TestStatusMismatch(t *testing.T) {
	t.Parallel()
	// HTTP error status with an ok head: HTTP wins.
	c, _ := newTestClient(t, func(core.Request) (int, []byte, error) { return 404, envJSON(200, `{}`), nil })
	_, _, err := c.Flow.Read(t.Context(), "x", nil)
	assert.True(t, core.IsNotFound(err))
	// HTTP 200 with a failed head: the head wins.
	c, _ = newTestClient(t, func(core.Request) (int, []byte, error) { return 200, envJSON(403, `{}`), nil })
	_, _, err = c.Flow.Read(t.Context(), "x", nil)
	var f *core.ForbiddenError
	assert.ErrorAs(t, err, &f)
}

func TestTokenNeverInErrors(t *testing.T) {
	t.Parallel()
	responders := map[string]func(core.Request) (int, []byte, error){
		"error strings": func(core.Request) (int, []byte, error) {
			return 401, []byte(`{"head":{"status":401,"ok":false,"errors":["unknown token ` + testToken + `"],"messages":["` + testToken + `"]},"body":{}}`), nil
		},
		"html page": func(core.Request) (int, []byte, error) {
			return 502, []byte("<html>" + strings.Repeat("x", 100) + testToken + "</html>"), nil
		},
		"wrong body": func(core.Request) (int, []byte, error) {
			return 200, envJSON(200, `["`+testToken+`"]`), nil
		},
		"transport": func(core.Request) (int, []byte, error) { return 0, nil, errors.New("connection refused") },
	}
	for name, respond := range responders {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, respond)
			_, _, err := c.Flow.Read(t.Context(), "x", nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
			assert.NotContains(t, fmt.Sprintf("%+v|%#v", err, err), testToken)
			var api core.APIError
			if errors.As(err, &api) {
				for _, s := range append(api.Response().Errors, api.Response().Messages...) {
					assert.NotContains(t, s, testToken)
				}
			}
		})
	}
	// Back-to-back long tokens: redaction shrinks the text, and still no
	// prefix of a token survives the cut.
	long := strings.Repeat("k", 64)
	_, err := core.DecodeResponse(core.Request{Header: []core.Header{{Name: "X-Auth-Token", Value: long}}}, 500, []byte(strings.Repeat(long, 40)))
	var mal *core.MalformedResponseError
	require.ErrorAs(t, err, &mal)
	assert.NotContains(t, mal.Excerpt, "k")
	assert.Contains(t, mal.Excerpt, redacted)
	// Also no partial token at the excerpt's cut.
	for cut := 100; cut < 125; cut++ {
		body := []byte(strings.Repeat("<", cut) + testToken)
		_, err := core.DecodeResponse(core.Request{Method: "GET", Path: "/x", Header: []core.Header{{Name: "X-Auth-Token", Value: testToken}}}, 500, body)
		require.ErrorAs(t, err, &mal)
		assert.NotContains(t, mal.Excerpt, testToken[:6], "cut %d", cut)
		assert.LessOrEqual(t, len(mal.Excerpt), excerptLen)
	}
}

func TestMalformedResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		reason string
	}{
		{"html page", 502, "<html><body>Bad Gateway</body></html>", "invalid JSON"},
		{"html 200", 200, "<!doctype html><p>hi", "invalid JSON"},
		{"empty", 200, "", "empty body"},
		{"empty error", 503, "", "empty body"},
		{"truncated", 200, `{"head":{"status":200,"ok":true},"body":{"id":"f`, "invalid JSON"},
		{"bad escape in body", 200, `{"head":{"status":200,"ok":true},"body":"\x"}`, "invalid JSON"},
		{"no head", 200, `{"body":{}}`, `no "head" object`},
		{"array", 200, `[]`, "not a JSON object"},
		{"string", 200, `"ok"`, "not a JSON object"},
		{"head not object", 200, `{"head":[],"body":{}}`, `no "head" object`},
		{"status string", 200, `{"head":{"status":"200","ok":true},"body":{}}`, `"head.status" is not an integer`},
		{"ok string", 200, `{"head":{"status":200,"ok":"yes"},"body":{}}`, `"head.ok" is not a boolean`},
		{"errors string", 400, `{"head":{"status":400,"ok":false,"errors":"bad"},"body":{}}`, `"head.errors" is not an array`},
		{"messages object", 200, `{"head":{"status":200,"ok":true,"messages":{}},"body":{}}`, `"head.messages" is not an array`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, func(core.Request) (int, []byte, error) { return tc.status, []byte(tc.body), nil })
			_, _, err := c.Track.Read(t.Context(), "t1", nil)
			var mal *core.MalformedResponseError
			require.ErrorAs(t, err, &mal)
			assert.Equal(t, tc.status, mal.Status)
			assert.Equal(t, "GET", mal.Method)
			assert.Equal(t, "/track/t1", mal.Path)
			assert.Equal(t, tc.reason, mal.Reason)
			want := tc.body
			if len(want) > excerptLen {
				want = want[:excerptLen]
			}
			assert.Equal(t, want, mal.Excerpt)
			assert.Contains(t, err.Error(), tc.reason)
		})
	}
	// Long bodies are cut.
	long := strings.Repeat("é", 500)
	_, err := core.DecodeResponse(core.Request{}, 500, []byte(long))
	var mal *core.MalformedResponseError
	require.ErrorAs(t, err, &mal)
	assert.LessOrEqual(t, len(mal.Excerpt), excerptLen)
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	cause := errors.New("dial tcp: connection refused")
	c, _ := newTestClient(t, func(core.Request) (int, []byte, error) { return 0, nil, cause })
	_, _, err := c.Group.Read(t.Context(), "g1", nil)
	var te *core.TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "GET", te.Method)
	assert.Equal(t, "/group/g1", te.Path)
	assert.Contains(t, err.Error(), "connection refused")

	// Raw requests too.
	_, _, err = c.Raw(t.Context(), "GET", "/group", nil, nil)
	assert.ErrorIs(t, err, cause)
	_, err = c.Flow.Delete(t.Context(), "f", nil)
	assert.ErrorIs(t, err, cause)
}

func TestContextCancellation(t *testing.T) {
	t.Parallel()
	t.Run("already done: no I/O", func(t *testing.T) {
		c, rec := newTestClient(t, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, err := c.Flow.Read(ctx, "f1", nil)
		var te *core.TransportError
		require.ErrorAs(t, err, &te)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, rec.requests())
	})
	t.Run("during the call", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		c.transport = TransportFunc(func(ctx context.Context, req core.Request) (int, []byte, error) {
			<-ctx.Done()
			return 0, nil, ctx.Err()
		})
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := c.Flow.FindMany(ctx, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 2*time.Second)
	})
}

// What core's excerpts of malformed responses promise.
const (
	redacted   = "[redacted]"
	excerptLen = 120
)

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	_, err := NewClient(core.Config{Account: "..", Token: "t"}, &recordingTransport{})
	var in *core.InputError
	require.ErrorAs(t, err, &in)
	_, err = NewClient(testConfig(), nil)
	require.ErrorAs(t, err, &in)
	assert.Equal(t, "transport", in.Field)

	c, err := NewClient(core.Config{Account: "a b", Token: "t", Host: "localhost:3000"}, &recordingTransport{})
	require.NoError(t, err)
	assert.Equal(t, "localhost:3000", c.Config().WSHost, "the WebSocket host defaults to the REST host")
	_, err = NewClient(core.Config{Account: "a", Token: "t"}, &recordingTransport{})
	require.ErrorAs(t, err, &in)
	assert.Equal(t, "host", in.Field, "no default host: the hosted platform is defunct")
}
