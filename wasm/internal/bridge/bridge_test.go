package bridge_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigure(t *testing.T) {
	b := bridge.New()
	first := configure(t, b)
	second := configure(t, b)
	assert.NotEqual(t, first, second, "every configuration has its own id")

	tests := []struct {
		name    string
		options *bridge.Obj
		url     string // of a flow read
		header  map[string]any
	}{
		{"defaults", o("account", account, "token", token, "host", "api.test"),
			"https://api.test/v0.1/alice/flow/f1", nil},
		{"every field", o("account", account, "token", token, "namespace", "bob", "host", "127.0.0.1:4000",
			"wsHost", "127.0.0.1:4001", "secure", false, "version", "4.0", "params", o("hints", false, "limit", 5.0)),
			"http://127.0.0.1:4000/v4.0/bob/flow/f1?hints=false&limit=5", map[string]any{"X-Auth-Account": account}},
		{"secure", o("account", account, "token", token, "host", "api.test", "secure", true), "https://api.test/v0.1/alice/flow/f1", nil},
		{"null fields are absent", o("account", account, "token", token, "namespace", nil, "host", "api.test", "wsHost", nil, "secure", nil,
			"version", nil, "params", nil), "https://api.test/v0.1/alice/flow/f1", nil},
		{"null params dropped", o("account", account, "token", token, "host", "api.test", "params", o("limit", nil, "only", []any{"id", "path"})),
			"https://api.test/v0.1/alice/flow/f1?only=id%2Cpath", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := ok(t, b.Configure(tc.options))["id"].(float64)
			req := ok(t, b.Build(id, o("service", "flow", "name", "read", "id", "f1")))["request"].(map[string]any)
			assert.Equal(t, tc.url, req["url"])
			headers := req["headers"].(map[string]any)
			assert.Equal(t, token, headers["X-Auth-Token"])
			for k, v := range tc.header {
				assert.Equal(t, v, headers[k])
			}
		})
	}
}

func TestConfigureRejects(t *testing.T) {
	b := bridge.New()
	base := []any{"account", account, "token", token, "host", "api.test"}
	with := func(kv ...any) *bridge.Obj { return o(append(append([]any{}, base...), kv...)...) }
	tests := []struct {
		name    string
		options any
		field   string // "" for a failure without a field
	}{
		{"account a number", o("account", 1.0, "token", token), "account"},
		{"token a boolean", o("account", account, "token", true), "token"},
		{"namespace an object", with("namespace", o()), "namespace"},
		{"host a number", with("host", 80.0), "host"},
		{"wsHost an array", with("wsHost", []any{"x"}), "wsHost"},
		{"version a number", with("version", 0.1), "version"},
		{"secure a string", with("secure", "false"), "secure"},
		{"params an array", with("params", []any{"limit"}), "params"},
		{"params a string", with("params", "limit=1"), "params"},
		{"param an object", with("params", o("x", o())), "param x"},
		{"param array of numbers", with("params", o("only", []any{"a", 1.0})), "param only"},
		{"host with a path", with("host", "api.test/x"), "host"},
		{"wsHost with a scheme", with("wsHost", "wss://ws.test"), "host"},
		{"version with a slash", with("version", "0.1/x"), "version"},
		{"dot account", o("account", "..", "token", token), "account"},
		{"dot namespace", with("namespace", "."), "namespace"},
		{"token with a space", with("token", token+" x"), "token"},
		{"no host", o("account", account, "token", token), "host"},
		{"no token", o("account", account), ""},
		{"no account", o("token", token), ""},
		{"empty token", o("account", account, "token", ""), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			result := via(t, b, "configure", tc.options)
			assert.NotContains(t, result, token, "the token never shows")
			d := failed(t, result)
			assert.Equal(t, "input", d["kind"])
			if tc.field != "" {
				assert.Equal(t, tc.field, d["field"], "%v", d)
			} else {
				assert.Contains(t, d["message"], "account and token are required")
			}
		})
	}
}

func TestRelease(t *testing.T) {
	b := bridge.New()
	id := configure(t, b)
	other := configure(t, b)
	op := o("service", "flow", "name", "read", "id", "f1")
	ok(t, b.Build(id, op))
	b.Release(id)
	d := inputError(t, b.Build(id, op), "api")
	assert.Contains(t, d["reason"], "unknown or released configuration")
	ok(t, b.Build(other, op))
	b.Release(id)    // twice
	b.Release(12345) // never made
	b.Release(-1.5)  // not even an id
	ok(t, b.Build(other, op))

	// Every call taking a configuration fails on an unknown one.
	for name, result := range map[string]string{
		"build":      b.Build(id, op),
		"raw":        b.Raw(id, "GET", "/flow", nil, nil, false),
		"decodeHead": b.DecodeHead(id, nil, 200, `{}`),
		"decode":     b.Decode(id, nil, 200, `{"head":{}}`),
		"wsNew":      b.WSNew(id, o()),
	} {
		t.Run(name, func(t *testing.T) { inputError(t, result, "api") })
	}
}

// request is the request of a Build or Raw result.
func request(t *testing.T, result string) map[string]any {
	t.Helper()
	req, isObj := ok(t, result)["request"].(map[string]any)
	require.True(t, isObj, "result %s", result)
	return req
}

