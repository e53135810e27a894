package bridge_test

import (
	"regexp"
	"testing"

	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// identifier is a JavaScript identifier the stubs can use as a name.
var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// reserved are JavaScript's reserved words, and the name js/bridge.js
// imports the module's call as.
var reserved = map[string]bool{
	"break": true, "case": true, "catch": true, "class": true, "const": true, "continue": true, "debugger": true,
	"default": true, "delete": true, "do": true, "else": true, "export": true, "extends": true, "false": true,
	"finally": true, "for": true, "function": true, "if": true, "import": true, "in": true, "instanceof": true,
	"new": true, "null": true, "return": true, "super": true, "switch": true, "this": true, "throw": true,
	"true": true, "try": true, "typeof": true, "var": true, "void": true, "while": true, "with": true,
	"yield": true, "let": true, "static": true, "enum": true, "await": true, "implements": true,
	"package": true, "protected": true, "interface": true, "private": true, "public": true,
	"arguments": true, "eval": true, "callModule": true,
}

func TestContractNames(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range bridge.New().Functions() {
		assert.Regexp(t, identifier, f.Name)
		assert.False(t, reserved[f.Name], f.Name)
		assert.False(t, seen[f.Name], "%s is declared twice", f.Name)
		seen[f.Name] = true
		params := map[string]bool{}
		for _, p := range f.Params {
			assert.Regexp(t, identifier, p.Name, f.Name)
			assert.False(t, reserved[p.Name], "%s: parameter %s", f.Name, p.Name)
			assert.False(t, params[p.Name], "%s: parameter %s twice", f.Name, p.Name)
			params[p.Name] = true
		}
		assert.NotNil(t, f.Go, f.Name)
	}
}

// sample is a value of each kind; others lists values of other kinds.
var samples = map[bridge.Kind]struct {
	good   []any
	others []any
}{
	bridge.Number:       {[]any{0.0, -1.5}, []any{"1", true, nil, o(), []any{}}},
	bridge.String:       {[]any{"", "x"}, []any{1.0, false, nil, o(), []any{"x"}}},
	bridge.Bool:         {[]any{true, false}, []any{0.0, "true", nil, o(), []any{}}},
	bridge.Object:       {[]any{o(), o("a", 1.0)}, []any{nil, "{}", 1.0, true, []any{}}},
	bridge.ObjectOrNull: {[]any{o(), nil}, []any{"{}", 1.0, true, []any{}}},
	bridge.StringOrNull: {[]any{"x", nil}, []any{1.0, true, o(), []any{}}},
}

// Every function checks its arguments against its declaration before it
// runs: a wrong count or kind is an internal error naming the function and
// the argument; arguments of the declared kinds never panic.
func TestContractChecksArguments(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	for _, f := range b.Functions() {
		t.Run(f.Name, func(t *testing.T) {
			good := make([]any, len(f.Params))
			for i, p := range f.Params {
				require.Contains(t, samples, p.Kind)
				good[i] = samples[p.Kind].good[0]
				if p.Kind == bridge.Number {
					good[i] = cfg // a configuration id where one is wanted
				}
			}
			parse(t, f.Call(good)) // a JSON object, success or error

			d := failed(t, f.Call(append(good, 1.0)))
			assert.Equal(t, "internal", d["kind"])
			assert.Contains(t, d["message"], "("+f.Name+"): takes ")
			if len(good) > 0 {
				failed(t, f.Call(good[:len(good)-1]))
			}
			for i, p := range f.Params {
				for _, v := range samples[p.Kind].good {
					args := append([]any(nil), good...)
					args[i] = v
					parse(t, f.Call(args))
				}
				for _, v := range samples[p.Kind].others {
					args := append([]any(nil), good...)
					args[i] = v
					argumentError(t, f.Call(args), f.Name, p.Name)
				}
			}
		})
	}
}

func TestContractMessage(t *testing.T) {
	b := bridge.New()
	d := failed(t, via(t, b, "decodeHead", 1.0, o(), "200", "{}"))
	assert.Equal(t, "flowthings: internal error in the wasm module (decodeHead): argument 3 (status) must be a number, not a string", d["message"])
	d = failed(t, via(t, b, "parseFilter"))
	assert.Equal(t, "flowthings: internal error in the wasm module (parseFilter): takes 1 argument, not 0", d["message"])
}

func TestKindJS(t *testing.T) {
	for k, want := range map[bridge.Kind]string{bridge.Number: "number", bridge.String: "string", bridge.Bool: "boolean",
		bridge.Object: "object", bridge.ObjectOrNull: "object | null", bridge.StringOrNull: "string | null"} {
		assert.Equal(t, want, k.JS())
	}
}

// Each FuncN passes its arguments, in order and typed, to the Go function.
func TestFuncN(t *testing.T) {
	join := func(xs ...any) string {
		s := ""
		for _, x := range xs {
			switch x := x.(type) {
			case string:
				s += x
			case float64:
				s += "#"
			case bool:
				s += "?"
			case *bridge.Obj:
				if x == nil {
					s += "-"
				} else {
					s += "{}"
				}
			case nil:
				s += "-"
			}
		}
		return `{"got":"` + s + `"}`
	}
	n, s, bo, ob, on, sn := bridge.NumberArg("n"), bridge.StringArg("s"), bridge.BoolArg("b"), bridge.ObjectArg("o"),
		bridge.ObjectOrNullArg("on"), bridge.StringOrNullArg("sn")
	for _, tc := range []struct {
		f    bridge.Function
		args []any
		want string
	}{
		{bridge.Func1("f1", s, func(a string) string { return join(a) }), []any{"a"}, "a"},
		{bridge.Func2("f2", n, s, func(a float64, b string) string { return join(a, b) }), []any{1.0, "b"}, "#b"},
		{bridge.Func3("f3", bo, s, n, func(a bool, b string, c float64) string { return join(a, b, c) }), []any{true, "b", 2.0}, "?b#"},
		{bridge.Func4("f4", ob, on, sn, s, func(a, b *bridge.Obj, c any, d string) string { return join(a, b, c, d) }),
			[]any{o(), nil, nil, "d"}, "{}--d"},
		{bridge.Func5("f5", s, s, s, s, sn, func(a, b, c, d string, e any) string { return join(a, b, c, d, e) }),
			[]any{"a", "b", "c", "d", "e"}, "abcde"},
		{bridge.Func6("f6", s, s, s, s, s, on, func(a, b, c, d, e string, f *bridge.Obj) string { return join(a, b, c, d, e, f) }),
			[]any{"a", "b", "c", "d", "e", o()}, "abcde{}"},
	} {
		assert.Equal(t, `{"got":"`+tc.want+`"}`, tc.f.Call(tc.args), tc.f.Name)
		assert.Len(t, tc.f.Params, len(tc.args), tc.f.Name)
	}
}
