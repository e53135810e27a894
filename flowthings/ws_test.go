package flowthings

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/flowthings/flowthings-wasm/core"
)

const wsWait = 3 * time.Second

// fakeSocket is the client end of an in-memory WebSocket; the test plays the server.
type fakeSocket struct {
	url    string
	in     chan []byte // server → client
	out    chan []byte // client → server
	kill   chan error  // makes Read fail: the server dropped the connection
	closed chan struct{}
	once   sync.Once
}

func newFakeSocket(url string) *fakeSocket {
	return &fakeSocket{url: url, in: make(chan []byte, 64), out: make(chan []byte, 256),
		kill: make(chan error, 1), closed: make(chan struct{})}
}

func (s *fakeSocket) Read(ctx context.Context) ([]byte, error) {
	select {
	case f := <-s.in:
		return f, nil
	case err := <-s.kill:
		return nil, err
	case <-s.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *fakeSocket) Write(ctx context.Context, frame []byte) error {
	select {
	case <-s.closed:
		return net.ErrClosed
	default:
	}
	select {
	case s.out <- frame:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *fakeSocket) Close() error {
	s.once.Do(func() { close(s.closed) })
	return nil
}

func (s *fakeSocket) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// next returns the next frame the client wrote, skipping heartbeats.
func (s *fakeSocket) next(t *testing.T) string {
	t.Helper()
	for {
		select {
		case f := <-s.out:
			if string(f) == `{"type":"heartbeat"}` {
				continue
			}
			return string(f)
		case <-time.After(wsWait):
			require.FailNow(t, "no frame from the client")
		}
	}
}

func (s *fakeSocket) send(f []byte) { s.in <- f }

// ackSubscribes answers every subscribe/unsubscribe frame ok, in the
// background, and counts them; other frames go to others.
func (s *fakeSocket) ackSubscribes(others chan<- string) (subs *atomic.Int32, stop func()) {
	subs = new(atomic.Int32)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case f := <-s.out:
				v, err := fastjson.ParseBytes(f)
				if err != nil {
					continue
				}
				switch string(v.GetStringBytes("type")) {
				case "subscribe", "unsubscribe":
					subs.Add(1)
					s.in <- okReply(string(v.GetStringBytes("msgId")), "{}")
				case "heartbeat":
				default:
					if others != nil {
						others <- string(f)
					}
				}
			case <-done:
				return
			}
		}
	}()
	return subs, func() { close(done); wg.Wait() }
}

// fakeDialer hands out fakeSockets and keeps them for the test.
type fakeDialer struct {
	sockets chan *fakeSocket
	fail    atomic.Pointer[error]
	block   atomic.Bool // Dial waits for ctx
}

func newFakeDialer() *fakeDialer { return &fakeDialer{sockets: make(chan *fakeSocket, 16)} }

func (d *fakeDialer) Dial(ctx context.Context, url string) (Socket, error) {
	if d.block.Load() {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if err := d.fail.Load(); err != nil {
		return nil, *err
	}
	s := newFakeSocket(url)
	d.sockets <- s
	return s, nil
}

func (d *fakeDialer) socket(t *testing.T) *fakeSocket {
	t.Helper()
	select {
	case s := <-d.sockets:
		return s
	case <-time.After(wsWait):
		require.FailNow(t, "no socket dialed")
		return nil
	}
}

// fakeSessions answers POST /session with ids s-1, s-2, …, and the finds
// of backfill with finds (an empty flow when it is nil).
type fakeSessions struct {
	mu     sync.Mutex
	reqs   []core.Request
	status int // 0 → 201
	finds  func(ctx context.Context, req core.Request) (int, []byte, error)
}

func (f *fakeSessions) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	f.mu.Lock()
	if req.Method == "GET" {
		finds := f.finds
		f.mu.Unlock()
		if finds != nil {
			return finds(ctx, req)
		}
		return 200, []byte(`{"head":{"ok":true,"status":200},"body":[]}`), nil
	}
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.status != 0 {
		return f.status, fmt.Appendf(nil, `{"head":{"ok":false,"status":%d,"errors":["bad token"]},"body":{}}`, f.status), nil
	}
	return 201, fmt.Appendf(nil, `{"head":{"ok":true,"status":201,"errors":[]},"body":{"id":"s-%d"}}`, len(f.reqs)), nil
}

