package match

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/filter"
)

const (
	nowMs   = 1_700_000_000_000
	flowID  = "f54ad9d8bd4c68117a914ba24"
	dropID  = "d1234567890abcdef12345678"
	otherID = "d0000000000000000000000aa"
)

var opts = Options{Now: func() int64 { return nowMs }, Regex: testRegex}

// testRegex is the tests' regex engine: Go's regexp with the flags i, m
// and s, and no translation from Java's dialect (package filter/eval has
// that, and its tests).
func testRegex(pattern, flags string) (Regexp, error) {
	var modes string
	for _, f := range flags {
		if strings.ContainsRune("ims", f) {
			modes += string(f)
		}
	}
	if modes != "" {
		pattern = "(?" + modes + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	return re, nil
}

// drop has plain and typed elements of every kind the tests need; it is
// built afresh per call so tests cannot leak changes into each other.
func drop() map[string]any {
	return map[string]any{
		"id":           dropID,
		"flowId":       flowID,
		"path":         "/alice/sensor",
		"creationDate": float64(nowMs - 30*60*1000),  // 30 minutes old
		"lastEditDate": json.Number("1699999940000"), // 60 s old
		"version":      int64(2),
		"location": map[string]any{
			"lat": 40.6188, "lon": -73.9845,
			"specifiers": map[string]any{"zip": "11204", "city": "Brooklyn", "state": "NY", "street": "86th St"},
		},
		"elems": map[string]any{
			"aNumber":      1,
			"length":       3.0,
			"width":        json.Number("4"),
			"shipped":      true,
			"status":       "shipped",
			"counter":      300,
			"negative":     int32(-7),
			"ratio":        2.5,
			"version":      "shadowed by the drop's version",
			"fhash":        "an element, since the drop has no fhash",
			"name":         typed("string", "foo"),
			"error_rate":   typed("float", 0.15),
			"birthday":     typed("date", 1302547651168),
			"reply_email":  typed("email", "Someone@Example.com"),
			"homepage":     typed("url", "https://example.com/a"),
			"notes":        typed("text", "Temperature reading"),
			"owner":        typed("id", "i54ad6428d4c6b0419a01927f"),
			"source":       typed("flowRef", flowID),
			"status_codes": typed("sortedSet", []any{typed("integer", 75), typed("integer", 100)}),
			"stats":        map[string]any{"voltage": 15.4, "temp": 30.4},
			"typedStats":   typed("map", map[string]any{"voltage": typed("float", 15.4)}),
			"ingredients":  []any{"potato", "salad", "egg"},
			"tags":         typed("list", []any{typed("string", "Hot"), "dry"}),
			"anotherDrop":  typed("dropRef", map[string]any{"flowId": typed("id", flowID), "dropId": typed("id", otherID)}),
			"plainRef":     map[string]any{"flowId": flowID, "dropId": otherID},
			"where":        typed("location", map[string]any{"lat": typed("float", 40.7506), "lon": -73.9971}),
			"zipOnly":      map[string]any{"specifiers": map[string]any{"zip": "10001"}},
			"nothing":      nil,
			"zero":         0,
			"no":           false,
			"notTyped":     map[string]any{"type": "nope", "value": 1},
			"threeKeys":    map[string]any{"type": "string", "value": "x", "extra": 1},
		},
	}
}

func typed(t string, v any) map[string]any { return map[string]any{"type": t, "value": v} }

// flow is a non-drop object: members are its own JSON members.
func flow() map[string]any {
	return map[string]any{
		"id":          flowID,
		"path":        "/alice/sensor",
		"description": "myFirstFlow",
		"capacity":    1000,
		"public":      false,
		"destination": []any{"/alice/a", "/alice/b"},
		"owner":       map[string]any{"name": "Alice"},
	}
}

func match(t *testing.T, src string, obj map[string]any) bool {
	t.Helper()
	e, err := filter.Parse(src)
	require.NoError(t, err)
	p, err := Compile(e, opts)
	require.NoError(t, err)
	return p.Match(obj)
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name   string
		filter string
		obj    map[string]any
		want   bool
	}{
		// fixed-value compare
		{"number le", `elems.aNumber<=1`, drop(), true},
		{"number lt", `elems.aNumber<1`, drop(), false},
		{"bare name resolves under elems", `aNumber == 1`, drop(), true},
		{"int vs float", `elems.length == 3`, drop(), true},
		{"json.Number", `width > 3.5`, drop(), true},
		{"json.Number ge", `width >= 4.5`, drop(), false},
		{"float gt", `ratio > 2`, drop(), true},
		// strings
		{"string eq double quotes", `status=="shipped"`, drop(), true},
		{"string eq single quotes", `status == 'delivered'`, drop(), false},
		{"string order", `status > 'a'`, drop(), true},
		{"typed string", `name == 'foo'`, drop(), true},
		{"typed text", `notes == 'Temperature reading'`, drop(), true},
		{"typed url", `homepage == 'https://example.com/a'`, drop(), true},
		{"top-level path", `path == '/alice/sensor'`, drop(), true},
		{"flow description", `description=="myFirstFlow"`, flow(), true},
		{"flow description differs", `description=="other"`, flow(), false},
		// booleans
		{"bool ne", `elems.shipped!=true`, drop(), false},
		{"bool eq", `shipped == TRUE`, drop(), true},
		{"false is a value", `no == false`, drop(), true},
		{"bool unordered", `shipped > false`, drop(), false},
		// member vs member
		{"member vs member", `elems.length<=elems.width`, drop(), true},
		{"member vs member false", `elems.length>elems.width`, drop(), false},
		{"member vs missing member", `elems.length != elems.missing`, drop(), false},
		{"flow members", `path==description`, flow(), false},
		{"literal on the left", `2 < aNumber`, drop(), false},
		{"two literals", `1 == 1`, drop(), true},
		// modulo
		{"modulo eq", `elems.counter % 100 == 0`, drop(), true},
		{"modulo ne", `elems.counter % 7 != 6`, drop(), false},
		{"modulo ne true", `elems.counter % 7 != 1`, drop(), true},
		{"modulo keeps the sign", `negative % 3 == -1`, drop(), true},
		{"modulo of a fraction", `ratio % 2 == 0`, drop(), false},
		{"modulo of a string", `status % 2 == 0`, drop(), false},
		{"modulo of a list", `status_codes % 25 == 0`, drop(), true},
		// regex
		{"regex path", `path =~ /^\/alice\//i`, drop(), true},
		{"regex find", `status =~ /hip/`, drop(), true},
		{"regex case", `status =~ /HIP/`, drop(), false},
		{"regex flag i", `status =~ /HIP/i`, drop(), true},
		{"regex typed", `notes =~ /^temp/i`, drop(), true},
		{"regex array element", `ingredients =~ /^sal/`, drop(), true},
		{"regex number", `aNumber =~ /1/`, drop(), false},
		{"regex missing", `missing =~ /x/`, drop(), false},
		// IN / CONTAINS
		{"in", `elems.status IN ["shipped","delivered"]`, drop(), true},
		{"in miss", `elems.status IN ["lost"]`, drop(), false},
		{"in numbers", `counter IN [1, 300.0]`, drop(), true},
		{"in empty", `status IN []`, drop(), false},
		{"in array member", `ingredients IN ["egg"]`, drop(), true},
		{"contains", `elems.ingredients CONTAINS ["potato","salad"]`, drop(), true},
		{"contains all required", `ingredients CONTAINS ["potato","ham"]`, drop(), false},
		{"contains typed list", `tags CONTAINS ["Hot","dry"]`, drop(), true},
		{"contains typed set", `status_codes CONTAINS [100]`, drop(), true},
		{"contains empty", `ingredients CONTAINS []`, drop(), false},
		{"contains on a scalar", `status CONTAINS ["shipped"]`, drop(), false},
		{"flow array member eq", `destination == '/alice/b'`, flow(), true},
		{"flow array member eq miss", `destination == '/alice/c'`, flow(), false},
		{"flow array member ne", `destination != '/alice/b'`, flow(), false},
		{"flow array member ne true", `destination != '/alice/c'`, flow(), true},
		{"array order any element", `status_codes > 99`, drop(), true},
		// WITHIN
		{"within coords", `location WITHIN 5 MILES OF [40.703987, -73.986759]`, drop(), false},
		{"within coords far enough", `location WITHIN 6 MILES OF [40.703987, -73.986759]`, drop(), true},
		{"within zip", `location WITHIN 26.2 MILES OF [ZIP="11204"]`, drop(), true},
		{"within zip other city", `location WITHIN 100 MILES OF [ZIP=60601]`, drop(), false},
		{"within typed location elem", `where WITHIN 100 METERS OF [ZIP=10001]`, drop(), true},
		{"within zip-only location", `zipOnly WITHIN 1 FEET OF [40.7506,-73.9971]`, drop(), true},
		{"within not a location", `status WITHIN 1 KM OF [0,0]`, drop(), false},
		{"within missing", `missing WITHIN 1 KM OF [0,0]`, drop(), false},
		// location selectors
		{"selector zip", `location.$zip == '11204'`, drop(), true},
		{"selector latitude", `location.$latitude > 40.6`, drop(), true},
		{"selector longitude", `location.$longitude > 0`, drop(), false},
		{"selector street", `location.$street == '86th St'`, drop(), true},
		{"selector city", `location.$city == 'Brooklyn'`, drop(), true},
		{"selector state", `location.$state == 'NJ'`, drop(), false},
		{"selector on typed location", `where.$latitude > 40.75`, drop(), true},
		// EXISTS
		{"exists", `EXISTS elems.aNumber`, drop(), true},
		{"exists false value", `EXISTS no`, drop(), true},
		{"exists zero", `EXISTS zero`, drop(), true},
		{"exists null", `EXISTS nothing`, drop(), true},
		{"exists missing", `EXISTS elems.a`, drop(), false},
		{"exists nested", `EXISTS stats.voltage`, drop(), true},
		{"exists through a scalar", `EXISTS status.x`, drop(), false},
		{"not exists", `NOT EXISTS elems.error`, drop(), true},
		// HAS
		{"has boolean", `HAS boolean`, drop(), true},
		{"has date", `HAS date`, drop(), true},
		{"has dropRef", `HAS dropRef`, drop(), true},
		{"has media", `HAS media`, drop(), false},
		{"has on a flow", `HAS list`, flow(), true},
		// AGE
		{"age lt", `AGE < 3600000`, drop(), true},
		{"age gt", `AGE > 3600000`, drop(), false},
		{"age field", `AGE('lastEditDate') >= 60000`, drop(), true},
		{"age field gt", `AGE('lastEditDate') > 60000`, drop(), false},
		{"age of typed date", `AGE('elems.birthday') > 365 DAYS`, drop(), true},
		{"age of a bare element", `AGE('birthday') > 365 DAYS`, drop(), true},
		{"age of a string", `AGE('status') > 0`, drop(), false},
		{"age missing field", `AGE('missing') > 0`, drop(), false},
		// MATCHES
		{"matches typed text", `MATCHES /temp/i`, drop(), true},
		{"matches nested map", `MATCHES /^Alice$/`, flow(), true},
		{"matches list element", `MATCHES /^dry$/`, drop(), true},
		{"matches not the type names", `MATCHES /^sortedSet$/`, drop(), false},
		{"matches not top-level drop members", `MATCHES /alice/`, drop(), false},
		{"matches nothing", `MATCHES /zzz/`, drop(), false},
		// boolean logic
		{"and", `(elems.aNumber > 0) && (status == 'shipped')`, drop(), true},
		{"and false", `aNumber > 0 && status == 'lost'`, drop(), false},
		{"or", `aNumber > 5 || status == 'shipped'`, drop(), true},
		{"or false", `aNumber > 5 || status == 'lost'`, drop(), false},
		{"not", `NOT aNumber == 1`, drop(), false},
		{"not of missing", `NOT missing == 1`, drop(), true},
		{"protocol logic example", `(elems.a > 1) && (NOT (elems.b == 'x') || EXISTS elems.c)`, drop(), false},
		// constructors
		{"date ctor", `birthday>Date(1302547651000)`, drop(), true},
		{"date ctor eq", `elems.birthday == Date(1302547651168)`, drop(), true},
		{"date ctor vs number member", `creationDate < Date(1700000000000)`, drop(), true},
		{"date ctor case", `birthday < date(1)`, drop(), false},
		{"object id ctor on id", `id == ObjectId('1234567890abcdef12345678')`, drop(), true},
		{"object id ctor upper case", `id == ObjectId('1234567890ABCDEF12345678')`, drop(), true},
		{"object id ctor miss", `id == ObjectId('1234567890abcdef12345679')`, drop(), false},
		{"typed id vs string", `owner == 'i54ad6428d4c6b0419a01927f'`, drop(), true},
		{"flowRef vs ObjectId", `source == ObjectId('54ad9d8bd4c68117a914ba24')`, drop(), true},
		{"dropRef dropId", `anotherDrop==ObjectId('0000000000000000000000aa')`, drop(), true},
		{"dropRef flowId", `anotherDrop == '` + flowID + `'`, drop(), true},
		{"dropRef neither", `anotherDrop == '` + dropID + `'`, drop(), false},
		{"plain dropRef", `plainRef == '` + otherID + `'`, drop(), true},
		{"dropRef vs dropRef", `anotherDrop == plainRef`, drop(), true},
		{"dropRef unordered", `anotherDrop > plainRef`, drop(), false},
		{"dropRef halves must be strings", `ref == '1'`, map[string]any{"ref": map[string]any{"flowId": 1, "dropId": "2"}}, false},
		{"number vs string unordered", `status < 5`, drop(), false},
		{"email ctor", `reply_email==Email('someone@example.com')`, drop(), true},
		{"email elem vs plain string", `reply_email == 'SOMEONE@example.COM'`, drop(), true},
		{"email ctor vs plain string member", `status == Email('SHIPPED')`, drop(), true},
		{"plain strings are case-sensitive", `status == 'SHIPPED'`, drop(), false},
		{"email order is case-insensitive", `reply_email < 'T'`, drop(), true},
		// resolution
		{"typed map path", `typedStats.voltage == 15.4`, drop(), true},
		{"plain map path", `stats.voltage == 15.4`, drop(), true},
		{"typed float", `error_rate < 0.2`, drop(), true},
		{"drop member shadows element", `version == 2`, drop(), true},
		{"absent drop member falls back to elements", `fhash == 'an element, since the drop has no fhash'`, drop(), true},
		{"explicit elems path", `elems.version == 'shadowed by the drop\'s version'`, drop(), true},
		{"unknown type is a plain map", `notTyped.value == 1`, drop(), true},
		{"three keys is a plain map", `threeKeys.extra == 1`, drop(), true},
		// mismatches and missing members
		{"string vs number", `status == 1`, drop(), false},
		{"string vs number ne", `status != 1`, drop(), false},
		{"number vs string", `aNumber != '1'`, drop(), false},
		{"null eq", `nothing == 0`, drop(), false},
		{"null ne", `nothing != 0`, drop(), false},
		{"map vs number", `stats == 1`, drop(), false},
		{"missing eq", `missing == 1`, drop(), false},
		{"missing ne", `missing != 1`, drop(), false},
		{"missing lt", `missing < 1`, drop(), false},
		{"flow has no elems", `aNumber == 1`, flow(), false},
		{"nil object", `EXISTS a`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, match(t, tc.filter, tc.obj), tc.filter)
		})
	}
}