func TestBuild(t *testing.T) {
	const rest = "https://api.test/v0.1/alice"
	tests := []struct {
		name   string
		op     *bridge.Obj
		method string
		url    string
		body   any // string or nil
		path   string
	}{
		{"read", o("service", "flow", "name", "read", "id", "f1"), "GET", rest + "/flow/f1", nil, "/flow/f1"},
		{"read escapes", o("service", "flow", "name", "read", "id", "a/b c"), "GET", rest + "/flow/a%2Fb%20c", nil, "/flow/a%2Fb%20c"},
		{"read a drop", o("service", "drop", "name", "read", "flowId", "f1", "id", "d1"), "GET", rest + "/drop/f1/d1", nil, "/drop/f1/d1"},
		{"readMany", o("service", "group", "name", "readMany", "ids", []any{"g1", "g\"2"}), "MGET", rest + "/group", `["g1","g\"2"]`, "/group"},
		{"readMany of none", o("service", "group", "name", "readMany", "ids", []any{}), "MGET", rest + "/group", `[]`, "/group"},
		{"multi-flow search", o("service", "drop", "name", "readMany", "body", `[{"flowId":"f1"}]`), "MGET", rest + "/drop", `[{"flowId":"f1"}]`, "/drop"},
		{"findMany", o("service", "track", "name", "findMany"), "GET", rest + "/track", nil, "/track"},
		{"findMany params", o("service", "flow", "name", "findMany", "params",
			o("limit", 10.0, "start", 2.5, "hints", true, "refs", true, "only", []any{"id", "path"}, "sort", "path", "order", nil)),
			"GET", rest + "/flow?hints=true&limit=10&only=id%2Cpath&refs=1&sort=path&start=2.5", nil, "/flow"},
		{"refs false", o("service", "flow", "name", "findMany", "params", o("refs", false)), "GET", rest + "/flow", nil, "/flow"},
		{"filters AND-ed", o("service", "drop", "name", "findMany", "flowId", "f1", "params",
			o("filter", []any{"elems.a > 1", "EXISTS elems.b", ""})), "GET",
			rest + "/drop/f1?filter=" + queryEscape("(elems.a > 1) && (EXISTS elems.b)"), nil, "/drop/f1"},
		{"one filter", o("service", "drop", "name", "findMany", "flowId", "f1", "params", o("filter", []any{"elems.a > 1"})), "GET",
			rest + "/drop/f1?filter=elems.a%20%3E%201", nil, "/drop/f1"},
		{"filter text", o("service", "drop", "name", "findMany", "flowId", "f1", "params", o("filter", "elems.a > 1")), "GET",
			rest + "/drop/f1?filter=elems.a%20%3E%201", nil, "/drop/f1"},
		{"findMany by path", o("service", "drop", "name", "findMany", "path", "/alice/x"), "GET", rest + "/drop?path=%2Falice%2Fx", nil, "/drop"},
		{"create", o("service", "flow", "name", "create", "body", `{"path":"/alice/x"}`), "POST", rest + "/flow", `{"path":"/alice/x"}`, "/flow"},
		{"create a drop", o("service", "drop", "name", "create", "flowId", "f1", "body", `{"elems":{}}`), "POST", rest + "/drop/f1", `{"elems":{}}`, "/drop/f1"},
		{"create a drop by path", o("service", "drop", "name", "create", "path", "/alice/x", "body", `{"elems":{"a":1}}`),
			"POST", rest + "/drop", `{"path":"/alice/x","elems":{"a":1}}`, "/drop"},
		{"update", o("service", "track", "name", "update", "updates", []any{o("model", `{"id":"t1","js":"x"}`)}),
			"PUT", rest + "/track/t1", `{"id":"t1","js":"x"}`, "/track/t1"},
		{"update with a diff", o("service", "track", "name", "update", "updates", []any{o("model", `{"id":"t1","js":"x"}`, "diff", `{"js":"y"}`)}),
			"PUT", rest + "/track/t1", `{"js":"y"}`, "/track/t1"},
		{"update a drop, null diff", o("service", "drop", "name", "update", "flowId", "f1", "updates", []any{o("model", `{"id":"d1"}`, "diff", nil)}),
			"PUT", rest + "/drop/f1/d1", `{"id":"d1"}`, "/drop/f1/d1"},
		{"update by id and body", o("service", "flow", "name", "update", "id", "f1", "body", `{"a":1}`), "PUT", rest + "/flow/f1", `{"a":1}`, "/flow/f1"},
		{"updateMany", o("service", "flow", "name", "updateMany", "updates", []any{o("model", `{"id":"f1"}`), o("model", `{"id":"f2","a":1}`, "diff", `{"a":2}`)}),
			"MPUT", rest + "/flow", `{"f1":{"id":"f1"},"f2":{"a":2}}`, "/flow"},
		{"updateMany of a map", o("service", "flow", "name", "updateMany", "body", `{"f1":{"a":1}}`), "MPUT", rest + "/flow", `{"f1":{"a":1}}`, "/flow"},
		{"delete", o("service", "device", "name", "delete", "id", "v1"), "DELETE", rest + "/device/v1", nil, "/device/v1"},
		{"delete with data", o("service", "token", "name", "delete", "id", "k1", "body", `{"why":"x"}`), "DELETE", rest + "/token/k1", `{"why":"x"}`, "/token/k1"},
		{"empty body is none", o("service", "device", "name", "delete", "id", "v1", "body", ""), "DELETE", rest + "/device/v1", nil, "/device/v1"},
		{"deleteAll", o("service", "drop", "name", "deleteAll", "flowId", "f1"), "DELETE", rest + "/drop/f1", nil, "/drop/f1"},
		{"aggregate", o("service", "drop", "name", "aggregate", "flowId", "f1", "aggregation", o(
			"output", []any{"$count", "$avg:elems.t"}, "groupBy", []any{"$month"}, "sorts", []any{"$count:desc"},
			"rules", o("hot", "elems.t > 30", "cold", "elems.t < 0"), "filter", "EXISTS elems.t")),
			"POST", rest + "/drop/f1/aggregate",
			`{"output":["$count","$avg:elems.t"],"groupBy":["$month"],"filter":"EXISTS elems.t","rules":{"cold":"elems.t < 0","hot":"elems.t > 30"},"sorts":["$count:desc"]}`,
			"/drop/f1/aggregate"},
		{"aggregate, output only", o("service", "drop", "name", "aggregate", "flowId", "f1", "aggregation", o("output", []any{"$count"}, "rules", o())),
			"POST", rest + "/drop/f1/aggregate", `{"output":["$count"],"groupBy":[]}`, "/drop/f1/aggregate"},
		{"statistics", o("service", "statistics", "name", "statistics", "stat", "trackHit", "id", "t1"), "GET",
			rest + "/statistics/trackHit/t1", nil, "/statistics/trackHit/t1"},
		{"statistics of a day", o("service", "statistics", "name", "statistics", "stat", "flowDropAdded", "id", "f1",
			"year", 2015.0, "month", 12.0, "day", 31.0, "level", "HOUR"), "GET",
			rest + "/statistics/flowDropAdded/f1/2015/12/31?level=HOUR", nil, "/statistics/flowDropAdded/f1/2015/12/31"},
		{"statistics of a year", o("service", "statistics", "name", "statistics", "stat", "flowTracked", "id", "f1",
			"year", 2016.0, "month", nil, "day", nil, "params", o("tz", "UTC")), "GET",
			rest + "/statistics/flowTracked/f1/2016?tz=UTC", nil, "/statistics/flowTracked/f1/2016"},
		{"statistics of a month", o("service", "statistics", "name", "statistics", "stat", "trackPass", "id", "t1",
			"year", 2016.0, "month", 2.0, "level", "day"), "GET",
			rest + "/statistics/trackPass/t1/2016/2?level=day", nil, "/statistics/trackPass/t1/2016/2"},
	}
	b := bridge.New()
	cfg := configure(t, b)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(t, b.Build(cfg, tc.op))
			assert.Equal(t, tc.method, req["method"])
			assert.Equal(t, tc.url, req["url"])
			assert.Equal(t, tc.body, req["body"])
			assert.Equal(t, tc.path, req["path"])
			assert.Equal(t, account, req["account"])
			want := map[string]any{"X-Auth-Token": token, "X-Auth-Account": account, "Accept": "application/json"}
			if tc.body != nil {
				want["Content-Type"] = "application/json"
			}
			assert.Equal(t, want, req["headers"])
			assert.Len(t, req, 6, "method, url, headers, body, path, account: %v", req)
		})
	}

	// The configuration's params and namespace.
	ns := configure(t, b, "namespace", "bob", "params", o("limit", 3.0, "hints", false))
	req := request(t, b.Build(ns, o("service", "flow", "name", "findMany", "params", o("limit", 5.0))))
	assert.Equal(t, "https://api.test/v0.1/bob/flow?hints=false&limit=5", req["url"])
	assert.Equal(t, "bob", req["account"], "errors name the addressed account")
	assert.Equal(t, account, req["headers"].(map[string]any)["X-Auth-Account"])
}

