package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gz(t *testing.T, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write(data)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func TestCORS(t *testing.T) {
	v := newEnv(t, Config{})
	for _, path := range []string{"/v0.1/dev/flow", "/v0.1/dev/drop/fabc", "/anything", "/session"} {
		r := v.do("OPTIONS", path, nil, noTok(), hdr("Origin", "http://localhost:8080"),
			hdr("Access-Control-Request-Method", "MGET"), hdr("Access-Control-Request-Headers", "x-auth-token,content-type"))
		require.Equal(t, http.StatusNoContent, r.Status, path)
		assert.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "MGET", "MPUT", "OPTIONS"} {
			assert.Contains(t, r.Header.Get("Access-Control-Allow-Methods"), m)
		}
		for _, h := range []string{"X-Auth-Token", "X-Auth-Account", "Content-Type", "Accept", "Content-Encoding"} {
			assert.Contains(t, r.Header.Get("Access-Control-Allow-Headers"), h)
		}
		assert.Empty(t, r.Header.Get("Access-Control-Expose-Headers"))
	}
	// actual responses (success and error) carry CORS too
	assert.Equal(t, "*", v.must(200, "GET", "/v0.1/dev/flow", nil).Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "*", v.must(401, "GET", "/v0.1/dev/flow", nil, noTok()).Header.Get("Access-Control-Allow-Origin"))
}

func TestGzipBodies(t *testing.T) {
	v := newEnv(t, Config{MaxBodyBytes: 4096})
	body := gz(t, []byte(`{"path":"/dev/zipped","description":"gz"}`))
	f := v.must(201, "POST", "/v0.1/dev/flow", raw(body), hdr("Content-Encoding", "gzip")).obj()
	assert.Equal(t, "/dev/zipped", f["path"])
	// malformed gzip
	r := v.must(400, "POST", "/v0.1/dev/flow", raw([]byte("definitely not gzip")), hdr("Content-Encoding", "gzip"))
	assert.Contains(t, r.err(), "gzip")
	// truncated gzip
	v.must(400, "POST", "/v0.1/dev/flow", raw(body[:len(body)-6]), hdr("Content-Encoding", "gzip"))
	// a small gzip that inflates past the limit → 413
	bomb := gz(t, []byte(`{"path":"/dev/big","description":"`+strings.Repeat("a", 10000)+`"}`))
	require.Less(t, len(bomb), 4096)
	v.must(413, "POST", "/v0.1/dev/flow", raw(bomb), hdr("Content-Encoding", "gzip"))
	v.must(400, "POST", "/v0.1/dev/flow", raw([]byte(`{}`)), hdr("Content-Encoding", "br"))
}

func TestMalformedInput(t *testing.T) {
	v := newEnv(t, Config{MaxBodyBytes: 1024})
	fid := v.flow("/dev/m")["id"].(string)
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		opts   []reqOpt
		status int
		want   string
	}{
		{"bad JSON", "POST", "/v0.1/dev/flow", raw(`{"path":`), nil, 400, "malformed JSON"},
		{"trailing garbage", "POST", "/v0.1/dev/flow", raw(`{"path":"/dev/q"} x`), nil, 400, "malformed JSON"},
		{"number out of range", "POST", "/v0.1/dev/drop/" + fid, raw(`{"elems":{"a":1e400}}`), nil, 400, "out of range"},
		{"empty body", "POST", "/v0.1/dev/flow", nil, nil, 400, "body is required"},
		{"not an object", "POST", "/v0.1/dev/flow", raw(`"x"`), nil, 400, "must be a JSON object"},
		{"wrong member type", "POST", "/v0.1/dev/flow", map[string]any{"path": []any{}}, nil, 400, "path"},
		{"unknown elem type", "POST", "/v0.1/dev/drop/" + fid, map[string]any{"elems": map[string]any{"a": map[string]any{"type": "warp", "value": 1}}}, nil, 400, "unknown type"},
		{"MGET not an array", "MGET", "/v0.1/dev/flow", map[string]any{}, nil, 400, "array of ids"},
		{"MGET non-string id", "MGET", "/v0.1/dev/flow", []any{1}, nil, 400, "array of ids"},
		{"MPUT not an object", "MPUT", "/v0.1/dev/flow", []any{}, nil, 400, "JSON object"},
		{"MPUT value not an object", "MPUT", "/v0.1/dev/flow", map[string]any{fid: 1}, nil, 400, "objects"},
		{"oversized", "POST", "/v0.1/dev/flow", raw(`{"path":"/dev/x","description":"` + strings.Repeat("x", 2000) + `"}`), nil, 413, "larger than"},
		{"unknown route", "GET", "/nope", nil, nil, 404, "No route"},
		{"unknown service", "GET", "/v0.1/dev/widgets", nil, nil, 404, "No route"},
		{"no service", "GET", "/v0.1/dev", nil, nil, 404, "No route"},
		{"too deep", "GET", "/v0.1/dev/flow/" + fid + "/a/b", nil, nil, 404, ""},
		{"empty segment", "GET", "/v0.1/dev//flow", nil, nil, 404, ""},
		{"bad method", "PATCH", "/v0.1/dev/flow", map[string]any{}, nil, 405, "not supported"},
		{"method not on route", "POST", "/v0.1/dev/flow/" + fid, map[string]any{}, nil, 405, "not allowed"},
		{"PUT on collection", "PUT", "/v0.1/dev/flow", map[string]any{}, nil, 405, "not allowed"},
		{"DELETE on collection", "DELETE", "/v0.1/dev/flow", nil, nil, 405, "not allowed"},
		{"bad query escape", "GET", "/v0.1/dev/flow?limit=%zz", nil, nil, 400, "query"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			r := v.must(c.status, c.method, c.path, c.body, c.opts...)
			if c.want != "" {
				assert.Contains(t, r.err(), c.want)
			}
		})
	}
	// state is intact after all that
	l := v.must(200, "GET", "/v0.1/dev/flow", nil).list()
	assert.Len(t, l, 1)
	assert.Empty(t, v.must(200, "GET", "/v0.1/dev/drop/"+fid, nil).list())
}