func TestAgeClockAndUnits(t *testing.T) {
	created := map[string]any{"creationDate": int64(nowMs - 90*60*1000), "elems": map[string]any{}} // 90 min old
	tests := []struct {
		filter string
		want   bool
	}{
		{"AGE == 5400000", true},
		{"AGE == 5400000 MILLISECONDS", true},
		{"AGE == 5400 SECONDS", true},
		{"AGE == 90 MINUTES", true},
		{"AGE == 1.5 HOURS", true},
		{"AGE < 1 HOURS", false},
		{"AGE < 0.1 DAYS", true},
		{"AGE != 90 MINUTES", false},
		{"AGE >= 91 MINUTES", false},
		{"AGE <= 90 MINUTES", true},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			assert.Equal(t, tc.want, match(t, tc.filter, created))
		})
	}

	// The clock is read at match time, not at compile time.
	clock := int64(nowMs)
	p, err := Compile(filter.Age().Unit(filter.Hours).Lt(2), Options{Now: func() int64 { return clock }})
	require.NoError(t, err)
	assert.True(t, p.Match(created))
	clock += 3_600_000
	assert.False(t, p.Match(created))
}

// Without a clock, AGE cannot be evaluated: Compile says so rather than
// guess a time.
func TestAgeNeedsClock(t *testing.T) {
	_, err := Compile(filter.Or(filter.M("x").Eq(1), filter.Not(filter.Age().Lt(60000))), Options{})
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "eval: AGE needs a clock (Options.Now)", err.Error())
	p, err := Compile(filter.M("x").Eq(1), Options{})
	require.NoError(t, err, "a filter without AGE needs none")
	assert.True(t, p.Match(map[string]any{"x": 1}))
}

