package eval

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/filter/eval/match"
)

// The evaluator's semantics are tested in package match; these tests cover
// the RE2 translation and that Compile uses it by default.

func TestRegexTranslation(t *testing.T) {
	tests := []struct {
		pattern, flags, input string
		want                  bool
	}{
		{`^a.c$`, "", "abc", true},
		{`^a.c$`, "", "a\nc", false},
		{`^a.c$`, "s", "a\nc", true},
		{`^b$`, "", "a\nb", false},
		{`^b$`, "m", "a\nb", true},
		{`ÄB`, "iu", "äb", true},
		{`ab`, "g", "xaby", true},
		{`a b # comment`, "x", "ab", true},
		{"a\tb\n# whole line\nc", "x", "abc", true},
		{`a\ b`, "x", "a b", true},
		{`[ ]x`, "x", " x", true},
		{`[\d\]]`, "", "]", true},
		{`\Qa b#\E`, "x", "a b#", true},
		{`\Qa.b`, "", "a.b", true},
		{`\Qa.b`, "", "axb", false},
		{`a{2}`, "", "aa", true},
		{`a{2,}b`, "", "aaab", true},
		{`a{x}`, "", "a{x}", true},
		{`a{2,3`, "", "a{2,3", true},
		{`[]a]+`, "", "]a", true},
		{`[^]a]`, "", "b", true},
		{`a+?b`, "", "aab", true},
		{`(?:ab)?c`, "", "c", true},
		{`(?<name>x)`, "", "x", true},
		{`(?i)abc`, "", "ABC", true},
		{`\d+\.\d`, "", "v1.2", true},
		{`/path`, "", "a/path", true},
		{`x*`, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"/"+tc.flags, func(t *testing.T) {
			re, err := RE2(tc.pattern, tc.flags)
			require.NoError(t, err)
			assert.Equal(t, tc.want, re.MatchString(tc.input))
		})
	}
}

func TestRE2Errors(t *testing.T) {
	tests := []struct {
		name string
		expr filter.Expr
		want string
	}{
		{"lookahead", filter.MatchesAny(`a(?=b)`, ""), "eval: regex /a(?=b)/: lookaround (?=…) is not supported by RE2"},
		{"negative lookahead", filter.M("x").Matches(`(?!b)`, ""), "lookaround (?!…)"},
		{"lookbehind", filter.MatchesAny(`(?<=a)b`, ""), "lookaround (?<=…)"},
		{"negative lookbehind", filter.MatchesAny(`(?<!a)b`, ""), "lookaround (?<!…)"},
		{"atomic group", filter.MatchesAny(`(?>ab)`, ""), "atomic group"},
		{"possessive star", filter.MatchesAny(`a*+`, ""), "possessive quantifier (*+)"},
		{"possessive plus", filter.MatchesAny(`a++`, ""), "possessive quantifier (++)"},
		{"possessive question", filter.MatchesAny(`a?+`, ""), "possessive quantifier (?+)"},
		{"possessive repetition", filter.MatchesAny(`a{2}+`, ""), "possessive quantifier (}+)"},
		{"backreference", filter.MatchesAny(`(a)\1`, ""), "backreferences are not supported"},
		{"named backreference", filter.MatchesAny(`(?<n>a)\k<n>`, ""), "backreferences are not supported"},
		{"G anchor", filter.MatchesAny(`\Ga`, ""), `\G is not supported`},
		{"Z anchor", filter.MatchesAny(`a\Z`, ""), `\Z is not supported by RE2; use \z`},
		{"class intersection", filter.MatchesAny(`[a-z&&[^b]]`, ""), "intersection"},
		{"class union", filter.MatchesAny(`[a[b]]`, ""), "nested character classes"},
		{"RE2 parse error", filter.MatchesAny(`(a`, ""), "missing closing )"},
		{"Java-only escape", filter.MatchesAny(`\R`, ""), "invalid escape sequence"},
		{"hand-built lone backslash", filter.RegexExpr{Member: filter.M("x"), Regex: filter.Regex{Pattern: `a\`}}, "lone backslash"},
		{"error under NOT", filter.Not(filter.MatchesAny(`(?=a)`, "")), "lookaround"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr, Options{})
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tc.want)
			var ce *Error
			assert.Equal(t, !errors.Is(err, filter.ErrInvalid), errors.As(err, &ce), "compile errors are *Error, validation errors wrap ErrInvalid")
		})
	}
}

func TestToRE2LoneBackslash(t *testing.T) {
	_, err := RE2(`a\`, "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "trailing backslash")
}

func TestCompileDefaultsToRE2(t *testing.T) {
	drop := map[string]any{"creationDate": time.Now().UnixMilli(), "elems": map[string]any{"status": "Shipped"}}
	p, err := Compile(filter.And(filter.M("status").Matches(`^ship`, "i"), filter.Age().Lt(60000)), Options{})
	require.NoError(t, err)
	assert.True(t, p.Match(drop))
	v, ok := Lookup(drop, "status")
	assert.True(t, ok)
	assert.Equal(t, "Shipped", v)

	// Another engine replaces RE2.
	p, err = Compile(filter.MatchesAny("anything", ""), Options{Regex: func(string, string) (match.Regexp, error) {
		return regexp.MustCompile("^Ship"), nil
	}})
	require.NoError(t, err)
	assert.True(t, p.Match(drop))
}

// AGE reads Options.Now, time.Now by default, at match time, to the
// millisecond.
func TestCompileClock(t *testing.T) {
	old := map[string]any{"creationDate": time.Now().UnixMilli() - 120_000}
	p, err := Compile(filter.Age().Lt(60000), Options{})
	require.NoError(t, err)
	assert.True(t, p.Match(map[string]any{"creationDate": time.Now().UnixMilli() - 1000}))
	assert.False(t, p.Match(old))

	clock := time.UnixMilli(1_700_000_000_000).Add(999 * time.Microsecond)
	p, err = Compile(filter.Age().Eq(1), Options{Now: func() time.Time { return clock }})
	require.NoError(t, err)
	created := map[string]any{"creationDate": 1_699_999_999_999}
	assert.True(t, p.Match(created), "1 ms old: the clock's microseconds do not count")
	clock = clock.Add(time.Millisecond)
	assert.False(t, p.Match(created))
}

func TestRE2InterfaceOnError(t *testing.T) {
	re, err := RE2("(", "")
	require.Error(t, err)
	assert.Nil(t, re, "no typed nil in the interface")
}
