package flowthings_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
)

const liveWait = 5 * time.Second

// liveEnv is an emulator on 127.0.0.1 (on the real clock, so that AGE
// reads the same time on both sides) and a client whose finds can be made
// to fail.
type liveEnv struct {
	emu       *emulator.Emulator
	cfg       core.Config
	transport flowthings.Transport
	c         *flowthings.Client
	failing   atomic.Bool // drop finds answer 503
	finds     atomic.Int32
}

func newLiveEnv(t *testing.T) *liveEnv { return newLiveEnvWith(t, emulator.Config{}) }

func newLiveEnvWith(t *testing.T, cfg emulator.Config) *liveEnv {
	t.Helper()
	emu, err := emulator.New(cfg)
	require.NoError(t, err)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, emu.Close())
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	env := &liveEnv{emu: emu, cfg: core.Config{Account: emulator.DefaultAccount, Token: emulator.DefaultToken, Host: host, WSHost: host, Insecure: true}}
	next := nethttp.NewTransport(srv.Client())
	env.transport = flowthings.TransportFunc(func(ctx context.Context, req core.Request) (int, []byte, error) {
		if req.Method == "GET" && strings.Contains(req.Path, "/drop/") {
			env.finds.Add(1)
			if env.failing.Load() {
				return 503, []byte(`{"head":{"ok":false,"status":503,"errors":["try later"]},"body":{}}`), nil
			}
		}
		return next.Do(ctx, req)
	})
	env.c, err = flowthings.NewClient(env.cfg, env.transport)
	require.NoError(t, err)
	return env
}

func (e *liveEnv) flow(t *testing.T, path string) string {
	t.Helper()
	f, _, err := e.c.Flow.Create(t.Context(), &flowthings.Flow{Path: &path}, nil)
	require.NoError(t, err)
	return f.GetID()
}

func (e *liveEnv) drop(t *testing.T, flowID string, elems flowthings.Elems) *flowthings.Drop {
	t.Helper()
	d, _, err := e.c.Drop(flowID).Create(t.Context(), &flowthings.Drop{Elems: elems}, nil)
	require.NoError(t, err)
	return d
}

