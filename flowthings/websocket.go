package flowthings

import "context"

// WebSocket opens a live WebSocket session with the client's Config and
// Transport: POST /session, then the socket, which the Transport dials too
// (it must also be a Dialer, as nethttp's Transport is; with another
// Transport, call DialWebSocket with a Dialer). The first connection is not
// retried: its failure is the error. opts may be nil; ctx bounds only the
// dialing.
//
//	ws, err := client.WebSocket(ctx, &flowthings.WSOptions{Reconnect: true})
func (c *Client) WebSocket(ctx context.Context, opts *WSOptions) (*WebSocket, error) {
	dialer, ok := c.transport.(Dialer)
	if !ok {
		return nil, &InputError{Field: "transport", Reason: "cannot dial a WebSocket (it is not a Dialer): use DialWebSocket with a Dialer"}
	}
	return DialWebSocket(ctx, c.cfg, c.transport, dialer, opts)
}
