package emulator

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/flowthings/flowthings-wasm/filter"
)

// Drop elements (docs/protocol.md §6). Elems are stored in typed form: every value,
// including map members and list items, is {"type": T, "value": V}; JSON
// null is the one exception and is stored (and rendered) as a bare null.
// Typed values stored: boolean bool; integer/long/date int64; float
// float64; string/text/email/url/id/flowRef string; dropRef
// {"flowId":{"type":"id",…},"dropId":{"type":"id",…}}; map/sortedMap
// object of typed elems; list/set/sortedSet array of typed elems (sets
// de-duplicated, sortedSet also sorted); media and location as given.

// normalizeElems turns a request's elems member into typed form.
func normalizeElems(v any) (map[string]any, error) {
	if v == nil {
		return map[string]any{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("member \"elems\" must be an object, got %s", jsonKind(v))
	}
	out := make(map[string]any, len(m))
	for k, x := range m {
		t, err := normalizeElem(k, x)
		if err != nil {
			return nil, err
		}
		out[k] = t
	}
	return out, nil
}

func typed(t string, v any) map[string]any { return map[string]any{"type": t, "value": v} }

// typedCandidate reports whether m is an explicit {type, value} pair.
func typedCandidate(m map[string]any) (string, any, bool) {
	if len(m) != 2 {
		return "", nil, false
	}
	t, ok := m["type"].(string)
	if !ok {
		return "", nil, false
	}
	v, ok := m["value"]
	if !ok {
		return "", nil, false
	}
	return t, v, true
}

func normalizeElem(name string, v any) (any, error) {
	switch t := v.(type) {
	case nil:
		return nil, nil
	case bool:
		return typed("boolean", t), nil
	case int64:
		return typed("integer", t), nil
	case float64:
		return typed("float", t), nil
	case string:
		return typed("string", t), nil
	case []any:
		items, err := normalizeItems(name, t)
		if err != nil {
			return nil, err
		}
		return typed("list", items), nil
	case map[string]any:
		if tn, val, ok := typedCandidate(t); ok {
			return normalizeTyped(name, tn, val)
		}
		m, err := normalizeMembers(name, t)
		if err != nil {
			return nil, err
		}
		return typed("map", m), nil
	}
	return nil, fmt.Errorf("elem %q: unsupported value %v", name, v)
}

func normalizeItems(name string, list []any) ([]any, error) {
	out := make([]any, len(list))
	for i, x := range list {
		n, err := normalizeElem(fmt.Sprintf("%s[%d]", name, i), x)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

func normalizeMembers(name string, m map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, x := range m {
		n, err := normalizeElem(name+"."+k, x)
		if err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, nil
}

func normalizeTyped(name, tn string, val any) (any, error) {
	if !filter.IsElemType(tn) {
		return nil, fmt.Errorf("elem %q: unknown type %q", name, tn)
	}
	bad := func(want string) error {
		return fmt.Errorf("elem %q: type %s needs %s, got %s", name, tn, want, jsonKind(val))
	}
	switch tn {
	case "boolean":
		if b, ok := val.(bool); ok {
			return typed(tn, b), nil
		}
		return nil, bad("a boolean")
	case "integer", "long", "date":
		if n, ok := integral(val); ok {
			return typed(tn, n), nil
		}
		return nil, bad("an integer")
	case "float":
		switch n := val.(type) {
		case int64:
			return typed(tn, float64(n)), nil
		case float64:
			return typed(tn, n), nil
		}
		return nil, bad("a number")
	case "string", "text", "email", "url", "id", "flowRef":
		if s, ok := val.(string); ok {
			return typed(tn, s), nil
		}
		return nil, bad("a string")
	case "dropRef":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, bad(`an object {"flowId","dropId"}`)
		}
		out := map[string]any{}
		for _, k := range []string{"flowId", "dropId"} {
			id, ok := refID(m[k])
			if !ok {
				return nil, fmt.Errorf("elem %q: dropRef needs a string %q", name, k)
			}
			out[k] = typed("id", id)
		}
		return typed(tn, out), nil
	case "map", "sortedMap":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, bad("an object")
		}
		mm, err := normalizeMembers(name, m)
		if err != nil {
			return nil, err
		}
		return typed(tn, mm), nil
	case "list", "set", "sortedSet":
		l, ok := val.([]any)
		if !ok {
			return nil, bad("an array")
		}
		items, err := normalizeItems(name, l)
		if err != nil {
			return nil, err
		}
		if tn != "list" {
			items = dedupe(items)
		}
		if tn == "sortedSet" {
			sort.SliceStable(items, func(i, j int) bool { return compareElems(items[i], items[j]) < 0 })
		}
		return typed(tn, items), nil
	case "location":
		m, ok := val.(map[string]any)
		if !ok {
			return nil, bad("an object")
		}
		return typed(tn, deepCopy(m)), nil
	default: // media
		return typed(tn, deepCopy(val)), nil
	}
}

// refID accepts "x" or {"type":"id","value":"x"} (any id-like type).
func refID(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, t != ""
	case map[string]any:
		if _, val, ok := typedCandidate(t); ok {
			s, ok := val.(string)
			return s, ok && s != ""
		}
	}
	return "", false
}

func integral(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	}
	return 0, false
}