func TestWithinUnits(t *testing.T) {
	// 10001 to 11204 is about 9.2 miles.
	obj := map[string]any{"location": map[string]any{"lat": 40.7506, "lon": -73.9971}, "elems": map[string]any{}}
	tests := []struct {
		filter string
		want   bool
	}{
		{"location WITHIN 9.5 MILES OF [ZIP=11204]", true},
		{"location WITHIN 9 MILE OF [ZIP=11204]", false},
		{"location WITHIN 15 KM OF [ZIP=11204]", true},
		{"location WITHIN 14.5 KILOMETERS OF [ZIP=11204]", false},
		{"location WITHIN 15000 METERS OF [ZIP=11204]", true},
		{"location WITHIN 14500 meters OF [ZIP=11204]", false},
		{"location WITHIN 50000 FEET OF [40.6188,-73.9845]", true},
		{"location WITHIN 48000 FEET OF [40.6188,-73.9845]", false},
		{"location WITHIN 0 MILES OF [40.7506,-73.9971]", true},
		{"location WITHIN -1 MILES OF [40.7506,-73.9971]", false},
		{"location WITHIN 12500 MILES OF [-40.7506,106.0029]", true}, // antipode: half the circumference
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			assert.Equal(t, tc.want, match(t, tc.filter, obj))
		})
	}
}

