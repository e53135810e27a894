package emulator

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindFilter(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	fid := v.flow("/dev/ff")["id"].(string)
	old := v.drop(fid, map[string]any{"temp": 10, "town": "Brooklyn"})["id"].(string)
	clk.advance(time.Hour)
	hot := v.drop(fid, map[string]any{"temp": 60, "town": "Queens", "when": map[string]any{"type": "date", "value": 1000}})["id"].(string)
	mid := v.drop(fid, map[string]any{"temp": 30, "email": map[string]any{"type": "email", "value": "A@B.com"}})["id"].(string)
	base := "/v0.1/dev/drop/" + fid + "?filter="
	cases := []struct {
		name, rawQuery string
		want           []string
	}{
		{"percent-encoded spaces", "elems.temp%20%3E%2020", []string{mid, hot}},
		{"plus as space", "elems.temp+%3E+20", []string{mid, hot}},
		{"bare elem name", url.QueryEscape("temp >= 60"), []string{hot}},
		{"string equality", url.QueryEscape(`town == "Brooklyn"`), []string{old}},
		{"typed date", url.QueryEscape("elems.when == Date(1000)"), []string{hot}},
		{"email ctor", url.QueryEscape("email == Email('a@b.com')"), []string{mid}},
		{"EXISTS", url.QueryEscape("EXISTS elems.town"), []string{hot, old}},
		{"AGE uses the injected clock", url.QueryEscape("AGE > 1800000"), []string{old}},
		{"and/or", url.QueryEscape("(temp < 20) || (temp > 50)"), []string{hot, old}},
		{"path member", url.QueryEscape(`path == "/dev/ff"`), []string{mid, hot, old}},
		{"empty filter matches all", "", []string{mid, hot, old}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			got := ids(v.must(200, "GET", base+c.rawQuery, nil).list())
			assert.Equal(t, c.want, got)
		})
	}
	// filter on other services
	v.flow("/dev/other", map[string]any{"description": "x"})
	l := v.must(200, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(`description == "x"`), nil).list()
	require.Len(t, l, 1)
	assert.Equal(t, "/dev/other", l[0]["path"])
	l = v.must(200, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(`path =~ /^\/dev\/o/`), nil).list()
	assert.Len(t, l, 1)
}

func TestFilterErrors(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/fe")["id"].(string)
	cases := []struct {
		name, filter, want string
	}{
		{"dangling operator", "elems.a ==", "position 10"},
		{"unbalanced paren", "(elems.a == 1", "position"},
		{"garbage", "elems.a === 1", "position"},
		{"bad regex", `path =~ /(?<=x)/`, "invalid filter"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			r := v.must(400, "GET", "/v0.1/dev/drop/"+fid+"?filter="+url.QueryEscape(c.filter), nil)
			assert.Contains(t, r.err(), c.want)
			assert.Contains(t, r.err(), "filter")
		})
	}
	// filters stored in objects are validated too
	r := v.must(400, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/bad", "filter": "a =="})
	assert.Contains(t, r.err(), "position")
	v.must(400, "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/a", "filter": "((("})
	v.must(400, "MGET", "/v0.1/dev/drop", []any{map[string]any{"flowId": fid, "params": map[string]any{"filter": "x =="}}})
}

func TestFlowFilterEnforced(t *testing.T) {
	v := newEnv(t, Config{})
	hot := v.flow("/dev/hot", map[string]any{"filter": "elems.temp > 50"})
	hid := hot["id"].(string)
	v.drop(hid, map[string]any{"temp": 60})
	r := v.must(400, "POST", "/v0.1/dev/drop/"+hid, map[string]any{"elems": map[string]any{"temp": 10}})
	assert.Equal(t, "drop does not match flow filter", r.err())
	d := v.drop(hid, map[string]any{"temp": 70})
	r = v.must(400, "PUT", "/v0.1/dev/drop/"+hid+"/"+d["id"].(string), map[string]any{"elems": map[string]any{"temp": 1}})
	assert.Contains(t, r.err(), "does not match flow filter")
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+hid, nil).list(), 2)

	// tracks: the track filter selects, a destination filter silently skips
	src := v.flow("/dev/src")["id"].(string)
	all := v.flow("/dev/all")["id"].(string)
	v.create("track", map[string]any{"source": "/dev/src", "destination": []any{"/dev/hot", "/dev/all"}, "filter": "temp >= 20"})
	v.drop(src, map[string]any{"temp": 30}) // passes the track, fails /dev/hot
	v.drop(src, map[string]any{"temp": 90}) // passes both
	v.drop(src, map[string]any{"temp": 5})  // fails the track
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+all, nil).list(), 2)
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+hid, nil).list(), 3)
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+src, nil).list(), 3)
}

func TestTrackHitPassEvents(t *testing.T) {
	v := newEnv(t, Config{})
	src := v.flow("/dev/s")["id"].(string)
	v.flow("/dev/d")
	tr := v.create("track", map[string]any{"source": "/dev/s", "destination": "/dev/d", "filter": "x > 1"})
	var evs []TrackEvent
	defer v.emu.AddTrackListener(func(ev TrackEvent) { evs = append(evs, ev) })()
	var drops []DropEvent
	defer v.emu.AddDropListener(func(ev DropEvent) { drops = append(drops, ev) })()
	v.drop(src, map[string]any{"x": 5})
	v.drop(src, map[string]any{"x": 0})
	require.Len(t, evs, 2)
	assert.True(t, evs[0].Passed)
	assert.False(t, evs[1].Passed)
	assert.Equal(t, tr["id"], evs[0].TrackID)
	require.Len(t, drops, 3, "two writes and one tracked copy")
	assert.True(t, drops[1].Tracked, "the copy comes right after its original")
	assert.Equal(t, tr["id"], drops[1].TrackID)
	assert.Equal(t, "/dev/d", drops[1].Path)
}
