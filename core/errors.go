package core

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ResponseError is what every platform error carries: the platform's own
// error strings, the status, and which call failed. It never holds the token.
type ResponseError struct {
	Status   int
	Method   string
	Path     string // service path below the account, without the query
	Account  string
	Errors   []string
	Messages []string
}

func (e *ResponseError) Error() string {
	msg := "flowthings: " + e.Method + " " + e.Path
	if e.Account != "" {
		msg += " (account " + e.Account + ")"
	}
	msg += ": status " + strconv.Itoa(e.Status)
	if len(e.Errors) > 0 {
		msg += ": " + strings.Join(e.Errors, "; ")
	}
	return msg
}

// Response returns the shared details; it makes every typed error an APIError.
func (e *ResponseError) Response() *ResponseError { return e }

// APIError is implemented by every error the platform answered with.
type APIError interface {
	error
	Response() *ResponseError
}

// BadRequestError is a 400: malformed input, a bad filter, an immutable update.
type BadRequestError struct{ *ResponseError }

// ForbiddenError is a 401 or 403: a missing, unknown or expired token, or a
// token that lacks permission.
type ForbiddenError struct{ *ResponseError }

// NotFoundError is a 404: an unknown id or flow.
type NotFoundError struct{ *ResponseError }

// ServerError is a 5xx.
type ServerError struct{ *ResponseError }

// PlatformError is any other non-success status.
type PlatformError struct{ *ResponseError }

// newStatusError picks the typed error for a status.
func newStatusError(r *ResponseError) error {
	switch {
	case r.Status == 400:
		return &BadRequestError{r}
	case r.Status == 401 || r.Status == 403:
		return &ForbiddenError{r}
	case r.Status == 404:
		return &NotFoundError{r}
	case r.Status >= 500 && r.Status <= 599:
		return &ServerError{r}
	default:
		return &PlatformError{r}
	}
}

// IsNotFound reports whether err is, or wraps, a NotFoundError.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}

// MalformedResponseError is a response that is not a platform envelope: an
// HTML error page, an empty or truncated body, JSON without "head".
type MalformedResponseError struct {
	Status  int
	Method  string
	Path    string
	Reason  string
	Excerpt string // the start of the body, at most excerptLen bytes
}

const excerptLen = 120

func (e *MalformedResponseError) Error() string {
	msg := "flowthings: " + e.Method + " " + e.Path + ": status " + strconv.Itoa(e.Status) +
		": malformed response: " + e.Reason
	if e.Excerpt != "" {
		msg += ": " + quote(e.Excerpt)
	}
	return msg
}

const redacted = "[redacted]"