func TestBuildRejects(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	flow := func(kv ...any) *bridge.Obj { return o(append([]any{"service", "flow"}, kv...)...) }
	agg := func(kv ...any) *bridge.Obj {
		return o("service", "drop", "name", "aggregate", "flowId", "f1", "aggregation", o(kv...))
	}
	stat := func(kv ...any) *bridge.Obj {
		return o(append([]any{"service", "statistics", "name", "statistics", "stat", "trackHit", "id", "t1"}, kv...)...)
	}
	tests := []struct {
		name  string
		op    any
		field string
	}{
		{"service a number", o("service", 1.0, "name", "read"), "service"},
		{"unknown service", o("service", "nope", "name", "read", "id", "x"), "service"},
		{"no service", o("name", "read", "id", "x"), "service"},
		{"unknown operation", flow("name", "frob"), "operation"},
		{"no operation", flow(), "operation"},
		{"name a boolean", flow("name", true), "name"},
		{"flowId a number", o("service", "drop", "name", "read", "flowId", 1.0, "id", "x"), "flowId"},
		{"path a number", o("service", "drop", "name", "create", "path", 1.0), "path"},
		{"id a number", flow("name", "read", "id", 1.0), "id"},
		{"stat a number", flow("name", "read", "id", "x", "stat", 1.0), "stat"},
		{"body an object", flow("name", "create", "body", o("a", 1.0)), "body"},
		{"ids a string", flow("name", "readMany", "ids", "f1"), "ids"},
		{"ids with a number", flow("name", "readMany", "ids", []any{"f1", 2.0}), "ids[1]"},
		{"params an array", flow("name", "findMany", "params", []any{}), "params"},
		{"param an object", flow("name", "findMany", "params", o("x", o())), "param x"},
		{"param array of objects", flow("name", "findMany", "params", o("filter", []any{o()})), "param filter"},
		{"updates an object", flow("name", "update", "updates", o("model", "{}")), "updates"},
		{"update a string", flow("name", "update", "updates", []any{`{"id":"f1"}`}), "updates[0]"},
		{"model an object", flow("name", "update", "updates", []any{o("model", o("id", "f1"))}), "model"},
		{"diff an object", flow("name", "update", "updates", []any{o("model", `{"id":"f1"}`, "diff", o())}), "diff"},
		{"model without id", flow("name", "update", "updates", []any{o("model", `{"a":1}`)}), "id"},
		{"model not JSON", flow("name", "update", "updates", []any{o("model", `{"id":`)}), "model"},
		{"two updates for update", flow("name", "update", "updates", []any{o("model", `{"id":"a"}`), o("model", `{"id":"b"}`)}), "updates"},
		{"updateMany duplicate", flow("name", "updateMany", "updates", []any{o("model", `{"id":"a"}`), o("model", `{"id":"a"}`)}), "models[1]"},
		{"updateMany bad model", flow("name", "updateMany", "updates", []any{o("model", `{"id":"a"}`), o("model", `[]`)}), "models[1]"},
		{"updateMany map of non-objects", flow("name", "updateMany", "body", `{"a":1}`), "models"},
		{"aggregation a string", o("service", "drop", "name", "aggregate", "flowId", "f1", "aggregation", "x"), "aggregation"},
		{"aggregation without output", agg(), "output"},
		{"output a string", agg("output", "$count"), "output"},
		{"groupBy of numbers", agg("output", []any{"$count"}, "groupBy", []any{1.0}), "groupBy[0]"},
		{"sorts a string", agg("output", []any{"$count"}, "sorts", "x"), "sorts"},
		{"filter an object", agg("output", []any{"$count"}, "filter", o()), "filter"},
		{"rules an array", agg("output", []any{"$count"}, "rules", []any{}), "rules"},
		{"rule an object", agg("output", []any{"$count"}, "rules", o("hot", o())), "rules"},
		{"rule empty", agg("output", []any{"$count"}, "rules", o("hot", "")), "rules"},
		{"read with a body", flow("name", "read", "id", "f1", "body", `{}`), "body"},
		{"path on read", o("service", "drop", "name", "read", "path", "/a/x", "id", "d"), "path"},
		{"flowId and path", o("service", "drop", "name", "findMany", "flowId", "f1", "path", "/a/x"), "path"},
		{"drop without flow", o("service", "drop", "name", "read", "id", "d"), "flowId"},
		{"dot id", flow("name", "read", "id", ".."), "id"},
		{"unknown stat", stat("stat", "nope"), "stat"},
		{"fractional year", stat("year", 2015.5), "year"},
		{"year a string", stat("year", "2015"), "year"},
		{"month a boolean", stat("year", 2015.0, "month", true), "month"},
		{"day an array", stat("year", 2015.0, "month", 1.0, "day", []any{}), "day"},
		{"level a number", stat("level", 1.0), "level"},
		{"month without year", stat("month", 3.0), "month"},
		{"day without month", stat("year", 2015.0, "day", 3.0), "day"},
		{"month out of range", stat("year", 2015.0, "month", 13.0), "month"},
		{"year out of range", stat("year", -1.0), "year"},
		{"statistics without id", o("service", "statistics", "name", "statistics", "stat", "trackHit"), "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inputError(t, via(t, b, "build", cfg, tc.op), tc.field)
		})
	}
	for _, op := range []any{"read", nil, []any{"flow", "read"}} {
		argumentError(t, via(t, b, "build", cfg, op), "build", "op")
	}

	// An operation the service lacks.
	d := failed(t, b.Build(cfg, o("service", "token", "name", "update", "id", "k1", "body", "{}")))
	assert.Equal(t, "unsupported", d["kind"])
	assert.Equal(t, "token", d["service"])
	assert.Equal(t, "update", d["operation"])
	assert.Contains(t, d["message"], "immutable")
}

