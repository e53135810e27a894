//go:build js && wasm

// Command workerdcheck runs the Go client's WebSocket session on jsfetch in
// workerd (test/js/workers.test.js builds it as a Worker). Errors answer 500
// with the message.
//
//   - GET /check?flow=/dev/x opens a session (POST /session through the
//     Transport, the socket through the Dialer), subscribes to the flow,
//     creates a drop through the REST API and answers once the drop has been
//     pushed: {"created": id, "pushed": id}.
//   - GET /keep?flow=/dev/x opens a session, subscribes to the flow and keeps
//     the session for later requests; GET /reuse?flow=/dev/y subscribes the
//     kept session to another flow from this later request: workerd refuses
//     (the socket belongs to the request that opened it), and the answer is
//     {"error": …, "state": the session's state afterwards}.
package main

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/jsfetch"
	"github.com/flowthings/flowthings-wasm/workers/go/isolate"
)

func main() {
	isolate.Serve(func(getenv func(string) string) isolate.Handler {
		host := getenv("FLOWTHINGS_HOST")
		return handler(core.Config{Account: getenv("FLOWTHINGS_ACCOUNT"), Token: getenv("FLOWTHINGS_TOKEN"), Host: host, WSHost: host, Insecure: true})
	})
}

func handler(cfg core.Config) isolate.Handler {
	var kept *flowthings.WebSocket
	return isolate.HandlerFunc(func(ctx context.Context, r *isolate.Request) *isolate.Response {
		u, err := url.Parse(r.URL)
		if err != nil {
			return reply(500, map[string]string{"error": err.Error()})
		}
		flow := u.Query().Get("flow")
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		switch u.Path {
		case "/keep":
			if kept, err = dialAndSubscribe(ctx, cfg, flow, func(*flowthings.Drop) {}); err != nil {
				return reply(500, map[string]string{"error": err.Error()})
			}
			return reply(200, map[string]string{"state": kept.State()})
		case "/reuse":
			if kept == nil {
				return reply(500, map[string]string{"error": "GET /keep first"})
			}
			_, err := kept.Subscribe(ctx, flow, func(*flowthings.Drop) {})
			out := map[string]string{"state": kept.State()}
			if err != nil {
				out["error"] = err.Error()
			}
			return reply(200, out)
		}
		out, err := check(ctx, cfg, flow)
		if err != nil {
			return reply(500, map[string]string{"error": err.Error()})
		}
		return reply(200, out)
	})
}

// dialAndSubscribe opens a session and subscribes it to flow.
func dialAndSubscribe(ctx context.Context, cfg core.Config, flow string, handler func(*flowthings.Drop)) (*flowthings.WebSocket, error) {
	ws, err := flowthings.DialWebSocket(ctx, cfg, &jsfetch.Transport{}, &jsfetch.Dialer{}, nil)
	if err != nil {
		return nil, err
	}
	if _, err := ws.Subscribe(ctx, flow, handler); err != nil {
		ws.Close()
		return nil, err
	}
	return ws, nil
}

func check(ctx context.Context, cfg core.Config, flow string) (map[string]string, error) {
	pushed := make(chan string, 1)
	ws, err := dialAndSubscribe(ctx, cfg, flow, func(d *flowthings.Drop) {
		select {
		case pushed <- d.GetID():
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	client, err := flowthings.NewClient(cfg, &jsfetch.Transport{})
	if err != nil {
		return nil, err
	}
	created, _, err := client.DropPath(flow).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"temp": 21}}, nil)
	if err != nil {
		return nil, err
	}
	select {
	case id := <-pushed:
		return map[string]string{"created": created.GetID(), "pushed": id}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func reply(status int, v any) *isolate.Response {
	body, _ := json.Marshal(v)
	return &isolate.Response{Status: status, Header: map[string]string{"content-type": "application/json"}, Body: body}
}
