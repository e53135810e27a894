//go:build js && wasm

package main

import (
	"encoding/json"
	"errors"
	"strings"
	"syscall/js"
	"testing"
	"unsafe"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run with GOOS=js GOARCH=wasm go test
// -exec="node --stack-size=8192 $PWD/wasm/testdata/exec.mjs" ./wasm/ (node
// on PATH), as build.sh does: Go's go_js_wasm_exec with the package's host
// functions.

const token = "T0pS3cretT0ken-abcdef0123456789"

// stringify is what the JS package hands the module: JSON.stringify of the
// argument list.
func stringify(args ...any) js.Value {
	return js.Global().Get("JSON").Call("stringify", js.ValueOf(args))
}

// invoke runs a function on the JSON text JavaScript would hand over.
func invoke(f bridge.Function, text js.Value) any {
	return run(f, []byte(text.String()))
}

// capture is a function of one argument of any JSON kind that keeps what
// it was given.
func capture(got *any) bridge.Function {
	return bridge.Func1("echo", bridge.ObjectArg("value"), func(o *bridge.Obj) string { *got = o.Get("value"); return "{}" })
}

// exported calls a function of the module as the JS package does: through
// the exported input buffer, call and output buffer.
func exported(t *testing.T, name string, text string) string {
	t.Helper()
	fn := int32(-1)
	for i, f := range functions {
		if f.Name == name {
			fn = int32(i)
		}
	}
	at := inputBuffer(int32(len(text)))
	require.Equal(t, uint32(uintptr(unsafe.Pointer(unsafe.SliceData(input)))), at)
	copy(input, text)
	n := call(fn, int32(len(text)))
	require.Equal(t, uint32(uintptr(unsafe.Pointer(unsafe.SliceData(output)))), outputBuffer())
	return string(output[:n])
}

func obj(kv ...any) js.Value {
	o := js.Global().Get("Object").New()
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// Arguments are JavaScript values as JSON.stringify writes them, decoded by
// core.ParseJSON: the values package bridge reads.
func TestGuardArguments(t *testing.T) {
	g := js.Global()
	nested := obj("y", []any{1, "two", obj("deep", true)}, "x", "é\u2028\"")
	in := stringify(obj("value", []any{
		"text", 1.5, -7, true, false, nil, js.Undefined(), []any{1, "a", nil},
		obj("b", 1, "a", nested, "z", nil, "u", js.Undefined()),
		g.Get("RegExp").New("a/b", "gi"), g.Get("Date").New(0), g.Get("NaN"), g.Get("Infinity"), obj(),
	}))
	var got any
	result := invoke(capture(&got), in)
	assert.Equal(t, "{}", result)
	want := []any{
		"text", 1.5, -7.0, true, false, nil,
		nil, // undefined in an array
		[]any{1.0, "a", nil},
		&core.JSONObject{Keys: []string{"b", "a", "z"}, Vals: map[string]any{ // key order kept, undefined members gone
			"b": 1.0, "z": nil,
			"a": &core.JSONObject{Keys: []string{"y", "x"}, Vals: map[string]any{
				"y": []any{1.0, "two", &core.JSONObject{Keys: []string{"deep"}, Vals: map[string]any{"deep": true}}},
				"x": "é\u2028\"",
			}},
		}},
		&core.JSONObject{Vals: map[string]any{}}, // a RegExp stringifies as {}
		"1970-01-01T00:00:00.000Z",               // a Date as its ISO text
		nil, nil,                                 // NaN, Infinity
		&core.JSONObject{Vals: map[string]any{}},
	}
	assert.Equal(t, want, got)
}

func TestGuardNesting(t *testing.T) {
	nest := func(n int) js.Value {
		v := js.ValueOf(1)
		for range n {
			v = js.ValueOf([]any{v})
		}
		return v
	}
	// The argument list, the object, the arrays and the number: at most 300 levels.
	var got any
	assert.Equal(t, "{}", invoke(capture(&got), stringify(obj("value", nest(297)))))
	assert.NotNil(t, got)

	got = nil
	result := invoke(capture(&got), stringify(obj("value", nest(298))))
	assert.Nil(t, got, "too deep: the function is not called")
	d := errorOf(t, result)
	assert.Equal(t, "input", d["kind"])
	assert.Equal(t, "json", d["field"])
	assert.Contains(t, d["reason"], "nests deeper than 300")
}

func TestGuardBadCalls(t *testing.T) {
	never := bridge.Func1("build", bridge.ObjectArg("op"), func(*bridge.Obj) string { t.Error("called"); return "{}" })
	tests := []struct {
		name string
		in   string
		kind string
		msg  string
	}{
		{"not JSON", "[1,", "input", "is not valid JSON"},
		{"nothing", "", "input", "is not valid JSON"},
		{"not a list", `{"a":1}`, "internal", "want the JSON text of the argument list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := errorOf(t, invoke(never, js.ValueOf(tc.in)))
			assert.Equal(t, tc.kind, d["kind"])
			assert.Contains(t, d["message"], tc.msg)
		})
	}
}

// A panic becomes an internal error naming the function, never the arguments.
func TestGuardPanics(t *testing.T) {
	tests := []struct {
		name   string
		panic  any
		reason string
	}{
		{"string", "index out of range", "index out of range"},
		{"error", errors.New("nil map"), "nil map"},
		{"runtime error", nil, "runtime error: invalid memory address or nil pointer dereference"},
		{"other", 42, "panic"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			result := invoke(bridge.Func1("build", bridge.ObjectArg("op"), func(*bridge.Obj) string {
				if tc.panic == nil {
					var m *core.JSONObject
					_ = m.Keys // nil dereference
				}
				panic(tc.panic)
			}), stringify(obj("account", "alice", "token", token)))
			s, isString := result.(string)
			require.True(t, isString, "%T", result)
			assert.NotContains(t, s, token)
			d := errorOf(t, s)
			assert.Equal(t, map[string]any{"kind": "internal",
				"message": "flowthings: internal error in the wasm module (build): " + tc.reason}, d)
		})
	}
}

