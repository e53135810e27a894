package nethttp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// hostileServer answers POST /session, and then the upgrade as mode says:
// "hang" never answers it, "1011" accepts and closes at once with 1011.
func hostileServer(t *testing.T, mode string) (*httptest.Server, *atomic.Int32) {
	sessions := new(atomic.Int32)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		n := sessions.Add(1)
		w.WriteHeader(201)
		fmt.Fprintf(w, `{"head":{"ok":true,"status":201,"errors":[]},"body":{"id":"s-%d"}}`, n)
	})
	mux.HandleFunc("GET /session/{id}/ws", func(w http.ResponseWriter, r *http.Request) {
		if mode == "hang" {
			<-r.Context().Done()
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		c.Close(websocket.StatusInternalError, "overloaded")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, sessions
}

// A host that never answers the upgrade: the first connection is bounded
// by ctx, and by WSOptions.Timeout.
func TestWebSocketHandshakeNeverAnswered(t *testing.T) {
	t.Parallel()
	srv, _ := hostileServer(t, "hang")
	cfg := core.Config{Account: "alice", Token: "T0ken", Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := flowthings.DialWebSocket(ctx, cfg, NewTransport(srv.Client()), &WSDialer{}, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(started), 2*time.Second)

	started = time.Now()
	_, err = flowthings.DialWebSocket(t.Context(), cfg, NewTransport(srv.Client()), &WSDialer{}, &flowthings.WSOptions{Timeout: 100 * time.Millisecond})
	var te *core.TimeoutError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "flowthings: POST /session: websocket handshake timed out after 100 ms", te.Error())
	assert.Less(t, time.Since(started), 2*time.Second)
}

// A host that closes with 1011 right after each open: the backoff grows and
// MaxAttempts counts those sockets.
func TestWebSocketClosedAfterEachOpen(t *testing.T) {
	t.Parallel()
	srv, sessions := hostileServer(t, "1011")
	cfg := core.Config{Account: "alice", Token: "T0ken", Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}
	ws, err := flowthings.DialWebSocket(t.Context(), cfg, NewTransport(srv.Client()), &WSDialer{},
		&flowthings.WSOptions{Reconnect: true, MaxAttempts: 3, BackoffMin: 10 * time.Millisecond})
	require.NoError(t, err)
	select {
	case <-ws.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the WebSocket never gave up")
	}
	var lost *core.ConnectionLostError
	require.ErrorAs(t, ws.Err(), &lost)
	assert.ErrorContains(t, ws.Err(), "overloaded")
	assert.Equal(t, int32(4), sessions.Load(), "the first session and 3 attempts")
}

// A session request answered with a redirect is refused as REST calls are:
// a *core.RedirectError naming the target's origin, and the token stays.
func TestWebSocketSessionRedirect(t *testing.T) {
	t.Parallel()
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Store(true) }))
	t.Cleanup(other.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/session?bait=1", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	cfg := core.Config{Account: "alice", Token: "T0ken", Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}
	_, err := flowthings.DialWebSocket(t.Context(), cfg, NewTransport(srv.Client()), &WSDialer{}, nil)
	var redirect *core.RedirectError
	require.ErrorAs(t, err, &redirect)
	assert.Equal(t, core.KindRedirect, core.KindOf(err))
	assert.Equal(t, other.URL, redirect.Target)
	assert.NotContains(t, err.Error(), "bait")
	assert.False(t, leaked.Load(), "the token must not follow a redirect")
}