func (e *liveEnv) ws(t *testing.T) *flowthings.WebSocket {
	t.Helper()
	ws, err := flowthings.DialWebSocket(t.Context(), e.cfg, e.transport, &nethttp.WSDialer{}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// changes records a query's callbacks.
type changes struct {
	mu     sync.Mutex
	added  [][]string
	states []flowthings.LiveState
	errs   []error
	ch     chan []string // the ids of every OnChange's list
}

func newChanges() *changes { return &changes{ch: make(chan []string, 100)} }

func (c *changes) options(limit int) *flowthings.LiveOptions {
	return &flowthings.LiveOptions{
		Limit: limit,
		OnChange: func(drops, added []*flowthings.Drop) {
			c.mu.Lock()
			c.added = append(c.added, ids(added))
			c.mu.Unlock()
			c.ch <- ids(drops)
		},
		OnStateChange: func(s flowthings.LiveState) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.states = append(c.states, s)
		},
		OnError: func(err error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.errs = append(c.errs, err)
		},
	}
}

// next returns the ids of the next change's list.
func (c *changes) next(t *testing.T) []string {
	t.Helper()
	select {
	case got := <-c.ch:
		return got
	case <-time.After(liveWait):
		require.FailNow(t, "no change")
		return nil
	}
}

func ids(drops []*flowthings.Drop) []string {
	out := make([]string, len(drops))
	for i, d := range drops {
		out[i] = d.GetID()
	}
	return out
}

func TestLiveFollowsPushes(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/follow")
	var d []*flowthings.Drop
	for i := range 5 {
		d = append(d, env.drop(t, flowID, flowthings.Elems{"temp": i + 1}))
	}
	c := newChanges()
	q, err := env.c.Drop(flowID).Live(t.Context(), filter.M("temp").Gt(2), withWS(c.options(3), env.ws(t)))
	require.NoError(t, err)
	t.Cleanup(func() { q.Close(context.Background()) })

	// The newest three matching drops, newest first.
	assert.Equal(t, []string{d[4].GetID(), d[3].GetID(), d[2].GetID()}, ids(q.Drops()))
	assert.Equal(t, flowthings.LiveCurrent, q.State())
	assert.Equal(t, ids(q.Drops()), ids(<-q.Changes()), "Changes starts with what Live found")

	// A drop that does not match changes nothing; one that matches enters
	// first and pushes the oldest out.
	env.drop(t, flowID, flowthings.Elems{"temp": 1})
	hot := env.drop(t, flowID, flowthings.Elems{"temp": 9})
	assert.Equal(t, []string{hot.GetID(), d[4].GetID(), d[3].GetID()}, c.next(t))
	assert.Equal(t, []string{hot.GetID(), d[4].GetID(), d[3].GetID()}, ids(q.Drops()))

	// An updated drop that still matches is replaced in place.
	d[3].Elems["temp"] = 7
	_, _, err = env.c.Drop(flowID).Update(t.Context(), d[3], nil)
	require.NoError(t, err)
	assert.Equal(t, []string{hot.GetID(), d[4].GetID(), d[3].GetID()}, c.next(t))
	temp, _ := q.Drops()[2].Elems.Int64("temp")
	assert.Equal(t, int64(7), temp)

	// One that no longer matches leaves a full list, which is found again:
	// the next matching drop (d[2]) takes the last place.
	d[4].Elems["temp"] = 0
	_, _, err = env.c.Drop(flowID).Update(t.Context(), d[4], nil)
	require.NoError(t, err)
	assert.Equal(t, []string{hot.GetID(), d[3].GetID()}, c.next(t))
	assert.Equal(t, []string{hot.GetID(), d[3].GetID(), d[2].GetID()}, c.next(t))
	assert.Equal(t, flowthings.LiveCurrent, q.State())

	c.mu.Lock()
	assert.Equal(t, [][]string{{hot.GetID()}, {}, {}, {d[2].GetID()}}, c.added)
	assert.Equal(t, []flowthings.LiveState{flowthings.LiveResyncing, flowthings.LiveCurrent}, c.states)
	assert.Empty(t, c.errs)
	c.mu.Unlock()
}

func withWS(o *flowthings.LiveOptions, ws *flowthings.WebSocket) *flowthings.LiveOptions {
	o.WebSocket = ws
	return o
}

func TestLiveClose(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/close")
	ws := env.ws(t)

	// On a shared connection, Close unsubscribes and leaves it open.
	c := newChanges()
	q, err := env.c.Drop(flowID).Live(t.Context(), nil, withWS(c.options(0), ws))
	require.NoError(t, err)
	require.NoError(t, q.Close(t.Context()))
	require.NoError(t, q.Close(t.Context()), "Close twice is fine")
	assert.Equal(t, flowthings.LiveClosed, q.State())
	assert.NoError(t, q.Err())
	<-q.Done()
	for range q.Changes() { // the newest list is still there, then the channel is closed
	}
	env.drop(t, flowID, flowthings.Elems{"after": true})
	other := make(chan *flowthings.Drop, 1)
	_, err = ws.Subscribe(t.Context(), flowID, func(d *flowthings.Drop) { other <- d })
	require.NoError(t, err, "the connection is still open")
	created := env.drop(t, flowID, flowthings.Elems{"x": 1})
	select {
	case d := <-other:
		assert.Equal(t, created.GetID(), d.GetID())
	case <-time.After(liveWait):
		require.FailNow(t, "no push on the shared connection")
	}
	assert.Empty(t, c.ch, "no change after Close")

	// With a Dialer the query has its own connection, and Close closes it:
	// its pushes stop.
	own, err := env.c.Drop(flowID).Live(t.Context(), nil, &flowthings.LiveOptions{Dialer: &nethttp.WSDialer{}})
	require.NoError(t, err)
	require.Len(t, own.Drops(), 2)
	env.drop(t, flowID, flowthings.Elems{"x": 2})
	require.Eventually(t, func() bool { return len(own.Drops()) == 3 }, liveWait, 5*time.Millisecond)
	require.NoError(t, own.Close(t.Context()))
	env.drop(t, flowID, flowthings.Elems{"x": 3})
	time.Sleep(50 * time.Millisecond)
	assert.Len(t, own.Drops(), 3)
}

func TestLiveEndsWithItsSubscription(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/ends")
	ws := env.ws(t)
	c := newChanges()
	q, err := env.c.Drop(flowID).Live(t.Context(), nil, withWS(c.options(0), ws))
	require.NoError(t, err)

	// The caller closes the shared connection: the query ends with
	// ErrWebSocketClosed, and says so.
	ws.Close()
	select {
	case <-q.Done():
	case <-time.After(liveWait):
		require.FailNow(t, "the query did not end")
	}
	require.ErrorIs(t, q.Err(), core.ErrWebSocketClosed)
	assert.Equal(t, flowthings.LiveClosed, q.State())
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.errs) == 1 && len(c.states) == 1
	}, liveWait, 5*time.Millisecond)
	assert.ErrorIs(t, c.errs[0], core.ErrWebSocketClosed)
	assert.Equal(t, flowthings.LiveClosed, c.states[0])
	assert.NoError(t, q.Close(t.Context()))
}

