package filter

import (
	"strconv"
	"strings"
)

// Parse parses a filter (PROTOCOL.md §5.1). Keywords, units and true/false
// are case-insensitive; whitespace is optional around symbolic operators;
// precedence is NOT > comparison > && > ||. A bare name on either side of a
// comparison is a member, never a string. Input nesting deeper than
// MaxDepth is rejected, as Validate rejects such trees. Errors are
// *SyntaxError.
func Parse(s string) (Expr, error) {
	p := parser{lexer: lexer{src: s}}
	if err := p.next(); err != nil {
		return nil, err
	}
	e, _, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("&&, || or end of input")
	}
	return e, nil
}

// parser is a recursive-descent parser. Every parse method returns the
// height of the tree it built, counted as Validate counts depth, so that
// Parse rejects exactly the trees Validate would.
type parser struct {
	lexer
	nest int // current recursion through "(", NOT and constructor arguments
}

// maxNest bounds recursion. Rendering a tree of height h nests at most 2h
// deep (a NOT over && adds both NOT and parentheses), so valid renders
// always fit.
const maxNest = 2 * MaxDepth

func (p *parser) enter() error {
	if p.nest++; p.nest > maxNest {
		return p.tooDeep()
	}
	return nil
}

func (p *parser) leave() { p.nest-- }

func (p *parser) tooDeep() error { return p.tooDeepAt(p.tok) }

func (p *parser) tooDeepAt(t token) error {
	return p.unexpectedAt(t, "at most "+strconv.Itoa(MaxDepth)+" levels of nesting")
}

// checkHeight rejects a tree built so far that Validate would reject; t is
// the token to blame.
func (p *parser) checkHeight(h int, t token) error {
	if h > MaxDepth {
		return p.tooDeepAt(t)
	}
	return nil
}

func (p *parser) unexpected(expected string) *SyntaxError { return p.unexpectedAt(p.tok, expected) }

func (p *parser) unexpectedAt(t token, expected string) *SyntaxError {
	return &SyntaxError{Pos: t.pos, Expected: expected, Found: p.found(t.pos, t.end)}
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }

// isKeyword reports whether the current token is the single name kw in any case.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tName && len(p.tok.segs) == 1 && foldASCII(p.tok.text, kw)
}

// expect consumes the punctuation s or fails.
func (p *parser) expect(s string) error {
	if !p.isPunct(s) {
		return p.unexpected(strconv.Quote(s))
	}
	return p.next()
}

func (p *parser) expectKeyword(kw string) error {
	if !p.isKeyword(kw) {
		return p.unexpected(kw)
	}
	return p.next()
}

func (p *parser) parseOr() (Expr, int, error)  { return p.parseBinary(OpOr, p.parseAnd) }
func (p *parser) parseAnd() (Expr, int, error) { return p.parseBinary(OpAnd, p.parseUnary) }

// parseBinary parses operand { op operand }, folding to the left.
func (p *parser) parseBinary(op BoolOp, operand func() (Expr, int, error)) (Expr, int, error) {
	left, h, err := operand()
	for err == nil && p.isPunct(string(op)) {
		opTok := p.tok
		if err = p.next(); err != nil {
			break
		}
		var right Expr
		var rh int
		if right, rh, err = operand(); err != nil {
			break
		}
		left, h = BinaryExpr{Op: op, Left: left, Right: right}, max(h, rh)+1
		err = p.checkHeight(h, opTok)
	}
	return left, h, err
}

func (p *parser) parseUnary() (Expr, int, error) {
	if !p.isKeyword("NOT") {
		return p.parsePrimary()
	}
	not := p.tok
	if err := p.enter(); err != nil {
		return nil, 0, err
	}
	defer p.leave()
	if err := p.next(); err != nil {
		return nil, 0, err
	}
	x, h, err := p.parseUnary()
	if err == nil {
		err = p.checkHeight(h+1, not)
	}
	return NotExpr{X: x}, h + 1, err
}

func (p *parser) parsePrimary() (Expr, int, error) {
	switch {
	case p.isPunct("("):
		return p.parseGroup()
	case p.isKeyword("EXISTS"):
		if err := p.next(); err != nil {
			return nil, 0, err
		}
		m, err := p.parseMember()
		return ExistsExpr{Member: m}, 1, err
	case p.isKeyword("HAS"):
		return p.parseHas()
	case p.isKeyword("MATCHES"):
		if err := p.next(); err != nil {
			return nil, 0, err
		}
		re, err := p.parseRegex()
		return MatchesExpr{Regex: re}, 1, err
	case p.isKeyword("AGE"):
		return p.parseAge()
	}
	return p.parseCondition()
}

