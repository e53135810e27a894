package core

import "cmp"

// sortSmall sorts s in place by insertion. What core sorts is small: the
// keys of one call's params or frame options, the rules of one aggregation,
// the subscriptions and handlers of one engine. sort.Strings would link a
// pdqsort, several KB of gzipped wasm, for them. Inlined at each of its
// call sites it would cost more than the call.
//
//go:noinline
func sortSmall[T cmp.Ordered](s []T) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