func TestLiveRetriesAFailingFind(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/retry")
	a := env.drop(t, flowID, flowthings.Elems{"on": true})
	b := env.drop(t, flowID, flowthings.Elems{"on": true})
	c := newChanges()
	q, err := env.c.Drop(flowID).Live(t.Context(), "on == true", withWS(c.options(2), env.ws(t)))
	require.NoError(t, err)
	t.Cleanup(func() { q.Close(context.Background()) })

	// b leaves a full list while finds fail: the query keeps trying,
	// reports each failure, and recovers when the platform does.
	env.failing.Store(true)
	b.Elems["on"] = false
	_, _, err = env.c.Drop(flowID).Update(t.Context(), b, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{a.GetID()}, c.next(t))
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.errs) >= 2
	}, liveWait, 5*time.Millisecond)
	assert.Equal(t, flowthings.LiveResyncing, q.State())
	c.mu.Lock()
	assert.Equal(t, core.KindServer, core.KindOf(c.errs[0]))
	c.mu.Unlock()
	env.failing.Store(false)
	assert.Equal(t, []string{a.GetID()}, c.next(t))
	assert.Equal(t, flowthings.LiveCurrent, q.State())
}

func TestLiveInputErrors(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/errors")
	ws := env.ws(t)
	tests := []struct {
		name   string
		flow   string
		filter any
		opts   *flowthings.LiveOptions
		want   string
	}{
		{"syntax", flowID, "temp >", &flowthings.LiveOptions{WebSocket: ws}, "filter"},
		{"regex RE2 cannot run", flowID, `name =~ /(?<=a)b/`, &flowthings.LiveOptions{WebSocket: ws}, "lookaround"},
		{"invalid expression", flowID, filter.M("a b").Eq(1), &flowthings.LiveOptions{WebSocket: ws}, "invalid"},
		{"limit too large", flowID, nil, &flowthings.LiveOptions{WebSocket: ws, Limit: 1001}, "limit"},
		{"negative limit", flowID, nil, &flowthings.LiveOptions{WebSocket: ws, Limit: -1}, "limit"},
		{"no connection", flowID, nil, nil, "needs a WebSocket or a Dialer"},
		{"no flow", "", nil, &flowthings.LiveOptions{WebSocket: ws}, "flow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := env.c.Drop(tc.flow).Live(t.Context(), tc.filter, tc.opts)
			assert.Nil(t, q)
			require.Error(t, err)
			assert.Equal(t, core.KindInput, core.KindOf(err), "%v", err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}

	// The platform's refusal is the subscription's typed error.
	_, err := env.c.Drop("f000000000000000000000000").Live(t.Context(), nil, &flowthings.LiveOptions{WebSocket: ws})
	assert.Equal(t, core.KindNotFound, core.KindOf(err), "%v", err)
}

func TestLiveFindsAgainAfterAReconnect(t *testing.T) {
	env := newLiveEnvWith(t, emulator.Config{DropWSAfter: 300 * time.Millisecond})
	flowID := env.flow(t, "/dev/live/reconnect")
	c := newChanges()
	o := c.options(0)
	o.Dialer = &nethttp.WSDialer{}
	q, err := env.c.Drop(flowID).Live(t.Context(), nil, o)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close(context.Background()) })
	finds := env.finds.Load()

	// The emulator drops the socket; the query says so, finds again, and
	// follows the new socket's pushes.
	require.Eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.errs) > 0 && len(c.states) >= 3
	}, liveWait, 5*time.Millisecond)
	c.mu.Lock()
	assert.Equal(t, core.KindConnectionLost, core.KindOf(c.errs[0]))
	assert.Equal(t, []flowthings.LiveState{flowthings.LiveReconnecting, flowthings.LiveResyncing, flowthings.LiveCurrent}, c.states[:3])
	c.mu.Unlock()
	assert.Greater(t, env.finds.Load(), finds)
	d := env.drop(t, flowID, flowthings.Elems{"after": true})
	require.Eventually(t, func() bool {
		drops := q.Drops()
		return len(drops) > 0 && drops[0].GetID() == d.GetID()
	}, liveWait, 5*time.Millisecond)
}

