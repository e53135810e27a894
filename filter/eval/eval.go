// Package eval evaluates flowthings filters (package filter) against JSON
// objects decoded as map[string]any: it is package filter/eval/match, which
// documents the semantics, with Go's RE2 as the default regex engine. The
// emulator and the Go client use it; the wasm module uses match directly
// with the host's RegExp, so that it never links regexp.
//
// # Regular expressions on RE2
//
// FFL regexes are Java's; RE2 runs them after a translation. Flags i, m and
// s map to RE2's (?i), (?m) and (?s). x (comments) is applied before
// compiling: unescaped whitespace and #-comments outside character classes
// are removed. u is accepted and needs nothing, RE2 folds case by Unicode
// rules anyway; g is accepted and ignored, a yes/no find has no "global"
// mode. Constructs RE2 cannot express are compile errors: lookahead and
// lookbehind, atomic groups, possessive quantifiers, backreferences, \G,
// \Z and character-class union or intersection. Remaining differences: with
// m off, Java's $ also matches before a final line terminator and RE2's
// only at the end; Java's . also excludes \r, \u0085, \u2028 and \u2029.
package eval

import (
	"time"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/filter/eval/match"
)

// Options configures Compile and Distance.
type Options struct {
	// Regex compiles the filter's regexes (=~ and MATCHES); nil means RE2.
	Regex match.RegexCompiler
	// Now is the clock of AGE; nil means time.Now.
	Now func() time.Time
	// Zip resolves WITHIN [ZIP=…] targets at compile time and ZIP-only
	// locations at match time; nil means ZipCentroid.
	Zip ZipFunc
}

// match is o as package match takes it, defaults applied: its clock
// counts Unix milliseconds (package match does not link package time).
func (o Options) match() match.Options {
	regex, now := o.Regex, o.Now
	if regex == nil {
		regex = RE2
	}
	if now == nil {
		now = time.Now
	}
	return match.Options{Regex: regex, Now: func() int64 { return now().UnixMilli() }, Zip: o.Zip}
}

// The evaluator's types, from package match.
type (
	// Program is a compiled filter, safe for concurrent use.
	Program = match.Program
	// Error is a compile error (see match.Error).
	Error = match.Error
	// ZipFunc resolves a ZIP code to its centroid.
	ZipFunc = match.ZipFunc
)

// Compile validates e and compiles it for matching, with RE2 for regexes
// unless opts.Regex says otherwise. Errors are those of filter.Validate or
// *Error.
func Compile(e filter.Expr, opts Options) (*Program, error) {
	return match.Compile(e, opts.match())
}

// Lookup resolves a dotted path in obj with the rules of Match (see
// match.Lookup).
func Lookup(obj map[string]any, dotted string) (any, bool) { return match.Lookup(obj, dotted) }

// Distance returns the distance from obj's location member named by w to
// w's target, in w's unit (see match.Distance).
func Distance(obj map[string]any, w filter.WithinExpr, opts Options) (float64, bool) {
	return match.Distance(obj, w, opts.match())
}

// ZipCentroid looks a US ZIP code up in the built-in table (see
// match.ZipCentroid).
func ZipCentroid(zip string) (lat, lon float64, ok bool) { return match.ZipCentroid(zip) }
