package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/emulator"
)

// syncBuffer is a goroutine-safe writer for stderr.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started runs run in the background and returns the parsed ready line.
func started(t *testing.T, args []string, env map[string]string) (fields map[string]string, cancel func() error, stderr *syncBuffer) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, pw, stderr)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var line string
	select {
	case line = <-lines:
	case err := <-done:
		stop()
		t.Fatalf("run ended before ready: %v", err)
	case <-time.After(20 * time.Second):
		stop()
		t.Fatal("no ready line")
	}
	require.True(t, strings.HasPrefix(line, "flowthings-emulator ready "), line)
	fields = map[string]string{}
	for _, kv := range strings.Fields(strings.TrimPrefix(line, "flowthings-emulator ready ")) {
		k, v, ok := strings.Cut(kv, "=")
		require.True(t, ok, kv)
		fields[k] = v
	}
	var once sync.Once
	var runErr error
	cancel = func() error {
		once.Do(func() {
			stop()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("run did not stop after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() { _ = cancel() })
	return fields, cancel, stderr
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", token)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var env map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
	return res.StatusCode, env
}

func TestRunReadyLineAndStop(t *testing.T) {
	f, cancel, stderr := started(t, []string{"-addr", "127.0.0.1:0"}, nil)
	assert.Equal(t, "dev", f["account"])
	assert.Equal(t, emulator.DefaultToken, f["token"])
	assert.Equal(t, "guest", f["guest_account"])
	assert.Equal(t, emulator.DefaultGuestToken, f["guest_token"])
	assert.NotContains(t, f["ws"], ":0", "the real port is printed")
	assert.Equal(t, "http://"+f["ws"]+"/v0.1/dev", f["rest"])

	status, env := get(t, f["rest"]+"/flow", f["token"])
	assert.Equal(t, 200, status)
	assert.Equal(t, true, env["head"].(map[string]any)["ok"])

	require.NoError(t, cancel())
	_, err := http.Get(f["rest"] + "/flow")
	assert.Error(t, err, "the listener is closed")
	assert.Contains(t, stderr.String(), "GET /v0.1/dev/flow 200")
	assert.NotContains(t, stderr.String(), emulator.DefaultToken, "tokens never logged")
}

// TestRunWeb: -web serves a folder (the dashboard) and names its URL in the
// ready line; a -web that is no folder stops the start with a hint.
func TestRunWeb(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<title>dashboard</title>"), 0o644))
	f, _, _ := started(t, []string{"-addr", "127.0.0.1:0", "-quiet", "-web", dir}, nil)
	assert.Equal(t, "http://"+f["ws"]+"/", f["web"])
	res, err := http.Get(f["web"])
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, "<title>dashboard</title>", string(body))

	plain, _, _ := started(t, []string{"-addr", "127.0.0.1:0", "-quiet"}, nil)
	assert.NotContains(t, plain, "web")

	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-web", filepath.Join(dir, "missing")}, func(string) string { return "" }, io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a directory (build the dashboard with npm run web:build")
}

func TestRunEnvAndFlags(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"FLOWTHINGS_EMULATOR_ADDR":      "127.0.0.1:0",
		"FLOWTHINGS_EMULATOR_ACCOUNT":   "envacct",
		"FLOWTHINGS_EMULATOR_TOKEN":     "random",
		"FLOWTHINGS_EMULATOR_DATA":      dir,
		"FLOWTHINGS_EMULATOR_FAIL_RATE": "0",
		"FLOWTHINGS_EMULATOR_LATENCY":   "1ms",
		"FLOWTHINGS_EMULATOR_QUIET":     "true",
	}
	f, cancel, stderr := started(t, []string{"-account", "flagacct"}, env)
	assert.Equal(t, "flagacct", f["account"], "flags win over env")
	assert.Len(t, f["token"], 32, "random token")
	assert.NotEqual(t, emulator.DefaultToken, f["token"])
	status, _ := get(t, f["rest"]+"/flow", f["token"])
	assert.Equal(t, 200, status)
	require.NoError(t, cancel())
	assert.Empty(t, stderr.String(), "quiet")

	// the data dir was used and released: a second run can open it
	f2, cancel2, _ := started(t, []string{"-addr", "127.0.0.1:0", "-data", dir}, nil)
	status, _ = get(t, f2["rest"]+"/flow", f2["token"])
	assert.Equal(t, 200, status)
	require.NoError(t, cancel2())
}

func TestRunBadInput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"unknown flag", []string{"-nope"}, nil},
		{"fail rate out of range", []string{"-fail-rate", "2"}, nil},
		{"bad latency env", nil, map[string]string{"FLOWTHINGS_EMULATOR_LATENCY": "soon"}},
		{"bad address", []string{"-addr", "256.0.0.1:99999"}, nil},
		{"extra args", []string{"extra"}, nil},
		{"negative ws idle", []string{"-ws-idle", "-1s"}, nil},
		{"bad ws idle env", nil, map[string]string{"FLOWTHINGS_EMULATOR_WS_IDLE": "later"}},
		{"bad quiet env", nil, map[string]string{"FLOWTHINGS_EMULATOR_QUIET": "yes"}},
		{"bad ws idle subscribed env", nil, map[string]string{"FLOWTHINGS_EMULATOR_WS_IDLE_SUBSCRIBED": "sometimes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut syncBuffer
			err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out, &errOut)
			assert.Error(t, err)
			assert.NotContains(t, out.String(), "ready")
		})
	}
}

