package emulator

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	carolTok = "carol-master-token-0000000000003"
	erinTok  = "erin-master-token-00000000000004"
)

// TestPermissionMatrix drives every credential kind against flows, drops,
// tracks, tokens and shares.
func TestPermissionMatrix(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now, ExtraAccounts: []Account{{"carol", carolTok}, {"erin", erinTok}}})
	flows := map[string]string{}
	for _, p := range []string{"/dev/home", "/dev/home/sub", "/dev/homework", "/dev/other", "/dev/rw", "/dev/grp", "/dev/exp", "/dev/adm"} {
		flows[p] = v.flow(p)["id"].(string)
		v.drop(flows[p], map[string]any{"seed": p})
	}
	homeDrop := v.must(200, "GET", "/v0.1/dev/drop/"+flows["/dev/home"], nil).list()[0]["id"].(string)
	mkTok := func(paths map[string]any, extra ...map[string]any) (id, secret string) {
		b := map[string]any{"paths": paths}
		for _, e := range extra {
			for k, x := range e {
				b[k] = x
			}
		}
		o := v.create("token", b)
		return o["id"].(string), o["tokenString"].(string)
	}
	roID, ro := mkTok(map[string]any{"/dev/home": map[string]any{"dropRead": true}})
	woID, wo := mkTok(map[string]any{"/dev/home": map[string]any{"dropWrite": true}})
	_, union := mkTok(map[string]any{"/dev/home": map[string]any{"dropRead": true}, "/dev/home/sub": map[string]any{"dropWrite": true}})
	_, exp := mkTok(map[string]any{"/dev/home": map[string]any{"dropRead": true}}, map[string]any{"duration": 1000})
	delID, del := mkTok(map[string]any{"/dev/home": map[string]any{"dropRead": true}})
	v.must(200, "DELETE", "/v0.1/dev/token/"+delID, nil)

	guestID, carolID, erinID := v.identityID("guest"), v.identityID("carol"), v.identityID("erin")
	share := func(to string, path string, flags map[string]any, extra ...map[string]any) {
		b := map[string]any{"issuedTo": to, "paths": map[string]any{path: flags}}
		for _, e := range extra {
			for k, x := range e {
				b[k] = x
			}
		}
		v.create("share", b)
	}
	share(guestID, "/dev/home", map[string]any{"read": true, "dropRead": true})
	share(guestID, "/dev/rw", map[string]any{"read": true, "write": true, "dropRead": true, "dropWrite": true})
	share(guestID, "/dev/adm", map[string]any{"administer": true})
	grp := v.create("group", map[string]any{"displayName": "g", "memberIds": []any{carolID}})
	share(grp["id"].(string), "/dev/grp", map[string]any{"read": true, "dropRead": true})
	share(erinID, "/dev/exp", map[string]any{"read": true, "dropRead": true}, map[string]any{"duration": 1000})

	// before expiry the expiring credentials work
	v.must(200, "GET", "/v0.1/dev/drop/"+flows["/dev/home"], nil, tok(exp))
	v.must(200, "GET", "/v0.1/dev/drop/"+flows["/dev/exp"], nil, tok(erinTok), acct("erin"))
	clk.advance(2 * time.Second)

	f := func(p string) string { return "/v0.1/dev/flow/" + flows[p] }
	d := func(p string) string { return "/v0.1/dev/drop/" + flows[p] }
	newFlow := func(p string) map[string]any { return map[string]any{"path": p} }
	newDrop := map[string]any{"elems": map[string]any{"x": 1}}
	guest := []reqOpt{tok(guestTok), acct("guest")}

	cases := []struct {
		name   string
		opts   []reqOpt
		method string
		path   string
		body   any
		want   int
	}{
		// master
		{"master reads flow", nil, "GET", f("/dev/other"), nil, 200},
		{"master writes drop", nil, "POST", d("/dev/other"), newDrop, 201},
		// read-only token
		{"ro token reads flow", []reqOpt{tok(ro)}, "GET", f("/dev/home"), nil, 200},
		{"ro token reads sub flow (recursive)", []reqOpt{tok(ro)}, "GET", f("/dev/home/sub"), nil, 200},
		{"ro token: segment boundary", []reqOpt{tok(ro)}, "GET", f("/dev/homework"), nil, 403},
		{"ro token: other flow", []reqOpt{tok(ro)}, "GET", f("/dev/other"), nil, 403},
		{"ro token reads drops", []reqOpt{tok(ro)}, "GET", d("/dev/home"), nil, 200},
		{"ro token reads one drop", []reqOpt{tok(ro)}, "GET", d("/dev/home") + "/" + homeDrop, nil, 200},
		{"ro token reads sub drops", []reqOpt{tok(ro)}, "GET", d("/dev/home/sub"), nil, 200},
		{"ro token cannot write drops", []reqOpt{tok(ro)}, "POST", d("/dev/home"), newDrop, 403},
		{"ro token cannot delete drops", []reqOpt{tok(ro)}, "DELETE", d("/dev/home"), nil, 403},
		{"ro token cannot create flows", []reqOpt{tok(ro)}, "POST", "/v0.1/dev/flow", newFlow("/dev/home/new"), 403},
		{"ro token cannot update flows", []reqOpt{tok(ro)}, "PUT", f("/dev/home"), map[string]any{"description": "x"}, 403},
		{"ro token cannot delete flows", []reqOpt{tok(ro)}, "DELETE", f("/dev/home"), nil, 403},
		{"ro token cannot create tracks", []reqOpt{tok(ro)}, "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/home", "destination": "/dev/home/sub"}, 403},
		{"ro token reads itself", []reqOpt{tok(ro)}, "GET", "/v0.1/dev/token/" + roID, nil, 200},
		{"ro token cannot read other tokens", []reqOpt{tok(ro)}, "GET", "/v0.1/dev/token/" + woID, nil, 403},
		{"ro token cannot create tokens", []reqOpt{tok(ro)}, "POST", "/v0.1/dev/token", map[string]any{"paths": map[string]any{"/dev/home": map[string]any{}}}, 403},
		{"ro token cannot delete itself", []reqOpt{tok(ro)}, "DELETE", "/v0.1/dev/token/" + roID, nil, 403},
		{"ro token cannot list shares", []reqOpt{tok(ro)}, "GET", "/v0.1/dev/share", nil, 403},
		{"ro token cannot create shares", []reqOpt{tok(ro)}, "POST", "/v0.1/dev/share", map[string]any{"issuedTo": guestID, "paths": map[string]any{"/dev/home": map[string]any{}}}, 403},
		{"ro token cannot list groups", []reqOpt{tok(ro)}, "GET", "/v0.1/dev/group", nil, 403},
		{"ro token reads identities", []reqOpt{tok(ro)}, "GET", "/v0.1/dev/identity", nil, 200},
		{"ro token is bound to its account", []reqOpt{tok(ro)}, "GET", "/v0.1/guest/flow", nil, 403},
		// write-only token
		{"wo token writes drops", []reqOpt{tok(wo)}, "POST", d("/dev/home"), newDrop, 201},
		{"wo token updates drops", []reqOpt{tok(wo)}, "PUT", d("/dev/home") + "/" + homeDrop, map[string]any{"fhash": "x"}, 200},
		{"wo token cannot read drops", []reqOpt{tok(wo)}, "GET", d("/dev/home"), nil, 403},
		{"wo token cannot MGET drops", []reqOpt{tok(wo)}, "MGET", d("/dev/home"), []string{homeDrop}, 403},
		{"wo token reads the flow object", []reqOpt{tok(wo)}, "GET", f("/dev/home"), nil, 200},
		{"wo token cannot write elsewhere", []reqOpt{tok(wo)}, "POST", d("/dev/other"), newDrop, 403},
		// union of entries
		{"union: read from /dev/home entry", []reqOpt{tok(union)}, "GET", d("/dev/home/sub"), nil, 200},
		{"union: write from /dev/home/sub entry", []reqOpt{tok(union)}, "POST", d("/dev/home/sub"), newDrop, 201},
		{"union: no write on /dev/home", []reqOpt{tok(union)}, "POST", d("/dev/home"), newDrop, 403},
		// expired / deleted / unknown / missing
		{"expired token", []reqOpt{tok(exp)}, "GET", d("/dev/home"), nil, 401},
		{"deleted token", []reqOpt{tok(del)}, "GET", d("/dev/home"), nil, 401},
		{"unknown token", []reqOpt{tok("nope")}, "GET", "/v0.1/dev/flow", nil, 401},
		{"missing token", []reqOpt{noTok()}, "GET", "/v0.1/dev/flow", nil, 401},
		{"missing token on unknown account", []reqOpt{noTok()}, "GET", "/v0.1/nobody/flow", nil, 401},
		// wrong account
		{"X-Auth-Account neither the token's nor the URL account", []reqOpt{acct("guest")}, "GET", "/v0.1/dev/flow", nil, 403},
		{"X-Auth-Account ≠ URL account, no share", []reqOpt{tok(carolTok), acct("carol")}, "GET", "/v0.1/guest/flow", nil, 403},
		{"master of another account, no share", []reqOpt{tok(carolTok)}, "GET", "/v0.1/guest/flow", nil, 403},
		{"X-Auth-Account = URL account", []reqOpt{acct("dev")}, "GET", "/v0.1/dev/flow", nil, 200},
		{"unknown URL account", nil, "GET", "/v0.1/nobody/flow", nil, 404},
		// share read
		{"share read: flow", guest, "GET", f("/dev/home"), nil, 200},
		{"share read: recursive", guest, "GET", f("/dev/home/sub"), nil, 200},
		{"share read: boundary", guest, "GET", f("/dev/homework"), nil, 403},
		{"share read: drops", guest, "GET", d("/dev/home"), nil, 200},
		{"share read: no drop write", guest, "POST", d("/dev/home"), newDrop, 403},
		{"share read: no flow write", guest, "PUT", f("/dev/home"), map[string]any{"description": "x"}, 403},
		{"share read: no create", guest, "POST", "/v0.1/dev/flow", newFlow("/dev/home/x"), 403},
		{"share read: without X-Auth-Account", []reqOpt{tok(guestTok)}, "GET", d("/dev/home"), nil, 200},
		// share write
		{"share write: create flow", guest, "POST", "/v0.1/dev/flow", newFlow("/dev/rw/new"), 201},
		{"share write: update flow", guest, "PUT", f("/dev/rw"), map[string]any{"description": "by guest"}, 200},
		{"share write: drop", guest, "POST", d("/dev/rw"), newDrop, 201},
		{"share write: not outside", guest, "POST", "/v0.1/dev/flow", newFlow("/dev/elsewhere"), 403},
		{"share write: track inside", guest, "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/rw", "destination": "/dev/rw/x"}, 201},
		{"share write: track to unwritable destination", guest, "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/rw", "destination": []any{"/dev/rw/x", "/dev/home"}}, 403},
		{"share write: track from unwritable source", guest, "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/home", "destination": "/dev/rw"}, 403},
		{"share: cannot create tokens", guest, "POST", "/v0.1/dev/token", map[string]any{"paths": map[string]any{"/dev/rw": map[string]any{}}}, 403},
		{"share: cannot list tokens", guest, "GET", "/v0.1/dev/token", nil, 403},
		{"share: cannot create shares", guest, "POST", "/v0.1/dev/share", map[string]any{"issuedTo": guestID, "paths": map[string]any{"/dev/rw": map[string]any{}}}, 403},
		{"share: administer implies all", guest, "POST", d("/dev/adm"), newDrop, 201},
		{"share: administer flow write", guest, "DELETE", d("/dev/adm"), nil, 200},
		// group share
		{"group share: member reads", []reqOpt{tok(carolTok), acct("carol")}, "GET", d("/dev/grp"), nil, 200},
		{"group share: member cannot write", []reqOpt{tok(carolTok), acct("carol")}, "POST", d("/dev/grp"), newDrop, 403},
		{"group share: non-member", guest, "GET", d("/dev/grp"), nil, 403},
		{"group share: member outside path", []reqOpt{tok(carolTok), acct("carol")}, "GET", d("/dev/home"), nil, 403},
		// expired share
		{"expired share", []reqOpt{tok(erinTok), acct("erin")}, "GET", d("/dev/exp"), nil, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			v.must(c.want, c.method, c.path, c.body, c.opts...)
		})
	}

	// lists are filtered, never 403
	paths := func(l []map[string]any) []string {
		var out []string
		for _, m := range l {
			out = append(out, m["path"].(string))
		}
		return out
	}
	assert.ElementsMatch(t, []string{"/dev/home", "/dev/home/sub"}, paths(v.must(200, "GET", "/v0.1/dev/flow?limit=100", nil, tok(ro)).list()))
	gl := paths(v.must(200, "GET", "/v0.1/dev/flow?limit=100", nil, guest...).list())
	assert.Subset(t, gl, []string{"/dev/home", "/dev/home/sub", "/dev/rw", "/dev/rw/new", "/dev/adm"})
	assert.NotContains(t, gl, "/dev/other")
	assert.NotContains(t, gl, "/dev/homework")
	// MGET leaves out what the caller cannot read
	m := v.must(200, "MGET", "/v0.1/dev/flow", []string{flows["/dev/home"], flows["/dev/other"]}, tok(ro)).obj()
	assert.Len(t, m, 1)
	// a token lists just itself
	tl := v.must(200, "GET", "/v0.1/dev/token", nil, tok(ro)).list()
	require.Len(t, tl, 1)
	assert.Equal(t, roID, tl[0]["id"])
	// objects created through a share are in the owner's namespace, by the guest
	nf := v.must(200, "GET", "/v0.1/dev/flow?limit=100", nil).list()
	for _, x := range nf {
		if x["path"] == "/dev/rw/new" {
			assert.Equal(t, guestID, x["creatorId"])
		}
	}
	// token drops carry the issuer as creator
	wd := v.must(201, "POST", d("/dev/home"), newDrop, tok(wo)).obj()
	assert.Equal(t, v.identityID("dev"), wd["creatorId"])
}