func TestRaw(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	insecure := configure(t, b, "secure", false, "params", o("hints", false))
	tests := []struct {
		name         string
		cfg          float64
		method, path string
		body, params any
		wsHost       bool
		url          string
	}{
		{"get", cfg, "GET", "/flow/f1/description", nil, nil, false, "https://api.test/v0.1/alice/flow/f1/description"},
		{"params", cfg, "GET", "/flow", nil, o("limit", 2.0, "only", []any{"id"}, "filter", []any{"a == 1", "b == 2"}), false,
			"https://api.test/v0.1/alice/flow?filter=" + queryEscape("(a == 1) && (b == 2)") + "&limit=2&only=id"},
		{"body", cfg, "MPUT", "/drop/f1", `{"d1":{}}`, nil, false, "https://api.test/v0.1/alice/drop/f1"},
		{"escaped segments", cfg, "GET", "/drop/a b/c?d", nil, nil, false, "https://api.test/v0.1/alice/drop/a%20b/c%3Fd"},
		{"config params", insecure, "GET", "/flow", nil, o("limit", 1.0), false, "http://api.test/v0.1/alice/flow?hints=false&limit=1"},
		{"ws host", cfg, "GET", "/session/s1", nil, o("x", "1"), true, "https://ws.test/session/s1?x=1"},
		{"ws host, insecure", insecure, "POST", "/session", `{}`, nil, true, "http://ws.test/session?hints=false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := request(t, via(t, b, "raw", tc.cfg, tc.method, tc.path, tc.body, tc.params, tc.wsHost))
			assert.Equal(t, tc.method, req["method"])
			assert.Equal(t, tc.url, req["url"])
			assert.Equal(t, tc.body, req["body"])
			headers := req["headers"].(map[string]any)
			assert.Equal(t, token, headers["X-Auth-Token"])
			assert.Equal(t, tc.body != nil, headers["Content-Type"] != nil)
		})
	}

	rejects := []struct {
		name         string
		method, path string
		body, params any
		field        string
	}{
		{"body not JSON", "POST", "/flow", `{"a":`, nil, "body"},
		{"empty method", "", "/flow", nil, nil, "method"},
		{"method with a space", "GET /", "/flow", nil, nil, "method"},
		{"relative path", "GET", "flow", nil, nil, "path"},
		{"dot segment", "GET", "/flow/../x", nil, nil, "id"},
		{"empty segment", "GET", "/flow//x", nil, nil, "id"},
		{"param an object", "GET", "/flow", nil, o("x", o()), "param x"},
	}
	for _, tc := range rejects {
		t.Run(tc.name, func(t *testing.T) {
			inputError(t, via(t, b, "raw", cfg, tc.method, tc.path, tc.body, tc.params, false), tc.field)
			inputError(t, via(t, b, "raw", cfg, tc.method, tc.path, tc.body, tc.params, true), tc.field)
		})
	}
	// Arguments of the wrong kind are the JavaScript package's bug.
	argumentError(t, via(t, b, "raw", cfg, "POST", "/flow", o("a", 1.0), nil, false), "raw", "body")
	argumentError(t, via(t, b, "raw", cfg, "POST", "/flow", 1.0, nil, false), "raw", "body")
	argumentError(t, via(t, b, "raw", cfg, "GET", "/flow", nil, []any{"limit"}, false), "raw", "params")
}

