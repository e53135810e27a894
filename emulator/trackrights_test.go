package emulator

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrackNeedsDropRights: a track needs its creator's drop read on the
// source and drop write on each destination, when it is written and every
// time it fires; a share of read/write alone grants neither, and a track
// whose rights are gone (share expired or deleted) stops copying.
func TestTrackNeedsDropRights(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	guest := []reqOpt{tok(guestTok), acct("guest")}
	vault := v.flow("/dev/vault")["id"].(string)
	guestID := v.identityID("guest")
	loot := v.must(http.StatusCreated, "POST", "/v0.1/guest/flow", map[string]any{"path": "/guest/loot"}, guest...).obj()["id"].(string)
	src := v.must(http.StatusCreated, "POST", "/v0.1/guest/flow", map[string]any{"path": "/guest/src"}, guest...).obj()["id"].(string)
	share := func(flags map[string]any, extra map[string]any) string {
		b := map[string]any{"issuedTo": guestID, "paths": map[string]any{"/dev/vault": flags}}
		for k, x := range extra {
			b[k] = x
		}
		return v.create("share", b)["id"].(string)
	}
	count := func(flowID, ns string, opts ...reqOpt) int {
		return len(v.must(http.StatusOK, "GET", "/v0.1/"+ns+"/drop/"+flowID+"?limit=100", nil, opts...).list())
	}

	// read/write without dropRead/dropWrite
	rw := share(map[string]any{"read": true, "write": true}, nil)
	out := map[string]any{"source": "/dev/vault", "destination": "/guest/loot"}
	in := map[string]any{"source": "/guest/src", "destination": "/dev/vault"}
	for _, c := range []struct {
		name, ns string
		body     map[string]any
	}{
		{"copy out of the vault, in the guest's account", "guest", out},
		{"inject into the vault, in the guest's account", "guest", in},
		{"copy out of the vault, in the owner's account", "dev", map[string]any{"source": "/dev/vault", "destination": "/dev/vault/sub"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			v.with(t).must(http.StatusForbidden, "POST", "/v0.1/"+c.ns+"/track", c.body, guest...)
		})
	}
	v.must(http.StatusOK, "DELETE", "/v0.1/dev/share/"+rw, nil)

	// with drop rights the tracks work …
	full := share(map[string]any{"read": true, "write": true, "dropRead": true, "dropWrite": true}, nil)
	outTrack := v.must(http.StatusCreated, "POST", "/v0.1/guest/track", out, guest...).obj()["id"].(string)
	v.must(http.StatusCreated, "POST", "/v0.1/guest/track", in, guest...)
	v.drop(vault, map[string]any{"n": 1})
	v.must(http.StatusCreated, "POST", "/v0.1/guest/drop/"+src, map[string]any{"elems": map[string]any{"n": 2}}, guest...)
	require.Equal(t, 2, count(vault, "dev"), "injected")
	require.Equal(t, 2, count(loot, "guest", guest...), "copied out, the injected one relayed")

	// … an update needs them too
	v.must(http.StatusOK, "PUT", "/v0.1/guest/track/"+outTrack, map[string]any{"description": "x"}, guest...)

	// … and stop when the share is deleted
	v.must(http.StatusOK, "DELETE", "/v0.1/dev/share/"+full, nil)
	v.drop(vault, map[string]any{"n": 3})
	v.must(http.StatusCreated, "POST", "/v0.1/guest/drop/"+src, map[string]any{"elems": map[string]any{"n": 4}}, guest...)
	assert.Equal(t, 2, count(loot, "guest", guest...), "no copy out after the share is gone")
	assert.Equal(t, 3, count(vault, "dev"), "no injection after the share is gone")
	v.must(http.StatusForbidden, "PUT", "/v0.1/guest/track/"+outTrack, map[string]any{"description": "y"}, guest...)

	// … or when it expires
	share(map[string]any{"read": true, "write": true, "dropRead": true, "dropWrite": true}, map[string]any{"duration": 1000})
	v.drop(vault, map[string]any{"n": 5})
	require.Equal(t, 3, count(loot, "guest", guest...), "copying again while the new share lives")
	clk.advance(2 * time.Second)
	v.drop(vault, map[string]any{"n": 6})
	v.must(http.StatusCreated, "POST", "/v0.1/guest/drop/"+src, map[string]any{"elems": map[string]any{"n": 7}}, guest...)
	assert.Equal(t, 3, count(loot, "guest", guest...), "no copy out after the share expired")
	assert.Equal(t, 5, count(vault, "dev"), "no injection after the share expired")

	// the owner's own tracks are unaffected
	mine := v.flow("/dev/mine")["id"].(string)
	v.create("track", map[string]any{"source": "/dev/vault", "destination": "/dev/mine"})
	v.drop(vault, map[string]any{"n": 8})
	assert.Equal(t, 1, count(mine, "dev"))
}

// TestTrackReadNeedsEveryPath: a Token scoped to one path cannot read a
// track that leads from (or to) a path outside its scope, which would
// reveal that path and the track's filter.
func TestTrackReadNeedsEveryPath(t *testing.T) {
	v := newEnv(t, Config{})
	v.flow("/dev/shared")
	v.flow("/dev/secret")
	in := v.create("track", map[string]any{"source": "/dev/secret", "destination": "/dev/shared", "filter": "elems.code == 'x'"})["id"].(string)
	outward := v.create("track", map[string]any{"source": "/dev/shared", "destination": []any{"/dev/shared/x", "/dev/secret"}})["id"].(string)
	inside := v.create("track", map[string]any{"source": "/dev/shared", "destination": "/dev/shared/x"})["id"].(string)
	tk := v.create("token", map[string]any{"paths": map[string]any{"/dev/shared": map[string]any{"dropRead": true}}})["tokenString"].(string)

	v.must(http.StatusForbidden, "GET", "/v0.1/dev/track/"+in, nil, tok(tk))
	v.must(http.StatusForbidden, "GET", "/v0.1/dev/track/"+outward, nil, tok(tk))
	v.must(http.StatusOK, "GET", "/v0.1/dev/track/"+inside, nil, tok(tk))
	assert.Equal(t, []string{inside}, ids(v.must(http.StatusOK, "GET", "/v0.1/dev/track", nil, tok(tk)).list()))
	assert.Len(t, v.must(http.StatusOK, "MGET", "/v0.1/dev/track", []string{in, outward, inside}, tok(tk)).obj(), 1)
}
