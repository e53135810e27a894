package core

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/internal/wstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fastjson"
)

var wsTestCfg = Config{Account: "alice", Token: "T0ken", Host: "emu.local:8080", Insecure: true}

const (
	flowA = "f53b1d1600cf27b75148de0ac"
	flowB = "f000000000000000000000001"
	pathA = "/alice/coaster/total"
)

// actionsOf returns the actions of type T, in order.
func actionsOf[P WSAction](acts []WSAction) []P {
	var out []P
	for _, a := range acts {
		if t, ok := a.(P); ok {
			out = append(out, t)
		}
	}
	return out
}

func framesOf(acts []WSAction) []string {
	var out []string
	for _, f := range actionsOf[*SendFrame](acts) {
		out = append(out, string(f.Frame))
	}
	return out
}

// settledOf maps call → its SettleReply; a call settled twice fails the test.
func settledOf(t *testing.T, acts []WSAction) map[WSCallID]*SettleReply {
	t.Helper()
	out := map[WSCallID]*SettleReply{}
	for _, s := range actionsOf[*SettleReply](acts) {
		require.NotContains(t, out, s.Call, "call settled twice")
		out[s.Call] = s
	}
	return out
}

func deliveredTo(acts []WSAction) []WSHandlerID {
	var out []WSHandlerID
	for _, d := range actionsOf[*Deliver](acts) {
		out = append(out, d.Handler)
	}
	return out
}

var (
	msgIDOf  = wstest.MsgIDOf
	okReply  = wstest.OKReply
	errReply = wstest.ErrReply
	push     = wstest.Push
	drop     = wstest.Drop
)

// onlyFrame asserts acts send exactly one frame and returns its msgId.
func onlyFrame(t *testing.T, acts []WSAction) (frame, msgID string) {
	t.Helper()
	fs := framesOf(acts)
	require.Len(t, fs, 1, "frames: %q", fs)
	return fs[0], msgIDOf(t, fs[0])
}

func openEngine(t *testing.T, opts WSSettings) *WSEngine {
	t.Helper()
	e := NewWSEngine(wsTestCfg, opts)
	require.Len(t, actionsOf[*OpenSession](e.Connect()), 1)
	e.Opened()
	require.Equal(t, WSOpen, e.State())
	return e
}

// subscribeOK subscribes h to resource on an open engine and confirms it.
func subscribeOK(t *testing.T, e *WSEngine, resource string, h WSHandlerID) {
	t.Helper()
	call, acts := e.Subscribe(resource, h, false)
	if fs := framesOf(acts); len(fs) == 1 {
		acts = e.FrameReceived(okReply(msgIDOf(t, fs[0]), "{}"))
	}
	s := settledOf(t, acts)[call]
	require.NotNil(t, s, "subscribe %s not settled", resource)
	require.NoError(t, s.Err)
}

func TestWSEngineLifecycle(t *testing.T) {
	e := NewWSEngine(wsTestCfg, WSSettings{})
	assert.Equal(t, WSIdle, e.State())
	assert.Equal(t, WSStatusConnecting, e.Status())

	req, err := wsTestCfg.NewSessionRequest()
	require.NoError(t, err)
	assert.Equal(t, []WSAction{
		&OpenSession{Request: req, Attempt: 0},
		&SetTimer{Timer: WSTimerHandshake, AfterMs: 30_000},
	}, e.Connect())
	assert.Equal(t, "http://emu.local:8080/session", req.URL)
	assert.Equal(t, "ws://emu.local:8080/session/s-8f2c/ws", wsTestCfg.SocketURL("s-8f2c"))
	assert.Equal(t, WSConnecting, e.State())
	assert.Equal(t, WSStatusConnecting, e.Status())
	assert.Nil(t, e.Connect(), "Connect twice")

	assert.Equal(t, []WSAction{
		&CancelTimer{Timer: WSTimerHandshake},
		&SetTimer{Timer: WSTimerHeartbeat, AfterMs: 30_000},
		&SetTimer{Timer: WSTimerStable, AfterMs: 10_000},
	}, e.Opened())
	assert.Equal(t, WSOpen, e.State())
	assert.Equal(t, WSStatusOpen, e.Status())
	assert.Nil(t, e.Opened(), "Opened twice")

	for range 2 {
		e.FrameReceived([]byte(`{"type":"heartbeat"}`)) // the server is alive: no probe
		assert.Equal(t, []WSAction{
			&SendFrame{Frame: []byte(`{"type":"heartbeat"}`)},
			&SetTimer{Timer: WSTimerHeartbeat, AfterMs: 30_000},
		}, e.TimerFired(WSTimerHeartbeat))
	}
	assert.Nil(t, e.TimerFired(WSTimerReconnect), "unarmed timer")
	assert.Nil(t, e.TimerFired(WSTimer(99)), "unknown timer")
	assert.Nil(t, e.TimerFired(WSTimerStable))

	assert.Equal(t, []WSAction{
		&CloseSocket{},
		&CancelTimer{Timer: WSTimerHeartbeat},
		&Stopped{},
	}, e.Close())
	assert.Equal(t, WSStopped, e.State())
	assert.Equal(t, WSStatusClosed, e.Status())
	assert.Equal(t, "stopped", e.State().String())

	// Everything after Close is inert or fails with ErrWebSocketClosed.
	assert.Nil(t, e.Close())
	assert.Nil(t, e.Opened())
	assert.Nil(t, e.Closed(errors.New("late")))
	assert.Nil(t, e.FrameReceived(push(flowA, drop(flowA, pathA))))
	assert.Equal(t, []WSAction{&Release{Ref: 3}}, e.PushesReceived(WSPush{Resource: flowA, Drop: WSDropInfo{ID: "d1", Ref: 3}}))
	assert.Nil(t, e.TimerFired(WSTimerHeartbeat))
	call, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: flowA})
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Err: ErrWebSocketClosed}}, acts)
	call, acts = e.Subscribe(flowA, 1, false)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Err: ErrWebSocketClosed}}, acts)
}

