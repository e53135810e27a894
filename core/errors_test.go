package core

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTokenNeverInErrors makes every kind of error, with a server that
// echoes the token wherever it can, and checks the token never shows.
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

func TestErrorMessages(t *testing.T) {
	assert.Equal(t, "flowthings: GET /x: status 500: malformed response: empty body",
		(&MalformedResponseError{Status: 500, Method: "GET", Path: "/x", Reason: "empty body"}).Error())
	assert.Equal(t, "flowthings: invalid id: must not be empty", (&InputError{Field: "id", Reason: "must not be empty"}).Error())
	assert.Equal(t, "flowthings: token does not support update: immutable",
		(&UnsupportedError{Service: "token", Operation: "update", Reason: "immutable"}).Error())
	assert.Equal(t, "flowthings: PUT /flow/f (account alice): status 400",
		(&ResponseError{Status: 400, Method: "PUT", Path: "/flow/f", Account: "alice"}).Error())
}

func TestDecodeHead(t *testing.T) {
	req := Request{Method: "GET", Path: "/flow/f1", Account: "alice", Header: []Header{{"X-Auth-Token", testToken}}}
	tests := []struct {
		name      string
		status    int
		head      string
		want      *Envelope
		kind      Kind
		reason    string // of a malformed response
		errStatus int    // of a platform error
	}{
		{name: "ok", status: 200, head: `{"status":200,"ok":true,"messages":["m"],"errors":[]}`,
			want: &Envelope{Status: 200, OK: true, Messages: []string{"m"}, Errors: []string{}}},
		{name: "references compacted", status: 200, head: `{"status":200,"ok":true,"references":{ "f1" : {"id" : "f1"} }}`,
			want: &Envelope{Status: 200, OK: true, References: []byte(`{"f1":{"id":"f1"}}`)}},
		{name: "references not an object", status: 200, head: `{"status":200,"references":[1]}`,
			want: &Envelope{Status: 200, OK: true}},
		{name: "msgId", status: 200, head: `{"msgId":7}`, want: &Envelope{Status: 200, OK: true, MsgID: []byte(`7`)}},
		{name: "empty head: the HTTP status", status: 201, head: ` {} `, want: &Envelope{Status: 201, OK: true}},
		{name: "a body member in the head is not the body", status: 200, head: `{"body":{"x":1}}`, want: &Envelope{Status: 200, OK: true}},
		{name: "not found", status: 404, head: `{"status":404,"ok":false,"errors":["no flow"]}`, kind: KindNotFound, errStatus: 404},
		{name: "forbidden", status: 403, head: `{"status":403,"ok":false}`, kind: KindForbidden, errStatus: 403},
		{name: "bad request", status: 400, head: `{"status":400,"ok":false,"errors":["bad"]}`, kind: KindBadRequest, errStatus: 400},
		{name: "server", status: 500, head: `{"status":500,"ok":false}`, kind: KindServer, errStatus: 500},
		{name: "ok head on a failed exchange", status: 502, head: `{"status":200,"ok":true}`, kind: KindServer, errStatus: 502},
		{name: "not ok on a 200", status: 200, head: `{"status":409,"ok":false}`, kind: KindPlatform, errStatus: 409},
		{name: "array", status: 200, head: `[]`, kind: KindMalformed, reason: `no "head" object`},
		{name: "null", status: 200, head: `null`, kind: KindMalformed, reason: `no "head" object`},
		{name: "string", status: 200, head: `"x"`, kind: KindMalformed, reason: `no "head" object`},
		{name: "bad status", status: 200, head: `{"status":"200"}`, kind: KindMalformed, reason: `"head.status" is not an integer`},
		{name: "bad ok", status: 200, head: `{"ok":1}`, kind: KindMalformed, reason: `"head.ok" is not a boolean`},
		{name: "bad errors", status: 400, head: `{"errors":"x"}`, kind: KindMalformed, reason: `"head.errors" is not an array`},
		{name: "nothing", status: 200, head: ``, kind: KindMalformed},
		{name: "broken", status: 200, head: `{"status":`, kind: KindMalformed},
		{name: "two values", status: 200, head: `{} {}`, kind: KindMalformed},
		// Not one JSON value, though it completes the wrapper into one.
		{name: "injected member", status: 200, head: `{"status":200,"ok":true}, "x": 1`, kind: KindMalformed, reason: "invalid JSON"},
		{name: "injected head", status: 200, head: `{"ok":true}, "head": {"ok":false}`, kind: KindMalformed, reason: "invalid JSON"},
		{name: "injected body", status: 200, head: `{}, "body": {"id":"f1"}`, kind: KindMalformed, reason: "invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := DecodeHead(req, tc.status, []byte(tc.head))
			if tc.want != nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, env)
				assert.Nil(t, env.Body)
				// The same head, decoded with a body by DecodeResponse.
				full, err := DecodeResponse(req, tc.status, []byte(`{"head":`+tc.head+`,"body":[1]}`))
				require.NoError(t, err)
				full.Body = nil
				assert.Equal(t, env, full)
				return
			}
			require.Error(t, err)
			assert.Nil(t, env)
			assert.Equal(t, tc.kind, KindOf(err), err.Error())
			if tc.errStatus != 0 {
				var api APIError
				require.ErrorAs(t, err, &api)
				assert.Equal(t, tc.errStatus, api.Response().Status)
				assert.Equal(t, "/flow/f1", api.Response().Path)
				assert.Equal(t, "alice", api.Response().Account)
			}
			if tc.reason != "" {
				var mal *MalformedResponseError
				require.ErrorAs(t, err, &mal)
				assert.Equal(t, tc.reason, mal.Reason)
			}
		})
	}
}

// The token never reaches an error DecodeHead returns.
func TestDecodeHeadRedacts(t *testing.T) {
	req := Request{Method: "GET", Path: "/flow/f1", Header: []Header{{"X-Auth-Token", testToken}}}
	for _, head := range []string{
		`{"status":403,"ok":false,"errors":["bad token ` + testToken + `"],"messages":["` + testToken + `"]}`,
		`{"status":"` + testToken + `"}`,
		`{"x":"` + testToken + `"`,
		testToken,
	} {
		_, err := DecodeHead(req, 403, []byte(head))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), testToken)
		var api APIError
		if errors.As(err, &api) {
			assert.NotContains(t, strings.Join(api.Response().Errors, " "), testToken)
			assert.NotContains(t, strings.Join(api.Response().Messages, " "), testToken)
		}
		var mal *MalformedResponseError
		if errors.As(err, &mal) {
			assert.NotContains(t, mal.Excerpt, testToken)
		}
	}
}
