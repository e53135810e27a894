// Package wasmprobe is the floor of the wasm size probes: roughly what the
// wasm bridge links before it uses core at all. The bridge is built on
// github.com/hack-pad/safejs, which pulls in fmt, reflect, os and time; Floor
// uses each of them so that the probes' deltas over the floor measure core
// and filter only, without making core depend on safejs.
//
// The probes are main packages, each a superset of the one before:
//
//	floor   Floor alone
//	rest    + building every Op, Params with a string filter, DecodeResponse
//	filter  + filter.Parse and filter.Render
//	ws      + the WebSocket engine
//
// core/wasmsize_test.go builds them with GOOS=js GOARCH=wasm and checks the
// sizes and what they link. To look at one by hand:
//
//	GOOS=js GOARCH=wasm go build -trimpath -ldflags='-s -w' -o /tmp/ws.wasm ./core/internal/wasmprobe/ws
//
// This package must import nothing of the module: its own imports are the
// floor.
package wasmprobe

import (
	"fmt"
	"os"
	"reflect"
	"time"
)

// Floor uses fmt, reflect, os and time the way a bridge would: formatting
// values, inspecting types, reading the environment and timing.
func Floor() {
	start := time.Now()
	v := reflect.ValueOf(os.Args)
	fmt.Println(fmt.Sprintf("%v %T %d", os.Args, v.Interface(), v.Len()), os.Getenv("PROBE"))
	if len(os.Args) > 99 {
		os.Exit(2)
	}
	println(time.Since(start).String())
}

// Arg returns command-line argument i, or def: probe inputs come from
// outside so that the compiler cannot fold the code under test away.
func Arg(i int, def string) string {
	if i < len(os.Args) {
		return os.Args[i]
	}
	return def
}
