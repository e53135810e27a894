package core

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// slashToken has the characters that escaping changes: / and +.
const slashToken = "tok/Qx7+Lk9Zv2/Wm4+Hj8Rb"

// tokenForms are the ways text, JSON and URLs write slashToken.
func tokenForms(token string) map[string]string {
	var every, everyPct strings.Builder
	for _, c := range token {
		every.WriteString(`\u` + strings.ToUpper(hexOf(c)))
		everyPct.WriteString("%" + strings.ToLower(hexOf(c)[2:]))
	}
	return map[string]string{
		"as is":                       token,
		`JSON \/`:                     strings.ReplaceAll(token, "/", `\/`),
		`JSON \u002f`:                 strings.ReplaceAll(token, "/", `\u002f`),
		`JSON in JSON \\u002F`:        strings.ReplaceAll(token, "/", `\\u002F`),
		`JSON in JSON \\/`:            strings.ReplaceAll(token, "/", `\\/`),
		"every character \\u-escaped": every.String(),
		"percent-encoded":             url.QueryEscape(token),
		"percent-encoded, lower case": strings.ToLower(url.QueryEscape(token)[:4]) + url.QueryEscape(token)[4:],
		"percent-encoded twice":       url.QueryEscape(url.QueryEscape(token)),
		"every byte percent-encoded":  everyPct.String(),
	}
}

func hexOf(r rune) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15]})
}

func TestRedactForms(t *testing.T) {
	t.Parallel()
	for name, form := range tokenForms(slashToken) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, "a [redacted] b [redacted]", redact("a "+form+" b "+form, slashToken))
			body := []byte(`{"head":{"errors":["bad token ` + form + `"]}}`)
			assert.Equal(t, `{"head":{"errors":["bad token [redacted]"]}}`, redactedExcerpt(body, slashToken))
			err := MalformedBodyError(Request{Method: "GET", Path: "/x", Header: []Header{{"X-Auth-Token", slashToken}}}, 502, "r", []byte("<p>"+form+"</p>"))
			assert.Contains(t, err.Error(), "<p>[redacted]</p>")
		})
	}
}

func TestRedactOtherCharacters(t *testing.T) {
	t.Parallel()
	tests := []struct{ token, text, want string }{
		{`a"b`, `x a\"b y`, "x [redacted] y"},
		{`a\b`, `x a\\b y`, "x [redacted] y"},
		{"é-😀", `x \u00e9-\ud83d\ude00 y`, "x [redacted] y"},
		{"é-😀", `x \u00E9-\\ud83d\\ude00 y`, "x [redacted] y"},
		{"é-😀", "x %C3%A9-%F0%9F%98%80 y", "x [redacted] y"},
		{"é-😀", `x \ud83d\ude00 é-\ud83d y`, `x \ud83d\ude00 é-\ud83d y`},
		{"ab", "a%2", "a%2"},
		{"ab", `a\u006`, `a\u006`},
		{"ab", `a%25`, `a%25`},
		{"ab", `a\`, `a\`},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, redact(tc.text, tc.token), "%q in %q", tc.token, tc.text)
	}
}

// Every whole occurrence is replaced before the excerpt is cut: no part of
// an escaped token survives at the cut either.
func TestRedactedExcerptEscapedAtTheCut(t *testing.T) {
	t.Parallel()
	for name, form := range tokenForms(slashToken) {
		ex := redactedExcerpt([]byte(strings.Repeat("x", excerptLen-5)+form), slashToken)
		assert.Equal(t, strings.Repeat("x", excerptLen-5)+"[reda", ex, name)
	}
}
