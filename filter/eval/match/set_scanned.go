//go:build js

package match

// indexedSets is false for GOOS=js, the wasm module: its live queries match
// one pushed drop at a time, where scanning a list is fast enough, and the
// indexes would add 10 KB to the gzipped module. The results are the same
// (TestSetMatchesLinearEquality).
const indexedSets = false
