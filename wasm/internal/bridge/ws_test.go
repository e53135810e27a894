package bridge_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// actions parses an event's result: its actions, and its call when it has one.
func actions(t *testing.T, result string) []map[string]any {
	t.Helper()
	m := ok(t, result)
	list, isList := m["actions"].([]any)
	require.True(t, isList, "result %s", result)
	out := make([]map[string]any, len(list))
	for i, a := range list {
		out[i] = a.(map[string]any)
		require.NotEmpty(t, out[i]["type"], "action %d of %s", i, result)
	}
	return out
}

func types(acts []map[string]any) []string {
	out := make([]string, len(acts))
	for i, a := range acts {
		out[i] = a["type"].(string)
	}
	return out
}

// call starts a call and returns its id and actions.
func call(t *testing.T, result string) (float64, []map[string]any) {
	t.Helper()
	id, isNum := ok(t, result)["call"].(float64)
	require.True(t, isNum, "result %s", result)
	return id, actions(t, result)
}

// sent returns the frame of a send action, parsed, and its msgId.
func sent(t *testing.T, a map[string]any) (map[string]any, string) {
	t.Helper()
	require.Equal(t, "send", a["type"], "%v", a)
	var f map[string]any
	require.NoError(t, json.Unmarshal([]byte(a["frame"].(string)), &f), "%v", a)
	id, _ := f["msgId"].(string)
	return f, id
}

func reply(msgID, body string) string {
	return `{"head":{"msgId":"` + msgID + `","status":200,"ok":true,"errors":[],"messages":[]},"body":` + body + `}`
}

func errorReply(msgID string, status int, errs string) string {
	return `{"head":{"msgId":"` + msgID + `","status":` + strconv.Itoa(status) + `,"ok":false,"errors":` + errs + `}}`
}

const sessionOK = `{"head":{"status":200,"ok":true},"body":{"id":"s-1"}}`

// metaOf is what JavaScript hands back to WSSession for an open action:
// the request's method, path and account.
func metaOf(open map[string]any) *bridge.Obj {
	req := open["request"].(map[string]any)
	return o("method", req["method"], "path", req["path"], "account", req["account"])
}

// openWS makes an engine with options and brings it to open.
func openWS(t *testing.T, b *bridge.Bridge, cfg float64, options *bridge.Obj) float64 {
	t.Helper()
	id := ok(t, b.WSNew(cfg, options))["id"].(float64)
	acts := actions(t, b.WSConnect(id))
	require.Equal(t, "open", acts[0]["type"])
	m := ok(t, b.WSSession(id, metaOf(acts[0]), 200, sessionOK))
	require.Equal(t, []any{}, m["actions"])
	actions(t, b.WSOpened(id))
	return id
}

