package core

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatusErrors(t *testing.T) {
	tests := []struct {
		status int
		check  func(t *testing.T, err error) *ResponseError
	}{
		{400, func(t *testing.T, err error) *ResponseError {
			var e *BadRequestError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{401, func(t *testing.T, err error) *ResponseError {
			var e *ForbiddenError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{403, func(t *testing.T, err error) *ResponseError {
			var e *ForbiddenError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{404, func(t *testing.T, err error) *ResponseError {
			var e *NotFoundError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{500, func(t *testing.T, err error) *ResponseError {
			var e *ServerError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{503, func(t *testing.T, err error) *ResponseError {
			var e *ServerError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
		{418, func(t *testing.T, err error) *ResponseError {
			var e *PlatformError
			require.ErrorAs(t, err, &e)
			return e.ResponseError
		}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			body := fmt.Sprintf(`{"head":{"status":%d,"ok":false,"messages":["msg"],"errors":["first problem","second"],"references":{}},"body":{}}`, tc.status)
			c, _ := newTestClient(t, func(Request) (int, []byte, error) { return tc.status, []byte(body), nil })
			_, _, err := c.Drop("f1").Read(context.Background(), "d1", Params{"refs": true})
			require.Error(t, err)
			r := tc.check(t, err)
			assert.Equal(t, tc.status, r.Status)
			assert.Equal(t, "GET", r.Method)
			assert.Equal(t, "/drop/f1/d1", r.Path)
			assert.Equal(t, testAccount, r.Account)
			assert.Equal(t, []string{"first problem", "second"}, r.Errors)
			assert.Equal(t, []string{"msg"}, r.Messages)
			var api APIError
			require.ErrorAs(t, err, &api)
			assert.Same(t, r, api.Response())
			assert.Equal(t, tc.status == 404, IsNotFound(err))
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
	// HTTP error status with an ok head: HTTP wins.
	c, _ := newTestClient(t, func(Request) (int, []byte, error) { return 404, envJSON(200, `{}`), nil })
	_, _, err := c.Flow.Read(context.Background(), "x", nil)
	assert.True(t, IsNotFound(err))
	// HTTP 200 with a failed head: the head wins.
	c, _ = newTestClient(t, func(Request) (int, []byte, error) { return 200, envJSON(403, `{}`), nil })
	_, _, err = c.Flow.Read(context.Background(), "x", nil)
	var f *ForbiddenError
	assert.ErrorAs(t, err, &f)
}

// TestTokenNeverInErrors makes every kind of error, with a server that
// echoes the token wherever it can, and checks the token never shows.
func TestTokenNeverInErrors(t *testing.T) {
	responders := map[string]func(Request) (int, []byte, error){
		"error strings": func(Request) (int, []byte, error) {
			return 401, []byte(`{"head":{"status":401,"ok":false,"errors":["unknown token ` + testToken + `"],"messages":["` + testToken + `"]},"body":{}}`), nil
		},
		"html page": func(Request) (int, []byte, error) {
			return 502, []byte("<html>" + strings.Repeat("x", 100) + testToken + "</html>"), nil
		},
		"wrong body": func(Request) (int, []byte, error) {
			return 200, envJSON(200, `["`+testToken+`"]`), nil
		},
		"transport": func(Request) (int, []byte, error) { return 0, nil, errors.New("connection refused") },
	}
	for name, respond := range responders {
		t.Run(name, func(t *testing.T) {
			c, _ := newTestClient(t, respond)
			_, _, err := c.Flow.Read(context.Background(), "x", nil)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), testToken)
			assert.NotContains(t, fmt.Sprintf("%+v|%#v", err, err), testToken)
			var api APIError
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
	_, err := DecodeResponse(Request{Header: []Header{{"X-Auth-Token", long}}}, 500, []byte(strings.Repeat(long, 40)))
	var mal *MalformedResponseError
	require.ErrorAs(t, err, &mal)
	assert.NotContains(t, mal.Excerpt, "k")
	assert.Contains(t, mal.Excerpt, redacted)
	// Also no partial token at the excerpt's cut.
	for cut := 100; cut < 125; cut++ {
		body := []byte(strings.Repeat("<", cut) + testToken)
		_, err := DecodeResponse(Request{Method: "GET", Path: "/x", Header: []Header{{"X-Auth-Token", testToken}}}, 500, body)
		require.ErrorAs(t, err, &mal)
		assert.NotContains(t, mal.Excerpt, testToken[:6], "cut %d", cut)
		assert.LessOrEqual(t, len(mal.Excerpt), excerptLen)
	}
}

func TestMalformedResponses(t *testing.T) {
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
			c, _ := newTestClient(t, func(Request) (int, []byte, error) { return tc.status, []byte(tc.body), nil })
			_, _, err := c.Track.Read(context.Background(), "t1", nil)
			var mal *MalformedResponseError
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
	_, err := DecodeResponse(Request{}, 500, []byte(long))
	var mal *MalformedResponseError
	require.ErrorAs(t, err, &mal)
	assert.LessOrEqual(t, len(mal.Excerpt), excerptLen)
}

func TestEnvelopeTolerance(t *testing.T) {
	req := Request{Method: "GET", Path: "/x"}
	// No status: the HTTP status stands in. No ok: derived from the status.
	env, err := DecodeResponse(req, 201, []byte(`{"head":{},"body":null}`))
	require.NoError(t, err)
	assert.Equal(t, 201, env.Status)
	assert.True(t, env.OK)
	assert.Equal(t, "{}", string(env.Body), "a null body becomes {}")
	assert.Nil(t, env.References)
	// Non-string error entries are kept readable.
	_, err = DecodeResponse(req, 400, []byte(`{"head":{"status":400,"ok":false,"errors":[{"code":7},"x"]},"body":{}}`))
	var bad *BadRequestError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, []string{`{"code":7}`, "x"}, bad.Errors)
	// msgId kept raw.
	env, err = DecodeResponse(req, 200, []byte(`{"head":{"msgId":"42","ok":true},"body":[1]}`))
	require.NoError(t, err)
	assert.Equal(t, `"42"`, string(env.MsgID))
	assert.Equal(t, `[1]`, string(env.Body))
}

func TestTransportErrors(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	c, _ := newTestClient(t, func(Request) (int, []byte, error) { return 0, nil, cause })
	_, _, err := c.Group.Read(context.Background(), "g1", nil)
	var te *TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "GET", te.Method)
	assert.Equal(t, "/group/g1", te.Path)
	assert.Contains(t, err.Error(), "connection refused")

	// Raw requests too.
	_, _, err = c.Request(context.Background(), "GET", "/group", nil, nil)
	assert.ErrorIs(t, err, cause)
	_, err = c.Flow.Delete(context.Background(), "f", nil, nil)
	assert.ErrorIs(t, err, cause)
}

func TestContextCancellation(t *testing.T) {
	t.Run("already done: no I/O", func(t *testing.T) {
		c, rec := newTestClient(t, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := c.Flow.Read(ctx, "f1", nil)
		var te *TransportError
		require.ErrorAs(t, err, &te)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Empty(t, rec.requests())
	})
	t.Run("during the call", func(t *testing.T) {
		c, _ := newTestClient(t, nil)
		c.transport = TransportFunc(func(ctx context.Context, req Request) (int, []byte, error) {
			<-ctx.Done()
			return 0, nil, ctx.Err()
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, _, err := c.Flow.FindMany(ctx, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Less(t, time.Since(start), 2*time.Second)
	})
}

func TestErrorMessages(t *testing.T) {
	assert.Equal(t, "flowthings: GET /x: status 500: malformed response: empty body",
		(&MalformedResponseError{Status: 500, Method: "GET", Path: "/x", Reason: "empty body"}).Error())
	assert.Equal(t, "flowthings: invalid id: must not be empty", (&InputError{Field: "id", Reason: "must not be empty"}).Error())
	assert.Equal(t, "flowthings: token does not support update: immutable",
		(&UnsupportedError{Service: "token", Operation: "update", Reason: "immutable"}).Error())
	assert.Equal(t, "flowthings: PUT /flow/f (account alice): status 400",
		(&ResponseError{Status: 400, Method: "PUT", Path: "/flow/f", Account: "alice"}).Error())
}
