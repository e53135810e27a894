// Package wasmprobe is the floor of the wasm size probes: roughly what the
// wasm module (wasm/main.go) links before it uses core at all — the Go
// runtime, time and strconv. The module talks to JavaScript only through
// its exports, so it links neither fmt, reflect nor os, and neither does
// the floor: the probes' deltas over it measure core and filter.
//
// The probes are main packages, each a superset of the one before:
//
//	floor   Floor alone
//	rest    + building every Op, Params with a string filter, DecodeResponse
//	filter  + filter.Parse and filter.Render
//	ws      + the WebSocket engine
//
// core/wasmsize_test.go builds them and the module itself with GOOS=js
// GOARCH=wasm and checks the sizes and what they link. To look at one by
// hand:
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o /tmp/ws.wasm ./core/internal/wasmprobe/ws
//
// This package must import nothing of the module: its own imports are the
// floor.
package wasmprobe

import (
	"strconv"
	"time"
)

// Inputs are the probes' inputs. They are a variable, not constants, so
// that the compiler cannot fold the code under test away.
var Inputs = []string{"probe"}

// Floor uses time and strconv the way the module does: timing, and
// formatting numbers.
func Floor() {
	start := time.Now()
	println(strconv.Itoa(len(Inputs)), strconv.FormatFloat(float64(len(Inputs))/3, 'g', -1, 64))
	println(time.Since(start).String())
}

// Arg returns input i, or def.
func Arg(i int, def string) string {
	if i < len(Inputs) {
		return Inputs[i]
	}
	return def
}
