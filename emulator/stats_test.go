package emulator

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// counts GETs a statistic and decodes the bare array.
func (v *tenv) counts(path string, opts ...reqOpt) []int64 {
	v.t.Helper()
	r := v.must(200, "GET", path, nil, opts...)
	var out []int64
	require.NoError(v.t, json.Unmarshal(r.Body, &out), string(r.Raw))
	return out
}

func sum(l []int64) (n int64) {
	for _, x := range l {
		n += x
	}
	return n
}

// at returns a slice of n zeros with the given positions set.
func at(n int, set map[int]int64) []int64 {
	out := make([]int64, n)
	for i, x := range set {
		out[i] = x
	}
	return out
}

// statsActivity runs known activity (clock starts 2015-01-07 12:00 UTC):
//
//	Jan 7 12:xx  a ← drop n=1 (track hit, no pass), a ← drop n=2 (hit, pass → copy into b),
//	             zero (capacity 0) ← drop
//	Feb 7 12:xx  a ← drop n=3 (hit, pass → copy into b)
func statsActivity(t *testing.T, v *tenv, clock *testClock) (a, b, zero, track string) {
	a = v.flow("/dev/a")["id"].(string)
	b = v.flow("/dev/b")["id"].(string)
	zero = v.flow("/dev/zero", map[string]any{"capacity": 0})["id"].(string)
	track = v.create("track", map[string]any{"source": "/dev/a", "destination": "/dev/b", "filter": "n > 1"})["id"].(string)
	v.drop(a, map[string]any{"n": 1})
	v.drop(a, map[string]any{"n": 2})
	v.drop(zero, map[string]any{})
	clock.advance(31 * 24 * time.Hour)
	v.drop(a, map[string]any{"n": 3})
	return
}

