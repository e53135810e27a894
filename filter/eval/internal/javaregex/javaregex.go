// Package javaregex rewrites regexes written in Java's dialect (FFL's, see
// docs/protocol.md §5) for another engine. One scanner finds the constructs
// whose spelling or support differs between engines — escapes, \Q…\E
// quotations, character classes, group openings, quantifiers, and what the
// x flag makes insignificant — and a Dialect says how its engine writes
// each, or why it cannot.
package javaregex

import (
	"errors"
	"strings"
)

// Dialect is how a target engine spells what the scanner finds. Every
// function writes its translation to b or returns an error naming what the
// engine lacks.
type Dialect struct {
	// Name names the engine in errors: "… is not supported by RE2".
	Name string
	// Escape translates the escape sequence at the start of rest, the
	// pattern after a backslash (never empty), and returns how many bytes
	// of rest it used (at least one).
	Escape func(b *strings.Builder, rest string, inClass bool) (int, error)
	// Quote writes the text of a \Q…\E quotation, to be matched literally.
	Quote func(b *strings.Builder, text string)
	// Group checks a group opening; rest is the pattern from its "(".
	// The "(" itself is copied by the scanner.
	Group func(rest string) error
	// Literal writes a byte that Java reads as a literal although an
	// engine may read it as syntax: "]" and "}" outside a class, "]" first
	// in one, and a "{" that starts no {n}, {n,} or {n,m} repetition.
	Literal func(b *strings.Builder, c byte)
}

// ErrLoneBackslash is the error of a pattern ending in an unescaped
// backslash.
var ErrLoneBackslash = errors.New("trailing backslash at end of expression")

// Translate rewrites pattern p for d. extended is Java's x flag: unescaped
// whitespace and #-comments outside character classes are dropped.
// Constructs no engine here supports are errors: possessive quantifiers and
// character-class union and intersection. Everything else is copied.
func Translate(p string, extended bool, d Dialect) (string, error) {
	var b strings.Builder
	inClass := false
	classStart := 0 // index where a class's content starts; a "]" there is literal
	prevQuant := false
	prevOpen := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		quant, open := false, false
		switch {
		case c == '\\' && i+1 < len(p) && p[i+1] == 'Q':
			end, next := len(p), len(p)
			if j := strings.Index(p[i+2:], `\E`); j >= 0 {
				end, next = i+2+j, i+2+j+2
			}
			d.Quote(&b, p[i+2:end])
			i = next - 1
		case c == '\\':
			if i+1 == len(p) {
				return "", ErrLoneBackslash
			}
			n, err := d.Escape(&b, p[i+1:], inClass)
			if err != nil {
				return "", err
			}
			i += n
		case inClass:
			switch {
			case c == '[':
				return "", errors.New("nested character classes (Java union) are not supported by " + d.Name)
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return "", errors.New("character class intersection (&&) is not supported by " + d.Name)
			case c == ']' && i == classStart:
				d.Literal(&b, c) // the class's first member, not its end
			case c == ']':
				inClass = false
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		case extended && strings.IndexByte(" \t\n\r\f\v", c) >= 0:
		case extended && c == '#':
			for i+1 < len(p) && p[i+1] != '\n' {
				i++
			}
		case c == '[':
			inClass = true
			classStart = i + 1
			if classStart < len(p) && p[classStart] == '^' {
				classStart++
			}
			b.WriteByte(c)
		case c == '(':
			if err := d.Group(p[i:]); err != nil {
				return "", err
			}
			open = true
			b.WriteByte(c)
		case c == '{':
			// A {n}, {n,} or {n,m} repetition is a quantifier; any other
			// brace is literal.
			n := repetitionLen(p[i:])
			if n == 0 {
				d.Literal(&b, c)
				break
			}
			b.WriteString(p[i : i+n])
			i += n - 1
			quant = true
		case c == '}' || c == ']':
			d.Literal(&b, c)
		case c == '+' && prevQuant:
			return "", errors.New("possessive quantifier (" + string(p[i-1]) + "+) is not supported by " + d.Name)
		case c == '*' || c == '+' || (c == '?' && !prevOpen && !prevQuant):
			// A "?" right after "(" opens a group, after a quantifier it
			// makes it lazy; neither is a quantifier itself.
			quant = true
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
		prevQuant, prevOpen = quant, open
	}
	return b.String(), nil
}

// repetitionLen returns the length of a {n}, {n,} or {n,m} at the start of
// s, or 0.
func repetitionLen(s string) int {
	i := 1
	digits := func() int {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if digits() == 0 {
		return 0
	}
	if i < len(s) && s[i] == ',' {
		i++
		digits()
	}
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	return 0
}
