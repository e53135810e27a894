package nethttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// emuNow is the emulator's fixed clock in these tests: every creationDate
// and every statistics bucket falls in the 10:00 UTC hour of 2024-03-15.
var emuNow = time.Date(2024, time.March, 15, 10, 30, 0, 0, time.UTC)

// emuEnv is one emulator served over real HTTP on 127.0.0.1, and a master
// client of the dev account whose requests are recorded.
type emuEnv struct {
	emu *emulator.Emulator
	srv *httptest.Server
	cfg core.Config        // dev master credentials
	c   *flowthings.Client // dev master client over rec
	rec *recordingTrans    // every request c made
}

// newEmuEnv starts an emulator with the fixed clock; tweak may change its
// Config. Everything is closed at the end of the test.
func newEmuEnv(t *testing.T, tweak func(*emulator.Config)) *emuEnv {
	t.Helper()
	ecfg := emulator.Config{Now: func() time.Time { return emuNow }}
	if tweak != nil {
		tweak(&ecfg)
	}
	emu, err := emulator.New(ecfg)
	require.NoError(t, err)
	srv := httptest.NewServer(emu.Handler()) // listens on 127.0.0.1
	t.Cleanup(func() {
		srv.Close()
		assert.NoError(t, emu.Close())
	})
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := core.Config{
		Account:  emulator.DefaultAccount,
		Token:    emulator.DefaultToken,
		Host:     host,
		WSHost:   host,
		Insecure: true,
	}
	rec := &recordingTrans{next: nethttp.NewTransport(srv.Client())}
	c, err := flowthings.NewClient(cfg, rec)
	require.NoError(t, err)
	return &emuEnv{emu: emu, srv: srv, cfg: cfg, c: c, rec: rec}
}

// clientAs is a plain nethttp client of the same emulator with other
// credentials.
func (e *emuEnv) clientAs(t *testing.T, account, token string) *flowthings.Client {
	t.Helper()
	cfg := e.cfg
	cfg.Account, cfg.Token = account, token
	c, err := nethttp.NewClient(cfg)
	require.NoError(t, err)
	return c
}

// recordingTrans is a flowthings.Transport that records the requests it passes
// on to the real transport, to check what went over the wire.
type recordingTrans struct {
	next flowthings.Transport
	mu   sync.Mutex
	reqs []core.Request
}

func (r *recordingTrans) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.next.Do(ctx, req)
}

// count is the number of requests so far.
func (r *recordingTrans) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// last is the most recent request.
func (r *recordingTrans) last(t *testing.T) core.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.NotEmpty(t, r.reqs, "no request was recorded")
	return r.reqs[len(r.reqs)-1]
}

// testCtx is a context bounded well inside the test timeout.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// object views a result (an Object or a typed object) as an Object.
func object(t *testing.T, v any) flowthings.Object {
	t.Helper()
	if o, ok := v.(flowthings.Object); ok {
		return o
	}
	o, err := flowthings.As[flowthings.Object](v)
	require.NoError(t, err)
	return o
}

// str reads a string member of an Object or typed object.
func str(t *testing.T, v any, key string) string {
	t.Helper()
	o := object(t, v)
	s, ok := o[key].(string)
	require.Truef(t, ok, "member %q is not a string in %v", key, o)
	return s
}

// num reads a json.Number member (possibly nested) as a float64.
func num(t *testing.T, v any) float64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.Truef(t, ok, "%#v is not a json.Number", v)
	f, err := n.Float64()
	require.NoError(t, err)
	return f
}

// typedElem returns the type and value of a typed (hints on) elem.
func typedElem(t *testing.T, d *flowthings.Drop, name string) (string, any) {
	t.Helper()
	typ := d.Elems.Type(name)
	require.NotEmptyf(t, typ, "elem %q is not typed in %v", name, d.Elems)
	v, _ := d.Elems.Get(name)
	return string(typ), v
}

