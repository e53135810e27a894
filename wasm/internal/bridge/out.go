package bridge

import (
	"math"
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
)

// Results go to JavaScript as JSON text, which it reads with JSON.parse:
// writing JSON takes far less wasm code than building JavaScript objects
// value by value, and raw JSON from the platform (a reply body, a pushed
// drop) is embedded as it is, parsed once, by the host.

// object writes one JSON object.
type object struct{ b []byte }

//go:noinline
func newObject() *object { return &object{b: append(make([]byte, 0, 128), '{')} }

//go:noinline
func (o *object) key(k string) *object {
	if len(o.b) > 1 {
		o.b = append(o.b, ',')
	}
	o.b = append(core.AppendJSONString(o.b, k), ':')
	return o
}

//go:noinline
func (o *object) str(k, v string) *object {
	o.key(k).b = core.AppendJSONString(o.b, v)
	return o
}

//go:noinline
func (o *object) num(k string, v float64) *object {
	o.key(k)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		o.b = append(o.b, "null"...)
	} else {
		o.b = strconv.AppendFloat(o.b, v, 'g', -1, 64)
	}
	return o
}

// raw writes v, which must be one valid JSON value; nil writes null.
//
//go:noinline
func (o *object) raw(k string, v []byte) *object {
	if v == nil {
		v = []byte("null")
	}
	o.key(k).b = append(o.b, v...)
	return o
}

//go:noinline
func (o *object) strs(k string, v []string) *object {
	o.key(k).b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = core.AppendJSONString(o.b, s)
	}
	o.b = append(o.b, ']')
	return o
}

// bytes ends the object and returns its JSON.
//
//go:noinline
func (o *object) bytes() []byte { return append(o.b, '}') }

// String ends the object and returns its JSON text.
//
//go:noinline
func (o *object) String() string { return string(o.bytes()) }

// array joins JSON values into a JSON array.
func array(items [][]byte) []byte {
	b := []byte{'['}
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}
