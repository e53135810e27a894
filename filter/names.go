package filter

import (
	"unicode"
	"unicode/utf8"
)

// Unit is a WITHIN distance unit, stored upper case.
type Unit string

// Distance units. MILE and MILES, KM and KILOMETERS are synonyms but are kept
// apart so that a parsed filter renders as written.
const (
	Miles      Unit = "MILES"
	Mile       Unit = "MILE"
	KM         Unit = "KM"
	Kilometers Unit = "KILOMETERS"
	Meters     Unit = "METERS"
	Feet       Unit = "FEET"
)

// PerMile returns how many u make one mile, or 0 for an unknown unit.
func (u Unit) PerMile() float64 {
	switch u {
	case Miles, Mile:
		return 1
	case KM, Kilometers:
		return 1.609344
	case Meters:
		return 1609.344
	case Feet:
		return 5280
	}
	return 0
}

// TimeUnit is the optional unit suffix of AGE, stored upper case.
type TimeUnit string

// Time units of AGE. The empty TimeUnit means milliseconds and is not rendered.
const (
	Milliseconds TimeUnit = "MILLISECONDS"
	Seconds      TimeUnit = "SECONDS"
	Minutes      TimeUnit = "MINUTES"
	Hours        TimeUnit = "HOURS"
	Days         TimeUnit = "DAYS"
)

// Millis returns the length of u in milliseconds, or 0 for an unknown unit.
func (u TimeUnit) Millis() float64 {
	switch u {
	case "", Milliseconds:
		return 1
	case Seconds:
		return 1e3
	case Minutes:
		return 60e3
	case Hours:
		return 3600e3
	case Days:
		return 86400e3
	}
	return 0
}

// elemTypes are the drop element types of docs/protocol.md §6, spelled as
// the platform spells them. This is the one list of them: the filter's HAS,
// the Go client's ElemType constants, the emulator, the JavaScript
// plainElems and the TypeScript ElemType all come from it (go generate
// ./flowthings writes the generated ones).
var elemTypes = [...]string{
	"boolean", "integer", "long", "float", "string", "text", "email", "url",
	"date", "id", "flowRef", "dropRef", "map", "sortedMap", "list", "set",
	"sortedSet", "media", "location",
}

// ElemTypes returns the drop element type names of docs/protocol.md §6.
func ElemTypes() []string {
	out := make([]string, len(elemTypes))
	copy(out, elemTypes[:])
	return out
}

// ElemType returns the §6 spelling of a drop element type name, matched
// case-insensitively, and whether the name is known.
func ElemType(name string) (string, bool) {
	for _, t := range elemTypes {
		if foldASCII(name, t) {
			return t, true
		}
	}
	return "", false
}

// IsElemType reports whether name is a §6 type name spelled exactly as the
// platform spells it ("flowRef", not "flowref"): the test of a typed elem
// {"type", "value"} on the wire.
func IsElemType(name string) bool {
	t, ok := ElemType(name)
	return ok && t == name
}

// reserved words cannot start a member or name a constructor, because the
// parser reads them as keywords or boolean literals in operand position.
var reserved = [...]string{"NOT", "EXISTS", "HAS", "MATCHES", "AGE", "TRUE", "FALSE"}

func isReserved(name string) bool {
	for _, r := range reserved {
		if foldASCII(name, r) {
			return true
		}
	}
	return false
}

// foldASCII compares case-insensitively, folding ASCII letters only: the
// keywords are ASCII, Unicode folds such as "ſ" ~ "s" must not count (so
// "EXIſTS" is a name, not the keyword), and strings.EqualFold would link
// Unicode case tables into the wasm build.
func foldASCII(s, keyword string) bool {
	if len(s) != len(keyword) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if upperASCII(s[i]) != upperASCII(keyword[i]) {
			return false
		}
	}
	return true
}

func upperASCII(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

func isNameStart(r rune) bool { return r == '_' || r == '$' || unicode.IsLetter(r) }
func isNamePart(r rune) bool {
	return r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// nameLen returns the byte length of the name at the start of s, 0 if none.
func nameLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if !isNameStart(r) {
		return 0
	}
	for n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if !isNamePart(r) {
			break
		}
		n += size
	}
	return n
}

func isName(s string) bool { return s != "" && nameLen(s) == len(s) }

// unitOf and timeUnitOf find the unit a name spells in any case. As in
// foldASCII, Unicode folds ("mıle") do not pass for a unit.
func unitOf(s string) (Unit, bool) {
	for _, u := range [...]Unit{Miles, Mile, KM, Kilometers, Meters, Feet} {
		if foldASCII(s, string(u)) {
			return u, true
		}
	}
	return "", false
}

func timeUnitOf(s string) (TimeUnit, bool) {
	for _, u := range [...]TimeUnit{Milliseconds, Seconds, Minutes, Hours, Days} {
		if foldASCII(s, string(u)) {
			return u, true
		}
	}
	return "", false
}
