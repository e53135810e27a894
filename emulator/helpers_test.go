package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	devTok   = DefaultToken
	guestTok = DefaultGuestToken
)

// tenv is one emulator behind a real HTTP server.
type tenv struct {
	t      *testing.T
	emu    *Emulator
	srv    *httptest.Server
	client *http.Client
}

func newEnv(t *testing.T, cfg Config) *tenv { t.Helper(); return newEnvWith(t, cfg, nil) }

// newEnvWith runs setup (e.g. registering extension services) before the
// server starts, as an extension does inside New.
func newEnvWith(t *testing.T, cfg Config, setup func(*Emulator)) *tenv {
	t.Helper()
	emu, err := New(cfg)
	require.NoError(t, err)
	if setup != nil {
		setup(emu)
	}
	srv := httptest.NewServer(emu.Handler())
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	v := &tenv{t: t, emu: emu, srv: srv, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
		assert.NoError(t, emu.Close())
	})
	return v
}

// tresp is a decoded response.
type tresp struct {
	Status int
	Header http.Header
	Raw    []byte
	Head   struct {
		Status     int            `json:"status"`
		OK         bool           `json:"ok"`
		Messages   []string       `json:"messages"`
		Errors     []string       `json:"errors"`
		References map[string]any `json:"references"`
	}
	Body json.RawMessage
}

func (r *tresp) obj() map[string]any {
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		panic("body is not an object: " + string(r.Raw))
	}
	return m
}

func (r *tresp) list() []map[string]any {
	var l []map[string]any
	if err := json.Unmarshal(r.Body, &l); err != nil {
		panic("body is not a list of objects: " + string(r.Raw))
	}
	return l
}

func (r *tresp) err() string {
	if len(r.Head.Errors) == 0 {
		return ""
	}
	return r.Head.Errors[0]
}

type reqOpt func(*http.Request)

func tok(s string) reqOpt { return func(r *http.Request) { r.Header.Set("X-Auth-Token", s) } }
func acct(s string) reqOpt {
	return func(r *http.Request) { r.Header.Set("X-Auth-Account", s) }
}
func hdr(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }
func noTok() reqOpt          { return func(r *http.Request) { r.Header.Del("X-Auth-Token") } }

// raw wraps bytes sent verbatim as the body.
type raw []byte

// do sends method path (relative to the server) with body (nil, raw, or a
// value to JSON-encode) as the dev master unless opts say otherwise.
func (v *tenv) do(method, path string, body any, opts ...reqOpt) *tresp {
	v.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case raw:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(v.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, v.srv.URL+path, rd)
	require.NoError(v.t, err)
	req.Header.Set("X-Auth-Token", devTok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := v.client.Do(req)
	require.NoError(v.t, err)
	defer res.Body.Close()
	out := &tresp{Status: res.StatusCode, Header: res.Header}
	out.Raw, err = io.ReadAll(res.Body)
	require.NoError(v.t, err)
	if method == http.MethodHead || res.StatusCode == http.StatusNoContent {
		return out
	}
	var env struct {
		Head json.RawMessage `json:"head"`
		Body json.RawMessage `json:"body"`
	}
	require.NoError(v.t, json.Unmarshal(out.Raw, &env), "not an envelope: %s", out.Raw)
	require.NoError(v.t, json.Unmarshal(env.Head, &out.Head), "bad head: %s", out.Raw)
	out.Body = env.Body
	// §2 invariants on every envelope
	require.Equal(v.t, res.StatusCode, out.Head.Status, "head.status mirrors HTTP: %s", out.Raw)
	require.Equal(v.t, res.StatusCode >= 200 && res.StatusCode < 300, out.Head.OK, "head.ok: %s", out.Raw)
	require.NotNil(v.t, out.Head.Messages, "messages present: %s", out.Raw)
	require.NotNil(v.t, out.Head.Errors, "errors present: %s", out.Raw)
	require.NotNil(v.t, out.Head.References, "references present: %s", out.Raw)
	require.NotEqual(v.t, "null", string(env.Body), "body never null: %s", out.Raw)
	require.NotEmpty(v.t, env.Body, "body present: %s", out.Raw)
	if !out.Head.OK {
		require.NotEmpty(v.t, out.Head.Errors, "an error has a message: %s", out.Raw)
	}
	return out
}

// must sends a request and requires the status.
func (v *tenv) must(status int, method, path string, body any, opts ...reqOpt) *tresp {
	v.t.Helper()
	r := v.do(method, path, body, opts...)
	require.Equal(v.t, status, r.Status, "%s %s: %s", method, path, r.Raw)
	return r
}

// create POSTs to /v0.1/dev/<svc> and returns the created object.
func (v *tenv) create(svc string, body any, opts ...reqOpt) map[string]any {
	v.t.Helper()
	return v.must(http.StatusCreated, "POST", "/v0.1/dev/"+svc, body, opts...).obj()
}

func (v *tenv) flow(path string, extra ...map[string]any) map[string]any {
	v.t.Helper()
	b := map[string]any{"path": path}
	for _, e := range extra {
		for k, x := range e {
			b[k] = x
		}
	}
	return v.create("flow", b)
}

func (v *tenv) drop(flowID string, elems map[string]any, opts ...reqOpt) map[string]any {
	v.t.Helper()
	return v.must(http.StatusCreated, "POST", "/v0.1/dev/drop/"+flowID, map[string]any{"elems": elems}, opts...).obj()
}

func (v *tenv) identityID(name string) string {
	v.t.Helper()
	for _, a := range v.emu.st.accounts {
		if a.Name == name {
			return a.IdentityID
		}
	}
	v.t.Fatalf("no account %q", name)
	return ""
}

func ids(list []map[string]any) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i], _ = m["id"].(string)
	}
	return out
}

// testClock is an adjustable, race-free clock for tests.
type testClock struct{ ms atomic.Int64 }

func newClock() *testClock {
	c := &testClock{}
	c.ms.Store(time.Date(2015, 1, 7, 12, 0, 0, 0, time.UTC).UnixMilli())
	return c
}

func (c *testClock) now() time.Time          { return time.UnixMilli(c.ms.Load()) }
func (c *testClock) advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

func stringsReader(s string) io.Reader { return bytes.NewReader([]byte(s)) }

func drain(res *http.Response) {
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// with returns the env bound to a subtest's t.
func (v *tenv) with(t *testing.T) *tenv { c := *v; c.t = t; return &c }
