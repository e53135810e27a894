package bridge_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/filter/eval"
	"github.com/flowthings/flowthings-wasm/filter/eval/match"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
)

// countingRE2 is the tests' regex engine: RE2, counting what is compiled
// and released.
type countingRE2 struct{ live map[match.Regexp]bool }

func (c *countingRE2) Compile(pattern, flags string) (match.Regexp, error) {
	re, err := eval.RE2(pattern, flags)
	if err == nil {
		re = &struct{ match.Regexp }{re} // a distinct value per compile
		c.live[re] = true
	}
	return re, err
}

func (c *countingRE2) Release(re match.Regexp) {
	if !c.live[re] {
		panic("released twice, or never compiled")
	}
	delete(c.live, re)
}

func text(filter string) *bridge.Obj { return o("t", "text", "text", filter) }

// drop is a v0.1 drop: typed elems.
func drop(elems ...any) *bridge.Obj {
	return o("id", "d1", "creationDate", 1.0, "elems", o(elems...))
}

func typed(t string, v any) *bridge.Obj { return o("type", t, "value", v) }

func TestFilterPrograms(t *testing.T) {
	b := bridge.New()
	engine := &countingRE2{live: map[match.Regexp]bool{}}
	b.Regex = engine

	prog := ok(t, b.CompileFilter(o("t", "and",
		"left", text("temp > 20 && name =~ /^sensor/i"),
		"right", o("t", "not", "x", o("t", "matches", "pattern", "broken", "flags", "")))))["id"].(float64)
	assert.Len(t, engine.live, 2)

	matches := func(d *bridge.Obj) bool { return ok(t, b.MatchFilter(prog, d))["match"].(bool) }
	assert.True(t, matches(drop("temp", typed("float", 21.5), "name", typed("string", "Sensor-7"))), "typed elems")
	assert.True(t, matches(drop("temp", 30.0, "name", "sensor-8")), "plain elems")
	assert.False(t, matches(drop("temp", 30.0, "name", "sensor-8", "state", typed("text", "it is broken"))), "MATCHES looks everywhere")
	assert.False(t, matches(drop("temp", 19.0, "name", "sensor-8")))
	assert.False(t, matches(drop("name", "sensor-8")), "missing member")
	assert.True(t, matches(o("temp", 30.0, "name", "sensor", "list", []any{o("a", 1.0)})), "not a drop: members are its own")
	assert.False(t, matches(o("temp", 30.0, "name", "sensor", "list", []any{o("a", "broken")})), "MATCHES descends into lists")

	ok(t, b.Release(prog))
	assert.Empty(t, engine.live, "releasing a program releases its regexes")
	assertError(t, b.MatchFilter(prog, drop()), "input", "unknown or released filter program")
	ok(t, b.Release(prog))

	// A filter that cannot be evaluated is an input error, and what was
	// compiled before the failure is released.
	assertError(t, b.CompileFilter(text("a =~ /x/ || b =~ /(?<=a)b/")), "input",
		"flowthings: invalid filter: regex /(?<=a)b/: lookaround (?<=…) is not supported by RE2")
	assert.Empty(t, engine.live)
	assertError(t, b.CompileFilter(text("location WITHIN 1 KM OF [ZIP=00000]")), "input", `unknown ZIP code "00000"`)
	assertError(t, b.CompileFilter(text("a ==")), "input", "expected")
	assertError(t, b.CompileFilter(o("t", "nope")), "input", "unknown filter node")

	// Without an engine, only filters without regexes compile.
	plain := bridge.New()
	assertError(t, plain.CompileFilter(text("a =~ /x/")), "input", "no regex engine")
	prog = ok(t, plain.CompileFilter(text("a == 1")))["id"].(float64)
	assert.True(t, ok(t, plain.MatchFilter(prog, o("a", 1.0)))["match"].(bool))
}

// AGE reads the Bridge's clock (the host's, in the module) at match time;
// without one, a filter with AGE does not compile.
func TestFilterProgramsClock(t *testing.T) {
	b := bridge.New()
	assertError(t, b.CompileFilter(text("AGE < 1 MINUTES")), "input", "AGE needs a clock")

	now := int64(100_000)
	b.Now = func() int64 { return now }
	prog := ok(t, b.CompileFilter(text("AGE < 1 MINUTES")))["id"].(float64)
	created := o("creationDate", 50_000.0, "elems", o())
	assert.True(t, ok(t, b.MatchFilter(prog, created))["match"].(bool), "50 s old")
	now += 10_000
	assert.False(t, ok(t, b.MatchFilter(prog, created))["match"].(bool), "60 s old")
}

func assertError(t *testing.T, result, kind, contains string) {
	t.Helper()
	e := parse(t, result)["error"]
	require.NotNil(t, e, "result %s", result)
	d := e.(map[string]any)
	assert.Equal(t, kind, d["kind"], "result %s", result)
	assert.Contains(t, d["message"], contains)
}