func TestDistance(t *testing.T) {
	within := func(src string) filter.WithinExpr {
		e, err := filter.Parse(src)
		require.NoError(t, err)
		w, ok := e.(filter.WithinExpr)
		require.True(t, ok)
		return w
	}
	tests := []struct {
		name string
		w    filter.WithinExpr
		obj  map[string]any
		want float64
		ok   bool
	}{
		{"miles to zip", within("location WITHIN 1 MILES OF [ZIP=11204]"), drop(), 0, true},
		{"km between zips", within("where WITHIN 1 KM OF [ZIP=11204]"), drop(), 14.75, true},
		{"feet", within("where WITHIN 1 FEET OF [ZIP=11204]"), drop(), 48400, true},
		{"missing location", within("nowhere WITHIN 1 KM OF [0,0]"), drop(), 0, false},
		{"unknown zip", within("location WITHIN 1 KM OF [ZIP=00000]"), drop(), 0, false},
		{"invalid node", filter.WithinExpr{Member: filter.M("location"), Unit: "LEAGUES"}, drop(), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Distance(tc.obj, tc.w, Options{})
			assert.Equal(t, tc.ok, ok)
			assert.InDelta(t, tc.want, got, tc.want*0.01+1e-9)
		})
	}
}

func TestZip(t *testing.T) {
	for _, zip := range []string{"11204", "11201", "10001", "94103", "90210", "60601", "02108", "20001", "11204-1234"} {
		lat, lon, ok := ZipCentroid(zip)
		require.True(t, ok, zip)
		assert.True(t, lat > 20 && lat < 50 && lon > -125 && lon < -70, zip)
	}
	for _, zip := range []string{"", "00000", "1120", "11204-", "abcde"} {
		_, _, ok := ZipCentroid(zip)
		assert.False(t, ok, zip)
	}

	// A custom resolver replaces the table, at compile and at match time.
	custom := Options{Zip: func(zip string) (float64, float64, bool) { return 1, 2, zip == "X1" }}
	p, err := Compile(filter.M("loc").Within(1, filter.Feet).OfZip("X1"), custom)
	require.NoError(t, err)
	assert.True(t, p.Match(map[string]any{"loc": map[string]any{"lat": 1, "lon": 2}}))
	assert.True(t, p.Match(map[string]any{"loc": map[string]any{"specifiers": map[string]any{"zip": "X1"}}}))
	assert.False(t, p.Match(map[string]any{"loc": map[string]any{"specifiers": map[string]any{"zip": "X2"}}}))

	_, err = Compile(filter.M("loc").Within(1, filter.KM).OfZip("11204"), custom)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.EqualError(t, err, `eval: unknown ZIP code "11204" in WITHIN`)
}

