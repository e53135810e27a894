package flowthings

import (
	"context"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

const (
	restBase    = "https://api.test/v0.1/alice"
	testAccount = "alice"
	testToken   = "T0pS3cretT0ken-abcdef0123456789"
)

func testConfig() core.Config {
	return core.Config{Account: testAccount, Token: testToken, Host: "api.test"}
}

// recordingTransport is a fake Transport that records every request and answers with
// respond (default: 200 with an empty object body).
type recordingTransport struct {
	mu      sync.Mutex
	reqs    []core.Request
	respond func(req core.Request) (int, []byte, error)
}

func (r *recordingTransport) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	respond := r.respond
	r.mu.Unlock()
	if respond == nil {
		return 200, []byte(`{"head":{"status":200,"ok":true,"messages":[],"errors":[],"references":{}},"body":{}}`), nil
	}
	return respond(req)
}

func (r *recordingTransport) requests() []core.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]core.Request(nil), r.reqs...)
}

func (r *recordingTransport) last(t *testing.T) core.Request {
	t.Helper()
	reqs := r.requests()
	require.NotEmpty(t, reqs, "no request was sent")
	return reqs[len(reqs)-1]
}

func newTestClient(t *testing.T, respond func(core.Request) (int, []byte, error)) (*Client, *recordingTransport) {
	t.Helper()
	rec := &recordingTransport{respond: respond}
	c, err := NewClient(testConfig(), rec)
	require.NoError(t, err)
	return c, rec
}

// answer returns a responder that always sends body (a JSON value) in a
// success envelope with status.
func answerWith(status int, body string) func(core.Request) (int, []byte, error) {
	return func(core.Request) (int, []byte, error) { return status, envJSON(status, body), nil }
}

func envJSON(status int, body string) []byte {
	ok := "true"
	if status < 200 || status > 299 {
		ok = "false"
	}
	return []byte(`{"head":{"status":` + strconv.Itoa(status) + `,"ok":` + ok + `,"messages":["m"],"errors":[],"references":{}},"body":` + body + `}`)
}

// split parses a request URL into its escaped path and its decoded query.
func splitURL(t *testing.T, raw string) (string, url.Values) {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.EscapedPath(), u.Query()
}

func headerOf(req core.Request, name string) (string, bool) {
	for _, h := range req.Header {
		if h.Name == name {
			return h.Value, true
		}
	}
	return "", false
}