func (p *parser) parseGroup() (Expr, int, error) {
	if err := p.enter(); err != nil {
		return nil, 0, err
	}
	defer p.leave()
	if err := p.next(); err != nil {
		return nil, 0, err
	}
	e, h, err := p.parseOr()
	if err == nil {
		err = p.expect(")")
	}
	return e, h, err
}

func (p *parser) parseHas() (Expr, int, error) {
	if err := p.next(); err != nil {
		return nil, 0, err
	}
	t, ok := "", p.tok.kind == tName && len(p.tok.segs) == 1
	if ok {
		t, ok = ElemType(p.tok.text)
	}
	if !ok {
		return nil, 0, p.unexpected("element type name")
	}
	return HasExpr{Type: t}, 1, p.next()
}

// parseAge parses AGE [ "(" string ")" ] cmpOp number [ timeUnit ].
func (p *parser) parseAge() (Expr, int, error) {
	var e AgeExpr
	err := p.next()
	if err == nil && p.isPunct("(") {
		if err = p.next(); err == nil {
			if p.tok.kind != tString || p.tok.text == "" {
				return nil, 0, p.unexpected("date member name in quotes")
			}
			e.Field = p.tok.text
			if err = p.next(); err == nil {
				err = p.expect(")")
			}
		}
	}
	if err == nil {
		e.Op, err = p.parseCmpOp("comparison operator")
	}
	if err == nil {
		e.Value, err = p.parseNumber("number")
	}
	if err == nil && p.tok.kind == tName && len(p.tok.segs) == 1 {
		if u, ok := timeUnitOf(p.tok.text); ok {
			e.Unit = u
			err = p.next()
		}
	}
	return e, 1, err
}

// parseCondition parses the member- or operand-led primaries.
func (p *parser) parseCondition() (Expr, int, error) {
	left, lh, err := p.parseOperand("expression")
	if err != nil {
		return nil, 0, err
	}
	expected := "comparison operator"
	if m, ok := left.(Member); ok {
		switch {
		case p.isKeyword("WITHIN"):
			return p.parseWithin(m)
		case p.isKeyword("IN"):
			return p.parseList(m, OpIn)
		case p.isKeyword("CONTAINS"):
			return p.parseList(m, OpContains)
		case p.isPunct("%"):
			return p.parseMod(m)
		case p.isPunct("=~"):
			err := p.next()
			var re Regex
			if err == nil {
				re, err = p.parseRegex()
			}
			return RegexExpr{Member: m, Regex: re}, 1, err
		}
		expected = "operator"
	}
	op, err := p.parseCmpOp(expected)
	if err != nil {
		return nil, 0, err
	}
	right, rh, err := p.parseOperand("operand")
	return CompareExpr{Left: left, Op: op, Right: right}, max(lh, rh) + 1, err
}

func (p *parser) parseCmpOp(expected string) (CmpOp, error) {
	if op := CmpOp(p.tok.text); p.tok.kind == tPunct && op.valid() {
		return op, p.next()
	}
	return "", p.unexpected(expected)
}

// parseWithin parses WITHIN number unit OF ( [lat,lon] | [ZIP=zip] ).
func (p *parser) parseWithin(m Member) (Expr, int, error) {
	e := WithinExpr{Member: m}
	err := p.next()
	if err == nil {
		e.Distance, err = p.parseNumber("distance")
	}
	if err != nil {
		return nil, 0, err
	}
	var ok bool
	if e.Unit, ok = unitOf(p.tok.text); !ok || p.tok.kind != tName {
		return nil, 0, p.unexpected("distance unit (MILES, MILE, KM, KILOMETERS, METERS or FEET)")
	}
	if err = p.next(); err == nil {
		err = p.expectKeyword("OF")
	}
	if err == nil {
		err = p.expect("[")
	}
	switch {
	case err != nil:
	case p.isKeyword("ZIP"):
		if err = p.next(); err == nil {
			err = p.expect("=")
		}
		if err == nil {
			e.Zip, err = p.parseZip()
		}
	default:
		e.Lat, err = p.parseNumber("latitude or ZIP")
		if err == nil {
			err = p.expect(",")
		}
		if err == nil {
			e.Lon, err = p.parseNumber("longitude")
		}
	}
	if err == nil {
		err = p.expect("]")
	}
	return e, 1, err
}

// parseZip accepts a quoted ZIP or bare digits, kept as text so that leading
// zeros (02108) survive.
func (p *parser) parseZip() (string, error) {
	if (p.tok.kind == tString && p.tok.text != "") || (p.tok.kind == tNumber && isDigits(p.tok.text)) {
		zip := p.tok.text
		return zip, p.next()
	}
	return "", p.unexpected("ZIP code")
}