// redact hides every occurrence of the token in s, in each of the forms
// tokenAt finds.
func redact(s, token string) string {
	if token == "" {
		return s
	}
	var b []byte
	last := 0
	for i := 0; i < len(s); {
		if n := tokenAt(s[i:], token); n > 0 {
			b = append(append(b, s[last:i]...), redacted...)
			i += n
			last = i
			continue
		}
		i++
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

func redactAll(list []string, token string) []string {
	var out []string
	for i, s := range list {
		if r := redact(s, token); r != s {
			if out == nil {
				out = append([]string(nil), list...)
			}
			out[i] = r
		}
	}
	if out == nil {
		return list
	}
	return out
}

func excerpt(body []byte) string { return redactedExcerpt(body, "") }

// redactedExcerpt is the start of body, at most excerptLen bytes of valid
// UTF-8 cut at a character boundary, with every whole occurrence of the
// token (in each of the forms tokenAt finds) replaced before cutting, so
// that no prefix of it survives the cut.
func redactedExcerpt(body []byte, token string) string {
	const window = 4 * excerptLen // enough for invalid bytes to collapse
	out := make([]byte, 0, window+len(redacted))
	for i := 0; i < len(body) && len(out) < window; {
		if token != "" {
			if n := tokenAt(body[i:], token); n > 0 {
				out = append(out, redacted...)
				i += n
				continue
			}
		}
		out = append(out, body[i])
		i++
	}
	s := toValidUTF8(out)
	if len(s) > excerptLen {
		i := excerptLen
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s = s[:i]
	}
	return s
}

// tokenAt returns the length of the occurrence of token at the start of s,
// or 0. The token may be written as text, JSON or a URL writes it: each of
// its characters as it is, as a JSON escape after any number of
// backslashes (\/, \u002f, \\u002F: JSON inside JSON), or percent-encoded
// once or twice (%2F, %252f).
func tokenAt[T ~string | ~[]byte](s T, token string) int {
	i := 0
	for j := 0; j < len(token); {
		r, size := utf8.DecodeRuneInString(token[j:])
		n := charAt(s[i:], token[j:j+size], r)
		if n == 0 {
			return 0
		}
		i += n
		j += size
	}
	return i
}

// charAt returns the length of the character r (whose UTF-8 is lit) at
// the start of s in any of the forms tokenAt accepts, or 0.
func charAt[T ~string | ~[]byte](s T, lit string, r rune) int {
	if len(s) == 0 {
		return 0
	}
	if s[0] == '\\' {
		return escapeAt(s, r)
	}
	if len(s) >= len(lit) && string(s[:len(lit)]) == lit {
		return len(lit)
	}
	if s[0] == '%' {
		return percentAt(s, lit)
	}
	return 0
}

// escapeAt matches a JSON escape of r after one or more backslashes.
func escapeAt[T ~string | ~[]byte](s T, r rune) int {
	k := 0
	for k < len(s) && s[k] == '\\' {
		k++
	}
	if r == '\\' {
		return k
	}
	if k == len(s) {
		return 0
	}
	if (r == '/' || r == '"') && s[k] == byte(r) {
		return k + 1
	}
	if r < 0x10000 {
		if u, ok := unicodeEscape(s[k:]); ok && u == r {
			return k + 5
		}
		return 0
	}
	hi, lo := utf16.EncodeRune(r)
	if u, ok := unicodeEscape(s[k:]); !ok || u != hi {
		return 0
	}
	n := k + 5
	k = 0
	for n+k < len(s) && s[n+k] == '\\' {
		k++
	}
	if u, ok := unicodeEscape(s[n+k:]); k > 0 && ok && u == lo {
		return n + k + 5
	}
	return 0
}

// unicodeEscape reads the "uXXXX" of a JSON escape.
func unicodeEscape[T ~string | ~[]byte](s T) (rune, bool) {
	if len(s) < 5 || s[0] != 'u' {
		return 0, false
	}
	hi, ok1 := hexByte(s[1], s[2])
	lo, ok2 := hexByte(s[3], s[4])
	return rune(hi)<<8 | rune(lo), ok1 && ok2
}

// percentAt matches every byte of lit percent-encoded, once or twice.
func percentAt[T ~string | ~[]byte](s T, lit string) int {
	i := 0
	for k := 0; k < len(lit); k++ {
		if i+3 > len(s) || s[i] != '%' {
			return 0
		}
		if b, ok := hexByte(s[i+1], s[i+2]); ok && b == lit[k] {
			i += 3
			continue
		}
		if i+5 > len(s) || s[i+1] != '2' || s[i+2] != '5' {
			return 0
		}
		if b, ok := hexByte(s[i+3], s[i+4]); ok && b == lit[k] {
			i += 5
			continue
		}
		return 0
	}
	return i
}

func hexByte(a, b byte) (byte, bool) {
	x, ok1 := hexDigit(a)
	y, ok2 := hexDigit(b)
	return x<<4 | y, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// toValidUTF8 is strings.ToValidUTF8(string(b), "\uFFFD"): each run of
// invalid bytes becomes one U+FFFD. (The strings version is generic over
// the replacement and several times the size in wasm.)
func toValidUTF8(b []byte) string {
	out := make([]byte, 0, len(b))
	inRun := false
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			if !inRun {
				out = append(out, "\uFFFD"...)
			}
			inRun = true
		} else {
			out = append(out, b[:n]...)
			inRun = false
		}
		b = b[n:]
	}
	return string(out)
}

// RedirectError is a 3xx answer. The platform never redirects, and a
// request carrying the token never follows a redirect: whoever answers at
// the target would get the token (and a POST's body). Target is the origin
// the redirect pointed to (scheme://host[:port], never its path or query),
// when the transport could tell.
type RedirectError struct {
	Status int
	Method string
	Path   string
	Target string
}

func (e *RedirectError) Error() string {
	msg := "flowthings: " + e.Method + " " + e.Path + ": status " + strconv.Itoa(e.Status) + ": a redirect"
	if e.Target != "" {
		msg += " to " + e.Target
	}
	return msg + ", not followed (a request carrying the token never follows a redirect)"
}

// TransportError wraps a failure to get any response at all.
type TransportError struct {
	Method string
	Path   string
	Err    error
}

func (e *TransportError) Error() string {
	return "flowthings: " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

func (e *TransportError) Unwrap() error { return e.Err }

// InputError is a call the client refuses to send: bad ids, unsupported
// parameter values, a missing required argument.
type InputError struct {
	Field  string
	Reason string
	// Err is the underlying error, if any (a filter builder's error, a JSON
	// encoding error); Reason already describes it.
	Err error
}

func (e *InputError) Error() string {
	return "flowthings: invalid " + e.Field + ": " + e.Reason
}

func (e *InputError) Unwrap() error { return e.Err }

// UnsupportedError is an operation a service does not have, such as updating
// an immutable token or share.
type UnsupportedError struct {
	Service   string
	Operation string
	Reason    string
}

func (e *UnsupportedError) Error() string {
	return "flowthings: " + e.Service + " does not support " + e.Operation + ": " + e.Reason
}