func TestTokenDeletedDuringUse(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/x")["id"].(string)
	o := v.create("token", map[string]any{"paths": map[string]any{"/dev/x": map[string]any{"dropRead": true}}})
	p, err := v.emu.authenticate("", o["tokenString"].(string), "dev")
	require.Nil(t, err)
	op := operation{Method: "GET", Version: "0.1", Account: "dev", Service: "drop", FlowID: fid}
	assert.Equal(t, http.StatusOK, v.emu.execute(context.Background(), p, op).Status)
	v.must(200, "DELETE", "/v0.1/dev/token/"+o["id"].(string), nil)
	res := v.emu.execute(context.Background(), p, op)
	assert.Equal(t, http.StatusUnauthorized, res.Status, "a principal is re-validated on every operation")
	assert.NotEmpty(t, res.Errors)
}

func TestPathCovers(t *testing.T) {
	cases := []struct {
		prefix, path string
		want         bool
	}{
		{"/a/b", "/a/b", true},
		{"/a/b", "/a/b/c", true},
		{"/a/b/", "/a/b/c", true},
		{"/a/b", "/a/bc", false},
		{"/a/b", "/a", false},
		{"", "/a", false},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, pathCovers(c.prefix, c.path), "%s covers %s", c.prefix, c.path)
	}
}
