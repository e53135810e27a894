//go:build js && wasm

package jsfetch

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"syscall/js"

	"github.com/hack-pad/safejs"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// DefaultWSReadLimit is the largest frame a Dialer's sockets accept unless
// told otherwise, as in package nethttp.
const DefaultWSReadLimit = 16 << 20

// ErrSocketClosed is wrapped by the errors of a socket's Read and Write
// once it has been closed, by either side.
var ErrSocketClosed = errors.New("jsfetch: the WebSocket is closed")

// CloseError is how a socket ended: the close code and reason the peer (or
// the runtime) gave.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	s := "jsfetch: the WebSocket closed with code " + strconv.Itoa(e.Code)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// Unwrap makes a CloseError match ErrSocketClosed.
func (e *CloseError) Unwrap() error { return ErrSocketClosed }

// Dialer is a flowthings.Dialer over the runtime's WebSocket. The zero
// value uses globalThis.WebSocket.
type Dialer struct {
	// WebSocket is the constructor, called as new WebSocket(url); zero means
	// globalThis.WebSocket (Node.js before 22 has none: pass the ws
	// package's).
	WebSocket safejs.Value
	// ReadLimit is the largest frame accepted, in bytes. 0 means
	// DefaultWSReadLimit; a negative value means no limit. A larger frame
	// closes the socket (code 1009) and fails Read.
	ReadLimit int64
}

var _ flowthings.Dialer = (*Dialer)(nil)

// Dial opens a WebSocket to url and returns once it is open. ctx bounds the
// opening only.
func (d *Dialer) Dial(ctx context.Context, url string) (flowthings.Socket, error) {
	s, err := d.dial(ctx, url)
	if err != nil {
		return nil, &core.TransportError{Method: "GET", Path: urlPath(url), Err: err}
	}
	return s, nil
}

func (d *Dialer) dial(ctx context.Context, url string) (*socket, error) {
	ctor := d.WebSocket
	if ctor.IsUndefined() {
		var err error
		if ctor, err = safejs.Global().Get("WebSocket"); err != nil {
			return nil, err
		}
		if ctor.Type() != safejs.TypeFunction {
			return nil, &JSError{Message: "WebSocket: " + errNoGlobal.Error()}
		}
	}
	ws, err := ctor.New(url)
	if err != nil {
		return nil, errorOf(err)
	}
	_ = ws.Set("binaryType", "arraybuffer") // a runtime that only has arraybuffer may refuse the assignment
	limit := d.ReadLimit
	if limit == 0 {
		limit = DefaultWSReadLimit
	}
	s := &socket{ws: ws, limit: limit, wake: make(chan struct{}, 1), opened: make(chan struct{})}
	if err := s.listen(); err != nil {
		_, _ = ws.Call("close")
		return nil, err
	}
	select {
	case <-s.opened:
		return s, nil
	case <-s.wake: // closed (or failed) before it opened
		s.mu.Lock()
		err := s.err
		s.mu.Unlock()
		return nil, err
	case <-ctx.Done():
		_ = s.Close()
		return nil, ctx.Err()
	}
}

// socket is one open WebSocket: its frames are queued by the message
// listener and taken by Read.
type socket struct {
	ws     safejs.Value
	limit  int64
	opened chan struct{}
	wake   chan struct{} // has a token when frames or the end are waiting

	mu        sync.Mutex
	frames    [][]byte
	err       error // set once the socket has ended
	failure   string
	listeners []listener
}

type listener struct {
	event string
	fn    safejs.Func
}

var _ flowthings.Socket = (*socket)(nil)

// listen adds the open, message, error and close listeners.
func (s *socket) listen() error {
	on := func(event string, fn func(ev safejs.Value)) error {
		f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
			fn(firstArg(args))
			return nil
		})
		if err != nil {
			return err
		}
		s.listeners = append(s.listeners, listener{event, f})
		_, err = s.ws.Call("addEventListener", event, f.Value())
		return err
	}
	err := errors.Join(
		on("open", func(safejs.Value) { close(s.opened) }),
		on("message", s.onMessage),
		on("error", func(ev safejs.Value) {
			s.mu.Lock()
			s.failure = eventMessage(ev)
			s.mu.Unlock()
		}),
		on("close", s.onClose),
	)
	if err != nil {
		s.release()
	}
	return err
}

