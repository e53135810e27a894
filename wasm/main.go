//go:build js && wasm

// Command wasm is the flowthings wasm module: it bridges core to the
// JavaScript package (js/).
//
// Calls are exported WebAssembly functions (go:wasmexport), not functions
// made with js.FuncOf: measured in Node 20, a js.FuncOf call costs 25–120 µs
// (it wakes the Go scheduler and registers a finalizer per JavaScript value
// it touches), an exported function 0.1–1.5 µs. A call writes its arguments,
// one JSON text, into the input buffer (flowthings_input), runs
// (flowthings_call) and leaves its result, one JSON text, in the output
// buffer (flowthings_output). JavaScript learns the functions' numbers from
// the one object main installs with safejs, __flowthings, on the global
// object the module was started with — the JS loader starts it with a
// private one, so nothing leaks onto the real globalThis. No Go goroutine
// ever waits on a JavaScript promise, so one module serves any number of
// concurrent requests.
package main

import (
	"strconv"
	"unsafe"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/hack-pad/safejs"
)

var b = bridge.New()

// functions are the module's calls; a call names one by its index.
var functions = []struct {
	name string
	fn   func(a args) string
}{
	{"configure", func(a args) string { return b.Configure(a.any(0)) }},
	{"release", func(a args) string { b.Release(a.num(0)); return "{}" }},
	{"build", func(a args) string { return b.Build(a.num(0), a.any(1)) }},
	{"raw", func(a args) string { return b.Raw(a.num(0), a.str(1), a.str(2), a.any(3), a.any(4), a.bool(5)) }},
	{"decodeHead", func(a args) string { return b.DecodeHead(a.num(0), a.any(1), a.num(2), a.str(3)) }},
	{"decode", func(a args) string { return b.Decode(a.num(0), a.any(1), a.num(2), a.str(3)) }},
	{"fallsBack", func(a args) string { return strconv.FormatBool(b.FallsBack(a.str(0))) }},
	{"renderFilter", func(a args) string { return b.RenderFilter(a.any(0)) }},
	{"parseFilter", func(a args) string { return b.ParseFilter(a.str(0)) }},
	{"wsNew", func(a args) string { return b.WSNew(a.num(0), a.any(1)) }},
	{"wsConnect", func(a args) string { return b.WSConnect(a.num(0)) }},
	{"wsSession", func(a args) string { return b.WSSession(a.num(0), a.any(1), a.num(2), a.str(3)) }},
	{"wsOpened", func(a args) string { return b.WSOpened(a.num(0)) }},
	{"wsClosed", func(a args) string { return b.WSClosed(a.num(0), a.any(1)) }},
	{"wsTimer", func(a args) string { return b.WSTimer(a.num(0), a.num(1)) }},
	{"wsFrame", func(a args) string { return b.WSFrame(a.num(0), a.str(1)) }},
	{"wsSend", func(a args) string { return b.WSSend(a.num(0), a.any(1)) }},
	{"wsSubscribe", func(a args) string { return b.WSSubscribe(a.num(0), a.str(1), a.num(2)) }},
	{"wsUnsubscribe", func(a args) string { return b.WSUnsubscribe(a.num(0), a.str(1), a.num(2)) }},
	{"wsCancel", func(a args) string { return b.WSCancel(a.num(0), a.num(1)) }},
	{"wsClose", func(a args) string { return b.WSClose(a.num(0)) }},
}

func main() {
	names := make([]any, len(functions))
	for i, f := range functions {
		names[i] = f.name
	}
	if err := safejs.Global().Set("__flowthings", map[string]any{"functions": names}); err != nil {
		panic(err) // at start-up, before any call: the loader reports that the module did not start
	}
	select {} // serve calls until the page or process goes away
}

// The buffers of the current call. JavaScript runs one call at a time.
var input, output []byte

// inputBuffer makes room for a call's arguments and returns where
// JavaScript writes them.
//
//go:wasmexport flowthings_input
func inputBuffer(size int32) uint32 {
	if cap(input) < int(size) {
		input = make([]byte, size)
	}
	input = input[:cap(input)]
	return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(input))))
}

// call runs function fn on the size bytes of arguments in the input buffer
// and returns the length of its result, which outputBuffer locates.
//
//go:wasmexport flowthings_call
func call(fn, size int32) int32 {
	name, f := "unknown", func(args) string { return bridge.InternalError("call", "no function number "+strconv.Itoa(int(fn))) }
	if fn >= 0 && int(fn) < len(functions) {
		name, f = functions[fn].name, functions[fn].fn
	}
	output = []byte(run(name, f, input[:max(0, min(int(size), len(input)))]))
	return int32(len(output))
}

// outputBuffer returns where the last call's result is.
//
//go:wasmexport flowthings_output
func outputBuffer() uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(output)))) }

// run runs one function: it decodes the call's arguments, one JSON text,
// and turns any panic into an error result, so that nothing panics across
// the boundary. Results are JSON text (see package bridge).
func run(name string, fn func(args) string, text []byte) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = internalError(name, r)
		}
	}()
	v, err := core.ParseJSON(text)
	if err != nil {
		return bridge.Failure(err)
	}
	list, ok := v.([]any)
	if !ok {
		return bridge.InternalError(name, "want the JSON text of the argument list")
	}
	return fn(args(list))
}

// internalError is the result of a bug: a panic. It names the function,
// never the arguments.
func internalError(name string, cause any) string {
	reason := "panic"
	switch c := cause.(type) {
	case error:
		reason = c.Error()
	case string:
		reason = c
	}
	return bridge.InternalError(name, reason)
}

// args are the decoded arguments of a call.
type args []any

func (a args) any(i int) any {
	if i < len(a) {
		return a[i]
	}
	return nil
}

func (a args) num(i int) float64 { n, _ := a.any(i).(float64); return n }
func (a args) str(i int) string  { s, _ := a.any(i).(string); return s }
func (a args) bool(i int) bool   { b, _ := a.any(i).(bool); return b }
