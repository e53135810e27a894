package filter

import "strconv"

// Render validates e and renders it in the canonical wire form.
func Render(e Expr) (string, error) {
	p := printer{strict: true}
	p.expr(e, 1)
	if p.err != nil {
		return "", p.err
	}
	return string(p.buf), nil
}

// Validate reports the first problem that would make e unsafe or impossible
// to render: invalid or reserved member names, non-finite numbers, unknown
// operators, units, flags or type names, nil children, nesting deeper than
// MaxDepth, node types from outside this package (including pointers to
// nodes) and values a builder could not convert.
func Validate(e Expr) error {
	_, err := Render(e)
	return err
}

func exprString(e Expr) string {
	var p printer
	p.expr(e, 1)
	return string(p.buf)
}

func operandString(o Operand) string {
	var p printer
	p.operand(o, 1)
	return string(p.buf)
}

// printer renders a tree. A strict printer (Render, Validate) checks each
// node as it renders it and stops at the first problem, so that what is
// rendered is exactly what was checked; a lenient one (String) renders
// whatever it is given, marking what it cannot render. Within a node the
// checks run in a fixed order (operator and unit before the operands), which
// decides the problem reported when there are several.
type printer struct {
	buf    []byte
	strict bool
	err    error // the problem a strict printer stopped at
}

// reject records err, if any, as the problem of a strict rendering, and
// reports whether rendering stops. A lenient printer goes on. Like text, it
// is called from everywhere in the printer and kept out of line: inlined
// copies would cost the wasm build more than the calls.
//
//go:noinline
func (p *printer) reject(err error) bool {
	if p.strict && err != nil && p.err == nil {
		p.err = err
	}
	return p.err != nil
}

// text appends s. It is kept out of line: inlined at each of its dozens of
// call sites, the append would cost about 600 bytes of wasm apiece.
//
//go:noinline
func (p *printer) text(s string) { p.buf = append(p.buf, s...) }

// expr renders e at depth: the root is at 1, the operands of NOT, && and ||
// one deeper than the operator.
func (p *printer) expr(e Expr, depth int) {
	if p.reject(checkDepth(depth)) {
		return
	}
	switch e := e.(type) {
	case CompareExpr:
		if p.reject(checkCmpOp(e.Op)) {
			return
		}
		p.operand(e.Left, depth)
		p.text(" " + string(e.Op) + " ")
		p.operand(e.Right, depth)
	case RegexExpr:
		p.member(e.Member)
		p.text(" =~ ")
		p.regex(e.Regex)
	case ListExpr:
		if e.Op != OpIn && e.Op != OpContains && p.reject(badOp(string(e.Op))) {
			return
		}
		p.member(e.Member)
		p.text(" " + string(e.Op) + " [")
		for i, v := range e.Values {
			if i > 0 {
				p.text(",")
			}
			p.literal(v, depth)
		}
		p.text("]")
	case WithinExpr:
		if e.Unit.PerMile() == 0 && p.reject(invalidError("unknown distance unit "+quote(string(e.Unit)))) {
			return
		}
		p.member(e.Member)
		p.text(" WITHIN ")
		p.number(e.Distance)
		p.text(" " + string(e.Unit) + " OF [")
		// The point must be finite even when a ZIP is the target.
		if p.reject(finite(e.Lat)) || p.reject(finite(e.Lon)) {
			return
		}
		switch {
		case e.Zip == "":
			p.number(e.Lat)
			p.text(",")
			p.number(e.Lon)
		case isDigits(e.Zip):
			p.text("ZIP=" + e.Zip)
		default:
			p.text("ZIP=")
			p.buf = appendQuoted(p.buf, e.Zip)
		}
		p.text("]")
	case ModExpr:
		if e.Op != OpEq && e.Op != OpNe && p.reject(badOp(string(e.Op))) {
			return
		}
		p.member(e.Member)
		p.text(" % ")
		p.number(e.Divisor)
		p.text(" " + string(e.Op) + " ")
		p.number(e.Remainder)
	case ExistsExpr:
		p.text("EXISTS ")
		p.member(e.Member)
	case HasExpr:
		if !IsElemType(e.Type) && p.reject(unknownElemType(e.Type)) {
			return
		}
		p.text("HAS " + e.Type)
	case MatchesExpr:
		p.text("MATCHES ")
		p.regex(e.Regex)
	case AgeExpr:
		if p.reject(checkCmpOp(e.Op)) ||
			e.Unit.Millis() == 0 && p.reject(invalidError("unknown time unit "+quote(string(e.Unit)))) {
			return
		}
		p.text("AGE")
		if e.Field != "" {
			p.text("(")
			p.buf = appendQuoted(p.buf, e.Field)
			p.text(")")
		}
		p.text(" " + string(e.Op) + " ")
		p.number(e.Value)
		if e.Unit != "" {
			p.text(" " + string(e.Unit))
		}
	case NotExpr:
		p.text("NOT ")
		// Only && and || bind looser than NOT; everything else is a primary.
		if _, ok := e.X.(BinaryExpr); ok {
			p.text("(")
			p.expr(e.X, depth+1)
			p.text(")")
		} else {
			p.expr(e.X, depth+1)
		}
	case BinaryExpr:
		if e.Op != OpAnd && e.Op != OpOr && p.reject(badOp(string(e.Op))) {
			return
		}
		// Always parenthesize both sides, as the Python client does, so the
		// output never depends on precedence.
		p.text("(")
		p.expr(e.Left, depth+1)
		p.text(") " + string(e.Op) + " (")
		p.expr(e.Right, depth+1)
		p.text(")")
	case invalid:
		p.invalid(e.err, e)
	case nil:
		p.invalid(invalidError("missing expression"), nil)
	default: // a pointer to a node
		p.invalid(invalidError("unsupported expression node; use this package's node values"), e)
	}
}

