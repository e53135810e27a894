package core

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A tiny JSON reader for the decoding half, the counterpart of jsonw.go. The
// envelope and frame decoders only validate a document, look up members,
// list array items, read strings, integers and booleans, and hand values on
// as raw JSON. A general JSON library links far more than that into the wasm
// build (fastjson, used here before, cost about 39 KB of gzipped wasm).
//
// scanJSON validates; every other function assumes a document it accepted,
// or a value taken out of one, and works on the raw bytes.

// jsonMaxDepth is the deepest nesting the decoders accept, the top-level
// value counting as 1 ("[1]" nests 2 deep); a deeper document is treated as
// invalid JSON.
const jsonMaxDepth = 300

// scanJSON reports whether data is one JSON value (RFC 8259) with optional
// whitespace around it, and how deeply the value nests. Strings are not
// checked for valid UTF-8. It does not recurse, so no input exhausts the
// stack.
func scanJSON(data []byte) (depth int, ok bool) {
	var open []byte // the containers around i, innermost last: '{' or '['
	i := skipJSONSpace(data, 0)
	for {
		// A value starts at i.
		if i < 0 || i >= len(data) {
			return 0, false
		}
		depth = max(depth, len(open)+1)
		switch c := data[i]; c {
		case '{', '[':
			open = append(open, c)
			i = skipJSONSpace(data, i+1)
			if i < len(data) && data[i] == closerOf(c) {
				open = open[:len(open)-1]
				i++
				break // an empty container is a whole value
			}
			if c == '{' {
				i = scanJSONKey(data, i)
			}
			continue
		case '"':
			i = scanJSONString(data, i)
		case 't':
			i = scanJSONWord(data, i, "true")
		case 'f':
			i = scanJSONWord(data, i, "false")
		case 'n':
			i = scanJSONWord(data, i, "null")
		default:
			i = scanJSONNumber(data, i)
		}
		// After a value: close containers until a comma starts the next
		// value, or the document ends.
	next:
		for i >= 0 {
			i = skipJSONSpace(data, i)
			switch {
			case len(open) == 0:
				return depth, i == len(data)
			case i == len(data):
				return 0, false
			case data[i] == closerOf(open[len(open)-1]):
				open = open[:len(open)-1]
				i++
			case data[i] == ',':
				i = skipJSONSpace(data, i+1)
				if open[len(open)-1] == '{' {
					i = scanJSONKey(data, i)
				}
				break next
			default:
				return 0, false
			}
		}
	}
}

