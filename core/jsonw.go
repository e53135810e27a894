package core

import (
	"unicode/utf8"
)

// A tiny JSON writer for the request-building half: the bodies it builds are
// made only of strings, string lists and string maps, so it needs neither
// encoding/json nor reflection. Output is always valid JSON: invalid UTF-8 is
// replaced by U+FFFD, control characters and U+2028/U+2029 are escaped.

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	// Most strings (ids, paths, URLs, keys) need no escaping: copy the run
	// of plain ASCII in one go.
	plain := 0
	for plain < len(s) {
		if c := s[plain]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			break
		}
		plain++
	}
	dst = append(dst, s[:plain]...)
	for i := plain; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', upperhex[c>>4], upperhex[c&15])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, `\u202`...)
			dst = append(dst, upperhex[r&15])
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

func appendJSONStrings(dst []byte, list []string) []byte {
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// AppendJSONString appends s as a JSON string: invalid UTF-8 becomes
// U+FFFD; control characters and U+2028/U+2029 are escaped. The wasm bridge
// writes its results with it.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }
