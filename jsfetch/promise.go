//go:build js && wasm

package jsfetch

import (
	"context"
	"errors"
	"sync"

	"github.com/hack-pad/safejs"
)

// Await waits until thenable (a Promise, or any object with a
// then(onFulfilled, onRejected) method) settles, or ctx ends. A rejection is
// returned as a *JSError.
//
// The two callbacks release themselves when one of them runs: releasing
// them earlier (when ctx ends first) would make the late settlement call a
// released function, which stops the Go program.
func Await(ctx context.Context, thenable safejs.Value) (safejs.Value, error) {
	type settlement struct {
		value safejs.Value
		err   error
	}
	settled := make(chan settlement, 1)
	var once sync.Once
	var onFulfilled, onRejected safejs.Func
	settle := func(s settlement) {
		once.Do(func() {
			onFulfilled.Release()
			onRejected.Release()
			settled <- s
		})
	}
	var err error
	onFulfilled, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		settle(settlement{value: firstArg(args)})
		return nil
	})
	if err != nil {
		return safejs.Undefined(), err
	}
	onRejected, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		settle(settlement{err: errorFromJS(firstArg(args))})
		return nil
	})
	if err != nil {
		onFulfilled.Release()
		return safejs.Undefined(), err
	}
	if _, err := thenable.Call("then", onFulfilled.Value(), onRejected.Value()); err != nil {
		once.Do(func() { onFulfilled.Release(); onRejected.Release() })
		return safejs.Undefined(), &JSError{Message: "not a promise: " + err.Error()}
	}
	select {
	case s := <-settled:
		return s.value, s.err
	case <-ctx.Done():
		return safejs.Undefined(), ctx.Err()
	}
}

func firstArg(args []safejs.Value) safejs.Value {
	if len(args) == 0 {
		return safejs.Undefined()
	}
	return args[0]
}

// JSError is a JavaScript exception or rejection: its name and message, and
// those of its cause (Node's fetch puts the network error there).
type JSError struct {
	Name    string
	Message string
	Cause   *JSError
}

func (e *JSError) Error() string {
	s := e.Message
	if e.Name != "" && e.Name != "Error" {
		s = e.Name + ": " + s
	}
	if e.Cause != nil {
		s += " (" + e.Cause.Error() + ")"
	}
	return s
}

// Is makes a TimeoutError (what AbortSignal.timeout aborts with) match
// context.DeadlineExceeded.
func (e *JSError) Is(target error) bool {
	return target == context.DeadlineExceeded && e.Name == "TimeoutError"
}

// Unwrap returns the cause, if any.
func (e *JSError) Unwrap() error {
	if e.Cause == nil {
		return nil
	}
	return e.Cause
}

// errorFromJS describes a thrown or rejected JavaScript value.
func errorFromJS(v safejs.Value) *JSError {
	return errorFromJSDepth(v, 0)
}

func errorFromJSDepth(v safejs.Value, depth int) *JSError {
	if v.IsUndefined() || v.IsNull() {
		return &JSError{Message: "rejected without a reason"}
	}
	if v.Type() != safejs.TypeObject {
		s, err := v.String()
		if err != nil {
			s = "a value that cannot be described"
		}
		return &JSError{Message: s}
	}
	e := &JSError{Name: stringProp(v, "name"), Message: stringProp(v, "message")}
	if e.Message == "" {
		e.Message = "an object without a message"
	}
	if cause, err := v.Get("cause"); err == nil && !cause.IsUndefined() && !cause.IsNull() && depth < 3 {
		e.Cause = errorFromJSDepth(cause, depth+1)
	}
	return e
}

// stringProp is v[name] when it is a string, else "".
func stringProp(v safejs.Value, name string) string {
	p, err := v.Get(name)
	if err != nil || p.Type() != safejs.TypeString {
		return ""
	}
	s, err := p.String()
	if err != nil {
		return ""
	}
	return s
}

// errNoGlobal is returned when the runtime lacks a global this package needs.
var errNoGlobal = errors.New("jsfetch: the JavaScript runtime has no such global")

// ignore is a JavaScript function that does nothing: a rejection handler for
// promises whose outcome does not matter. Made once, never released.
var ignore = sync.OnceValue(func() safejs.Value {
	f, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any { return nil })
	if err != nil {
		return safejs.Undefined()
	}
	return f.Value()
})