func TestWSLifecycle(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := ok(t, b.WSNew(cfg, o("heartbeatMs", 5000.0, "reconnect", false, "handshakeMs", 2000.0)))["id"].(float64)

	// Connect: the session request, as Build gives requests, and the
	// handshake's bound.
	result := b.WSConnect(id)
	assert.Equal(t, "connecting", ok(t, result)["state"])
	acts := actions(t, result)
	require.Equal(t, []string{"open", "setTimer"}, types(acts))
	assert.Equal(t, 0.0, acts[0]["attempt"])
	assert.Equal(t, 2000.0, acts[1]["ms"])
	req := acts[0]["request"].(map[string]any)
	assert.Equal(t, "POST", req["method"])
	assert.Equal(t, "https://ws.test/session", req["url"])
	assert.Equal(t, "/session", req["path"])
	assert.Nil(t, req["body"])
	assert.Equal(t, map[string]any{"X-Auth-Token": token, "X-Auth-Account": account, "Accept": "application/json"}, req["headers"])
	assert.Empty(t, actions(t, b.WSConnect(id)), "connect twice")

	// The session: the socket's URL.
	m := ok(t, b.WSSession(id, metaOf(acts[0]), 200, `{"head":{"status":200,"ok":true},"body":{"id":"s 1"}}`))
	assert.Equal(t, map[string]any{"url": "wss://ws.test/session/s%201/ws", "state": "connecting", "actions": []any{}}, m)

	// Open: the handshake's bound goes, the heartbeat and the stability
	// timer come.
	result = b.WSOpened(id)
	assert.Equal(t, "open", ok(t, result)["state"])
	jsonEq(t, `[{"type":"cancelTimer","timer":2},{"type":"setTimer","timer":0,"ms":5000},{"type":"setTimer","timer":3,"ms":10000}]`, actions(t, result))
	actions(t, b.WSFrame(id, `{"type":"heartbeat"}`)) // the server is alive
	acts = actions(t, b.WSTimer(id, 0))
	jsonEq(t, `[{"type":"send","frame":"{\"type\":\"heartbeat\"}"},{"type":"setTimer","timer":0,"ms":5000}]`, acts)
	assert.Empty(t, actions(t, b.WSTimer(id, 1)), "a timer not armed")
	assert.Empty(t, actions(t, b.WSTimer(id, 7)), "no such timer")

	// Subscribe (without backfill), confirm, receive pushes.
	subCall, acts := call(t, b.WSSubscribe(id, "f1", 7, false))
	require.Len(t, acts, 1)
	f, msgID := sent(t, acts[0])
	assert.Equal(t, map[string]any{"msgId": msgID, "object": "drop", "type": "subscribe", "flowId": "f1"}, f)
	acts = actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	jsonEq(t, `[{"type":"settle","call":`+strconv.Itoa(int(subCall))+`,"body":{}}]`, acts)

	push := `{"type":"message","resource":"f1","value":{"id":"d1","flowId":"f1","path":"/alice/x","elems":{"t": 31}}}`
	acts = actions(t, b.WSFrame(id, push))
	jsonEq(t, `[{"type":"deliver","handler":7,"resource":"f1","value":{"id":"d1","flowId":"f1","path":"/alice/x","elems":{"t":31}}}]`, acts)
	assert.IsType(t, map[string]any{}, acts[0]["value"], "the drop is embedded as JSON, not as text")

	// A second handler on the same flow by path shares the socket's subscription.
	pathCall, acts := call(t, b.WSSubscribe(id, "/alice/x", 8, false))
	_, msgID = sent(t, acts[0])
	actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	acts = actions(t, b.WSFrame(id, push))
	assert.Equal(t, []string{"deliver", "deliver"}, types(acts))
	assert.Equal(t, 7.0, acts[0]["handler"])
	assert.Equal(t, 8.0, acts[1]["handler"])
	assert.NotEqual(t, subCall, pathCall)

	// A CRUD call: the frame carries the value as JSON and the options as strings.
	sendCall, acts := call(t, b.WSSend(id, o("object", "drop", "type", "create", "flowId", "f1",
		"value", `{"elems":{"t":1}}`, "options", o("limit", 2.0, "hints", false, "only", []any{"id", "path"}, "x", nil))))
	require.Len(t, acts, 1)
	f, msgID = sent(t, acts[0])
	jsonEq(t, `{"msgId":"`+msgID+`","object":"drop","type":"create","flowId":"f1","value":{"elems":{"t":1}},`+
		`"options":{"hints":"false","limit":"2","only":"id,path"}}`, f)
	acts = actions(t, b.WSFrame(id, reply(msgID, `{"id":"d2","elems":{"t":1}}`)))
	jsonEq(t, `[{"type":"settle","call":`+strconv.Itoa(int(sendCall))+`,"body":{"id":"d2","elems":{"t":1}}}]`, acts)

	// A failed call settles with an error descriptor.
	findCall, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "nope")))
	_, msgID = sent(t, acts[0])
	acts = actions(t, b.WSFrame(id, errorReply(msgID, 404, `["no flow"]`)))
	require.Len(t, acts, 1)
	assert.Equal(t, findCall, acts[0]["call"])
	assert.NotContains(t, acts[0], "body")
	d := acts[0]["error"].(map[string]any)
	assert.Equal(t, "notFound", d["kind"])
	assert.Equal(t, 404.0, d["status"])
	assert.Equal(t, "WS find", d["method"])
	assert.Equal(t, "/flow/nope", d["path"])
	assert.Equal(t, []any{"no flow"}, d["errors"])

	// A malformed reply settles its call with a malformedResponse.
	badCall, acts := call(t, b.WSSend(id, o("object", "flow", "type", "findmany")))
	_, msgID = sent(t, acts[0])
	acts = actions(t, b.WSFrame(id, `{"head":{"msgId":"`+msgID+`","status":"x"}}`))
	assert.Equal(t, badCall, acts[0]["call"])
	assert.Equal(t, "malformedResponse", acts[0]["error"].(map[string]any)["kind"])

	// Frames the engine cannot use are reported.
	for _, frame := range []string{`nope`, `[]`, `{"x":1}`, `{"type":"message","resource":"f1"}`, reply("999", `{}`)} {
		acts = actions(t, b.WSFrame(id, frame))
		require.Equal(t, []string{"report"}, types(acts), frame)
		assert.Equal(t, "frame", acts[0]["error"].(map[string]any)["kind"])
	}
	assert.Empty(t, actions(t, b.WSFrame(id, `{"type":"heartbeat"}`)), "heartbeats are skipped")

	// Cancel: no settle, and the late reply is dropped silently.
	cancelled, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f9")))
	_, msgID = sent(t, acts[0])
	assert.Empty(t, actions(t, b.WSCancel(id, cancelled)))
	assert.Empty(t, actions(t, b.WSFrame(id, reply(msgID, `{}`))))
	assert.Empty(t, actions(t, b.WSCancel(id, cancelled)), "cancel twice")
	assert.Empty(t, actions(t, b.WSCancel(id, 12345)), "no such call")

	// Unsubscribe: the other handler keeps the subscription; the last one ends it.
	unsub, acts := call(t, b.WSUnsubscribe(id, "/alice/x", 8))
	require.Len(t, acts, 1)
	f, msgID = sent(t, acts[0])
	assert.Equal(t, map[string]any{"msgId": msgID, "object": "drop", "type": "unsubscribe", "path": "/alice/x"}, f)
	acts = actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	jsonEq(t, `[{"type":"settle","call":`+strconv.Itoa(int(unsub))+`,"body":{}}]`, acts)
	acts = actions(t, b.WSFrame(id, push))
	assert.Equal(t, []string{"deliver"}, types(acts), "only handler 7 is left")

	// Close: the socket, the timers, the subscription, the end.
	result = b.WSClose(id)
	assert.Equal(t, "closed", ok(t, result)["state"])
	acts = actions(t, result)
	assert.Equal(t, []string{"closeSocket", "cancelTimer", "cancelTimer", "endSubscription", "stopped"}, types(acts))
	assert.Equal(t, 0.0, acts[1]["timer"])
	assert.Equal(t, "f1", acts[3]["resource"])
	assert.Equal(t, 7.0, acts[3]["handler"])
	assert.Equal(t, "closed", acts[3]["error"].(map[string]any)["kind"])
	assert.Nil(t, acts[4]["error"])
	assert.Contains(t, acts[4], "error", "stopped always has an error member")

	// Calls after the close fail at once.
	lateCall, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f1")))
	require.Len(t, acts, 1)
	assert.Equal(t, lateCall, acts[0]["call"])
	assert.Equal(t, "closed", acts[0]["error"].(map[string]any)["kind"])
	assert.Empty(t, actions(t, b.WSClose(id)), "close twice")
	assert.Empty(t, actions(t, b.WSOpened(id)))
	assert.Empty(t, actions(t, b.WSClosed(id, o("code", "transport", "message", "late"))))
}

