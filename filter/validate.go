package filter

import (
	"errors"
	"math"
	"strconv"
	"strings"
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

func (invalid) exprNode()                    {}
func (invalid) operandNode()                 {}
func (invalid) literalNode()                 {}
func (v invalid) String() string             { return "<" + v.err.Error() + ">" }
func (v invalid) appendTo(dst []byte) []byte { return append(dst, v.String()...) }

// Render validates e and renders it in the canonical wire form.
func Render(e Expr) (string, error) {
	if err := Validate(e); err != nil {
		return "", err
	}
	return e.String(), nil
}

// Validate reports the first problem that would make e unsafe or impossible
// to render: invalid or reserved member names, non-finite numbers, unknown
// operators, units, flags or type names, nil children, nesting deeper than
// MaxDepth, node types from outside this package (including pointers to
// nodes) and values a builder could not convert.
func Validate(e Expr) error { return validateExpr(e, 1) }

func validateExpr(e Expr, depth int) error {
	if depth > MaxDepth {
		return invalidError("nested deeper than " + strconv.Itoa(MaxDepth) + " levels")
	}
	switch e := e.(type) {
	case CompareExpr:
		if !e.Op.valid() {
			return badOp(string(e.Op))
		}
		return firstErr(validateOperand(e.Left, depth), validateOperand(e.Right, depth))
	case RegexExpr:
		return firstErr(validateMember(e.Member), validateRegex(e.Regex))
	case ListExpr:
		if e.Op != OpIn && e.Op != OpContains {
			return badOp(string(e.Op))
		}
		errs := []error{validateMember(e.Member)}
		for _, v := range e.Values {
			errs = append(errs, validateLiteral(v, depth))
		}
		return firstErr(errs...)
	case WithinExpr:
		if e.Unit.PerMile() == 0 {
			return invalidError("unknown distance unit " + strconv.Quote(string(e.Unit)))
		}
		return firstErr(validateMember(e.Member), finite(e.Distance), finite(e.Lat), finite(e.Lon))
	case ModExpr:
		if e.Op != OpEq && e.Op != OpNe {
			return badOp(string(e.Op))
		}
		return firstErr(validateMember(e.Member), finite(e.Divisor), finite(e.Remainder))
	case ExistsExpr:
		return validateMember(e.Member)
	case HasExpr:
		if t, ok := ElemType(e.Type); !ok || t != e.Type {
			return invalidError("unknown element type " + strconv.Quote(e.Type))
		}
		return nil
	case MatchesExpr:
		return validateRegex(e.Regex)
	case AgeExpr:
		if !e.Op.valid() {
			return badOp(string(e.Op))
		}
		if e.Unit.Millis() == 0 {
			return invalidError("unknown time unit " + strconv.Quote(string(e.Unit)))
		}
		return finite(e.Value)
	case NotExpr:
		return validateExpr(e.X, depth+1)
	case BinaryExpr:
		if e.Op != OpAnd && e.Op != OpOr {
			return badOp(string(e.Op))
		}
		return firstErr(validateExpr(e.Left, depth+1), validateExpr(e.Right, depth+1))
	case invalid:
		return e.err
	case nil:
		return invalidError("missing expression")
	}
	return invalidError("unsupported expression node; use this package's node values")
}

func validateOperand(o Operand, depth int) error {
	if m, ok := o.(Member); ok {
		return validateMember(m)
	}
	l, ok := o.(Literal)
	if !ok {
		return invalidError("missing or unsupported operand")
	}
	return validateLiteral(l, depth)
}

// validateLiteral checks l at depth; constructor arguments nest one deeper.
func validateLiteral(l Literal, depth int) error {
	if depth > MaxDepth {
		return invalidError("nested deeper than " + strconv.Itoa(MaxDepth) + " levels")
	}
	switch l := l.(type) {
	case StringLit, BoolLit:
		return nil
	case NumberLit:
		return finite(float64(l))
	case Ctor:
		if err := validateName(l.Name, "constructor"); err != nil {
			return err
		}
		if l.Arg == nil {
			return nil
		}
		return validateLiteral(l.Arg, depth+1)
	case invalid:
		return l.err
	}
	return invalidError("missing or unsupported literal")
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
			return invalidError("member segment " + strconv.Quote(seg) + " is not a valid name")
		}
	}
	return nil
}

// validateName checks a name that starts an operand, where reserved words
// would be read as keywords.
func validateName(name, what string) error {
	switch {
	case !isName(name):
		return invalidError(what + " name " + strconv.Quote(name) + " is not a valid name")
	case isReserved(name):
		return invalidError(what + " name " + strconv.Quote(name) + " is a reserved word")
	}
	return nil
}

func validateRegex(r Regex) error {
	for _, f := range r.Flags {
		if !strings.ContainsRune(regexFlags, f) {
			return invalidError("unknown regex flag " + strconv.QuoteRune(f) + " (want any of " + regexFlags + ")")
		}
	}
	// A trailing lone backslash would escape the closing delimiter.
	p := r.Pattern
	if n := len(p) - len(strings.TrimRight(p, `\`)); n%2 == 1 {
		return invalidError("regex pattern " + strconv.Quote(p) + " ends with a lone backslash")
	}
	return nil
}

const regexFlags = "imsxug"

func finite(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return invalidError("number " + strconv.FormatFloat(f, 'g', -1, 64) + " is not finite")
	}
	return nil
}

// firstErr returns the first non-nil error; checks are cheap, so they all
// run and only the first problem is reported.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func badOp(op string) error { return invalidError("unknown operator " + strconv.Quote(op)) }
