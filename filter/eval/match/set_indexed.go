//go:build !(js && wasm)

package match

// indexedSets: IN and CONTAINS look long lists up in hash indexes.
const indexedSets = true
