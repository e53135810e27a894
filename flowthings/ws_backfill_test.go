package flowthings

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/flowthings/flowthings-wasm/core"
)

// fakeFlow is flow A as the platform's REST finds see it: drops with
// creation dates, answered as core's finds ask (filter on creationDate,
// order, start, limit).
type fakeFlow struct {
	mu    sync.Mutex
	drops []fakeDrop
	fail  int // the next finds that fail with a 503
	finds int
}

type fakeDrop struct {
	id string
	cd int64
}

func (f *fakeFlow) add(id string, cd int64) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drops = append(f.drops, fakeDrop{id, cd})
	return push(flowA, f.json(fakeDrop{id, cd}))
}

func (f *fakeFlow) json(d fakeDrop) string {
	return fmt.Sprintf(`{"id":%q,"flowId":%q,"path":%q,"creationDate":%d,"elems":{}}`, d.id, flowA, pathA, d.cd)
}

func (f *fakeFlow) evict(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.drops = f.drops[n:]
}

func (f *fakeFlow) answer(_ context.Context, req core.Request) (int, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finds++
	if f.fail > 0 {
		f.fail--
		return 503, []byte(`{"head":{"ok":false,"status":503,"errors":["busy"]},"body":{}}`), nil
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return 0, nil, err
	}
	q := u.Query()
	sel := slices.Clone(f.drops)
	if v, ok := strings.CutPrefix(q.Get("filter"), "creationDate >= "); ok {
		from, _ := strconv.ParseInt(v, 10, 64)
		sel = slices.DeleteFunc(sel, func(d fakeDrop) bool { return d.cd < from })
	}
	if v, ok := strings.CutPrefix(q.Get("filter"), "creationDate <= "); ok {
		to, _ := strconv.ParseInt(v, 10, 64)
		sel = slices.DeleteFunc(sel, func(d fakeDrop) bool { return d.cd > to })
	}
	if q.Get("order") == "desc" {
		slices.Reverse(sel)
	}
	start, _ := strconv.Atoi(q.Get("start"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	sel = sel[min(start, len(sel)):]
	sel = sel[:min(limit, len(sel))]
	items := make([]string, len(sel))
	for i, d := range sel {
		items[i] = f.json(d)
	}
	return 200, []byte(`{"head":{"ok":true,"status":200},"body":[` + strings.Join(items, ",") + `]}`), nil
}

// backfillFixture is a WebSocket whose transport answers the finds from a
// fakeFlow; the test plays the socket's server.
func backfillFixture(t *testing.T, opts WSOptions) (*wsFixture, *fakeFlow) {
	t.Helper()
	flow := &fakeFlow{}
	noLeak(t)
	f := &wsFixture{sessions: &fakeSessions{finds: flow.answer}, dialer: newFakeDialer(), errs: make(chan error, 64)}
	opts.Reconnect = true
	opts.Heartbeat = time.Hour
	opts.BackoffMin, opts.BackoffMax = time.Millisecond, 2*time.Millisecond
	opts.OnError = func(err error) {
		select {
		case f.errs <- err:
		default:
		}
	}
	ws, err := DialWebSocket(t.Context(), wsTestCfg, f.sessions, f.dialer, &opts)
	require.NoError(t, err)
	f.ws = ws
	f.sock = f.dialer.socket(t)
	t.Cleanup(func() { ws.Close() })
	return f, flow
}

// ids collects the ids a handler got.
type ids struct {
	mu  sync.Mutex
	got []string
}

func (c *ids) handle(d core.WSDrop) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.got = append(c.got, string(fastjson.MustParseBytes(d.Value).GetStringBytes("id")))
}

func (c *ids) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.got)
}

// The Go driver runs the engine's finds over its transport: what was
// pushed while the socket was down is delivered once the new socket is
// subscribed, then the pushes, each drop once and in order; drops that
// predate the subscription never are.
func TestWebSocketBackfill(t *testing.T) {
	f, flow := backfillFixture(t, WSOptions{BackfillPage: 2})
	flow.add("d0", 100) // predates the subscription
	_, stop := f.sock.ackSubscribes(nil)
	got := &ids{}
	_, err := f.ws.SubscribeRaw(t.Context(), flowA, got.handle)
	require.NoError(t, err)
	f.sock.send(flow.add("d1", 100))
	f.sock.send(flow.add("d2", 101))
	require.Eventually(t, func() bool { return len(got.list()) == 2 }, wsWait, time.Millisecond)
	stop()

	// While the socket is down, drops are written; one was pushed on the
	// old socket before it died.
	f.sock.kill <- errors.New("EOF")
	flow.add("d3", 101)
	flow.add("d4", 102)
	flow.add("d5", 103)
	flow.fail = 2 // the first finds fail: retried
	sock2 := f.dialer.socket(t)
	_, stop = sock2.ackSubscribes(nil)
	defer stop()
	sock2.send(flow.add("d6", 104)) // pushed on the new socket, maybe before back-fill ends
	require.Eventually(t, func() bool { return len(got.list()) == 6 }, wsWait, time.Millisecond)
	sock2.send(flow.add("d7", 105))
	require.Eventually(t, func() bool { return len(got.list()) == 7 }, wsWait, time.Millisecond)
	assert.Equal(t, []string{"d1", "d2", "d3", "d4", "d5", "d6", "d7"}, got.list())
	var se *core.ServerError
	for done := false; !done; {
		select {
		case err := <-f.errs:
			if errors.As(err, &se) {
				done = true
			}
		case <-time.After(wsWait):
			t.Fatal("the failed find was not reported")
		}
	}
	assert.Equal(t, core.WSStatusOpen, f.ws.State())
}

