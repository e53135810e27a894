package nethttp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEmulatorTokenAndShare(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	devID := identityID(t, ctx, c, emulator.DefaultAccount)

	tok, resp, err := c.Token.Create(ctx, &flowthings.Token{
		Paths:       map[string]flowthings.TokenPermission{"/dev/t": {DropRead: flowthings.Ptr(true), DropWrite: flowthings.Ptr(false)}},
		Description: flowthings.Ptr("reader"),
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Regexp(t, "^k[0-9a-f]{24}$", tok.GetID())
	assert.Regexp(t, "^[A-Za-z0-9]{28}$", tok.GetTokenString())
	assert.Equal(t, devID, tok.GetIssuedBy())
	got, _, err := c.Token.Read(ctx, tok.GetID(), nil)
	require.NoError(t, err)
	assert.Equal(t, tok.GetPaths(), got.GetPaths())
	perm := got.GetPaths()["/dev/t"]
	assert.True(t, perm.GetDropRead())
	foundToks, _, err := c.Token.FindMany(ctx, nil, filter.M("id").Eq(tok.GetID()))
	require.NoError(t, err)
	assert.Equal(t, []string{tok.GetID()}, ids(t, foundToks))

	share, resp, err := c.Share.Create(ctx, &flowthings.Share{
		IssuedTo: flowthings.Ptr(guestID),
		Paths:    map[string]flowthings.SharePermission{"/dev/s": {Read: flowthings.Ptr(true), DropRead: flowthings.Ptr(true)}},
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Regexp(t, "^s[0-9a-f]{24}$", share.GetID())
	assert.Equal(t, devID, share.GetIssuedBy())
	manyShares, _, err := c.Share.ReadMany(ctx, []string{share.GetID()}, nil)
	require.NoError(t, err)
	assert.Equal(t, share.GetPaths(), manyShares[share.GetID()].GetPaths())

	// The typed TokenService and ShareService have no Update: that is a
	// compile error. The untyped services refuse it at run time.
	for _, tc := range []struct {
		name string
		svc  *flowthings.Service
		id   string
	}{
		{"token", c.Token.Objects(), tok.GetID()},
		{"share", c.Share.Objects(), share.GetID()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.id
			got, _, err := tc.svc.Read(ctx, id, nil)
			require.NoError(t, err)
			found, _, err := tc.svc.FindMany(ctx, nil, filter.M("id").Eq(id))
			require.NoError(t, err)
			assert.Equal(t, []string{id}, ids(t, found))
			many, _, err := tc.svc.ReadMany(ctx, []string{id}, nil)
			require.NoError(t, err)
			assert.Contains(t, many, id)

			// Updates are refused before any I/O.
			before := env.rec.count()
			for name, call := range map[string]func() error{
				"Update": func() error { _, _, err := tc.svc.Update(ctx, got, nil); return err },
				"Update(M)": func() error {
					_, _, err := tc.svc.Update(ctx, flowthings.M(got).Modify("description", "x"), nil)
					return err
				},
				"UpdateMany":    func() error { _, _, err := tc.svc.UpdateMany(ctx, []flowthings.Object{got}, nil); return err },
				"Save(with id)": func() error { _, _, err := tc.svc.Save(ctx, got, nil); return err },
				"Save(M)": func() error {
					_, _, err := tc.svc.Save(ctx, flowthings.M(got).Modify("description", "x"), nil)
					return err
				},
			} {
				err := call()
				var unsupported *core.UnsupportedError
				if assert.ErrorAs(t, err, &unsupported, name) {
					assert.Equal(t, tc.name, unsupported.Service, name)
				}
			}
			assert.Equal(t, before, env.rec.count(), "no request was made")

			_, err = tc.svc.Delete(ctx, id, nil, nil) // untyped: an optional body
			require.NoError(t, err)
			_, _, err = tc.svc.Read(ctx, id, nil)
			assert.True(t, core.IsNotFound(err), "read after delete: %v", err)
		})
	}
}

// ---------------------------------------------------------------------------
// Permissions: a Token object and a Share

func TestEmulatorTokenPermissions(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	a := createFlow(t, ctx, c, "/dev/perm/a", nil)
	b := createFlow(t, ctx, c, "/dev/perm/b", nil)
	aID, bID := a.GetID(), b.GetID()
	d, _, err := c.Drop(aID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"v": 1}}, nil)
	require.NoError(t, err)
	dID := d.GetID()
	_, _, err = c.Drop(bID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"v": 2}}, nil)
	require.NoError(t, err)

	tok, _, err := c.Token.Create(ctx, &flowthings.Token{
		Paths:       map[string]flowthings.TokenPermission{"/dev/perm/a": {DropRead: flowthings.Ptr(true), DropWrite: flowthings.Ptr(false)}},
		Description: flowthings.Ptr("read a"),
	}, nil)
	require.NoError(t, err)
	reader := env.clientAs(t, emulator.DefaultAccount, tok.GetTokenString())

	// Allowed: reading drops and the flow under the token's path.
	found, _, err := reader.Drop(aID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{dID}, ids(t, found))
	got, _, err := reader.Drop(aID).Read(ctx, dID, nil)
	require.NoError(t, err)
	assert.Equal(t, d, got)
	found, _, err = reader.DropPath("/dev/perm/a").FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, found, 1)
	_, _, err = reader.Flow.Read(ctx, aID, nil)
	assert.NoError(t, err)
	flows, _, err := reader.Flow.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{aID}, ids(t, flows), "lists leave out what the token cannot read")
	toks, _, err := reader.Token.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{tok.GetID()}, ids(t, toks), "a token lists just itself")

	// Refused with 403.
	for name, call := range map[string]func() error{
		"drop create": func() error {
			_, _, err := reader.Drop(aID).Create(ctx, &flowthings.Drop{}, nil)
			return err
		},
		"drop by path": func() error {
			_, _, err := reader.DropPath("/dev/perm/a").Create(ctx, &flowthings.Drop{}, nil)
			return err
		},
		"drop update": func() error {
			_, _, err := reader.Drop(aID).Modify(ctx, flowthings.M(d).Modify("fhash", "x"), nil)
			return err
		},
		"drop delete": func() error { _, err := reader.Drop(aID).Delete(ctx, dID, nil); return err },
		"delete all":  func() error { _, err := reader.Drop(aID).DeleteAll(ctx, nil); return err },
		"other flow":  func() error { _, _, err := reader.Flow.Read(ctx, bID, nil); return err },
		"other drops": func() error { _, _, err := reader.Drop(bID).FindMany(ctx, nil); return err },
		"flow create": func() error {
			_, _, err := reader.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/dev/perm/a/sub")}, nil)
			return err
		},
		"flow update": func() error {
			a.Description = flowthings.Ptr("x")
			_, _, err := reader.Flow.Update(ctx, a, nil)
			return err
		},
		"token create": func() error {
			_, _, err := reader.Token.Create(ctx, &flowthings.Token{Paths: map[string]flowthings.TokenPermission{"/dev/perm/a": {}}}, nil)
			return err
		},
	} {
		err := call()
		var forbidden *core.ForbiddenError
		if assert.ErrorAs(t, err, &forbidden, name) {
			assert.Equal(t, 403, forbidden.Status, name)
		}
	}
	// Nothing changed.
	found, _, err = c.Drop(aID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{dID}, ids(t, found))

	// A deleted token stops working: 401.
	_, err = c.Token.Delete(ctx, tok.GetID(), nil)
	require.NoError(t, err)
	_, _, err = reader.Drop(aID).FindMany(ctx, nil)
	var forbidden *core.ForbiddenError
	require.ErrorAs(t, err, &forbidden)
	assert.Equal(t, 401, forbidden.Status)
}

