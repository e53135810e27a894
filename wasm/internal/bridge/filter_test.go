package bridge_test

import (
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func member(names ...string) []any {
	out := make([]any, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

func exists(names ...string) *bridge.Obj { return o("t", "exists", "m", member(names...)) }

func TestRenderFilter(t *testing.T) {
	tests := []struct {
		name string
		tree *bridge.Obj
		want string
		same filter.Expr // the same filter built in Go, when there is a builder
	}{
		{"cmp number", o("t", "cmp", "left", o("m", member("elems", "temp")), "op", ">", "right", o("n", 30.0)),
			"elems.temp > 30", filter.M("elems", "temp").Gt(30)},
		{"cmp string", o("t", "cmp", "left", o("m", member("elems", "s")), "op", "==", "right", o("s", `it's "x"`)),
			`elems.s == 'it\'s "x"'`, filter.M("elems", "s").Eq(`it's "x"`)},
		{"cmp boolean", o("t", "cmp", "left", o("m", member("elems", "b")), "op", "!=", "right", o("b", true)),
			"elems.b != true", filter.M("elems", "b").Ne(true)},
		{"cmp false", o("t", "cmp", "left", o("m", member("b")), "op", "<=", "right", o("b", false)), "b <= false", nil},
		{"cmp zero", o("t", "cmp", "left", o("m", member("n")), "op", ">=", "right", o("n", 0.0)), "n >= 0", filter.M("n").Gte(0)},
		{"cmp empty string", o("t", "cmp", "left", o("m", member("s")), "op", "==", "right", o("s", "")), "s == ''", nil},
		{"cmp Date", o("t", "cmp", "left", o("m", member("creationDate")), "op", "<", "right",
			o("ctor", "Date", "arg", o("n", 1342404840000.0))), "creationDate < Date(1342404840000)", nil},
		{"cmp ObjectId", o("t", "cmp", "left", o("m", member("x")), "op", "==", "right", o("ctor", "ObjectId", "arg", o("s", "abc"))),
			"x == ObjectId('abc')", nil},
		{"cmp empty ctor", o("t", "cmp", "left", o("m", member("x")), "op", "<=", "right", o("ctor", "Date")), "x <= Date()", nil},
		{"cmp literal first", o("t", "cmp", "left", o("s", "a"), "op", ">=", "right", o("m", member("x"))), "'a' >= x", nil},
		{"cmp two members", o("t", "cmp", "left", o("m", member("a")), "op", "<", "right", o("m", member("b", "c"))), "a < b.c", nil},
		{"re", o("t", "re", "m", member("elems", "name"), "pattern", "^a/b", "flags", "i"), `elems.name =~ /^a\/b/i`,
			filter.M("elems", "name").Matches("^a/b", "i")},
		{"matches", o("t", "matches", "pattern", "x.y", "flags", ""), "MATCHES /x.y/", filter.MatchesAny("x.y", "")},
		{"list IN", o("t", "list", "m", member("elems", "c"), "op", "IN", "values", []any{o("s", "a"), o("n", 1.5), o("b", false)}),
			"elems.c IN ['a',1.5,false]", filter.M("elems", "c").In("a", 1.5, false)},
		{"list CONTAINS", o("t", "list", "m", member("elems", "tags"), "op", "CONTAINS", "values", []any{o("s", "a")}),
			"elems.tags CONTAINS ['a']", filter.M("elems", "tags").Contains("a")},
		{"within lat lon", o("t", "within", "m", member("location"), "distance", 5.0, "unit", "KM", "lat", 48.85, "lon", 2.35),
			"location WITHIN 5 KM OF [48.85,2.35]", nil},
		{"within zip", o("t", "within", "m", member("location"), "distance", 10.0, "unit", "MILES", "zip", "10001"),
			"location WITHIN 10 MILES OF [ZIP=10001]", nil},
		{"exists", exists("elems", "a"), "EXISTS elems.a", filter.Exists(filter.M("elems", "a"))},
		{"has", o("t", "has", "type", "location"), "HAS location", filter.Has("location")},
		{"age", o("t", "age", "op", ">", "value", 5.0, "unit", "MINUTES"), "AGE > 5 MINUTES", nil},
		{"age of a field", o("t", "age", "field", "lastEditDate", "op", "<", "value", 100.0), "AGE('lastEditDate') < 100", nil},
		{"not", o("t", "not", "x", exists("a")), "NOT EXISTS a", filter.Not(filter.Exists(filter.M("a")))},
		{"and", o("t", "and", "left", exists("a"), "right", o("t", "has", "type", "location")), "(EXISTS a) && (HAS location)",
			filter.And(filter.Exists(filter.M("a")), filter.Has("location"))},
		{"or", o("t", "or", "left", exists("a"), "right", exists("b")), "(EXISTS a) || (EXISTS b)",
			filter.Or(filter.Exists(filter.M("a")), filter.Exists(filter.M("b")))},
		{"nested", o("t", "and", "left", o("t", "or", "left", exists("a"), "right", exists("b")), "right", o("t", "not", "x", exists("c"))),
			"((EXISTS a) || (EXISTS b)) && (NOT EXISTS c)", nil},
		{"text", o("t", "text", "text", "elems.x  >  1 && EXISTS  a"), "(elems.x > 1) && (EXISTS a)", nil},
		{"text inside a tree", o("t", "or", "left", exists("a"), "right", o("t", "text", "text", "elems.x>1")), "(EXISTS a) || (elems.x > 1)", nil},
	}
	b := bridge.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ok(t, b.RenderFilter(tc.tree))
			assert.Equal(t, map[string]any{"text": tc.want}, got)
			if tc.same != nil {
				want, err := filter.Render(tc.same)
				require.NoError(t, err)
				assert.Equal(t, want, tc.want, "the Go builder renders the same")
			}
			// The rendering is canonical: parsing it gives it back.
			assert.Equal(t, map[string]any{"text": tc.want}, ok(t, b.ParseFilter(tc.want)))
		})
	}
}