// meta is what JavaScript hands back to the decoders.
func meta(method, path string) *bridge.Obj {
	return o("method", method, "path", path, "account", account)
}

func TestDecodeHead(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	m := ok(t, b.DecodeHead(cfg, meta("GET", "/flow/f1"), 200, `{"status":200,"ok":true,"messages":["hi"],"references":{"a":1}}`))
	assert.Equal(t, map[string]any{"status": 200.0, "messages": []any{"hi"}}, m)
	m = ok(t, b.DecodeHead(cfg, meta("POST", "/flow"), 201, `{}`))
	assert.Equal(t, map[string]any{"status": 201.0, "messages": []any{}}, m)

	tests := []struct {
		name   string
		status float64
		head   string
		kind   string
		extra  map[string]any
	}{
		{"not found", 404, `{"status":404,"ok":false,"errors":["no such flow"],"messages":["m"]}`, "notFound",
			map[string]any{"status": 404.0, "method": "GET", "path": "/flow/f1", "account": account,
				"errors": []any{"no such flow"}, "messages": []any{"m"}}},
		{"forbidden", 403, `{"status":403,"ok":false,"errors":["bad token ` + token + `"]}`, "forbidden",
			map[string]any{"status": 403.0, "errors": []any{"bad token [redacted]"}}},
		{"bad request", 400, `{"status":400,"ok":false}`, "badRequest", map[string]any{"status": 400.0, "errors": []any{}}},
		{"server", 500, `{"status":500,"ok":false}`, "server", map[string]any{"status": 500.0}},
		{"ok head, failed exchange", 503, `{"status":200,"ok":true}`, "server", map[string]any{"status": 503.0}},
		{"platform", 200, `{"status":409,"ok":false}`, "platform", map[string]any{"status": 409.0}},
		{"not a head", 200, `[]`, "malformedResponse", map[string]any{"status": 200.0, "reason": `no "head" object`}},
		{"not JSON", 200, `{"status":` + token, "malformedResponse", map[string]any{"reason": "invalid JSON"}},
		{"injected", 200, `{"ok":true},"head":{"ok":false}`, "malformedResponse", map[string]any{"reason": "invalid JSON"}},
		{"nothing", 200, ``, "malformedResponse", map[string]any{"reason": "empty body"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			result := b.DecodeHead(cfg, meta("GET", "/flow/f1"), tc.status, tc.head)
			assert.NotContains(t, result, token)
			d := failed(t, result)
			assert.Equal(t, tc.kind, d["kind"])
			for k, v := range tc.extra {
				assert.Equal(t, v, d[k], k)
			}
		})
	}
	// The request's parts may be missing: the error names what there is.
	d := failed(t, b.DecodeHead(cfg, nil, 404, `{"status":404,"ok":false}`))
	assert.Equal(t, "notFound", d["kind"])
	assert.Equal(t, "", d["path"])
}

