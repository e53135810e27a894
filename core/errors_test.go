package core

import (
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
