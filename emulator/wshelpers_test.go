package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// wsMsg is one server frame: a reply (Head set) or a push.
type wsMsg struct {
	Raw  []byte
	Head *struct {
		MsgID      json.RawMessage `json:"msgId"`
		OK         bool            `json:"ok"`
		Status     int             `json:"status"`
		Errors     []string        `json:"errors"`
		Messages   []string        `json:"messages"`
		References map[string]any  `json:"references"`
	} `json:"head"`
	Body     json.RawMessage `json:"body"`
	Type     string          `json:"type"`
	Resource string          `json:"resource"`
	Value    map[string]any  `json:"value"`
}

func (m *wsMsg) obj() map[string]any {
	var o map[string]any
	if err := json.Unmarshal(m.Body, &o); err != nil {
		panic("reply body is not an object: " + string(m.Raw))
	}
	return o
}

func (m *wsMsg) list() []map[string]any {
	var l []map[string]any
	if err := json.Unmarshal(m.Body, &l); err != nil {
		panic("reply body is not a list: " + string(m.Raw))
	}
	return l
}

// wsClient is a real WebSocket client (coder/websocket) with a reader
// goroutine.
type wsClient struct {
	t *testing.T
	c *websocket.Conn
	*wsShared
}

// wsShared is the part of a client that every with(t) copy shares.
type wsShared struct {
	frames chan *wsMsg
	done   chan struct{}
	err    error // set before done is closed
	next   atomic.Int64
}

// with returns the client bound to a subtest's t.
func (cl *wsClient) with(t *testing.T) *wsClient {
	return &wsClient{t: t, c: cl.c, wsShared: cl.wsShared}
}

func wsURL(v *tenv, path string) string { return "ws" + strings.TrimPrefix(v.srv.URL, "http") + path }

// session creates a WebSocket session (default: dev master) and returns
// its id.
func (v *tenv) session(opts ...reqOpt) string {
	v.t.Helper()
	r := v.must(http.StatusCreated, "POST", "/session", nil, append([]reqOpt{acct("dev")}, opts...)...)
	id, _ := r.obj()["id"].(string)
	require.NotEmpty(v.t, id, string(r.Raw))
	return id
}

// dialSession upgrades; on failure it returns the HTTP status.
func (v *tenv) dialSession(id string, query string) (*wsClient, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, wsURL(v, "/session/"+id+"/ws"+query), nil)
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		return nil, status, err
	}
	c.SetReadLimit(-1)
	cl := &wsClient{t: v.t, c: c, wsShared: &wsShared{frames: make(chan *wsMsg, 10000), done: make(chan struct{})}}
	go cl.read()
	v.t.Cleanup(func() { _ = c.CloseNow() })
	return cl, http.StatusSwitchingProtocols, nil
}

// connect creates a session (opts: credentials) and connects to it.
func (v *tenv) connect(opts ...reqOpt) *wsClient {
	v.t.Helper()
	cl, status, err := v.dialSession(v.session(opts...), "")
	require.NoError(v.t, err, "status %d", status)
	return cl
}

func (cl *wsClient) read() {
	defer close(cl.done)
	for {
		_, data, err := cl.c.Read(context.Background())
		if err != nil {
			cl.err = err
			return
		}
		m := &wsMsg{Raw: data}
		if err := json.Unmarshal(data, m); err != nil {
			cl.err = fmt.Errorf("frame is not JSON: %q", data)
			return
		}
		cl.frames <- m
	}
}

func (cl *wsClient) sendRaw(s string) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(cl.t, cl.c.Write(ctx, websocket.MessageText, []byte(s)))
}

func (cl *wsClient) send(frame map[string]any) {
	cl.t.Helper()
	b, err := json.Marshal(frame)
	require.NoError(cl.t, err)
	cl.sendRaw(string(b))
}

// recv waits for the next frame.
func (cl *wsClient) recv() *wsMsg {
	cl.t.Helper()
	select {
	case m := <-cl.frames:
		return m
	case <-cl.done:
		select {
		case m := <-cl.frames:
			return m
		default:
		}
		cl.t.Fatalf("connection ended: %v", cl.err)
	case <-time.After(10 * time.Second):
		cl.t.Fatal("no frame within 10s")
	}
	return nil
}

// call sends frame with a fresh string msgId and returns its reply; pushes
// received meanwhile are returned too.
func (cl *wsClient) call(frame map[string]any) (*wsMsg, []*wsMsg) {
	cl.t.Helper()
	id := fmt.Sprintf("m%d", cl.next.Add(1))
	f := map[string]any{"msgId": id}
	for k, x := range frame {
		f[k] = x
	}
	cl.send(f)
	var pushes []*wsMsg
	for {
		m := cl.recv()
		if m.Head == nil {
			pushes = append(pushes, m)
			continue
		}
		require.Equal(cl.t, `"`+id+`"`, string(m.Head.MsgID), "replies come in order: %s", m.Raw)
		require.NotEqual(cl.t, "null", string(m.Body), "body never null: %s", m.Raw)
		require.NotEmpty(cl.t, m.Body, "body present: %s", m.Raw)
		require.NotNil(cl.t, m.Head.Errors, m.Raw)
		require.NotNil(cl.t, m.Head.Messages, m.Raw)
		require.Equal(cl.t, m.Head.Status >= 200 && m.Head.Status < 300, m.Head.OK, m.Raw)
		return m, pushes
	}
}

// must calls and requires the reply status.
func (cl *wsClient) must(status int, frame map[string]any) *wsMsg {
	cl.t.Helper()
	m, _ := cl.call(frame)
	require.Equal(cl.t, status, m.Head.Status, "%v → %s", frame, m.Raw)
	return m
}

// push waits for the next frame and requires it to be a push.
func (cl *wsClient) push() *wsMsg {
	cl.t.Helper()
	m := cl.recv()
	require.Nil(cl.t, m.Head, "expected a push, got %s", m.Raw)
	require.Equal(cl.t, "message", m.Type, m.Raw)
	return m
}

// closed waits for the connection to end and returns the close error.
func (cl *wsClient) closed(within time.Duration) error {
	cl.t.Helper()
	deadline := time.After(within)
	for {
		select {
		case <-cl.frames:
		case <-cl.done:
			return cl.err
		case <-deadline:
			cl.t.Fatalf("connection still open after %v", within)
			return nil
		}
	}
}

func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}