func (f *fakeSessions) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// noLeak fails the test if goroutines started during it are still running
// shortly after it ends (tests in this file are not parallel).
func noLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(wsWait)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			buf := make([]byte, 1<<16)
			t.Errorf("goroutine leak: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
	})
}

type wsFixture struct {
	ws       *WebSocket
	sessions *fakeSessions
	dialer   *fakeDialer
	sock     *fakeSocket
	errs     chan error
}

func dialFixture(t *testing.T, opts WSOptions) *wsFixture {
	t.Helper()
	noLeak(t)
	f := &wsFixture{sessions: &fakeSessions{}, dialer: newFakeDialer(), errs: make(chan error, 64)}
	if opts.Heartbeat == 0 {
		opts.Heartbeat = time.Hour
	}
	opts.OnError = func(err error) { f.errs <- err }
	ws, err := DialWebSocket(t.Context(), wsTestCfg, f.sessions, f.dialer, &opts)
	require.NoError(t, err)
	f.ws = ws
	f.sock = f.dialer.socket(t)
	t.Cleanup(func() { ws.Close() })
	return f
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wsWait):
		require.FailNow(t, "timed out")
		var zero T
		return zero
	}
}

// WSOptions reach the engine in whole milliseconds, rounded away from
// zero: a sub-millisecond duration is neither the default (0) nor, when
// negative, anything but none.
func TestWSOptionsSettings(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want int64
	}{
		{0, 0},
		{time.Nanosecond, 1},
		{time.Millisecond, 1},
		{1500 * time.Microsecond, 2},
		{30 * time.Second, 30_000},
		{-time.Nanosecond, -1},
		{-time.Millisecond, -1},
		{-1500 * time.Microsecond, -2},
	} {
		assert.Equal(t, tt.want, millis(tt.d), "%v", tt.d)
	}

	jitter := func() float64 { return 0.5 }
	o := &WSOptions{Heartbeat: 10 * time.Second, Timeout: -1, Reconnect: true, BackoffMin: 250 * time.Millisecond,
		BackoffMax: time.Minute, StableAfter: 2 * time.Second, MaxAttempts: 3, BackfillPage: 50, BackfillAttempts: 4,
		Rand: jitter, OnError: func(error) {}}
	got := o.settings()
	assert.NotNil(t, got.Rand)
	got.Rand = nil
	assert.Equal(t, core.WSSettings{HeartbeatMs: 10_000, TimeoutMs: -1, Reconnect: true, BackoffMinMs: 250,
		BackoffMaxMs: 60_000, StableAfterMs: 2_000, MaxAttempts: 3, BackfillPage: 50, BackfillAttempts: 4}, got)
	assert.Equal(t, 1500*time.Millisecond, duration(1_500))
}

func TestWebSocketLifecycle(t *testing.T) {
	f := dialFixture(t, WSOptions{Heartbeat: 100 * time.Millisecond}) // so that a busy machine cannot pass for a silent server
	require.Equal(t, 1, f.sessions.count())
	req := f.sessions.reqs[0]
	assert.Equal(t, "POST", req.Method)
	assert.Equal(t, "http://emu.local:8080/session", req.URL)
	assert.Contains(t, req.Header, core.Header{Name: "X-Auth-Account", Value: "alice"})
	assert.Equal(t, "ws://emu.local:8080/session/s-1/ws", f.sock.url)

	// Heartbeats flow while open; after a silent interval the client
	// probes the server with a request, which any answer satisfies.
	probes := 0
	for heartbeats := 0; heartbeats < 4; {
		frame := string(recv(t, f.sock.out))
		if frame == `{"type":"heartbeat"}` {
			heartbeats++
			continue
		}
		assert.Contains(t, frame, `"object":"flow","type":"findmany"`)
		probes++
		f.sock.send(errReply(msgIDOf(t, frame), 403, "no"))
	}
	assert.GreaterOrEqual(t, probes, 1)

	select {
	case <-f.ws.Done():
		t.Fatal("done while open")
	default:
	}
	require.NoError(t, f.ws.Close())
	assert.True(t, f.sock.isClosed())
	<-f.ws.Done()
	assert.NoError(t, f.ws.Err())
	require.NoError(t, f.ws.Close(), "Close twice")

	_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: flowA})
	assert.ErrorIs(t, err, core.ErrWebSocketClosed)
	_, err = f.ws.SubscribeRaw(t.Context(), flowA, func(core.WSDrop) {})
	assert.ErrorIs(t, err, core.ErrWebSocketClosed)
}

func TestWebSocketSendReplies(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	const n = 8
	type result struct {
		i    int
		body string
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			body, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: fmt.Sprintf("f%d", i)})
			results <- result{i, string(body), err}
		}()
	}
	// Collect all requests, then answer in reverse order, odd ones with an integer msgId.
	ids := map[string]string{} // msgId → requested id
	var order []string
	for range n {
		v, err := fastjson.Parse(f.sock.next(t))
		require.NoError(t, err)
		id := string(v.GetStringBytes("msgId"))
		ids[id] = string(v.GetStringBytes("id"))
		order = append(order, id)
	}
	for k := n - 1; k >= 0; k-- {
		id := order[k]
		body := fmt.Sprintf(`{"id":%q}`, ids[id])
		if k%2 == 1 {
			f.sock.send(fmt.Appendf(nil, `{"head":{"msgId":%s,"ok":true,"status":200},"body":%s}`, id, body))
		} else {
			f.sock.send(okReply(id, body))
		}
	}
	for range n {
		r := recv(t, results)
		require.NoError(t, r.err)
		assert.Equal(t, fmt.Sprintf(`{"id":"f%d"}`, r.i), r.body)
	}
}

func TestWebSocketErrorReplies(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	tests := []struct {
		status int
		check  func(error) bool
	}{
		{400, func(err error) bool { var e *core.BadRequestError; return errors.As(err, &e) }},
		{403, func(err error) bool { var e *core.ForbiddenError; return errors.As(err, &e) }},
		{404, core.IsNotFound},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			errc := make(chan error, 1)
			go func() {
				_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "drop", Type: "create", FlowID: flowA, Value: []byte(`{}`)})
				errc <- err
			}()
			f.sock.send(errReply(msgIDOf(t, f.sock.next(t)), tt.status, "no"))
			err := recv(t, errc)
			assert.True(t, tt.check(err), "%T %v", err, err)

			go func() {
				sub, err := f.ws.SubscribeRaw(t.Context(), flowA, func(core.WSDrop) { t.Error("delivered") })
				assert.Nil(t, sub)
				errc <- err
			}()
			f.sock.send(errReply(msgIDOf(t, f.sock.next(t)), tt.status, "no"))
			err = recv(t, errc)
			assert.True(t, tt.check(err), "%T %v", err, err)
			f.sock.send(push(flowA, drop(flowA, pathA))) // nobody is subscribed
		})
	}
	_, err := f.ws.SubscribeRaw(t.Context(), flowA, nil)
	var ie *core.InputError
	assert.ErrorAs(t, err, &ie)
	_, err = f.ws.Send(t.Context(), core.WSFrame{Object: "drop", Type: "subscribe"})
	assert.ErrorAs(t, err, &ie)
}

