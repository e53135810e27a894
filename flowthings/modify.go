package flowthings

import "encoding/json"

// Modification records changes to a model, as the reference client's M:
// the model is deep-copied on creation, so neither it nor anything nested in
// it is ever mutated; Done returns the changed copy and the diff. Given to
// Update, UpdateMany or Save, a Modification sends only the diff, to the id
// of its model.
//
// Changes are top-level members, matching the platform's shallow merge on
// update: to change one elem of a drop, modify "elems" with the whole new
// elems map.
type Modification struct {
	model   Object
	changes Object
	err     error // the model could not be viewed as an Object
}

// M starts a modification of model (an Object, or a typed object such as
// *Drop, viewed through its JSON form), applying the members of each
// changes map in order. A model that does not encode as a JSON object makes
// every call the Modification is given to fail with an *InputError.
func M(model any, changes ...Object) *Modification {
	m := &Modification{changes: Object{}}
	switch v := model.(type) {
	case nil:
	case Object:
		m.model = deepCopy(v).(Object)
	case map[string]any:
		m.model = deepCopy(Object(v)).(Object)
	default:
		m.model, m.err = As[Object](v)
	}
	if m.model == nil {
		m.model = Object{}
	}
	for _, ch := range changes {
		for k, v := range ch {
			m.Modify(k, v)
		}
	}
	return m
}

// Modify sets the top-level member key to value (deep-copied) and records
// it in the diff. It returns m for chaining.
func (m *Modification) Modify(key string, value any) *Modification {
	m.model[key] = deepCopy(value)
	m.changes[key] = deepCopy(value)
	return m
}

// Done returns the new model (the original with the changes applied) and
// the diff (only the changed members). Both are fresh copies: changing them,
// or modifying m further, affects nothing else.
func (m *Modification) Done() (model, diff Object) {
	return deepCopy(m.model).(Object), m.Diff()
}

// Diff returns a copy of the changed members.
func (m *Modification) Diff() Object { return deepCopy(m.changes).(Object) }

// ID is the id of the modified model, or "".
func (m *Modification) ID() string {
	id, _ := m.model["id"].(string)
	return id
}

// MarshalJSON encodes the diff, which is what the platform receives.
func (m *Modification) MarshalJSON() ([]byte, error) { return json.Marshal(m.changes) }

// deepCopy copies the JSON-shaped parts of v (maps and slices of any
// depth); other values are shared, as they are immutable (strings, numbers)
// or opaque.
func deepCopy(v any) any {
	switch v := v.(type) {
	case Object:
		if v == nil {
			return Object(nil)
		}
		return Object(deepCopy(map[string]any(v)).(map[string]any))
	case map[string]any:
		if v == nil {
			return Object(nil)
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		if v == nil {
			return v
		}
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = deepCopy(x)
		}
		return out
	case []map[string]any:
		if v == nil {
			return v
		}
		out := make([]map[string]any, len(v))
		for i, x := range v {
			out[i], _ = deepCopy(x).(map[string]any)
		}
		return out
	case map[string]map[string]any:
		if v == nil {
			return v
		}
		out := make(map[string]map[string]any, len(v))
		for k, x := range v {
			out[k], _ = deepCopy(x).(map[string]any)
		}
		return out
	case []string:
		if v == nil {
			return v
		}
		return append([]string(nil), v...)
	}
	return v
}
