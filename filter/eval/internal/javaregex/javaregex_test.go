package javaregex

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// marking is a dialect that shows what the scanner found: escapes as <e…>,
// quotations as <q…>, literals as <l…>; it refuses groups starting "(?!".
var marking = Dialect{
	Name: "the marker",
	Escape: func(b *strings.Builder, rest string, inClass bool) (int, error) {
		if rest[0] == '!' {
			return 0, errors.New("no !")
		}
		in := ""
		if inClass {
			in = "c"
		}
		b.WriteString("<e" + in + rest[:1] + ">")
		return 1, nil
	},
	Quote: func(b *strings.Builder, text string) { b.WriteString("<q" + text + ">") },
	Group: func(rest string) error {
		if strings.HasPrefix(rest, "(?!") {
			return errors.New("no (?!")
		}
		return nil
	},
	Literal: func(b *strings.Builder, c byte) { b.WriteString("<l" + string(c) + ">") },
}

func TestTranslate(t *testing.T) {
	tests := []struct {
		pattern  string
		extended bool
		want     string
	}{
		{`a\.b`, false, `a<e.>b`},
		{`[\d]\d`, false, `[<ecd>]<ed>`},
		{`\Qa\b\E\.`, false, `<qa\b><e.>`},
		{`\Qa.b`, false, `<qa.b>`},
		{`a{2}{x}a{1,}a{1,2}a{`, false, `a{2}<l{>x<l}>a{1,}a{1,2}a<l{>`},
		{`]}`, false, `<l]><l}>`},
		{`[]a][^]b]`, false, `[<l]>a][^<l]>b]`},
		{`[{}]`, false, `[{}]`},
		{"a b\t# c\nd [ #]", true, `abd[ #]`},
		{`a b`, false, `a b`},
		{`(?:a)+?(b)??c*`, false, `(?:a)+?(b)??c*`},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			got, err := Translate(tc.pattern, tc.extended, marking)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{`a\`, ErrLoneBackslash.Error()},
		{`a\!`, "no !"},
		{`(?!a)`, "no (?!"},
		{`[a[b]]`, "nested character classes (Java union) are not supported by the marker"},
		{`[a&&b]`, "character class intersection (&&) is not supported by the marker"},
		{`a++`, "possessive quantifier (++) is not supported by the marker"},
		{`a?+`, "possessive quantifier (?+) is not supported by the marker"},
		{`a{2}+`, "possessive quantifier (}+) is not supported by the marker"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			_, err := Translate(tc.pattern, false, marking)
			assert.EqualError(t, err, tc.want)
		})
	}
}
