package bridge

import (
	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
)

// ErrorOf describes err for JavaScript: "kind" (a core.Kind; the JS package
// picks its Error subclass from it) and "message", plus what the error
// type carries: status, method, path, account, errors and messages of a
// platform error; field and reason of an input error; position, expected
// and found of a filter syntax error. Never the token: core's errors do not
// hold it.
func ErrorOf(err error) *object {
	d := newObject().str("kind", string(core.KindOf(err))).str("message", err.Error())
	// A plain walk of the chain: errors.As would link reflection. Where
	// errors of the chain carry the same keys (an InputError wrapping
	// another), the outermost one's are written, once: JSON.parse would keep
	// the last of repeated keys.
	var call, reason bool // written: status, method and path; reason
	for e := err; e != nil; {
		switch e := e.(type) {
		case core.APIError:
			if !call {
				call = true
				r := e.Response()
				d.num("status", float64(r.Status)).str("method", r.Method).str("path", r.Path).str("account", r.Account)
				d.strs("errors", r.Errors).strs("messages", r.Messages)
			}
		case *core.MalformedResponseError:
			if !call && !reason {
				call, reason = true, true
				d.num("status", float64(e.Status)).str("method", e.Method).str("path", e.Path)
				d.str("reason", e.Reason).str("excerpt", e.Excerpt)
			}
		case *core.TransportError:
			if !call {
				call = true
				d.str("method", e.Method).str("path", e.Path)
			}
		case *core.UnsupportedError:
			d.str("service", e.Service).str("operation", e.Operation)
		case *core.InputError:
			if !reason {
				reason = true
				d.str("field", e.Field).str("reason", e.Reason)
			}
		case *filter.SyntaxError:
			d.num("position", float64(e.Pos)).str("expected", e.Expected).str("found", e.Found)
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			break
		}
		e = u.Unwrap()
	}
	return d
}

// failure is the result of a failed call: {"error": …}.
func failure(err error) string { return newObject().raw("error", ErrorOf(err).bytes()).String() }

// Failure is failure, for the js glue: arguments it could not convert.
func Failure(err error) string { return failure(err) }

// InternalError is the result of a bug in the module (a panic): kind
// "internal", naming the function that failed.
func InternalError(function, reason string) string {
	d := newObject().str("kind", "internal").str("message", "flowthings: internal error in the wasm module ("+function+"): "+reason)
	return newObject().raw("error", d.bytes()).String()
}
