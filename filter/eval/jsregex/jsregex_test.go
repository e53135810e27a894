package jsregex

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// What a RegExp makes of these sources is tested under Node, in
// test/js/live-match.test.js; here, the translation itself.
func TestTranslate(t *testing.T) {
	tests := []struct {
		pattern, flags  string
		source, jsFlags string
	}{
		{`^a.c$`, "", `^a.c$`, "u"},
		{`abc`, "gimsux", `abc`, "imsu"},
		{`a b # comment`, "x", `ab`, "u"},
		{"a\tb\n# whole line\nc", "x", `abc`, "u"},
		{`a\ b`, "x", `a b`, "u"},
		{`[ ]x`, "x", `[ ]x`, "u"},
		{`(?=a)(?!b)(?<=c)(?<!d)`, "", `(?=a)(?!b)(?<=c)(?<!d)`, "u"},
		{`(a)\1(?<n>b)\k<n>`, "", `(a)\1(?<n>b)\k<n>`, "u"},
		{`(?:x)(?<name>y)`, "", `(?:x)(?<name>y)`, "u"},
		{`\Qa.b*[c]\E+`, "", `a\.b\*\[c\]+`, "u"},
		{`\Qa.b`, "", `a\.b`, "u"},
		{`\Q\E`, "", ``, "u"},
		{`a{2}b{2,}c{2,3}`, "", `a{2}b{2,}c{2,3}`, "u"},
		{`a{x}`, "", `a\{x\}`, "u"},
		{`a{2,3`, "", `a\{2,3`, "u"},
		{`a]`, "", `a\]`, "u"},
		{`[]a]`, "", `[\]a]`, "u"},
		{`[^]a]`, "", `[^\]a]`, "u"},
		{`[a\-z]`, "", `[a\-z]`, "u"},
		{`a\-b\#c\@d\:e\'f\"g\ h`, "", `a-b#c@d:e'f"g h`, "u"},
		{`\.\*\+\?\(\)\[\]\{\}\|\/\^\$\\`, "", `\.\*\+\?\(\)\[\]\{\}\|\/\^\$\\`, "u"},
		{`\d\D\w\W\s\S\t\n\r\f\b\B`, "", `\d\D\w\W\s\S\t\n\r\f\b\B`, "u"},
		{`\u00e9\x41\x{1F600}\cJ`, "", `\u00e9\x41\u{1F600}\cJ`, "u"},
		{`\0101\07\0377\0400`, "", `\u{41}\u{7}\u{ff}\u{20}0`, "u"},
		{`\a\e`, "", `\x07\x1B`, "u"},
		{`\h\H[\h]`, "", `[` + horizontalSpace + `][^` + horizontalSpace + `][` + horizontalSpace + `]`, "u"},
		{`\v\V[\v]`, "", `[` + verticalSpace + `][^` + verticalSpace + `][` + verticalSpace + `]`, "u"},
		{`\R`, "", `(?:\r\n|[` + verticalSpace + `])`, "u"},
		{`\Aa\z`, "", `(?<![\s\S])a(?![\s\S])`, "u"},
		{`a\Z`, "", `a(?=(?:\r\n|[\n\r\x85\u2028\u2029])?(?![\s\S]))`, "u"},
		{`\p{Lu}\P{L}\pL\PN`, "", `\p{Lu}\P{L}\p{L}\P{N}`, "u"},
		{`é\é`, "", `éé`, "u"},
		{`a*?b+?c??`, "", `a*?b+?c??`, "u"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"/"+tc.flags, func(t *testing.T) {
			source, flags, err := Translate(tc.pattern, tc.flags)
			require.NoError(t, err)
			assert.Equal(t, tc.source, source)
			assert.Equal(t, tc.jsFlags, flags)
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{`(?>ab)`, "atomic group (?>…) is not supported by JavaScript's RegExp"},
		{`(?i)ab`, "inline flags (?i…) are not supported by JavaScript's RegExp; use the regex's flags"},
		{`(?-i:a)`, "inline flags (?-…)"},
		{`a*+`, "possessive quantifier (*+) is not supported by JavaScript's RegExp"},
		{`a{2}+`, "possessive quantifier (}+)"},
		{`[a-z&&[^b]]`, "character class intersection (&&) is not supported by JavaScript's RegExp"},
		{`[a[b]]`, "nested character classes (Java union)"},
		{`\Ga`, `\G is not supported`},
		{`[\H]`, `\H inside a character class`},
		{`[\V]`, `\V inside a character class`},
		{`[\R]`, `\R inside a character class`},
		{`[\A]`, `\A inside a character class`},
		{`[\1]`, `\1 inside a character class`},
		{`\q`, `unsupported escape \q`},
		{`\E`, `unsupported escape \E`},
		{`\c1`, `\c needs a letter`},
		{`\c`, `\c needs a letter`},
		{`\x{41`, `unclosed \x{…}`},
		{`\0`, `\0 needs an octal digit`},
		{`\08`, `\0 needs an octal digit`},
		{`\p{Lu`, `unclosed \p{…}`},
		{`\p1`, `\p needs a property name`},
		{`a\`, "trailing backslash"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			_, _, err := Translate(tc.pattern, "")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
