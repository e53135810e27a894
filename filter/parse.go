package filter

import (
	"strconv"
	"unicode/utf8"
)

// Parse parses a filter (docs/protocol.md §5.1). Keywords, units and true/false
// are case-insensitive; whitespace is optional around symbolic operators;
// precedence is NOT > comparison > && > ||. A bare name on either side of a
// comparison is a member, never a string. Input nesting deeper than
// MaxDepth is rejected, as Validate rejects such trees. Errors are
// *SyntaxError.
func Parse(s string) (Expr, error) {
	p := parser{lexer: lexer{src: s}}
	if i := invalidUTF8(s); i >= 0 {
		// A JavaScript string's lone surrogate arrives as invalid UTF-8:
		// sent on, it would become U+FFFD, another value.
		return nil, p.errAt(i, "valid Unicode text (not a lone UTF-16 surrogate or invalid UTF-8)")
	}
	p.next()
	e, _ := p.parseBinary(OpOr)
	if p.tok.kind != tEOF {
		p.expected("&&, || or end of input")
	}
	if p.err != nil {
		return nil, p.err
	}
	return e, nil
}

// parser is a recursive-descent parser. Every parse method returns the
// height of the tree it built, counted as Validate counts depth, so that
// Parse rejects exactly the trees Validate would.
//
// The first error is kept in err and ends the parse: the current token
// becomes the end of input, so that the methods still on the stack return
// without consuming anything or reporting another error. This keeps the
// error plumbing out of every method.
type parser struct {
	lexer
	nest int   // current recursion through "(", NOT and constructor arguments
	err  error // the first error, a *SyntaxError
}

// maxNest bounds recursion. Rendering a tree of height h nests at most 2h
// deep (a NOT over && adds both NOT and parentheses), so valid renders
// always fit.
const maxNest = 2 * MaxDepth

// fail records err unless an earlier error is recorded, and ends the parse.
func (p *parser) fail(err *SyntaxError) {
	if p.err == nil {
		p.err = err
	}
	p.tok = token{kind: tEOF, pos: len(p.src), end: len(p.src)}
}

// next moves to the next token.
func (p *parser) next() {
	if p.err != nil {
		return
	}
	if err := p.lexer.next(); err != nil {
		p.fail(err)
	}
}

// expected fails with a SyntaxError at the current token.
func (p *parser) expected(what string) { p.expectedAt(p.tok, what) }

// expectedAt fails with a SyntaxError at the token t.
func (p *parser) expectedAt(t token, what string) {
	if p.err == nil {
		p.fail(&SyntaxError{Pos: t.pos, Expected: what, Found: p.found(t.pos, t.end)})
	}
}

// enter counts one more level of recursion, failing beyond maxNest.
func (p *parser) enter() bool {
	if p.nest++; p.nest > maxNest {
		p.tooDeep(p.tok)
		return false
	}
	return true
}

func (p *parser) leave() { p.nest-- }

func (p *parser) tooDeep(t token) {
	p.expectedAt(t, "at most "+strconv.Itoa(MaxDepth)+" levels of nesting")
}

// checkHeight rejects a tree built so far that Validate would reject; t is
// the token to blame.
func (p *parser) checkHeight(h int, t token) {
	if h > MaxDepth {
		p.tooDeep(t)
	}
}

func (p *parser) isPunct(s string) bool { return p.tok.kind == tPunct && p.tok.text == s }

// isKeyword reports whether the current token is the single name kw in any case.
func (p *parser) isKeyword(kw string) bool {
	return p.tok.kind == tName && len(p.tok.segs) == 1 && foldASCII(p.tok.text, kw)
}

// expect consumes the punctuation s or fails.
func (p *parser) expect(s string) {
	if !p.isPunct(s) {
		p.expected(quote(s))
	}
	p.next()
}

func (p *parser) expectKeyword(kw string) {
	if !p.isKeyword(kw) {
		p.expected(kw)
	}
	p.next()
}

// parseBinary parses operand { op operand }, folding to the left. The
// operands of || are && chains, those of && unary expressions.
func (p *parser) parseBinary(op BoolOp) (Expr, int) {
	left, h := p.parseOperandOf(op)
	for p.isPunct(string(op)) {
		opTok := p.tok
		p.next()
		right, rh := p.parseOperandOf(op)
		left, h = BinaryExpr{Op: op, Left: left, Right: right}, max(h, rh)+1
		p.checkHeight(h, opTok)
	}
	return left, h
}

