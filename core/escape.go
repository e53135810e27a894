package core

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

const upperhex = "0123456789ABCDEF"

// escapeSegment percent-encodes every byte except RFC 3986 unreserved
// characters, so an id can never add a path separator, a query or a fragment.
// It also serves query keys and values: a space becomes %20, which every
// server decodes the same way.
func escapeSegment(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(upperhex[c>>4])
		b.WriteByte(upperhex[c&15])
	}
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// validSegment rejects the values that escaping cannot make safe: an empty
// segment, the dot segments that URL parsers resolve away, and text that is
// not Unicode (a JavaScript string's lone surrogate, which the JSON reader
// keeps as invalid UTF-8: sent, it would name another object).
func validSegment(field, s string) error {
	switch s {
	case "":
		return &InputError{Field: field, Reason: "must not be empty"}
	case ".", "..":
		return &InputError{Field: field, Reason: "must not be a dot segment"}
	}
	if !utf8.ValidString(s) {
		return &InputError{Field: field, Reason: notUnicode}
	}
	return nil
}

// notUnicode is the reason of an InputError for text that is not Unicode.
const notUnicode = "is not valid Unicode text: it has a lone UTF-16 surrogate (a JavaScript string cut inside a character) or invalid UTF-8"

// ServicePath joins a service path (e.g. "/flow") and ids into a URL path
// below the account, escaping each id: ServicePath("/drop", flowID, dropID)
// is "/drop/{flowID}/{dropID}".
func ServicePath(service string, ids ...string) (string, error) {
	if len(ids) == 0 {
		return service, nil
	}
	var b strings.Builder
	b.WriteString(service)
	for _, id := range ids {
		if err := validSegment("id", id); err != nil {
			return "", err
		}
		b.WriteByte('/')
		b.WriteString(escapeSegment(id))
	}
	return b.String(), nil
}

// quote is strconv.Quote, which most error messages use, kept out of line:
// the compiler would inline its allocation and conversion into every message,
// which costs the wasm build more than the calls.
//
//go:noinline
func quote(s string) string { return strconv.Quote(s) }
