package nethttp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// Errors

func TestEmulatorErrors(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/errors", nil)
	flowID := flow.GetID()
	tok, _, err := c.Token.Create(ctx, &flowthings.Token{Paths: map[string]flowthings.TokenPermission{"/dev/errors": {DropRead: flowthings.Ptr(true)}}}, nil)
	require.NoError(t, err)
	tokenString := tok.GetTokenString()
	const wrongToken = "not-a-real-token-0123456789"
	reader := env.clientAs(t, emulator.DefaultAccount, tokenString)
	stranger := env.clientAs(t, emulator.DefaultAccount, wrongToken)
	mismatched := env.clientAs(t, emulator.DefaultGuestAccount, emulator.DefaultToken) // dev's token, guest's name

	failing := newEmuEnv(t, func(cfg *emulator.Config) { cfg.FailRate = 1 })

	var all []error // every error, checked for tokens at the end
	for _, tc := range []struct {
		name   string
		call   func() error
		target any // pointer to the wanted error type
		status int
		method string
		path   string
		errSub string // in Errors
		acct   string // the Account of the error when not dev
	}{
		{"bad filter string", func() error {
			_, _, err := c.Flow.FindMany(ctx, nil, "path == ")
			return err
		}, new(*core.BadRequestError), 400, "GET", "/flow", "position 8", ""},
		{"bad drop filter", func() error {
			_, _, err := c.Drop(flowID).FindMany(ctx, core.Params{"filter": "elems.a > 1 &&"})
			return err
		}, new(*core.BadRequestError), 400, "GET", "/drop/" + flowID, "position", ""},
		{"bad param", func() error {
			_, _, err := c.Flow.FindMany(ctx, core.Params{"order": "sideways"})
			return err
		}, new(*core.BadRequestError), 400, "GET", "/flow", "order", ""},
		{"wrong token", func() error {
			_, _, err := stranger.Flow.Read(ctx, flowID, nil)
			return err
		}, new(*core.ForbiddenError), 401, "GET", "/flow/" + flowID, "X-Auth-Token", ""},
		{"token of another account", func() error { // dev's token in guest's namespace, which shares nothing with dev
			_, _, err := mismatched.Flow.FindMany(ctx, nil)
			return err
		}, new(*core.ForbiddenError), 403, "GET", "/flow", "no live share", emulator.DefaultGuestAccount},
		{"token without permission", func() error {
			_, _, err := reader.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/dev/errors/new")}, nil)
			return err
		}, new(*core.ForbiddenError), 403, "POST", "/flow", "permission", ""},
		{"token without drop write", func() error {
			_, _, err := reader.Drop(flowID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{}}, nil)
			return err
		}, new(*core.ForbiddenError), 403, "POST", "/drop/" + flowID, "permission", ""},
		{"not found", func() error {
			_, _, err := c.Track.Read(ctx, "t"+strings.Repeat("a", 24), nil)
			return err
		}, new(*core.NotFoundError), 404, "GET", "/track/t" + strings.Repeat("a", 24), "", ""},
		{"unknown route, raw", func() error {
			_, _, err := c.Raw(ctx, "GET", "/nosuchservice", nil, nil)
			return err
		}, new(*core.NotFoundError), 404, "GET", "/nosuchservice", "", ""},
		{"injected 503", func() error {
			_, _, err := failing.c.Flow.FindMany(ctx, nil)
			return err
		}, new(*core.ServerError), 503, "GET", "/flow", "", ""},
		{"injected 503 on a write", func() error {
			_, _, err := failing.c.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/dev/x")}, nil)
			return err
		}, new(*core.ServerError), 503, "POST", "/flow", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			all = append(all, err)
			require.ErrorAs(t, err, tc.target)
			var api core.APIError
			require.ErrorAs(t, err, &api)
			re := api.Response()
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, tc.method, re.Method)
			assert.Equal(t, tc.path, re.Path)
			wantAccount := emulator.DefaultAccount
			if tc.acct != "" {
				wantAccount = tc.acct
			}
			assert.Equal(t, wantAccount, re.Account)
			assert.NotEmpty(t, re.Errors, "the platform's error strings")
			if tc.errSub != "" {
				assert.Contains(t, strings.Join(re.Errors, "\n"), tc.errSub)
			}
			assert.Contains(t, err.Error(), fmt.Sprint(tc.status))
		})
	}

	// A built filter that cannot be rendered is refused before any I/O.
	before := env.rec.count()
	_, _, err = c.Flow.FindMany(ctx, nil, filter.M("bad name").Eq(1))
	var input *core.InputError
	require.ErrorAs(t, err, &input)
	assert.ErrorIs(t, err, filter.ErrInvalid)
	_, _, err = c.Raw(ctx, "GET", "/flow/../token", nil, nil)
	assert.ErrorAs(t, err, &input, "dot segments are refused")
	assert.Equal(t, before, env.rec.count())
	all = append(all, err)

	// A failing WebSocket session is the first connection's error.
	_, err = flowthings.DialWebSocket(ctx, failing.cfg, failing.rec, &nethttp.WSDialer{}, nil)
	var server *core.ServerError
	assert.ErrorAs(t, err, &server)
	all = append(all, err)

	for _, err := range all {
		for _, secret := range []string{emulator.DefaultToken, emulator.DefaultGuestToken, tokenString, wrongToken} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}
}

func TestEmulatorRawRequest(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/raw", flowthings.Object{"description": "before"})
	flowID := flow.GetID()

	v, resp, err := c.Raw(ctx, "GET", "/flow/"+flowID, nil, core.Params{"only": []string{"path"}})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, flowthings.Object{"id": flowID, "path": "/dev/raw"}, v)

	// Member sub-resource update: PUT /flow/{id}/description with a bare value.
	v, _, err = c.Raw(ctx, "PUT", "/flow/"+flowID+"/description", "after", nil)
	require.NoError(t, err)
	require.IsType(t, flowthings.Object{}, v)
	assert.Equal(t, "after", v.(flowthings.Object)["description"])
	req := env.rec.last(t)
	assert.Equal(t, `"after"`, string(req.Body))

	// A raw body as json.RawMessage, a list result.
	v, _, err = c.Raw(ctx, "MGET", "/flow", json.RawMessage(`["`+flowID+`"]`), nil)
	require.NoError(t, err)
	require.IsType(t, flowthings.Object{}, v)
	assert.Contains(t, v.(flowthings.Object), flowID)
	v, _, err = c.Raw(ctx, "GET", "/flow", nil, core.Params{"filter": filter.M("path").Eq("/dev/raw")})
	require.NoError(t, err)
	require.IsType(t, []any{}, v)
	assert.Len(t, v, 1)

	// A create with a raw call is a 201 and the body decodes as an Object.
	v, resp, err = c.Raw(ctx, "POST", "/drop/"+flowID, flowthings.Object{"elems": flowthings.Object{"a": 1}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, flowID, v.(flowthings.Object)["flowId"])
}
