//go:build js && wasm

// Command hello is the bench's size baseline for dist/flowthings.wasm: the
// smallest program that uses github.com/hack-pad/safejs the way the bridge
// does — one FuncOf, a ValueOf and a Promise.resolve call. bench/bench.js
// builds it with the release flags and prints what the module adds on top.
package main

import "github.com/hack-pad/safejs"

func main() {
	hello, err := safejs.FuncOf(func(_ safejs.Value, _ []safejs.Value) any {
		promise, err := safejs.Global().Get("Promise")
		if err != nil {
			return nil
		}
		greeting, err := safejs.ValueOf("hello")
		if err != nil {
			return nil
		}
		resolved, err := promise.Call("resolve", greeting)
		if err != nil {
			return nil
		}
		return resolved
	})
	if err != nil {
		panic(err)
	}
	if err := safejs.Global().Set("hello", hello); err != nil {
		panic(err)
	}
	select {}
}
