package filter

import "strings"

// M starts a member path, one argument per segment: M("elems", "foo") is
// elems.foo. Segments are not split on dots; a segment that is not a valid
// name is reported by Validate.
func M(path ...string) Member { return Member(nil).Dot(path...) }

// Dot returns m extended by segs. m itself is never modified.
func (m Member) Dot(segs ...string) Member {
	out := make(Member, 0, len(m)+len(segs))
	return append(append(out, m...), segs...)
}

// Index is Dot with one segment, for code mirroring the Python client's
// M.elems['foo']; both produce the same dotted path.
func (m Member) Index(seg string) Member { return m.Dot(seg) }

// Eq builds m == v. v may be a string, bool, Go integer or float, a Member
// (member-vs-member comparison) or a Literal such as Date(ms). The same holds
// for Ne, Gt, Gte, Lt and Lte (named as in JavaScript's mem.x.gte).
func (m Member) Eq(v any) Expr { return m.compare(OpEq, v) }

// Ne builds m != v.
func (m Member) Ne(v any) Expr { return m.compare(OpNe, v) }

// Gt builds m > v.
func (m Member) Gt(v any) Expr { return m.compare(OpGt, v) }

// Gte builds m >= v.
func (m Member) Gte(v any) Expr { return m.compare(OpGe, v) }

// Lt builds m < v.
func (m Member) Lt(v any) Expr { return m.compare(OpLt, v) }

// Lte builds m <= v.
func (m Member) Lte(v any) Expr { return m.compare(OpLe, v) }

func (m Member) compare(op CmpOp, v any) Expr {
	return CompareExpr{Left: m, Op: op, Right: operandOf(v)}
}

// Matches builds m =~ /pattern/flags. A "/" in pattern is escaped on
// rendering; an already escaped "\/" is accepted and means the same.
func (m Member) Matches(pattern, flags string) Expr {
	return RegexExpr{Member: m, Regex: Regex{Pattern: canonPattern(pattern), Flags: flags}}
}

// In builds m IN [vals...]: m equals any of vals. Values are converted as
// for Eq but must be literals.
func (m Member) In(vals ...any) Expr { return ListExpr{Member: m, Op: OpIn, Values: literalsOf(vals)} }

// Contains builds m CONTAINS [vals...]: the array m holds all of vals.
func (m Member) Contains(vals ...any) Expr {
	return ListExpr{Member: m, Op: OpContains, Values: literalsOf(vals)}
}

// WithinBuilder is the half-built m WITHIN dist unit; finish it with Of or
// OfZip.
type WithinBuilder struct{ e WithinExpr }

// Within starts m WITHIN dist unit. unit is case-insensitive; "" means MILES.
func (m Member) Within(dist float64, unit Unit) WithinBuilder {
	u := Miles
	if unit != "" {
		// Upper-cased, unknown units are kept for Validate to report.
		u = Unit(strings.ToUpper(string(unit)))
	}
	return WithinBuilder{WithinExpr{Member: m, Distance: dist, Unit: u}}
}

// Of targets the point [lat,lon].
func (w WithinBuilder) Of(lat, lon float64) Expr {
	w.e.Lat, w.e.Lon = lat, lon
	return w.e
}

// OfZip targets the centroid of a ZIP code.
func (w WithinBuilder) OfZip(zip string) Expr {
	if zip == "" {
		return invalidf("empty ZIP code")
	}
	w.e.Zip = zip
	return w.e
}

// ModBuilder is the half-built m % n; finish it with Eq or Ne.
type ModBuilder struct {
	m Member
	n int64
}

// Mod starts the integer remainder test m % n.
func (m Member) Mod(n int64) ModBuilder { return ModBuilder{m, n} }

// Eq builds m % n == r.
func (b ModBuilder) Eq(r int64) Expr { return b.build(OpEq, r) }

// Ne builds m % n != r.
func (b ModBuilder) Ne(r int64) Expr { return b.build(OpNe, r) }

func (b ModBuilder) build(op CmpOp, r int64) Expr {
	n, okN := exactInt(b.n)
	rem, okR := exactInt(r)
	if !okN || !okR {
		return invalidf(errInexact)
	}
	return ModExpr{Member: b.m, Divisor: n, Op: op, Remainder: rem}
}

// AgeBuilder is the half-built AGE test; finish it with a comparison.
type AgeBuilder struct{ e AgeExpr }

// Age starts AGE: now minus the drop's creationDate, in milliseconds.
func Age() AgeBuilder { return AgeBuilder{} }

// AgeOf starts AGE('field'): now minus the date member field. AgeOf("") is
// Age().
func AgeOf(field string) AgeBuilder { return AgeBuilder{AgeExpr{Field: field}} }

// Unit sets the unit of the number compared against (case-insensitive);
// without it the number is in milliseconds.
func (a AgeBuilder) Unit(u TimeUnit) AgeBuilder {
	// Unknown units are kept (upper-cased) for Validate to report.
	a.e.Unit = TimeUnit(strings.ToUpper(string(u)))
	return a
}

