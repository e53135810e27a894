// Package jsregex rewrites FFL regexes, written in Java's dialect, for
// JavaScript's RegExp, which the wasm module uses to run them (see
// match.Options.Regex). JavaScript is closer to Java than RE2:
// lookahead, lookbehind and backreferences work. The RegExp always has the
// u flag, so that it reads code points as Java does (and folds case by
// Unicode rules, as Java's u flag asks); Java's other spellings are
// rewritten:
//
//   - i, m and s are RegExp's flags; x (comments) is applied here, dropping
//     unescaped whitespace and #-comments outside character classes; g is
//     ignored (a yes/no find has no global mode, and RegExp's g would make
//     test() stateful); u is always on.
//   - \Q…\E quotes literally; \A, \z and \Z become lookarounds; \h, \v, \R,
//     \a, \e, \x{…} and octal \0… become their JavaScript equivalents; an
//     escaped punctuation character is escaped only when RegExp needs it
//     escaped, and a literal {, } or ] outside a class is escaped.
//
// What RegExp lacks is an error: atomic groups, possessive quantifiers,
// inline flags such as (?i), \G, character-class union and intersection,
// and \H, \V and \R inside a class; so are escapes Java does not define.
// Remaining differences from Java: with m off, Java's $ also matches before
// a final line terminator and RegExp's only at the end; Java's . also
// excludes \u0085; \p{…} names are passed on as written (Java's \p{IsLatin}
// or \p{Alpha} are unknown to RegExp, which then refuses the pattern).
package jsregex

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowthings/flowthings-wasm/filter/eval/internal/javaregex"
)

// Translate returns the source and flags of a RegExp that runs the FFL regex
// pattern with the given flags (any of "imsxug"), or why it cannot. The
// RegExp itself may still refuse the source: Translate checks only what
// differs between the dialects.
func Translate(pattern, flags string) (source, jsFlags string, err error) {
	source, err = javaregex.Translate(pattern, strings.Contains(flags, "x"), dialect)
	if err != nil {
		return "", "", err
	}
	for _, f := range "ims" {
		if strings.ContainsRune(flags, f) {
			jsFlags += string(f)
		}
	}
	return source, jsFlags + "u", nil
}

// syntax are the characters a RegExp with the u flag lets (and sometimes
// makes) a pattern escape; any other escaped punctuation is an error there.
const syntax = `^$\.*+?()[]{}|/`

// Java's character classes that RegExp lacks, as class contents.
const (
	horizontalSpace = ` \t\xA0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000`
	verticalSpace   = `\n\x0B\f\r\x85\u2028\u2029`
)

var dialect = javaregex.Dialect{
	Name:   "JavaScript's RegExp",
	Escape: escape,
	Quote: func(b *strings.Builder, text string) {
		for _, r := range text {
			if strings.ContainsRune(syntax, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	},
	Group: func(rest string) error {
		if len(rest) < 3 || rest[1] != '?' {
			return nil
		}
		switch c := rest[2]; {
		case c == '>':
			return errors.New("atomic group (?>…) is not supported by JavaScript's RegExp")
		case c == '-' || isLetter(c):
			return errors.New("inline flags (?" + string(c) + "…) are not supported by JavaScript's RegExp; use the regex's flags")
		}
		return nil
	},
	Literal: func(b *strings.Builder, c byte) {
		b.WriteByte('\\')
		b.WriteByte(c)
	},
}

// escape translates one escape sequence; rest follows the backslash.
func escape(b *strings.Builder, rest string, inClass bool) (int, error) {
	c := rest[0]
	// class writes a Java class as a class, or as part of the enclosing one.
	class := func(contents string, negated bool) (int, error) {
		switch {
		case !inClass && negated:
			b.WriteString("[^" + contents + "]")
		case !inClass:
			b.WriteString("[" + contents + "]")
		case negated:
			return 0, errors.New(`\` + string(c) + " inside a character class is not supported by JavaScript's RegExp")
		default:
			b.WriteString(contents)
		}
		return 1, nil
	}
	// outside writes an anchor or sequence that has no meaning in a class.
	outside := func(s string) (int, error) {
		if inClass {
			return 0, errors.New(`\` + string(c) + " inside a character class is not supported")
		}
		b.WriteString(s)
		return 1, nil
	}
	switch c {
	case 'd', 'D', 'w', 'W', 's', 'S', 't', 'n', 'r', 'f', 'b', 'B', 'u', 'k':
		b.WriteString(`\` + rest[:1])
		return 1, nil
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return outside(`\` + rest[:1])
	case 'a':
		b.WriteString(`\x07`)
		return 1, nil
	case 'e':
		b.WriteString(`\x1B`)
		return 1, nil
	case 'c':
		if len(rest) < 2 || !isLetter(rest[1]) {
			return 0, errors.New(`\c needs a letter`)
		}
		b.WriteString(`\c` + rest[1:2])
		return 2, nil
	case 'x':
		if len(rest) > 1 && rest[1] == '{' {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return 0, errors.New(`unclosed \x{…}`)
			}
			b.WriteString(`\u{` + rest[2:end] + `}`)
			return end + 1, nil
		}
		b.WriteString(`\x`)
		return 1, nil
	case '0':
		n := 1
		for n < len(rest) && n < 4 && '0' <= rest[n] && rest[n] <= '7' {
			n++
		}
		if n == 4 && rest[1] > '3' { // Java reads at most 0377
			n = 3
		}
		if n == 1 {
			return 0, errors.New(`\0 needs an octal digit`)
		}
		v, _ := strconv.ParseUint(rest[1:n], 8, 32)
		b.WriteString(`\u{` + strconv.FormatUint(v, 16) + `}`)
		return n, nil
	case 'p', 'P':
		if len(rest) > 1 && rest[1] == '{' {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return 0, errors.New(`unclosed \` + string(c) + `{…}`)
			}
			b.WriteString(`\` + rest[:end+1])
			return end + 1, nil
		}
		if len(rest) < 2 || !isLetter(rest[1]) {
			return 0, errors.New(`\` + string(c) + ` needs a property name`)
		}
		b.WriteString(`\` + rest[:1] + `{` + rest[1:2] + `}`)
		return 2, nil
	case 'h', 'H':
		return class(horizontalSpace, c == 'H')
	case 'v', 'V':
		return class(verticalSpace, c == 'V')
	case 'R':
		return outside(`(?:\r\n|[` + verticalSpace + `])`)
	case 'A':
		return outside(`(?<![\s\S])`)
	case 'z':
		return outside(`(?![\s\S])`)
	case 'Z':
		return outside(`(?=(?:\r\n|[\n\r\x85\u2028\u2029])?(?![\s\S]))`)
	case 'G':
		return 0, errors.New(`\G is not supported by JavaScript's RegExp`)
	}
	if isLetter(c) || '0' <= c && c <= '9' {
		return 0, errors.New(`unsupported escape \` + string(c))
	}
	r, n := utf8.DecodeRuneInString(rest)
	if strings.ContainsRune(syntax, r) || (inClass && r == '-') {
		b.WriteByte('\\')
	}
	b.WriteString(rest[:n])
	return n, nil
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