func TestRenderFilterRejects(t *testing.T) {
	cmp := func(left, right any) *bridge.Obj { return o("t", "cmp", "left", left, "op", "==", "right", right) }
	deep := exists("a")
	for range 300 {
		deep = o("t", "not", "x", deep)
	}
	tests := []struct {
		name   string
		tree   any
		reason string
	}{
		{"no type", o("m", member("a")), `unknown filter node ""`},
		{"unknown type", o("t", "xor"), `unknown filter node "xor"`},
		{"member not an array", o("t", "exists", "m", "a"), "non-empty array of names"},
		{"member empty", o("t", "exists", "m", []any{}), "non-empty array of names"},
		{"member of numbers", o("t", "re", "m", []any{"a", 1.0}, "pattern", "x"), "must be a string, not a number"},
		{"list without member", o("t", "list", "op", "IN", "values", []any{o("s", "a")}), "non-empty array"},
		{"literal not an object", cmp(o("m", member("a")), 1.0), "a literal must be an object, not a number"},
		{"literal without value", cmp(o("m", member("a")), o("x", 1.0)), "one of s, n, b or ctor"},
		{"number a string", cmp(o("m", member("a")), o("n", "1")), "number literal must hold a number"},
		{"boolean a string", cmp(o("m", member("a")), o("b", "true")), "boolean literal must hold a boolean"},
		{"left bad", cmp(o("x", 1.0), o("n", 1.0)), "one of s, n, b or ctor"},
		{"ctor arg bad", cmp(o("m", member("a")), o("ctor", "Date", "arg", o())), "one of s, n, b or ctor"},
		{"list value bad", o("t", "list", "m", member("a"), "op", "IN", "values", []any{o("s", "a"), "b"}), "a literal must be an object"},
		{"not of nothing", o("t", "not"), "must be an object, not null"},
		{"and with a bad left", o("t", "and", "left", "x", "right", exists("a")), "not a string"},
		{"or with a bad right", o("t", "or", "left", exists("a"), "right", o("t", "?")), `unknown filter node "?"`},
		{"nested too deeply", deep, "nested too deeply"},
		{"mod, which no builder makes", o("t", "mod", "m", member("n"), "divisor", 3.0, "op", "==", "remainder", 1.0), `unknown filter node "mod"`},
		// Valid trees that render invalid filters.
		{"unknown operator", o("t", "cmp", "left", o("m", member("x")), "op", "~", "right", o("n", 1.0)), `unknown operator "~"`},
		{"unknown unit", o("t", "within", "m", member("l"), "distance", 5.0, "unit", "LEAGUES", "lat", 1.0, "lon", 2.0), "unknown distance unit"},
		{"unknown element type", o("t", "has", "type", "nope"), "unknown element type"},
		{"bad list operator", o("t", "list", "m", member("a"), "op", "ANY", "values", []any{o("s", "a")}), "invalid filter"},
		{"bad member name", exists("a b"), "invalid filter"},
		{"bad regex flag", o("t", "matches", "pattern", "x", "flags", "q"), "invalid filter"},
	}
	b := bridge.New()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := inputError(t, via(t, b, "renderFilter", tc.tree), "filter")
			assert.Contains(t, d["reason"], tc.reason)
			assert.NotContains(t, d, "position")
		})
	}

	// Invalid text in a text node is a syntax error, with its details.
	d := inputError(t, b.RenderFilter(o("t", "and", "left", exists("a"), "right", o("t", "text", "text", "elems.x >"))), "filter")
	assert.Equal(t, 9.0, d["position"])
	assert.Equal(t, "operand", d["expected"])
	assert.Equal(t, "", d["found"])
	d = inputError(t, b.RenderFilter(o("t", "text", "text", "é >")), "filter")
	assert.Equal(t, 3.0, d["position"], "the position in the node's text, in UTF-16 code units")
	assert.Contains(t, d["message"], "at position 3:")
}