func TestRoutingDetails(t *testing.T) {
	v := newEnv(t, Config{})
	f := v.flow("/dev/r")
	fid := f["id"].(string)
	// trailing slash
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/flow/", nil).list(), 1)
	assert.Equal(t, fid, v.must(200, "GET", "/v0.1/dev/flow/"+fid+"/", nil).obj()["id"])
	v.must(201, "POST", "/v0.1/dev/token/", map[string]any{"paths": map[string]any{"/dev/r": map[string]any{}}})
	// any version behaves the same
	for _, ver := range []string{"0.1", "4.0", "1", "2.3.4"} {
		assert.Equal(t, fid, v.must(200, "GET", "/v"+ver+"/dev/flow/"+fid, nil).obj()["id"], ver)
	}
	v.must(404, "GET", "/vx/dev/flow", nil)
	// HEAD acts as GET without a body
	r := v.do("HEAD", "/v0.1/dev/flow", nil)
	assert.Equal(t, 200, r.Status)
	assert.Empty(t, r.Raw)
	// pretty
	p := v.must(200, "GET", "/v0.1/dev/flow?pretty=true", nil)
	assert.Contains(t, string(p.Raw), "\n  \"head\"")
	assert.NotContains(t, string(v.must(200, "GET", "/v0.1/dev/flow", nil).Raw), "\n  ")
	assert.Equal(t, "application/json; charset=utf-8", p.Header.Get("Content-Type"))
	// messages
	assert.Equal(t, []string{msgOK}, v.must(200, "GET", "/v0.1/dev/flow", nil).Head.Messages)
}

