//go:build js && wasm

// Command workerdcheck runs the Go client's WebSocket session on jsfetch in
// workerd (test/js/workers.test.js builds it as a Worker): GET
// /check?flow=/dev/x opens a session (POST /session through the Transport,
// the socket through the Dialer), subscribes to the flow, creates a drop
// through the REST API and answers once the drop has been pushed:
// {"created": id, "pushed": id}. Errors answer 500 with the message.
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
	host := isolate.Getenv("FLOWTHINGS_HOST")
	cfg := core.Config{Account: isolate.Getenv("FLOWTHINGS_ACCOUNT"), Token: isolate.Getenv("FLOWTHINGS_TOKEN"), Host: host, WSHost: host, Insecure: true}
	isolate.Serve(isolate.HandlerFunc(func(ctx context.Context, r *isolate.Request) *isolate.Response {
		u, err := url.Parse(r.URL)
		if err != nil {
			return reply(500, map[string]string{"error": err.Error()})
		}
		out, err := check(ctx, cfg, u.Query().Get("flow"))
		if err != nil {
			return reply(500, map[string]string{"error": err.Error()})
		}
		return reply(200, out)
	}))
}

func check(ctx context.Context, cfg core.Config, flow string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	transport := &jsfetch.Transport{}
	ws, err := flowthings.DialWebSocket(ctx, cfg, transport, &jsfetch.Dialer{}, nil)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	pushed := make(chan string, 1)
	if _, err := ws.Subscribe(ctx, flow, func(d *flowthings.Drop) {
		select {
		case pushed <- d.GetID():
		default:
		}
	}); err != nil {
		return nil, err
	}
	client, err := flowthings.NewClient(cfg, transport)
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
