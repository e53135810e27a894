package filter

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protocolExamples are the example strings of docs/protocol.md §5.2 (and §3.3,
// §5.1, §7), verbatim.
var protocolExamples = []string{
	`elems.aNumber<=1`,
	`description=="myFirstFlow"`,
	`path == '/alice/x'`,
	`elems.shipped!=true`,
	`elems.length<=elems.width`,
	`elems.counter % 100 == 0`,
	`path =~ /^\/alice\//i`,
	`elems.status IN ["shipped","delivered"]`,
	`elems.ingredients CONTAINS ["potato","salad"]`,
	`location WITHIN 5 MILES OF [40.703987, -73.986759]`,
	`location WITHIN 26.2 MILES OF [ZIP="11204"]`,
	`location.$zip == '11201'`,
	`location.$latitude > 0.09`,
	`location.$longitude < 0`,
	`location.$street == 'Main St'`,
	`location.$city == 'Brooklyn'`,
	`location.$state == 'NY'`,
	`EXISTS elems.a`,
	`HAS boolean`,
	`AGE < 3600000`,
	`AGE('lastEditDate') >= 60000`,
	`MATCHES /temp/i`,
	`NOT EXISTS elems.error`,
	`(elems.a > 1) && (NOT (elems.b == 'x') || EXISTS elems.c)`,
	`birthday>Date(1342404840000)`,
	`anotherDrop==ObjectId('1234567890abcdef12345678')`,
	`reply_email==Email('a@b.com')`,
	`is_the_sky_blue==some_other_boolean`,
	`path==description`,
	`is_the_sky_blue==true`,
	`cpu_temp > 50`,
	`NOT foo == 1`,
	`(a == "x")&&(b == "y")`,
	`EXISTS elems.temp`,
	`elems.temp > 50`,
	`location WITHIN 20 MILES OF [40.7,-73.9]`,
}

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Expr
	}{
		{`elems.aNumber<=1`, M("elems", "aNumber").Lte(1)},
		{`description=="myFirstFlow"`, M("description").Eq("myFirstFlow")},
		{`foo == "a\"b\\c\'d"`, foo.Eq(`a"b\c'd`)},
		{`foo == 'it\'s'`, foo.Eq("it's")},
		{`foo == 'line1
line2'`, foo.Eq("line1\nline2")},
		{`foo == ''`, foo.Eq("")},
		{`elems.length<=elems.width`, M("elems", "length").Lte(M("elems", "width"))},
		{`path==description`, M("path").Eq(M("description"))},
		{`1 == foo`, CompareExpr{Left: NumberLit(1), Op: OpEq, Right: foo}},
		{`'a' != 'b'`, CompareExpr{Left: StringLit("a"), Op: OpNe, Right: StringLit("b")}},
		{`elems.counter % 100 == 0`, M("elems", "counter").Mod(100).Eq(0)},
		{`foo%3!=1`, foo.Mod(3).Ne(1)},
		{`foo % 2.5 == 0.5`, ModExpr{Member: foo, Divisor: 2.5, Op: OpEq, Remainder: 0.5}},
		{`path =~ /^\/alice\//i`, M("path").Matches("^/alice/", "i")},
		{`foo=~/a\\/imsxug`, foo.Matches(`a\\`, "imsxug")},
		{`foo =~ //`, foo.Matches("", "")},
		{`foo =~ /\d+ [a-z]/ && bar == 1`, And(foo.Matches(`\d+ [a-z]`, ""), bar.Eq(1))},
		{`elems.status IN ["shipped","delivered"]`, M("elems", "status").In("shipped", "delivered")},
		{`foo in [ 1 , 'a' , true , Date(5) ]`, foo.In(1, "a", true, Date(5))},
		{`foo IN []`, foo.In()},
		{`elems.ingredients CONTAINS ["potato","salad"]`, M("elems", "ingredients").Contains("potato", "salad")},
		{`location WITHIN 5 MILES OF [40.703987, -73.986759]`, M("location").Within(5, Miles).Of(40.703987, -73.986759)},
		{`location WITHIN 26.2 MILES OF [ZIP="11204"]`, M("location").Within(26.2, Miles).OfZip("11204")},
		{`location within 1 km of [zip=02108]`, M("location").Within(1, KM).OfZip("02108")},
		{`location WITHIN 1 Kilometers OF [ ZIP = '12345-6789' ]`, M("location").Within(1, Kilometers).OfZip("12345-6789")},
		{`location WITHIN 1 mile OF [0,0]`, M("location").Within(1, Mile).Of(0, 0)},
		{`location WITHIN 10 meters OF [1.5,-2]`, M("location").Within(10, Meters).Of(1.5, -2)},
		{`location WITHIN 10 FEET OF [1,2]`, M("location").Within(10, Feet).Of(1, 2)},
		{`location WITHIN 5KM OF [1,2]`, M("location").Within(5, KM).Of(1, 2)},
		{`location.$zip == '11201'`, M("location", "$zip").Eq("11201")},
		{`EXISTS elems.a`, Exists(M("elems", "a"))},
		{`exists $x`, Exists(M("$x"))},
		{`HAS boolean`, Has("boolean")},
		{`has SortedSet`, Has("sortedSet")},
		{`MATCHES /temp/i`, MatchesAny("temp", "i")},
		{`AGE < 3600000`, Age().Lt(3600000)},
		{`age('lastEditDate') >= 60000`, AgeOf("lastEditDate").Gte(60000)},
		{`AGE("elems.when") != 1 seconds`, AgeOf("elems.when").Unit(Seconds).Ne(1)},
		{`AGE > 5 minutes && foo == 1`, And(Age().Unit(Minutes).Gt(5), foo.Eq(1))},
		{`AGE>=1 Hours`, Age().Unit(Hours).Gte(1)},
		{`AGE<=2 days`, Age().Unit(Days).Lte(2)},
		{`AGE == 3 MILLISECONDS`, Age().Unit(Milliseconds).Eq(3)},
		{`NOT EXISTS elems.error`, Not(Exists(M("elems", "error")))},
		{`not not foo == 1`, Not(Not(foo.Eq(1)))},
		{`NOT foo == 1 && bar == 2`, And(Not(foo.Eq(1)), bar.Eq(2))},
		{`NOT (foo == 1 && bar == 2)`, Not(And(foo.Eq(1), bar.Eq(2)))},
		{`a == 1 || b == 2 && c == 3`, Or(M("a").Eq(1), And(M("b").Eq(2), M("c").Eq(3)))},
		{`(a == 1 || b == 2) && c == 3`, And(Or(M("a").Eq(1), M("b").Eq(2)), M("c").Eq(3))},
		{`a == 1 && b == 2 && c == 3`, And(M("a").Eq(1), M("b").Eq(2), M("c").Eq(3))},
		{`((((foo == 1))))`, foo.Eq(1)},
		{`(elems.a > 1) && (NOT (elems.b == 'x') || EXISTS elems.c)`, And(M("elems", "a").Gt(1), Or(Not(M("elems", "b").Eq("x")), Exists(M("elems", "c"))))},
		{`birthday>Date(1342404840000)`, M("birthday").Gt(Date(1342404840000))},
		{`anotherDrop==ObjectId('1234567890abcdef12345678')`, M("anotherDrop").Eq(ObjectID("1234567890abcdef12345678"))},
		{`reply_email==Email('a@b.com')`, M("reply_email").Eq(Email("a@b.com"))},
		{`foo == Now()`, foo.Eq(Ctor{Name: "Now"})},
		{`foo == Date (5)`, foo.Eq(Date(5))},
		{`foo IN [ Now ( ) ]`, foo.In(Ctor{Name: "Now"})},
		{`foo == Wrap(Date(1))`, foo.Eq(Ctor{Name: "Wrap", Arg: Date(1)})},
		{`foo == Flag(false)`, foo.Eq(Ctor{Name: "Flag", Arg: BoolLit(false)})},
		{`foo == TRUE`, foo.Eq(true)},
		{`foo == False`, foo.Eq(false)},
		{`foo == -3`, foo.Eq(-3)},
		{`foo == 007`, foo.Eq(7)},
		{`foo == 1.50`, foo.Eq(1.5)},
		{`foo == -0.5`, foo.Eq(-0.5)},
		{`foo>-1`, foo.Gt(-1)},
		{"\t foo\n==\r\n1 ", foo.Eq(1)},
		{`température > 5`, M("température").Gt(5)},
		{`in == 1`, M("in").Eq(1)},
		{`within IN [1]`, M("within").In(1)},
		{`a-b == c_d`, M("a-b").Eq(M("c_d"))},
		{`EXIſTS == 1`, M("EXIſTS").Eq(1)}, // not the keyword: no Unicode case folding
		{`elems.not.true == 1`, M("elems", "not", "true").Eq(1)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := Parse(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in       string
		pos      int
		expected string
		found    string
	}{
		{``, 0, "expression", ""},
		{`   `, 3, "expression", ""},
		{`foo == `, 7, "operand", ""},
		{`foo`, 3, "operator", ""},
		{`foo bar`, 4, "operator", "bar"},
		{`1 IN [1]`, 2, "comparison operator", "IN"},
		{`foo == 'abc`, 11, "closing '", ""},
		{`foo == "abc`, 11, `closing "`, ""},
		{`foo == 'a\nb'`, 9, `escape sequence \' \" or \\`, `\`},
		{`foo == 'a\`, 9, `escape sequence \' \" or \\`, `\`},
		{`foo == bar baz`, 11, "&&, || or end of input", "baz"},
		{`foo == 1 and bar == 2`, 9, "&&, || or end of input", "and"},
		{`foo == 1e5`, 8, "&&, || or end of input", "e5"},
		{`(foo == 1`, 9, `")"`, ""},
		{`()`, 1, "expression", ")"},
		{`foo =~ /abc`, 11, "closing '/' of regex", ""},
		{`foo =~ /abc\/`, 13, "closing '/' of regex", ""},
		{`foo =~ /abc/q`, 12, "regex flag (imsxug)", "q"},
		{`foo =~ /abc/iI`, 13, "regex flag (imsxug)", "I"},
		{`foo =~ abc`, 7, "regex /…/", "abc"},
		{`MATCHES foo`, 8, "regex /…/", "foo"},
		{`HAS nope`, 4, "element type name", "nope"},
		{`HAS a.b`, 4, "element type name", "a.b"},
		{`EXISTS`, 6, "member", ""},
		{`EXISTS not`, 7, "member", "not"},
		{`EXISTS 'a'`, 7, "member", "'a'"},
		{`not == 1`, 4, "expression", "=="},
		{`foo == not`, 7, "operand", "not"},
		{`foo == exists.x`, 7, "operand", "exists.x"},
		{`true.x == 1`, 0, "expression", "true.x"},
		{`foo == NOT(1)`, 7, "operand", "NOT"},
		{`foo.bar(1) == 1`, 0, "expression", "foo.bar"},
		{`foo. bar == 1`, 4, "name after '.'", " "},
		{`foo.1 == 1`, 4, "name after '.'", "1"},
		{`foo & bar`, 4, "operator", "&"},
		{`foo ! bar`, 4, "operator", "!"},
		{`foo == @`, 7, "operand", "@"},
		{`foo == €`, 7, "operand", "€"},
		{`- 1 == foo`, 0, "expression", "-"},
		{`foo WITHIN 5 LEAGUES OF [1,2]`, 13, "distance unit (MILES, MILE, KM, KILOMETERS, METERS or FEET)", "LEAGUES"},
		{`foo WITHIN 5 'KM' OF [1,2]`, 13, "distance unit (MILES, MILE, KM, KILOMETERS, METERS or FEET)", "'KM'"},
		{`foo WITHIN 5 mıle OF [1,2]`, 13, "distance unit (MILES, MILE, KM, KILOMETERS, METERS or FEET)", "mıle"},
		{`AGE > 1 mınutes`, 8, "&&, || or end of input", "mınutes"},
		{`foo WITHIN 5 KM [1,2]`, 16, "OF", "["},
		{`foo WITHIN x KM OF [1,2]`, 11, "distance", "x"},
		{`foo WITHIN 5 KM OF 1,2`, 19, `"["`, "1"},
		{`foo WITHIN 5 KM OF [ZIP='']`, 24, "ZIP code", "''"},
		{`foo WITHIN 5 KM OF [ZIP=1.5]`, 24, "ZIP code", "1.5"},
		{`foo WITHIN 5 KM OF [ZIP=-123]`, 24, "ZIP code", "-123"},
		{`foo WITHIN 5 KM OF [ZIP 123]`, 24, `"="`, "123"},
		{`foo WITHIN 5 KM OF [x,2]`, 20, "latitude or ZIP", "x"},
		{`foo WITHIN 5 KM OF [1 2]`, 22, `","`, "2"},
		{`foo WITHIN 5 KM OF [1,y]`, 22, "longitude", "y"},
		{`foo WITHIN 5 KM OF [1,2`, 23, `"]"`, ""},
		{`foo IN [1,]`, 10, "literal", "]"},
		{`foo IN [,1]`, 8, "literal", ","},
		{`foo IN [1 2]`, 10, `","`, "2"},
		{`foo IN [bar]`, 8, "literal", "bar"},
		{`foo IN [1`, 9, `","`, ""},
		{`foo IN 1`, 7, `"["`, "1"},
		{`foo % 2 = 1`, 8, `"==" or "!="`, "="},
		{`foo % 2 < 1`, 8, `"==" or "!="`, "<"},
		{`foo % x == 1`, 6, "divisor", "x"},
		{`foo % 2 == x`, 11, "remainder", "x"},
		{`AGE('') > 1`, 4, "date member name in quotes", "''"},
		{`AGE(x) > 1`, 4, "date member name in quotes", "x"},
		{`AGE('x' > 1`, 8, `")"`, ">"},
		{`AGE > x`, 6, "number", "x"},
		{`AGE ~ 1`, 4, "comparison operator", "~"},
		{`AGE IN [1]`, 4, "comparison operator", "IN"},
		{`foo == Date(1`, 13, `")"`, ""},
		{`foo == Date(,)`, 12, "literal or ')'", ","},
		{`foo == Date(bar)`, 12, "literal or ')'", "bar"},
		{`foo IN [Date(]`, 13, "literal or ')'", "]"},
		// lexer errors right after each construct's leading token
		{`NOT 'a`, 6, "closing '", ""},
		{`x == 1 && 'a`, 12, "closing '", ""},
		{`( 'a`, 4, "closing '", ""},
		{`EXISTS 'a`, 9, "closing '", ""},
		{`HAS 'a`, 6, "closing '", ""},
		{`MATCHES 'a`, 10, "closing '", ""},
		{`foo 'a`, 6, "closing '", ""},
		{`foo == Date('a`, 14, "closing '", ""},
		{`foo IN [x 'a`, 8, "literal", "x"},
		{`foo.`, 4, "name after '.'", ""},
		{`foo == 1` + strings.Repeat("0", 400), 7, "number within float64 range", "1" + strings.Repeat("0", 39)},
		{`foo == 1 ` + strings.Repeat("é", 30), 9, "&&, || or end of input", strings.Repeat("é", 20)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			e, err := Parse(tc.in)
			require.Error(t, err)
			assert.Nil(t, e)
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tc.pos, se.Pos, "position")
			assert.Equal(t, tc.expected, se.Expected, "expected")
			assert.Equal(t, tc.found, se.Found, "found")
			assert.False(t, errors.Is(err, ErrInvalid), "syntax errors are not validation errors")
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := Parse("foo == ")
	require.Error(t, err)
	assert.EqualError(t, err, "filter: at position 7: expected operand, found end of input")

	_, err = Parse("foo == bar baz")
	require.Error(t, err)
	assert.EqualError(t, err, `filter: at position 11: expected &&, || or end of input, found "baz"`)
}

func TestParseDepthLimit(t *testing.T) {
	const leaf = "foo == 1"
	tests := []struct {
		name string
		in   string
		ok   bool
		pos  int
	}{
		{"NOT at the limit", strings.Repeat("NOT ", MaxDepth-1) + leaf, true, 0},
		{"NOT over the limit", strings.Repeat("NOT ", MaxDepth) + leaf, false, 0},
		{"parentheses without nodes", strings.Repeat("(", 300) + leaf + strings.Repeat(")", 300), true, 0},
		{"parentheses over the recursion limit", strings.Repeat("(", 2*MaxDepth+1) + leaf + strings.Repeat(")", 2*MaxDepth+1), false, 2 * MaxDepth},
		{"flat chain at the limit", strings.Repeat(leaf+" && ", MaxDepth-1) + leaf, true, 0},
		{"flat chain over the limit", strings.Repeat(leaf+" && ", MaxDepth) + leaf, false, (MaxDepth-1)*len(leaf+" && ") + len(leaf) + 1},
		{"constructors over the limit", "foo == " + strings.Repeat("C(", MaxDepth) + "1" + strings.Repeat(")", MaxDepth), false, 7},
		{"constructors in a list over the limit", "foo IN [" + strings.Repeat("C(", MaxDepth) + "1" + strings.Repeat(")", MaxDepth) + "]", false, 8},
		{"hostile input", strings.Repeat("(NOT ", 100000), false, 2 * MaxDepth / 2 * len("(NOT ")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse(tc.in)
			if tc.ok {
				require.NoError(t, err)
				s, err := Render(e)
				require.NoError(t, err)
				back, err := Parse(s)
				require.NoError(t, err)
				assert.Equal(t, e, back)
				return
			}
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "at most 256 levels of nesting", se.Expected)
			if tc.pos > 0 {
				assert.Equal(t, tc.pos, se.Pos)
			}
		})
	}
}

// TestDepthAgreement builds the most parenthesis-hungry trees — NOT over &&
// over NOT …, with constructors at the bottom — and checks that Validate and
// Parse agree on the limit.
func TestDepthAgreement(t *testing.T) {
	build := func(height int) Expr {
		leaf := Literal(NumberLit(1))
		for range height / 4 {
			leaf = Ctor{Name: "C", Arg: leaf}
		}
		e := foo.Eq(leaf)
		for h := height/4 + 1; h < height; h++ {
			if h%2 == 0 {
				e = Not(e)
			} else {
				e = And(e, Exists(bar))
			}
		}
		return e
	}
	e := build(MaxDepth)
	s, err := Render(e)
	require.NoError(t, err)
	back, err := Parse(s)
	require.NoError(t, err)
	assert.Equal(t, e, back)

	tooDeep := build(MaxDepth + 1)
	require.ErrorIs(t, Validate(tooDeep), ErrInvalid)
	_, err = Parse(tooDeep.String())
	var se *SyntaxError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "at most 256 levels of nesting", se.Expected)
}

