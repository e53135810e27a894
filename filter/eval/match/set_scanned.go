//go:build js && wasm

package match

// indexedSets is false for js/wasm, the wasm module's platform: its live
// queries match one pushed drop at a time, where scanning a list is fast
// enough, and the indexes would add about 8 KB to the gzipped module (33 KB
// raw, measured with Go 1.26). The results are the same
// (TestSetMatchesLinearEquality compares the two).
const indexedSets = false
