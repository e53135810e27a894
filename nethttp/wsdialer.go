package nethttp

import (
	"context"
	"net/http"
	neturl "net/url"

	"github.com/coder/websocket"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// DefaultWSReadLimit is the largest frame a WSDialer's sockets accept unless
// told otherwise: findmany replies can be far larger than the 32 KiB default
// of github.com/coder/websocket.
const DefaultWSReadLimit = 16 << 20

// WSDialer is a flowthings.Dialer over github.com/coder/websocket, for Go programs
// and for tests against a local emulator. The zero value is ready to use.
type WSDialer struct {
	// HTTPClient performs the handshake; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Header is added to the handshake request.
	Header http.Header
	// ReadLimit is the largest frame accepted, in bytes. 0 means
	// DefaultWSReadLimit; a negative value means no limit. A larger frame
	// fails the socket.
	ReadLimit int64
}

var _ flowthings.Dialer = (*WSDialer)(nil)

// Dial opens a WebSocket to url. ctx bounds the handshake only.
func (d *WSDialer) Dial(ctx context.Context, url string) (flowthings.Socket, error) {
	c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: d.HTTPClient, HTTPHeader: d.Header})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		path := url
		if u, perr := neturl.Parse(url); perr == nil {
			path = u.Path
		}
		return nil, &core.TransportError{Method: "GET", Path: path, Err: err}
	}
	limit := d.ReadLimit
	if limit == 0 {
		limit = DefaultWSReadLimit
	}
	c.SetReadLimit(limit)
	return wsSocket{c}, nil
}

// wsSocket adapts a *websocket.Conn to flowthings.Socket.
type wsSocket struct{ c *websocket.Conn }

// Read returns the next data frame; binary frames are passed on as they are.
// Ending ctx closes the connection, as github.com/coder/websocket does.
func (s wsSocket) Read(ctx context.Context) ([]byte, error) {
	_, b, err := s.c.Read(ctx)
	return b, err
}

// Write sends one text frame.
func (s wsSocket) Write(ctx context.Context, frame []byte) error {
	return s.c.Write(ctx, websocket.MessageText, frame)
}

// Close performs the closing handshake (normal closure), bounded by the
// library's own timeouts.
func (s wsSocket) Close() error {
	return s.c.Close(websocket.StatusNormalClosure, "")
}

// DialWebSocket opens a WebSocket session for cfg over net/http and
// coder/websocket: flowthings.DialWebSocket with this package's Transport
// and WSDialer. opts may be nil.
func DialWebSocket(ctx context.Context, cfg core.Config, opts *flowthings.WSOptions) (*flowthings.WebSocket, error) {
	return flowthings.DialWebSocket(ctx, cfg, NewTransport(&http.Client{Timeout: DefaultTimeout}), &WSDialer{}, opts)
}
