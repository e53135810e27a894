package emulator

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropLifecycle(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	f := v.flow("/dev/sensor")
	fid := f["id"].(string)
	base := "/v0.1/dev/drop/" + fid

	d1 := v.drop(fid, map[string]any{"temp": 20})
	assert.Regexp(t, `^d[0-9a-f]{24}$`, d1["id"])
	assert.Equal(t, fid, d1["flowId"])
	assert.Equal(t, "/dev/sensor", d1["path"])
	assert.EqualValues(t, 0, d1["version"])
	assert.Equal(t, v.identityID("dev"), d1["creatorId"])
	assert.Equal(t, map[string]any{"temp": map[string]any{"type": "integer", "value": 20.0}}, d1["elems"])

	clk.advance(time.Second)
	byPath := v.must(201, "POST", "/v0.1/dev/drop", map[string]any{"path": "/dev/sensor", "elems": map[string]any{"temp": 21}, "fhash": "2015-01-07"}).obj()
	assert.Equal(t, fid, byPath["flowId"])
	assert.Equal(t, "2015-01-07", byPath["fhash"])
	r := v.must(400, "POST", "/v0.1/dev/drop", map[string]any{"path": "/dev/nope", "elems": map[string]any{}})
	assert.Contains(t, r.err(), "/dev/nope")
	v.must(400, "POST", "/v0.1/dev/drop", map[string]any{"elems": map[string]any{}})
	v.must(404, "POST", "/v0.1/dev/drop/f000000000000000000000000", map[string]any{"elems": map[string]any{}})
	v.must(400, "POST", base, map[string]any{"path": "/dev/other", "elems": map[string]any{}})
	// missing elems is an empty map
	clk.advance(time.Second)
	d3 := v.must(201, "POST", base, map[string]any{}).obj()
	assert.Equal(t, map[string]any{}, d3["elems"])

	// read
	assert.Equal(t, d1, v.must(200, "GET", base+"/"+d1["id"].(string), nil).obj())
	v.must(404, "GET", base+"/d000000000000000000000000", nil)
	// find: newest first
	assert.Equal(t, []string{d3["id"].(string), byPath["id"].(string), d1["id"].(string)}, ids(v.must(200, "GET", base, nil).list()))
	// find by path
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop?path=/dev/sensor", nil).list(), 3)
	v.must(404, "GET", "/v0.1/dev/drop?path=/dev/none", nil)
	v.must(400, "GET", "/v0.1/dev/drop", nil)
	// MGET in flow
	mg := v.must(200, "MGET", base, []string{d1["id"].(string), "d000000000000000000000000"}).obj()
	assert.Len(t, mg, 1)
	// multi-flow MGET
	g := v.flow("/dev/g")
	gd := v.drop(g["id"].(string), map[string]any{"a": 1})
	multi := v.must(200, "MGET", "/v0.1/dev/drop", []any{
		map[string]any{"flowId": fid, "params": map[string]any{"limit": 2}},
		map[string]any{"flowId": g["id"], "params": map[string]any{"hints": false}},
		map[string]any{"flowId": "f000000000000000000000000"},
	}).obj()
	require.Len(t, multi, 2)
	assert.Len(t, multi[fid], 2)
	gl := multi[g["id"].(string)].([]any)
	require.Len(t, gl, 1)
	assert.Equal(t, gd["id"], gl[0].(map[string]any)["id"])
	assert.Equal(t, map[string]any{"a": 1.0}, gl[0].(map[string]any)["elems"], "per-flow params")
	v.must(400, "MGET", "/v0.1/dev/drop", []any{map[string]any{"flowId": fid, "params": map[string]any{"limit": -1}}})
	v.must(400, "MGET", "/v0.1/dev/drop", map[string]any{})

	// update bumps version and lastEditDate, replaces elems
	clk.advance(time.Second)
	u := v.must(200, "PUT", base+"/"+d1["id"].(string), map[string]any{"elems": map[string]any{"temp": 25, "x": "y"}, "version": 99, "creationDate": 1}).obj()
	assert.EqualValues(t, 1, u["version"])
	assert.EqualValues(t, clk.now().UnixMilli(), u["lastEditDate"])
	assert.Equal(t, d1["creationDate"], u["creationDate"])
	assert.Len(t, u["elems"], 2)
	// member update
	mu := v.must(200, "PUT", base+"/"+d1["id"].(string)+"/elems", map[string]any{"only": true}).obj()
	assert.EqualValues(t, 2, mu["version"])
	assert.Equal(t, map[string]any{"only": map[string]any{"type": "boolean", "value": true}}, mu["elems"])
	v.must(400, "PUT", base+"/"+d1["id"].(string)+"/version", 5)
	v.must(400, "PUT", base+"/"+d1["id"].(string)+"/bogus", 5)
	v.must(404, "PUT", base+"/d000000000000000000000000", map[string]any{})
	// MPUT
	mp := v.must(200, "MPUT", base, map[string]any{d1["id"].(string): map[string]any{"fhash": "h"}, "d000000000000000000000000": map[string]any{}}).obj()
	require.Len(t, mp, 1)
	assert.Equal(t, "h", mp[d1["id"].(string)].(map[string]any)["fhash"])
	v.must(400, "MPUT", base, map[string]any{d1["id"].(string): map[string]any{"elems": map[string]any{"x": map[string]any{"type": "nope", "value": 1}}}})

	// delete one, then all
	v.must(200, "DELETE", base+"/"+d1["id"].(string), nil)
	v.must(404, "GET", base+"/"+d1["id"].(string), nil)
	v.must(404, "DELETE", base+"/"+d1["id"].(string), nil)
	v.must(200, "DELETE", base, nil)
	assert.Empty(t, v.must(200, "GET", base, nil).list())
	// a drop is not reachable through another flow
	v.must(404, "GET", base+"/"+gd["id"].(string), nil)
	// deleting the flow deletes its drops
	v.must(200, "DELETE", "/v0.1/dev/flow/"+g["id"].(string), nil)
	assert.Zero(t, v.emu.st.flowDrops[g["id"].(string)].len())
	assert.Nil(t, v.emu.st.drops[gd["id"].(string)])
}