func (s *socket) onMessage(ev safejs.Value) {
	data, err := ev.Get("data")
	var frame []byte
	if err == nil {
		limit := s.limit
		if limit < 0 {
			limit = 1<<63 - 1
		}
		frame, err = Bytes(data, limit)
	}
	if err != nil {
		reason := "cannot read a frame"
		code := 1011
		if errors.Is(err, ErrBodyTooLarge) {
			reason, code = "frame larger than "+strconv.FormatInt(s.limit, 10)+" bytes", 1009
		}
		s.end(&CloseError{Code: code, Reason: reason})
		_, _ = s.ws.Call("close", code, reason)
		return
	}
	s.mu.Lock()
	if s.err == nil {
		s.frames = append(s.frames, frame)
	}
	s.mu.Unlock()
	s.notify()
}

func (s *socket) onClose(ev safejs.Value) {
	code, _ := intProp(ev, "code")
	reason := stringProp(ev, "reason")
	s.mu.Lock()
	if reason == "" && code != 1000 {
		reason = s.failure
	}
	s.mu.Unlock()
	s.end(&CloseError{Code: code, Reason: reason})
	s.release()
}

// end records how the socket ended (the first cause wins) and wakes Read.
func (s *socket) end(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.notify()
}

func (s *socket) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// release frees the listeners once the close event has run; later events
// cannot come.
func (s *socket) release() {
	for _, l := range s.listeners {
		_, _ = s.ws.Call("removeEventListener", l.event, l.fn.Value())
		l.fn.Release()
	}
	s.listeners = nil
}

// Read returns the next frame, or the error the socket ended with once its
// frames are all read.
func (s *socket) Read(ctx context.Context) ([]byte, error) {
	for {
		s.mu.Lock()
		if len(s.frames) > 0 {
			frame := s.frames[0]
			s.frames[0] = nil
			s.frames = s.frames[1:]
			more := len(s.frames) > 0 || s.err != nil
			s.mu.Unlock()
			if more {
				s.notify()
			}
			return frame, nil
		}
		err := s.err
		s.mu.Unlock()
		if err != nil {
			s.notify() // let the next reader see it too
			return nil, err
		}
		select {
		case <-s.wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Write sends one text frame.
func (s *socket) Write(ctx context.Context, frame []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if _, err := s.ws.Call("send", string(frame)); err != nil {
		return errorOf(err)
	}
	return nil
}

// Close starts the closing handshake (normal closure). Read returns the
// frames already received, then an error matching ErrSocketClosed.
func (s *socket) Close() error {
	s.end(&CloseError{Code: 1000, Reason: "closed by the client"})
	if _, err := s.ws.Call("close", 1000); err != nil {
		return errorOf(err)
	}
	return nil
}

// errorOf turns the error of a safejs call that threw (a js.Error) into a
// *JSError.
func errorOf(err error) error {
	var thrown js.Error
	if errors.As(err, &thrown) {
		return errorFromJS(safejs.Safe(thrown.Value))
	}
	return err
}

// eventMessage is an error event's message, when the runtime gives one.
func eventMessage(ev safejs.Value) string {
	if m := stringProp(ev, "message"); m != "" {
		return m
	}
	if e, err := ev.Get("error"); err == nil && e.Type() == safejs.TypeObject {
		return stringProp(e, "message")
	}
	return ""
}

// urlPath is the path of a ws(s) URL, for errors: the host and the query are
// left out.
func urlPath(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		url = url[i+3:]
		if j := strings.IndexByte(url, '/'); j >= 0 {
			url = url[j:]
		} else {
			url = "/"
		}
	}
	if i := strings.IndexAny(url, "?#"); i >= 0 {
		url = url[:i]
	}
	return url
}