// parseList parses IN or CONTAINS [ literal { "," literal } ]. Its height
// is 1 plus the deepest constructor nesting among the values.
func (p *parser) parseList(m Member, op ListOp) (Expr, int, error) {
	e := ListExpr{Member: m, Op: op}
	nest := 0
	err := p.next()
	if err == nil {
		err = p.expect("[")
	}
	for err == nil && !p.isPunct("]") {
		if len(e.Values) > 0 {
			if err = p.expect(","); err != nil {
				break
			}
		}
		var v Literal
		var n int
		if v, n, err = p.parseLiteral("literal"); err == nil {
			e.Values = append(e.Values, v)
			nest = max(nest, n)
		}
	}
	if err == nil {
		err = p.next()
	}
	return e, nest + 1, err
}

// parseMod parses % number (== | !=) number.
func (p *parser) parseMod(m Member) (Expr, int, error) {
	e := ModExpr{Member: m}
	err := p.next()
	if err == nil {
		e.Divisor, err = p.parseNumber("divisor")
	}
	if err == nil {
		if e.Op = CmpOp(p.tok.text); p.tok.kind != tPunct || (e.Op != OpEq && e.Op != OpNe) {
			return nil, 0, p.unexpected(`"==" or "!="`)
		}
		err = p.next()
	}
	if err == nil {
		e.Remainder, err = p.parseNumber("remainder")
	}
	return e, 1, err
}

func (p *parser) parseRegex() (Regex, error) {
	if !p.isPunct("/") {
		return Regex{}, p.unexpected("regex /…/")
	}
	re, err := p.scanRegex()
	if err == nil {
		err = p.next()
	}
	return re, err
}

func (p *parser) parseNumber(expected string) (float64, error) {
	if p.tok.kind != tNumber {
		return 0, p.unexpected(expected)
	}
	f, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil { // only overflow: the lexer admits well-formed numbers only
		return 0, p.unexpected("number within float64 range")
	}
	return f, p.next()
}

// parseMember parses a member path whose first name is not reserved.
func (p *parser) parseMember() (Member, error) {
	if p.tok.kind != tName || isReserved(p.tok.segs[0]) {
		return nil, p.unexpected("member")
	}
	m := Member(p.tok.segs)
	return m, p.next()
}

// parseOperand parses a member or a literal and returns its constructor
// nesting.
func (p *parser) parseOperand(expected string) (Operand, int, error) {
	if p.tok.kind != tName || p.isKeyword("TRUE") || p.isKeyword("FALSE") || p.callFollows() {
		return p.parseLiteral(expected)
	}
	if isReserved(p.tok.segs[0]) {
		return nil, 0, p.unexpected(expected)
	}
	m := Member(p.tok.segs)
	return m, 0, p.next()
}

// parseLiteral parses a literal and returns its constructor nesting.
func (p *parser) parseLiteral(expected string) (Literal, int, error) {
	var l Literal
	switch {
	case p.tok.kind == tString:
		l = StringLit(p.tok.text)
	case p.tok.kind == tNumber:
		f, err := p.parseNumber(expected)
		return NumberLit(f), 0, err
	case p.isKeyword("TRUE"):
		l = BoolLit(true)
	case p.isKeyword("FALSE"):
		l = BoolLit(false)
	case p.tok.kind == tName && p.callFollows():
		return p.parseCtor(expected)
	default:
		return nil, 0, p.unexpected(expected)
	}
	return l, 0, p.next()
}

// callFollows reports whether "(" follows the current token, which makes a
// name a constructor rather than a member.
func (p *parser) callFollows() bool {
	return strings.HasPrefix(strings.TrimLeft(p.src[p.tok.end:], spaces), "(")
}

// parseCtor parses name "(" [ literal ] ")".
func (p *parser) parseCtor(expected string) (Literal, int, error) {
	name := p.tok
	if len(name.segs) != 1 || isReserved(name.text) {
		return nil, 0, p.unexpected(expected)
	}
	if err := p.enter(); err != nil {
		return nil, 0, err
	}
	defer p.leave()
	c := Ctor{Name: name.text}
	nest := 0
	err := p.next()
	if err == nil {
		err = p.expect("(")
	}
	if err == nil && !p.isPunct(")") {
		var n int
		if c.Arg, n, err = p.parseLiteral("literal or ')'"); err == nil {
			nest = n + 1
			err = p.checkHeight(nest+1, name)
		}
	}
	if err == nil {
		err = p.expect(")")
	}
	return c, nest, err
}
