package core

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"
)

func TestJSONReader(t *testing.T) {
	doc := []byte(` { "h\u0065ad" : {"status":-0,"ok":false,"errors":["a\"b", 7, {"x" : [ 1 , 2 ]}]},
		"body":[ "\ud83d\ude00\ud800\u0041\udc00" , null, true ], "head": 1 } `)
	v, ok := parseJSON(doc)
	assert.True(t, ok)
	head := jsonMember(v, "head")
	assert.Equal(t, `{"status":-0,"ok":false,"errors":["a\"b", 7, {"x" : [ 1 , 2 ]}]}`, string(head), "the first member wins")
	n, ok := jsonInt(jsonMember(head, "status"))
	assert.True(t, ok)
	assert.Zero(t, n)
	b, ok := jsonBool(jsonMember(head, "ok"))
	assert.True(t, ok)
	assert.False(t, b)
	errs, reason := stringList(head, "errors")
	assert.Empty(t, reason)
	assert.Equal(t, []string{`a"b`, "7", `{"x":[1,2]}`}, errs)
	body := jsonMember(v, "body")
	assert.Equal(t, `["\ud83d\ude00\ud800\u0041\udc00",null,true]`, string(appendCompactJSON(nil, body)))
	items, ok := jsonItems(body)
	assert.True(t, ok)
	s, ok := jsonText(items[0])
	assert.True(t, ok)
	assert.Equal(t, "😀\xed\xa0\x80A\xed\xb0\x80", s, "a surrogate that pairs with no next escape becomes WTF-8, invalid UTF-8")
	for text, want := range map[string]string{
		`"\ud800"`:             "\xed\xa0\x80",
		`"a\uDBFF"`:            "a\xed\xaf\xbf",
		`"\udc00\ud800"`:       "\xed\xb0\x80\xed\xa0\x80",
		`"\ud83d\ude00"`:       "😀",
		`"\ud83d\ud83d\ude00"`: "\xed\xa0\xbd😀",
		`"\ud800\n"`:           "\xed\xa0\x80\n",
	} {
		got, ok := jsonText([]byte(text))
		assert.True(t, ok)
		assert.Equal(t, want, got, text)
	}
	assert.Nil(t, jsonMember(v, "missing"))
	_, ok = jsonItems(head)
	assert.False(t, ok)
}

