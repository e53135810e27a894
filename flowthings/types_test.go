package flowthings

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

// A drop as the platform sends it, with members this SDK does not know (at
// the top level and inside location), typed and plain elems, and an integer
// beyond 2⁵³.
const unknownDrop = `{"id":"d1","flowId":"f1","path":"/alice/x","version":3,"creationDate":1302547651168,` +
	`"elems":{"temp":{"type":"float","value":21.5},"n":9007199254740993,"name":"bob",` +
	`"when":{"type":"date","value":1302547651168},"stats":{"type":"map","value":{"v":{"type":"float","value":15.4}}},` +
	`"list":[1,{"type":"integer","value":2}]},` +
	`"location":{"lat":1.5,"lon":2.5,"geohash":"u09tv"},` +
	`"futureMember":{"deep":[1,2,{"x":null}]},"score":12345678901234567890}`

func TestTypedObjectsKeepUnknownMembers(t *testing.T) {
	t.Parallel()
	var d Drop
	require.NoError(t, json.Unmarshal([]byte(unknownDrop), &d))
	assert.Equal(t, "d1", d.GetID())
	assert.Equal(t, int64(3), d.GetVersion())
	assert.Equal(t, time.Date(2011, 4, 11, 18, 47, 31, 168e6, time.UTC), d.GetCreationDate().Time())
	assert.Equal(t, 1.5, d.GetLocation().GetLat())
	assert.JSONEq(t, `{"deep":[1,2,{"x":null}]}`, string(d.Extra["futureMember"]))
	assert.Equal(t, `12345678901234567890`, string(d.Extra["score"]))
	assert.JSONEq(t, `"u09tv"`, string(d.GetLocation().Extra["geohash"]))
	assert.NotContains(t, d.Extra, "id", "declared members are not extra")

	out, err := json.Marshal(&d)
	require.NoError(t, err)
	assert.JSONEq(t, unknownDrop, string(out), "an unchanged drop encodes as it was received")
	assert.Contains(t, string(out), `9007199254740993`, "64-bit elems are exact")

	// Value and pointer encode alike; a declared member wins over Extra.
	d.Extra["fhash"] = json.RawMessage(`"stale"`)
	d.FHash = Ptr("k")
	out, err = json.Marshal(d)
	require.NoError(t, err)
	var back Object
	require.NoError(t, decodeJSON(out, &back))
	assert.Equal(t, "k", back["fhash"])

	d.Extra["bad"] = json.RawMessage(`{`)
	_, err = json.Marshal(d)
	assert.Error(t, err, "invalid raw JSON in Extra is an error, not a broken body")
}

func TestTypedObjectsOfEveryService(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		obj  any
		json string
	}{
		{"flow", &Flow{}, `{"id":"f1","path":"/a/b","capacity":0,"public":false,"x":1}`},
		{"track", &Track{}, `{"id":"t1","source":"/a/b","destination":["/a/c"],"metadata":{"k":[1]},"x":1}`},
		{"group", &Group{}, `{"id":"g1","displayName":"G","memberIds":["i1"],"x":1}`},
		{"identity", &Identity{}, `{"id":"i1","name":"alice","groupIds":["g1"],"shares":{"s1":{"paths":{}}},"x":1}`},
		{"token", &Token{}, `{"id":"k1","paths":{"/a/b":{"dropRead":true,"dropWrite":false,"y":2}},"tokenString":"s","x":1}`},
		{"share", &Share{}, `{"id":"s1","issuedTo":"i2","paths":{"/a":{"read":true,"administer":false}},"x":1}`},
		{"device", &Device{}, `{"id":"v1","path":"/a/d","tokenId":"k1","lastSeen":5,"timeSinceLastSeen":-1,"x":1}`},
		{"api-task", &APITask{}, `{"id":"q1","periodicity":60000,"status":"OK","source":{"http":{}},"x":1}`},
		{"mqtt", &MQTTTask{}, `{"id":"m1","uri":"tcp://h:1883","qos":1,"x":1}`},
		{"rss", &RSSTask{}, `{"id":"r1","url":"http://x","isFeatured":true,"x":1}`},
		{"drop", &Drop{}, `{"id":"d1","elems":{},"parentDropId":{"flowId":"f1","dropId":"d0"},"x":1}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, json.Unmarshal([]byte(tt.json), tt.obj))
			out, err := json.Marshal(tt.obj)
			require.NoError(t, err)
			assert.JSONEq(t, tt.json, string(out), "decode then encode is the identity")
		})
	}
}

func TestTypedObjectDetails(t *testing.T) {
	t.Parallel()
	var tr Track
	require.NoError(t, json.Unmarshal([]byte(`{"destination":"/a/c"}`), &tr))
	assert.Equal(t, PathList{"/a/c"}, tr.Destination, "a bare destination string is a one-path list")
	assert.Error(t, json.Unmarshal([]byte(`{"destination":7}`), &tr))

	var task APITask
	require.NoError(t, json.Unmarshal([]byte(`{"status":"NO_NEW_DATA"}`), &task))
	assert.Equal(t, TaskNoNewData, task.GetStatus())

	out, err := json.Marshal(Drop{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"elems":{}}`, string(out), "a drop always has elems")
	out, err = encodeJSON("model", &Flow{Description: Ptr("a<b & c>d")})
	require.NoError(t, err)
	assert.Equal(t, `{"description":"a<b & c>d"}`, string(out), "no HTML escaping, as for untyped models")
	out, err = encodeJSON("model", &Drop{Elems: Elems{"html": "<b>"}, Extra: Extra{"x": json.RawMessage(`1`)}})
	require.NoError(t, err)
	assert.Equal(t, `{"elems":{"html":"<b>"},"x":1}`, string(out))

	// Decoding resets the target: no member of a previous value survives.
	f := Flow{Description: Ptr("old"), Extra: Extra{"old": json.RawMessage(`1`)}}
	require.NoError(t, json.Unmarshal([]byte(`{"path":"/a/b"}`), &f))
	assert.Nil(t, f.Description)
	assert.Nil(t, f.Extra)
}

