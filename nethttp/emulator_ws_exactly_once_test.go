package nethttp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
)

// The headline of live data (issue 13): an emulator that drops every
// WebSocket 2 s after it opened, 5,000 drops written at about 200/s by a
// second client, one subscriber that reconnects: every drop written after
// the subscription started is delivered exactly once, in order. With
// -fail-rate 0.2 too, a fifth of the writes fail (they are not expected)
// and a fifth of the session requests, subscribes and finds fail: every
// acknowledged write is still delivered exactly once, in order.
func TestEmulatorWebSocketExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("writes for 25 s")
	}
	for _, tc := range []struct {
		name     string
		failRate float64
	}{
		{"drop-ws-after 2s", 0},
		{"drop-ws-after 2s, fail-rate 0.2", 0.2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			exactlyOnce(t, emulator.Config{DropWSAfter: 2 * time.Second, FailRate: tc.failRate}, 5000, 200)
		})
	}
}

// exactlyOnce runs the headline scenario against an emulator with ecfg:
// n drops written at about rate per second.
func exactlyOnce(t *testing.T, ecfg emulator.Config, n, rate int) {
	emu, err := emulator.New(ecfg) // the real clock: creation dates as the platform's
	require.NoError(t, err)
	srv := httptest.NewServer(emu.Handler()) // listens on 127.0.0.1
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, emu.Close())
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := core.Config{Account: emulator.DefaultAccount, Token: emulator.DefaultToken, Host: host, WSHost: host, Insecure: true}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	// The flow, big enough to keep every drop.
	writer, err := nethttp.NewClient(cfg)
	require.NoError(t, err)
	model, err := flowthings.As[*flowthings.Flow](flowthings.Object{"path": "/dev/exactly-once", "capacity": 10 * n})
	require.NoError(t, err)
	var flow *flowthings.Flow
	retry(t, ctx, func() (err error) {
		flow, _, err = writer.Flow.Create(ctx, model, nil)
		return err
	})

	// The subscriber: a first connection is not retried by the WebSocket,
	// so the test retries it (the fault injection may refuse it).
	var mu sync.Mutex
	var got []string
	var gaps, losses, others []error
	opts := &flowthings.WSOptions{Reconnect: true, BackoffMin: 20 * time.Millisecond, BackoffMax: 400 * time.Millisecond,
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			var gap *core.GapError
			var lost *core.ConnectionLostError
			switch {
			case errors.As(err, &gap):
				gaps = append(gaps, err)
			case errors.As(err, &lost):
				losses = append(losses, err)
			default:
				others = append(others, err)
			}
		}}
	var ws *flowthings.WebSocket
	retry(t, ctx, func() (err error) {
		ws, err = flowthings.DialWebSocket(ctx, cfg, nethttp.NewTransport(http.DefaultClient), &nethttp.WSDialer{}, opts)
		return err
	})
	defer ws.Close()
	_, err = ws.Subscribe(ctx, flow.GetID(), func(d *flowthings.Drop) {
		mu.Lock()
		got = append(got, d.GetID())
		mu.Unlock()
	})
	require.NoError(t, err)

	// The second client writes; what it was told is stored is expected.
	var acked []string
	failed := 0
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for range n {
		<-tick.C
		d, _, err := writer.Drop(flow.GetID()).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"n": len(acked)}}, nil)
		if err != nil {
			var se *core.ServerError
			require.ErrorAs(t, err, &se, "only injected faults fail a write")
			failed++
			continue
		}
		acked = append(acked, d.GetID())
	}

	// Everything acknowledged arrives, once, in order.
	deadline := time.Now().Add(time.Minute)
	for {
		mu.Lock()
		k := len(got)
		mu.Unlock()
		if k >= len(acked) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond) // room for a late duplicate to show
	mu.Lock()
	defer mu.Unlock()
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
	}
	missing, duplicated := 0, 0
	for _, id := range acked {
		if seen[id] == 0 {
			missing++
		}
	}
	for _, c := range seen {
		duplicated += c - 1
	}
	t.Logf("written %d (%d failed), acknowledged %d, delivered %d: %d missing, %d duplicated; %d reconnects, %d gaps, %d transient errors",
		n, failed, len(acked), len(got), missing, duplicated, len(losses), len(gaps), len(others))
	assert.Zero(t, missing, "missing")
	assert.Zero(t, duplicated, "duplicated")
	assert.Equal(t, acked, got, "in order")
	assert.Empty(t, gaps)
	assert.GreaterOrEqual(t, len(losses), 5, "the socket was dropped again and again")
	if ecfg.FailRate > 0 {
		assert.Positive(t, failed)
	}
	for _, err := range others {
		assert.NotContains(t, err.Error(), cfg.Token)
	}
}

// retry runs fn until it succeeds (an injected fault may fail it), within
// ctx. A creation that failed with a 503 created nothing.
func retry(t *testing.T, ctx context.Context, fn func() error) {
	t.Helper()
	for {
		err := fn()
		if err == nil {
			return
		}
		require.NoError(t, ctx.Err(), "last error: %v", err)
		time.Sleep(10 * time.Millisecond)
	}
}
