package core

import (
	"slices"
	"strings"
	"testing"
)

// The wasm build avoids a few general library functions by doing the one
// thing core needs by hand; these fuzz targets hold the stand-ins to the
// originals.

func FuzzToValidUTF8(f *testing.F) {
	for _, s := range []string{"", "abc", "\xff", "a\xff\xfeb", "\xef\xbf\xbd\xff", "é\xc3", "\xf0\x9f\x98"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := toValidUTF8(b), strings.ToValidUTF8(string(b), "\uFFFD"); got != want {
			t.Fatalf("toValidUTF8(%q) = %q, want %q", b, got, want)
		}
	})
}

func FuzzRedact(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"abc", ""}, {"a secret b secret", "secret"}, {"aaa", "aa"}, {"x", "xy"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, s, token string) {
		got := redact(s, token)
		if token == "" || strings.ContainsAny(s, `%\`) || strings.ContainsAny(token, `%\`) {
			// Escaped forms: redact may find more than ReplaceAll, never the token itself.
			if token != "" && !strings.Contains(redacted, token) && strings.Contains(got, token) {
				t.Fatalf("redact(%q, %q) = %q keeps the token", s, token, got)
			}
			return
		}
		if want := strings.ReplaceAll(s, token, redacted); got != want {
			t.Fatalf("redact(%q, %q) = %q, want %q", s, token, got, want)
		}
	})
}

func FuzzSortSmall(f *testing.F) {
	f.Add("b,a,c,a,")
	f.Fuzz(func(t *testing.T, list string) {
		got := strings.Split(list, ",")
		want := slices.Clone(got)
		sortSmall(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("sortSmall: %q, want %q", got, want)
		}
	})
}