// errorOf parses an error result and returns its descriptor.
func errorOf(t *testing.T, result any) map[string]any {
	t.Helper()
	s, isString := result.(string)
	require.True(t, isString, "%T", result)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &m), s)
	d, isObj := m["error"].(map[string]any)
	require.True(t, isObj, s)
	return d
}

// TestExports calls the module's functions as the JS package does: their
// numbers from flowthings_functions, then one JSON text in, one JSON text
// out.
func TestExports(t *testing.T) {
	n := functionTable()
	var got []string
	require.NoError(t, json.Unmarshal(output[:n], &got))
	var declared []string
	for _, f := range bridge.New().Functions() {
		declared = append(declared, f.Name)
	}
	assert.Equal(t, declared, got, "the table is the declaration, in its order")
	assert.Subset(t, got, []string{"configure", "build", "decodeHead", "renderFilter", "wsNew"})

	call := func(name string, in ...any) map[string]any {
		t.Helper()
		out := exported(t, name, stringify(in...).String())
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m), "%s: %s", name, out)
		return m
	}
	cfg := call("configure", obj("account", "alice", "token", token, "host", "api.test", "wsHost", "ws.test", "secure", false))["id"]
	require.NotNil(t, cfg)

	req := call("build", cfg, obj("service", "drop", "name", "findMany", "flowId", "f1",
		"params", obj("limit", 2, "filter", []any{"a == 1", "b == 2"})))["request"].(map[string]any)
	assert.Equal(t, "http://api.test/v0.1/alice/drop/f1?filter=%28a%20%3D%3D%201%29%20%26%26%20%28b%20%3D%3D%202%29&limit=2", req["url"])
	assert.Equal(t, token, req["headers"].(map[string]any)["X-Auth-Token"])

	req = call("raw", cfg, "MPUT", "/drop/f1", `{"d1":{}}`, obj("x", "1"), true)["request"].(map[string]any)
	assert.Equal(t, "http://ws.test/drop/f1?x=1", req["url"])
	assert.Equal(t, `{"d1":{}}`, req["body"])

	meta := obj("method", "GET", "path", "/drop/f1", "account", "alice")
	assert.Equal(t, map[string]any{"status": 200.0, "messages": []any{}}, call("decodeHead", cfg, meta, 200, `{"ok":true}`))
	d := call("decode", cfg, meta, 404, `{"head":{"status":404,"ok":false,"errors":["`+token+`"]}}`)["error"].(map[string]any)
	assert.Equal(t, "notFound", d["kind"])
	assert.Equal(t, []any{"[redacted]"}, d["errors"])

	assert.Equal(t, "EXISTS a", call("renderFilter", obj("t", "exists", "m", []any{"a"}))["text"])
	assert.Equal(t, "a > 1", call("parseFilter", "a>1")["text"])

	ws := call("wsNew", cfg, obj("heartbeatMs", 0, "handshakeMs", 0))["id"]
	open := call("wsConnect", ws)["actions"].([]any)[0].(map[string]any)
	assert.Equal(t, "open", open["type"])
	session := call("wsSession", ws, obj("method", "POST", "path", "/session", "account", "alice"), 200,
		`{"head":{"ok":true},"body":{"id":"s1"}}`)
	assert.Equal(t, "ws://ws.test/session/s1/ws", session["url"])
	assert.Equal(t, "open", call("wsOpened", ws)["state"])
	sub := call("wsSubscribe", ws, "f1", 3, false)
	assert.Len(t, sub["actions"], 1)
	assert.Len(t, call("wsFrame", ws, `{"type":"heartbeat"}`)["actions"], 0)
	assert.Len(t, call("wsPushes", ws, "f1|d1|f1|/alice/x|1|0|7|")["actions"], 1, "delivered to 3, released with it")
	assert.Len(t, call("wsFound", ws, 99, obj("drops", []any{}))["actions"], 0, "no such find")
	assert.Len(t, call("wsTimer", ws, 0)["actions"], 0)
	assert.Contains(t, call("wsSend", ws, obj("object", "flow", "type", "find", "id", "f1")), "call")
	assert.Contains(t, call("wsCancel", ws, 99), "actions")
	assert.Contains(t, call("wsUnsubscribe", ws, "f1", 3), "call")
	assert.NotEmpty(t, call("wsClosed", ws, obj("code", "transport", "message", "gone"))["actions"])
	assert.Empty(t, call("wsClose", ws)["actions"], "already stopped")

	assert.Equal(t, map[string]any{}, call("release", cfg))
	assert.Equal(t, "api", call("build", cfg, obj("service", "flow", "name", "read", "id", "f1"))["error"].(map[string]any)["field"])

	// Bad calls through the real boundary.
	out := exported(t, "nonesuch", "[]")
	assert.True(t, strings.Contains(out, `"kind":"internal"`), out)
	out = exported(t, "build", "not json")
	assert.True(t, strings.Contains(out, `"field":"json"`), out)
	out = exported(t, "build", `[1,"op"]`)
	assert.True(t, strings.Contains(out, `(build): argument 2 (op) must be an object, not a string`), out)
}

// A large call's buffers are not kept: the next call starts small again.
func TestBuffersShrink(t *testing.T) {
	big := `["` + strings.Repeat("x", 4*keptBuffer) + `"]`
	out := exported(t, "parseFilter", big)
	assert.Contains(t, out, `"kind":"input"`)
	assert.Nil(t, input, "the large input buffer is dropped after the call")
	exported(t, "parseFilter", `["a == 1"]`)
	assert.LessOrEqual(t, cap(input), keptBuffer)
	assert.LessOrEqual(t, cap(output), keptBuffer)
}
