package eval

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/flowthings/flowthings-wasm/filter/eval/internal/javaregex"
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
	for _, f := range []byte(flagSet) {
		if strings.IndexByte("ims", f) >= 0 && !slices.Contains(flags, f) {
			flags = append(flags, f)
		}
	}
	src, err := javaregex.Translate(pattern, strings.Contains(flagSet, "x"), re2Dialect)
	if err != nil {
		return nil, err
	}
	if len(flags) > 0 {
		src = "(?" + string(flags) + ")" + src
	}
	return regexp.Compile(src)
}

// re2Dialect copies what RE2 reads as Java does and rejects what it lacks.
var re2Dialect = javaregex.Dialect{
	Name: "RE2",
	Escape: func(b *strings.Builder, rest string, inClass bool) (int, error) {
		_, n := utf8.DecodeRuneInString(rest)
		if !inClass {
			switch c := rest[0]; {
			case '1' <= c && c <= '9', c == 'k':
				return 0, errors.New("backreferences are not supported by RE2")
			case c == 'G':
				return 0, errors.New(`\G is not supported by RE2`)
			case c == 'Z':
				return 0, errors.New(`\Z is not supported by RE2; use \z`)
			}
		}
		b.WriteByte('\\')
		b.WriteString(rest[:n])
		return n, nil
	},
	Quote: func(b *strings.Builder, text string) {
		b.WriteString(`\Q`)
		b.WriteString(text)
		b.WriteString(`\E`)
	},
	Group: func(rest string) error {
		for _, g := range [...]string{"(?=", "(?!", "(?<=", "(?<!"} {
			if strings.HasPrefix(rest, g) {
				return errors.New("lookaround " + g + "…) is not supported by RE2")
			}
		}
		if strings.HasPrefix(rest, "(?>") {
			return errors.New("atomic group (?>…) is not supported by RE2")
		}
		return nil
	},
	Literal: func(b *strings.Builder, c byte) { b.WriteByte(c) },
}
