package flowthings

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
)

// Object is an untyped platform object or JSON value tree, for the members
// and services this SDK has no type for. JSON objects are Object (or
// map[string]any inside other values), arrays []any, strings string,
// booleans bool and numbers json.Number — never float64 — so that 64-bit ids,
// epoch milliseconds and long elems survive a read-modify-save round trip
// exactly.
//
// Its accessors never panic: a missing member, a member of another type or
// a nil Object all give the zero value and false.
type Object map[string]any

// Get walks path through nested objects (Object or map[string]any) and
// arrays (a decimal index) and returns the value found there.
func (o Object) Get(path ...string) (any, bool) { return walk(map[string]any(o), path) }

// String returns the string member key.
func (o Object) String(key string) (string, bool) {
	s, ok := o[key].(string)
	return s, ok
}

// Int64 returns the integer member key; json.Number, any Go integer and an
// integral float64 are accepted.
func (o Object) Int64(key string) (int64, bool) { return toInt64(o[key]) }

// Float returns the number member key as a float64.
func (o Object) Float(key string) (float64, bool) { return toFloat(o[key]) }

// Bool returns the boolean member key.
func (o Object) Bool(key string) (bool, bool) {
	b, ok := o[key].(bool)
	return b, ok
}

// Map returns the object member key.
func (o Object) Map(key string) (Object, bool) { return toObjectValue(o[key]) }

// ID is the "id" member, or "".
func (o Object) ID() string {
	s, _ := o.String("id")
	return s
}

func walk(v any, path []string) (any, bool) {
	if v == nil {
		return nil, false
	}
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case Object:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		// 1e3 or 2.0: integral, and exact below 2⁵³
		if f, err := n.Float64(); err == nil && f == float64(int64(f)) && f < 1<<53 && f > -(1<<53) {
			return int64(f), true
		}
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) && n < 1<<63 && n >= -(1<<63) {
			return int64(n), true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int64:
		return float64(n), true
	case int:
		return float64(n), true
	}
	return 0, false
}

func toObjectValue(v any) (Object, bool) {
	switch m := v.(type) {
	case Object:
		return m, m != nil
	case map[string]any:
		return Object(m), m != nil
	}
	return nil, false
}

// Into decodes raw JSON into a T, numbers exactly (an any inside T gets
// json.Number). It is the generic decoder for shapes this SDK has no type
// for: flowthings.Into[[]MyRow](resp.Envelope.Body).
func Into[T any](data []byte) (T, error) {
	var out T
	if err := decodeJSON(data, &out); err != nil {
		return out, &core.InputError{Field: "json", Reason: "cannot be decoded as " + reflect.TypeFor[T]().String() + ": " + err.Error(), Err: err}
	}
	return out, nil
}

// As converts v (an Object, a typed object, raw JSON as json.RawMessage or
// []byte, or any JSON-encodable value) into a T through JSON: As[*Drop](obj)
// or As[MyStruct](drop.Elems).
func As[T any](v any) (T, error) {
	data, err := encodeJSON("value", v)
	if err != nil {
		var zero T
		return zero, err
	}
	return Into[T](data)
}

// EpochMs is a platform timestamp: milliseconds since the Unix epoch, as
// creationDate, lastEditDate, lastSeen and date elems are sent.
type EpochMs int64

// EpochMsOf returns the timestamp of t.
func EpochMsOf(t time.Time) EpochMs { return EpochMs(t.UnixMilli()) }

// Time returns the timestamp as a time.Time in UTC (the zero Time for 0).
func (m EpochMs) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// Extra holds the members of an object that its Go type does not declare,
// as raw JSON. Every typed object has one: decoding fills it, encoding sends
// it back unchanged, so members this SDK does not know survive a
// read-modify-save round trip. Set a member with json.RawMessage(`…`).
type Extra = map[string]json.RawMessage

// knownKeys caches, per struct type, the JSON names of its fields.
var knownKeys sync.Map // reflect.Type → map[string]bool

func jsonNames(t reflect.Type) map[string]bool {
	if v, ok := knownKeys.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		names[name] = true
	}
	knownKeys.Store(t, names)
	return names
}

// decodeWithExtra decodes data into known (a pointer to a struct whose
// fields have json tags and no custom decoder) and the other members into
// *extra.
func decodeWithExtra(data []byte, known any, extra *Extra) error {
	if err := decodeJSON(data, known); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	names := jsonNames(reflect.TypeOf(known).Elem())
	*extra = nil
	for k, v := range all {
		if names[k] {
			continue
		}
		if *extra == nil {
			*extra = Extra{}
		}
		(*extra)[k] = v
	}
	return nil
}

// encodeWithExtra encodes known (a struct with json tags) and adds the
// members of extra it does not set itself.
func encodeWithExtra(known any, extra Extra) ([]byte, error) {
	data, err := marshalJSON(known)
	if err != nil || len(extra) == 0 {
		return data, err
	}
	var set map[string]json.RawMessage
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(data[:len(data)-1])
	first := len(set) == 0
	for _, k := range sortedKeys(extra) {
		if _, dup := set[k]; dup {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		key, _ := json.Marshal(k)
		buf.Write(key)
		buf.WriteByte(':')
		v := extra[k]
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	if !json.Valid(buf.Bytes()) {
		return nil, &core.InputError{Field: "Extra", Reason: "holds invalid JSON"}
	}
	return buf.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Ptr returns a pointer to v, for the optional fields of typed objects:
// &Flow{Path: Ptr("/alice/x")}.
func Ptr[T any](v T) *T { return &v }

// marshalJSON is json.Marshal without HTML escaping, as encodeJSON: "a<b"
// is sent as is.
func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