func TestDecode(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	tests := []struct {
		name   string
		status float64
		text   string
		want   string
	}{
		{"object", 200, `{"head":{"status":200,"ok":true,"messages":["m"]},"body":{"id":"f1","n":1.5e3}}`,
			`{"status":200,"messages":["m"],"body":{"id":"f1","n":1.5e3},"references":null}`},
		{"list and refs", 200, `{"head":{"status":200,"ok":true,"references":{ "f1" : {"id":"f1"} }},"body":[ 1 , 2 ]}`,
			`{"status":200,"messages":[],"body":[1,2],"references":{"f1":{"id":"f1"}}}`},
		{"null body", 201, `{"head":{},"body":null}`, `{"status":201,"messages":[],"body":{},"references":null}`},
		{"no body", 200, `{"head":{"ok":true}}`, `{"status":200,"messages":[],"body":{},"references":null}`},
		{"string body", 200, `{"head":{"ok":true},"body":"x"}`, `{"status":200,"messages":[],"body":"x","references":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jsonEq(t, tc.want, ok(t, b.Decode(cfg, meta("GET", "/flow"), tc.status, tc.text)))
		})
	}

	echo := `"errors":["token ` + token + ` is bad"],"messages":["` + token + `"]`
	failures := []struct {
		name   string
		status float64
		text   string
		kind   string
		extra  map[string]any
	}{
		{"404", 404, `{"head":{"status":404,"ok":false,` + echo + `},"body":{}}`, "notFound",
			map[string]any{"status": 404.0, "method": "GET", "path": "/flow", "account": account,
				"errors": []any{"token [redacted] is bad"}, "messages": []any{"[redacted]"}}},
		{"403", 403, `{"head":{"status":403,"ok":false,` + echo + `}}`, "forbidden", map[string]any{"status": 403.0}},
		{"401", 401, `{"head":{"status":401,"ok":false}}`, "forbidden", map[string]any{"status": 401.0}},
		{"400", 400, `{"head":{"status":400,"ok":false,"errors":["bad filter"]}}`, "badRequest",
			map[string]any{"status": 400.0, "errors": []any{"bad filter"}}},
		{"500", 500, `{"head":{"status":500,"ok":false,` + echo + `}}`, "server", map[string]any{"status": 500.0}},
		{"500 page", 500, `<html>500 ` + token + `</html>`, "malformedResponse",
			map[string]any{"status": 500.0, "reason": "invalid JSON", "excerpt": "<html>500 [redacted]</html>"}},
		{"empty", 502, ``, "malformedResponse", map[string]any{"reason": "empty body", "excerpt": ""}},
		{"no head", 200, `{"body":{"token":"` + token + `"}}`, "malformedResponse", map[string]any{"reason": `no "head" object`}},
		{"bad status", 200, `{"head":{"status":"` + token + `"}}`, "malformedResponse", map[string]any{"reason": `"head.status" is not an integer`}},
		{"long", 200, strings.Repeat("x", 118) + token, "malformedResponse", map[string]any{"excerpt": strings.Repeat("x", 118) + "[r"}},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			result := b.Decode(cfg, meta("GET", "/flow"), tc.status, tc.text)
			assert.NotContains(t, result, token)
			assert.NotContains(t, result, token[:8], "not even a prefix")
			d := failed(t, result)
			assert.Equal(t, tc.kind, d["kind"])
			for k, v := range tc.extra {
				assert.Equal(t, v, d[k], k)
			}
		})
	}
}

func TestErrorOf(t *testing.T) {
	resp := &core.ResponseError{Status: 404, Method: "GET", Path: "/flow/f1", Account: account, Errors: []string{"e"}}
	_, syntaxErr := filter.Parse("a ==")
	require.Error(t, syntaxErr)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"api", &core.NotFoundError{ResponseError: resp},
			`{"kind":"notFound","message":"flowthings: GET /flow/f1 (account alice): status 404: e","status":404,"method":"GET",` +
				`"path":"/flow/f1","account":"alice","errors":["e"],"messages":[]}`},
		{"transport", &core.TransportError{Method: "GET", Path: "/x", Err: errors.New("refused")},
			`{"kind":"transport","message":"flowthings: GET /x: refused","method":"GET","path":"/x"}`},
		{"unsupported", &core.UnsupportedError{Service: "share", Operation: "update", Reason: "immutable"},
			`{"kind":"unsupported","message":"flowthings: share does not support update: immutable","service":"share","operation":"update"}`},
		{"malformed", &core.MalformedResponseError{Status: 200, Method: "GET", Path: "/x", Reason: "r", Excerpt: "e"},
			`{"kind":"malformedResponse","message":"flowthings: GET /x: status 200: malformed response: r: \"e\"","status":200,` +
				`"method":"GET","path":"/x","reason":"r","excerpt":"e"}`},
		{"input around a syntax error", &core.InputError{Field: "filter", Reason: syntaxErr.Error(), Err: syntaxErr},
			`{"kind":"input","message":"flowthings: invalid filter: filter: at position 4: expected operand, found end of input",` +
				`"field":"filter","reason":"filter: at position 4: expected operand, found end of input","position":4,"expected":"operand","found":""}`},
		{"lost around not found", &core.ConnectionLostError{Err: &core.ForbiddenError{ResponseError: &core.ResponseError{Status: 401, Method: "POST", Path: "/session"}}},
			`{"kind":"connectionLost","message":"flowthings: websocket connection lost: flowthings: POST /session: status 401","status":401,` +
				`"method":"POST","path":"/session","account":"","errors":[],"messages":[]}`},
		{"closed", core.ErrWebSocketClosed, `{"kind":"closed","message":"flowthings: websocket closed"}`},
		{"foreign", fmt.Errorf("x: %w", errors.New("y")), `{"kind":"unknown","message":"x: y"}`},
		{"input around input: the outermost", &core.InputError{Field: "models[0]", Reason: "model is not a JSON object",
			Err: &core.InputError{Field: "model", Reason: "is not a JSON object"}},
			`{"kind":"input","message":"flowthings: invalid models[0]: model is not a JSON object","field":"models[0]","reason":"model is not a JSON object"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := bridge.ErrorOf(tc.err).String()
			require.NoError(t, checkUniqueKeys(got), got)
			assert.JSONEq(t, tc.want, got)
			d := failed(t, bridge.Failure(tc.err))
			jsonEq(t, tc.want, d)
		})
	}
}

