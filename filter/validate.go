package filter

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of NOT, &&, || and constructor arguments.
// Validate and Parse enforce the same bound, so everything Render produces
// parses again and hostile input cannot exhaust the stack.
const MaxDepth = 256

// ErrInvalid is wrapped by every error returned by Validate and Render.
var ErrInvalid = errors.New("filter: invalid filter")

type invalidError string

func (e invalidError) Error() string        { return ErrInvalid.Error() + ": " + string(e) }
func (e invalidError) Is(target error) bool { return target == ErrInvalid }

// invalid is the leaf a builder stores when it is given something FFL cannot
// express; it lets builders stay chainable and report the problem later.
type invalid struct{ err error }

func invalidf(msg string) invalid { return invalid{invalidError(msg)} }

func (invalid) exprNode()        {}
func (invalid) operandNode()     {}
func (invalid) literalNode()     {}
func (v invalid) String() string { return "<" + v.err.Error() + ">" }

// The checks of a strict printer (render.go), each returning nil or the
// problem.

func checkDepth(depth int) error {
	if depth > MaxDepth {
		return invalidError("nested deeper than " + strconv.Itoa(MaxDepth) + " levels")
	}
	return nil
}

func checkCmpOp(op CmpOp) error {
	if !op.valid() {
		return badOp(string(op))
	}
	return nil
}

func validateMember(m Member) error {
	if len(m) == 0 {
		return invalidError("empty member path")
	}
	if err := validateName(m[0], "member"); err != nil {
		return err
	}
	for _, seg := range m[1:] {
		if !isName(seg) {
			return invalidError("member segment " + quote(seg) + " is not a valid name")
		}
	}
	return nil
}

// validateName checks a name that starts an operand, where reserved words
// would be read as keywords.
func validateName(name, what string) error {
	switch {
	case !isName(name):
		return invalidError(what + " name " + quote(name) + " is not a valid name")
	case isReserved(name):
		return invalidError(what + " name " + quote(name) + " is a reserved word")
	}
	return nil
}

// validateText refuses text that is not Unicode: a JavaScript string's lone
// surrogate reaches Go as invalid UTF-8, which rendered would become
// U+FFFD, another value.
func validateText(s, what string) error {
	if !utf8.ValidString(s) {
		return invalidError(what + " is not valid Unicode text: it has a lone UTF-16 surrogate or invalid UTF-8")
	}
	return nil
}

func validateRegex(r Regex) error {
	if err := validateText(r.Pattern, "regex pattern"); err != nil {
		return err
	}
	for _, f := range r.Flags {
		if !isRegexFlag(f) {
			return invalidError("unknown regex flag " + strconv.QuoteRune(f) + " (want any of " + regexFlags + ")")
		}
	}
	// A trailing lone backslash would escape the closing delimiter.
	p := r.Pattern
	n := 0
	for n < len(p) && p[len(p)-1-n] == '\\' {
		n++
	}
	if n%2 == 1 {
		return invalidError("regex pattern " + quote(p) + " ends with a lone backslash")
	}
	return nil
}

const regexFlags = "imsxug"

func isRegexFlag(r rune) bool {
	return r < utf8.RuneSelf && strings.IndexByte(regexFlags, byte(r)) >= 0
}

func finite(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return invalidError("number " + strconv.FormatFloat(f, 'g', -1, 64) + " is not finite")
	}
	return nil
}

func unknownElemType(name string) error {
	return invalidError("unknown element type " + quote(name) + " (want one of " + strings.Join(elemTypes[:], ", ") + ")")
}

func badOp(op string) error { return invalidError("unknown operator " + quote(op)) }

// quote is strconv.Quote, which most error messages use, kept out of line:
// the compiler would inline its allocation and conversion into every message,
// which costs the wasm build more than the calls.
//
//go:noinline
func quote(s string) string { return strconv.Quote(s) }
