package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// addSeeds seeds a fuzz target with the protocol examples, the rendering
// contract and a few inputs aimed at the tricky corners of the lexer.
func addSeeds(f *testing.F) {
	for _, s := range protocolExamples {
		f.Add(s)
	}
	for _, tc := range renderCases {
		f.Add(tc.want)
	}
	for _, s := range []string{
		`foo == "a\"b\\c\'d"`, `foo =~ /a\\\/b/g`, `foo == Wrap(Date(-0))`,
		`location within 1 km of [zip=02108]`, `AGE("x") != 1 seconds`,
		`NOT (a == 1 || b == 2) && c IN []`, `foo == 1.0000000000000002`,
		`$a.$b-c.d_1 == _`, `foo == '` + "\x00\xff" + `'`,
	} {
		f.Add(s)
	}
}

// FuzzParse: Parse never panics, errors are positioned SyntaxErrors, and
// every accepted tree passes Validate.
func FuzzParse(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			require.ErrorAs(t, err, &se)
			require.True(t, 0 <= se.Pos && se.Pos <= len(s), "position %d out of range", se.Pos)
			return
		}
		require.NoError(t, Validate(e))
	})
}

// FuzzRoundTrip: whatever parses renders, re-parses to the same tree and
// renders identically.
func FuzzRoundTrip(f *testing.F) {
	addSeeds(f)
	f.Fuzz(checkRoundTrip)
}
