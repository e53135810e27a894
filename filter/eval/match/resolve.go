package match

import (
	"strings"

	"github.com/flowthings/flowthings-wasm/filter"
)

// isDropMember reports whether name is a top-level member of a drop
// (docs/protocol.md §3.0, §3.3, §5.3). In a drop, a path whose first segment
// is not one of these, or is one but absent, names an element: temp means
// elems.temp. (lastEditorId and parentDropId are not in the §5.3 list but
// drop members per §3.0/§3.3; without them parentDropId.flowId would
// silently look among the elements.)
func isDropMember(name string) bool {
	switch name {
	case "id", "flowId", "path", "creationDate", "lastEditDate", "creatorId", "fhash", "version",
		"location", "elems", "lastEditorId", "parentDropId":
		return true
	}
	return false
}

// selector expands the location shorthands of §5.2: $latitude and
// $longitude name lat and lon, the others a key of specifiers. ok is false
// for any other name.
func selector(name string) (keys []string, ok bool) {
	switch name {
	case "$latitude":
		return []string{"lat"}, true
	case "$longitude":
		return []string{"lon"}, true
	case "$zip", "$street", "$city", "$state":
		return []string{"specifiers", name[1:]}, true
	}
	return nil, false
}

// path is a member path with selectors expanded into plain keys.
type path []string

// newPath makes the path of a member. It runs at compile time only and is
// not inlined: inlined into its five callers it cost the wasm module 5 KB
// gzipped.
//
//go:noinline
func newPath(segs []string) path {
	var keys path
	for _, s := range segs {
		if k, ok := selector(s); ok {
			keys = append(keys, k...)
		} else {
			keys = append(keys, s)
		}
	}
	return keys
}

// Lookup resolves a dotted path in obj with the rules of Match: an object
// with an elems member is a drop, whose non-member first segments resolve
// under elems; $-selectors map to location keys; typed elements
// {"type":T,"value":V} are unwrapped at every step. The result is unwrapped
// at the top only: arrays and maps inside it are returned as stored.
// ok is false when the path is missing; a present null yields (nil, true).
func Lookup(obj map[string]any, dotted string) (any, bool) {
	v, _, ok := newPath(strings.Split(dotted, ".")).resolve(obj)
	return v, ok
}

// resolve returns the unwrapped value at p, its declared §6 type ("" for
// plain JSON) and whether it is present.
func (p path) resolve(obj map[string]any) (v any, typ string, ok bool) {
	if len(p) == 0 {
		return nil, "", false
	}
	var cur any = obj
	if elems, isDrop := obj["elems"]; isDrop {
		if _, present := obj[p[0]]; !present || !isDropMember(p[0]) {
			cur = elems
		}
	}
	for _, k := range p {
		v, _ := unwrap(cur)
		m, isMap := v.(map[string]any)
		if !isMap {
			return nil, "", false
		}
		if cur, ok = m[k]; !ok {
			return nil, "", false
		}
	}
	v, typ = unwrap(cur)
	return v, typ, true
}

// value resolves p and classifies the result for comparison.
func (p path) value(obj map[string]any) (value, bool) {
	v, typ, ok := p.resolve(obj)
	if !ok {
		return value{}, false
	}
	return classify(v, typ), true
}

// unwrap returns V and T for a typed element {"type":T,"value":V}: an object
// with exactly those two keys and T a §6 type name. Anything else is plain
// and returned as is with type "".
func unwrap(v any) (any, string) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 2 {
		return v, ""
	}
	t, isString := m["type"].(string)
	inner, hasValue := m["value"]
	if !isString || !hasValue {
		return v, ""
	}
	if canon, known := filter.ElemType(t); !known || canon != t {
		return v, ""
	}
	return inner, t
}

// members returns what HAS and MATCHES look at: a drop's elements, or the
// members of any other object.
func members(obj map[string]any) map[string]any {
	if elems, isDrop := obj["elems"]; isDrop {
		m, _ := elems.(map[string]any)
		return m
	}
	return obj
}