func TestEmulatorShares(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	shared := createFlow(t, ctx, c, "/dev/shared/x", nil)
	private := createFlow(t, ctx, c, "/dev/private/y", nil)
	sharedID, privateID := shared.GetID(), private.GetID()
	_, _, err := c.Drop(sharedID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"from": "dev"}}, nil)
	require.NoError(t, err)

	yes := flowthings.Ptr(true)
	share, _, err := c.Share.Create(ctx, &flowthings.Share{
		IssuedTo: flowthings.Ptr(guestID),
		Paths:    map[string]flowthings.SharePermission{"/dev/shared": {Read: yes, DropRead: yes, DropWrite: yes}},
	}, nil)
	require.NoError(t, err)
	shareID := share.GetID()

	// The recipient authenticates as itself (X-Auth-Account guest, its own
	// token) and addresses the owner's namespace in the URL.
	guestCfg := env.cfg
	guestCfg.Account, guestCfg.Token, guestCfg.Namespace = emulator.DefaultGuestAccount, emulator.DefaultGuestToken, emulator.DefaultAccount
	rec := &recordingTrans{next: env.rec.next}
	guest, err := flowthings.NewClient(guestCfg, rec)
	require.NoError(t, err)

	me, _, err := guest.Identity.Read(ctx, guestID, nil)
	require.NoError(t, err)
	assert.Contains(t, me.GetShares(), shareID, "the share appears on the recipient's identity")

	got, _, err := guest.Flow.Read(ctx, sharedID, nil)
	require.NoError(t, err)
	assert.Equal(t, "/dev/shared/x", got.GetPath())
	req := rec.last(t)
	assert.True(t, strings.HasPrefix(req.URL, env.srv.URL+"/v0.1/dev/flow/"), req.URL)
	assert.Contains(t, req.Header, core.Header{Name: "X-Auth-Account", Value: emulator.DefaultGuestAccount})
	assert.Equal(t, emulator.DefaultAccount, req.Account)

	flows, _, err := guest.Flow.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{sharedID}, ids(t, flows), "only the shared flow is listed")
	found, _, err := guest.Drop(sharedID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, found, 1)
	d, _, err := guest.DropPath("/dev/shared/x").Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"from": "guest"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, guestID, d.GetCreatorID(), "written through a share: the recipient's identity")
	assert.Equal(t, sharedID, d.GetFlowID())

	for name, call := range map[string]func() error{
		"private flow":  func() error { _, _, err := guest.Flow.Read(ctx, privateID, nil); return err },
		"private drops": func() error { _, _, err := guest.Drop(privateID).FindMany(ctx, nil); return err },
		"flow create": func() error {
			_, _, err := guest.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/dev/shared/new")}, nil)
			return err
		},
		"share create": func() error {
			_, _, err := guest.Share.Create(ctx, &flowthings.Share{IssuedTo: flowthings.Ptr(guestID), Paths: map[string]flowthings.SharePermission{"/dev": {Read: flowthings.Ptr(true)}}}, nil)
			return err
		},
	} {
		err := call()
		var forbidden *core.ForbiddenError
		if assert.ErrorAs(t, err, &forbidden, name) {
			assert.Equal(t, 403, forbidden.Status, name)
		}
	}

	// The reference Python client's way also works: the owner's account as
	// X-Auth-Account (it sends the URL's account there) with the
	// recipient's own token (docs/protocol.md §10 #27).
	python := env.clientAs(t, emulator.DefaultAccount, emulator.DefaultGuestToken)
	flow, _, err := python.Flow.Read(ctx, sharedID, nil)
	require.NoError(t, err)
	assert.Equal(t, sharedID, flow.GetID())
	// The own namespace does not: the flow is not there.
	own := env.clientAs(t, emulator.DefaultGuestAccount, emulator.DefaultGuestToken)
	_, _, err = own.Flow.Read(ctx, sharedID, nil)
	assert.True(t, core.IsNotFound(err), "%v", err)

	// Over the WebSocket the session is the recipient's; shared flows are
	// named by path (the path's account is the namespace).
	ws := wsDial(t, ctx, guestCfg, nil)
	sink := newDropSink()
	_, err = ws.Subscribe(ctx, "/dev/shared/x", sink.handle)
	require.NoError(t, err)
	body, err := ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", Path: "/dev/shared/x",
		Value: []byte(`{"elems":{"from":"guest-ws"}}`)})
	require.NoError(t, err)
	wsDrop, err := flowthings.Into[*flowthings.Drop](body)
	require.NoError(t, err)
	assert.Equal(t, sharedID, wsDrop.GetFlowID())
	assert.True(t, sink.waitFor(t, wsDrop.GetID(), 5*time.Second), "own write pushed back")
	devDrop, _, err := c.Drop(sharedID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"from": "dev-later"}}, nil)
	require.NoError(t, err)
	assert.True(t, sink.waitFor(t, devDrop.GetID(), 5*time.Second), "owner's write pushed to the recipient")
	_, err = ws.Subscribe(ctx, "/dev/private/y", func(*flowthings.Drop) {})
	var forbidden *core.ForbiddenError
	assert.ErrorAs(t, err, &forbidden, "no dropRead on the private flow")

	// Once the share is deleted, the namespace is closed to the recipient.
	_, err = c.Share.Delete(ctx, shareID, nil)
	require.NoError(t, err)
	_, _, err = guest.Flow.Read(ctx, sharedID, nil)
	assert.Equal(t, 403, apiStatus(err), "%v", err)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", Path: "/dev/shared/x", Value: []byte(`{"elems":{}}`)})
	assert.ErrorAs(t, err, &forbidden)
}
