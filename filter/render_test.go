package filter

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	foo = M("foo")
	bar = M("bar")
)

// renderCases are the byte-exact rendering contract of the builder.
var renderCases = []struct {
	name string
	expr Expr
	want string
}{
	{"eq", foo.Eq(1), "foo == 1"},
	{"ne", foo.Ne(1), "foo != 1"},
	{"gt", foo.Gt(1), "foo > 1"},
	{"ge", foo.Gte(1), "foo >= 1"},
	{"lt", foo.Lt(1), "foo < 1"},
	{"le", foo.Lte(1), "foo <= 1"},
	{"bool", foo.Eq(true), "foo == true"},
	{"false", foo.Ne(false), "foo != false"},
	{"quote escaped", foo.Eq("it's"), `foo == 'it\'s'`},
	{"backslash escaped", foo.Eq(`a\b`), `foo == 'a\\b'`},
	{"injection stays inside the literal", foo.Eq(`x' || bar == 'y`), `foo == 'x\' || bar == \'y'`},
	{"backslash before quote", foo.Eq(`\'`), `foo == '\\\''`},
	{"double quote kept", foo.Eq(`say "hi"`), `foo == 'say "hi"'`},
	{"regex slash escaped", foo.Matches("/foo", "i"), `foo =~ /\/foo/i`},
	{"regex escaped slash kept", foo.Matches(`\/foo`, "i"), `foo =~ /\/foo/i`},
	{"regex escaped backslash then slash", foo.Matches(`a\\/b`, ""), `foo =~ /a\\\/b/`},
	{"regex other escapes kept", foo.Matches(`\d+\.\w`, "imsxug"), `foo =~ /\d+\.\w/imsxug`},
	{"in", foo.In(1, 2, 3), "foo IN [1,2,3]"},
	{"in mixed", foo.In("a", true, 1.5, Date(7)), "foo IN ['a',true,1.5,Date(7)]"},
	{"in empty", foo.In(), "foo IN []"},
	{"contains", foo.Contains(1, 2, 3), "foo CONTAINS [1,2,3]"},
	{"within km", foo.Within(5, KM).Of(1, 2), "foo WITHIN 5 KM OF [1,2]"},
	{"within zip", foo.Within(5, KM).OfZip("123"), "foo WITHIN 5 KM OF [ZIP=123]"},
	{"within zip leading zero", foo.Within(1, Mile).OfZip("02108"), "foo WITHIN 1 MILE OF [ZIP=02108]"},
	{"within zip quoted", foo.Within(1, Feet).OfZip("12345-6789"), "foo WITHIN 1 FEET OF [ZIP='12345-6789']"},
	{"within default unit", foo.Within(5, "").Of(1, 2), "foo WITHIN 5 MILES OF [1,2]"},
	{"within unit any case", foo.Within(26.2, "kilometers").Of(40.703987, -73.986759), "foo WITHIN 26.2 KILOMETERS OF [40.703987,-73.986759]"},
	{"within meters", foo.Within(100, "Meters").Of(0, 0), "foo WITHIN 100 METERS OF [0,0]"},
	{"mod eq", foo.Mod(100).Eq(0), "foo % 100 == 0"},
	{"mod ne", foo.Mod(3).Ne(-1), "foo % 3 != -1"},
	{"age", Age().Gt(123), "AGE > 123"},
	{"age of", AgeOf("lastEditDate").Eq(123), "AGE('lastEditDate') == 123"},
	{"age of empty is age", AgeOf("").Lte(1), "AGE <= 1"},
	{"age unit", Age().Unit("minutes").Lt(5), "AGE < 5 MINUTES"},
	{"age units", AgeOf("x").Unit(Days).Gte(2), "AGE('x') >= 2 DAYS"},
	{"age other ops", Or(Age().Ne(1), Age().Gte(2), Age().Lte(3)), "((AGE != 1) || (AGE >= 2)) || (AGE <= 3)"},
	{"exists", Exists(foo), "EXISTS foo"},
	{"has", Has("boolean"), "HAS boolean"},
	{"has canonical case", Has("SORTEDSET"), "HAS sortedSet"},
	{"matches", MatchesAny("foo", "i"), "MATCHES /foo/i"},
	{"not", Not(foo.Eq(1)), "NOT foo == 1"},
	{"not not", Not(Not(Exists(foo))), "NOT NOT EXISTS foo"},
	{"not binary", Not(And(foo.Eq(1), bar.Eq(2))), "NOT ((foo == 1) && (bar == 2))"},
	{"and", And(foo.Eq(1), bar.Eq(2)), "(foo == 1) && (bar == 2)"},
	{"or", Or(foo.Eq(1), bar.Eq(2)), "(foo == 1) || (bar == 2)"},
	{"and folds left", And(foo.Eq(1), bar.Eq(2), Exists(foo)), "((foo == 1) && (bar == 2)) && (EXISTS foo)"},
	{"or folds left", Or(foo.Eq(1), bar.Eq(2), Exists(foo)), "((foo == 1) || (bar == 2)) || (EXISTS foo)"},
	{"and of one", And(foo.Eq(1)), "foo == 1"},
	{"nested and or", And(Or(foo.Eq(1), bar.Eq(2)), Not(Exists(bar))), "((foo == 1) || (bar == 2)) && (NOT EXISTS bar)"},
	{"big integer", foo.Eq(1342404840000), "foo == 1342404840000"},
	{"fraction", foo.Eq(5.5), "foo == 5.5"},
	{"negative", foo.Eq(-3), "foo == -3"},
	{"float without trailing zeros", foo.Eq(2.50), "foo == 2.5"},
	{"huge float without exponent", foo.Eq(1e21), "foo == 1000000000000000000000"},
	{"tiny float without exponent", foo.Eq(1e-7), "foo == 0.0000001"},
	{"float32", foo.Eq(float32(0.5)), "foo == 0.5"},
	{"int kinds", And(foo.Eq(int8(-8)), foo.Eq(int16(16)), foo.Eq(int32(32)), foo.Eq(int64(64))), "(((foo == -8) && (foo == 16)) && (foo == 32)) && (foo == 64)"},
	{"uint kinds", And(foo.Eq(uint(1)), foo.Eq(uint8(8)), foo.Eq(uint16(16)), foo.Eq(uint32(32)), foo.Eq(uint64(64))), "((((foo == 1) && (foo == 8)) && (foo == 16)) && (foo == 32)) && (foo == 64)"},
	{"largest exact integer", foo.Eq(int64(1) << 53), "foo == 9007199254740992"},
	{"date", M("birthday").Gt(Date(1342404840000)), "birthday > Date(1342404840000)"},
	{"object id", M("anotherDrop").Eq(ObjectID("1234567890abcdef12345678")), "anotherDrop == ObjectId('1234567890abcdef12345678')"},
	{"email", M("reply_email").Eq(Email("a@b.com")), "reply_email == Email('a@b.com')"},
	{"ctor without argument", foo.Eq(Ctor{Name: "Now"}), "foo == Now()"},
	{"literal values", foo.Eq(StringLit("x")), "foo == 'x'"},
	{"member vs member", M("elems", "length").Lte(M("elems", "width")), "elems.length <= elems.width"},
	{"dot and index", M("elems").Dot("foo").Index("bar").Eq(1), "elems.foo.bar == 1"},
	{"multi-segment M", M("elems", "foo", "bar").Eq(1), "elems.foo.bar == 1"},
	{"dollar selector", M("location", "$zip").Eq("11201"), "location.$zip == '11201'"},
	{"names with digits, dashes, unicode", M("_a1", "b-2", "température").Eq(1), "_a1.b-2.température == 1"},
	{"keyword after first segment", M("elems", "not", "in").Eq(1), "elems.not.in == 1"},
}