func TestWSEngineUnsubscribeWhileReconnecting(t *testing.T) {
	e := openEngine(t, WSSettings{Reconnect: true, Rand: seq(0)})
	subscribeOK(t, e, flowA, 1)
	subscribeOK(t, e, flowB, 2)
	e.Closed(errors.New("EOF"))
	call, acts := e.Unsubscribe(flowA, 1)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}, acts, "no socket: settled at once")
	e.TimerFired(WSTimerReconnect)
	fs := framesOf(e.Opened())
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], flowB)
}

func TestWSStateString(t *testing.T) {
	for s, want := range map[WSState]string{WSIdle: "idle", WSConnecting: "connecting", WSOpen: "open",
		WSBackoff: "backoff", WSStopped: "stopped", WSState(9): "WSState(9)"} {
		assert.Equal(t, want, s.String())
	}
}

func TestWSEngineHeartbeatOption(t *testing.T) {
	tests := []struct {
		name string
		opt  int64
		want []WSAction
	}{
		{"default", 0, []WSAction{&SetTimer{Timer: WSTimerHeartbeat, AfterMs: 30_000}}},
		{"custom", 10_000, []WSAction{&SetTimer{Timer: WSTimerHeartbeat, AfterMs: 10_000}}},
		{"disabled", -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewWSEngine(wsTestCfg, WSSettings{HeartbeatMs: tt.opt, StableAfterMs: -1, TimeoutMs: -1})
			e.Connect()
			assert.Equal(t, tt.want, e.Opened())
		})
	}
}

func TestWSEngineConnectBadConfig(t *testing.T) {
	e := NewWSEngine(Config{}, WSSettings{})
	acts := e.Connect()
	require.Len(t, acts, 1)
	st := acts[0].(*Stopped)
	assert.ErrorIs(t, st.Err, ErrMissingCredentials)
	assert.Equal(t, WSStopped, e.State())
}

