package filter

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError is the error Parse returns for input that is not FFL.
type SyntaxError struct {
	Pos      int    // byte offset into the input
	Expected string // what the parser expected there, e.g. "operand"
	Found    string // the offending input; empty at end of input
}

func (e *SyntaxError) Error() string {
	found := "end of input"
	if e.Found != "" {
		found = quote(e.Found)
	}
	return "filter: at position " + strconv.Itoa(e.Pos) + ": expected " + e.Expected + ", found " + found
}

type tokKind uint8

const (
	tEOF    tokKind = iota
	tName           // a name or dotted member path; segs holds the names
	tNumber         // text is the source, e.g. "-1.5"
	tString         // text is the decoded value
	tPunct          // text is the operator or bracket
	tBad            // a character that starts no token
)

type token struct {
	kind     tokKind
	pos, end int // byte span in the input
	text     string
	segs     []string
}

// maxFound bounds how much input a SyntaxError quotes.
const maxFound = 40

// lexer scans tokens on demand: regex literals are only recognised where
// the parser expects one, since "/" has no other meaning in FFL.
type lexer struct {
	src string
	pos int
	tok token // the current lookahead token
}

// spaces are the whitespace bytes FFL skips between tokens.
const spaces = " \t\n\r\f\v"

func (l *lexer) skipSpace() { l.pos = skipSpaces(l.src, l.pos) }

// skipSpaces returns the index of the first byte of s from i on that is not
// a space.
func skipSpaces(s string, i int) int {
	for i < len(s) && strings.IndexByte(spaces, s[i]) >= 0 {
		i++
	}
	return i
}

// next scans the token after the current one into l.tok.
func (l *lexer) next() *SyntaxError {
	l.skipSpace()
	start := l.pos
	t := token{pos: start}
	switch c := l.byteAt(start); {
	case start >= len(l.src):
		t.kind = tEOF
	case c == '\'' || c == '"':
		s, err := l.scanString()
		if err != nil {
			return err
		}
		t.kind, t.text = tString, s
	case isDigit(c) || c == '-' && isDigit(l.byteAt(start+1)):
		t.kind, t.text = tNumber, l.scanNumber()
	case nameLen(l.src[start:]) > 0:
		segs, err := l.scanMember()
		if err != nil {
			return err
		}
		t.kind, t.segs, t.text = tName, segs, l.src[start:l.pos]
	default:
		t.kind, t.text = tPunct, l.scanPunct()
		if t.text == "" {
			_, n := utf8.DecodeRuneInString(l.src[start:])
			t.kind, t.text = tBad, l.src[start:start+n]
			l.pos += n
		}
	}
	t.end = l.pos
	l.tok = t
	return nil
}

func (l *lexer) byteAt(i int) byte {
	if i < len(l.src) {
		return l.src[i]
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (l *lexer) scanNumber() string {
	start := l.pos
	if l.src[l.pos] == '-' {
		l.pos++
	}
	l.scanDigits()
	if l.byteAt(l.pos) == '.' && isDigit(l.byteAt(l.pos+1)) {
		l.pos++
		l.scanDigits()
	}
	return l.src[start:l.pos]
}

func (l *lexer) scanDigits() {
	for isDigit(l.byteAt(l.pos)) {
		l.pos++
	}
}

// scanMember scans name { "." name } with no space around the dots.
func (l *lexer) scanMember() ([]string, *SyntaxError) {
	var segs []string
	for {
		n := nameLen(l.src[l.pos:])
		if n == 0 {
			return nil, l.errAt(l.pos, "name after '.'")
		}
		segs = append(segs, l.src[l.pos:l.pos+n])
		l.pos += n
		if l.byteAt(l.pos) != '.' {
			return segs, nil
		}
		l.pos++
	}
}

var puncts = [...]string{"==", "!=", "<=", ">=", "=~", "&&", "||", "<", ">", "=", "%", "(", ")", "[", "]", ",", "/"}

func (l *lexer) scanPunct() string {
	for _, p := range puncts {
		if strings.HasPrefix(l.src[l.pos:], p) {
			l.pos += len(p)
			return p
		}
	}
	return ""
}

// scanString decodes a quoted string. Only \' \" and \\ are escapes; any
// other backslash is an error rather than a guess.
func (l *lexer) scanString() (string, *SyntaxError) {
	delim := l.src[l.pos]
	l.pos++
	var b []byte
	for start := l.pos; ; {
		i := l.pos
		for i < len(l.src) && l.src[i] != delim && l.src[i] != '\\' {
			i++
		}
		if i == len(l.src) {
			l.pos = i
			return "", l.errAt(i, "closing "+l.src[start-1:start]) // the opening quote
		}
		b = append(b, l.src[l.pos:i]...)
		l.pos = i
		if l.src[l.pos] == delim {
			l.pos++
			if b == nil { // no escapes: share the input instead of copying
				return l.src[start : l.pos-1], nil
			}
			return string(b), nil
		}
		switch esc := l.byteAt(l.pos + 1); esc {
		case '\'', '"', '\\':
			b = append(b, esc)
			l.pos += 2
		default:
			return "", l.errAt(l.pos, `escape sequence \' \" or \\`)
		}
	}
}

// scanRegex scans /pattern/flags starting at the "/" at l.tok.pos.
func (l *lexer) scanRegex() (Regex, *SyntaxError) {
	start := l.tok.pos + 1
	i := start
	for ; i < len(l.src) && l.src[i] != '/'; i++ {
		if l.src[i] == '\\' {
			i++ // the escaped byte, whatever it is, belongs to the pattern
		}
	}
	if i >= len(l.src) {
		return Regex{}, l.errAt(len(l.src), "closing '/' of regex")
	}
	pattern := canonPattern(l.src[start:i])
	i++
	flagStart := i
	for ; i < len(l.src) && isNamePart(rune(l.src[i])); i++ {
		if !isRegexFlag(rune(l.src[i])) {
			return Regex{}, l.errAt(i, "regex flag ("+regexFlags+")")
		}
	}
	l.pos = i
	return Regex{Pattern: pattern, Flags: l.src[flagStart:i]}, nil
}

// errAt builds a SyntaxError at pos, quoting the input found there. It is
// kept out of line, as inlined copies would cost the wasm build more than
// the calls.
//
//go:noinline
func (l *lexer) errAt(pos int, expected string) *SyntaxError {
	return &SyntaxError{Pos: pos, Expected: expected, Found: l.found(pos, pos+1)}
}

// found returns the input from pos to at least end, extended to a whole
// rune and cut to maxFound bytes.
func (l *lexer) found(pos, end int) string {
	if pos >= len(l.src) {
		return ""
	}
	_, n := utf8.DecodeRuneInString(l.src[pos:])
	end = min(max(end, pos+n), len(l.src), pos+maxFound)
	for end > pos+n && !utf8.RuneStart(l.byteAt(end)) {
		end--
	}
	return l.src[pos:end]
}
