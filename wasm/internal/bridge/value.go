// Package bridge is the wasm module's bridge between JavaScript and core,
// written in plain Go so that it is tested natively. Crossing the boundary
// costs far more than parsing JSON, so each call crosses it once each way:
// the js glue of package main (wasm/main.go) receives the call's arguments
// as one JSON text (JSON.stringify of an array), decodes it with
// core.ParseJSON, calls the Bridge and hands back its JSON result.
//
// Argument values: string, float64, bool, nil (null), []any (arrays) and
// *Obj (objects, key order kept).
// Results are JSON text (see out.go): an object that either has an "error"
// member, an error descriptor (see ErrorOf), or is a success. Nothing here
// panics across the boundary (the glue recovers whatever does).
package bridge

import (
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
)

// Obj is a JavaScript object, its keys in order.
type Obj = core.JSONObject

// NewObj builds an Obj from alternating keys and values (for tests).
func NewObj(kv ...any) *Obj {
	o := &Obj{Vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		o.Keys = append(o.Keys, k)
		o.Vals[k] = kv[i+1]
	}
	return o
}

// text returns the string member key, "" when absent or not a string.
//
//go:noinline
func text(o *Obj, key string) string {
	s, _ := o.Get(key).(string)
	return s
}

// number returns the number member key, 0 when absent or not a number.
//
//go:noinline
func number(o *Obj, key string) float64 {
	n, _ := o.Get(key).(float64)
	return n
}

//go:noinline
func typeError(field, want string, v any) error {
	return &core.InputError{Field: field, Reason: "must be " + want + ", not " + jsType(v)}
}

//go:noinline
func jsType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

// str reads an optional string member.
//
//go:noinline
func str(o *Obj, key string) (string, error) {
	switch v := o.Get(key).(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	default:
		return "", typeError(key, "a string", v)
	}
}

// obj reads an optional object member.
//
//go:noinline
func obj(o *Obj, key string) (*Obj, error) {
	switch v := o.Get(key).(type) {
	case nil:
		return nil, nil
	case *Obj:
		return v, nil
	default:
		return nil, typeError(key, "an object", v)
	}
}

// integer reads an optional whole-number member.
//
//go:noinline
func integer(o *Obj, key string) (int, error) { return wholeNumber(key, o.Get(key)) }

// wholeNumber reads v, a whole number or nil (0).
//
//go:noinline
func wholeNumber(field string, v any) (int, error) {
	switch v := v.(type) {
	case nil:
		return 0, nil
	case float64:
		if v != float64(int(v)) {
			return 0, &core.InputError{Field: field, Reason: "must be a whole number, not " + strconv.FormatFloat(v, 'g', -1, 64)}
		}
		return int(v), nil
	default:
		return 0, typeError(field, "a number", v)
	}
}

// strings reads an optional array-of-strings member; nil when absent.
//
//go:noinline
func strs(o *Obj, key string) ([]string, error) {
	v := o.Get(key)
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, typeError(key, "an array of strings", v)
	}
	out := make([]string, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, typeError(key+"["+strconv.Itoa(i)+"]", "a string", item)
		}
		out[i] = s
	}
	return out, nil
}