func (p *parser) parseOperandOf(op BoolOp) (Expr, int) {
	if op == OpOr {
		return p.parseBinary(OpAnd)
	}
	return p.parseUnary()
}

func (p *parser) parseUnary() (Expr, int) {
	if !p.isKeyword("NOT") {
		return p.parsePrimary()
	}
	not := p.tok
	if !p.enter() {
		return nil, 0
	}
	defer p.leave()
	p.next()
	x, h := p.parseUnary()
	p.checkHeight(h+1, not)
	return NotExpr{X: x}, h + 1
}

func (p *parser) parsePrimary() (Expr, int) {
	switch {
	case p.isPunct("("):
		return p.parseGroup()
	case p.isKeyword("EXISTS"):
		p.next()
		return ExistsExpr{Member: p.parseMember()}, 1
	case p.isKeyword("HAS"):
		return p.parseHas(), 1
	case p.isKeyword("MATCHES"):
		p.next()
		return MatchesExpr{Regex: p.parseRegex()}, 1
	case p.isKeyword("AGE"):
		return p.parseAge(), 1
	}
	return p.parseCondition()
}

func (p *parser) parseGroup() (Expr, int) {
	if !p.enter() {
		return nil, 0
	}
	defer p.leave()
	p.next()
	e, h := p.parseBinary(OpOr)
	p.expect(")")
	return e, h
}

func (p *parser) parseHas() Expr {
	p.next()
	t, ok := "", p.tok.kind == tName && len(p.tok.segs) == 1
	if ok {
		t, ok = ElemType(p.tok.text)
	}
	if !ok {
		p.expected("element type name")
	}
	p.next()
	return HasExpr{Type: t}
}

// parseAge parses AGE [ "(" string ")" ] cmpOp number [ timeUnit ].
func (p *parser) parseAge() Expr {
	var e AgeExpr
	p.next()
	if p.isPunct("(") {
		p.next()
		if p.tok.kind != tString || p.tok.text == "" {
			p.expected("date member name in quotes")
		}
		e.Field = p.tok.text
		p.next()
		p.expect(")")
	}
	e.Op = p.parseCmpOp("comparison operator")
	e.Value = p.parseNumber("number")
	if p.tok.kind == tName && len(p.tok.segs) == 1 {
		if u, ok := timeUnitOf(p.tok.text); ok {
			e.Unit = u
			p.next()
		}
	}
	return e
}

// parseCondition parses the member- or operand-led primaries.
func (p *parser) parseCondition() (Expr, int) {
	left, lh := p.parseOperand("expression")
	expected := "comparison operator"
	if m, ok := left.(Member); ok {
		switch {
		case p.isKeyword("WITHIN"):
			return p.parseWithin(m), 1
		case p.isKeyword("IN"):
			return p.parseList(m, OpIn)
		case p.isKeyword("CONTAINS"):
			return p.parseList(m, OpContains)
		case p.isPunct("%"):
			return p.parseMod(m), 1
		case p.isPunct("=~"):
			p.next()
			return RegexExpr{Member: m, Regex: p.parseRegex()}, 1
		}
		expected = "operator"
	}
	op := p.parseCmpOp(expected)
	right, rh := p.parseOperand("operand")
	return CompareExpr{Left: left, Op: op, Right: right}, max(lh, rh) + 1
}

func (p *parser) parseCmpOp(expected string) CmpOp {
	op := CmpOp(p.tok.text)
	if p.tok.kind != tPunct || !op.valid() {
		p.expected(expected)
	}
	p.next()
	return op
}

// parseWithin parses WITHIN number unit OF ( [lat,lon] | [ZIP=zip] ).
func (p *parser) parseWithin(m Member) Expr {
	e := WithinExpr{Member: m}
	p.next()
	e.Distance = p.parseNumber("distance")
	var ok bool
	if e.Unit, ok = unitOf(p.tok.text); !ok || p.tok.kind != tName {
		p.expected("distance unit (MILES, MILE, KM, KILOMETERS, METERS or FEET)")
	}
	p.next()
	p.expectKeyword("OF")
	p.expect("[")
	if p.isKeyword("ZIP") {
		p.next()
		p.expect("=")
		e.Zip = p.parseZip()
	} else {
		e.Lat = p.parseNumber("latitude or ZIP")
		p.expect(",")
		e.Lon = p.parseNumber("longitude")
	}
	p.expect("]")
	return e
}