// invalid renders what a lenient printer cannot render properly: x as its
// String method has it, "<nil>" for nil.
func (p *printer) invalid(err error, x interface{ String() string }) {
	switch {
	case p.reject(err):
	case x == nil:
		p.text("<nil>")
	default:
		p.text(x.String())
	}
}

func (p *printer) operand(o Operand, depth int) {
	switch o := o.(type) {
	case Member:
		p.member(o)
	case Literal:
		p.literal(o, depth)
	case nil:
		p.invalid(invalidError("missing or unsupported operand"), nil)
	default:
		p.invalid(invalidError("missing or unsupported operand"), o)
	}
}

// literal renders l at depth; constructor arguments nest one deeper.
func (p *printer) literal(l Literal, depth int) {
	if p.reject(checkDepth(depth)) {
		return
	}
	switch l := l.(type) {
	case StringLit:
		if !p.reject(validateText(string(l), "string literal")) {
			p.buf = appendQuoted(p.buf, string(l))
		}
	case NumberLit:
		p.number(float64(l))
	case BoolLit:
		p.buf = strconv.AppendBool(p.buf, bool(l))
	case Ctor:
		if p.reject(validateName(l.Name, "constructor")) {
			return
		}
		p.text(l.Name + "(")
		if l.Arg != nil {
			p.literal(l.Arg, depth+1)
		}
		p.text(")")
	case invalid:
		p.invalid(l.err, l)
	case nil:
		p.invalid(invalidError("missing or unsupported literal"), nil)
	default:
		p.invalid(invalidError("missing or unsupported literal"), l)
	}
}

func (p *printer) member(m Member) {
	if !p.reject(validateMember(m)) {
		for i, seg := range m {
			if i > 0 {
				p.text(".")
			}
			p.text(seg)
		}
	}
}

func (p *printer) regex(r Regex) {
	if !p.reject(validateRegex(r)) {
		p.buf = appendRegex(p.buf, r)
	}
}

func (p *printer) number(f float64) {
	if !p.reject(finite(f)) {
		p.buf = appendNumber(p.buf, f)
	}
}