func TestWebSocketFanOut(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	subFrames, stop := f.sock.ackSubscribes(nil)
	defer stop()

	type got struct {
		name string
		drop core.WSDrop
	}
	gotc := make(chan got, 100)
	handlers := []struct{ name, resource string }{
		{"byID1", flowA}, {"byID2", flowA}, {"byPath1", pathA}, {"byPath2", pathA}, {"other", flowB},
	}
	var wg sync.WaitGroup
	subs := make([]*Subscription, len(handlers))
	for i, h := range handlers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := f.ws.SubscribeRaw(t.Context(), h.resource, func(d core.WSDrop) { gotc <- got{h.name, d} })
			assert.NoError(t, err)
			subs[i] = s
		}()
	}
	wg.Wait()
	assert.Equal(t, int32(3), subFrames.Load(), "one subscribe frame per resource")
	assert.Equal(t, pathA, subs[2].Resource())

	f.sock.send(push(flowA, drop(flowA, pathA)))
	f.sock.send(push(flowB, drop(flowB, "/alice/b")))
	counts := map[string]int{}
	for range 5 {
		g := recv(t, gotc)
		counts[g.name]++
		assert.NoError(t, fastjson.ValidateBytes(g.drop.Value))
	}
	assert.Equal(t, map[string]int{"byID1": 1, "byID2": 1, "byPath1": 1, "byPath2": 1, "other": 1}, counts)

	// Closing all handlers of flow A but one: no unsubscribe frame yet.
	require.NoError(t, subs[0].Close(t.Context()))
	require.NoError(t, subs[0].Close(t.Context()), "twice")
	assert.Equal(t, int32(3), subFrames.Load())
	require.NoError(t, subs[1].Close(t.Context()))
	assert.Equal(t, int32(4), subFrames.Load(), "the last one unsubscribes")
	<-subs[1].Done()
	assert.NoError(t, subs[1].Err())

	f.sock.send(push(flowA, drop(flowA, pathA)))
	counts = map[string]int{}
	for range 2 {
		counts[recv(t, gotc).name]++
	}
	assert.Equal(t, map[string]int{"byPath1": 1, "byPath2": 1}, counts)
	select {
	case g := <-gotc:
		t.Errorf("unexpected delivery to %s", g.name)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestWebSocketHandlerMayCall(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	others := make(chan string, 10)
	_, stop := f.sock.ackSubscribes(others)
	defer stop()

	done := make(chan string, 1)
	var sub *Subscription
	var subMu sync.Mutex
	s, err := f.ws.SubscribeRaw(t.Context(), flowA, func(d core.WSDrop) {
		// A handler may call Send and wait for its reply without deadlock.
		body, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: flowA})
		assert.NoError(t, err)
		subMu.Lock()
		assert.NoError(t, sub.Close(t.Context()))
		subMu.Unlock()
		done <- string(body)
	})
	require.NoError(t, err)
	subMu.Lock()
	sub = s
	subMu.Unlock()
	f.sock.send(push(flowA, drop(flowA, pathA)))
	f.sock.send(okReply(msgIDOf(t, recv(t, others)), `{"id":"`+flowA+`"}`))
	assert.Equal(t, `{"id":"`+flowA+`"}`, recv(t, done))
}

func TestWebSocketMalformedFrames(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	for _, frame := range []string{"", "garbage", `{"head":{"msgId":"77","ok":true},"body":{}}`, `[1]`} {
		require.NotPanics(t, func() { f.sock.send([]byte(frame)) })
		var fe *core.WSFrameError
		assert.ErrorAs(t, recv(t, f.errs), &fe, "%q", frame)
	}
	// Still working.
	res := make(chan error, 1)
	go func() {
		_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: flowA})
		res <- err
	}()
	f.sock.send(okReply(msgIDOf(t, f.sock.next(t)), "{}"))
	assert.NoError(t, recv(t, res))
}

func TestWebSocketSendContext(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := f.ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: flowA})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// The late reply is dropped without an error report.
	f.sock.send(okReply(msgIDOf(t, f.sock.next(t)), "{}"))
	f.sock.send([]byte("x")) // a marker: the next report must be about it
	var fe *core.WSFrameError
	require.ErrorAs(t, recv(t, f.errs), &fe)
	assert.Equal(t, "x", fe.Excerpt)

	// A Subscribe that times out leaves no subscription behind.
	ctx, cancel2 := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel2()
	_, err = f.ws.SubscribeRaw(ctx, flowA, func(core.WSDrop) { t.Error("delivered") })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, f.sock.next(t), `"type":"subscribe"`)
	assert.Contains(t, f.sock.next(t), `"type":"unsubscribe"`)
	f.sock.send(push(flowA, drop(flowA, pathA)))
}

func TestWebSocketDisconnectFailsPending(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(make(chan string, 10))
	sub, err := f.ws.SubscribeRaw(t.Context(), flowA, func(core.WSDrop) {})
	require.NoError(t, err)
	stop()

	const n = 5
	errc := make(chan error, n)
	for i := range n {
		go func() {
			_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: fmt.Sprint(i)})
			errc <- err
		}()
	}
	for range n {
		f.sock.next(t) // all sent
	}
	cause := errors.New("connection reset by peer")
	f.sock.kill <- cause
	for range n {
		err := recv(t, errc)
		var lost *core.ConnectionLostError
		require.ErrorAs(t, err, &lost)
		assert.ErrorIs(t, err, cause)
	}
	<-f.ws.Done()
	var lost *core.ConnectionLostError
	assert.ErrorAs(t, f.ws.Err(), &lost)
	<-sub.Done()
	assert.ErrorAs(t, sub.Err(), &lost)
	assert.Eventually(t, f.sock.isClosed, wsWait, time.Millisecond)
}

