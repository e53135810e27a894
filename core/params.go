package core

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Params are a call's query parameters, keyed by the platform's names
// (filter, start, limit, sort, order, refs, only, hints, …). Values:
//
//   - "refs": true sends refs=1 and makes the call return head.references;
//     false or nil sends nothing.
//   - "only": a []string is comma-joined.
//   - "filter": a string, a filter expression, or a list of either; a list is
//     AND-ed left to right.
//   - anything else: string, bool, any integer or float type, passed
//     through as text; a []string is comma-joined.
//
// nil values are dropped. Other types are an InputError, never a guess.
type Params map[string]any

// Refs reports whether the params ask for head.references.
func (p Params) Refs() bool {
	v, ok := p["refs"]
	if !ok {
		return false
	}
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "1" || v == "true"
	case int:
		return v == 1
	}
	return false
}

// merge returns the default params overlaid with p; p wins.
func (p Params) merge(defaults Params) Params {
	if len(defaults) == 0 {
		return p
	}
	out := make(Params, len(defaults)+len(p))
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range p {
		out[k] = v
	}
	return out
}

// Encode renders the params as a URL query without the leading "?", keys
// sorted so that equal params give equal URLs.
func (p Params) Encode() (string, error) {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sortSmall(keys)
	var b strings.Builder
	for _, k := range keys {
		v, send, err := paramText(k, p[k])
		if err != nil {
			return "", err
		}
		if !send {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escapeSegment(k))
		b.WriteByte('=')
		b.WriteString(escapeSegment(v))
	}
	return b.String(), nil
}

// Strings returns the params as the string map the WebSocket protocol
// carries in a findmany frame's options.
func (p Params) Strings() (map[string]string, error) {
	out := make(map[string]string, len(p))
	for k, v := range p {
		s, send, err := paramText(k, v)
		if err != nil {
			return nil, err
		}
		if send {
			out[k] = s
		}
	}
	return out, nil
}

func paramText(key string, v any) (text string, send bool, err error) {
	text, send, err = paramValue(key, v)
	if err == nil && send && !utf8.ValidString(text) {
		return "", false, &InputError{Field: "param " + key, Reason: notUnicode}
	}
	return text, send, err
}

// paramValue is paramText before the check that the text is Unicode.
func paramValue(key string, v any) (text string, send bool, err error) {
	if v == nil {
		return "", false, nil
	}
	switch key {
	case "refs":
		b, ok := v.(bool)
		if !ok {
			break
		}
		if !b {
			return "", false, nil
		}
		return "1", true, nil
	case "filter":
		s, err := FilterText(v)
		return s, s != "", err
	}
	switch v := v.(type) {
	case string:
		return v, true, nil
	case []string:
		return strings.Join(v, ","), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	case int:
		return strconv.Itoa(v), true, nil
	case int8:
		return strconv.FormatInt(int64(v), 10), true, nil
	case int16:
		return strconv.FormatInt(int64(v), 10), true, nil
	case int32:
		return strconv.FormatInt(int64(v), 10), true, nil
	case int64:
		return strconv.FormatInt(v, 10), true, nil
	case uint:
		return strconv.FormatUint(uint64(v), 10), true, nil
	case uint8:
		return strconv.FormatUint(uint64(v), 10), true, nil
	case uint16:
		return strconv.FormatUint(uint64(v), 10), true, nil
	case uint32:
		return strconv.FormatUint(uint64(v), 10), true, nil
	case uint64:
		return strconv.FormatUint(v, 10), true, nil
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), true, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true, nil
	}
	return "", false, &InputError{Field: "param " + key, Reason: "unsupported value " + describe(v)}
}