func TestTypedElems(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/types")["id"].(string)
	in := map[string]any{
		"name":        "foo",
		"error_rate":  0.15,
		"count":       3,
		"ok":          true,
		"nothing":     nil,
		"birthday":    map[string]any{"type": "date", "value": 1302547651168},
		"reply_email": map[string]any{"type": "email", "value": "someone@example.com"},
		"codes":       map[string]any{"type": "sortedSet", "value": []any{100, 90, 100, 75}},
		"tags":        map[string]any{"type": "set", "value": []any{"a", "b", "a"}},
		"stats":       map[string]any{"voltage": 15.4, "temp": 30.4},
		"sm":          map[string]any{"type": "sortedMap", "value": map[string]any{"b": 1, "a": 2}},
		"ref":         map[string]any{"type": "dropRef", "value": map[string]any{"flowId": "f1", "dropId": "d1"}},
		"ref2":        map[string]any{"type": "dropRef", "value": map[string]any{"flowId": map[string]any{"type": "id", "value": "f2"}, "dropId": "d2"}},
		"list":        []any{1, "x", []any{true}},
		"f":           map[string]any{"type": "float", "value": 2},
		"big":         map[string]any{"type": "long", "value": 9007199254740993},
		"nested":      map[string]any{"type": "map", "value": map[string]any{"i": map[string]any{"type": "integer", "value": 1}}},
		"notTyped":    map[string]any{"type": "x", "value": 1, "extra": 2},
		"media":       map[string]any{"type": "media", "value": map[string]any{"url": "http://x/y.png"}},
	}
	d := v.must(201, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"elems": in}).obj()
	id := d["id"].(string)
	typed := d["elems"].(map[string]any)
	tv := func(t, val any) map[string]any { return map[string]any{"type": t, "value": val} }
	assert.Equal(t, tv("string", "foo"), typed["name"])
	assert.Equal(t, tv("float", 0.15), typed["error_rate"])
	assert.Equal(t, tv("integer", 3.0), typed["count"])
	assert.Equal(t, tv("boolean", true), typed["ok"])
	assert.Nil(t, typed["nothing"])
	assert.Equal(t, tv("date", 1302547651168.0), typed["birthday"])
	assert.Equal(t, tv("email", "someone@example.com"), typed["reply_email"])
	assert.Equal(t, tv("sortedSet", []any{tv("integer", 75.0), tv("integer", 90.0), tv("integer", 100.0)}), typed["codes"])
	assert.Equal(t, tv("set", []any{tv("string", "a"), tv("string", "b")}), typed["tags"])
	assert.Equal(t, tv("map", map[string]any{"voltage": tv("float", 15.4), "temp": tv("float", 30.4)}), typed["stats"])
	assert.Equal(t, tv("dropRef", map[string]any{"flowId": tv("id", "f1"), "dropId": tv("id", "d1")}), typed["ref"])
	assert.Equal(t, tv("dropRef", map[string]any{"flowId": tv("id", "f2"), "dropId": tv("id", "d2")}), typed["ref2"])
	assert.Equal(t, tv("list", []any{tv("integer", 1.0), tv("string", "x"), tv("list", []any{tv("boolean", true)})}), typed["list"])
	assert.Equal(t, tv("float", 2.0), typed["f"])
	assert.Equal(t, tv("map", map[string]any{"i": tv("integer", 1.0)}), typed["nested"])
	assert.Equal(t, tv("map", map[string]any{"type": tv("string", "x"), "value": tv("integer", 1.0), "extra": tv("integer", 2.0)}), typed["notTyped"])
	assert.Equal(t, tv("media", map[string]any{"url": "http://x/y.png"}), typed["media"])

	// sortedMap keys come out sorted in the JSON text
	rr := v.must(200, "GET", "/v0.1/dev/drop/"+fid+"/"+id, nil)
	assert.Contains(t, string(rr.Raw), `"sm":{"type":"sortedMap","value":{"a":{"type":"integer","value":2},"b":`)
	assert.Contains(t, string(rr.Raw), `9007199254740993`, "64-bit integers keep their precision")

	plain := map[string]any{
		"name": "foo", "error_rate": 0.15, "count": 3.0, "ok": true, "nothing": nil,
		"birthday": 1302547651168.0, "reply_email": "someone@example.com",
		"codes": []any{75.0, 90.0, 100.0}, "tags": []any{"a", "b"},
		"stats": map[string]any{"voltage": 15.4, "temp": 30.4}, "sm": map[string]any{"a": 2.0, "b": 1.0},
		"ref": map[string]any{"flowId": "f1", "dropId": "d1"}, "ref2": map[string]any{"flowId": "f2", "dropId": "d2"},
		"list": []any{1.0, "x", []any{true}}, "f": 2.0, "big": 9007199254740992.0,
		"nested": map[string]any{"i": 1.0}, "notTyped": map[string]any{"type": "x", "value": 1.0, "extra": 2.0},
		"media": map[string]any{"url": "http://x/y.png"},
	}
	cases := []struct {
		name  string
		path  string
		typed bool
	}{
		{"v0.1 default typed", "/v0.1/dev/drop/%s/%s", true},
		{"v0.1 hints=0", "/v0.1/dev/drop/%s/%s?hints=0", false},
		{"v0.1 hints=false", "/v0.1/dev/drop/%s/%s?hints=false", false},
		{"v4.0 default plain", "/v4.0/dev/drop/%s/%s", false},
		{"v4.0 hints=1", "/v4.0/dev/drop/%s/%s?hints=1", true},
		{"v4.0 hints=true", "/v4.0/dev/drop/%s/%s?hints=true", true},
		{"v1 typed", "/v1/dev/drop/%s/%s", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			got := v.must(200, "GET", fmt.Sprintf(c.path, fid, id), nil).obj()["elems"]
			if c.typed {
				assert.Equal(t, typed, got)
			} else {
				assert.Equal(t, plain, got)
			}
		})
	}
	// find lists render the same way
	l := v.must(200, "GET", "/v4.0/dev/drop/"+fid, nil).list()
	assert.Equal(t, plain, l[0]["elems"])
	// typed input round-trips: writing the typed form back stores the same
	d2 := v.must(201, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"elems": typed}).obj()
	assert.Equal(t, typed, d2["elems"])
	// v4.0 create answers plain
	d3 := v.must(201, "POST", "/v4.0/dev/drop/"+fid, map[string]any{"elems": map[string]any{"a": 1}}).obj()
	assert.Equal(t, map[string]any{"a": 1.0}, d3["elems"])
}