func TestWSNewOptions(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	insecure := configure(t, b, "secure", false)
	tests := []struct {
		name    string
		cfg     float64
		options any
		opened  string // the actions of WSOpened
		url     string
	}{
		{"empty options", cfg, o(), `[{"type":"cancelTimer","timer":2},{"type":"setTimer","timer":0,"ms":30000},{"type":"setTimer","timer":3,"ms":10000}]`, "wss://ws.test/session/s-1/ws"},
		{"heartbeat", cfg, o("heartbeatMs", 250.0, "handshakeMs", 0.0), `[{"type":"setTimer","timer":0,"ms":250},{"type":"setTimer","timer":3,"ms":10000}]`, "wss://ws.test/session/s-1/ws"},
		{"no heartbeat", cfg, o("heartbeatMs", 0.0, "stableMs", 5.0), `[{"type":"cancelTimer","timer":2},{"type":"setTimer","timer":3,"ms":5}]`, "wss://ws.test/session/s-1/ws"},
		{"null heartbeat", cfg, o("heartbeatMs", nil, "handshakeMs", nil), `[{"type":"cancelTimer","timer":2},{"type":"setTimer","timer":0,"ms":30000},{"type":"setTimer","timer":3,"ms":10000}]`, "wss://ws.test/session/s-1/ws"},
		{"insecure", insecure, o("reconnect", true, "backoffMinMs", 10.0, "backoffMaxMs", 20.0, "maxAttempts", 3.0, "handshakeMs", 0.0,
			"backfillPage", 10.0, "backfillAttempts", 2.0),
			`[{"type":"setTimer","timer":0,"ms":30000},{"type":"setTimer","timer":3,"ms":10000}]`, "ws://ws.test/session/s-1/ws"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := ok(t, via(t, b, "wsNew", tc.cfg, tc.options))["id"].(float64)
			acts := actions(t, b.WSConnect(id))
			m := ok(t, b.WSSession(id, metaOf(acts[0]), 200, sessionOK))
			assert.Equal(t, tc.url, m["url"])
			jsonEq(t, tc.opened, actions(t, b.WSOpened(id)))
		})
	}

	for _, bad := range []struct {
		name    string
		options *bridge.Obj
		field   string
	}{
		{"heartbeat a string", o("heartbeatMs", "5"), "heartbeatMs"},
		{"heartbeat fractional", o("heartbeatMs", 1.5), "heartbeatMs"},
		{"backoffMin a boolean", o("backoffMinMs", true), "backoffMinMs"},
		{"backoffMax an array", o("backoffMaxMs", []any{}), "backoffMaxMs"},
		{"maxAttempts a string", o("maxAttempts", "3"), "maxAttempts"},
		{"handshakeMs a string", o("handshakeMs", "3"), "handshakeMs"},
		{"backfillPage fractional", o("backfillPage", 0.5), "backfillPage"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			inputError(t, b.WSNew(cfg, bad.options), bad.field)
		})
	}
	inputError(t, b.WSNew(999, o()), "api")
}

