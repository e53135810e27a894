package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestXAuthAccountHeader: X-Auth-Account may name the token's own account
// or the URL account (the Python client sends the URL account, so a share
// recipient calls with the owner's account and its own token); any other
// value is a 403 that names the header. A 403 for a missing share does not
// mention the header when none was sent.
func TestXAuthAccountHeader(t *testing.T) {
	v := newEnv(t, Config{ExtraAccounts: []Account{{"carol", carolTok}}})
	fid := v.flow("/dev/shared")["id"].(string)
	v.drop(fid, map[string]any{"n": 1})
	v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/shared": map[string]any{"read": true, "dropRead": true}}})
	ro := v.create("token", map[string]any{"paths": map[string]any{"/dev/shared": map[string]any{"dropRead": true}}})["tokenString"].(string)
	drops := "/v0.1/dev/drop/" + fid

	cases := []struct {
		name    string
		opts    []reqOpt
		path    string
		want    int
		mention string // in the error; "" = must not name X-Auth-Account
	}{
		{"share recipient, header = URL account (Python client)", []reqOpt{tok(guestTok), acct("dev")}, drops, 200, ""},
		{"share recipient, header = own account", []reqOpt{tok(guestTok), acct("guest")}, drops, 200, ""},
		{"share recipient, no header", []reqOpt{tok(guestTok)}, drops, 200, ""},
		{"header names a third account", []reqOpt{tok(guestTok), acct("carol")}, drops, 403, "X-Auth-Account"},
		{"header names an unknown account", []reqOpt{tok(guestTok), acct("nobody")}, drops, 403, "X-Auth-Account"},
		{"master, header of another account", []reqOpt{acct("guest")}, drops, 403, "X-Auth-Account"},
		{"Token, header of another account", []reqOpt{tok(ro), acct("guest")}, drops, 403, "X-Auth-Account"},
		{"Token, header = its account", []reqOpt{tok(ro), acct("dev")}, drops, 200, ""},
		{"no share, no header", []reqOpt{tok(carolTok)}, drops, 403, ""},
		{"no share, header = URL account", []reqOpt{tok(carolTok), acct("dev")}, drops, 403, ""},
		{"no share, header = own account", []reqOpt{tok(carolTok), acct("carol")}, drops, 403, ""},
		{"unknown token with a header", []reqOpt{tok("nope-nope-nope-nope"), acct("dev")}, drops, 401, "X-Auth-Token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.with(t).must(c.want, "GET", c.path, nil, c.opts...)
			switch {
			case c.want == 200:
			case c.mention != "":
				assert.Contains(t, r.err(), c.mention)
			default:
				assert.NotContains(t, r.err(), "X-Auth-Account")
			}
		})
	}

	// POST /session: the header names the account to act in
	t.Run("sessions", func(t *testing.T) {
		v := v.with(t)
		v.must(http.StatusCreated, "POST", "/session", nil, tok(guestTok), acct("dev"))
		v.must(http.StatusCreated, "POST", "/session", nil, tok(guestTok), acct("guest"))
		v.must(http.StatusCreated, "POST", "/session", nil, tok(guestTok))
		for _, opts := range [][]reqOpt{{tok(carolTok), acct("dev")}, {acct("guest")}, {tok(guestTok), acct("nobody")}} {
			r := v.must(http.StatusForbidden, "POST", "/session", nil, opts...)
			assert.Contains(t, r.err(), "X-Auth-Account")
		}
		v.must(http.StatusUnauthorized, "POST", "/session", nil, tok("nope-nope-nope-nope"), acct("dev"))
	})
}

// TestWSSessionActsInHeaderAccount: a share recipient's session created
// with X-Auth-Account of the owner (as the Python client does) reads the
// owner's objects by id.
func TestWSSessionActsInHeaderAccount(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/shared")["id"].(string)
	v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/shared": map[string]any{"read": true, "dropRead": true}}})
	owner := v.connect(tok(guestTok), acct("dev"))
	owner.must(http.StatusOK, map[string]any{"object": "flow", "type": "find", "id": fid})
	own := v.connect(tok(guestTok), acct("guest"))
	own.must(http.StatusNotFound, map[string]any{"object": "flow", "type": "find", "id": fid})
}

// TestWSSharedFlowByID: a frame naming a shared flow by flowId acts in the
// owner's account, as the same flow named by path does; another flow of
// that account is a 403 (as over REST), and a flow of an account that
// shares nothing stays a 404 (its existence is not revealed).
func TestWSSharedFlowByID(t *testing.T) {
	v := newEnv(t, Config{ExtraAccounts: []Account{{"carol", carolTok}}})
	fid := v.flow("/dev/shared")["id"].(string)
	secret := v.flow("/dev/secret")["id"].(string)
	carols := v.must(http.StatusCreated, "POST", "/v0.1/carol/flow", map[string]any{"path": "/carol/x"}, tok(carolTok)).obj()["id"].(string)
	v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/shared": map[string]any{"read": true, "dropRead": true, "dropWrite": true}}})
	g := v.connect(tok(guestTok), acct("guest"))
	g.must(http.StatusOK, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	d := g.must(http.StatusCreated, map[string]any{"object": "drop", "type": "create", "flowId": fid, "value": map[string]any{"elems": map[string]any{"n": 1}}}).obj()
	assert.Equal(t, fid, g.push().Resource)
	g.must(http.StatusOK, map[string]any{"object": "drop", "type": "find", "flowId": fid, "id": d["id"]})
	assert.Len(t, g.must(http.StatusOK, map[string]any{"object": "drop", "type": "findmany", "flowId": fid}).list(), 1)
	assert.Len(t, g.must(http.StatusOK, map[string]any{"object": "drop", "type": "findmany", "path": "/dev/shared"}).list(), 1)
	g.must(http.StatusForbidden, map[string]any{"object": "drop", "type": "findmany", "flowId": secret})
	g.must(http.StatusForbidden, map[string]any{"object": "drop", "type": "subscribe", "flowId": secret})
	g.must(http.StatusNotFound, map[string]any{"object": "drop", "type": "findmany", "flowId": carols})
	g.must(http.StatusNotFound, map[string]any{"object": "drop", "type": "subscribe", "flowId": carols})
}