// A gap is a *core.GapError, for errors.As, on the subscription's
// OnSubscriptionError and WSOptions.OnError; the subscription goes on.
func TestWebSocketGap(t *testing.T) {
	f, flow := backfillFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(nil)
	got := &ids{}
	gaps := make(chan error, 4)
	sub, err := f.ws.SubscribeRaw(t.Context(), flowA, got.handle, OnSubscriptionError(func(err error) { gaps <- err }))
	require.NoError(t, err)
	f.sock.send(flow.add("d1", 100))
	require.Eventually(t, func() bool { return len(got.list()) == 1 }, wsWait, time.Millisecond)
	stop()

	f.sock.kill <- errors.New("EOF")
	flow.add("d2", 200)
	flow.add("d3", 300)
	flow.evict(2) // the flow's capacity removed d1 and d2
	sock2 := f.dialer.socket(t)
	_, stop = sock2.ackSubscribes(nil)
	defer stop()
	var gap *core.GapError
	require.ErrorAs(t, recv(t, gaps), &gap)
	assert.Equal(t, [2]int64{100, 300}, [2]int64{gap.From, gap.To})
	assert.Equal(t, flowA, gap.Resource)
	require.Eventually(t, func() bool { return len(got.list()) == 2 }, wsWait, time.Millisecond)
	assert.Equal(t, []string{"d1", "d3"}, got.list())
	select {
	case <-sub.Done():
		t.Fatal("a gap ends nothing")
	default:
	}
	for {
		if err := recv(t, f.errs); errors.As(err, &gap) {
			break
		}
	}
}

// WithoutBackfill: pushes as they come, no finds.
func TestWebSocketWithoutBackfill(t *testing.T) {
	f, flow := backfillFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(nil)
	defer stop()
	got := &ids{}
	_, err := f.ws.SubscribeRaw(t.Context(), flowA, got.handle, WithoutBackfill())
	require.NoError(t, err)
	f.sock.send(flow.add("d1", 100))
	require.Eventually(t, func() bool { return len(got.list()) == 1 }, wsWait, time.Millisecond)
	flow.mu.Lock()
	assert.Zero(t, flow.finds)
	flow.mu.Unlock()
}

// A handshake that never completes is bounded by WSOptions.Timeout on
// every reconnect; Close then ends everything at once.
func TestWebSocketReconnectHandshakeTimeout(t *testing.T) {
	f, _ := backfillFixture(t, WSOptions{Timeout: 20 * time.Millisecond})
	f.dialer.block.Store(true)
	f.sock.kill <- errors.New("EOF")
	var te *core.TimeoutError
	for {
		if err := recv(t, f.errs); errors.As(err, &te) {
			break
		}
	}
	assert.Contains(t, te.Error(), "POST /session: websocket handshake timed out after 20 ms")
	assert.Equal(t, core.WSStatusReconnecting, f.ws.State())
	require.NoError(t, f.ws.Close())
	assert.Equal(t, core.WSStatusClosed, f.ws.State())
}

// A server that goes silent while the socket stays open is found out
// within two heartbeat intervals, and the WebSocket reconnects.
func TestWebSocketSilentServer(t *testing.T) {
	f := dialFixture(t, WSOptions{Heartbeat: 10 * time.Millisecond, Reconnect: true, BackoffMin: time.Millisecond})
	var te *core.TimeoutError
	for {
		if err := recv(t, f.errs); errors.As(err, &te) {
			break
		}
	}
	assert.Equal(t, "flowthings: waiting for any frame from the server timed out after 20 ms", te.Error())
	assert.Eventually(t, f.sock.isClosed, wsWait, time.Millisecond)
	f.dialer.socket(t) // reconnected
}

// A find in flight when the WebSocket closes is cancelled (its context
// ends), and nothing is left running.
func TestWebSocketCloseCancelsFinds(t *testing.T) {
	noLeak(t)
	started := make(chan context.Context, 1)
	sessions := &fakeSessions{finds: func(ctx context.Context, req core.Request) (int, []byte, error) {
		started <- ctx
		<-ctx.Done()
		return 0, nil, ctx.Err()
	}}
	dialer := newFakeDialer()
	ws, err := DialWebSocket(t.Context(), wsTestCfg, sessions, dialer, &WSOptions{Heartbeat: time.Hour})
	require.NoError(t, err)
	sock := dialer.socket(t)
	_, stop := sock.ackSubscribes(nil)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		_, err := ws.SubscribeRaw(context.Background(), flowA, func(core.WSDrop) {})
		errc <- err
	}()
	recv(t, started)
	require.NoError(t, ws.Close())
	assert.ErrorIs(t, recv(t, errc), core.ErrWebSocketClosed)
}
