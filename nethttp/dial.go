package nethttp

import (
	"context"

	"github.com/flowthings/flowthings-wasm/flowthings"
)

var _ flowthings.Dialer = (*Transport)(nil)

// Dial opens a WebSocket to url with a WSDialer over the Transport's
// http.Client (without its timeout: ctx bounds the handshake, and the
// socket lives on). A Transport being a flowthings.Dialer too, the clients
// of NewClient open their WebSocket with client.WebSocket(ctx, opts).
func (t *Transport) Dial(ctx context.Context, url string) (flowthings.Socket, error) {
	hc := *t.client
	hc.Timeout = 0
	return (&WSDialer{HTTPClient: &hc}).Dial(ctx, url)
}
