package emulator

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueryParams(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	fid := v.flow("/dev/q")["id"].(string)
	var made []string // oldest first
	for i := 0; i < 25; i++ {
		clk.advance(time.Second)
		elems := map[string]any{"n": i, "s": fmt.Sprintf("v%02d", 24-i)}
		if i%5 == 0 {
			delete(elems, "s")
		}
		made = append(made, v.drop(fid, elems)["id"].(string))
	}
	base := "/v0.1/dev/drop/" + fid
	rev := func(l []string) []string {
		out := make([]string, len(l))
		for i, x := range l {
			out[len(l)-1-i] = x
		}
		return out
	}
	cases := []struct {
		name  string
		query string
		want  []string
	}{
		{"default limit 20, newest first", "", rev(made)[:20]},
		{"limit", "?limit=3", rev(made)[:3]},
		{"limit 0", "?limit=0", []string{}},
		{"start", "?start=2&limit=2", rev(made)[2:4]},
		{"skip", "?skip=4&limit=2", rev(made)[4:6]},
		{"skip wins over start", "?start=1&skip=3&limit=1", rev(made)[3:4]},
		{"start past end", "?start=100", []string{}},
		{"order asc", "?order=asc&limit=3", made[:3]},
		{"order ASC", "?order=ASC&limit=3", made[:3]},
		{"sort by elem asc (typed values)", "?sort=elems.n&order=asc&limit=3", made[:3]},
		{"sort by bare elem name", "?sort=n&order=desc&limit=2", rev(made)[:2]},
		{"sort by string elem, missing first asc", "?sort=elems.s&order=asc&limit=6", []string{made[0], made[5], made[10], made[15], made[20], made[24]}},
		{"unknown params ignored", "?foo=bar&limit=1", rev(made)[:1]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			got := ids(v.must(200, "GET", base+c.query, nil).list())
			assert.Equal(t, c.want, got)
		})
	}

	bad := []string{"limit=-1", "limit=abc", "limit=1.5", "start=-2", "skip=x", "order=sideways", "hints=maybe", "refs=2", "sort=a..b"}
	for _, q := range bad {
		t.Run("bad "+q, func(t *testing.T) {
			v := v.with(t)
			r := v.must(400, "GET", base+"?"+q, nil)
			assert.NotEmpty(t, r.err())
		})
	}

	t.Run("only", func(t *testing.T) {
		v := v.with(t)
		l := v.must(200, "GET", base+"?only=elems,creationDate&limit=2", nil).list()
		require.Len(t, l, 2)
		for _, d := range l {
			assert.ElementsMatch(t, []string{"id", "elems", "creationDate"}, keys(d))
		}
		one := v.must(200, "GET", "/v0.1/dev/flow/"+fid+"?only=path", nil).obj()
		assert.ElementsMatch(t, []string{"id", "path"}, keys(one))
	})

	t.Run("refs", func(t *testing.T) {
		v := v.with(t)
		r := v.must(200, "GET", base+"?limit=1&refs=1", nil)
		refs := r.Head.References
		require.Contains(t, refs, fid)
		assert.Equal(t, "/dev/q", refs[fid].(map[string]any)["path"])
		devID := v.identityID("dev")
		require.Contains(t, refs, devID)
		assert.Equal(t, "dev", refs[devID].(map[string]any)["name"])
		assert.Empty(t, v.must(200, "GET", base+"?limit=1", nil).Head.References, "no refs unless asked")
		assert.NotEmpty(t, v.must(200, "GET", base+"?limit=1&refs=true", nil).Head.References)
		// refs on a device resolve its token for the master
		dv := v.create("device", map[string]any{"path": "/dev/dv"})
		dr := v.must(200, "GET", "/v0.1/dev/device/"+dv["id"].(string)+"?refs=1", nil)
		assert.Contains(t, dr.Head.References, dv["tokenId"])
		// a token only gets references it may read
		o := v.create("token", map[string]any{"paths": map[string]any{"/dev/dv": map[string]any{"dropRead": true}}})
		tr := v.must(200, "GET", "/v0.1/dev/device/"+dv["id"].(string)+"?refs=1", nil, tok(o["tokenString"].(string)))
		assert.NotContains(t, tr.Head.References, dv["tokenId"], "another token is not readable")
		assert.Contains(t, tr.Head.References, devID, "identities are")
	})

	t.Run("sort flows by path", func(t *testing.T) {
		v := v.with(t)
		v.flow("/dev/a")
		v.flow("/dev/z")
		l := v.must(200, "GET", "/v0.1/dev/flow?sort=path&order=asc&only=path", nil).list()
		var ps []string
		for _, f := range l {
			ps = append(ps, f["path"].(string))
		}
		assert.IsNonDecreasing(t, ps)
	})
}

func TestLimitCap(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	defer e.Close()
	q, qerr := e.parseQuery(map[string]string{"limit": "5000"}, "0.1")
	require.Nil(t, qerr)
	assert.Equal(t, MaxLimit, q.limit)
	q, _ = e.parseQuery(nil, "0.1")
	assert.Equal(t, DefaultLimit, q.limit)
	assert.True(t, q.hints)
	q, _ = e.parseQuery(nil, "4.0")
	assert.False(t, q.hints)
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