func TestHasInference(t *testing.T) {
	tests := []struct {
		value any
		typ   string
	}{
		{true, "boolean"},
		{1, "integer"},
		{2.0, "integer"},
		{2.5, "float"},
		{json.Number("3"), "integer"},
		{json.Number("3.0"), "float"},
		{json.Number("1e3"), "float"},
		{"s", "string"},
		{map[string]any{"a": 1}, "map"},
		{[]any{1}, "list"},
		{typed("sortedMap", map[string]any{}), "sortedMap"},
		{typed("media", map[string]any{}), "media"},
		{nil, ""},
		{struct{}{}, ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.typ, elemType(tc.value), "%#v", tc.value)
		if tc.typ != "" {
			p, err := Compile(filter.Has(tc.typ), opts)
			require.NoError(t, err)
			assert.True(t, p.Match(map[string]any{"elems": map[string]any{"x": tc.value}}), tc.typ)
		}
	}
}

func TestNumberCoercion(t *testing.T) {
	for _, v := range []any{int(5), int8(5), int16(5), int32(5), int64(5), uint(5), uint8(5), uint16(5), uint32(5), uint64(5), float32(5), 5.0, json.Number("5")} {
		assert.True(t, match(t, "x == 5", map[string]any{"x": v}), "%T", v)
	}
	for _, v := range []any{json.Number("NaN"), json.Number("x"), "5", nil} {
		assert.False(t, match(t, "x == 5", map[string]any{"x": v}), "%#v", v)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		expr filter.Expr
		want string
	}{
		{"engine error", filter.MatchesAny(`(a`, "i"), "eval: regex /(a/i: error parsing regexp: missing closing )"},
		{"engine error in =~", filter.M("x").Matches(`a)`, ""), "eval: regex /a)/: error parsing regexp"},
		{"unknown constructor", filter.M("x").Eq(filter.Ctor{Name: "Now"}), "eval: unsupported constructor Now(); want Date(ms), ObjectId('…') or Email('…')"},
		{"date of a string", filter.M("x").Eq(filter.Ctor{Name: "Date", Arg: filter.StringLit("2020")}), "unsupported constructor Date('2020')"},
		{"constructor in a list", filter.M("x").In(1, filter.Ctor{Name: "Foo"}), "unsupported constructor Foo()"},
		{"constructor on the left", filter.CompareExpr{Left: filter.Ctor{Name: "Foo"}, Op: filter.OpEq, Right: filter.NumberLit(1)}, "unsupported constructor"},
		{"modulo by zero", filter.M("x").Mod(0).Eq(0), "modulo needs a non-zero integer divisor"},
		{"fractional divisor", filter.ModExpr{Member: filter.M("x"), Divisor: 2.5, Op: filter.OpEq}, "x % 2.5 == 0"},
		{"fractional remainder", filter.ModExpr{Member: filter.M("x"), Divisor: 2, Op: filter.OpNe, Remainder: 0.5}, "modulo needs"},
		{"unknown zip", filter.M("location").Within(1, filter.KM).OfZip("00000"), `unknown ZIP code "00000"`},
		{"error under NOT", filter.Not(filter.MatchesAny(`(a`, "")), "missing closing )"},
		{"error on the left of AND", filter.And(filter.MatchesAny(`(a`, ""), filter.Has("map")), "missing closing )"},
		{"error on the right of OR", filter.Or(filter.Has("map"), filter.MatchesAny(`(a`, "")), "missing closing )"},
		{"invalid filter", filter.M("a b").Eq(1), "filter: invalid filter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Compile(tc.expr, opts)
			require.Error(t, err)
			assert.Nil(t, p)
			assert.Contains(t, err.Error(), tc.want)
			var ce *Error
			assert.Equal(t, !errors.Is(err, filter.ErrInvalid), errors.As(err, &ce), "compile errors are *Error, validation errors wrap ErrInvalid")
		})
	}
}

