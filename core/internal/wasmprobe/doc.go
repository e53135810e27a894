// Package wasmprobe is the floor of the wasm size probes: roughly what the
// wasm module (wasm/main.go) links before it uses core at all — the Go
// runtime and strconv. The module talks to JavaScript only through its
// exports, so it links neither fmt, reflect nor os, nor package time (core
// counts milliseconds); neither does the floor: the probes' deltas over it
// measure core and filter.
//
// The probes are main packages, each a superset of the one before:
//
//	floor   Floor alone
//	rest    + building every Op, Params with a string filter, DecodeResponse
//	filter  + filter.Parse and filter.Render
//	ws      + the WebSocket engine
//
// core/wasmsize_test.go builds them and the module itself with GOOS=js
// GOARCH=wasm, as a plain go build does, and checks the sizes and what they
// link. To look at one by hand:
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o /tmp/ws.wasm ./core/internal/wasmprobe/ws
//
// This package must import nothing of the module: its own imports are the
// floor.
package wasmprobe

import "strconv"

// Inputs are the probes' inputs. They are a variable, not constants, so
// that the compiler cannot fold the code under test away.
var Inputs = []string{"probe"}

// Floor uses strconv the way the module does: formatting numbers.
func Floor() {
	println(strconv.Itoa(len(Inputs)), strconv.FormatFloat(float64(len(Inputs))/3, 'g', -1, 64))
}

// Arg returns input i, or def.
func Arg(i int, def string) string {
	if i < len(Inputs) {
		return Inputs[i]
	}
	return def
}