func TestStatistics(t *testing.T) {
	clock := newClock()
	v := newEnv(t, Config{Now: clock.now})
	a, b, zero, track := statsActivity(t, v, clock)
	dev := v.identityID("dev")
	base := "/v0.1/dev/statistics/"

	cases := []struct {
		name string
		path string
		want []int64
	}{
		{"flowDropAdded by month", "flowDropAdded/" + a + "/2015", at(12, map[int]int64{0: 2, 1: 1})},
		{"tracked copies are added drops", "flowDropAdded/" + b + "/2015", at(12, map[int]int64{0: 1, 1: 1})},
		{"capacity 0 counts", "flowDropAdded/" + zero + "/2015", at(12, map[int]int64{0: 1})},
		{"flowTracked", "flowTracked/" + b + "/2015", at(12, map[int]int64{0: 1, 1: 1})},
		{"flowTracked of the source", "flowTracked/" + a + "/2015", at(12, nil)},
		{"trackHit", "trackHit/" + track + "/2015", at(12, map[int]int64{0: 2, 1: 1})},
		{"trackPass", "trackPass/" + track + "/2015", at(12, map[int]int64{0: 1, 1: 1})},
		{"dropCreatedBy excludes copies", "dropCreatedBy/" + dev + "/2015", at(12, map[int]int64{0: 3, 1: 1})},
		{"by day", "flowDropAdded/" + a + "/2015/1", at(31, map[int]int64{6: 2})},
		{"February has 28 days", "flowDropAdded/" + a + "/2015/2", at(28, map[int]int64{6: 1})},
		{"leap February", "flowDropAdded/" + a + "/2016/2", at(29, nil)},
		{"by hour", "flowDropAdded/" + a + "/2015/1/7", at(24, map[int]int64{12: 2})},
		{"another year", "flowDropAdded/" + a + "/2014", at(12, nil)},
		{"no date: last 10 years", "flowDropAdded/" + a, at(10, map[int]int64{9: 3})},
		{"no date, level month: this year", "flowDropAdded/" + a + "?level=month", at(12, map[int]int64{0: 2, 1: 1})},
		{"no date, level day: this month", "flowDropAdded/" + a + "?level=DAY", at(28, map[int]int64{6: 1})},
		{"no date, level hour: today", "flowDropAdded/" + a + "?level=Hour", at(24, map[int]int64{12: 1})},
		{"year, level year", "flowDropAdded/" + a + "/2015?level=YEAR", []int64{3}},
		{"year, level day", "flowDropAdded/" + a + "/2015?level=day", at(365, map[int]int64{6: 2, 37: 1})},
		{"month, level month", "flowDropAdded/" + a + "/2015/1?level=month", []int64{2}},
		{"month, level hour", "flowDropAdded/" + a + "/2015/1?level=hour", at(31*24, map[int]int64{6*24 + 12: 2})},
		{"day, level day", "flowDropAdded/" + a + "/2015/1/7?level=day", []int64{2}},
		{"type is case-insensitive", "FLOWDROPADDED/" + a + "/2015/1?level=month", []int64{2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, v.with(t).counts(base+c.path))
		})
	}
	yearHours := v.counts(base + "flowDropAdded/" + a + "/2015?level=hour")
	assert.Len(t, yearHours, 365*24)
	assert.EqualValues(t, 3, sum(yearHours))

	t.Run("apiCallByIdentity", func(t *testing.T) {
		v := v.with(t)
		g := v.identityID("guest")
		path := base[:len("/v0.1/")] + "guest/statistics/apiCallByIdentity/" + g + "/2015/2/7"
		for i := 0; i < 3; i++ {
			v.must(200, "GET", "/v0.1/guest/flow", nil, tok(guestTok))
		}
		v.must(404, "GET", "/v0.1/guest/flow/f000000000000000000000000", nil, tok(guestTok)) // failures count
		v.must(401, "GET", "/v0.1/guest/flow", nil, tok("nope-nope-nope-nope"))              // unauthenticated: nobody's
		cl := v.connect(tok(guestTok), acct("guest"))                                        // POST /session
		cl.must(200, map[string]any{"object": "flow", "type": "findmany"})                   // a frame
		cl.sendRaw(`{"type":"heartbeat"}`)                                                   // not an operation
		cl.must(404, map[string]any{"object": "drop", "type": "subscribe", "path": "/guest/none"})
		got := v.counts(path, tok(guestTok))
		assert.Equal(t, at(24, map[int]int64{12: 7}), got)
		assert.Equal(t, at(24, map[int]int64{12: 8}), v.counts(path, tok(guestTok)), "the previous statistics request counted")
		// a Token counts for its issuer
		tk := v.create("token", map[string]any{"paths": map[string]any{"/dev/a": map[string]any{"dropRead": true}}})
		before := sum(v.counts(base + "apiCallByIdentity/" + dev + "/2015"))
		v.must(200, "GET", "/v0.1/dev/flow/"+a, nil, tok(tk["tokenString"].(string)))
		assert.Equal(t, before+2, sum(v.counts(base+"apiCallByIdentity/"+dev+"/2015")), "the token's call and the previous statistics request")
	})

	t.Run("counts agree with activity", func(t *testing.T) {
		v := v.with(t)
		f := v.flow("/dev/live")["id"].(string)
		before := sum(v.counts(base + "dropCreatedBy/" + dev))
		cl := v.connect()
		for i := 0; i < 7; i++ {
			v.drop(f, map[string]any{"i": i})
			cl.must(201, dropFrame(f, map[string]any{"i": i}))
		}
		assert.EqualValues(t, 14, sum(v.counts(base+"flowDropAdded/"+f)))
		assert.Equal(t, before+14, sum(v.counts(base+"dropCreatedBy/"+dev)))
		// updates are not additions
		d := v.drop(f, map[string]any{})
		v.must(200, "PUT", "/v0.1/dev/drop/"+f+"/"+d["id"].(string), map[string]any{"fhash": "x"})
		assert.EqualValues(t, 15, sum(v.counts(base+"flowDropAdded/"+f)))
	})

	t.Run("permissions", func(t *testing.T) {
		v := v.with(t)
		tk := v.create("token", map[string]any{"paths": map[string]any{"/dev/a": map[string]any{"dropRead": true}}})
		ts := tok(tk["tokenString"].(string))
		v.counts(base+"flowDropAdded/"+a+"/2015", ts)
		v.must(403, "GET", base+"flowDropAdded/"+b+"/2015", nil, ts)
		v.must(403, "GET", base+"trackHit/"+track, nil, ts) // its destination /dev/b is outside the token's scope
		v.must(403, "GET", base+"apiCallByIdentity/"+dev, nil, ts)
		v.must(403, "GET", base+"dropCreatedBy/"+dev, nil, ts)
		v.must(403, "GET", base+"flowDropAdded/"+a, nil, tok(guestTok), acct("guest"))
		v.must(404, "GET", "/v0.1/guest/statistics/flowDropAdded/"+a, nil, tok(guestTok), acct("guest"))
		v.must(403, "GET", "/v0.1/guest/statistics/apiCallByIdentity/"+dev, nil, tok(guestTok), acct("guest"))
		v.must(200, "GET", "/v0.1/guest/statistics/apiCallByIdentity/"+v.identityID("guest"), nil, tok(guestTok), acct("guest"))
		v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/b": map[string]any{"read": true}}})
		v.must(200, "GET", base+"flowDropAdded/"+b, nil, tok(guestTok), acct("guest"))
		v.must(404, "GET", base+"flowDropAdded/f000000000000000000000000", nil)
		v.must(404, "GET", base+"trackPass/t000000000000000000000000", nil)
		v.must(404, "GET", base+"dropCreatedBy/i000000000000000000000000", nil)
		gone := v.flow("/dev/gone")["id"].(string)
		v.must(200, "DELETE", "/v0.1/dev/flow/"+gone, nil)
		v.must(404, "GET", base+"flowDropAdded/"+gone, nil)
	})

	t.Run("errors", func(t *testing.T) {
		cases := []struct {
			path   string
			method string
			status int
		}{
			{"nosuchType/" + a, "GET", 404},
			{"", "GET", 400},
			{"flowDropAdded", "GET", 400},
			{"flowDropAdded/" + a + "/abc", "GET", 400},
			{"flowDropAdded/" + a + "/1969", "GET", 400},
			{"flowDropAdded/" + a + "/10000", "GET", 400},
			{"flowDropAdded/" + a + "/2015/0", "GET", 400},
			{"flowDropAdded/" + a + "/2015/13", "GET", 400},
			{"flowDropAdded/" + a + "/2015/1/32", "GET", 400},
			{"flowDropAdded/" + a + "/2015/2/29", "GET", 400},
			{"flowDropAdded/" + a + "/2015/1/7/12", "GET", 400},
			{"flowDropAdded/" + a + "?level=week", "GET", 400},
			{"flowDropAdded/" + a + "/2015/1?level=year", "GET", 400},
			{"flowDropAdded/" + a + "/2015/1/7?level=month", "GET", 400},
			{"flowDropAdded/" + a, "POST", 405},
			{"flowDropAdded/" + a, "DELETE", 405},
		}
		for _, c := range cases {
			t.Run(c.method+" "+c.path, func(t *testing.T) {
				r := v.with(t).must(c.status, c.method, base+c.path, nil)
				assert.NotEmpty(t, r.err())
			})
		}
		v.must(200, "GET", base+"flowDropAdded/"+a+"/2016/2/29", nil)
	})
}