func TestWSReconnect(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := openWS(t, b, cfg, o("reconnect", true, "backoffMinMs", 100.0, "backoffMaxMs", 100.0, "heartbeatMs", 0.0, "stableMs", 100.0, "handshakeMs", 0.0))
	subCall, acts := call(t, b.WSSubscribe(id, "f1", 1, false))
	_, msgID := sent(t, acts[0])
	actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	_ = subCall
	pending, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f1")))
	require.Len(t, acts, 1)

	// Lost: the sent call fails, the loss is reported, a backoff is armed.
	result := b.WSClosed(id, o("code", "transport", "message", "network down"))
	assert.Equal(t, "reconnecting", ok(t, result)["state"])
	acts = actions(t, result)
	assert.Equal(t, []string{"cancelTimer", "settle", "report", "setTimer"}, types(acts))
	assert.Equal(t, pending, acts[1]["call"])
	d := acts[1]["error"].(map[string]any)
	assert.Equal(t, "connectionLost", d["kind"])
	assert.Contains(t, d["message"], "network down")
	assert.Equal(t, "connectionLost", acts[2]["error"].(map[string]any)["kind"])
	assert.Equal(t, 1.0, acts[3]["timer"])
	ms := acts[3]["ms"].(float64)
	assert.True(t, ms >= 50 && ms <= 100, "jittered backoff %v", ms)

	// Calls while reconnecting are queued.
	queued, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f2")))
	assert.Empty(t, acts)

	// The timer opens a new session, attempt 1; re-subscribes, then sends the queue.
	acts = actions(t, b.WSTimer(id, 1))
	require.Equal(t, []string{"open"}, types(acts))
	assert.Equal(t, 1.0, acts[0]["attempt"])
	ok(t, b.WSSession(id, metaOf(acts[0]), 200, sessionOK))
	acts = actions(t, b.WSOpened(id))
	require.Equal(t, []string{"setTimer", "send", "send"}, types(acts))
	f, _ := sent(t, acts[1])
	assert.Equal(t, "subscribe", f["type"])
	f, msgID = sent(t, acts[2])
	assert.Equal(t, "f2", f["id"])
	acts = actions(t, b.WSFrame(id, reply(msgID, `{"id":"f2"}`)))
	assert.Equal(t, queued, acts[0]["call"])

	// A clean close by the server (null reason) is a loss too.
	acts = actions(t, b.WSClosed(id, nil))
	assert.Contains(t, types(acts), "report")
	assert.Contains(t, acts[len(acts)-2]["error"].(map[string]any)["message"], "socket closed")
}