// TestRoundTrip checks Render(Parse(s)) is a fixed point for the protocol
// examples, and that Parse of it gives the same tree.
func TestRoundTrip(t *testing.T) {
	for _, s := range protocolExamples {
		t.Run(s, func(t *testing.T) { checkRoundTrip(t, s) })
	}
}

func checkRoundTrip(t *testing.T, s string) {
	t.Helper()
	e, err := Parse(s)
	if err != nil {
		return
	}
	r1, err := Render(e)
	require.NoError(t, err, "parsed but does not render: %q", s)
	e2, err := Parse(r1)
	require.NoError(t, err, "rendered form does not parse: %q", r1)
	require.Equal(t, e, e2, "re-parse differs: %q -> %q", s, r1)
	r2, err := Render(e2)
	require.NoError(t, err)
	require.Equal(t, r1, r2)
}

// A lone surrogate (a JavaScript string cut inside a character, which the
// wasm module reads as WTF-8) or any invalid UTF-8 is refused by Parse and
// Render alike, never turned into U+FFFD.
func TestNotUnicodeRefused(t *testing.T) {
	lone := "\xed\xa0\x80" // WTF-8 of U+D800
	for _, src := range []string{"name == '" + lone + "'", "x =~ /a" + lone + "/", "x == 'a\xff'"} {
		_, err := Parse(src)
		var se *SyntaxError
		require.ErrorAs(t, err, &se, src)
		assert.Contains(t, se.Expected, "valid Unicode text")
	}
	for _, e := range []Expr{M("name").Eq(lone), M("x").Matches("a"+lone, "")} {
		_, err := Render(e)
		require.ErrorIs(t, err, ErrInvalid)
		assert.Contains(t, err.Error(), "not valid Unicode text")
	}
	out, err := Render(M("name").Eq("😀"))
	require.NoError(t, err)
	assert.Equal(t, "name == '😀'", out)
}