func TestNilSafeAccessors(t *testing.T) {
	t.Parallel()
	var d *Drop
	assert.Empty(t, d.GetID())
	assert.Zero(t, d.GetVersion())
	assert.Nil(t, d.GetElems())
	assert.Zero(t, d.GetLocation().GetLat(), "accessors chain through nil")
	assert.Empty(t, d.GetLocation().GetSpecifiers().GetZip())
	assert.True(t, d.GetCreationDate().Time().IsZero())
	var tok *Token
	assert.Nil(t, tok.GetPaths())
	assert.False(t, (&Flow{}).GetPublic())
	assert.True(t, (&Flow{Public: Ptr(true)}).GetPublic())
	assert.Equal(t, EpochMs(1302547651168), EpochMsOf(time.UnixMilli(1302547651168)))
}

func TestElems(t *testing.T) {
	t.Parallel()
	var d Drop
	require.NoError(t, json.Unmarshal([]byte(unknownDrop), &d))
	e := d.Elems

	f, ok := e.Float("temp")
	assert.True(t, ok)
	assert.Equal(t, 21.5, f, "typed float")
	n, ok := e.Int64("n")
	assert.True(t, ok)
	assert.Equal(t, int64(9007199254740993), n, "plain integer beyond 2⁵³, exact")
	s, ok := e.String("name")
	assert.True(t, ok)
	assert.Equal(t, "bob", s)
	when, ok := e.Time("when")
	assert.True(t, ok)
	assert.Equal(t, int64(1302547651168), when.UnixMilli())
	v, ok := e.Float("stats", "v")
	assert.True(t, ok)
	assert.Equal(t, 15.4, v, "a path into a typed map")
	i, ok := e.Int64("list", "1")
	assert.True(t, ok)
	assert.Equal(t, int64(2), i, "an index into a list of typed values")
	stats, ok := e.Map("stats")
	require.True(t, ok)
	assert.Equal(t, ElemFloat, stats.Type("v"))
	assert.Equal(t, ElemDate, e.Type("when"))
	assert.Equal(t, ElemType(""), e.Type("name"))
	got, ok := e.Get("stats")
	assert.True(t, ok)
	assert.Equal(t, map[string]any{"v": json.Number("15.4")}, got, "Get removes types at any depth")

	for _, path := range [][]string{{"missing"}, {"name", "x"}, {"list", "9"}, {"list", "x"}, {}, {"temp", "a"}} {
		_, ok := e.Get(path...)
		assert.False(t, ok, "%q", path)
		_, ok = e.Float(path...)
		assert.False(t, ok, "%q", path)
	}
	_, ok = e.String("temp")
	assert.False(t, ok, "a float is not a string")
	_, ok = e.Map("name")
	assert.False(t, ok)
	_, ok = Elems(nil).Int64("n")
	assert.False(t, ok, "nil elems")
	b, ok := Elems{"on": Typed(ElemBoolean, true)}.Bool("on")
	assert.True(t, ok && b, "an unsent Typed reads like a received one")
	tm, ok := Elems{"at": "2011-04-11T18:47:31Z"}.Time("at")
	assert.True(t, ok)
	assert.Equal(t, 2011, tm.Year())
	_, ok = Elems{"at": true}.Time("at")
	assert.False(t, ok)
	assert.Equal(t, ElemType(""), Elems{"m": map[string]any{"type": "nope", "value": 1}}.Type("m"),
		"an object with an unknown type is a plain map")

	// Writing: plain values and explicit types.
	d.Elems["contact"] = Typed(ElemEmail, "a@b.example")
	d.Elems["big"] = int64(-9007199254740993)
	out, err := json.Marshal(d.Elems)
	require.NoError(t, err)
	var back map[string]any
	require.NoError(t, decodeJSON(out, &back))
	assert.Equal(t, map[string]any{"type": "email", "value": "a@b.example"}, back["contact"])
	assert.Equal(t, json.Number("-9007199254740993"), back["big"])
}