func TestWSSessionFailure(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	tests := []struct {
		name   string
		status float64
		text   string
		kind   string
	}{
		{"401", 401, `{"head":{"status":401,"ok":false,"errors":["unknown token ` + token + `"]}}`, "forbidden"},
		{"404", 404, `{"head":{"status":404,"ok":false}}`, "notFound"},
		{"500 page", 500, `<html>` + token + `</html>`, "malformedResponse"},
		{"no session id", 200, `{"head":{"status":200,"ok":true},"body":{"token":"` + token + `"}}`, "malformedResponse"},
		{"empty", 200, ``, "malformedResponse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := ok(t, b.WSNew(cfg, o()))["id"].(float64)
			queued, _ := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f1")))
			acts := actions(t, b.WSConnect(id))
			result := b.WSSession(id, metaOf(acts[0]), tc.status, tc.text)
			assert.NotContains(t, result, token, "the token never shows")
			m := ok(t, result)
			assert.NotContains(t, m, "url")
			assert.Equal(t, "closed", m["state"])
			acts = actions(t, result)
			require.Equal(t, []string{"cancelTimer", "settle", "stopped"}, types(acts))
			assert.Equal(t, queued, acts[1]["call"])
			assert.Equal(t, "connectionLost", acts[1]["error"].(map[string]any)["kind"])
			d := acts[2]["error"].(map[string]any)
			assert.Equal(t, tc.kind, d["kind"], "the first connection's failure is the result")
			assert.Equal(t, "/session", d["path"])
		})
	}

	// A refused reconnect stops the engine for good.
	id := openWS(t, b, cfg, o("reconnect", true, "heartbeatMs", 0.0, "handshakeMs", 0.0))
	actions(t, b.WSClosed(id, o("code", "transport", "message", "lost")))
	acts := actions(t, b.WSTimer(id, 1))
	acts = actions(t, b.WSSession(id, metaOf(acts[0]), 403, `{"head":{"status":403,"ok":false}}`))
	require.Equal(t, []string{"stopped"}, types(acts))
	d := acts[0]["error"].(map[string]any)
	assert.Equal(t, "connectionLost", d["kind"])
	assert.Equal(t, 403.0, d["status"], "the cause's details")
}

func TestWSCallsRejected(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := openWS(t, b, cfg, nil)
	for _, tc := range []struct {
		name  string
		frame any
		field string
	}{
		{"object a number", o("object", 1.0, "type", "find"), "object"},
		{"type an array", o("object", "flow", "type", []any{}), "type"},
		{"flowId a number", o("object", "drop", "type", "find", "flowId", 1.0), "flowId"},
		{"path a boolean", o("object", "drop", "type", "find", "path", true), "path"},
		{"id an object", o("object", "drop", "type", "find", "id", o()), "id"},
		{"value an object", o("object", "flow", "type", "create", "value", o("a", 1.0)), "value"},
		{"options an array", o("object", "flow", "type", "findmany", "options", []any{}), "options"},
		{"option an object", o("object", "flow", "type", "findmany", "options", o("x", o())), "param x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inputError(t, via(t, b, "wsSend", id, tc.frame), tc.field)
		})
	}
	argumentError(t, via(t, b, "wsSend", id, "find"), "wsSend", "frame")
	argumentError(t, via(t, b, "wsSend", id, nil), "wsSend", "frame")
	// Frames the engine refuses settle at once.
	for _, tc := range []struct {
		name  string
		frame *bridge.Obj
		field string
	}{
		{"no object", o("type", "find"), "object"},
		{"subscribe", o("object", "drop", "type", "subscribe", "flowId", "f1"), "type"},
		{"bad value", o("object", "flow", "type", "create", "value", `{"a":`), "value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, acts := call(t, b.WSSend(id, tc.frame))
			require.Len(t, acts, 1)
			assert.Equal(t, c, acts[0]["call"])
			d := acts[0]["error"].(map[string]any)
			assert.Equal(t, "input", d["kind"])
			assert.Equal(t, tc.field, d["field"])
		})
	}
	c, acts := call(t, b.WSSubscribe(id, "", 1, true))
	assert.Equal(t, c, acts[0]["call"])
	assert.Equal(t, "resource", acts[0]["error"].(map[string]any)["field"])
	c, acts = call(t, b.WSUnsubscribe(id, "never", 1))
	jsonEq(t, `[{"type":"settle","call":`+strconv.Itoa(int(c))+`,"body":{}}]`, acts)
}

