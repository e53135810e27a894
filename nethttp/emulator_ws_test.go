package nethttp_test

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// WebSocket

func TestEmulatorWebSocket(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	const path = "/dev/ws/a"
	flow := createFlow(t, ctx, c, path, nil)
	flowID := flow.GetID()
	other := createFlow(t, ctx, c, "/dev/ws/other", nil)

	ws := wsDial(t, ctx, env.cfg, &flowthings.WSOptions{Heartbeat: 250 * time.Millisecond})
	// One handler subscribes by flow id, another by path: the connection
	// holds both subscriptions of the flow.
	h1, h2 := newDropSink(), newDropSink()
	s1, err := ws.Subscribe(ctx, flowID, h1.handle)
	require.NoError(t, err)
	assert.Equal(t, flowID, s1.Resource())
	s2, err := ws.Subscribe(ctx, path, h2.handle)
	require.NoError(t, err)
	assert.Equal(t, path, s2.Resource())

	// Drops written over REST reach both handlers, each exactly once,
	// in order. The last one is a barrier: pushes are ordered, so a
	// duplicate of an earlier drop would have arrived before it.
	var written []string
	for i := range 5 {
		d, _, err := c.Drop(flowID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"i": i}}, nil)
		require.NoError(t, err)
		written = append(written, d.GetID())
	}
	_, _, err = c.Drop(other.GetID()).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"other": true}}, nil)
	require.NoError(t, err)
	barrier, _, err := c.DropPath(path).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"barrier": true}}, nil)
	require.NoError(t, err)
	written = append(written, barrier.GetID())
	for name, h := range map[string]*dropSink{"by id": h1, "by path": h2} {
		require.True(t, h.waitFor(t, barrier.GetID(), 5*time.Second), name)
		assert.Equal(t, written, h.dropIDs(t), name)
		h.mu.Lock()
		for _, d := range h.drops {
			assert.Equal(t, flowID, d.GetFlowID(), name)
		}
		h.mu.Unlock()
	}
	// The pushed drop is the REST drop (typed elems, as on v0.1).
	h1.mu.Lock()
	pushed := h1.drops[0]
	h1.mu.Unlock()
	restDrop, _, err := c.Drop(flowID).Read(ctx, written[0], core.Params{"hints": true})
	require.NoError(t, err)
	assert.Equal(t, restDrop, pushed)
	assert.Equal(t, flowthings.ElemInteger, pushed.Elems.Type("i"))

	// CRUD frames.
	find := flowthings.WSFrame(flowthings.WSFind, flowthings.ServiceFlow)
	find.ID = flowID
	f, err := flowthings.SendAs[*flowthings.Flow](ctx, ws, find)
	require.NoError(t, err)
	assert.Equal(t, path, f.GetPath())
	created, err := flowthings.SendAs[*flowthings.Drop](ctx, ws, core.WSFrame{Object: "drop", Type: "create", FlowID: flowID, Value: []byte(`{"elems":{"user":"bob","message":"hi"}}`)})
	require.NoError(t, err)
	createdID := created.GetID()
	assert.Equal(t, flowID, created.GetFlowID())
	typ, v := typedElem(t, created, "user")
	assert.Equal(t, "string", typ)
	assert.Equal(t, "bob", v)
	assert.True(t, h2.waitFor(t, createdID, 5*time.Second), "a drop created over the socket is pushed too")
	got, _, err := c.Drop(flowID).Read(ctx, createdID, nil)
	require.NoError(t, err, "and stored")
	assert.Equal(t, created.Elems, got.Elems)
	list, err := flowthings.SendAs[[]*flowthings.Drop](ctx, ws, core.WSFrame{Object: "drop", Type: "findmany", Path: path,
		Options: core.Params{"limit": 2, "hints": false, "filter": filter.M("elems", "i").Gte(3)}})
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []string{written[4], written[3]}, ids(t, list))
	body, err := ws.Send(ctx, core.WSFrame{Object: "flow", Type: "update", ID: flowID, Value: []byte(`{"description":"over ws"}`)})
	require.NoError(t, err)
	assert.Contains(t, string(body), `"over ws"`)
	f, _, err = c.Flow.Read(ctx, flowID, nil)
	require.NoError(t, err)
	assert.Equal(t, "over ws", f.GetDescription())

	// Errors: an unknown id, an unknown flow.
	find.ID = "f" + strings.Repeat("0", 24)
	_, err = flowthings.SendAs[*flowthings.Flow](ctx, ws, find)
	var nf *core.NotFoundError
	assert.ErrorAs(t, err, &nf)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "find", FlowID: flowID, ID: "d" + strings.Repeat("0", 24)})
	assert.ErrorAs(t, err, &nf)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "findmany", FlowID: flowID, Options: core.Params{"filter": "elems.i >"}})
	var bad *core.BadRequestError
	assert.ErrorAs(t, err, &bad)
	_, err = ws.Subscribe(ctx, "f"+strings.Repeat("0", 24), func(*flowthings.Drop) {})
	assert.ErrorAs(t, err, &nf, "subscribe to an unknown flow id")
	_, err = ws.Subscribe(ctx, "/dev/ws/none", func(*flowthings.Drop) {})
	assert.ErrorAs(t, err, &nf, "subscribe to an unknown path")

	// Unsubscribing one of two subscriptions of the same resource: its
	// handler gets nothing more, the other one still does. (Mixing id and
	// path subscriptions here would hit the bug shown by
	// TestEmulatorWebSocketUnsubscribeIDAndPath.)
	h3 := newDropSink()
	s3, err := ws.Subscribe(ctx, flowID, h3.handle)
	require.NoError(t, err)
	require.NoError(t, s1.Close(ctx))
	select {
	case <-s1.Done():
	default:
		t.Error("a closed subscription is done")
	}
	assert.NoError(t, s1.Err())
	after, _, err := c.Drop(flowID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"after": true}}, nil)
	require.NoError(t, err)
	require.True(t, h3.waitFor(t, after.GetID(), 5*time.Second))
	require.True(t, h2.waitFor(t, after.GetID(), 5*time.Second))
	assert.False(t, h1.has(t, after.GetID()), "no push after unsubscribe")
	assert.NoError(t, s1.Close(ctx), "closing twice is harmless")

	// Close stops everything.
	require.NoError(t, ws.Close())
	select {
	case <-ws.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after Close")
	}
	assert.NoError(t, ws.Err())
	for _, s := range []*flowthings.Subscription{s2, s3} {
		select {
		case <-s.Done():
		default:
			t.Errorf("subscription %s not ended by Close", s.Resource())
		}
	}
	_, err = ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: flowID})
	assert.ErrorIs(t, err, core.ErrWebSocketClosed)
}