// plainElem returns a plain (hints off) elem.
func plainElem(t *testing.T, d *flowthings.Drop, name string) any {
	t.Helper()
	require.Emptyf(t, d.Elems.Type(name), "elem %q is typed in %v", name, d.Elems)
	v, _ := d.Elems.Get(name)
	return v
}

// ids returns the "id" of each object (Object or typed), in order.
func ids[T any](t *testing.T, objs []T) []string {
	t.Helper()
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = str(t, o, "id")
	}
	return out
}

// createFlow creates a flow at path with extra members.
func createFlow(t *testing.T, ctx context.Context, c *flowthings.Client, path string, extra flowthings.Object) *flowthings.Flow {
	t.Helper()
	body := flowthings.Object{"path": path}
	for k, v := range extra {
		body[k] = v
	}
	model, err := flowthings.As[*flowthings.Flow](body)
	require.NoError(t, err)
	f, _, err := c.Flow.Create(ctx, model, nil)
	require.NoError(t, err, "create flow %s", path)
	return f
}

// identityID finds the identity of an account.
func identityID(t *testing.T, ctx context.Context, c *flowthings.Client, account string) string {
	t.Helper()
	found, _, err := c.Identity.FindMany(ctx, nil, `name == "`+account+`"`)
	require.NoError(t, err)
	require.Len(t, found, 1, "identity of %s", account)
	return str(t, found[0], "id")
}

// eventually polls cond every 5 ms until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNowf(t, "timed out", "waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dropSink collects pushed drops of one handler.
type dropSink struct {
	mu    sync.Mutex
	drops []*flowthings.Drop
	ch    chan struct{} // signalled (non-blocking) on every push
}

func newDropSink() *dropSink { return &dropSink{ch: make(chan struct{}, 1)} }

func (s *dropSink) handle(d *flowthings.Drop) {
	s.mu.Lock()
	s.drops = append(s.drops, d)
	s.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// dropIDs returns the ids of the pushed drops, in arrival order.
func (s *dropSink) dropIDs(t *testing.T) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.drops))
	for i, d := range s.drops {
		out[i] = d.GetID()
	}
	return out
}

// has reports whether the drop id was pushed.
func (s *dropSink) has(t *testing.T, id string) bool {
	for _, got := range s.dropIDs(t) {
		if got == id {
			return true
		}
	}
	return false
}

// waitFor waits, with a deadline, until the drop id was pushed.
func (s *dropSink) waitFor(t *testing.T, id string, within time.Duration) bool {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for !s.has(t, id) {
		select {
		case <-s.ch:
		case <-timer.C:
			return s.has(t, id)
		}
	}
	return true
}

// wsDial opens a WebSocket for cfg over real HTTP and the coder/websocket
// dialer; it is closed at the end of the test.
func wsDial(t *testing.T, ctx context.Context, cfg core.Config, opts *flowthings.WSOptions) *flowthings.WebSocket {
	t.Helper()
	ws, err := flowthings.DialWebSocket(ctx, cfg, nethttp.NewTransport(http.DefaultClient), &nethttp.WSDialer{}, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.Close() })
	return ws
}

// apiStatus is the status of a platform error, 0 for any other error.
func apiStatus(err error) int {
	var api core.APIError
	if errors.As(err, &api) {
		return api.Response().Status
	}
	return 0
}

// keys lists an object's members.
func keys(t *testing.T, v any) []string {
	o := object(t, v)
	out := make([]string, 0, len(o))
	for k := range o {
		out = append(out, k)
	}
	return out
}

// settledGoroutines closes the idle connections of the clients and returns
// the goroutine count once it stopped changing (bounded by a deadline).
func settledGoroutines(t *testing.T, clients ...*http.Client) int {
	t.Helper()
	for _, hc := range clients {
		hc.CloseIdleConnections()
	}
	prev, same := runtime.NumGoroutine(), 0
	deadline := time.Now().Add(3 * time.Second)
	for same < 10 && time.Now().Before(deadline) { // 50 ms without change
		time.Sleep(5 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == prev {
			same++
		} else {
			prev, same = n, 0
		}
	}
	return prev
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