func TestTypedElemErrors(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/bad")["id"].(string)
	cases := []struct {
		name  string
		elems any
		want  string
	}{
		{"unknown type", map[string]any{"a": map[string]any{"type": "quaternion", "value": 1}}, `unknown type "quaternion"`},
		{"nested unknown type", map[string]any{"a": map[string]any{"b": map[string]any{"type": "nope", "value": 1}}}, `"a.b": unknown type`},
		{"integer with fraction", map[string]any{"a": map[string]any{"type": "integer", "value": 1.5}}, "integer"},
		{"boolean as string", map[string]any{"a": map[string]any{"type": "boolean", "value": "true"}}, "boolean"},
		{"date as string", map[string]any{"a": map[string]any{"type": "date", "value": "2015"}}, "integer"},
		{"email as number", map[string]any{"a": map[string]any{"type": "email", "value": 1}}, "string"},
		{"set not array", map[string]any{"a": map[string]any{"type": "set", "value": 1}}, "array"},
		{"map not object", map[string]any{"a": map[string]any{"type": "map", "value": []any{}}}, "object"},
		{"dropRef missing dropId", map[string]any{"a": map[string]any{"type": "dropRef", "value": map[string]any{"flowId": "f"}}}, "dropId"},
		{"list item unknown type", map[string]any{"a": []any{map[string]any{"type": "zzz", "value": 1}}}, `"a[0]": unknown type`},
		{"elems not an object", []any{1}, `"elems" must be an object`},
		{"location not object", nil, "location"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			body := map[string]any{"elems": c.elems}
			if c.name == "location not object" {
				body = map[string]any{"elems": map[string]any{}, "location": "Brooklyn"}
			}
			r := v.must(400, "POST", "/v0.1/dev/drop/"+fid, body)
			assert.Contains(t, r.err(), c.want)
		})
	}
	assert.Empty(t, v.must(200, "GET", "/v0.1/dev/drop/"+fid, nil).list(), "nothing stored")
}