func TestInternalError(t *testing.T) {
	d := failed(t, bridge.InternalError("build", `index out of range "x"`))
	assert.Equal(t, map[string]any{"kind": "internal",
		"message": `flowthings: internal error in the wasm module (build): index out of range "x"`}, d)
}

// queryEscape escapes a query value as core does: %20 for a space.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// A body too large for the module arrives as an excerpt and its shape: the
// error is the one core gives for the whole body.
func TestDecodeExcerpt(t *testing.T) {
	b := bridge.New()
	cfg := configure(t, b)
	html := "<!doctype html><html><body>" + token + strings.Repeat("<p>gateway timeout</p>", 200)
	for _, tc := range []struct {
		name    string
		excerpt string
		shape   any
		reason  string
	}{
		{"HTML", html, nil, "invalid JSON"},
		{"an array", `[{"id":"d1"},{"id":"d2"},` + strings.Repeat(`{"id":"dx"},`, 300), "[]", "not a JSON object"},
		{"an object without head", `{"body":[` + strings.Repeat(`{"id":"dx"},`, 300), "{}", `no "head" object`},
		{"a start that happens to be an envelope", `{"head":{"ok":true,"status":200},"body":{}}` + strings.Repeat(" ", 4000), nil, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			result := via(t, b, "decodeExcerpt", cfg, meta("GET", "/drop/f1"), 502.0, tc.excerpt, tc.shape)
			assert.NotContains(t, result, token)
			d := failed(t, result)
			assert.Equal(t, "malformedResponse", d["kind"])
			assert.Equal(t, tc.reason, d["reason"])
			assert.Equal(t, 502.0, d["status"])
			assert.Equal(t, "/drop/f1", d["path"])
			excerpt, _ := d["excerpt"].(string)
			assert.True(t, strings.HasPrefix(strings.ReplaceAll(tc.excerpt, token, "[redacted]"), excerpt), "excerpt %q", excerpt)
			assert.NotEmpty(t, excerpt)
			assert.NotContains(t, excerpt, "\x00")
		})
	}
	inputError(t, via(t, b, "decodeExcerpt", 999.0, meta("GET", "/x"), 500.0, "<html>", nil), "api")
}

func TestStartIDsAt(t *testing.T) {
	b := bridge.New()
	b.StartIDsAt(1 << 32)
	assert.Equal(t, float64(1<<32), configure(t, b))
	assert.Equal(t, float64(1<<32+1), ok(t, b.WSNew(float64(1<<32), o()))["id"])
}