func TestObjectAccessors(t *testing.T) {
	t.Parallel()
	var o Object
	require.NoError(t, decodeJSON([]byte(`{"id":"f1","n":12345678901234567890,"i":9007199254740993,"e":1e3,"f":2.5,"b":true,"m":{"a":[{"z":"deep"}]}}`), &o))
	assert.Equal(t, "f1", o.ID())
	s, ok := o.String("id")
	assert.True(t, ok)
	assert.Equal(t, "f1", s)
	i, ok := o.Int64("i")
	assert.True(t, ok)
	assert.Equal(t, int64(9007199254740993), i)
	_, ok = o.Int64("n")
	assert.False(t, ok, "beyond int64")
	i, ok = o.Int64("e")
	assert.True(t, ok)
	assert.Equal(t, int64(1000), i)
	_, ok = o.Int64("f")
	assert.False(t, ok, "not integral")
	fl, ok := o.Float("f")
	assert.True(t, ok)
	assert.Equal(t, 2.5, fl)
	b, ok := o.Bool("b")
	assert.True(t, ok && b)
	m, ok := o.Map("m")
	require.True(t, ok)
	deep, ok := m.Get("a", "0", "z")
	assert.True(t, ok)
	assert.Equal(t, "deep", deep)
	_, ok = o.Get("m", "a", "1")
	assert.False(t, ok)
	_, ok = o.Get("id", "x")
	assert.False(t, ok)

	var nilObj Object
	assert.Empty(t, nilObj.ID())
	_, ok = nilObj.Get("a")
	assert.False(t, ok)
	_, ok = nilObj.Map("a")
	assert.False(t, ok)

	for _, v := range []any{int64(3), 3, int32(3), 3.0} {
		i, ok := Object{"v": v}.Int64("v")
		assert.True(t, ok, "%T", v)
		assert.Equal(t, int64(3), i)
		_, ok = Object{"v": v}.Float("v")
		assert.True(t, ok || v == int32(3), "%T", v)
	}
}

func TestIntoAndAs(t *testing.T) {
	t.Parallel()
	d, err := Into[*Drop]([]byte(unknownDrop))
	require.NoError(t, err)
	assert.Equal(t, "d1", d.GetID())

	rows, err := Into[[]map[string]any]([]byte(`[{"n":9007199254740993}]`))
	require.NoError(t, err)
	assert.Equal(t, json.Number("9007199254740993"), rows[0]["n"], "numbers in any stay exact")

	_, err = Into[Flow]([]byte(`[1]`))
	var input *core.InputError
	assert.ErrorAs(t, err, &input)

	f, err := As[Flow](Object{"id": "f1", "path": "/a/b", "other": json.Number("1")})
	require.NoError(t, err)
	assert.Equal(t, "/a/b", f.GetPath())
	assert.Equal(t, json.RawMessage(`1`), f.Extra["other"])

	o, err := As[Object](d)
	require.NoError(t, err)
	assert.Equal(t, "d1", o.ID())

	type reading struct {
		Name string `json:"name"`
	}
	r, err := As[reading](Elems{"name": "bob"})
	require.NoError(t, err)
	assert.Equal(t, "bob", r.Name)

	_, err = As[Flow](func() {})
	assert.Error(t, err)
}

func TestModificationOfTypedObject(t *testing.T) {
	t.Parallel()
	d := &Drop{ID: Ptr("d1"), Elems: Elems{"a": 1}, Extra: Extra{"x": json.RawMessage(`7`)}}
	m := M(d).Modify("fhash", "k")
	assert.Equal(t, "d1", m.ID())
	model, diff := m.Done()
	assert.Equal(t, Object{"fhash": "k"}, diff)
	assert.Equal(t, json.Number("7"), model["x"], "the typed object's Extra is part of the model")
	assert.Equal(t, "k", model["fhash"])

	_, err := updateOf(M(42))
	var in *core.InputError
	assert.ErrorAs(t, err, &in, "a model that is not an object")
	m2 := M(map[string]any{"id": "x"})
	assert.Equal(t, "x", m2.ID())
}