// socketsDialer dials with nethttp and keeps the sockets, for a test to
// close one (a lost connection).
type socketsDialer struct {
	mu    sync.Mutex
	socks []flowthings.Socket
}

func (d *socketsDialer) Dial(ctx context.Context, url string) (flowthings.Socket, error) {
	s, err := (&nethttp.WSDialer{}).Dial(ctx, url)
	if err == nil {
		d.mu.Lock()
		d.socks = append(d.socks, s)
		d.mu.Unlock()
	}
	return s, err
}

func (d *socketsDialer) socket(i int) flowthings.Socket {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.socks[i]
}

// A drop updated while the query's connection is down (never pushed) is
// current once it is back: the query finds again after the new socket
// opened, not when the old one was lost.
func TestLiveCurrentAfterAnUpdateDuringAnOutage(t *testing.T) {
	env := newLiveEnv(t)
	flowID := env.flow(t, "/dev/live/outage")
	d := env.drop(t, flowID, flowthings.Elems{"temp": 1})
	env.drop(t, flowID, flowthings.Elems{"temp": 9})
	c := newChanges()
	o := c.options(0)
	dialer := &socketsDialer{}
	o.Dialer = dialer
	q, err := env.c.Drop(flowID).Live(t.Context(), nil, o)
	require.NoError(t, err)
	t.Cleanup(func() { q.Close(context.Background()) })

	require.NoError(t, dialer.socket(0).Close())
	require.Eventually(t, func() bool { return q.State() == flowthings.LiveReconnecting }, liveWait, time.Millisecond)
	d.Elems = flowthings.Elems{"temp": 2} // while the socket is down (the backoff is at least 500 ms)
	_, _, err = env.c.Drop(flowID).Update(t.Context(), d, nil)
	require.NoError(t, err)
	require.Equal(t, flowthings.LiveReconnecting, q.State(), "updated before the new socket")

	require.Eventually(t, func() bool { return q.State() == flowthings.LiveCurrent }, liveWait, time.Millisecond)
	var temp int64
	for _, x := range q.Drops() {
		if x.GetID() == d.GetID() {
			temp, _ = x.Elems.Int64("temp")
		}
	}
	assert.EqualValues(t, 2, temp, "the update made during the outage")
	c.mu.Lock()
	defer c.mu.Unlock()
	assert.Equal(t, []flowthings.LiveState{flowthings.LiveReconnecting, flowthings.LiveResyncing, flowthings.LiveCurrent}, c.states)
}
