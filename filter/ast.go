package filter

import (
	"strconv"
	"strings"
)

// Expr is a boolean filter expression. The set of implementations is closed:
// the *Expr types of this package (used as values, not pointers).
type Expr interface {
	// String renders the expression without validating it; see Render.
	String() string
	exprNode()
}

// Operand is one side of a comparison: a Member or a Literal.
type Operand interface {
	String() string
	operandNode()
}

// Literal is a constant operand: StringLit, NumberLit, BoolLit or Ctor.
type Literal interface {
	Operand
	literalNode()
}

// CmpOp is a comparison operator.
type CmpOp string

// Comparison operators.
const (
	OpEq CmpOp = "=="
	OpNe CmpOp = "!="
	OpLt CmpOp = "<"
	OpLe CmpOp = "<="
	OpGt CmpOp = ">"
	OpGe CmpOp = ">="
)

func (op CmpOp) valid() bool {
	switch op {
	case OpEq, OpNe, OpLt, OpLe, OpGt, OpGe:
		return true
	}
	return false
}

// ListOp is the operator of a ListExpr.
type ListOp string

// List operators: IN is true when the member equals any listed value,
// CONTAINS when an array member holds all of them.
const (
	OpIn       ListOp = "IN"
	OpContains ListOp = "CONTAINS"
)

// BoolOp is the operator of a BinaryExpr.
type BoolOp string

// Boolean operators.
const (
	OpAnd BoolOp = "&&"
	OpOr  BoolOp = "||"
)

// Member is a dotted member path such as elems.foo.bar, one name per element.
type Member []string

// StringLit is a string literal.
type StringLit string

// NumberLit is a number literal. It must be finite.
type NumberLit float64

// BoolLit is true or false.
type BoolLit bool

// Ctor is a constructor literal such as Date(1342404840000) or
// ObjectId('…'). Arg is nil for an empty argument list.
type Ctor struct {
	Name string
	Arg  Literal
}

// Regex is a regular expression literal. Pattern is the Java regex source
// without the delimiter escaping: a slash is stored as "/", not "\/".
type Regex struct {
	Pattern string
	Flags   string // any of "imsxug"
}

// CompareExpr is "Left Op Right".
type CompareExpr struct {
	Left  Operand
	Op    CmpOp
	Right Operand
}

// RegexExpr is "Member =~ /Pattern/Flags".
type RegexExpr struct {
	Member Member
	Regex  Regex
}

// ListExpr is "Member IN [Values]" or "Member CONTAINS [Values]".
type ListExpr struct {
	Member Member
	Op     ListOp
	Values []Literal
}

// WithinExpr is "Member WITHIN Distance Unit OF target". The target is
// [Lat,Lon] when Zip is empty, [ZIP=Zip] otherwise.
type WithinExpr struct {
	Member   Member
	Distance float64
	Unit     Unit
	Lat, Lon float64
	Zip      string
}

// ModExpr is "Member % Divisor Op Remainder"; Op is OpEq or OpNe.
type ModExpr struct {
	Member    Member
	Divisor   float64
	Op        CmpOp
	Remainder float64
}

// ExistsExpr is "EXISTS Member".
type ExistsExpr struct {
	Member Member
}

// HasExpr is "HAS Type" with Type one of the §6 element type names.
type HasExpr struct {
	Type string
}

// MatchesExpr is "MATCHES /Pattern/Flags".
type MatchesExpr struct {
	Regex Regex
}

// AgeExpr is "AGE Op Value Unit", or "AGE('Field') Op Value Unit" when Field
// is set. An empty Field means creationDate; an empty Unit means milliseconds
// and is not rendered.
type AgeExpr struct {
	Field string
	Op    CmpOp
	Value float64
	Unit  TimeUnit
}

// NotExpr is "NOT X".
type NotExpr struct {
	X Expr
}

// BinaryExpr is "(Left) && (Right)" or "(Left) || (Right)".
type BinaryExpr struct {
	Op          BoolOp
	Left, Right Expr
}

func (CompareExpr) exprNode() {}
func (RegexExpr) exprNode()   {}
func (ListExpr) exprNode()    {}
func (WithinExpr) exprNode()  {}
func (ModExpr) exprNode()     {}
func (ExistsExpr) exprNode()  {}
func (HasExpr) exprNode()     {}
func (MatchesExpr) exprNode() {}
func (AgeExpr) exprNode()     {}
func (NotExpr) exprNode()     {}
func (BinaryExpr) exprNode()  {}

func (Member) operandNode()    {}
func (StringLit) operandNode() {}
func (NumberLit) operandNode() {}
func (BoolLit) operandNode()   {}
func (Ctor) operandNode()      {}
func (StringLit) literalNode() {}
func (NumberLit) literalNode() {}
func (BoolLit) literalNode()   {}
func (Ctor) literalNode()      {}

// The String methods render without validating, through the same printer
// as Render (see render.go).

func (e CompareExpr) String() string { return exprString(e) }
func (e RegexExpr) String() string   { return exprString(e) }
func (e ListExpr) String() string    { return exprString(e) }
func (e WithinExpr) String() string  { return exprString(e) }
func (e ModExpr) String() string     { return exprString(e) }
func (e ExistsExpr) String() string  { return exprString(e) }
func (e HasExpr) String() string     { return exprString(e) }
func (e MatchesExpr) String() string { return exprString(e) }
func (e AgeExpr) String() string     { return exprString(e) }
func (e NotExpr) String() string     { return exprString(e) }
func (e BinaryExpr) String() string  { return exprString(e) }
func (m Member) String() string      { return strings.Join(m, ".") }
func (s StringLit) String() string   { return string(appendQuoted(nil, string(s))) }
func (n NumberLit) String() string   { return string(appendNumber(nil, float64(n))) }
func (b BoolLit) String() string     { return strconv.FormatBool(bool(b)) }
func (c Ctor) String() string        { return operandString(c) }

// appendQuoted quotes with single quotes, escaping \ and ' so that no value
// can end the literal early.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\'' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return append(dst, '\'')
}

// appendRegex escapes every unescaped "/" as "\/"; escape pairs are copied
// verbatim so an existing "\/" or "\\" is not escaped twice.
func appendRegex(dst []byte, r Regex) []byte {
	dst = append(dst, '/')
	p := r.Pattern
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			dst = append(dst, '\\')
			if i+1 < len(p) {
				i++
				dst = append(dst, p[i])
			}
		case '/':
			dst = append(dst, '\\', '/')
		default:
			dst = append(dst, p[i])
		}
	}
	dst = append(dst, '/')
	return append(dst, r.Flags...)
}

// appendNumber renders without exponent and without trailing zeros, the
// shortest form that parses back to the same float64.
func appendNumber(dst []byte, f float64) []byte {
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// canonPattern removes the regex delimiter escape: "\/" becomes "/", every
// other escape pair is kept as is.
func canonPattern(p string) string {
	if !strings.Contains(p, `\/`) {
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
			if p[i] != '/' {
				b = append(b, '\\')
			}
		}
		b = append(b, p[i])
	}
	return string(b)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Inspect walks e depth-first, calling f for e and, while f returns true,
// for the operands of NOT, && and ||. It is how callers find, say, the
// WithinExpr of an aggregation rule.
func Inspect(e Expr, f func(Expr) bool) {
	if e == nil || !f(e) {
		return
	}
	switch e := e.(type) {
	case NotExpr:
		Inspect(e.X, f)
	case BinaryExpr:
		Inspect(e.Left, f)
		Inspect(e.Right, f)
	}
}