// TestEmulatorWebSocketUnsubscribeIDAndPath: one connection subscribes a
// flow twice, by id (handler A) and by path (handler B); closing one of
// the two Subscriptions must leave the other receiving drops, as
// Subscription.Close documents. The client sends the unsubscribe frame of
// that one resource, so the emulator must keep the connection subscribed
// until both the id and the path are unsubscribed.
func TestEmulatorWebSocketUnsubscribeIDAndPath(t *testing.T) {
	t.Parallel()
	for _, closeByPath := range []bool{true, false} {
		t.Run(fmt.Sprint("close by path ", closeByPath), func(t *testing.T) {
			env := newEmuEnv(t, nil)
			ctx := testCtx(t)
			flow := createFlow(t, ctx, env.c, "/dev/ws/both", nil)
			flowID := flow.GetID()
			ws := wsDial(t, ctx, env.cfg, nil)
			byID, byPath := newDropSink(), newDropSink()
			sID, err := ws.Subscribe(ctx, flowID, byID.handle)
			require.NoError(t, err)
			sPath, err := ws.Subscribe(ctx, "/dev/ws/both", byPath.handle)
			require.NoError(t, err)
			closed, kept, keptSink := sPath, sID, byID
			if !closeByPath {
				closed, kept, keptSink = sID, sPath, byPath
			}
			require.NoError(t, closed.Close(ctx))
			d, _, err := env.c.Drop(flowID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"x": 1}}, nil)
			require.NoError(t, err)
			assert.True(t, keptSink.waitFor(t, d.GetID(), 2*time.Second),
				"the subscription by %s still receives drops", kept.Resource())
		})
	}
}

