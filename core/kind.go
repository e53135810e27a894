package core

// Kind names the class of an error in a form that crosses the JavaScript
// boundary unchanged: the wasm bridge sends it as the error's code, and the
// JS package picks its Error subclass from it. Go code can use errors.As on
// the typed errors instead, or KindOf.
type Kind string

// The kinds of every error core returns.
const (
	KindBadRequest     Kind = "badRequest"        // *BadRequestError: 400
	KindForbidden      Kind = "forbidden"         // *ForbiddenError: 401, 403
	KindNotFound       Kind = "notFound"          // *NotFoundError: 404
	KindServer         Kind = "server"            // *ServerError: 5xx
	KindPlatform       Kind = "platform"          // *PlatformError: any other failure status
	KindMalformed      Kind = "malformedResponse" // *MalformedResponseError
	KindTransport      Kind = "transport"         // *TransportError
	KindRedirect       Kind = "redirect"          // *RedirectError
	KindInput          Kind = "input"             // *InputError, ErrMissingCredentials
	KindUnsupported    Kind = "unsupported"       // *UnsupportedError
	KindConnectionLost Kind = "connectionLost"    // *ConnectionLostError
	KindClosed         Kind = "closed"            // ErrWebSocketClosed
	KindUnsubscribed   Kind = "unsubscribed"      // ErrUnsubscribed
	KindFrame          Kind = "frame"             // *WSFrameError
	KindUnknown        Kind = "unknown"           // an error from outside core
)

// KindOf returns the kind of the outermost error of err's chain that has
// one, KindUnknown when none has, and "" for nil.
// (A plain Unwrap walk: errors.As would link reflection into a wasm build.)
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	for err != nil {
		switch err {
		case ErrWebSocketClosed:
			return KindClosed
		case ErrUnsubscribed:
			return KindUnsubscribed
		case ErrMissingCredentials:
			return KindInput
		}
		if k, ok := err.(interface{ Kind() Kind }); ok {
			return k.Kind()
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	return KindUnknown
}

func (*BadRequestError) Kind() Kind        { return KindBadRequest }
func (*ForbiddenError) Kind() Kind         { return KindForbidden }
func (*NotFoundError) Kind() Kind          { return KindNotFound }
func (*ServerError) Kind() Kind            { return KindServer }
func (*PlatformError) Kind() Kind          { return KindPlatform }
func (*MalformedResponseError) Kind() Kind { return KindMalformed }
func (*TransportError) Kind() Kind         { return KindTransport }
func (*RedirectError) Kind() Kind          { return KindRedirect }
func (*InputError) Kind() Kind             { return KindInput }
func (*UnsupportedError) Kind() Kind       { return KindUnsupported }
func (*ConnectionLostError) Kind() Kind    { return KindConnectionLost }
func (*WSFrameError) Kind() Kind           { return KindFrame }
