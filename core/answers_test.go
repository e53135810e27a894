package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 204 No Content is a success with the body {}; a 204 with a body is
// decoded as any other answer.
func TestDecodeNoContent(t *testing.T) {
	t.Parallel()
	req := Request{Method: "DELETE", Path: "/flow/f1"}
	env, err := DecodeResponse(req, 204, nil)
	require.NoError(t, err)
	assert.Equal(t, &Envelope{Status: 204, OK: true, Body: []byte("{}")}, env)
	_, err = DecodeResponse(req, 204, []byte("<html>"))
	assert.Equal(t, KindMalformed, KindOf(err))
}

// A 3xx is a RedirectError whatever its body: the platform never redirects.
func TestDecodeRedirect(t *testing.T) {
	t.Parallel()
	req := Request{Method: "POST", Path: "/drop/f1", Header: []Header{{"X-Auth-Token", testToken}}}
	for _, status := range []int{301, 302, 303, 307, 308, 300, 399} {
		for _, body := range []string{"", "<html>moved</html>", `{"head":{"status":200,"ok":true},"body":{}}`} {
			_, err := DecodeResponse(req, status, []byte(body))
			var redirect *RedirectError
			require.ErrorAs(t, err, &redirect)
			assert.Equal(t, RedirectError{Status: status, Method: "POST", Path: "/drop/f1"}, *redirect)
			assert.Equal(t, KindRedirect, KindOf(err))
		}
	}
	_, err := DecodeHead(req, 302, []byte(`{"status":302,"ok":false}`))
	assert.Equal(t, KindRedirect, KindOf(err))
	assert.Equal(t, "flowthings: GET /flow/x: status 307: a redirect to http://127.0.0.1:9, not followed (a request carrying the token never follows a redirect)",
		(&RedirectError{Status: 307, Method: "GET", Path: "/flow/x", Target: "http://127.0.0.1:9"}).Error())
	assert.Equal(t, "flowthings: GET /flow/x: status 302: a redirect, not followed (a request carrying the token never follows a redirect)",
		(&RedirectError{Status: 302, Method: "GET", Path: "/flow/x"}).Error())
}

// A lone surrogate (from a JavaScript string, read by the JSON reader as
// WTF-8) or invalid UTF-8 in an id, a flow id or a param is an InputError,
// never sent as something else.
func TestNotUnicodeRefused(t *testing.T) {
	t.Parallel()
	lone, ok := jsonText([]byte(`"d\ud800"`))
	require.True(t, ok)
	cfg := testConfig()
	for name, op := range map[string]Op{
		"id":               {Service: ServiceFlow, Name: OpRead, ID: lone},
		"invalid UTF-8 id": {Service: ServiceFlow, Name: OpRead, ID: "f\xff"},
		"flow id":          {Service: ServiceDrop, Name: OpFindMany, FlowID: lone},
		"statistics id":    {Service: ServiceStatistics, Name: OpStatistics, Stat: StatTrackHit, ID: lone},
		"delete":           {Service: ServiceFlow, Name: OpDelete, ID: lone},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cfg.BuildOp(op)
			requireInputError(t, err, "id", "lone UTF-16 surrogate")
		})
	}
	for key, v := range map[string]any{"filter": "name == '" + lone + "'", "only": lone, "sort": []string{"a", "\xed\xb0\x80"}} {
		_, err := cfg.BuildOp(Op{Service: ServiceFlow, Name: OpFindMany, Params: Params{key: v}})
		requireInputError(t, err, "param "+key, "not valid Unicode")
		_, err = Params{key: v}.Strings()
		requireInputError(t, err, "param "+key, "not valid Unicode")
	}
	// A surrogate pair is a character like any other.
	pair, _ := jsonText([]byte(`"d\ud83d\ude00"`))
	req, err := cfg.BuildOp(Op{Service: ServiceFlow, Name: OpRead, ID: pair})
	require.NoError(t, err)
	assert.Equal(t, restBase+"/flow/d%F0%9F%98%80", req.URL)
}
