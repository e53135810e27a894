//go:build js && wasm

// Command empty is the bench's cold-start baseline: a Go wasm module that
// does nothing, so instantiating it and running it to its exit measures the
// Go runtime's own start-up.
package main

func main() {}
