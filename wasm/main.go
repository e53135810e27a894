//go:build js && wasm

// Command wasm is the flowthings wasm module: it bridges core to the
// JavaScript package (js/). It installs one object, __flowthings, on the
// global object it was started with — the JS loader starts it with a
// private one, so nothing leaks onto the real globalThis — and then waits,
// serving synchronous calls: no Go goroutine ever waits on a JavaScript
// promise, so one module serves any number of concurrent requests.
package main

import (
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/bridge"
	"github.com/hack-pad/safejs"
)

func main() {
	b := bridge.New()
	api := map[string]func(a args) any{
		"configure":     func(a args) any { return b.Configure(a.any(0)) },
		"release":       func(a args) any { b.Release(a.num(0)); return "{}" },
		"build":         func(a args) any { return b.Build(a.num(0), a.any(1)) },
		"raw":           func(a args) any { return b.Raw(a.num(0), a.str(1), a.str(2), a.any(3), a.any(4), a.bool(5)) },
		"decodeHead":    func(a args) any { return b.DecodeHead(a.num(0), a.any(1), a.num(2), a.str(3)) },
		"decode":        func(a args) any { return b.Decode(a.num(0), a.any(1), a.num(2), a.str(3)) },
		"fallsBack":     func(a args) any { return strconv.FormatBool(b.FallsBack(a.str(0))) },
		"renderFilter":  func(a args) any { return b.RenderFilter(a.any(0)) },
		"parseFilter":   func(a args) any { return b.ParseFilter(a.str(0)) },
		"wsNew":         func(a args) any { return b.WSNew(a.num(0), a.any(1)) },
		"wsConnect":     func(a args) any { return b.WSConnect(a.num(0)) },
		"wsSession":     func(a args) any { return b.WSSession(a.num(0), a.any(1), a.num(2), a.str(3)) },
		"wsOpened":      func(a args) any { return b.WSOpened(a.num(0)) },
		"wsClosed":      func(a args) any { return b.WSClosed(a.num(0), a.any(1)) },
		"wsTimer":       func(a args) any { return b.WSTimer(a.num(0), a.num(1)) },
		"wsFrame":       func(a args) any { return b.WSFrame(a.num(0), a.str(1)) },
		"wsSend":        func(a args) any { return b.WSSend(a.num(0), a.any(1)) },
		"wsSubscribe":   func(a args) any { return b.WSSubscribe(a.num(0), a.str(1), a.num(2)) },
		"wsUnsubscribe": func(a args) any { return b.WSUnsubscribe(a.num(0), a.str(1), a.num(2)) },
		"wsCancel":      func(a args) any { return b.WSCancel(a.num(0), a.num(1)) },
		"wsClose":       func(a args) any { return b.WSClose(a.num(0)) },
	}
	exports := map[string]any{}
	for name, fn := range api {
		f, err := safejs.FuncOf(guard(name, fn))
		if err != nil {
			panic(err) // at start-up, before any call: the loader reports the exit
		}
		exports[name] = f
	}
	if err := safejs.Global().Set("__flowthings", exports); err != nil {
		panic(err)
	}
	select {} // serve calls until the page or process goes away
}

// guard runs one exported function: it decodes the call's arguments, one
// JSON text, and turns any panic into an error result, so that nothing
// panics across the boundary. Results are JSON text (see package bridge).
// Not inlined: one copy of it serves every function.
//
//go:noinline
func guard(name string, fn func(args) any) func(safejs.Value, []safejs.Value) any {
	return func(_ safejs.Value, in []safejs.Value) (out any) {
		defer func() {
			if r := recover(); r != nil {
				out = internalError(name, r)
			}
		}()
		if len(in) != 1 {
			return bridge.InternalError(name, "want one argument, the JSON text of the arguments")
		}
		text, err := in[0].String()
		if err != nil {
			return bridge.Failure(err)
		}
		v, err := core.ParseJSON([]byte(text))
		if err != nil {
			return bridge.Failure(err)
		}
		list, _ := v.([]any)
		return fn(args(list))
	}
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