func TestWebSocketReconnect(t *testing.T) {
	f := dialFixture(t, WSOptions{Reconnect: true, BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond,
		Rand: func() float64 { return 0.5 }})
	_, stop := f.sock.ackSubscribes(nil)
	gotc := make(chan string, 10)
	for _, r := range []string{flowA, pathA, flowB} {
		_, err := f.ws.SubscribeRaw(t.Context(), r, func(d core.WSDrop) { gotc <- r }, WithoutBackfill())
		require.NoError(t, err)
	}
	stop()

	// The server drops the socket; a call made meanwhile is queued.
	f.sock.kill <- errors.New("EOF")
	var lost *core.ConnectionLostError
	require.ErrorAs(t, recv(t, f.errs), &lost, "reported")
	sent := make(chan error, 1)
	go func() {
		_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: flowA})
		sent <- err
	}()

	// A new session, a new socket, every resource re-subscribed, then the call.
	sock2 := f.dialer.socket(t)
	assert.Equal(t, 2, f.sessions.count())
	assert.Equal(t, "ws://emu.local:8080/session/s-2/ws", sock2.url)
	var resubs []string
	for range 3 {
		frame := sock2.next(t)
		assert.Contains(t, frame, `"type":"subscribe"`)
		resubs = append(resubs, frame)
		sock2.send(okReply(msgIDOf(t, frame), "{}"))
	}
	assert.Contains(t, strings.Join(resubs, "\n"), `"path":"`+pathA+`"`)
	sock2.send(okReply(msgIDOf(t, sock2.next(t)), "{}"))
	require.NoError(t, recv(t, sent))
	sock2.send(push(flowB, drop(flowB, "/alice/b")))
	assert.Equal(t, flowB, recv(t, gotc))

	// Attempts that fail keep retrying with backoff until one succeeds.
	bad := errors.New("dial refused")
	f.dialer.fail.Store(&bad)
	sock2.kill <- errors.New("EOF")
	assert.Eventually(t, func() bool { return f.sessions.count() >= 5 }, wsWait, time.Millisecond)
	f.dialer.fail.Store(nil)
	sock3 := f.dialer.socket(t)
	_, stop = sock3.ackSubscribes(nil)
	defer stop()
	sock3.send(push(flowA, drop(flowA, pathA)))
	assert.ElementsMatch(t, []string{flowA, pathA}, []string{recv(t, gotc), recv(t, gotc)})

	// Close stops reconnecting for good.
	n0 := f.sessions.count()
	f.dialer.block.Store(true) // the next attempt hangs until Close cancels it
	sock3.kill <- errors.New("EOF")
	assert.Eventually(t, func() bool { return f.sessions.count() > n0 }, wsWait, time.Millisecond)
	require.NoError(t, f.ws.Close())
	n := f.sessions.count()
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, n, f.sessions.count(), "no attempts after Close")
	assert.NoError(t, f.ws.Err())
}

func TestWebSocketReconnectGivesUp(t *testing.T) {
	f := dialFixture(t, WSOptions{Reconnect: true, MaxAttempts: 2, BackoffMin: time.Millisecond, Rand: func() float64 { return 0 }})
	f.sessions.mu.Lock()
	f.sessions.status = 503
	f.sessions.mu.Unlock()
	f.sock.kill <- errors.New("EOF")
	<-f.ws.Done()
	assert.Equal(t, 3, f.sessions.count(), "the first session and 2 attempts")
	var lost *core.ConnectionLostError
	require.ErrorAs(t, f.ws.Err(), &lost)
	var se *core.ServerError
	assert.ErrorAs(t, f.ws.Err(), &se)
}

