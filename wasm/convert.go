//go:build js && wasm

package main

import (
	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/bridge"
	"github.com/hack-pad/safejs"
)

// maxDepth bounds how deeply goValue follows nested arrays and objects.
const maxDepth = 300

var (
	jsObject safejs.Value
	isArray  safejs.Value
	regExp   safejs.Value
	date     safejs.Value
)

func init() {
	g := safejs.Global()
	jsObject, _ = g.Get("Object")
	arr, _ := g.Get("Array")
	isArray, _ = arr.Get("isArray")
	regExp, _ = g.Get("RegExp")
	date, _ = g.Get("Date")
}

// goValue converts a JavaScript argument into the values package bridge
// reads: strings, numbers, booleans, nil, arrays, plain objects (keys in
// order), RegExp and Date.
func goValue(v safejs.Value, depth int) (any, error) {
	switch v.Type() {
	case safejs.TypeString:
		return v.String()
	case safejs.TypeNumber:
		return v.Float()
	case safejs.TypeBoolean:
		return v.Bool()
	case safejs.TypeNull, safejs.TypeUndefined:
		return nil, nil
	case safejs.TypeObject:
	default:
		return nil, &core.InputError{Field: "argument", Reason: "unsupported value of type " + v.Type().String()}
	}
	if depth > maxDepth {
		return nil, &core.InputError{Field: "argument", Reason: "nested too deeply"}
	}
	if arr, err := isArray.Invoke(v); err != nil {
		return nil, err
	} else if ok, _ := arr.Bool(); ok {
		n, err := v.Length()
		if err != nil {
			return nil, err
		}
		out := make([]any, n)
		for i := range n {
			item, err := v.Index(i)
			if err != nil {
				return nil, err
			}
			if out[i], err = goValue(item, depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if ok, _ := v.InstanceOf(regExp); ok {
		src, _ := v.Get("source")
		flags, _ := v.Get("flags")
		s, _ := src.String()
		f, _ := flags.String()
		return bridge.RegExp{Source: s, Flags: f}, nil
	}
	if ok, _ := v.InstanceOf(date); ok {
		ms, err := v.Call("getTime")
		if err != nil {
			return nil, err
		}
		f, _ := ms.Float()
		return bridge.Date{Ms: f}, nil
	}
	keys, err := jsObject.Call("keys", v)
	if err != nil {
		return nil, err
	}
	n, _ := keys.Length()
	o := &bridge.Obj{Keys: make([]string, 0, n), Vals: make(map[string]any, n)}
	for i := range n {
		k, _ := keys.Index(i)
		name, _ := k.String()
		item, err := v.Get(name)
		if err != nil {
			return nil, err
		}
		if o.Vals[name], err = goValue(item, depth+1); err != nil {
			return nil, err
		}
		o.Keys = append(o.Keys, name)
	}
	return o, nil
}