func TestLookup(t *testing.T) {
	d := drop()
	tests := []struct {
		path string
		want any
		ok   bool
	}{
		{"id", dropID, true},
		{"elems.aNumber", 1, true},
		{"aNumber", 1, true},
		{"name", "foo", true},
		{"typedStats.voltage", 15.4, true},
		{"stats.temp", 30.4, true},
		{"location.$zip", "11204", true},
		{"location.$latitude", 40.6188, true},
		{"where.$longitude", -73.9971, true},
		{"version", int64(2), true},
		{"nothing", nil, true},
		{"status_codes", []any{typed("integer", 75), typed("integer", 100)}, true},
		{"missing", nil, false},
		{"status.deeper", nil, false},
		{"", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, ok := Lookup(d, tc.path)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
	v, ok := Lookup(flow(), "owner.name")
	assert.True(t, ok)
	assert.Equal(t, "Alice", v)
	_, _, ok = newPath(nil).resolve(d)
	assert.False(t, ok)
}

func TestRegexEngine(t *testing.T) {
	var seen []string
	engine := func(pattern, flags string) (Regexp, error) {
		seen = append(seen, pattern+" "+flags)
		return testRegex(pattern, flags)
	}
	// The engine gets each regex once, at compile time, as written (the
	// delimiter escape removed), flags included.
	e, err := filter.Parse(`path =~ /^\/alice\//ix && MATCHES /o/g`)
	require.NoError(t, err)
	p, err := Compile(e, Options{Regex: engine})
	require.NoError(t, err)
	assert.Equal(t, []string{"^/alice/ ix", "o g"}, seen)
	assert.True(t, p.Match(drop()))
	assert.True(t, p.Match(drop()))
	assert.Len(t, seen, 2)

	// Without an engine a filter with a regex does not compile; one
	// without compiles as before.
	_, err = Compile(filter.MatchesAny("x", ""), Options{})
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.EqualError(t, err, "eval: regex /x/: no regex engine (Options.Regex is nil)")
	p, err = Compile(filter.M("status").Eq("shipped"), Options{})
	require.NoError(t, err)
	assert.True(t, p.Match(drop()))
}

func TestNilProgramMatchesEverything(t *testing.T) {
	var p *Program
	assert.True(t, p.Match(nil))
	assert.True(t, p.Match(drop()))
}

func TestMatchesStopsOnCycles(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	p, err := Compile(filter.MatchesAny("x", ""), opts)
	require.NoError(t, err)
	assert.False(t, p.Match(map[string]any{"elems": cyclic}))
}

func TestConcurrentMatch(t *testing.T) {
	p, err := Compile(filter.And(filter.M("status").Matches("ship", ""), filter.Age().Lt(3600000)), opts)
	require.NoError(t, err)
	done := make(chan bool)
	for range 8 {
		go func() {
			ok := true
			for range 100 {
				ok = ok && p.Match(drop())
			}
			done <- ok
		}()
	}
	for range 8 {
		assert.True(t, <-done)
	}
}
