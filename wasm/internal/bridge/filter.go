package bridge

import (
	"strconv"
	"strings"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
)

// The JavaScript filter builders make plain trees, rendered and parsed here
// with package filter, so that String(f) in JavaScript is byte for byte
// what the Go renderer produces. A tree node is an object with "t":
//
//	{t:"cmp", left, op, right}          operands: {m:[…]} member, {s}, {n}, {b},
//	                                    {ctor:"Date", arg: literal}
//	{t:"re", m, pattern, flags}         {t:"matches", pattern, flags}
//	{t:"list", m, op:"IN"|"CONTAINS", values:[literals]}
//	{t:"within", m, distance, unit, lat, lon} or with zip instead of lat, lon
//	{t:"exists", m}  {t:"has", type}  {t:"age", field, op, value, unit}
//	{t:"not", x}     {t:"and"|"or", left, right}
//	{t:"text", text}                    filter text, parsed (parseFilter's result)

// RenderFilter renders a tree: {text} or {error}.
func (b *Bridge) RenderFilter(tree *Obj) string {
	e, err := exprOf(tree, 0)
	if err != nil {
		return failure(err)
	}
	s, err := filter.Render(e)
	if err != nil {
		return failure(filterError(err, ""))
	}
	return newObject().str("text", s).String()
}

// ParseFilter parses filter text: {text}, the canonical rendering of the
// filter (what RenderFilter gives for the same filter built as a tree), or
// {error} with the syntax error's position, expectation and what was found.
// JavaScript keeps a parsed filter as a {t:"text"} node.
func (b *Bridge) ParseFilter(text string) string {
	e, err := filter.Parse(text)
	if err != nil {
		return failure(filterError(err, text))
	}
	if text, err = filter.Render(e); err != nil {
		return failure(filterError(err, ""))
	}
	return newObject().str("text", text).String()
}

// filterError is an input error of the filter package's err, whose text
// already names the filter. The position of a syntax error in src becomes
// an index as JavaScript counts it (UTF-16 code units, what
// setSelectionRange takes) instead of a byte offset.
func filterError(err error, src string) error {
	if se, ok := err.(*filter.SyntaxError); ok {
		inJS := *se
		inJS.Pos = utf16Len(src[:min(se.Pos, len(src))])
		err = &inJS
	}
	return &core.InputError{Field: "filter", Reason: strings.TrimPrefix(err.Error(), "filter: "), Err: err}
}

// utf16Len is the length of s in UTF-16 code units: one per rune, two for
// a rune beyond the Basic Multilingual Plane.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// maxTreeDepth bounds the nesting of trees from JavaScript, as the parser
// bounds filter text.
const maxTreeDepth = 256

func badTree(reason string) error {
	return &core.InputError{Field: "filter", Reason: reason}
}

func exprOf(v any, depth int) (filter.Expr, error) {
	if depth > maxTreeDepth {
		return nil, badTree("nested too deeply")
	}
	o, ok := v.(*Obj)
	if !ok {
		return nil, badTree("a filter node must be an object, not " + jsType(v))
	}
	t, _ := str(o, "t")
	var m filter.Member
	switch t {
	case "re", "list", "within", "exists":
		var err error
		if m, err = memberOf(o.Get("m")); err != nil {
			return nil, err
		}
	}
	sOf := func(k string) string { return text(o, k) }
	nOf := func(k string) float64 { return number(o, k) }
	switch t {
	case "cmp":
		left, err := operandOf(o.Get("left"))
		if err != nil {
			return nil, err
		}
		right, err := operandOf(o.Get("right"))
		if err != nil {
			return nil, err
		}
		return filter.CompareExpr{Left: left, Op: filter.CmpOp(sOf("op")), Right: right}, nil
	case "re":
		return m.Matches(sOf("pattern"), sOf("flags")), nil
	case "matches":
		return filter.MatchesAny(sOf("pattern"), sOf("flags")), nil
	case "list":
		list, _ := o.Get("values").([]any)
		vals := make([]filter.Literal, 0, len(list))
		for _, x := range list {
			l, err := literalOf(x)
			if err != nil {
				return nil, err
			}
			vals = append(vals, l)
		}
		return filter.ListExpr{Member: m, Op: filter.ListOp(sOf("op")), Values: vals}, nil
	case "within": // the JS builder upper-cases the unit and checks the target
		return filter.WithinExpr{Member: m, Distance: nOf("distance"), Unit: filter.Unit(sOf("unit")),
			Lat: nOf("lat"), Lon: nOf("lon"), Zip: sOf("zip")}, nil
	case "exists":
		return filter.Exists(m), nil
	case "has":
		return filter.Has(sOf("type")), nil
	case "age":
		return filter.AgeExpr{Field: sOf("field"), Op: filter.CmpOp(sOf("op")), Value: nOf("value"),
			Unit: filter.TimeUnit(sOf("unit"))}, nil
	case "text":
		e, err := filter.Parse(sOf("text"))
		if err != nil {
			return nil, filterError(err, sOf("text"))
		}
		return e, nil
	case "not":
		x, err := exprOf(o.Get("x"), depth+1)
		if err != nil {
			return nil, err
		}
		return filter.Not(x), nil
	case "and", "or":
		l, err := exprOf(o.Get("left"), depth+1)
		if err != nil {
			return nil, err
		}
		r, err := exprOf(o.Get("right"), depth+1)
		if err != nil {
			return nil, err
		}
		if t == "and" {
			return filter.And(l, r), nil
		}
		return filter.Or(l, r), nil
	}
	return nil, badTree("unknown filter node " + strconv.Quote(t))
}

func memberOf(v any) (filter.Member, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, badTree("a member must be a non-empty array of names")
	}
	m := make(filter.Member, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, badTree("a member name must be a string, not " + jsType(x))
		}
		m[i] = s
	}
	return m, nil
}

func operandOf(v any) (filter.Operand, error) {
	if o, ok := v.(*Obj); ok && o.Get("m") != nil {
		return memberOf(o.Get("m"))
	}
	return literalOf(v)
}

func literalOf(v any) (filter.Literal, error) {
	o, ok := v.(*Obj)
	if !ok {
		return nil, badTree("a literal must be an object, not " + jsType(v))
	}
	switch {
	case o.Get("s") != nil:
		s, err := str(o, "s")
		return filter.StringLit(s), err
	case o.Get("n") != nil:
		n, ok := o.Get("n").(float64)
		if !ok {
			return nil, badTree("a number literal must hold a number")
		}
		return filter.NumberLit(n), nil
	case o.Get("b") != nil:
		b, ok := o.Get("b").(bool)
		if !ok {
			return nil, badTree("a boolean literal must hold a boolean")
		}
		return filter.BoolLit(b), nil
	case o.Get("ctor") != nil:
		name, _ := str(o, "ctor")
		c := filter.Ctor{Name: name}
		if o.Get("arg") != nil {
			arg, err := literalOf(o.Get("arg"))
			if err != nil {
				return nil, err
			}
			c.Arg = arg
		}
		return c, nil
	}
	return nil, badTree("a literal needs one of s, n, b or ctor")
}
