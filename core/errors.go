package core

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
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

// redact hides every occurrence of the token in s. (strings.ReplaceAll
// would do, but links a general replacer into the wasm build.)
func redact(s, token string) string {
	if token == "" {
		return s
	}
	var b []byte
	for {
		before, after, found := strings.Cut(s, token)
		if !found {
			break
		}
		b = append(append(b, before...), redacted...)
		s = after
	}
	if b == nil {
		return s
	}
	return string(append(b, s...))
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
// token replaced before cutting, so that no prefix of it survives the cut.
func redactedExcerpt(body []byte, token string) string {
	const window = 4 * excerptLen // enough for invalid bytes to collapse
	out := make([]byte, 0, window+len(redacted))
	for i := 0; i < len(body) && len(out) < window; {
		if token != "" && bytes.HasPrefix(body[i:], []byte(token)) {
			out = append(out, redacted...)
			i += len(token)
			continue
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