func TestParseFilter(t *testing.T) {
	b := bridge.New()
	for text, canonical := range map[string]string{
		"elems.temp>30":                   "elems.temp > 30",
		"  NOT   EXISTS a ":               "NOT EXISTS a",
		"a IN [1, 'b']":                   "a IN [1,'b']",
		"a == \"x\"":                      "a == 'x'",
		"a == 1 && b == 2 || c == 3":      "((a == 1) && (b == 2)) || (c == 3)",
		"(a == 1)":                        "a == 1",
		"location WITHIN 5 km OF [1, 2]":  "location WITHIN 5 KM OF [1,2]",
		"elems.name =~ /x\\/y/i":          `elems.name =~ /x\/y/i`,
		"AGE('lastEditDate') > 5 minutes": "AGE('lastEditDate') > 5 MINUTES",
	} {
		assert.Equal(t, map[string]any{"text": canonical}, ok(t, b.ParseFilter(text)), text)
		assert.Equal(t, map[string]any{"text": canonical}, ok(t, b.ParseFilter(canonical)), "canonical stays: %s", canonical)
	}

	tests := []struct {
		text     string
		position float64
		expected string
		found    string
	}{
		{"elems.x >", 9, "operand", ""},
		{"a == 'x' &&", 11, "expression", ""},
		{"((a==1)", 7, `")"`, ""},
		{"a =~ /x/q", 8, "regex flag (imsxug)", "q"},
		{"", 0, "", ""},
		{"a == 1 b", 7, "", "b"},
		// Positions count UTF-16 code units, as JavaScript indexes strings.
		{"héllo wörld", 6, "operator", "wörld"},
		{"a == 'é' wörld", 9, "", "wörld"},
		{"a == '😀' b", 10, "", "b"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			d := inputError(t, b.ParseFilter(tc.text), "filter")
			assert.Equal(t, tc.position, d["position"], "%v", d)
			if tc.expected != "" {
				assert.Equal(t, tc.expected, d["expected"], "%v", d)
			} else {
				assert.NotEmpty(t, d["expected"], "%v", d)
			}
			assert.Equal(t, tc.found, d["found"], "%v", d)
			assert.True(t, strings.HasPrefix(d["message"].(string), "flowthings: invalid filter: at position"), d["message"])
		})
	}
}