// Eq builds AGE == v.
func (a AgeBuilder) Eq(v float64) Expr { return a.compare(OpEq, v) }

// Ne builds AGE != v.
func (a AgeBuilder) Ne(v float64) Expr { return a.compare(OpNe, v) }

// Gt builds AGE > v.
func (a AgeBuilder) Gt(v float64) Expr { return a.compare(OpGt, v) }

// Gte builds AGE >= v.
func (a AgeBuilder) Gte(v float64) Expr { return a.compare(OpGe, v) }

// Lt builds AGE < v.
func (a AgeBuilder) Lt(v float64) Expr { return a.compare(OpLt, v) }

// Lte builds AGE <= v.
func (a AgeBuilder) Lte(v float64) Expr { return a.compare(OpLe, v) }

func (a AgeBuilder) compare(op CmpOp, v float64) Expr {
	a.e.Op, a.e.Value = op, v
	return a.e
}

// Exists builds EXISTS m.
func Exists(m Member) Expr { return ExistsExpr{Member: m} }

// Has builds HAS typeName; typeName is a §6 type name in any case. Another
// name makes an invalid expression whose error lists the type names.
func Has(typeName string) Expr {
	t, ok := ElemType(typeName)
	if !ok {
		return invalid{unknownElemType(typeName)}
	}
	return HasExpr{Type: t}
}

// MatchesAny builds MATCHES /pattern/flags: any string value matches.
func MatchesAny(pattern, flags string) Expr {
	return MatchesExpr{Regex: Regex{Pattern: canonPattern(pattern), Flags: flags}}
}

// Not builds NOT e.
func Not(e Expr) Expr { return NotExpr{X: e} }

// And folds es left to right: And(a, b, c) is ((a) && (b)) && (c). And of
// one expression is that expression; And of none is invalid.
func And(es ...Expr) Expr { return fold(OpAnd, es) }

// Or folds es left to right like And.
func Or(es ...Expr) Expr { return fold(OpOr, es) }

func fold(op BoolOp, es []Expr) Expr {
	if len(es) == 0 {
		return invalidf(string(op) + " needs at least one expression")
	}
	acc := es[0]
	for _, e := range es[1:] {
		acc = BinaryExpr{Op: op, Left: acc, Right: e}
	}
	return acc
}

// Date builds the constructor Date(ms), ms being epoch milliseconds.
func Date(ms int64) Ctor {
	n, ok := exactInt(ms)
	if !ok {
		return Ctor{Name: "Date", Arg: invalidf(errInexact)}
	}
	return Ctor{Name: "Date", Arg: NumberLit(n)}
}

// ObjectID builds the constructor ObjectId('id').
func ObjectID(id string) Ctor { return Ctor{Name: "ObjectId", Arg: StringLit(id)} }

// Email builds the constructor Email('addr').
func Email(addr string) Ctor { return Ctor{Name: "Email", Arg: StringLit(addr)} }

// operandOf converts a builder argument; anything FFL cannot express becomes
// an invalid leaf that Validate reports.
func operandOf(v any) Operand {
	if m, ok := v.(Member); ok {
		return m
	}
	return literalOf(v)
}

func literalsOf(vals []any) []Literal {
	var out []Literal // nil when empty, like the parser's result for []
	for _, v := range vals {
		out = append(out, literalOf(v))
	}
	return out
}

func literalOf(v any) Literal {
	switch v := v.(type) {
	case Literal:
		return v
	case string:
		return StringLit(v)
	case bool:
		return BoolLit(v)
	case float64:
		return NumberLit(v)
	case float32:
		return NumberLit(v)
	case int:
		return intLit(int64(v))
	case int8:
		return intLit(int64(v))
	case int16:
		return intLit(int64(v))
	case int32:
		return intLit(int64(v))
	case int64:
		return intLit(v)
	case uint:
		return uintLit(uint64(v))
	case uint8:
		return uintLit(uint64(v))
	case uint16:
		return uintLit(uint64(v))
	case uint32:
		return uintLit(uint64(v))
	case uint64:
		return uintLit(v)
	case Member:
		return invalidf("member " + quote(v.String()) + " used where a literal is required")
	}
	return invalidf("unsupported value type; want string, bool, integer, float, Member or Literal")
}

// maxExact is 2^53: integers beyond it do not survive the trip through
// float64, and silently changing a value is worse than refusing it.
const maxExact = 1 << 53

const errInexact = "integer beyond ±2^53 cannot be represented exactly"

func exactInt(i int64) (float64, bool) { return float64(i), -maxExact <= i && i <= maxExact }

func intLit(i int64) Literal {
	if f, ok := exactInt(i); ok {
		return NumberLit(f)
	}
	return invalidf(errInexact)
}

func uintLit(u uint64) Literal {
	if u > maxExact {
		return invalidf(errInexact)
	}
	return NumberLit(float64(u))
}