func TestDropLocation(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/loc")["id"].(string)
	d := v.must(201, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"elems": map[string]any{},
		"location": map[string]any{"lat": 40.7, "lon": -73.9, "specifiers": map[string]any{"city": "Brooklyn"}}}).obj()
	assert.Equal(t, map[string]any{"lat": 40.7, "lon": -73.9, "specifiers": map[string]any{"city": "Brooklyn"}}, d["location"])
	v.must(400, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"location": map[string]any{"lat": 91.0}})
	v.must(400, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"location": map[string]any{"lat": "x"}})
	// zip-only: lat/lon filled when the zip table knows the zip
	z := v.must(201, "POST", "/v0.1/dev/drop/"+fid, map[string]any{"location": map[string]any{"specifiers": map[string]any{"zip": 11201}}}).obj()
	loc := z["location"].(map[string]any)
	assert.Equal(t, "11201", loc["specifiers"].(map[string]any)["zip"], "numeric zip stored as a string")
	if lat, lon, ok := zipCentroid("11201"); ok {
		assert.InDelta(t, lat, loc["lat"], 1e-9)
		assert.InDelta(t, lon, loc["lon"], 1e-9)
	} else {
		assert.NotContains(t, loc, "lat", "unknown zip: left as given")
	}
}

func TestFlowCapacity(t *testing.T) {
	v := newEnv(t, Config{})
	f := v.flow("/dev/cap", map[string]any{"capacity": 3})
	fid := f["id"].(string)
	var made []string
	for i := 0; i < 5; i++ {
		made = append(made, v.drop(fid, map[string]any{"i": i})["id"].(string))
	}
	got := ids(v.must(200, "GET", "/v0.1/dev/drop/"+fid+"?order=asc", nil).list())
	assert.Equal(t, made[2:], got, "oldest evicted first")
	v.must(404, "GET", "/v0.1/dev/drop/"+fid+"/"+made[0], nil)
	// shrinking the capacity evicts at once
	v.must(200, "PUT", "/v0.1/dev/flow/"+fid, map[string]any{"capacity": 1})
	assert.Equal(t, made[4:], ids(v.must(200, "GET", "/v0.1/dev/drop/"+fid, nil).list()))

	// capacity 0: accepted (201 with an id), not stored, event still fired
	z := v.flow("/dev/zero", map[string]any{"capacity": 0})
	var mu sync.Mutex
	var evs []DropEvent
	remove := v.emu.AddDropListener(func(ev DropEvent) { mu.Lock(); evs = append(evs, ev); mu.Unlock() })
	defer remove()
	d := v.drop(z["id"].(string), map[string]any{"x": 1})
	assert.Regexp(t, `^d[0-9a-f]{24}$`, d["id"])
	assert.Empty(t, v.must(200, "GET", "/v0.1/dev/drop/"+z["id"].(string), nil).list())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, evs, 1)
	assert.False(t, evs[0].Stored)
	assert.Equal(t, z["id"], evs[0].FlowID)
	assert.Equal(t, "/dev/zero", evs[0].Path)
	assert.Equal(t, d["id"], evs[0].Drop["id"])
}