func TestWSEngineSendFrames(t *testing.T) {
	tests := []struct {
		name string
		f    WSFrame
		want string // with msgId "1"
	}{
		{"create drop by flow id",
			WSFrame{Object: "drop", Type: "create", FlowID: flowA, Value: []byte(`{"elems":{"user":"bob","message":"hi"}}`)},
			`{"msgId":"1","object":"drop","type":"create","flowId":"` + flowA + `","value":{"elems":{"user":"bob","message":"hi"}}}`},
		{"findmany with options, sorted",
			WSFrame{Object: "drop", Type: "findmany", FlowID: flowA, Options: Params{"limit": 5, "filter": "EXISTS elems.user", "refs": true}},
			`{"msgId":"1","object":"drop","type":"findmany","flowId":"` + flowA + `","options":{"filter":"EXISTS elems.user","limit":"5","refs":"1"}}`},
		{"find flow",
			WSFrame{Object: "flow", Type: "find", ID: flowA},
			`{"msgId":"1","object":"flow","type":"find","id":"` + flowA + `"}`},
		{"update flow",
			WSFrame{Object: "flow", Type: "update", ID: flowA, Value: []byte(`{"description":"chat in"}`)},
			`{"msgId":"1","object":"flow","type":"update","id":"` + flowA + `","value":{"description":"chat in"}}`},
		{"delete drop by path",
			WSFrame{Object: "drop", Type: "delete", Path: pathA, ID: "d5"},
			`{"msgId":"1","object":"drop","type":"delete","path":"` + pathA + `","id":"d5"}`},
		{"escaping",
			WSFrame{Object: "drop", Type: "findmany", Path: "/alice/\"q\"\\\n\x01", Options: Params{"filter": "elems.s == \"a\tb\""}},
			`{"msgId":"1","object":"drop","type":"findmany","path":"/alice/\"q\"\\\n\u0001","options":{"filter":"elems.s == \"a\tb\""}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := openEngine(t, WSSettings{})
			_, acts := e.Send(tt.f)
			frame, _ := onlyFrame(t, acts)
			assert.Equal(t, tt.want, frame)
			assert.NoError(t, fastjson.Validate(frame))
		})
	}
}

func TestWSEngineSendInvalid(t *testing.T) {
	tests := []struct {
		name  string
		f     WSFrame
		field string
	}{
		{"no object", WSFrame{Type: "find", ID: "x"}, "object"},
		{"subscribe is not CRUD", WSFrame{Object: "drop", Type: "subscribe", FlowID: flowA}, "type"},
		{"heartbeat is not CRUD", WSFrame{Object: "drop", Type: "heartbeat"}, "type"},
		{"bad value", WSFrame{Object: "flow", Type: "create", Value: []byte(`{"path":`)}, "value"},
		{"bad option", WSFrame{Object: "drop", Type: "findmany", FlowID: flowA, Options: Params{"limit": struct{}{}}}, "param limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := openEngine(t, WSSettings{})
			call, acts := e.Send(tt.f)
			require.Len(t, acts, 1)
			s := acts[0].(*SettleReply)
			assert.Equal(t, call, s.Call)
			var ie *InputError
			require.ErrorAs(t, s.Err, &ie)
			assert.Equal(t, tt.field, ie.Field)
		})
	}
}

func TestWSEngineRepliesOutOfOrder(t *testing.T) {
	e := openEngine(t, WSSettings{})
	var calls []WSCallID
	var ids []string
	for i := range 3 {
		call, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: fmt.Sprintf("f%d", i)})
		_, id := onlyFrame(t, acts)
		calls = append(calls, call)
		ids = append(ids, id)
	}
	assert.Equal(t, []string{"1", "2", "3"}, ids, "msgIds are a counter")

	// Replies 3, 1, 2; reply 1 echoes its msgId as an integer.
	s := settledOf(t, e.FrameReceived(okReply(ids[2], `{"id":"f2"}`)))
	assert.Equal(t, `{"id":"f2"}`, string(s[calls[2]].Body))
	s = settledOf(t, e.FrameReceived([]byte(`{"head":{"msgId":1,"ok":true},"body":{"id":"f0"}}`)))
	assert.Equal(t, `{"id":"f0"}`, string(s[calls[0]].Body))
	// 2.0 is not an integer echo: reported, ignored.
	require.Len(t, actionsOf[*ReportError](e.FrameReceived([]byte(`{"head":{"msgId":2.0,"ok":true},"body":{}}`))), 1)
	s = settledOf(t, e.FrameReceived(okReply(ids[1], `{"id":"f1"}`)))
	assert.Equal(t, `{"id":"f1"}`, string(s[calls[1]].Body))

	// A second reply to a msgId the engine sent is dropped silently: the
	// engine keeps no memory of settled or cancelled calls.
	assert.Empty(t, e.FrameReceived(okReply(ids[0], "{}")))
	// One it never sent is reported, ignored.
	for _, id := range []string{"4", "0", "01", "-1"} {
		acts := e.FrameReceived(okReply(id, "{}"))
		require.Len(t, acts, 1, id)
		var fe *WSFrameError
		require.ErrorAs(t, acts[0].(*ReportError).Err, &fe)
		assert.Contains(t, fe.Reason, `unknown msgId "`+id+`"`)
	}
}

func TestWSEngineErrorReplies(t *testing.T) {
	tests := []struct {
		status int
		check  func(error) bool
	}{
		{400, func(err error) bool { var e *BadRequestError; return errors.As(err, &e) }},
		{401, func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
		{403, func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
		{404, func(err error) bool { var e *NotFoundError; return errors.As(err, &e) }},
		{500, func(err error) bool { var e *ServerError; return errors.As(err, &e) }},
		{409, func(err error) bool { var e *PlatformError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := openEngine(t, WSSettings{})
			call, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f000000000000000000000000"})
			_, id := onlyFrame(t, acts)
			s := settledOf(t, e.FrameReceived(errReply(id, tt.status, "nope")))[call]
			require.NotNil(t, s)
			assert.Nil(t, s.Body)
			assert.True(t, tt.check(s.Err), "%T", s.Err)
			var api APIError
			require.ErrorAs(t, s.Err, &api)
			r := api.Response()
			assert.Equal(t, tt.status, r.Status)
			assert.Equal(t, []string{"nope"}, r.Errors)
			assert.Equal(t, "alice", r.Account)
			assert.Equal(t, "WS find", r.Method)
			assert.Equal(t, "/flow/f000000000000000000000000", r.Path)
			assert.NotContains(t, s.Err.Error(), wsTestCfg.Token)
		})
	}
}

func TestWSEngineReplyShapes(t *testing.T) {
	tests := []struct {
		name  string
		reply string // %s is the msgId
		body  string
		err   func(error) bool
	}{
		{"no status, ok", `{"head":{"msgId":"%s","ok":true},"body":{"a":1}}`, `{"a":1}`, nil},
		{"no ok, 201", `{"head":{"msgId":"%s","status":201},"body":{"id":"d1"}}`, `{"id":"d1"}`, nil},
		{"null body", `{"head":{"msgId":"%s","ok":true},"body":null}`, `{}`, nil},
		{"no status, not ok", `{"head":{"msgId":"%s","ok":false,"errors":["x"]},"body":{}}`, "",
			func(err error) bool { var e *PlatformError; return errors.As(err, &e) }},
		{"bad head", `{"head":{"msgId":"%s","ok":"yes"},"body":{}}`, "",
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := openEngine(t, WSSettings{})
			call, acts := e.Send(WSFrame{Object: "drop", Type: "create", FlowID: flowA, Value: []byte(`{}`)})
			_, id := onlyFrame(t, acts)
			s := settledOf(t, e.FrameReceived(fmt.Appendf(nil, tt.reply, id)))[call]
			require.NotNil(t, s)
			if tt.err == nil {
				require.NoError(t, s.Err)
				assert.Equal(t, tt.body, string(s.Body))
			} else {
				assert.True(t, tt.err(s.Err), "%T %v", s.Err, s.Err)
			}
		})
	}
}

func TestWSEngineMalformedFrames(t *testing.T) {
	frames := []string{
		``, `not json`, `[]`, `"str"`, `{"head":`, `{}`, `{"type":"other"}`,
		`{"head":{"ok":true},"body":{}}`,              // no msgId
		`{"head":{"msgId":null,"ok":true},"body":{}}`, // null msgId
		`{"head":{"msgId":1.5,"ok":true},"body":{}}`,  // non-integral msgId
		`{"head":{"msgId":"99","ok":true},"body":{}}`, // unknown msgId
		`{"head":"x"}`, // head not an object
		`{"type":"message","resource":"` + flowA + `"}`, // push without value
		"{\"type\":\"message\",\"value\":\"\x01\"}",     // invalid JSON string
	}
	e := openEngine(t, WSSettings{})
	subscribeOK(t, e, flowA, 1)
	for _, f := range frames {
		var acts []WSAction
		require.NotPanics(t, func() { acts = e.FrameReceived([]byte(f)) }, f)
		require.Len(t, acts, 1, "%q", f)
		var fe *WSFrameError
		require.ErrorAs(t, acts[0].(*ReportError).Err, &fe, "%q", f)
		assert.NotEmpty(t, fe.Error())
	}
	// Silently ignored: server heartbeats, pushes nobody subscribed to.
	assert.Empty(t, e.FrameReceived([]byte(`{"type":"heartbeat"}`)))
	assert.Empty(t, e.FrameReceived(push(flowB, drop(flowB, "/alice/other"))))
	// Frames before the socket is open are not fed by drivers; ignored.
	assert.Empty(t, NewWSEngine(wsTestCfg, WSSettings{}).FrameReceived([]byte(`x`)))
	// The engine still works.
	assert.Equal(t, []WSHandlerID{1}, deliveredTo(e.FrameReceived(push(flowA, drop(flowA, pathA)))))
}

func TestWSEngineSubscribeFrames(t *testing.T) {
	e := openEngine(t, WSSettings{})
	_, acts := e.Subscribe(flowA, 1, false)
	frame, id := onlyFrame(t, acts)
	assert.Equal(t, `{"msgId":"1","object":"drop","type":"subscribe","flowId":"`+flowA+`"}`, frame)
	e.FrameReceived(okReply(id, "{}"))

	_, acts = e.Subscribe(pathA, 3, false)
	frame, id = onlyFrame(t, acts)
	assert.Equal(t, `{"msgId":"2","object":"drop","type":"subscribe","path":"`+pathA+`"}`, frame)
	e.FrameReceived(okReply(id, `{"ok":1}`))

	// A handler subscribes to one resource; again to the same one, it joins.
	call, acts := e.Subscribe(flowB, 3, false)
	var ie *InputError
	require.ErrorAs(t, settledOf(t, acts)[call].Err, &ie)
	assert.Equal(t, "handler", ie.Field)
	call, acts = e.Subscribe(pathA, 3, false)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Body: []byte(`{"ok":1}`)}}, acts, "the subscribe reply again")

	// A second handler of an active resource shares it: settled at once, no frame.
	call, acts = e.Subscribe(flowA, 2, false)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}, acts)

	// Unsubscribing a handler that is not the last sends nothing.
	call, acts = e.Unsubscribe(flowA, 1)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}, acts)
	// The last one sends "unsubscribe" (never "subscribe") and waits for the reply.
	call, acts = e.Unsubscribe(flowA, 2)
	frame, id = onlyFrame(t, acts)
	assert.Equal(t, `{"msgId":"3","object":"drop","type":"unsubscribe","flowId":"`+flowA+`"}`, frame)
	assert.Empty(t, actionsOf[*SettleReply](acts))
	assert.NoError(t, settledOf(t, e.FrameReceived(okReply(id, "{}")))[call].Err)

	_, acts = e.Unsubscribe(pathA, 3)
	frame, _ = onlyFrame(t, acts)
	assert.Equal(t, `{"msgId":"4","object":"drop","type":"unsubscribe","path":"`+pathA+`"}`, frame)

	// Unknown subscriptions settle at once.
	call, acts = e.Unsubscribe(pathA, 3)
	assert.Equal(t, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}, acts)
	call, acts = e.Subscribe("", 1, false)
	require.ErrorAs(t, settledOf(t, acts)[call].Err, &ie)
}

func TestWSEngineSubscribeWhilePending(t *testing.T) {
	e := openEngine(t, WSSettings{})
	c1, acts := e.Subscribe(flowA, 1, false)
	_, id := onlyFrame(t, acts)
	c2, acts := e.Subscribe(flowA, 2, false)
	assert.Empty(t, acts, "joins the subscribe in flight")
	c3, acts := e.Subscribe(flowA, 1, false)
	assert.Empty(t, acts, "same handler twice: one subscription")
	s := settledOf(t, e.FrameReceived(okReply(id, "{}")))
	assert.Len(t, s, 3)
	for _, c := range []WSCallID{c1, c2, c3} {
		assert.NoError(t, s[c].Err)
	}
	// Handler 1 is subscribed once: one Deliver each.
	assert.Equal(t, []WSHandlerID{1, 2}, deliveredTo(e.FrameReceived(push(flowA, drop(flowA, pathA)))))
}

func TestWSEngineFanOut(t *testing.T) {
	e := openEngine(t, WSSettings{})
	subscribeOK(t, e, flowA, 1) // by id
	subscribeOK(t, e, pathA, 2) // by path
	subscribeOK(t, e, flowA, 3) // by id, a second handler
	subscribeOK(t, e, flowB, 4) // another flow

	tests := []struct {
		name  string
		frame []byte
		want  []WSHandlerID
	}{
		{"drop of flow A", push(flowA, drop(flowA, pathA)), []WSHandlerID{1, 2, 3}},
		{"drop of flow B", push(flowB, drop(flowB, "/alice/b")), []WSHandlerID{4}},
		{"resource only", push(flowA, `{"id":"d2"}`), []WSHandlerID{1, 3}},
		{"path only in value, no resource", []byte(`{"type":"message","value":{"path":"` + pathA + `"}}`), []WSHandlerID{2}},
		{"flowId only in value, no resource", []byte(`{"type":"message","value":{"flowId":"` + flowA + `"}}`), []WSHandlerID{1, 3}},
		{"value not an object", push(flowB, `[1,2]`), []WSHandlerID{4}},
		{"unknown flow", push("f9", drop("f9", "/alice/z")), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acts := e.FrameReceived(tt.frame)
			assert.Equal(t, tt.want, deliveredTo(acts))
			for _, d := range actionsOf[*Deliver](acts) {
				assert.NoError(t, fastjson.ValidateBytes(d.Drop.Value))
			}
		})
	}

	// The Delivers of a drop share its JSON.
	acts := actionsOf[*Deliver](e.FrameReceived(push(flowA, drop(flowA, pathA))))
	require.Len(t, acts, 3)
	assert.Equal(t, flowA, acts[0].Drop.Resource)
	assert.JSONEq(t, drop(flowA, pathA), string(acts[0].Drop.Value))
	assert.Equal(t, acts[0].Drop, acts[2].Drop)

	// A push decoded by the driver: delivered by Ref, then released once.
	all := e.PushesReceived(WSPush{Resource: "", Drop: WSDropInfo{ID: "d7", FlowID: flowA, Path: pathA, Ref: 42}})
	assert.Equal(t, []WSAction{
		&Deliver{Handler: 1, Drop: WSDrop{Resource: flowA, Ref: 42}},
		&Deliver{Handler: 2, Drop: WSDrop{Resource: flowA, Ref: 42}},
		&Deliver{Handler: 3, Drop: WSDrop{Resource: flowA, Ref: 42}, Last: true},
	}, all)
	// Several pushes at once, in order.
	two := e.PushesReceived(WSPush{Drop: WSDropInfo{ID: "d9", FlowID: flowB, Ref: 44}}, WSPush{Resource: "f9", Drop: WSDropInfo{ID: "d8", Ref: 45}})
	assert.Equal(t, []WSAction{&Deliver{Handler: 4, Drop: WSDrop{Resource: flowB, Ref: 44}, Last: true}, &Release{Ref: 45}}, two)
	assert.Equal(t, []WSAction{&Release{Ref: 43}}, e.PushesReceived(WSPush{Resource: "f9", Drop: WSDropInfo{ID: "d8", FlowID: "f9", Ref: 43}}), "nobody's")

	e.Unsubscribe(flowA, 3)
	assert.Equal(t, []WSHandlerID{1, 2}, deliveredTo(e.FrameReceived(push(flowA, drop(flowA, pathA)))))
}

func TestWSEngineSubscribeRefused(t *testing.T) {
	tests := []struct {
		status int
		check  func(error) bool
	}{
		{404, IsNotFound},
		{403, func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			e := openEngine(t, WSSettings{})
			c1, acts := e.Subscribe(flowA, 1, false)
			_, id := onlyFrame(t, acts)
			c2, _ := e.Subscribe(flowA, 2, false)
			s := settledOf(t, e.FrameReceived(errReply(id, tt.status, "refused")))
			require.Len(t, s, 2)
			assert.True(t, tt.check(s[c1].Err))
			assert.True(t, tt.check(s[c2].Err))
			assert.Contains(t, s[c1].Err.Error(), "WS subscribe /drop/"+flowA)
			// The subscription is gone: no delivery, a new subscribe sends a frame again.
			assert.Empty(t, e.FrameReceived(push(flowA, drop(flowA, pathA))))
			_, acts = e.Subscribe(flowA, 1, false)
			assert.Len(t, framesOf(acts), 1)
		})
	}
}

func TestWSEngineUnsubscribeBeforeConfirmation(t *testing.T) {
	e := openEngine(t, WSSettings{})
	sub, acts := e.Subscribe(flowA, 1, false)
	_, subID := onlyFrame(t, acts)
	unsub, acts := e.Unsubscribe(flowA, 1)
	s := settledOf(t, acts)
	assert.ErrorIs(t, s[sub].Err, ErrUnsubscribed)
	frame, unsubID := onlyFrame(t, acts)
	assert.Contains(t, frame, `"type":"unsubscribe"`)
	// The subscribe reply arrives for a resource nobody wants: nothing happens.
	assert.Empty(t, e.FrameReceived(okReply(subID, "{}")))
	assert.NoError(t, settledOf(t, e.FrameReceived(okReply(unsubID, "{}")))[unsub].Err)
	assert.Empty(t, e.FrameReceived(push(flowA, drop(flowA, pathA))))
}

func TestWSEngineCancel(t *testing.T) {
	e := openEngine(t, WSSettings{})

	// A sent call: its late reply is dropped silently.
	call, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: flowA})
	_, id := onlyFrame(t, acts)
	assert.Empty(t, e.Cancel(call))
	assert.Empty(t, e.Cancel(call), "twice")
	assert.Empty(t, e.FrameReceived(okReply(id, "{}")))

	// A cancelled Subscribe, the resource's only one: the engine unsubscribes on its own.
	call, acts = e.Subscribe(flowA, 1, false)
	_, id = onlyFrame(t, acts)
	frame, unsubID := onlyFrame(t, e.Cancel(call))
	assert.Contains(t, frame, `"type":"unsubscribe"`)
	assert.Empty(t, e.FrameReceived(okReply(id, "{}")))
	assert.Empty(t, e.FrameReceived(okReply(unsubID, "{}")), "internal request: nothing to settle")

	// Cancel one of two Subscribe calls of one subscription: the other still settles.
	c1, acts := e.Subscribe(flowB, 1, false)
	_, id = onlyFrame(t, acts)
	c2, _ := e.Subscribe(flowB, 1, false)
	assert.Empty(t, e.Cancel(c1))
	s := settledOf(t, e.FrameReceived(okReply(id, "{}")))
	assert.Len(t, s, 1)
	assert.NoError(t, s[c2].Err)

	// A queued call is never sent.
	e2 := NewWSEngine(wsTestCfg, WSSettings{HeartbeatMs: -1})
	e2.Connect()
	q1, _ := e2.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	e2.Send(WSFrame{Object: "flow", Type: "find", ID: "f2"})
	e2.Cancel(q1)
	fs := framesOf(e2.Opened())
	require.Len(t, fs, 1)
	assert.Contains(t, fs[0], `"id":"f2"`)
}

func TestWSEngineQueueUntilOpen(t *testing.T) {
	e := NewWSEngine(wsTestCfg, WSSettings{HeartbeatMs: -1})
	e.Connect()
	c1, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	assert.Empty(t, acts)
	sub, acts := e.Subscribe(pathA, 7, false)
	assert.Empty(t, acts)
	c2, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f2"})

	fs := framesOf(e.Opened())
	require.Len(t, fs, 3, "subscriptions first, then queued calls in order")
	assert.Contains(t, fs[0], `"type":"subscribe","path":"`+pathA)
	assert.Contains(t, fs[1], `"id":"f1"`)
	assert.Contains(t, fs[2], `"id":"f2"`)
	s := settledOf(t, e.FrameReceived(okReply(msgIDOf(t, fs[0]), "{}")))
	assert.NoError(t, s[sub].Err)
	assert.Equal(t, `{"x":2}`, string(settledOf(t, e.FrameReceived(okReply(msgIDOf(t, fs[2]), `{"x":2}`)))[c2].Body))
	assert.Equal(t, `{"x":1}`, string(settledOf(t, e.FrameReceived(okReply(msgIDOf(t, fs[1]), `{"x":1}`)))[c1].Body))
}

func TestWSEngineFirstConnectionFails(t *testing.T) {
	e := NewWSEngine(wsTestCfg, WSSettings{Reconnect: true})
	e.Connect()
	queued, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	sub, _ := e.Subscribe(flowA, 1, false)
	cause := errors.New("dial refused")
	acts := e.Closed(cause)
	assert.Equal(t, WSStopped, e.State(), "the first connection is not retried")
	st := actionsOf[*Stopped](acts)
	require.Len(t, st, 1)
	assert.Equal(t, cause, st[0].Err)
	s := settledOf(t, acts)
	for _, c := range []WSCallID{queued, sub} {
		var lost *ConnectionLostError
		require.ErrorAs(t, s[c].Err, &lost)
		assert.ErrorIs(t, s[c].Err, cause)
	}
	// Later calls fail with the same kind of error.
	call, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	var lost *ConnectionLostError
	assert.ErrorAs(t, settledOf(t, acts)[call].Err, &lost)
}

func TestWSEngineDisconnectFailsPending(t *testing.T) {
	e := openEngine(t, WSSettings{}) // no reconnect
	subscribeOK(t, e, flowA, 1)
	var calls []WSCallID
	for _, f := range []WSFrame{
		{Object: "flow", Type: "find", ID: "f1"},
		{Object: "drop", Type: "create", FlowID: flowA, Value: []byte(`{"elems":{}}`)},
		{Object: "drop", Type: "findmany", Path: pathA},
	} {
		c, _ := e.Send(f)
		calls = append(calls, c)
	}
	subPending, _ := e.Subscribe(flowB, 2, false)
	unsub, _ := e.Unsubscribe(flowA, 1)

	cause := errors.New("read: connection reset")
	acts := e.Closed(cause)
	s := settledOf(t, acts)
	assert.NoError(t, s[unsub].Err, "the socket is gone, and its subscriptions with it")
	for _, c := range append(calls, subPending) {
		var lost *ConnectionLostError
		require.ErrorAs(t, s[c].Err, &lost, "call %d", c)
		assert.ErrorIs(t, s[c].Err, cause)
		assert.Contains(t, s[c].Err.Error(), "connection lost: read: connection reset")
	}
	assert.Equal(t, WSStopped, e.State())
	st := actionsOf[*Stopped](acts)
	require.Len(t, st, 1)
	var lost *ConnectionLostError
	assert.ErrorAs(t, st[0].Err, &lost)
	assert.Contains(t, acts, WSAction(&CancelTimer{Timer: WSTimerHeartbeat}))
}

func TestWSEngineClosedByPeerWithoutCause(t *testing.T) {
	e := openEngine(t, WSSettings{})
	c, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	s := settledOf(t, e.Closed(nil))
	var lost *ConnectionLostError
	require.ErrorAs(t, s[c].Err, &lost)
	assert.Equal(t, "flowthings: websocket connection lost: socket closed", lost.Error())
	assert.Equal(t, "flowthings: websocket connection lost", (&ConnectionLostError{}).Error())
}

// seq is a deterministic jitter source.
func seq(vals ...float64) func() float64 {
	i := 0
	return func() float64 {
		v := vals[i%len(vals)]
		i++
		return v
	}
}

func TestWSEngineReconnect(t *testing.T) {
	e := openEngine(t, WSSettings{Reconnect: true, BackoffMinMs: 1_000, BackoffMaxMs: 8_000,
		Rand: seq(0, 0.5, 0.999, 0.25, 1.5)})
	subscribeOK(t, e, flowA, 1)
	subscribeOK(t, e, pathA, 2)
	subscribeOK(t, e, flowA, 3)
	inflight, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})

	acts := e.Closed(errors.New("EOF"))
	assert.Equal(t, WSBackoff, e.State())
	var lost *ConnectionLostError
	require.ErrorAs(t, settledOf(t, acts)[inflight].Err, &lost)
	require.Len(t, actionsOf[*ReportError](acts), 1)
	assert.Equal(t, []*SetTimer{{Timer: WSTimerReconnect, AfterMs: 500}}, actionsOf[*SetTimer](acts), "1s·(½+0·½)")
	assert.Empty(t, actionsOf[*EndSubscription](acts), "subscriptions survive")

	// Calls made while reconnecting are queued.
	queued, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f2"})
	assert.Empty(t, acts)
	newSub, _ := e.Subscribe(flowB, 4, false)

	// Attempts fail: the backoff doubles up to the cap, jittered.
	wantDelays := []int64{
		1_500, // 2s·(½+0.5·½)
		3_998, // 4s·(½+0.999·½), truncated
		5_000, // 8s·(½+0.25·½)
		4_000, // 8s (cap), jitter 1.5 out of range → 0
	}
	for i, want := range wantDelays {
		acts = e.TimerFired(WSTimerReconnect)
		require.Len(t, acts, 2)
		assert.Equal(t, i+1, acts[0].(*OpenSession).Attempt)
		assert.Equal(t, &SetTimer{Timer: WSTimerHandshake, AfterMs: 30_000}, acts[1])
		acts = e.Closed(&TransportError{Method: "POST", Path: "/session", Err: errors.New("refused")})
		st := actionsOf[*SetTimer](acts)
		require.Len(t, st, 1)
		assert.InDelta(t, float64(want), float64(st[0].AfterMs), 1, "attempt %d", i+2)
	}

	// The next attempt succeeds: a new session, every resource re-subscribed
	// once (sorted), then the queued calls.
	acts = e.TimerFired(WSTimerReconnect)
	require.IsType(t, &OpenSession{}, acts[0])
	fs := framesOf(e.Opened())
	require.Len(t, fs, 4)
	assert.Contains(t, fs[0], `"type":"subscribe","path":"`+pathA+`"`)
	assert.Contains(t, fs[1], `"type":"subscribe","flowId":"`+flowB+`"`)
	assert.Contains(t, fs[2], `"type":"subscribe","flowId":"`+flowA+`"`)
	assert.Contains(t, fs[3], `"id":"f2"`)
	for _, f := range fs[:3] {
		for c, s := range settledOf(t, e.FrameReceived(okReply(msgIDOf(t, f), "{}"))) {
			assert.Equal(t, newSub, c)
			assert.NoError(t, s.Err)
		}
	}
	assert.NoError(t, settledOf(t, e.FrameReceived(okReply(msgIDOf(t, fs[3]), "{}")))[queued].Err)
	assert.Equal(t, []WSHandlerID{1, 2, 3}, deliveredTo(e.FrameReceived(push(flowA, drop(flowA, pathA)))))
	assert.Equal(t, []WSHandlerID{4}, deliveredTo(e.FrameReceived(push(flowB, drop(flowB, "/alice/b")))))

	// Once the socket stayed open long enough, a later loss starts again
	// from the smallest backoff.
	assert.Nil(t, e.TimerFired(WSTimerStable))
	acts = e.Closed(errors.New("EOF"))
	assert.Equal(t, []*SetTimer{{Timer: WSTimerReconnect, AfterMs: 500}}, actionsOf[*SetTimer](acts), "1s·(½+0·½)")
	assert.Equal(t, 1, e.attempts)
}

func TestWSEngineResubscribeRefused(t *testing.T) {
	e := openEngine(t, WSSettings{Reconnect: true, Rand: seq(0)})
	subscribeOK(t, e, flowA, 1)
	subscribeOK(t, e, flowA, 2)
	subscribeOK(t, e, flowB, 3)
	e.Closed(errors.New("EOF"))
	e.TimerFired(WSTimerReconnect)
	fs := framesOf(e.Opened())
	require.Len(t, fs, 2)
	require.Contains(t, fs[1], flowA, "resources are re-subscribed in key order")
	acts := e.FrameReceived(errReply(msgIDOf(t, fs[1]), 404, "flow deleted"))
	ends := actionsOf[*EndSubscription](acts)
	require.Len(t, ends, 2)
	for i, h := range []WSHandlerID{1, 2} {
		assert.Equal(t, flowA, ends[i].Resource)
		assert.Equal(t, h, ends[i].Handler)
		assert.True(t, IsNotFound(ends[i].Err))
	}
	e.FrameReceived(okReply(msgIDOf(t, fs[0]), "{}"))
	assert.Empty(t, e.FrameReceived(push(flowA, drop(flowA, pathA))))
	assert.Equal(t, []WSHandlerID{3}, deliveredTo(e.FrameReceived(push(flowB, drop(flowB, "/b")))))
}

// A Subscribe in flight when the socket drops is not lost: subscribing is
// idempotent, so it completes on the next socket.
func TestWSEngineSubscribeLostInFlight(t *testing.T) {
	e := openEngine(t, WSSettings{Reconnect: true, Rand: seq(0)})
	subscribeOK(t, e, flowA, 1)
	pending, _ := e.Subscribe(flowB, 2, false)
	joined, acts := e.Subscribe(flowA, 3, false) // joins an active resource: settled at once
	assert.NoError(t, settledOf(t, acts)[joined].Err)
	assert.Empty(t, settledOf(t, e.Closed(errors.New("EOF"))))
	e.TimerFired(WSTimerReconnect)
	fs := framesOf(e.Opened())
	require.Len(t, fs, 2, "both flows are subscribed")
	assert.Contains(t, fs[0], flowB)
	assert.Contains(t, fs[1], flowA)
	assert.NoError(t, settledOf(t, e.FrameReceived(okReply(msgIDOf(t, fs[0]), "{}")))[pending].Err)
}

func TestWSEngineReconnectLimits(t *testing.T) {
	forbidden := newStatusError(&ResponseError{Status: 401, Method: "POST", Path: "/session", Errors: []string{"bad token"}})
	tests := []struct {
		name     string
		opts     WSSettings
		failures []error // reconnect attempt failures before the engine must stop
	}{
		{"no reconnect", WSSettings{}, nil},
		{"max attempts", WSSettings{Reconnect: true, MaxAttempts: 2}, []error{errors.New("a"), errors.New("b")}},
		{"credentials refused", WSSettings{Reconnect: true}, []error{forbidden}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Rand = seq(0)
			e := openEngine(t, tt.opts)
			subscribeOK(t, e, flowA, 1)
			acts := e.Closed(errors.New("EOF"))
			for _, f := range tt.failures {
				require.Equal(t, WSBackoff, e.State())
				require.NotEmpty(t, e.TimerFired(WSTimerReconnect))
				acts = e.Closed(f)
			}
			assert.Equal(t, WSStopped, e.State())
			st := actionsOf[*Stopped](acts)
			require.Len(t, st, 1)
			var lost *ConnectionLostError
			require.ErrorAs(t, st[0].Err, &lost)
			ends := actionsOf[*EndSubscription](acts)
			require.Len(t, ends, 1)
			assert.ErrorAs(t, ends[0].Err, &lost)
		})
	}
}

func TestWSEngineCloseWhileReconnecting(t *testing.T) {
	e := openEngine(t, WSSettings{Reconnect: true, Rand: seq(0)})
	subscribeOK(t, e, flowA, 1)
	e.Closed(errors.New("EOF"))
	queued, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	acts := e.Close()
	assert.NotContains(t, acts, WSAction(&CloseSocket{}), "no socket to close")
	assert.Contains(t, acts, WSAction(&CancelTimer{Timer: WSTimerReconnect}))
	s := settledOf(t, acts)
	var lost *ConnectionLostError
	require.ErrorAs(t, s[queued].Err, &lost)
	assert.ErrorIs(t, s[queued].Err, ErrWebSocketClosed)
	assert.Equal(t, []*EndSubscription{{Resource: flowA, Handler: 1, Err: ErrWebSocketClosed}}, actionsOf[*EndSubscription](acts))
	assert.Equal(t, &Stopped{}, acts[len(acts)-1])
	// The timer firing late changes nothing.
	assert.Empty(t, e.TimerFired(WSTimerReconnect))
	assert.Equal(t, WSStopped, e.State())
}

func TestWSEngineCloseFailsEverything(t *testing.T) {
	e := openEngine(t, WSSettings{})
	subscribeOK(t, e, flowA, 1)
	sent, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
	sub, _ := e.Subscribe(flowB, 2, false)
	acts := e.Close()
	assert.Equal(t, &CloseSocket{}, acts[0])
	s := settledOf(t, acts)
	for _, c := range []WSCallID{sent, sub} {
		assert.ErrorIs(t, s[c].Err, ErrWebSocketClosed)
	}
	assert.Len(t, actionsOf[*EndSubscription](acts), 1)
}

func TestDecodeSessionResponse(t *testing.T) {
	req, err := wsTestCfg.NewSessionRequest()
	require.NoError(t, err)
	tests := []struct {
		name   string
		status int
		body   string
		id     string
		check  func(error) bool
	}{
		{"created", 201, `{"head":{"ok":true,"status":201,"errors":[]},"body":{"id":"s-8f2c"}}`, "s-8f2c", nil},
		{"unauthorized", 401, `{"head":{"ok":false,"status":401,"errors":["bad token"]},"body":{}}`, "",
			func(err error) bool { var e *ForbiddenError; return errors.As(err, &e) }},
		{"live service 400", 400, `{"head":{"ok":false,"status":400,"errors":["x"]},"body":{}}`, "",
			func(err error) bool { var e *BadRequestError; return errors.As(err, &e) }},
		{"no id", 201, `{"head":{"ok":true,"status":201},"body":{}}`, "",
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
		{"id not a string", 201, `{"head":{"ok":true,"status":201},"body":{"id":7}}`, "",
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
		{"html", 502, `<html>bad gateway</html>`, "",
			func(err error) bool { var e *MalformedResponseError; return errors.As(err, &e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := DecodeSessionResponse(req, tt.status, []byte(tt.body))
			assert.Equal(t, tt.id, id)
			if tt.check == nil {
				assert.NoError(t, err)
				return
			}
			assert.True(t, tt.check(err), "%T %v", err, err)
			assert.False(t, strings.Contains(err.Error(), wsTestCfg.Token))
		})
	}
}

// The token never shows in what the engine reports of a frame, whatever the
// server echoes on the socket, as with REST responses.
func TestWSEngineRedactsToken(t *testing.T) {
	tok := wsTestCfg.Token
	e := openEngine(t, WSSettings{})
	for _, frame := range []func(msgID string) string{
		func(id string) string {
			return `{"head":{"msgId":"` + id + `","status":403,"ok":false,"errors":["bad ` + tok + `"],"messages":["` + tok + `"]}}`
		},
		func(id string) string { return `{"head":{"msgId":"` + id + `","ok":"` + tok + `"}}` },
		func(string) string { return `{"head":{"msgId":"` + tok + `","ok":true}}` },
		func(string) string { return `{"type":"message","resource":"` + tok + `"}` },
		func(string) string { return `"` + tok + `"` },
	} {
		_, acts := e.Send(WSFrame{Object: "flow", Type: "find", ID: "f1"})
		_, msgID := onlyFrame(t, acts)
		acts = e.FrameReceived([]byte(frame(msgID)))
		require.NotEmpty(t, acts)
		for _, a := range acts {
			var err error
			switch a := a.(type) {
			case *SettleReply:
				err = a.Err
			case *ReportError:
				err = a.Err
			}
			require.Error(t, err, "%#v", a)
			assert.NotContains(t, err.Error(), tok)
			assert.NotContains(t, fmt.Sprintf("%+v", err), tok)
			if api, ok := err.(APIError); ok {
				assert.Equal(t, []string{"bad [redacted]"}, api.Response().Errors)
				assert.Equal(t, []string{"[redacted]"}, api.Response().Messages)
			}
		}
	}
}
