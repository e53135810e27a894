package match

import (
	"cmp"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/flowthings/flowthings-wasm/filter"
)

// kind is the comparison class of a value. Values of different kinds never
// compare (the comparison is false), except an id string against a dropRef.
type kind uint8

const (
	kOther kind = iota // null, objects, anything else: compares with nothing
	kNum
	kStr
	kBool
	kRef  // dropRef: equals an id if either half does
	kList // compared element by element
)

// strMode says how a string compares; when two strings meet, the looser
// mode of the two wins.
type strMode uint8

const (
	exact    strMode = iota
	fold             // email: case-insensitive
	objectID         // id, flowRef, ObjectId(…): see sameID
)

type value struct {
	kind kind
	num  float64
	str  string
	mode strMode
	b    bool
	ref  [2]string // dropRef flowId, dropId
	list []any
}

// classify turns a resolved JSON value and its declared §6 type into a
// value. Dates, integers and floats are all numbers.
func classify(v any, typ string) value {
	switch x := v.(type) {
	case string:
		s := value{kind: kStr, str: x}
		switch typ {
		case "email":
			s.mode = fold
		case "id", "flowRef":
			s.mode = objectID
		}
		return s
	case bool:
		return value{kind: kBool, b: x}
	case []any:
		return value{kind: kList, list: x}
	case map[string]any:
		return dropRef(x)
	}
	if n, ok := number(v); ok {
		return value{kind: kNum, num: n}
	}
	return value{}
}

// dropRef recognises {"flowId":…,"dropId":…}, typed or plain (§6).
func dropRef(m map[string]any) value {
	if len(m) != 2 {
		return value{}
	}
	flowID, ok1 := unwrapString(m["flowId"])
	dropID, ok2 := unwrapString(m["dropId"])
	if !ok1 || !ok2 {
		return value{}
	}
	return value{kind: kRef, ref: [2]string{flowID, dropID}}
}

func unwrapString(v any) (string, bool) {
	v, _ = unwrap(v)
	s, ok := v.(string)
	return s, ok
}

// jsonNumber is encoding/json's Number, recognised by its methods: this
// package must not link encoding/json, which the wasm module leaves out.
type jsonNumber interface {
	Float64() (float64, error)
	String() string
}

// number converts the numeric types a decoded JSON object may hold.
func number(v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int:
		f = float64(x)
	case int8:
		f = float64(x)
	case int16:
		f = float64(x)
	case int32:
		f = float64(x)
	case int64:
		f = float64(x)
	case uint:
		f = float64(x)
	case uint8:
		f = float64(x)
	case uint16:
		f = float64(x)
	case uint32:
		f = float64(x)
	case uint64:
		f = float64(x)
	case jsonNumber:
		var err error
		if f, err = x.Float64(); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return f, !math.IsNaN(f) && !math.IsInf(f, 0)
}

// literal converts a filter literal. Constructors other than Date(ms),
// ObjectId('…') and Email('…') have no defined meaning and are rejected.
func literal(l filter.Literal) (value, error) {
	switch l := l.(type) {
	case filter.StringLit:
		return value{kind: kStr, str: string(l)}, nil
	case filter.NumberLit:
		return value{kind: kNum, num: float64(l)}, nil
	case filter.BoolLit:
		return value{kind: kBool, b: bool(l)}, nil
	case filter.Ctor:
		n, isNum := l.Arg.(filter.NumberLit)
		s, isStr := l.Arg.(filter.StringLit)
		switch {
		case strings.EqualFold(l.Name, "Date") && isNum:
			return value{kind: kNum, num: float64(n)}, nil
		case strings.EqualFold(l.Name, "ObjectId") && isStr:
			return value{kind: kStr, str: string(s), mode: objectID}, nil
		case strings.EqualFold(l.Name, "Email") && isStr:
			return value{kind: kStr, str: string(s), mode: fold}, nil
		}
		return value{}, &Error{"unsupported constructor " + l.String() + "; want Date(ms), ObjectId('…') or Email('…')"}
	}
	// Unreachable after Validate, which admits only the literals above.
	return value{}, &Error{"unsupported literal"}
}