func dedupe(items []any) []any {
	seen := map[string]bool{}
	out := items[:0:0]
	for _, it := range items {
		b, _ := json.Marshal(it)
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		out = append(out, it)
	}
	return out
}

// compareElems orders typed elems: numbers (numerically) < strings <
// booleans < anything else (by canonical JSON).
func compareElems(a, b any) int {
	return compareValues(plainElem(a), plainElem(b))
}

// compareValues orders plain JSON values for sorting: missing/null <
// numbers < strings < booleans < others.
func compareValues(a, b any) int {
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch ra {
	case 1:
		x, _ := toFloat(a)
		y, _ := toFloat(b)
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case 2:
		return strings.Compare(a.(string), b.(string))
	case 3:
		x, y := a.(bool), b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case 4:
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return strings.Compare(string(ja), string(jb))
	}
	return 0
}

func rank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case int64, float64, int:
		return 1
	case string:
		return 2
	case bool:
		return 3
	}
	return 4
}

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	case int:
		return float64(n), true
	}
	return 0, false
}

// plainElem turns a stored typed elem into plain JSON.
func plainElem(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	tn, val, ok := typedCandidate(m)
	if !ok { // not typed (should not happen for stored drops): plain map
		out := make(map[string]any, len(m))
		for k, x := range m {
			out[k] = plainElem(x)
		}
		return out
	}
	switch tn {
	case "map", "sortedMap":
		mm, _ := val.(map[string]any)
		out := make(map[string]any, len(mm))
		for k, x := range mm {
			out[k] = plainElem(x)
		}
		return out
	case "list", "set", "sortedSet":
		l, _ := val.([]any)
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = plainElem(x)
		}
		return out
	case "dropRef":
		mm, _ := val.(map[string]any)
		out := map[string]any{}
		for k, x := range mm {
			out[k] = plainElem(x)
		}
		return out
	}
	return deepCopy(val)
}

// renderDrop returns a drop for output: elems typed (hints) or plain.
// The result shares no maps with the stored drop.
func renderDrop(d map[string]any, hints bool) map[string]any {
	out := make(map[string]any, len(d))
	for k, v := range d {
		if k == "elems" {
			elems, _ := v.(map[string]any)
			r := make(map[string]any, len(elems))
			for name, x := range elems {
				if hints {
					r[name] = deepCopy(x)
				} else {
					r[name] = plainElem(x)
				}
			}
			out[k] = r
			continue
		}
		out[k] = deepCopy(v)
	}
	return out
}

// renderOwnedDrop is renderDrop for a drop the caller owns (freshly
// decoded): typed output is d itself, plain output replaces its elems.
func renderOwnedDrop(d map[string]any, hints bool) map[string]any {
	if hints {
		return d
	}
	if elems, ok := d["elems"].(map[string]any); ok {
		for name, x := range elems {
			elems[name] = plainElem(x)
		}
	}
	return d
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case int64, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
