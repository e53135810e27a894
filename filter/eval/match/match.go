// Package match evaluates flowthings filters (package filter) against JSON
// objects decoded as map[string]any, with the semantics of docs/protocol.md §5.3
// and §10, and with the regex engine as a parameter (Options.Regex). It links
// no regex engine itself, so the wasm module can use the host's RegExp;
// package filter/eval is this evaluator with Go's RE2 as the default engine,
// what the emulator and the Go client use.
//
// # Member resolution
//
// An object with an elems member is a drop. In a drop, a path whose first
// segment is a present top-level drop member (id, flowId, path,
// creationDate, lastEditDate, lastEditorId, creatorId, fhash, version,
// location, parentDropId, elems) starts at the drop, any other path starts
// at elems, so temp means elems.temp. Other objects (flows, tracks, …) are
// resolved from their own members. Typed elements {"type":T,"value":V} are
// unwrapped at every step; location.$latitude and $longitude name lat and
// lon, $zip, $street, $city and $state the keys of specifiers.
//
// # Comparisons
//
// Integers, floats, json.Number and dates are numbers and compare
// numerically; Date(ms) is a number. Strings compare exactly, except that an
// email element or Email('…') compares case-insensitively, and an id or
// flowRef element or ObjectId('…') compares case-insensitively with the
// type letter of a 25-character flowthings id optional. A dropRef equals an
// id when either its flowId or its dropId does. Values of different kinds
// (a string and a number, a bool and null, …) never compare: the comparison
// is false, for != too. A missing member makes every comparison false,
// including != (SQL-like, §10 #18); NOT inverts that to true. An array
// member satisfies a comparison when any element does, except != which is
// true when no element equals the value.
//
// # Other constructs
//
// =~ and MATCHES find a substring match (like Java's Matcher.find); =~
// tests a string member or any string element of an array member, MATCHES
// any string anywhere in a drop's elems (or any member of another object),
// recursively. IN is true when the member (or an
// element of it) equals any listed value; CONTAINS when the member is an
// array holding every listed value (false for an empty list or a non-array).
// Both look values up in sets (hash maps keyed by number, string, case fold
// or id), so a list of thousands of values costs a lookup per element, not
// a comparison per listed value.
// % tests integers only. EXISTS is true when the key is present, even with a
// null value. HAS t is true when a top-level element has declared type t, or
// for plain values the inferred type (boolean, integer, float, string, map,
// list). AGE is now minus creationDate (or the named date member) in
// milliseconds, compared with the number times its unit. WITHIN measures the
// haversine distance from a location {lat, lon} (or, lacking those, the
// centroid of specifiers.zip).
//
// # Regular expressions
//
// FFL regexes are Java's (java.util.regex). Options.Regex compiles each
// regex of a filter once, at Compile, from its pattern and flags as written;
// how faithfully Java's dialect is served is the engine's business (see
// package filter/eval for RE2, and the wasm module for JavaScript's RegExp).
package match

import (
	"errors"
	"math"
	"strings"

	"github.com/flowthings/flowthings-wasm/filter"
)

// ZipFunc resolves a ZIP code to the latitude and longitude of its centroid.
type ZipFunc func(zip string) (lat, lon float64, ok bool)

// Regexp is a compiled regex.
type Regexp interface {
	// MatchString reports whether s contains a match (Java's
	// Matcher.find, not matches).
	MatchString(s string) bool
}

// RegexCompiler compiles an FFL regex: its Java-dialect pattern (without
// the delimiter escape, as filter.Regex holds it) and its flags, any of
// "imsxug". An error says why the engine cannot run the pattern; Compile
// wraps it in an *Error naming the regex.
type RegexCompiler func(pattern, flags string) (Regexp, error)

// Options configures Compile.
type Options struct {
	// Regex compiles the filter's regexes (=~ and MATCHES). Nil means
	// none can be compiled: a filter with a regex is an *Error.
	Regex RegexCompiler
	// Now is the clock of AGE. Nil means none: a filter with AGE is an
	// *Error. (Package filter/eval defaults it to time.Now; the wasm module
	// passes the host's Date.now.)
	Now Clock
	// Zip resolves WITHIN [ZIP=…] targets at compile time and ZIP-only
	// locations at match time; nil means ZipCentroid.
	Zip ZipFunc
}