func TestRenderContract(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.expr)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.want, tc.expr.String())
		})
	}
}

// TestBuilderParseRoundTrip checks that the parser produces exactly the tree
// the builder makes.
func TestBuilderParseRoundTrip(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.want)
			require.NoError(t, err)
			assert.Equal(t, tc.expr, got)
		})
	}
}

func TestDotDoesNotAlias(t *testing.T) {
	base := make(Member, 1, 4)
	base[0] = "elems"
	a, b := base.Dot("a"), base.Dot("b")
	assert.Equal(t, Member{"elems", "a"}, a)
	assert.Equal(t, Member{"elems", "b"}, b)
	assert.Equal(t, Member{"elems"}, base)
}

func TestValidateErrors(t *testing.T) {
	deepNot := Exists(foo)
	for range MaxDepth {
		deepNot = Not(deepNot)
	}
	deepCtor := Literal(NumberLit(1))
	for range MaxDepth {
		deepCtor = Ctor{Name: "C", Arg: deepCtor}
	}
	tests := []struct {
		name string
		expr Expr
		want string
	}{
		{"space in member", M("a b").Eq(1), `member name "a b" is not a valid name`},
		{"leading digit", M("1a").Eq(1), `"1a" is not a valid name`},
		{"quote in member", M("it's").Eq(1), `"it's" is not a valid name`},
		{"dot inside a segment", M("elems.foo").Eq(1), `"elems.foo" is not a valid name`},
		{"empty later segment", M("elems", "").Eq(1), `member segment "" is not a valid name`},
		{"operator in later segment", M("elems", "a==b").Eq(1), `member segment "a==b"`},
		{"empty member", M().Eq(1), "empty member path"},
		{"reserved first segment", M("not").Eq(1), `"not" is a reserved word`},
		{"reserved boolean", Exists(M("TRUE")), `"TRUE" is a reserved word`},
		{"reserved member on the right", foo.Eq(M("age")), `"age" is a reserved word`},
		{"NaN", foo.Eq(math.NaN()), "number NaN is not finite"},
		{"Inf", foo.Gt(math.Inf(-1)), "number -Inf is not finite"},
		{"NaN in list", foo.In(1, math.NaN()), "not finite"},
		{"unsupported type", foo.Eq(struct{}{}), "unsupported value type"},
		{"nil value", foo.Eq(nil), "unsupported value type"},
		{"inexact int", foo.Eq(int64(1)<<53 + 1), "beyond ±2^53"},
		{"inexact negative int", foo.Eq(-(int64(1)<<53 + 1)), "beyond ±2^53"},
		{"inexact uint", foo.Eq(uint64(math.MaxUint64)), "beyond ±2^53"},
		{"member in list", foo.In(1, bar), `member "bar" used where a literal is required`},
		{"unknown unit", foo.Within(5, "furlongs").Of(1, 2), `unknown distance unit "FURLONGS"`},
		{"NaN distance", foo.Within(math.NaN(), KM).Of(1, 2), "not finite"},
		{"Inf latitude", foo.Within(1, KM).Of(math.Inf(1), 2), "not finite"},
		{"empty zip", foo.Within(1, KM).OfZip(""), "empty ZIP code"},
		{"unknown flag", foo.Matches("x", "iz"), "unknown regex flag 'z'"},
		{"upper-case flag", MatchesAny("x", "I"), "unknown regex flag 'I'"},
		{"lone trailing backslash", foo.Matches(`x\`, ""), "ends with a lone backslash"},
		{"three trailing backslashes", MatchesAny(`x\\\`, ""), "ends with a lone backslash"},
		{"unknown type", Has("nope"), `unknown element type "nope" (want one of boolean, integer, long, float, string, text, email, url, date, id, flowRef, dropRef, map, sortedMap, list, set, sortedSet, media, location)`},
		{"non-canonical type", HasExpr{Type: "Boolean"}, `unknown element type "Boolean"`},
		{"unknown time unit", Age().Unit("weeks").Gt(1), `unknown time unit "WEEKS"`},
		{"Inf age", Age().Gt(math.Inf(1)), "not finite"},
		{"inexact modulo", foo.Mod(1 << 60).Eq(0), "beyond ±2^53"},
		{"inexact remainder", foo.Mod(3).Ne(-1 << 60), "beyond ±2^53"},
		{"NaN divisor", ModExpr{Member: foo, Divisor: math.NaN(), Op: OpEq}, "not finite"},
		{"empty and", And(), "&& needs at least one expression"},
		{"empty or", Or(), "|| needs at least one expression"},
		{"not nil", Not(nil), "missing expression"},
		{"and with nil", And(foo.Eq(1), nil), "missing expression"},
		{"nil root", nil, "missing expression"},
		{"inexact date", foo.Eq(Date(1 << 60)), "beyond ±2^53"},
		{"bad ctor name", foo.Eq(Ctor{Name: "a b"}), `constructor name "a b" is not a valid name`},
		{"reserved ctor name", foo.Eq(Ctor{Name: "NOT"}), `constructor name "NOT" is a reserved word`},
		{"nil operand", CompareExpr{Left: foo, Op: OpEq}, "missing or unsupported operand"},
		{"nil literal in list", ListExpr{Member: foo, Op: OpIn, Values: []Literal{nil}}, "missing or unsupported literal"},
		{"bad compare op", CompareExpr{Left: foo, Op: "=", Right: NumberLit(1)}, `unknown operator "="`},
		{"bad list op", ListExpr{Member: foo, Op: "NOPE"}, `unknown operator "NOPE"`},
		{"bad mod op", ModExpr{Member: foo, Divisor: 2, Op: OpLt}, `unknown operator "<"`},
		{"bad age op", AgeExpr{Value: 1}, `unknown operator ""`},
		{"bad bool op", BinaryExpr{Op: "^", Left: Exists(foo), Right: Exists(foo)}, `unknown operator "^"`},
		{"pointer node", &CompareExpr{Left: foo, Op: OpEq, Right: NumberLit(1)}, "unsupported expression node"},
		{"too deep", Not(deepNot), "nested deeper than 256 levels"},
		{"too deep and", And(deepAnd(MaxDepth)...), "nested deeper than 256 levels"},
		{"too deep ctor", foo.Eq(deepCtor), "nested deeper than 256 levels"},
		{"too deep ctor in list", foo.In(deepCtor), "nested deeper than 256 levels"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.expr)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), tc.want)
			assert.True(t, strings.HasPrefix(err.Error(), "filter: invalid filter: "), err.Error())
			assert.Empty(t, got)
		})
	}
}

func deepAnd(n int) []Expr {
	es := make([]Expr, n+1)
	for i := range es {
		es[i] = Exists(foo)
	}
	return es
}

func TestMaxDepthIsReachable(t *testing.T) {
	e := Exists(foo)
	for range MaxDepth - 1 {
		e = Not(e)
	}
	s, err := Render(e)
	require.NoError(t, err)
	back, err := Parse(s)
	require.NoError(t, err)
	assert.Equal(t, e, back)

	and := And(deepAnd(MaxDepth - 1)...)
	s, err = Render(and)
	require.NoError(t, err)
	back, err = Parse(s)
	require.NoError(t, err)
	assert.Equal(t, and, back)
}

// TestStringNeverPanics covers the debug rendering of trees Validate rejects.
func TestStringNeverPanics(t *testing.T) {
	tests := []struct {
		expr Expr
		want string
	}{
		{Not(nil), "NOT <nil>"},
		{CompareExpr{Left: foo, Op: OpEq}, "foo == <nil>"},
		{foo.Eq(struct{}{}), "foo == <filter: invalid filter: unsupported value type; want string, bool, integer, float, Member or Literal>"},
		{And(), "<filter: invalid filter: && needs at least one expression>"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.expr.String())
	}
}

func TestLiteralStrings(t *testing.T) {
	assert.Equal(t, `'a\'b'`, StringLit("a'b").String())
	assert.Equal(t, "-0.25", NumberLit(-0.25).String())
	assert.Equal(t, "true", BoolLit(true).String())
	assert.Equal(t, "Date(5)", Date(5).String())
	assert.Equal(t, "a.$b", M("a", "$b").String())
}

func TestUnits(t *testing.T) {
	tests := []struct {
		unit    Unit
		perMile float64
	}{
		{Miles, 1}, {Mile, 1}, {KM, 1.609344}, {Kilometers, 1.609344},
		{Meters, 1609.344}, {Feet, 5280}, {"km", 0}, {"", 0},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.perMile, tc.unit.PerMile(), tc.unit)
	}
	times := []struct {
		unit   TimeUnit
		millis float64
	}{
		{"", 1}, {Milliseconds, 1}, {Seconds, 1000}, {Minutes, 60000},
		{Hours, 3600000}, {Days, 86400000}, {"WEEKS", 0},
	}
	for _, tc := range times {
		assert.Equal(t, tc.millis, tc.unit.Millis(), tc.unit)
	}
}

func TestElemType(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"boolean", "boolean", true},
		{"SORTEDMAP", "sortedMap", true},
		{"flowref", "flowRef", true},
		{"location", "location", true},
		{"nope", "", false},
		{"ſtring", "", false}, // a Unicode fold of "string" is not the type name
	}
	for _, tc := range tests {
		got, ok := ElemType(tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestElemTypes(t *testing.T) {
	types := ElemTypes()
	require.Len(t, types, 19)
	for _, name := range types {
		assert.True(t, IsElemType(name), name)
	}
	for _, name := range []string{"", "flowref", "Float", "double"} {
		assert.False(t, IsElemType(name), name)
	}
	types[0] = "changed"
	assert.Equal(t, "boolean", ElemTypes()[0], "ElemTypes returns a copy")
}

func TestInspect(t *testing.T) {
	w := foo.Within(5, KM).Of(1, 2).(WithinExpr)
	e := And(Exists(foo), Not(Or(bar.Eq(1), w)))
	var seen []string
	Inspect(e, func(e Expr) bool {
		seen = append(seen, e.String())
		return true
	})
	assert.Equal(t, []string{
		e.String(), "EXISTS foo", "NOT ((bar == 1) || (foo WITHIN 5 KM OF [1,2]))",
		"(bar == 1) || (foo WITHIN 5 KM OF [1,2])", "bar == 1", "foo WITHIN 5 KM OF [1,2]",
	}, seen)

	var found []WithinExpr
	Inspect(e, func(e Expr) bool {
		if w, ok := e.(WithinExpr); ok {
			found = append(found, w)
		}
		_, isNot := e.(NotExpr)
		return !isNot // prune below NOT
	})
	assert.Empty(t, found)

	Inspect(nil, func(Expr) bool { t.Fatal("called for nil"); return true })
}
