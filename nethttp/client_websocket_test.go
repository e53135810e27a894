package nethttp_test

import (
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientWebSocket opens the WebSocket from the client, with nothing but
// package flowthings and NewClient: the Transport dials the socket too.
func TestClientWebSocket(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c, err := nethttp.NewClient(env.cfg)
	require.NoError(t, err)
	flow := createFlow(t, ctx, c, "/dev/client-ws", nil)

	ws, err := c.WebSocket(ctx, &flowthings.WSOptions{Reconnect: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.Close() })
	sink := newDropSink()
	sub, err := ws.Subscribe(ctx, flow.GetID(), sink.handle)
	require.NoError(t, err)
	d, _, err := c.Drop(flow.GetID()).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"temp": 31}}, nil)
	require.NoError(t, err)
	require.True(t, sink.waitFor(t, d.GetID(), 5*time.Second))
	assert.NoError(t, sub.Close(ctx))
	assert.NoError(t, ws.Close())

	// The recording transport of env.c only performs requests: it cannot dial.
	_, err = env.c.WebSocket(ctx, nil)
	var input *flowthings.InputError
	require.ErrorAs(t, err, &input)
	assert.Equal(t, "transport", input.Field)
}