// TestRunWebSocket: the command serves the WebSocket API on the ready
// line's ws host; -drop-ws-after and stopping the command close sockets.
func TestRunWebSocket(t *testing.T) {
	f, cancel, _ := started(t, []string{"-addr", "127.0.0.1:0", "-quiet", "-ws-idle", "1m"}, nil)
	ctx, stopCtx := context.WithTimeout(context.Background(), 20*time.Second)
	defer stopCtx()
	session := func() string {
		req, err := http.NewRequest("POST", "http://"+f["ws"]+"/session", nil)
		require.NoError(t, err)
		req.Header.Set("X-Auth-Account", f["account"])
		req.Header.Set("X-Auth-Token", f["token"])
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		require.Equal(t, 201, res.StatusCode)
		var env struct {
			Body struct {
				ID string `json:"id"`
			} `json:"body"`
		}
		require.NoError(t, json.NewDecoder(res.Body).Decode(&env))
		return env.Body.ID
	}
	c, _, err := websocket.Dial(ctx, "ws://"+f["ws"]+"/session/"+session()+"/ws", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	send := func(s string) {
		require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(s)))
	}
	read := func() map[string]any {
		_, b, err := c.Read(ctx)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}
	send(`{"msgId":1,"object":"flow","type":"create","value":{"path":"/dev/cmdws"}}`)
	rep := read()
	require.Equal(t, float64(201), rep["head"].(map[string]any)["status"], rep)
	assert.Equal(t, float64(1), rep["head"].(map[string]any)["msgId"])
	fid := rep["body"].(map[string]any)["id"].(string)
	send(`{"msgId":"2","object":"drop","type":"subscribe","path":"/dev/cmdws"}`)
	assert.Equal(t, true, read()["head"].(map[string]any)["ok"])
	send(`{"msgId":"3","object":"drop","type":"create","flowId":"` + fid + `","value":{"elems":{"user":"bob"}}}`)
	assert.Equal(t, "3", read()["head"].(map[string]any)["msgId"])
	push := read()
	assert.Equal(t, "message", push["type"])
	assert.Equal(t, fid, push["resource"])

	closed := make(chan error, 1)
	go func() { _, _, err := c.Read(ctx); closed <- err }() // a reading client answers the close handshake
	start := time.Now()
	require.NoError(t, cancel())
	assert.Less(t, time.Since(start), 3*time.Second)
	err = <-closed
	assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)

	// -drop-ws-after
	f2, _, _ := started(t, []string{"-addr", "127.0.0.1:0", "-quiet", "-drop-ws-after", "200ms"}, nil)
	f = f2
	c2, _, err := websocket.Dial(ctx, "ws://"+f2["ws"]+"/session/"+session()+"/ws", nil)
	require.NoError(t, err)
	defer c2.CloseNow()
	_, _, err = c2.Read(ctx)
	assert.Equal(t, websocket.StatusServiceRestart, websocket.CloseStatus(err), "%v", err)
}

func TestWSIdleSubscribedOption(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want bool
	}{
		{"default", nil, nil, false},
		{"flag", []string{"-ws-idle-subscribed"}, nil, true},
		{"env", nil, map[string]string{"FLOWTHINGS_EMULATOR_WS_IDLE_SUBSCRIBED": "true"}, true},
		{"flag wins", []string{"-ws-idle-subscribed=false"}, map[string]string{"FLOWTHINGS_EMULATOR_WS_IDLE_SUBSCRIBED": "1"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := parseOptions(c.args, func(k string) string { return c.env[k] }, io.Discard)
			require.NoError(t, err)
			assert.Equal(t, c.want, o.config(io.Discard).WSIdleCloseSubscribed)
		})
	}
}

// TestLongURLGetsAnEnvelope: a 2 MB URL is answered with a JSON envelope
// (414), not Go's plain-text 431.
func TestLongURLGetsAnEnvelope(t *testing.T) {
	f, _, _ := started(t, []string{"-addr", "127.0.0.1:0", "-quiet"}, nil)
	url := f["rest"] + "/flow?filter=" + strings.Repeat("x", 2<<20)
	status, env := get(t, url, f["token"])
	assert.Equal(t, http.StatusRequestURITooLong, status)
	head := env["head"].(map[string]any)
	assert.EqualValues(t, http.StatusRequestURITooLong, head["status"])
	assert.Contains(t, head["errors"].([]any)[0], strconv.Itoa(emulator.MaxURLLength))
}