// parseZip accepts a quoted ZIP or bare digits, kept as text so that leading
// zeros (02108) survive.
func (p *parser) parseZip() string {
	zip := p.tok.text
	if !(p.tok.kind == tString && zip != "") && !(p.tok.kind == tNumber && isDigits(zip)) {
		p.expected("ZIP code")
	}
	p.next()
	return zip
}

// parseList parses IN or CONTAINS [ literal { "," literal } ]. Its height
// is 1 plus the deepest constructor nesting among the values.
func (p *parser) parseList(m Member, op ListOp) (Expr, int) {
	e := ListExpr{Member: m, Op: op}
	nest := 0
	p.next()
	p.expect("[")
	for p.err == nil && !p.isPunct("]") {
		if len(e.Values) > 0 {
			p.expect(",")
		}
		v, n := p.parseLiteral("literal")
		e.Values = append(e.Values, v)
		nest = max(nest, n)
	}
	p.next()
	return e, nest + 1
}

// parseMod parses % number (== | !=) number.
func (p *parser) parseMod(m Member) Expr {
	e := ModExpr{Member: m}
	p.next()
	e.Divisor = p.parseNumber("divisor")
	if e.Op = CmpOp(p.tok.text); p.tok.kind != tPunct || (e.Op != OpEq && e.Op != OpNe) {
		p.expected(`"==" or "!="`)
	}
	p.next()
	e.Remainder = p.parseNumber("remainder")
	return e
}

func (p *parser) parseRegex() Regex {
	if !p.isPunct("/") {
		p.expected("regex /…/")
		return Regex{}
	}
	re, err := p.scanRegex()
	if err != nil {
		p.fail(err)
	}
	p.next()
	return re
}

func (p *parser) parseNumber(expected string) float64 {
	if p.tok.kind != tNumber {
		p.expected(expected)
		return 0
	}
	f, err := strconv.ParseFloat(p.tok.text, 64)
	if err != nil { // only overflow: the lexer admits well-formed numbers only
		p.expected("number within float64 range")
	}
	p.next()
	return f
}

// parseMember parses a member path whose first name is not reserved.
func (p *parser) parseMember() Member {
	if p.tok.kind != tName || isReserved(p.tok.segs[0]) {
		p.expected("member")
		return nil
	}
	m := Member(p.tok.segs)
	p.next()
	return m
}

// parseOperand parses a member or a literal and returns its constructor
// nesting.
func (p *parser) parseOperand(expected string) (Operand, int) {
	if p.tok.kind != tName || p.isKeyword("TRUE") || p.isKeyword("FALSE") || p.callFollows() {
		return p.parseLiteral(expected)
	}
	if isReserved(p.tok.segs[0]) {
		p.expected(expected)
		return nil, 0
	}
	m := Member(p.tok.segs)
	p.next()
	return m, 0
}

// parseLiteral parses a literal and returns its constructor nesting.
func (p *parser) parseLiteral(expected string) (Literal, int) {
	var l Literal
	switch {
	case p.tok.kind == tString:
		l = StringLit(p.tok.text)
	case p.tok.kind == tNumber:
		return NumberLit(p.parseNumber(expected)), 0
	case p.isKeyword("TRUE"):
		l = BoolLit(true)
	case p.isKeyword("FALSE"):
		l = BoolLit(false)
	case p.tok.kind == tName && p.callFollows():
		return p.parseCtor(expected)
	default:
		p.expected(expected)
		return nil, 0
	}
	p.next()
	return l, 0
}

// callFollows reports whether "(" follows the current token, which makes a
// name a constructor rather than a member.
func (p *parser) callFollows() bool {
	i := skipSpaces(p.src, p.tok.end)
	return i < len(p.src) && p.src[i] == '('
}

// parseCtor parses name "(" [ literal ] ")".
func (p *parser) parseCtor(expected string) (Literal, int) {
	name := p.tok
	if len(name.segs) != 1 || isReserved(name.text) {
		p.expected(expected)
		return nil, 0
	}
	if !p.enter() {
		return nil, 0
	}
	defer p.leave()
	c := Ctor{Name: name.text}
	nest := 0
	p.next()
	p.expect("(")
	if !p.isPunct(")") && p.err == nil {
		var n int
		c.Arg, n = p.parseLiteral("literal or ')'")
		nest = n + 1
		p.checkHeight(nest+1, name)
	}
	p.expect(")")
	return c, nest
}

// invalidUTF8 returns the offset of the first byte of s that is not valid
// UTF-8, or -1.
func invalidUTF8(s string) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}