func TestStatisticsPersist(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	v1 := newEnv(t, Config{DataDir: dir, Now: clock.now})
	a, b, _, track := statsActivity(t, v1, clock)
	dev := v1.identityID("dev")
	base := "/v0.1/dev/statistics/"
	paths := []string{"flowDropAdded/" + a + "/2015", "flowTracked/" + b + "/2015", "trackHit/" + track + "/2015",
		"trackPass/" + track + "/2015", "dropCreatedBy/" + dev + "/2015", "flowDropAdded/" + a + "/2015/1/7"}
	before := map[string][]int64{}
	for _, p := range paths {
		before[p] = v1.counts(base + p)
	}
	calls := sum(v1.counts(base + "apiCallByIdentity/" + dev + "/2015"))
	require.NoError(t, v1.emu.Close())

	v2 := newEnv(t, Config{DataDir: dir, Now: clock.now})
	for _, p := range paths {
		assert.Equal(t, before[p], v2.counts(base+p), p)
	}
	assert.Equal(t, calls+1+int64(len(paths)), sum(v2.counts(base+"apiCallByIdentity/"+dev+"/2015")),
		"every call before the restart (including the last query) and the queries above")
	// counting goes on from the loaded values, and the flusher writes
	// without a Close
	v2.drop(a, map[string]any{"n": 0})
	require.Eventually(t, func() bool {
		var n int64
		require.NoError(t, v2.emu.db.View(func(tx *bolt.Tx) error {
			n = statCountInDB(tx, statFlowDropAdded, a)
			return nil
		}))
		return n == 4
	}, 10*time.Second, 50*time.Millisecond, "flushed within a second")
	require.NoError(t, v2.emu.Close())
	v3 := newEnv(t, Config{DataDir: dir, Now: clock.now})
	assert.EqualValues(t, 4, sum(v3.counts(base+"flowDropAdded/"+a+"/2015")))
	assert.Equal(t, at(12, map[int]int64{0: 2, 1: 2}), v3.counts(base+"flowDropAdded/"+a+"/2015"))
}

// statCountInDB sums the stored counters of one statistic and object.
func statCountInDB(tx *bolt.Tx, typ, obj string) int64 {
	b := tx.Bucket([]byte(statsBucket))
	if b == nil {
		return 0
	}
	var n int64
	prefix := typ + "/" + obj + "/"
	_ = b.ForEach(func(k, v []byte) error {
		if strings.HasPrefix(string(k), prefix) && len(v) == 8 {
			n += int64(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n
}