func TestPanicBecomes500(t *testing.T) {
	v := newEnvWith(t, Config{}, func(e *Emulator) {
		e.registerService("boom", func(_ context.Context, p *principal, op *operation) result { panic("kaboom") })
		e.registerService("boom2", func(_ context.Context, p *principal, op *operation) result {
			return e.mutate(p, op, func(tx *txn) result { panic("inside the lock") })
		})
	})
	r := v.must(500, "GET", "/v0.1/dev/boom", nil)
	assert.Contains(t, r.err(), "Internal server error")
	// the server still works, and the lock is not held
	v.must(200, "GET", "/v0.1/dev/flow", nil)
	v.must(500, "GET", "/v0.1/dev/boom2", nil)
	v.must(201, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/after"})
}

func TestFaultInjection(t *testing.T) {
	t.Run("latency", func(t *testing.T) {
		v := newEnv(t, Config{Latency: 150 * time.Millisecond})
		start := time.Now()
		v.must(200, "GET", "/v0.1/dev/flow", nil)
		assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)
	})
	t.Run("fail rate 1", func(t *testing.T) {
		v := newEnv(t, Config{FailRate: 1})
		for i := 0; i < 5; i++ {
			r := v.must(503, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/x"})
			assert.Contains(t, r.err(), "injected")
		}
		// preflight is not subject to faults
		assert.Equal(t, 204, v.do("OPTIONS", "/v0.1/dev/flow", nil).Status)
		assert.Empty(t, v.emu.st.flowPath, "nothing was written")
	})
	t.Run("fail rate 0.5", func(t *testing.T) {
		v := newEnv(t, Config{FailRate: 0.5})
		fails := 0
		for i := 0; i < 200; i++ {
			if v.do("GET", "/v0.1/dev/flow", nil).Status == 503 {
				fails++
			}
		}
		assert.InDelta(t, 100, fails, 45)
	})
	t.Run("bad config", func(t *testing.T) {
		_, err := New(Config{FailRate: 2})
		assert.Error(t, err)
		_, err = New(Config{Latency: -time.Second})
		assert.Error(t, err)
		_, err = New(Config{GuestToken: DefaultToken})
		assert.Error(t, err)
		_, err = New(Config{Account: "bad name"})
		assert.Error(t, err)
	})
}

// TestStaticWebDir: Config.WebDir is served under "/" (REST still wins); a
// built app's hashed assets are cached for good, the rest revalidated; a
// wasm module is served as application/wasm (streaming compilation).
func TestStaticWebDir(t *testing.T) {
	dir := t.TempDir()
	wasm := "\x00asm\x01\x00\x00\x00"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>dash</h1>"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "assets"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "assets", "flowthings-abc123.wasm"), []byte(wasm), 0o644))
	v := newEnv(t, Config{WebDir: dir})
	for _, tc := range []struct {
		path, body, contentType, cacheControl string
	}{
		{"/", "<h1>dash</h1>", "text/html; charset=utf-8", "no-cache"},
		{"/assets/flowthings-abc123.wasm", wasm, "application/wasm", "public, max-age=31536000, immutable"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, err := v.client.Get(v.srv.URL + tc.path)
			require.NoError(t, err)
			defer res.Body.Close()
			var b bytes.Buffer
			_, _ = b.ReadFrom(res.Body)
			assert.Equal(t, 200, res.StatusCode)
			assert.Equal(t, tc.body, b.String())
			assert.Equal(t, tc.contentType, res.Header.Get("Content-Type"))
			assert.Equal(t, tc.cacheControl, res.Header.Get("Cache-Control"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		})
	}
	// REST still wins
	v.must(200, "GET", "/v0.1/dev/flow", nil)
	v.must(404, "GET", "/v0.1/dev/nope", nil)
}

func TestExtraRoutes(t *testing.T) {
	v := newEnvWith(t, Config{}, func(e *Emulator) {
		e.handleHTTP("/session", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(299)
		}))
	})
	for _, p := range []string{"/session", "/session/abc/ws"} {
		res, err := v.client.Post(v.srv.URL+p, "application/json", nil)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, 299, res.StatusCode)
	}
	v.must(404, "GET", "/sessions", nil)
}

// TestExtraRouteWebSocketUpgrade: handlers mounted with handleHTTP can
// hijack the connection (the WebSocket layer relies on it).
func TestExtraRouteWebSocketUpgrade(t *testing.T) {
	v := newEnvWith(t, Config{}, func(e *Emulator) {
		e.handleHTTP("/echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			typ, msg, err := c.Read(r.Context())
			if err == nil {
				_ = c.Write(r.Context(), typ, msg)
			}
		}))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(v.srv.URL, "http")+"/echo", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"type":"heartbeat"}`)))
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, `{"type":"heartbeat"}`, string(msg))
}

// TestLongURL: a URL over MaxURLLength is a 414 envelope when the server
// accepts MaxHeaderBytes of headers (as cmd/flowthings-emulator does).
func TestLongURL(t *testing.T) {
	emu, err := New(Config{})
	require.NoError(t, err)
	defer emu.Close()
	srv := httptest.NewUnstartedServer(emu.Handler())
	srv.Config.MaxHeaderBytes = MaxHeaderBytes
	srv.Start()
	defer srv.Close()
	for _, n := range []int{MaxURLLength + 1, 2 << 20} {
		req, err := http.NewRequest("GET", srv.URL+"/v0.1/dev/flow?filter="+strings.Repeat("x", n), nil)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Token", devTok)
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		var env struct {
			Head struct {
				Status int
				Errors []string
			}
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&env), "an envelope")
		res.Body.Close()
		assert.Equal(t, http.StatusRequestURITooLong, res.StatusCode)
		assert.Equal(t, http.StatusRequestURITooLong, env.Head.Status)
		assert.Contains(t, env.Head.Errors[0], strconv.Itoa(MaxURLLength))
	}
}