// closerOf returns the byte that closes the container opened by c.
func closerOf(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

func skipJSONSpace(data []byte, i int) int {
	for i < len(data) && isJSONSpace(data[i]) {
		i++
	}
	return i
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanJSONKey scans `"key" :` and the whitespace after it, returning the
// index of the member's value, or -1.
func scanJSONKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i = scanJSONString(data, i); i < 0 {
		return -1
	}
	if i = skipJSONSpace(data, i); i < len(data) && data[i] == ':' {
		return skipJSONSpace(data, i+1)
	}
	return -1
}

// scanJSONString returns the index just past the string that starts at
// data[i] (a '"'), or -1 if it is not a valid string.
func scanJSONString(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			if i+1 >= len(data) {
				return -1
			}
			i++
			switch data[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := hex4(data[i+1:]); !ok {
					return -1
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

func scanJSONWord(data []byte, i int, word string) int {
	if !bytes.HasPrefix(data[i:], []byte(word)) {
		return -1
	}
	return i + len(word)
}

// scanJSONNumber returns the index just past the number at data[i], or -1.
func scanJSONNumber(data []byte, i int) int {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++ // no leading zeros
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		if i = skipDigits(data, i+1); data[i-1] == '.' {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		start := i
		if i = skipDigits(data, i); i == start {
			return -1
		}
	}
	return i
}

func skipDigits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

// hex4 decodes the four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// parseJSON validates data for decoding and returns its value without the
// whitespace around it.
func parseJSON(data []byte) ([]byte, bool) {
	if depth, ok := scanJSON(data); !ok || depth > jsonMaxDepth {
		return nil, false
	}
	i := skipJSONSpace(data, 0)
	return data[i:jsonValueEnd(data, i)], true
}

// jsonValueEnd returns the index just past the value that starts at data[i].
func jsonValueEnd(data []byte, i int) int {
	switch data[i] {
	case '"':
		return scanJSONString(data, i)
	case '{', '[':
		nest := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				i = scanJSONString(data, i) - 1
			case '{', '[':
				nest++
			case '}', ']':
				if nest--; nest == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	// true, false, null or a number: it runs to the next delimiter.
	for i < len(data) && !isJSONSpace(data[i]) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
		i++
	}
	return i
}

// jsonMember returns the value of the first member named key of the object
// obj, or nil when obj is not an object or has no such member. Keys are
// compared unescaped: "h\u0065ad" is head.
func jsonMember(obj []byte, key string) []byte {
	var found []byte
	eachJSONMember(obj, func(name, value []byte) bool {
		if text, _ := jsonText(name); text == key {
			found = value
			return false
		}
		return true
	})
	return found
}

// eachJSONMember calls fn with the raw name (a JSON string, quotes
// included) and value of each member of the object obj, in order, until fn
// returns false. It does nothing when obj is not an object.
func eachJSONMember(obj []byte, fn func(name, value []byte) bool) {
	if len(obj) == 0 || obj[0] != '{' {
		return
	}
	for i := skipJSONSpace(obj, 1); i < len(obj) && obj[i] == '"'; {
		name := obj[i:scanJSONString(obj, i)]
		i = scanJSONKey(obj, i)
		end := jsonValueEnd(obj, i)
		if !fn(name, obj[i:end]) {
			return
		}
		if i = skipJSONSpace(obj, end); i < len(obj) && obj[i] == ',' {
			i = skipJSONSpace(obj, i+1)
		}
	}
}

// jsonItems returns the items of the array arr, or false when arr is not an
// array.
func jsonItems(arr []byte) ([][]byte, bool) {
	if len(arr) == 0 || arr[0] != '[' {
		return nil, false
	}
	var items [][]byte
	for i := skipJSONSpace(arr, 1); i < len(arr) && arr[i] != ']'; {
		end := jsonValueEnd(arr, i)
		items = append(items, arr[i:end])
		if i = skipJSONSpace(arr, end); i < len(arr) && arr[i] == ',' {
			i = skipJSONSpace(arr, i+1)
		}
	}
	return items, true
}

// jsonText returns the text of the JSON string v, or false when v is not a
// string. An escaped UTF-16 surrogate that does not pair with the next \u
// escape (a JavaScript string cut inside a character) becomes its WTF-8
// bytes: invalid UTF-8 that the rules for ids and params refuse, rather
// than six characters that would name something else.
func jsonText(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	s := v[1 : len(v)-1]
	i := bytes.IndexByte(s, '\\')
	if i < 0 {
		return string(s), true
	}
	b := make([]byte, i, len(s))
	copy(b, s)
	for i < len(s) {
		if s[i] != '\\' {
			b = append(b, s[i])
			i++
			continue
		}
		esc := s[i+1]
		i += 2
		if esc != 'u' {
			// One of the escapes scanJSONString admits: \" \\ \/ \b \f \n \r \t.
			b = append(b, "\"\\/\b\f\n\r\t"[strings.IndexByte(`"\/bfnrt`, esc)])
			continue
		}
		r, _ := hex4(s[i:])
		i += 4
		if utf16.IsSurrogate(r) {
			if r < 0xdc00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, _ := hex4(s[i+2:]); 0xdc00 <= r2 && r2 <= 0xdfff {
					b = utf8.AppendRune(b, utf16.DecodeRune(r, r2))
					i += 6
					continue
				}
			}
			b = append(b, 0xe0|byte(r>>12), 0x80|byte(r>>6)&0x3f, 0x80|byte(r)&0x3f) // WTF-8
			continue
		}
		b = utf8.AppendRune(b, r)
	}
	return string(b), true
}

// jsonInt returns the JSON number v if it is an integer written without a
// fraction or exponent that fits an int64.
func jsonInt(v []byte) (int64, bool) {
	digits := bytes.TrimPrefix(v, []byte("-"))
	if len(digits) == 0 {
		return 0, false
	}
	const limit = 1 << 63 // the magnitude of math.MinInt64
	var n uint64
	for _, c := range digits {
		if c < '0' || c > '9' || n > (limit-uint64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if len(digits) == len(v) {
		if n == limit {
			return 0, false
		}
		return int64(n), true
	}
	return -int64(n), true // also right for limit: -(-2⁶³) wraps to itself
}

// jsonBool returns the JSON boolean v, or false when v is not a boolean.
func jsonBool(v []byte) (value, ok bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// appendCompactJSON appends v without the whitespace between its tokens.
// Strings are copied as they are, escapes included.
func appendCompactJSON(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"':
			end := scanJSONString(v, i)
			dst = append(dst, v[i:end]...)
			i = end - 1
		case !isJSONSpace(c):
			dst = append(dst, c)
		}
	}
	return dst
}

// JSONObject is a JSON object decoded by ParseJSON: its members, keys in
// document order (a repeated key keeps its first position and last value).
type JSONObject struct {
	Keys []string
	Vals map[string]any
}

// Get returns the value of the member key, nil when o is nil or lacks it.
func (o *JSONObject) Get(key string) any {
	if o == nil {
		return nil
	}
	return o.Vals[key]
}

// ParseJSON decodes one JSON document into plain values: *JSONObject,
// []any, string, float64, bool and nil. The wasm bridge reads its
// arguments with it: JavaScript hands over one JSON.stringify'd string per
// call, the cheapest way across the boundary.
func ParseJSON(data []byte) (any, error) {
	v, ok := parseJSON(data)
	if !ok {
		return nil, &InputError{Field: "json", Reason: "is not valid JSON (or nests deeper than " + strconv.Itoa(jsonMaxDepth) + ")"}
	}
	return jsonValue(v), nil
}

// jsonValue converts a value of a document parseJSON accepted.
func jsonValue(v []byte) any {
	switch v[0] {
	case '{':
		o := &JSONObject{Vals: map[string]any{}}
		eachJSONMember(v, func(name, value []byte) bool {
			k, _ := jsonText(name)
			if _, dup := o.Vals[k]; !dup {
				o.Keys = append(o.Keys, k)
			}
			o.Vals[k] = jsonValue(value)
			return true
		})
		return o
	case '[':
		items, _ := jsonItems(v)
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = jsonValue(it)
		}
		return out
	case '"':
		s, _ := jsonText(v)
		return s
	case 't', 'f':
		b, _ := jsonBool(v)
		return b
	case 'n':
		return nil
	}
	f, _ := strconv.ParseFloat(string(v), 64)
	return f
}
