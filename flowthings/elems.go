package flowthings

import (
	"time"

	"github.com/flowthings/flowthings-wasm/filter"
)

// ElemType is the explicit type of a drop elem (docs/protocol.md §6); the
// constants ElemBoolean … ElemLocation (elemtype.go, generated from
// filter.ElemTypes) name them.
type ElemType string

// Known reports whether t is one of the types the platform accepts, spelled
// as it spells them; an elem object {"type","value"} with another type is a
// plain map.
func (t ElemType) Known() bool { return filter.IsElemType(string(t)) }

// TypedValue is a drop elem with an explicit type, sent as
// {"type": Type, "value": Value}. Build one with Typed.
type TypedValue struct {
	Type  ElemType `json:"type"`
	Value any      `json:"value"`
}

// Typed returns the elem value with the explicit type t, for the types the
// platform cannot infer from plain JSON: Typed(ElemEmail, "a@b.example"),
// Typed(ElemDate, epochMs).
func Typed(t ElemType, value any) TypedValue { return TypedValue{Type: t, Value: value} }

// Elems are the elems of a drop: name → value. A value is plain JSON (a
// string, bool, json.Number, []any, map[string]any) or an explicitly typed
// elem, which the platform writes as {"type": …, "value": …} (v0.1 output,
// and input given as Typed).
//
// The accessors read both forms: d.Elems.Float("temp") is the number
// whether the platform sent 21.5 or {"type":"float","value":21.5}. Each takes
// a path: a name, then, for map elems, member names and, for list elems,
// decimal indexes. They never panic; a missing or mistyped value gives the
// zero value and false.
//
// To write, assign plain Go values or Typed values:
//
//	d.Elems["temp"] = 21.5
//	d.Elems["contact"] = Typed(ElemEmail, "a@b.example")
//
// Decoded numbers are json.Number, so 64-bit integers survive a round trip
// exactly; an elem read and saved back is sent as it was received.
type Elems map[string]any

// UnmarshalJSON decodes the elems with numbers as json.Number.
func (e *Elems) UnmarshalJSON(data []byte) error {
	var m map[string]any
	if err := decodeJSON(data, &m); err != nil {
		return err
	}
	*e = m
	return nil
}

// MarshalJSON encodes the elems; nil elems are {}, as a drop needs elems.
func (e Elems) MarshalJSON() ([]byte, error) {
	if e == nil {
		return []byte("{}"), nil
	}
	return marshalJSON(map[string]any(e))
}

// Get returns the value at path with every explicit type removed (a typed
// elem is replaced by its value, at any depth).
func (e Elems) Get(path ...string) (any, bool) {
	v, ok := e.at(path)
	if !ok {
		return nil, false
	}
	return plain(v), true
}

// Type is the explicit type of the elem at path, or "" for a plain value
// (or no value).
func (e Elems) Type(path ...string) ElemType {
	v, ok := e.rawAt(path)
	if !ok {
		return ""
	}
	t, _, _ := typedElem(v)
	return t
}

// String returns the string (also text, email, url, id, flowRef) elem at path.
func (e Elems) String(path ...string) (string, bool) {
	v, _ := e.at(path)
	s, ok := v.(string)
	return s, ok
}

// Float returns the number elem at path.
func (e Elems) Float(path ...string) (float64, bool) {
	v, _ := e.at(path)
	return toFloat(v)
}

// Int64 returns the integer elem at path, exactly (also for values beyond
// 2⁵³).
func (e Elems) Int64(path ...string) (int64, bool) {
	v, _ := e.at(path)
	return toInt64(v)
}

// Bool returns the boolean elem at path.
func (e Elems) Bool(path ...string) (bool, bool) {
	v, _ := e.at(path)
	b, ok := v.(bool)
	return b, ok
}

// Time returns the date elem at path: epoch milliseconds (typed "date" or a
// plain integer) or an RFC 3339 string.
func (e Elems) Time(path ...string) (time.Time, bool) {
	v, _ := e.at(path)
	if s, ok := v.(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		return t, err == nil
	}
	ms, ok := toInt64(v)
	if !ok {
		return time.Time{}, false
	}
	return EpochMs(ms).Time(), true
}

// Map returns the map elem at path as Elems, its members still in their
// sent form (typed or plain).
func (e Elems) Map(path ...string) (Elems, bool) {
	v, _ := e.at(path)
	m, ok := v.(map[string]any)
	if !ok {
		if o, isObj := v.(Object); isObj {
			m, ok = o, true
		} else if em, isElems := v.(Elems); isElems {
			m, ok = em, true
		}
	}
	return Elems(m), ok && m != nil
}

// at walks path, unwrapping typed elems at each step, and returns the
// (unwrapped) value found.
func (e Elems) at(path []string) (any, bool) {
	v, ok := e.rawAt(path)
	if !ok {
		return nil, false
	}
	_, inner, _ := typedElem(v)
	return inner, true
}

// rawAt walks path and returns the value found, its own type wrapper kept.
func (e Elems) rawAt(path []string) (any, bool) {
	if len(path) == 0 || e == nil {
		return nil, false
	}
	v, ok := e[path[0]]
	if !ok {
		return nil, false
	}
	for _, step := range path[1:] {
		_, inner, _ := typedElem(v)
		if v, ok = walk(asGeneric(inner), []string{step}); !ok {
			return nil, false
		}
	}
	return v, true
}

// typedElem splits an elem into its explicit type and value: a map with
// exactly the members type (a known type) and value, or a TypedValue.
// Any other value is plain: ("", v, false).
func typedElem(v any) (ElemType, any, bool) {
	switch x := v.(type) {
	case TypedValue:
		return x.Type, x.Value, true
	case *TypedValue:
		if x != nil {
			return x.Type, x.Value, true
		}
	case map[string]any, Object:
		m := asGeneric(x).(map[string]any)
		if len(m) != 2 {
			break
		}
		t, ok := m["type"].(string)
		val, has := m["value"]
		if ok && has && ElemType(t).Known() {
			return ElemType(t), val, true
		}
	}
	return "", v, false
}

// asGeneric views Object and Elems as map[string]any.
func asGeneric(v any) any {
	switch x := v.(type) {
	case Object:
		return map[string]any(x)
	case Elems:
		return map[string]any(x)
	}
	return v
}

// plain removes every explicit type from v, at any depth.
func plain(v any) any {
	_, v, _ = typedElem(v)
	switch x := asGeneric(v).(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, m := range x {
			out[k] = plain(m)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, m := range x {
			out[i] = plain(m)
		}
		return out
	}
	return v
}
