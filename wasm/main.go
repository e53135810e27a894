//go:build js && wasm

// Command wasm is the flowthings wasm module: it serves the functions
// declared in package bridge (Bridge.Functions) to the JavaScript package
// (js/), through its WebAssembly exports only.
//
// Calls are exported WebAssembly functions (go:wasmexport), not functions
// made with js.FuncOf: measured in Node 20, a js.FuncOf call costs 25–120 µs
// (it wakes the Go scheduler and registers a finalizer per JavaScript value
// it touches), an exported function 0.1–1.5 µs. A call writes its arguments,
// one JSON text, into the input buffer (flowthings_input), runs
// (flowthings_call) and leaves its result, one JSON text, in the output
// buffer (flowthings_output). JavaScript learns the functions' numbers from
// flowthings_functions, and sets where the module's ids start with
// flowthings_start. The module never touches a JavaScript value (it
// does not import syscall/js), so it links neither fmt, reflect nor os,
// and core and the filter evaluator never import package time (they count
// milliseconds; AGE reads the host's clock, hostNow). No
// Go goroutine ever waits on a JavaScript promise, so one module serves any
// number of concurrent requests.
package main

import (
	"strconv"
	"unsafe"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
)

var (
	b = newBridge()
	// functions are the module's calls; a call names one by its index.
	functions = b.Functions()
)

// newBridge is the module's Bridge: filter programs run their regexes on
// the host's RegExp and read the host's clock.
func newBridge() *bridge.Bridge {
	b := bridge.New()
	b.Regex = hostRegex{}
	b.Now = func() int64 { return int64(hostNow()) }
	return b
}

// hostNow is the host's wall clock, JavaScript's Date.now: Unix
// milliseconds (see js/host.js).
//
//go:wasmimport flowthings now
func hostNow() float64

func main() {
	select {} // serve calls until the page or process goes away
}

// The buffers of the current call. JavaScript runs one call at a time.
var input, output []byte

// keptBuffer is the largest buffer kept from one call to the next: a
// larger one, made for a large call, is dropped once the call is over so
// that the Go heap can reuse its memory.
const keptBuffer = 64 << 10

// inputBuffer makes room for a call's arguments and returns where
// JavaScript writes them. It also drops the previous call's result when
// that was large: JavaScript has read it.
//
//go:wasmexport flowthings_input
func inputBuffer(size int32) uint32 {
	if cap(output) > keptBuffer {
		output = nil
	}
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
	text := input[:max(0, min(int(size), len(input)))]
	if fn < 0 || int(fn) >= len(functions) {
		output = []byte(bridge.InternalError("call", "no function number "+strconv.Itoa(int(fn))))
	} else {
		output = []byte(run(functions[fn], text))
	}
	if cap(input) > keptBuffer {
		input = nil
	}
	return int32(len(output))
}

// outputBuffer returns where the last call's result is.
//
//go:wasmexport flowthings_output
func outputBuffer() uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(output)))) }

// start sets the first id the module hands out (see Bridge.StartIDsAt);
// JavaScript calls it once, before any call.
//
//go:wasmexport flowthings_start
func start(firstID float64) { b.StartIDsAt(int(firstID)) }

// functionTable leaves the names of the module's functions, a JSON array
// in the order of their numbers, in the output buffer and returns its
// length.
//
//go:wasmexport flowthings_functions
func functionTable() int32 {
	b := []byte{'['}
	for i, f := range functions {
		if i > 0 {
			b = append(b, ',')
		}
		b = core.AppendJSONString(b, f.Name)
	}
	output = append(b, ']')
	return int32(len(output))
}

// run runs one function: it decodes the call's arguments, one JSON text,
// checks them against the function's declaration and turns any panic into
// an error result, so that nothing panics across the boundary. Results are
// JSON text (see package bridge).
func run(f bridge.Function, text []byte) (out string) {
	defer func() {
		if r := recover(); r != nil {
			out = internalError(f.Name, r)
		}
	}()
	v, err := core.ParseJSON(text)
	if err != nil {
		return bridge.Failure(err)
	}
	list, ok := v.([]any)
	if !ok {
		return bridge.InternalError(f.Name, "want the JSON text of the argument list")
	}
	return f.Call(list)
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
