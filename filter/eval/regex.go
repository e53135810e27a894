package eval

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/flowthings/flowthings-wasm/filter/eval/match"
)

// RE2 compiles an FFL regex, written in Java's dialect, with Go's regexp:
// the default match.RegexCompiler of Compile. The package documentation
// lists the flag mapping and what is rejected.
func RE2(pattern, flags string) (match.Regexp, error) {
	re, err := compileRE2(pattern, flags)
	if err != nil {
		return nil, err // not a nil *regexp.Regexp in a non-nil interface
	}
	return re, nil
}

func compileRE2(pattern, flagSet string) (*regexp.Regexp, error) {
	var flags []byte
	extended := false
	for _, f := range []byte(flagSet) {
		switch f {
		case 'i', 'm', 's':
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		case 'x':
			extended = true
		}
	}
	src, err := toRE2(pattern, extended)
	if err != nil {
		return nil, err
	}
	if len(flags) > 0 {
		src = "(?" + string(flags) + ")" + src
	}
	return regexp.Compile(src)
}

// toRE2 rewrites a Java pattern for RE2 or explains why it cannot.
func toRE2(p string, extended bool) (string, error) {
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
			// \Q…\E quotes literally; RE2 supports it, copy it unexamined.
			end := len(p)
			if j := strings.Index(p[i+2:], `\E`); j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(p[i:end])
			i = end - 1
		case c == '\\' && i+1 < len(p):
			// (A lone trailing backslash falls through to RE2, which
			// rejects it.)
			if err := checkEscape(p[i+1], inClass); err != nil {
				return "", err
			}
			b.WriteString(p[i : i+2])
			i++
		case inClass:
			switch {
			case c == '[':
				return "", errors.New("nested character classes (Java union) are not supported by RE2")
			case c == '&' && i+1 < len(p) && p[i+1] == '&':
				return "", errors.New("character class intersection (&&) is not supported by RE2")
			case c == ']' && i > classStart:
				inClass = false
			}
			b.WriteByte(c)
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
			for _, g := range [...]string{"(?=", "(?!", "(?<=", "(?<!"} {
				if strings.HasPrefix(p[i:], g) {
					return "", errors.New("lookaround " + g + "…) is not supported by RE2")
				}
			}
			if strings.HasPrefix(p[i:], "(?>") {
				return "", errors.New("atomic group (?>…) is not supported by RE2")
			}
			open = true
			b.WriteByte(c)
		case c == '{':
			// A {n}, {n,} or {n,m} repetition is a quantifier; any other
			// brace is literal.
			n := repetitionLen(p[i:])
			if n == 0 {
				b.WriteByte(c)
				break
			}
			b.WriteString(p[i : i+n])
			i += n - 1
			quant = true
		case c == '+' && prevQuant:
			return "", errors.New("possessive quantifier (" + string(p[i-1]) + "+) is not supported by RE2")
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

// checkEscape rejects Java escapes RE2 lacks or would read differently.
func checkEscape(c byte, inClass bool) error {
	switch {
	case inClass:
		return nil
	case '1' <= c && c <= '9', c == 'k':
		return errors.New("backreferences are not supported by RE2")
	case c == 'G':
		return errors.New(`\G is not supported by RE2`)
	case c == 'Z':
		return errors.New(`\Z is not supported by RE2; use \z`)
	}
	return nil
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