func TestDropEvents(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/ev")["id"].(string)
	var mu sync.Mutex
	var evs []DropEvent
	var calls []CallEvent
	defer v.emu.AddDropListener(func(ev DropEvent) { mu.Lock(); evs = append(evs, ev); mu.Unlock() })()
	defer v.emu.AddCallListener(func(ev CallEvent) { mu.Lock(); calls = append(calls, ev); mu.Unlock() })()
	d := v.drop(fid, map[string]any{"user": "bob"})
	v.must(200, "PUT", "/v0.1/dev/drop/"+fid+"/"+d["id"].(string), map[string]any{"elems": map[string]any{"user": "amy"}})
	v.must(200, "GET", "/v0.1/dev/flow", nil)
	v.must(401, "GET", "/v0.1/dev/flow", nil, tok("nope"))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, evs, 2)
	assert.Equal(t, DropCreated, evs[0].Kind)
	assert.Equal(t, DropUpdated, evs[1].Kind)
	assert.True(t, evs[0].Stored)
	assert.Equal(t, "dev", evs[0].Account)
	assert.Equal(t, map[string]any{"user": map[string]any{"type": "string", "value": "bob"}}, evs[0].Render(true)["elems"])
	assert.Equal(t, map[string]any{"user": "amy"}, evs[1].Render(false)["elems"])
	assert.EqualValues(t, 1, evs[1].Drop["version"])
	require.Len(t, calls, 3, "one call event per authenticated operation")
	assert.Equal(t, v.identityID("dev"), calls[0].IdentityID)
	assert.Equal(t, "drop", calls[0].Service)
	assert.Equal(t, "POST", calls[0].Method)
	assert.Equal(t, 201, calls[0].Status)
	assert.Equal(t, "flow", calls[2].Service)
}