// Clock is a clock of AGE: it returns the current time in Unix
// milliseconds. It is a number rather than a time.Time so that the
// evaluator never links package time, whose initialization alone would add
// about 80 KB of gzip to the wasm module.
type Clock = func() int64

func (o Options) withDefaults() Options {
	if o.Zip == nil {
		o.Zip = ZipCentroid
	}
	return o
}

// Error is a compile error: the filter is valid FFL but cannot be evaluated,
// e.g. a regex the engine cannot express or an unknown ZIP code.
type Error struct{ Msg string }

func (e *Error) Error() string { return "eval: " + e.Msg }

// Program is a compiled filter, safe for concurrent use.
type Program struct{ match matcher }

type matcher func(obj map[string]any) bool

// Compile validates e and compiles it for matching. Errors are those of
// filter.Validate or *Error.
func Compile(e filter.Expr, opts Options) (*Program, error) {
	if err := filter.Validate(e); err != nil {
		return nil, err
	}
	c := compiler{opts.withDefaults()}
	m, err := c.expr(e)
	if err != nil {
		return nil, err
	}
	return &Program{m}, nil
}

// Match reports whether obj satisfies the filter. A nil Program is the
// absent filter and matches everything.
func (p *Program) Match(obj map[string]any) bool { return p == nil || p.match(obj) }

type compiler struct{ opts Options }

func (c compiler) expr(e filter.Expr) (matcher, error) {
	switch e := e.(type) {
	case filter.CompareExpr:
		return compileCompare(e)
	case filter.RegexExpr:
		re, err := c.regex(e.Regex)
		if err != nil {
			return nil, err
		}
		return memberTest(e.Member, func(v value) bool {
			return each(v, func(x value) bool { return x.kind == kStr && re.MatchString(x.str) })
		}), nil
	case filter.ListExpr:
		return compileList(e)
	case filter.WithinExpr:
		t, err := target(e, c.opts.Zip)
		if err != nil {
			return nil, err
		}
		p := newPath(e.Member)
		return func(obj map[string]any) bool {
			d, ok := distance(obj, p, t, e.Unit, c.opts.Zip)
			return ok && d <= e.Distance
		}, nil
	case filter.ModExpr:
		return compileMod(e)
	case filter.ExistsExpr:
		p := newPath(e.Member)
		return func(obj map[string]any) bool {
			_, _, ok := p.resolve(obj)
			return ok
		}, nil
	case filter.HasExpr:
		return func(obj map[string]any) bool {
			for _, v := range members(obj) {
				if elemType(v) == e.Type {
					return true
				}
			}
			return false
		}, nil
	case filter.MatchesExpr:
		re, err := c.regex(e.Regex)
		if err != nil {
			return nil, err
		}
		return func(obj map[string]any) bool {
			return anyString(members(obj), re.MatchString, 0)
		}, nil
	case filter.AgeExpr:
		return c.age(e)
	case filter.NotExpr:
		m, err := c.expr(e.X)
		if err != nil {
			return nil, err
		}
		return func(obj map[string]any) bool { return !m(obj) }, nil
	case filter.BinaryExpr:
		return c.binary(e)
	}
	// Unreachable: Validate admits only the node types above.
	return nil, &Error{"unsupported expression node"}
}

// regex compiles r with the configured engine.
func (c compiler) regex(r filter.Regex) (Regexp, error) {
	var re Regexp
	err := errors.New("no regex engine (Options.Regex is nil)")
	if c.opts.Regex != nil {
		re, err = c.opts.Regex(r.Pattern, r.Flags)
	}
	if err != nil {
		return nil, &Error{"regex /" + r.Pattern + "/" + r.Flags + ": " + err.Error()}
	}
	return re, nil
}

func (c compiler) binary(e filter.BinaryExpr) (matcher, error) {
	l, err := c.expr(e.Left)
	if err != nil {
		return nil, err
	}
	r, err := c.expr(e.Right)
	if err != nil {
		return nil, err
	}
	if e.Op == filter.OpAnd {
		return func(obj map[string]any) bool { return l(obj) && r(obj) }, nil
	}
	return func(obj map[string]any) bool { return l(obj) || r(obj) }, nil
}