func TestWSUnknownEngine(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := openWS(t, b, cfg, nil)
	b.Release(id)
	for _, unknown := range []float64{id, 4242, cfg} {
		for name, result := range map[string]string{
			"connect":     b.WSConnect(unknown),
			"session":     b.WSSession(unknown, nil, 200, sessionOK),
			"opened":      b.WSOpened(unknown),
			"closed":      b.WSClosed(unknown, nil),
			"timer":       b.WSTimer(unknown, 0),
			"frame":       b.WSFrame(unknown, `{}`),
			"send":        b.WSSend(unknown, o("object", "flow", "type", "find", "id", "x")),
			"subscribe":   b.WSSubscribe(unknown, "f1", 1, true),
			"pushes":      b.WSPushes(unknown, ""),
			"found":       b.WSFound(unknown, 1, o()),
			"unsubscribe": b.WSUnsubscribe(unknown, "f1", 1),
			"cancel":      b.WSCancel(unknown, 1),
			"close":       b.WSClose(unknown),
		} {
			d := inputError(t, result, "websocket")
			assert.Contains(t, d["reason"], "unknown or released engine", name)
		}
	}
	// Releasing an engine leaves the configuration.
	ok(t, b.Build(cfg, o("service", "flow", "name", "read", "id", "f1")))
}

// The token never shows in what the engine reports, whatever the server
// echoes on the socket.
func TestWSTokenNeverShows(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := openWS(t, b, cfg, o("heartbeatMs", 0.0))
	echo := `"errors":["bad token ` + token + `"],"messages":["` + token + `"]`
	frames := []func(msgID string) string{
		func(msgID string) string {
			return `{"head":{"msgId":"` + msgID + `","status":403,"ok":false,` + echo + `}}`
		},
		func(msgID string) string { return `{"head":{"msgId":"` + msgID + `","status":"` + token + `"}}` },
		func(string) string { return `{"head":{"msgId":"999","ok":true},"body":"` + token + `"}` },
		func(string) string { return `{"x":"` + token + `"}` },
		func(string) string { return `{"type":"message","resource":"` + token + `"}` },
		func(string) string { return token },
	}
	for i, frame := range frames {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			_, acts := call(t, b.WSSend(id, o("object", "flow", "type", "find", "id", "f1")))
			_, msgID := sent(t, acts[0])
			result := b.WSFrame(id, frame(msgID))
			assert.NotEmpty(t, actions(t, result))
			assert.NotContains(t, result, token)
			assert.NotContains(t, result, token[:8], "not even a prefix")
		})
	}
}

