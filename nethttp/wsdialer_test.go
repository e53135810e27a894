package nethttp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

const wsTestFlow = "f53b1d1600cf27b75148de0ac"

// wsTestServer is a minimal stand-in for the platform's WebSocket host:
// POST /session and /session/s-1/ws, answering subscribe, find and
// findmany (the liveness probe), pushing one drop after each subscribe, and
// sending a big frame on request; and for the REST finds of backfill, a
// flow that holds nothing.
func wsTestServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v0.1/alice/drop/{flow}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"head":{"ok":true,"status":200,"errors":[]},"body":[]}`)
	})
	mux.HandleFunc("POST /session", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != "T0ken" || r.Header.Get("X-Auth-Account") != "alice" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"head":{"ok":false,"status":401,"errors":["bad token"]},"body":{}}`)
			return
		}
		w.WriteHeader(201)
		fmt.Fprint(w, `{"head":{"ok":true,"status":201,"errors":[]},"body":{"id":"s-1"}}`)
	})
	mux.HandleFunc("GET /session/{id}/ws", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "s-1" {
			http.NotFound(w, r)
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		ctx := r.Context()
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return
			}
			v, err := fastjson.ParseBytes(data)
			if !assert.NoError(t, err, "client frame %q", data) {
				return
			}
			id := string(v.GetStringBytes("msgId"))
			reply := func(body string) {
				c.Write(ctx, websocket.MessageText, fmt.Appendf(nil,
					`{"head":{"msgId":%q,"ok":true,"status":200,"errors":[],"messages":[]},"body":%s}`, id, body))
			}
			switch string(v.GetStringBytes("type")) {
			case "subscribe":
				reply("{}")
				c.Write(ctx, websocket.MessageText, fmt.Appendf(nil,
					`{"type":"message","resource":%q,"value":{"id":"d1","flowId":%q,"path":"/alice/x","elems":{}}}`,
					v.GetStringBytes("flowId"), v.GetStringBytes("flowId")))
			case "unsubscribe":
				reply("{}")
			case "findmany":
				reply("[]")
			case "find":
				if string(v.GetStringBytes("id")) == "big" {
					c.Write(ctx, websocket.MessageText, []byte(`{"type":"message","value":"`+strings.Repeat("x", 4096)+`"}`))
					continue
				}
				reply(fmt.Sprintf(`{"id":%q}`, v.GetStringBytes("id")))
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func wsTestConfig(srv *httptest.Server) core.Config {
	return core.Config{Account: "alice", Token: "T0ken", Host: strings.TrimPrefix(srv.URL, "http://"), Insecure: true}
}

func TestWSDialerEndToEnd(t *testing.T) {
	t.Parallel()
	srv := wsTestServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ws, err := flowthings.DialWebSocket(ctx, wsTestConfig(srv), NewTransport(srv.Client()), &WSDialer{}, &flowthings.WSOptions{Heartbeat: 100 * time.Millisecond})
	require.NoError(t, err)
	defer ws.Close()

	drops := make(chan *flowthings.Drop, 1)
	sub, err := ws.Subscribe(ctx, wsTestFlow, func(d *flowthings.Drop) { drops <- d })
	require.NoError(t, err)
	select {
	case d := <-drops:
		assert.Equal(t, &flowthings.Drop{ID: flowthings.Ptr("d1"), FlowID: flowthings.Ptr(wsTestFlow), Path: flowthings.Ptr("/alice/x"), Elems: flowthings.Elems{}}, d)
	case <-ctx.Done():
		t.Fatal("no drop pushed")
	}

	// A few heartbeats go by unanswered, and the liveness probes they bring
	// answered: the socket stays (100 ms, so that a busy machine's delays
	// cannot pass for a silent server).
	time.Sleep(350 * time.Millisecond)
	body, err := ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: wsTestFlow})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"`+wsTestFlow+`"}`, string(body))
	require.NoError(t, sub.Close(ctx))
	require.NoError(t, ws.Close())
	<-ws.Done()
}

func TestWSDialerReadLimit(t *testing.T) {
	t.Parallel()
	srv := wsTestServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	ws, err := flowthings.DialWebSocket(ctx, wsTestConfig(srv), NewTransport(srv.Client()), &WSDialer{ReadLimit: 1024}, nil)
	require.NoError(t, err)
	defer ws.Close()
	_, err = ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: "big"})
	var lost *core.ConnectionLostError
	require.ErrorAs(t, err, &lost)
	assert.ErrorContains(t, err, "read limited")
}

func TestWSDialerErrors(t *testing.T) {
	t.Parallel()
	srv := wsTestServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()

	_, err := (&WSDialer{}).Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/session/expired/ws")
	var te *core.TransportError
	require.ErrorAs(t, err, &te)
	assert.ErrorContains(t, err, "404")

	cfg := wsTestConfig(srv)
	cfg.Token = "wrong"
	_, err = flowthings.DialWebSocket(ctx, cfg, NewTransport(srv.Client()), &WSDialer{}, nil)
	var fe *core.ForbiddenError
	assert.ErrorAs(t, err, &fe)
}

func TestWSDialerSocket(t *testing.T) {
	t.Parallel()
	srv := wsTestServer(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s, err := (&WSDialer{ReadLimit: -1}).Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/session/s-1/ws")
	require.NoError(t, err)

	require.NoError(t, s.Write(ctx, []byte(`{"msgId":"1","object":"flow","type":"find","id":"big"}`)))
	frame, err := s.Read(ctx)
	require.NoError(t, err, "no read limit")
	assert.Len(t, frame, 4096+len(`{"type":"message","value":""}`))

	// Ending the context unblocks a Read.
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer rcancel()
	_, err = s.Read(rctx)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || err != nil)
	s.Close()
	_, err = s.Read(ctx)
	assert.Error(t, err)
}
