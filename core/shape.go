package core

import (
	"strconv"
	"strings"
)

// The request-shaping rules of the SDK's calls that go beyond one Op field
// each. They are pure functions over raw JSON, so the Go client and the
// JavaScript package (through the wasm bridge) apply the same rules.

// Update is one object of an update or updateMany.
type Update struct {
	// Model is the object as a raw JSON object; its string "id" member names
	// the object to change.
	Model []byte
	// Diff, when not nil, is the raw JSON object of the changed members,
	// sent instead of the whole Model (a modification, as the reference
	// client's M).
	Diff []byte
}

// Target returns the id an update goes to (Model's "id" member) and the
// body it sends (Diff if set, else Model).
func (u Update) Target() (id string, body []byte, err error) {
	model, ok := parseJSON(u.Model)
	if !ok || model[0] != '{' {
		return "", nil, &InputError{Field: "model", Reason: "is not a JSON object"}
	}
	id, _ = jsonText(jsonMember(model, "id"))
	if id == "" {
		return "", nil, &InputError{Field: "id", Reason: `the model has no string "id" member`}
	}
	body = u.Model
	if u.Diff != nil {
		body = u.Diff
	}
	if body, err = jsonBody(body, '{', "a JSON object"); err != nil {
		return "", nil, err
	}
	return id, body, nil
}

// updateManyBody renders the id → changes object of an MPUT.
func updateManyBody(updates []Update) ([]byte, error) {
	b := []byte{'{'}
	seen := make(map[string]bool, len(updates))
	for i, u := range updates {
		id, body, err := u.Target()
		if err != nil {
			ie := err.(*InputError)
			return nil, &InputError{Field: "models[" + strconv.Itoa(i) + "]", Reason: ie.Field + " " + ie.Reason, Err: err}
		}
		if seen[id] {
			return nil, &InputError{Field: "models[" + strconv.Itoa(i) + "]", Reason: "id " + quote(id) + " appears twice"}
		}
		seen[id] = true
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, id)
		b = append(b, ':')
		b = appendCompactJSON(b, body)
	}
	return append(b, '}'), nil
}

// checkUpdateMap checks an explicit MPUT body: a JSON object whose every
// member is an object of changes.
func checkUpdateMap(body []byte) error {
	v, _ := parseJSON(body)
	var err error
	eachJSONMember(v, func(name, value []byte) bool {
		if value[0] != '{' {
			id, _ := jsonText(name)
			err = &InputError{Field: "models", Reason: "a map of id → changes needs object values; " + quote(id) + " is not one"}
		}
		return err == nil
	})
	return err
}

// withMember returns the JSON object obj with the string member key set to
// value, first, replacing any member of that name.
func withMember(obj []byte, key, value string) []byte {
	v, _ := parseJSON(obj)
	b := append(append(appendJSONString([]byte{'{'}, key), ':'), appendJSONString(nil, value)...)
	eachJSONMember(v, func(name, val []byte) bool {
		if text, _ := jsonText(name); text != key {
			b = append(append(append(append(b, ','), name...), ':'), val...)
		}
		return true
	})
	return append(b, '}')
}

// checkFlowPath rejects what cannot be a flow path.
func checkFlowPath(path string) error {
	if len(path) < 2 || path[0] != '/' {
		return &InputError{Field: "path", Reason: `a flow path looks like "/account/name"`}
	}
	return nil
}

// WithFilters returns p with filters (strings or filter expressions, see
// FilterText) AND-ed, after any "filter" p already has, into "filter". p is
// not modified.
func (p Params) WithFilters(filters ...any) Params {
	if len(filters) == 0 {
		return p
	}
	all := make([]any, 0, len(filters)+1)
	if f := p["filter"]; f != nil {
		all = append(all, f)
	}
	return p.with("filter", append(all, filters...))
}

// with returns a copy of p with key set to v.
func (p Params) with(key string, v any) Params {
	out := make(Params, len(p)+1)
	for k, x := range p {
		out[k] = x
	}
	out[key] = v
	return out
}

// StatOptions selects the period and bucket size of a statistic. Zero
// fields are omitted: no Year means the platform's default period; a Month
// needs a Year and a Day needs a Month.
type StatOptions struct {
	Year, Month, Day int
	// Level is the bucket size: "YEAR", "MONTH", "DAY" or "HOUR" (the
	// platform accepts either case). Sent as the level param.
	Level string
	// Params are further query parameters.
	Params Params
}

// Op returns the statistics operation of stat (a Stat* constant) for the
// object id over the period o selects.
func (o StatOptions) Op(stat, id string) (Op, error) {
	var date []int
	switch {
	case o.Day != 0 && o.Month == 0:
		return Op{}, &InputError{Field: "day", Reason: "needs a month"}
	case o.Month != 0 && o.Year == 0:
		return Op{}, &InputError{Field: "month", Reason: "needs a year"}
	case o.Day != 0:
		date = []int{o.Year, o.Month, o.Day}
	case o.Month != 0:
		date = []int{o.Year, o.Month}
	case o.Year != 0:
		date = []int{o.Year}
	}
	params := o.Params
	if o.Level != "" {
		params = params.with("level", o.Level)
	}
	return Op{Service: ServiceStatistics, Name: OpStatistics, Stat: stat, ID: id, Date: date, Params: params}, nil
}

// ReadOrElseFallback reports whether a readOrElse answers an error of kind
// k with its fallback rather than the error: only a 404, never another
// failure.
func ReadOrElseFallback(k Kind) bool { return k == KindNotFound }

// NewRawCall builds a call outside the typed operations: method (an HTTP
// method token such as GET or MPUT), a path below the account such as
// "/flow/f123/description" whose segments are escaped one by one (so pass
// ids unescaped; empty and dot segments are rejected), an optional raw JSON
// body and params.
func NewRawCall(method, path string, body []byte, params Params) (Call, error) {
	if !isMethodToken(method) {
		return Call{}, &InputError{Field: "method", Reason: "must be an HTTP method name such as GET or MPUT"}
	}
	if !strings.HasPrefix(path, "/") {
		return Call{}, &InputError{Field: "path", Reason: `must start with "/"`}
	}
	call := Call{Method: method, Params: params}
	var err error
	if call.Path, err = ServicePath("", strings.Split(path[1:], "/")...); err != nil {
		return Call{}, err
	}
	if len(body) > 0 {
		if call.Body, err = jsonBody(body, 0, "JSON"); err != nil {
			return Call{}, err
		}
	}
	return call, nil
}

func isMethodToken(method string) bool {
	if method == "" {
		return false
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// MalformedBodyError is the error of a success envelope whose body (or
// references) is not the shape the call expects, such as an object where a
// list was due: reason says what was expected. The excerpt of data never
// shows req's token.
func MalformedBodyError(req Request, status int, reason string, data []byte) error {
	return &MalformedResponseError{Status: status, Method: req.Method, Path: req.Path,
		Reason: reason, Excerpt: redactedExcerpt(data, req.token())}
}