// equal reports whether a equals b and whether they are comparable at all.
func equal(a, b value) (eq, comparable bool) {
	if a.kind == kRef && b.kind == kStr {
		a, b = b, a
	}
	switch {
	case a.kind == kStr && b.kind == kRef:
		return sameID(a.str, b.ref[0]) || sameID(a.str, b.ref[1]), true
	case a.kind != b.kind:
		return false, false
	}
	switch a.kind {
	case kNum:
		return a.num == b.num, true
	case kBool:
		return a.b == b.b, true
	case kRef:
		return a.ref == b.ref, true
	case kStr:
		switch max(a.mode, b.mode) {
		case objectID:
			return sameID(a.str, b.str), true
		case fold:
			return strings.EqualFold(a.str, b.str), true
		}
		return a.str == b.str, true
	}
	return false, false
}

// sameID compares ids case-insensitively (they are hex). A flowthings id is
// a type letter plus a 24-hex Mongo ObjectId, so ObjectId('<24 hex>') also
// matches the 25-character id carrying it.
func sameID(x, y string) bool {
	switch {
	case len(x) == 25 && len(y) == 24:
		x = x[1:]
	case len(y) == 25 && len(x) == 24:
		y = y[1:]
	}
	return strings.EqualFold(x, y)
}

// order compares numbers numerically and strings lexically (case-folded if
// either side is an email or id); other kinds are unordered.
func order(a, b value) (int, bool) {
	switch {
	case a.kind != b.kind:
		return 0, false
	case a.kind == kNum:
		return cmp.Compare(a.num, b.num), true
	case a.kind == kStr && max(a.mode, b.mode) != exact:
		return compareLower(a.str, b.str), true
	case a.kind == kStr:
		return strings.Compare(a.str, b.str), true
	}
	return 0, false
}

// compareLower is strings.Compare(strings.ToLower(a), strings.ToLower(b))
// without building either string (code points compare in the order of
// their UTF-8 bytes; an invalid byte reads as U+FFFD, as ToLower writes it).
func compareLower(a, b string) int {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if c := cmp.Compare(unicode.ToLower(ra), unicode.ToLower(rb)); c != 0 {
			return c
		}
		a, b = a[na:], b[nb:]
	}
	return cmp.Compare(len(a), len(b))
}

// holds applies op to two scalars; incomparable values never satisfy it.
func holds(a value, op filter.CmpOp, b value) bool {
	switch op {
	case filter.OpEq, filter.OpNe:
		eq, ok := equal(a, b)
		return ok && eq == (op == filter.OpEq)
	}
	c, ok := order(a, b)
	if !ok {
		return false
	}
	switch op {
	case filter.OpLt:
		return c < 0
	case filter.OpLe:
		return c <= 0
	case filter.OpGt:
		return c > 0
	default: // OpGe; Validate admits no other operator
		return c >= 0
	}
}

// each calls f for v, or for each element of v if v is an array, until f
// returns true; it reports whether f did.
func each(v value, f func(value) bool) bool {
	if v.kind != kList {
		return f(v)
	}
	for _, x := range v.list {
		if f(classify(unwrap(x))) {
			return true
		}
	}
	return false
}

// compare applies op with array semantics: an array satisfies op when any
// element does, except != which needs a comparable element and no equal
// one (so [1,2] != 1 is false, as in Mongo).
func compare(a value, op filter.CmpOp, b value) bool {
	if op != filter.OpNe {
		return each(a, func(x value) bool {
			return each(b, func(y value) bool { return holds(x, op, y) })
		})
	}
	eq, comparable := false, false
	each(a, func(x value) bool {
		return each(b, func(y value) bool {
			e, c := equal(x, y)
			eq, comparable = eq || e, comparable || c
			return eq
		})
	})
	return comparable && !eq
}

// elemType names the §6 type of an element: its declared type if typed,
// else the type inferred from plain JSON ("" for null).
func elemType(v any) string {
	v, t := unwrap(v)
	if t != "" {
		return t
	}
	switch x := v.(type) {
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "map"
	case jsonNumber:
		// The text still shows whether the number had a fraction. (A
		// loop: strings.ContainsAny would add 2 KB to the wasm module.)
		for _, c := range []byte(x.String()) {
			if c == '.' || c == 'e' || c == 'E' {
				return "float"
			}
		}
		return "integer"
	}
	if n, ok := number(v); ok {
		if n == math.Trunc(n) {
			return "integer"
		}
		return "float"
	}
	return ""
}