// memberTest builds a matcher that is false for a missing member and
// applies test to a present one.
func memberTest(m filter.Member, test func(value) bool) matcher {
	p := newPath(m)
	return func(obj map[string]any) bool {
		v, ok := p.value(obj)
		return ok && test(v)
	}
}

type getter func(obj map[string]any) (value, bool)

func compileOperand(o filter.Operand) (getter, error) {
	if m, ok := o.(filter.Member); ok {
		return newPath(m).value, nil
	}
	l, _ := o.(filter.Literal) // Validate admits only members and literals
	v, err := literal(l)
	if err != nil {
		return nil, err
	}
	return func(map[string]any) (value, bool) { return v, true }, nil
}

func compileCompare(e filter.CompareExpr) (matcher, error) {
	l, err := compileOperand(e.Left)
	if err != nil {
		return nil, err
	}
	r, err := compileOperand(e.Right)
	if err != nil {
		return nil, err
	}
	return func(obj map[string]any) bool {
		a, okA := l(obj)
		b, okB := r(obj)
		return okA && okB && compare(a, e.Op, b)
	}, nil
}

func compileList(e filter.ListExpr) (matcher, error) {
	vals := make([]value, len(e.Values))
	for i, l := range e.Values {
		var err error
		if vals[i], err = literal(l); err != nil {
			return nil, err
		}
	}
	if e.Op == filter.OpIn {
		// one set lookup per element, whatever the length of the list
		set := newValueSet(vals)
		return memberTest(e.Member, func(v value) bool { return each(v, set.has) }), nil
	}
	return memberTest(e.Member, func(v value) bool {
		if v.kind != kList || len(vals) == 0 {
			return false
		}
		// every listed value must be among the elements: look each up in
		// a set of the elements, stopping at the first one missing
		elems := make([]value, len(v.list))
		for i, x := range v.list {
			elems[i] = classify(unwrap(x))
		}
		set := newValueSet(elems)
		for _, want := range vals {
			if !set.has(want) {
				return false
			}
		}
		return true
	}), nil
}

func compileMod(e filter.ModExpr) (matcher, error) {
	if !isInt(e.Divisor) || e.Divisor == 0 || !isInt(e.Remainder) {
		return nil, &Error{"modulo needs a non-zero integer divisor and an integer remainder: " + e.String()}
	}
	return memberTest(e.Member, func(v value) bool {
		return each(v, func(x value) bool {
			// math.Mod keeps the dividend's sign, like Java's %.
			return x.kind == kNum && isInt(x.num) && (math.Mod(x.num, e.Divisor) == e.Remainder) == (e.Op == filter.OpEq)
		})
	}), nil
}

func isInt(f float64) bool { return f == math.Trunc(f) }

func (c compiler) age(e filter.AgeExpr) (matcher, error) {
	now := c.opts.Now
	if now == nil {
		return nil, &Error{"AGE needs a clock (Options.Now)"}
	}
	field := e.Field
	if field == "" {
		field = "creationDate"
	}
	p := newPath(strings.Split(field, "."))
	limit := value{kind: kNum, num: e.Value * e.Unit.Millis()}
	return func(obj map[string]any) bool {
		v, ok := p.value(obj)
		if !ok || v.kind != kNum {
			return false
		}
		age := value{kind: kNum, num: float64(now()) - v.num}
		return holds(age, e.Op, limit)
	}, nil
}

// maxWalk bounds MATCHES's descent, as encoding/json bounds nesting, so a
// cyclic map built in Go cannot recurse forever.
const maxWalk = 10000

// anyString reports whether match accepts any string in v, descending into
// typed elements, arrays and object values.
func anyString(v any, match func(string) bool, depth int) bool {
	if depth > maxWalk {
		return false
	}
	v, _ = unwrap(v)
	switch x := v.(type) {
	case string:
		return match(x)
	case []any:
		for _, e := range x {
			if anyString(e, match, depth+1) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if anyString(e, match, depth+1) {
				return true
			}
		}
	}
	return false
}