// Subscriptions with backfill, with JavaScript keeping the drops: pushes
// and found drops cross as control fields and a ref.
func TestWSBackfill(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	id := openWS(t, b, cfg, o("reconnect", true, "heartbeatMs", 0.0, "handshakeMs", 0.0, "backoffMinMs", 10.0))
	subCall, acts := call(t, b.WSSubscribe(id, "f1", 7, true))
	_, msgID := sent(t, acts[0])
	acts = actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	require.Equal(t, []string{"find"}, types(acts))
	find := acts[0]["find"].(float64)
	req := acts[0]["request"].(map[string]any)
	assert.Equal(t, "GET", req["method"])
	assert.Contains(t, req["url"], "/drop/f1?limit=500&only=id%2CcreationDate&order=desc&sort=creationDate&start=0")

	// A push while starting is held; the start settles the call, then
	// delivers it by ref and releases it.
	drop := func(id string, cd, ref float64) *bridge.Obj {
		return o("id", id, "flowId", "f1", "path", "/alice/x", "creationDate", cd, "ref", ref)
	}
	pushes := func(ps ...string) string {
		text := ""
		for _, p := range ps {
			text += strings.ReplaceAll(p, " ", "|") + "|"
		}
		return text
	}
	assert.Empty(t, actions(t, b.WSPushes(id, pushes("f1 d2 f1 /alice/x 20 0 1"))))
	acts = actions(t, b.WSFound(id, find, o("drops", []any{o("id", "d1", "creationDate", 10.0)})))
	jsonEq(t, `[{"type":"settle","call":`+strconv.Itoa(int(subCall))+`,"body":{}},`+
		`{"type":"deliver","handler":7,"ref":1,"last":true}]`, acts)

	// A reconnect back-fills through a find; it failed transiently, then
	// the drops found are gone past the mark: a gap with its range.
	acts = actions(t, b.WSClosed(id, o("code", "transport", "message", "reset")))
	acts = actions(t, b.WSTimer(id, 1))
	ok(t, b.WSSession(id, metaOf(acts[0]), 200, sessionOK))
	acts = actions(t, b.WSOpened(id))
	_, msgID = sent(t, acts[len(acts)-1])
	acts = actions(t, b.WSFrame(id, reply(msgID, `{}`)))
	find = acts[0]["find"].(float64)
	assert.Contains(t, acts[0]["request"].(map[string]any)["url"], "filter=creationDate%20%3E%3D%2020")
	acts = actions(t, b.WSFound(id, find, o("error", o("code", "timeout", "message", "timed out"))))
	assert.Equal(t, []string{"report", "setTimer"}, types(acts))
	assert.Equal(t, "timeout", acts[0]["error"].(map[string]any)["kind"], "the code JavaScript gave")
	acts = actions(t, b.WSTimer(id, 4))
	find = acts[0]["find"].(float64)
	acts = actions(t, b.WSFound(id, find, o("drops", []any{"junk"})))
	assert.Equal(t, []string{"report", "setTimer"}, types(acts), "an item without control fields is a malformed find")
	assert.Equal(t, "malformedResponse", acts[0]["error"].(map[string]any)["kind"])
	find = actions(t, b.WSTimer(id, 4))[0]["find"].(float64)
	acts = actions(t, b.WSFound(id, find, o("drops", []any{drop("d9", 90, 2)})))
	assert.Equal(t, []string{"report", "deliver"}, types(acts))
	assert.Equal(t, true, acts[1]["last"], "the drop is released with its delivery")
	assert.Equal(t, 20.0, acts[0]["from"])
	assert.Equal(t, 90.0, acts[0]["to"])
	assert.Equal(t, "gap", acts[0]["error"].(map[string]any)["kind"])

	// A refusal of a find ends the subscription with the platform's error.
	acts = actions(t, b.WSClosed(id, nil))
	acts = actions(t, b.WSTimer(id, 1))
	ok(t, b.WSSession(id, metaOf(acts[0]), 200, sessionOK))
	acts = actions(t, b.WSOpened(id))
	_, msgID = sent(t, acts[len(acts)-1])
	find = actions(t, b.WSFrame(id, reply(msgID, `{}`)))[0]["find"].(float64)
	acts = actions(t, b.WSFound(id, find, o("error", o("code", "notFound", "message", "flowthings: GET /drop/f1: 404",
		"status", 404.0, "method", "GET", "path", "/drop/f1"))))
	assert.Equal(t, []string{"endSubscription", "send"}, types(acts))
	d := acts[0]["error"].(map[string]any)
	assert.Equal(t, "notFound", d["kind"])
	assert.Equal(t, "flowthings: GET /drop/f1: 404", d["message"])
	assert.Equal(t, 404.0, d["status"])
	assert.Equal(t, "/drop/f1", d["path"])

	// Several pushes in one batch, in order; a malformed one is reported.
	acts = actions(t, b.WSPushes(id, pushes("f1 d3 f1 /alice/x 21 0 3", "f1 d4 f1 /alice/x 22 x 4", "f1 d5 f1 /alice/x")))
	jsonEq(t, `[{"type":"release","ref":3},{"type":"release","ref":4}]`, acts)

	// Close cancels what is in flight.
	subCall, acts = call(t, b.WSSubscribe(id, "f2", 8, true))
	_, msgID = sent(t, acts[0])
	find = actions(t, b.WSFrame(id, reply(msgID, `{}`)))[0]["find"].(float64)
	acts = actions(t, b.WSClose(id))
	assert.Contains(t, acts, map[string]any{"type": "cancelFind", "find": find})
}

// A failed first connection keeps the code JavaScript gave its failure.
func TestWSFirstConnectionFailure(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	for _, code := range []string{"transport", "timeout", ""} {
		id := ok(t, b.WSNew(cfg, o()))["id"].(float64)
		actions(t, b.WSConnect(id))
		acts := actions(t, b.WSClosed(id, o("code", code, "message", "no luck")))
		d := acts[len(acts)-1]["error"].(map[string]any)
		want := code
		if want == "" {
			want = "transport"
		}
		assert.Equal(t, want, d["kind"])
		assert.Equal(t, "no luck", d["message"])
	}
}