func TestEachJSONMember(t *testing.T) {
	type member struct{ name, value string }
	tests := []struct {
		name string
		obj  string
		stop int // fn returns false after this many members; 0 never
		want []member
	}{
		{name: "empty", obj: `{}`},
		{name: "empty with space", obj: "{ \n}"},
		{name: "members raw, in order", obj: ` {"a" : 1 , "b":[1, {"c":2}],"c\u00e9" : "x\"y" ,"a":null} `[1:],
			want: []member{{`"a"`, "1"}, {`"b"`, `[1, {"c":2}]`}, {`"c\u00e9"`, `"x\"y"`}, {`"a"`, "null"}}},
		{name: "nested objects are one value", obj: `{"o":{"p":{"q":[]}},"n":-1.5e3,"t":true,"f":false}`,
			want: []member{{`"o"`, `{"p":{"q":[]}}`}, {`"n"`, "-1.5e3"}, {`"t"`, "true"}, {`"f"`, "false"}}},
		{name: "strings with delimiters", obj: `{"a":"}],{","b":"\\"}`, want: []member{{`"a"`, `"}],{"`}, {`"b"`, `"\\"`}}},
		{name: "stops", obj: `{"a":1,"b":2,"c":3}`, stop: 2, want: []member{{`"a"`, "1"}, {`"b"`, "2"}}},
		{name: "stops at once", obj: `{"a":1,"b":2}`, stop: 1, want: []member{{`"a"`, "1"}}},
		{name: "array", obj: `[{"a":1}]`},
		{name: "string", obj: `"{\"a\":1}"`},
		{name: "number", obj: `1`},
		{name: "nothing", obj: ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []member
			eachJSONMember([]byte(tc.obj), func(name, value []byte) bool {
				got = append(got, member{string(name), string(value)})
				return tc.stop == 0 || len(got) < tc.stop
			})
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseJSON(t *testing.T) {
	obj := func(kv ...any) *JSONObject {
		o := &JSONObject{Vals: map[string]any{}}
		for i := 0; i < len(kv); i += 2 {
			o.Keys = append(o.Keys, kv[i].(string))
			o.Vals[kv[i].(string)] = kv[i+1]
		}
		return o
	}
	tests := []struct {
		name string
		in   string
		want any
	}{
		{"string", `"a\"b\u00e9\n"`, "a\"bé\n"},
		{"number", ` -1.5e3 `, -1500.0},
		{"integer", `42`, 42.0},
		{"zero", `-0`, 0.0},
		{"true", `true`, true},
		{"false", `false`, false},
		{"null", `null`, nil},
		{"array", `[1, "a", null, [], {}]`, []any{1.0, "a", nil, []any{}, obj()}},
		{"object, keys in order", `{"b":1,"a":{"y":[true],"x":"s"},"c\u00e9":null}`,
			obj("b", 1.0, "a", obj("y", []any{true}, "x", "s"), "cé", nil)},
		{"repeated key: first position, last value", `{"a":1,"b":2,"a":3}`, obj("a", 3.0, "b", 2.0)},
		{"escaped key repeats", `{"a":1,"\u0061":2}`, obj("a", 2.0)},
		{"empty object", `{ }`, obj()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(tc.in))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	for _, bad := range []string{``, ` `, `{`, `[1,]`, `{"a":1}x`, `'a'`, `NaN`, `undefined`,
		strings.Repeat("[", jsonMaxDepth+1) + strings.Repeat("]", jsonMaxDepth+1)} {
		v, err := ParseJSON([]byte(bad))
		assert.Nil(t, v, bad)
		var in *InputError
		require.ErrorAs(t, err, &in, bad)
		assert.Equal(t, "json", in.Field)
		assert.Equal(t, KindInput, KindOf(err))
	}
	v, err := ParseJSON([]byte(strings.Repeat("[", jsonMaxDepth-1) + "1" + strings.Repeat("]", jsonMaxDepth-1)))
	require.NoError(t, err)
	assert.IsType(t, []any{}, v)
	var nilObj *JSONObject
	assert.Nil(t, nilObj.Get("a"))
	assert.Equal(t, 1.0, obj("a", 1.0).Get("a"))
	assert.Nil(t, obj("a", 1.0).Get("b"))
}

// checkParseJSON checks ParseJSON on a document scanJSON accepts: it fails
// only when the document nests too deeply, and, where encoding/json reads
// the document the same way (valid UTF-8, which encoding/json would
// replace; no \u escapes, whose lone surrogates jsonText keeps; numbers in
// range), it decodes the same values.
func checkParseJSON(t *testing.T, data []byte) {
	t.Helper()
	v, err := ParseJSON(data)
	if _, ok := parseJSON(data); ok != (err == nil) {
		t.Fatalf("ParseJSON(%q): %v, parseJSON says %v", data, err, ok)
	}
	if err != nil || bytes.Contains(data, []byte(`\u`)) || !utf8.Valid(data) {
		return
	}
	var want any
	if json.Unmarshal(data, &want) != nil {
		return // a number out of range
	}
	if got := plainJSON(v); !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseJSON(%q) = %#v, encoding/json %#v", data, got, want)
	}
	if o, ok := v.(*JSONObject); ok && len(o.Keys) != len(o.Vals) {
		t.Fatalf("ParseJSON(%q): keys %q for %d values", data, o.Keys, len(o.Vals))
	}
}

// plainJSON turns ParseJSON's values into encoding/json's.
func plainJSON(v any) any {
	switch v := v.(type) {
	case *JSONObject:
		m := make(map[string]any, len(v.Vals))
		for k, x := range v.Vals {
			m[k] = plainJSON(x)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = plainJSON(x)
		}
		return out
	}
	return v
}

func TestJSONInt(t *testing.T) {
	for in, want := range map[string]bool{
		"0": true, "-0": true, "200": true, "9223372036854775807": true, "-9223372036854775808": true,
		"9223372036854775808": false, "-9223372036854775809": false, "99999999999999999999": false,
		"1.0": false, "1e2": false, `"1"`: false, "-": false, "": false,
	} {
		_, ok := jsonInt([]byte(in))
		assert.Equal(t, want, ok, in)
	}
	n, _ := jsonInt([]byte("-9223372036854775808"))
	assert.Equal(t, int64(-1<<63), n)
}

func TestJSONDepth(t *testing.T) {
	nested := func(n int) []byte {
		return []byte(strings.Repeat("[", n-1) + "1" + strings.Repeat("]", n-1))
	}
	_, ok := parseJSON(nested(jsonMaxDepth))
	assert.True(t, ok)
	_, ok = parseJSON(nested(jsonMaxDepth + 1))
	assert.False(t, ok)
	// Validation alone has no depth limit, and no recursion to overflow.
	_, ok = scanJSON(nested(1_000_000))
	assert.True(t, ok)
}

// FuzzJSONReader checks the reader against encoding/json, which validates
// by RFC 8259 exactly as scanJSON does, and against fastjson, which the
// decoders used before: the same members, items, text and numbers. Where
// they differ, fastjson is the lenient one: it accepts a raw control
// character in a string ahead of an escape sequence.
func FuzzJSONReader(f *testing.F) {
	for _, s := range []string{
		`{"head":{"status":200,"ok":true,"errors":["x"],"references":{"a":{}}},"body":{"id":"f1"}}`,
		` {"a" : [1, -2.5e+3, "\u00e9\"", true, false, null, {}], "b":"\ud800", "c" : "\ud800\ud800"} `,
		`{"h\u0065ad":1,"head":2}`, `[]`, `""`, `"\x"`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a" 1}`,
		"\"\x01\\n\"", `{"a":[1,]}`, `{,}`, `[1 2]`, `tru`, `nul`, `1e`, `{"a":1}x`, "\"\xff\"",
		strings.Repeat("[", 301) + strings.Repeat("]", 301),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, ok := scanJSON(data)
		if ok != json.Valid(data) {
			t.Fatalf("scanJSON says %v for %q, encoding/json disagrees", ok, data)
		}
		if ok && fastjson.ValidateBytes(data) != nil {
			t.Fatalf("scanJSON accepts %q, fastjson does not", data)
		}
		if !ok {
			return
		}
		checkParseJSON(t, data)
		var p fastjson.Parser
		fv, perr := p.ParseBytes(data)
		v, ok := parseJSON(data)
		if ok != (perr == nil) {
			t.Fatalf("parseJSON says %v for %q, fastjson says %v", ok, data, perr)
		}
		if !ok {
			return
		}
		compareJSON(t, v, fv, 0)
	})
}

// compareJSON checks that v reads as fastjson reads fv, down a few levels.
func compareJSON(t *testing.T, v []byte, fv *fastjson.Value, level int) {
	t.Helper()
	// Marshal before reading: fastjson unescapes strings in place.
	if got, want := string(appendCompactJSON(nil, v)), string(fv.MarshalTo(nil)); got != want {
		t.Fatalf("compact %q, fastjson %q", got, want)
	}
	if level > 3 {
		return
	}
	if n, ok := jsonInt(v); ok != (fv.Type() == fastjson.TypeNumber && fastjsonInt(fv)) || ok && n != fv.GetInt64() {
		t.Fatalf("jsonInt(%q) = %d, %v", v, n, ok)
	}
	if b, ok := jsonBool(v); ok != (fv.Type() == fastjson.TypeTrue || fv.Type() == fastjson.TypeFalse) || ok && b != fv.GetBool() {
		t.Fatalf("jsonBool(%q) = %v, %v", v, b, ok)
	}
	// fastjson keeps a lone surrogate's escape; jsonText makes it WTF-8
	// (TestJSONReader checks that).
	if s, ok := jsonText(v); ok != (fv.Type() == fastjson.TypeString) || ok && !hasSurrogateEscape(v) && s != string(fv.GetStringBytes()) {
		t.Fatalf("jsonText(%q) = %q, %v; fastjson %q", v, s, ok, fv.GetStringBytes())
	}
	items, ok := jsonItems(v)
	if ok != (fv.Type() == fastjson.TypeArray) {
		t.Fatalf("jsonItems(%q) = %v", v, ok)
	}
	for i, item := range items {
		compareJSON(t, item, fv.GetArray()[i], level+1)
	}
	if fv.Type() == fastjson.TypeObject {
		// eachJSONMember visits every member, duplicates too, in order.
		var names []string
		eachJSONMember(v, func(name, value []byte) bool {
			text, ok := jsonText(name)
			if !ok {
				t.Fatalf("eachJSONMember name %q of %q", name, v)
			}
			names = append(names, text)
			return true
		})
		var want []string
		fv.GetObject().Visit(func(key []byte, _ *fastjson.Value) { want = append(want, string(key)) })
		if !slices.Equal(names, want) {
			t.Fatalf("eachJSONMember names %q of %q, fastjson %q", names, v, want)
		}
		fv.GetObject().Visit(func(key []byte, fm *fastjson.Value) {
			if fv.Get(string(key)) != fm {
				return // a later duplicate: jsonMember finds the first, as Get does
			}
			compareJSON(t, jsonMember(v, string(key)), fm, level+1)
		})
	} else if jsonMember(v, "a") != nil {
		t.Fatalf("jsonMember of the non-object %q", v)
	}
}

func fastjsonInt(v *fastjson.Value) bool {
	_, err := v.Int64()
	return err == nil
}

// hasSurrogateEscape reports whether the JSON text v has a \u escape of a
// UTF-16 surrogate.
func hasSurrogateEscape(v []byte) bool {
	for i := 0; i+2 < len(v); i++ {
		if v[i] == '\\' && v[i+1] == 'u' && i+3 < len(v) && (v[i+2] == 'd' || v[i+2] == 'D') && strings.ContainsRune("89abcdefABCDEF", rune(v[i+3])) {
			return true
		}
	}
	return false
}
