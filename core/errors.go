package core

import (
	"errors"
	"strconv"
	"strings"
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
	var b strings.Builder
	b.WriteString("flowthings: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	if e.Account != "" {
		b.WriteString(" (account ")
		b.WriteString(e.Account)
		b.WriteByte(')')
	}
	b.WriteString(": status ")
	b.WriteString(strconv.Itoa(e.Status))
	if len(e.Errors) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Errors, "; "))
	}
	return b.String()
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
		": response is not a platform envelope: " + e.Reason
	if e.Excerpt != "" {
		msg += ": " + strconv.Quote(e.Excerpt)
	}
	return msg
}

func excerpt(body []byte) string {
	if len(body) > excerptLen {
		body = body[:excerptLen]
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
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
}

func (e *InputError) Error() string {
	return "flowthings: invalid " + e.Field + ": " + e.Reason
}

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
