package core

import (
	"errors"
	"testing"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParamsEncode(t *testing.T) {
	tests := []struct {
		name   string
		params Params
		want   string
	}{
		{"empty", nil, ""},
		{"refs true", Params{"refs": true}, "refs=1"},
		{"refs false", Params{"refs": false}, ""},
		{"only list", Params{"only": []string{"path", "description"}}, "only=path%2Cdescription"},
		{"only string", Params{"only": "path,description"}, "only=path%2Cdescription"},
		{"filter string", Params{"filter": `path == '/a b'`}, "filter=path%20%3D%3D%20%27%2Fa%20b%27"},
		{"filter built", Params{"filter": filter.M("elems", "temp").Gt(50)}, "filter=elems.temp%20%3E%2050"},
		{"filter list", Params{"filter": []any{"a == 1", filter.Exists(filter.M("b"))}}, "filter=%28a%20%3D%3D%201%29%20%26%26%20%28EXISTS%20b%29"},
		{"filter empty", Params{"filter": ""}, ""},
		{"nil dropped", Params{"x": nil}, ""},
		{"pass-through", Params{"start": 10, "limit": int64(5), "sort": "creationDate", "order": "asc", "hints": false, "pretty": true, "custom": "x y"},
			"custom=x%20y&hints=false&limit=5&order=asc&pretty=true&sort=creationDate&start=10"},
		{"numbers", Params{"a": int8(1), "b": int16(2), "c": int32(3), "d": uint(4), "e": uint8(5), "f": uint16(6), "g": uint32(7), "h": uint64(8), "i": float32(1.5), "j": 2.25},
			"a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=1.5&j=2.25"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.params.Encode()
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParamsUnsupported(t *testing.T) {
	for _, p := range []Params{
		{"limit": struct{}{}},
		{"only": []int{1}},
		{"x": map[string]any{}},
		{"filter": 42},
		{"filter": map[string]string{}},
	} {
		_, err := p.Encode()
		var in *InputError
		require.ErrorAs(t, err, &in, "%v", p)
		_, err = p.Strings()
		require.ErrorAs(t, err, &in)
	}
}

func TestParamsStringsAndRefs(t *testing.T) {
	s, err := Params{"refs": true, "limit": 5, "filter": filter.M("a").Eq(1), "x": nil}.Strings()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"refs": "1", "limit": "5", "filter": "a == 1"}, s)

	for v, want := range map[any]bool{true: true, false: false, "1": true, "true": true, "0": false, 1: true, 0: false, 2.0: false} {
		assert.Equal(t, want, Params{"refs": v}.Refs(), "%v", v)
	}
	assert.False(t, Params{}.Refs())
}

// TestFilterText covers the rendering of every accepted filter form,
// including real expressions of package filter and their builder errors.
func TestFilterText(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"string", "a == 1", "a == 1"},
		{"strings", []string{"a == 1", "", "b == 2"}, "(a == 1) && (b == 2)"},
		{"one string", []string{"a == 1"}, "a == 1"},
		{"expr", filter.And(filter.M("elems", "temp").Gt(50), filter.Not(filter.Exists(filter.M("elems", "err")))),
			"(elems.temp > 50) && (NOT EXISTS elems.err)"},
		{"expr strings", filter.M("path").Eq("/alice/it's"), `path == '/alice/it\'s'`},
		{"expr list", []filter.Expr{filter.M("a").In("x", "y"), filter.M("b").Matches("^/a/", "i")},
			`(a IN ['x','y']) && (b =~ /^\/a\//i)`},
		{"mixed any", []any{"a == 1", nil, filter.Has("boolean")}, "(a == 1) && (HAS boolean)"},
		{"filterStringer", filterStringer("custom > 1"), "custom > 1"},
		{"filterStringers in a list", []any{filterStringer("x > 1"), filterStringer("y > 2")}, "(x > 1) && (y > 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FilterText(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

type filterStringer string

func (s filterStringer) String() string { return string(s) }

type errFilterExpr struct{}

func (errFilterExpr) String() string { return "broken" }
func (errFilterExpr) Err() error     { return errors.New("bad construction") }

func filterNaN() float64 {
	zero := 0.0
	return zero / zero
}

func TestFilterTextErrors(t *testing.T) {
	var nilStringer *filter.Member
	tests := []struct {
		name    string
		in      any
		invalid bool // wraps filter.ErrInvalid
	}{
		{"bad member name", filter.M("a b").Eq(1), true},
		{"NaN", filter.M("a").Gt(filterNaN()), true},
		{"unconvertible value", filter.M("a").Eq(struct{}{}), true},
		{"in a list", []any{"ok == 1", filter.M("").Eq(1)}, true},
		{"in an expr list", []filter.Expr{filter.M("x").Eq(1), filter.M("a").Within(1, "PARSECS").Of(0, 0)}, true},
		{"Err method", errFilterExpr{}, false},
		{"nil pointer", nilStringer, false},
		{"number", 42, false},
		{"map", map[string]any{}, false},
		{"a slice of another type", []filterStringer{"x > 1"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FilterText(tc.in)
			var in *InputError
			require.ErrorAs(t, err, &in)
			assert.Equal(t, "filter", in.Field)
			assert.Equal(t, tc.invalid, errors.Is(err, filter.ErrInvalid))
		})
	}

}