func TestDialWebSocketFailures(t *testing.T) {
	noLeak(t)
	t.Run("credentials refused", func(t *testing.T) {
		ws, err := DialWebSocket(t.Context(), wsTestCfg, &fakeSessions{status: 401}, newFakeDialer(), nil)
		assert.Nil(t, ws)
		var fe *core.ForbiddenError
		assert.ErrorAs(t, err, &fe)
		assert.NotContains(t, err.Error(), wsTestCfg.Token)
	})
	t.Run("transport fails", func(t *testing.T) {
		down := TransportFunc(func(context.Context, core.Request) (int, []byte, error) { return 0, nil, errors.New("no route") })
		_, err := DialWebSocket(t.Context(), wsTestCfg, down, newFakeDialer(), nil)
		var te *core.TransportError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "/session", te.Path)
	})
	t.Run("dial fails", func(t *testing.T) {
		d := newFakeDialer()
		bad := errors.New("handshake: 404")
		d.fail.Store(&bad)
		_, err := DialWebSocket(t.Context(), wsTestCfg, &fakeSessions{}, d, &WSOptions{Reconnect: true})
		assert.ErrorIs(t, err, bad)
	})
	t.Run("context ends", func(t *testing.T) {
		d := newFakeDialer()
		d.block.Store(true)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		defer cancel()
		_, err := DialWebSocket(ctx, wsTestCfg, &fakeSessions{}, d, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("bad config", func(t *testing.T) {
		_, err := DialWebSocket(t.Context(), core.Config{}, &fakeSessions{}, newFakeDialer(), nil)
		assert.ErrorIs(t, err, core.ErrMissingCredentials)
	})
	t.Run("missing transport or dialer", func(t *testing.T) {
		var ie *core.InputError
		_, err := DialWebSocket(t.Context(), wsTestCfg, nil, newFakeDialer(), nil)
		assert.ErrorAs(t, err, &ie)
		_, err = DialWebSocket(t.Context(), wsTestCfg, &fakeSessions{}, nil, nil)
		assert.ErrorAs(t, err, &ie)
	})
}

func TestWebSocketWriteFailure(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	f.sock.Close() // writes fail from now on
	_, err := f.ws.Send(t.Context(), core.WSFrame{Object: "flow", Type: "find", ID: flowA})
	var lost *core.ConnectionLostError
	assert.ErrorAs(t, err, &lost)
	<-f.ws.Done()
}

func TestWebSocketNoDeliveryAfterClose(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(nil)
	defer stop()
	release := make(chan struct{})
	first := make(chan struct{}, 1)
	_, err := f.ws.SubscribeRaw(t.Context(), flowA, func(core.WSDrop) {
		first <- struct{}{}
		<-release
	})
	require.NoError(t, err)
	second, err := f.ws.SubscribeRaw(t.Context(), flowA, func(core.WSDrop) { t.Error("delivered after Close") })
	require.NoError(t, err)

	f.sock.send(push(flowA, drop(flowA, pathA)))
	recv(t, first) // the second delivery is now queued behind the blocked handler
	require.NoError(t, second.Close(t.Context()))
	close(release)
	f.sock.send(push(flowA, drop(flowA, pathA)))
	recv(t, first)
}

func TestWebSocketTypedDrops(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(nil)
	defer stop()

	drops := make(chan *Drop, 4)
	_, err := f.ws.Subscribe(t.Context(), flowA, func(d *Drop) { drops <- d })
	require.NoError(t, err)
	_, err = f.ws.Subscribe(t.Context(), flowA, nil)
	var in *core.InputError
	require.ErrorAs(t, err, &in)

	f.sock.send(push(flowA, drop(flowA, pathA)))
	d := recv(t, drops)
	assert.Equal(t, "d1", d.GetID())
	assert.Equal(t, flowA, d.GetFlowID())
	n, ok := d.Elems.Int64("n")
	assert.True(t, ok)
	assert.Equal(t, int64(1), n)

	// A push that is not a drop is reported, not delivered.
	f.sock.send(push(flowA, `[1,2]`))
	var frameErr *core.WSFrameError
	require.ErrorAs(t, recv(t, f.errs), &frameErr)
	assert.Contains(t, frameErr.Reason, "not a drop")
	assert.Equal(t, "[1,2]", frameErr.Excerpt)
	f.sock.send(push(flowA, `null`))
	require.ErrorAs(t, recv(t, f.errs), &frameErr)
	select {
	case d := <-drops:
		t.Errorf("delivered %v", d)
	case <-time.After(20 * time.Millisecond):
	}
}

func TestDecodeDrop(t *testing.T) {
	t.Parallel()
	long := `"` + strings.Repeat("x", 200) + `"`
	_, err := DecodeDrop(core.WSDrop{Resource: flowA, Value: []byte(long)})
	var frameErr *core.WSFrameError
	require.ErrorAs(t, err, &frameErr)
	assert.Len(t, frameErr.Excerpt, 120)
	d, err := DecodeDrop(core.WSDrop{Resource: flowA, Value: []byte(`{"id":"d9","elems":{}}`)})
	require.NoError(t, err)
	assert.Equal(t, "d9", d.GetID())
}

func TestWebSocketSendAs(t *testing.T) {
	f := dialFixture(t, WSOptions{})
	type result struct {
		flow *Flow
		err  error
	}
	done := make(chan result, 1)
	go func() {
		fl, err := SendAs[*Flow](t.Context(), f.ws, WSFrame(WSFind, ServiceFlow))
		done <- result{fl, err}
	}()
	f.sock.send(okReply(msgIDOf(t, f.sock.next(t)), `{"id":"f1","path":"/alice/x"}`))
	r := recv(t, done)
	require.NoError(t, r.err)
	assert.Equal(t, "/alice/x", r.flow.GetPath())

	go func() {
		fl, err := SendAs[*Flow](t.Context(), f.ws, WSFrame(WSFind, ServiceFlow))
		done <- result{fl, err}
	}()
	f.sock.send(okReply(msgIDOf(t, f.sock.next(t)), `[1]`))
	var in *core.InputError
	assert.ErrorAs(t, recv(t, done).err, &in, "a reply of another shape")

	go func() {
		fl, err := SendAs[*Flow](t.Context(), f.ws, WSFrame(WSFind, ServiceFlow))
		done <- result{fl, err}
	}()
	f.sock.send(errReply(msgIDOf(t, f.sock.next(t)), 404, "no"))
	assert.True(t, core.IsNotFound(recv(t, done).err))
}

// A peer that stops reading blocks the writer: once the heartbeat abandons
// that socket, its writer is freed, and Close returns.
func TestWebSocketCloseAfterStalledWrite(t *testing.T) {
	f := &wsFixture{sessions: &fakeSessions{}, dialer: newFakeDialer(), errs: make(chan error, 64)}
	ws, err := DialWebSocket(t.Context(), wsTestCfg, f.sessions, f.dialer, &WSOptions{Heartbeat: 20 * time.Millisecond, Reconnect: true, OnError: func(error) {}})
	require.NoError(t, err)
	sock := f.dialer.socket(t)
	for range cap(sock.out) { // the peer reads nothing more
		sock.out <- nil
	}
	f.dialer.socket(t) // the silent server found: a new socket
	done := make(chan struct{})
	go func() { _ = ws.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(abandonGrace + 3*time.Second):
		t.Fatal("Close hung on the abandoned socket's writer")
	}
	assert.True(t, sock.isClosed(), "the abandoned socket is closed")
}

// ctxValueTransport records the value of ctxKey on the context of each call.
type ctxValueTransport struct {
	*fakeSessions
	mu   sync.Mutex
	seen []any
}

type ctxKey struct{}

func (c *ctxValueTransport) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	c.mu.Lock()
	c.seen = append(c.seen, ctx.Value(ctxKey{}))
	c.mu.Unlock()
	return c.fakeSessions.Do(ctx, req)
}

// The calls a WebSocket makes later (sessions, back-fill finds) carry the
// values of the context it was dialled with — in a Go Worker, the request
// that routes them — though not its end.
func TestWebSocketKeepsContextValues(t *testing.T) {
	tr := &ctxValueTransport{fakeSessions: &fakeSessions{}}
	dialer := newFakeDialer()
	ctx, cancel := context.WithCancel(context.WithValue(t.Context(), ctxKey{}, "the request"))
	ws, err := DialWebSocket(ctx, wsTestCfg, tr, dialer, &WSOptions{Reconnect: true, Heartbeat: -1})
	require.NoError(t, err)
	defer ws.Close()
	sock := dialer.socket(t)
	cancel() // the dialling call is over: the WebSocket goes on
	subscribed := make(chan error, 1)
	go func() {
		_, err := ws.SubscribeRaw(t.Context(), "f1", func(core.WSDrop) {})
		subscribed <- err
	}()
	sock.ackSubscribes(nil)
	require.NoError(t, <-subscribed)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	require.GreaterOrEqual(t, len(tr.seen), 2, "the session and the start's find")
	for _, v := range tr.seen {
		assert.Equal(t, "the request", v)
	}
}