func TestEmulatorWebSocketReconnect(t *testing.T) {
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.DropWSAfter = 300 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/ws/re", nil)
	flowID := flow.GetID()
	// Idle keep-alive connections hold goroutines on both sides; the
	// baseline is taken without them.
	baseline := settledGoroutines(t, http.DefaultClient, env.srv.Client())

	var mu sync.Mutex
	lost := 0
	var otherErrs []error
	ws, err := flowthings.DialWebSocket(ctx, env.cfg, nethttp.NewTransport(http.DefaultClient), &nethttp.WSDialer{}, &flowthings.WSOptions{
		Reconnect:  true,
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 40 * time.Millisecond,
		Rand:       func() float64 { return 0.5 },
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			var cl *core.ConnectionLostError
			if errors.As(err, &cl) {
				lost++
			} else {
				otherErrs = append(otherErrs, err)
			}
		},
	})
	require.NoError(t, err)
	defer ws.Close()
	lostCount := func() int { mu.Lock(); defer mu.Unlock(); return lost }
	byID, byPath := newDropSink(), newDropSink()
	subID, err := ws.Subscribe(ctx, flowID, byID.handle)
	require.NoError(t, err)
	subPath, err := ws.Subscribe(ctx, "/dev/ws/re", byPath.handle)
	require.NoError(t, err)

	// Write drops over the socket until one written after at least two
	// reconnects has reached both handlers. A write may hit a socket that
	// is being dropped (ConnectionLostError: its effect is unknown, it is
	// not resent); a drop whose push was cut off is written again.
	var delivered []string
	deadline := time.Now().Add(10 * time.Second)
	for len(delivered) == 0 || lostCount() < 2 {
		require.True(t, time.Now().Before(deadline), "no drop delivered after 2 reconnects (lost %d)", lostCount())
		before := lostCount()
		body, err := ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", FlowID: flowID, Value: []byte(`{"elems":{"n":1}}`)})
		if err != nil {
			var cl *core.ConnectionLostError
			require.ErrorAs(t, err, &cl)
			continue
		}
		d, err := flowthings.Into[*flowthings.Drop](body)
		require.NoError(t, err)
		id := d.GetID()
		if byID.waitFor(t, id, time.Second) && byPath.waitFor(t, id, time.Second) && before >= 1 {
			delivered = append(delivered, id)
		}
	}
	assert.GreaterOrEqual(t, lostCount(), 2)

	// A drop written over REST once the socket is back is pushed too.
	eventually(t, 5*time.Second, "a REST drop pushed after a reconnect", func() bool {
		d, _, err := c.Drop(flowID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"rest": true}}, nil)
		require.NoError(t, err)
		return byID.waitFor(t, d.GetID(), 200*time.Millisecond)
	})

	// Never twice to the same handler, whatever the reconnects.
	for name, h := range map[string]*dropSink{"by id": byID, "by path": byPath} {
		seen := map[string]bool{}
		for _, id := range h.dropIDs(t) {
			assert.False(t, seen[id], "%s: drop %s pushed twice", name, id)
			seen[id] = true
		}
	}
	mu.Lock()
	assert.Empty(t, otherErrs)
	mu.Unlock()

	// Close stops reconnecting and releases every goroutine.
	require.NoError(t, ws.Close())
	<-ws.Done()
	assert.NoError(t, ws.Err())
	for _, s := range []*flowthings.Subscription{subID, subPath} {
		select {
		case <-s.Done():
		default:
			t.Errorf("subscription %s not ended by Close", s.Resource())
		}
	}
	after := settledGoroutines(t, http.DefaultClient, env.srv.Client())
	assert.LessOrEqual(t, after, baseline, "goroutines after Close")
	// And it stays so: for longer than a socket's life (DropWSAfter) plus
	// the longest backoff, no reconnect and no new goroutine.
	stable := lostCount()
	hold := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(hold) {
		if n := runtime.NumGoroutine(); n > baseline {
			t.Fatalf("goroutines went up to %d (baseline %d) after Close", n, baseline)
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, stable, lostCount(), "no reconnect after Close")
	_, _, err = c.Flow.Read(ctx, flowID, nil) // the emulator is still there
	require.NoError(t, err)
}
