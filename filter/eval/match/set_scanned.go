//go:build flowthings_module && js && wasm

package match

// indexedSets is false in the wasm module (go build -tags
// flowthings_module): its live queries match one pushed drop at a time,
// where scanning a list is fast enough, and the indexes would add 4 KB to
// the gzipped module. The results are the same
// (TestSetMatchesLinearEquality).
const indexedSets = false