func TestTracks(t *testing.T) {
	v := newEnv(t, Config{})
	a := v.flow("/dev/a")["id"].(string)
	b := v.flow("/dev/b")["id"].(string)
	c := v.flow("/dev/c")["id"].(string)
	tr := v.create("track", map[string]any{"source": "/dev/a", "destination": []any{"/dev/b", "/dev/c", "/dev/missing"}, "js": "function(d){ while(true){} }"})

	var mu sync.Mutex
	var tevs []TrackEvent
	defer v.emu.AddTrackListener(func(ev TrackEvent) { mu.Lock(); tevs = append(tevs, ev); mu.Unlock() })()

	d := v.drop(a, map[string]any{"rating": 30}, hdr("X-Test", "1"))
	for _, dest := range []string{b, c} {
		l := v.must(200, "GET", "/v0.1/dev/drop/"+dest, nil).list()
		require.Len(t, l, 1)
		cp := l[0]
		assert.NotEqual(t, d["id"], cp["id"], "copies get a new id")
		assert.Equal(t, dest, cp["flowId"])
		assert.Equal(t, map[string]any{"flowId": a, "dropId": d["id"]}, cp["parentDropId"])
		assert.Equal(t, d["elems"], cp["elems"])
	}
	mu.Lock()
	require.Len(t, tevs, 1)
	assert.True(t, tevs[0].Passed)
	assert.Equal(t, tr["id"], tevs[0].TrackID)
	mu.Unlock()

	// string destination
	v.create("track", map[string]any{"source": "/dev/b", "destination": "/dev/c"})
	v.drop(a, map[string]any{"x": 1})
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+c, nil).list(), 3, "a→c directly and a→b→c")

	// disabled tracks do nothing
	v.must(200, "PUT", "/v0.1/dev/track/"+tr["id"].(string), map[string]any{"disabled": true})
	v.drop(a, map[string]any{"x": 2})
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+b, nil).list(), 2)
}

func TestTrackCycleTerminates(t *testing.T) {
	v := newEnv(t, Config{})
	a := v.flow("/dev/ca")["id"].(string)
	b := v.flow("/dev/cb")["id"].(string)
	self := v.flow("/dev/self")["id"].(string)
	v.create("track", map[string]any{"source": "/dev/ca", "destination": "/dev/cb"})
	v.create("track", map[string]any{"source": "/dev/cb", "destination": "/dev/ca"})
	v.create("track", map[string]any{"source": "/dev/self", "destination": "/dev/self"})

	done := make(chan struct{})
	go func() {
		defer close(done)
		v.drop(a, map[string]any{"x": 1})
		v.drop(self, map[string]any{"x": 1})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("track cycle did not terminate")
	}
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+a, nil).list(), 2, "original + one copy back")
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+b, nil).list(), 1)
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+self, nil).list(), 2, "original + one self copy")
}

func TestDropWriteHTTPMethods(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/m")["id"].(string)
	cases := []struct {
		method, path string
		want         int
	}{
		{"PUT", "/v0.1/dev/drop/" + fid, http.StatusMethodNotAllowed},
		{"DELETE", "/v0.1/dev/drop", http.StatusMethodNotAllowed},
		{"MPUT", "/v0.1/dev/drop", http.StatusMethodNotAllowed},
		{"POST", "/v0.1/dev/drop/" + fid + "/d000000000000000000000000", http.StatusMethodNotAllowed},
		{"GET", "/v0.1/dev/drop/" + fid + "/d000000000000000000000000/elems", http.StatusMethodNotAllowed},
		{"POST", "/v0.1/dev/drop/" + fid + "/aggregate", http.StatusBadRequest}, // registered by aggregate.go; {} has no output
		{"GET", "/v0.1/dev/drop/" + fid + "/aggregate", http.StatusMethodNotAllowed},
		{"POST", "/v0.1/dev/drop/" + fid + "/nosuchtail", http.StatusMethodNotAllowed},
		{"GET", "/v0.1/dev/drop/" + fid + "/a/b/c", http.StatusNotFound},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			v := v.with(t)
			v.must(c.want, c.method, c.path, map[string]any{})
		})
	}
}
