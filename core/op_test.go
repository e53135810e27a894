package core

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBuildOp(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name   string
		op     Op
		method string
		url    string
		body   string
	}{
		{"read", Op{Service: "flow", Name: OpRead, ID: "f1"}, "GET", restBase + "/flow/f1", ""},
		{"read drop", Op{Service: "drop", FlowID: "f1", Name: OpRead, ID: "d1"}, "GET", restBase + "/drop/f1/d1", ""},
		{"readMany ids", Op{Service: "group", Name: OpReadMany, IDs: []string{"g1", "g\"2"}}, "MGET", restBase + "/group", `["g1","g\"2"]`},
		{"readMany raw", Op{Service: "drop", Name: OpReadMany, Body: []byte(`[{"flowId":"f1","params":{"limit":2}}]`)},
			"MGET", restBase + "/drop", `[{"flowId":"f1","params":{"limit":2}}]`},
		{"findMany", Op{Service: "track", Name: OpFindMany, Params: Params{"limit": 3}}, "GET", restBase + "/track?limit=3", ""},
		{"findMany drop by path", Op{Service: "drop", Name: OpFindMany, Params: Params{"path": "/alice/x"}},
			"GET", restBase + "/drop?path=%2Falice%2Fx", ""},
		{"create", Op{Service: "api-task", Name: OpCreate, Body: []byte(` {"a":1}`)}, "POST", restBase + "/api-task", ` {"a":1}`},
		{"create drop by path", Op{Service: "drop", Name: OpCreate, Body: []byte(`{"path":"/alice/x","elems":{}}`)},
			"POST", restBase + "/drop", `{"path":"/alice/x","elems":{}}`},
		{"update", Op{Service: "mqtt", Name: OpUpdate, ID: "m1", Body: []byte(`{}`)}, "PUT", restBase + "/mqtt/m1", `{}`},
		{"updateMany", Op{Service: "rss", Name: OpUpdateMany, Body: []byte(`{"r1":{}}`)}, "MPUT", restBase + "/rss", `{"r1":{}}`},
		{"delete", Op{Service: "device", Name: OpDelete, ID: "v1"}, "DELETE", restBase + "/device/v1", ""},
		{"delete with body", Op{Service: "token", Name: OpDelete, ID: "k1", Body: []byte(`"x"`)}, "DELETE", restBase + "/token/k1", `"x"`},
		{"deleteAll", Op{Service: "drop", FlowID: "f1", Name: OpDeleteAll}, "DELETE", restBase + "/drop/f1", ""},
		{"aggregate", Op{Service: "drop", FlowID: "f1", Name: OpAggregate, Body: []byte(`{"output":["$count"]}`)},
			"POST", restBase + "/drop/f1/aggregate", `{"output":["$count"]}`},
		{"statistics", Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: "t1", Date: []int{2015, 12, 31},
			Params: Params{"level": "HOUR"}}, "GET", restBase + "/statistics/trackHit/t1/2015/12/31?level=HOUR", ""},
		{"v4 service", Op{Service: "local-track", Name: OpRead, ID: "t1"}, "GET", restBase + "/local-track/t1", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := cfg.BuildOp(tc.op)
			require.NoError(t, err)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
}

func TestBuildOpRejects(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name        string
		op          Op
		unsupported bool
		field       string
	}{
		{"unknown service", Op{Service: "nope", Name: OpRead, ID: "x"}, false, "service"},
		{"service with slash", Op{Service: "/flow", Name: OpRead, ID: "x"}, false, "service"},
		{"unknown op", Op{Service: "flow", Name: "frob"}, false, "operation"},
		{"token update", Op{Service: "token", Name: OpUpdate, ID: "k", Body: []byte(`{}`)}, true, ""},
		{"share updateMany", Op{Service: "share", Name: OpUpdateMany, Body: []byte(`{}`)}, true, ""},
		{"flow deleteAll", Op{Service: "flow", Name: OpDeleteAll}, true, ""},
		{"flow aggregate", Op{Service: "flow", Name: OpAggregate, Body: []byte(`{}`)}, true, ""},
		{"statistics read", Op{Service: "statistics", Name: OpRead, ID: "x"}, true, ""},
		{"flow statistics", Op{Service: "flow", Name: OpStatistics, Stat: StatTrackHit, ID: "x"}, true, ""},
		{"read without id", Op{Service: "flow", Name: OpRead}, false, "id"},
		{"read dot id", Op{Service: "flow", Name: OpRead, ID: "."}, false, "id"},
		{"read dotdot id", Op{Service: "flow", Name: OpRead, ID: ".."}, false, "id"},
		{"read with body", Op{Service: "flow", Name: OpRead, ID: "x", Body: []byte(`{}`)}, false, "body"},
		{"findMany with id", Op{Service: "flow", Name: OpFindMany, ID: "x"}, false, "id"},
		{"create with ids", Op{Service: "flow", Name: OpCreate, IDs: []string{"x"}, Body: []byte(`{}`)}, false, "ids"},
		{"readMany ids and body", Op{Service: "flow", Name: OpReadMany, IDs: []string{"x"}, Body: []byte(`[]`)}, false, "body"},
		{"read with stat", Op{Service: "flow", Name: OpRead, ID: "x", Stat: StatTrackHit}, false, "stat"},
		{"create without body", Op{Service: "flow", Name: OpCreate}, false, "body"},
		{"create with array", Op{Service: "flow", Name: OpCreate, Body: []byte(`[]`)}, false, "body"},
		{"create with broken JSON", Op{Service: "flow", Name: OpCreate, Body: []byte(`{"a":`)}, false, "body"},
		{"create with two values", Op{Service: "flow", Name: OpCreate, Body: []byte(`{} {}`)}, false, "body"},
		{"update without id", Op{Service: "flow", Name: OpUpdate, Body: []byte(`{}`)}, false, "id"},
		{"update with list", Op{Service: "flow", Name: OpUpdate, ID: "x", Body: []byte(`[]`)}, false, "body"},
		{"readMany raw object", Op{Service: "flow", Name: OpReadMany, Body: []byte(`{}`)}, false, "body"},
		{"delete broken body", Op{Service: "flow", Name: OpDelete, ID: "x", Body: []byte(`nope`)}, false, "body"},
		{"flowId on flow", Op{Service: "flow", FlowID: "f", Name: OpFindMany}, false, "flowId"},
		{"drop read without flow", Op{Service: "drop", Name: OpRead, ID: "d"}, false, "flowId"},
		{"drop deleteAll without flow", Op{Service: "drop", Name: OpDeleteAll}, false, "flowId"},
		{"drop create without path", Op{Service: "drop", Name: OpCreate, Body: []byte(`{"elems":{}}`)}, false, "flowId"},
		{"drop create empty path", Op{Service: "drop", Name: OpCreate, Body: []byte(`{"path":""}`)}, false, "flowId"},
		{"drop find without path", Op{Service: "drop", Name: OpFindMany}, false, "flowId"},
		{"drop readMany ids without flow", Op{Service: "drop", Name: OpReadMany, IDs: []string{"d"}}, false, "flowId"},
		{"drop dot flow", Op{Service: "drop", FlowID: "..", Name: OpFindMany}, false, "id"},
		{"stat unknown", Op{Service: "statistics", Name: OpStatistics, Stat: "x", ID: "f"}, false, "stat"},
		{"stat no id", Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit}, false, "id"},
		{"stat bad month", Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: "t", Date: []int{2015, 13}}, false, "month"},
		{"stat bad year", Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: "t", Date: []int{0}}, false, "year"},
		{"stat too long", Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: "t", Date: []int{1, 1, 1, 1}}, false, "date"},
		{"bad param", Op{Service: "flow", Name: OpFindMany, Params: Params{"limit": struct{}{}}}, false, "param limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cfg.BuildOp(tc.op)
			require.Error(t, err)
			if tc.unsupported {
				var u *UnsupportedError
				require.ErrorAs(t, err, &u)
				assert.Equal(t, tc.op.Service, u.Service)
				assert.Equal(t, tc.op.Name, u.Operation)
				return
			}
			var in *InputError
			require.ErrorAs(t, err, &in)
			assert.Equal(t, tc.field, in.Field, in.Error())
		})
	}
}

func TestImmutableReason(t *testing.T) {
	err := Supports(ServiceToken, OpUpdate)
	var u *UnsupportedError
	require.ErrorAs(t, err, &u)
	assert.Contains(t, u.Error(), "immutable")
	assert.NoError(t, Supports(ServiceToken, OpCreate))
	assert.NoError(t, Supports(ServiceShare, OpDelete))
}

// TestEscaping checks that no id can change the path or the query.
func TestEscaping(t *testing.T) {
	cfg := testConfig()
	ids := []string{"../x", "a/b", "a?b", "a#b", "a b", "%2e%2e", "..%2F", "x&refs=1", "é", "a\nb", ".x", "x.", "...", "a;b", "a\\b"}
	for _, id := range ids {
		t.Run(id, func(t *testing.T) {
			for _, op := range []Op{
				{Service: "flow", Name: OpRead, ID: id},
				{Service: "drop", FlowID: id, Name: OpRead, ID: id},
				{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: id},
			} {
				req, err := cfg.BuildOp(op)
				require.NoError(t, err)
				u, err := url.Parse(req.URL)
				require.NoError(t, err)
				assert.Empty(t, u.RawQuery, "an id must not add a query")
				assert.Empty(t, u.Fragment, "an id must not add a fragment")
				segs := strings.Split(u.EscapedPath(), "/")
				// "", "v0.1", "alice", service, ..., id
				last, err := url.PathUnescape(segs[len(segs)-1])
				require.NoError(t, err)
				assert.Equal(t, id, last, "the id is the last segment, intact")
				assert.Equal(t, []string{"", "v0.1", "alice"}, segs[:3])
				assert.Equal(t, segs, strings.Split(u.EscapedPath(), "/"))
				for _, s := range segs[1:] {
					assert.NotContains(t, []string{".", ".."}, s)
				}
				want := map[string]int{"flow": 5, "drop": 6, "statistics": 6}[op.Service]
				assert.Len(t, segs, want, req.URL)
			}
			// In a query value too.
			req, err := cfg.BuildOp(Op{Service: "flow", Name: OpFindMany, Params: Params{"only": id}})
			require.NoError(t, err)
			u, err := url.Parse(req.URL)
			require.NoError(t, err)
			assert.Equal(t, url.Values{"only": {id}}, u.Query())
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no account", Config{Token: "t"}},
		{"no token", Config{Account: "a"}},
		{"dot account", Config{Account: "..", Token: "t"}},
		{"host with path", Config{Account: "a", Token: "t", Host: "h/x"}},
		{"ws host with scheme", Config{Account: "a", Token: "t", WSHost: "http://h"}},
		{"bad version", Config{Account: "a", Token: "t", Version: "1/2"}},
		{"token with newline", Config{Account: "a", Token: "t\r\nX-Evil: 1"}},
		{"dot namespace", Config{Account: "a", Token: "t", Namespace: "."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "X-Evil")
			_, err = tc.cfg.BuildOp(Op{Service: "flow", Name: OpFindMany})
			require.Error(t, err)
		})
	}
	cfg := Config{Account: "a b", Token: "t", Insecure: true, Version: "4.0", Host: "localhost:3000"}.WithDefaults()
	assert.Equal(t, "http://localhost:3000/v4.0/a%20b", cfg.BaseURL())
	assert.Equal(t, "localhost:3000", cfg.WSHost, "the WebSocket host defaults to the REST host")
}

// Nothing targets the defunct hosted platform: without a host, nothing is built.
func TestConfigHostRequired(t *testing.T) {
	cfg := Config{Account: "alice", Token: testToken}
	err := cfg.Validate()
	requireInputError(t, err, "host", "127.0.0.1:4000")
	assert.Contains(t, err.Error(), "no default")
	_, err = cfg.BuildOp(Op{Service: ServiceFlow, Name: OpRead, ID: "f1"})
	requireInputError(t, err, "host", "required")
	_, err = cfg.NewSessionRequest()
	requireInputError(t, err, "host", "required")
	_, err = cfg.NewWSHostRequest(Call{Method: "POST", Path: "/session"})
	requireInputError(t, err, "host", "required")
	cfg.WSHost = "ws.test" // a WebSocket host alone is not enough either
	requireInputError(t, cfg.Validate(), "host", "required")
	assert.Empty(t, Config{}.WithDefaults().WSHost, "no name is ever made up")
}

const (
	restBase    = "https://api.test/v0.1/alice"
	testAccount = "alice"
	testToken   = "T0pS3cretT0ken-abcdef0123456789"
)

func testConfig() Config {
	return Config{Account: testAccount, Token: testToken, Host: "api.test"}
}

// A share recipient authenticates as itself and addresses the owner's
// account in the URL (docs/protocol.md §9.1, §10 #29).
func TestConfigNamespace(t *testing.T) {
	cfg := Config{Account: "bob", Token: "t", Namespace: "alice", Host: "api.test"}
	req, err := cfg.BuildOp(Op{Service: ServiceFlow, Name: OpRead, ID: "f1"})
	require.NoError(t, err)
	assert.Equal(t, "https://api.test/v0.1/alice/flow/f1", req.URL)
	assert.Contains(t, req.Header, Header{"X-Auth-Account", "bob"})
	assert.Equal(t, "alice", req.Account, "errors name the account whose objects were addressed")

	session, err := cfg.NewSessionRequest()
	require.NoError(t, err)
	assert.Contains(t, session.Header, Header{"X-Auth-Account", "bob"})
}

func TestJSONStrings(t *testing.T) {
	got := string(appendJSONStrings(nil, []string{"a\"b\\c", "\n\r\t\x01\x7f", "é\u2028\u2029", "\xff", ""}))
	assert.Equal(t, `["a\"b\\c","\n\r\t\u0001\u007F","é\u2028\u2029","\ufffd",""]`, got)
	assert.JSONEq(t, `["a\"b\\c","\n\r\t\u0001\u007f","é\u2028\u2029","\ufffd",""]`, got)
}

// Op.Path addresses a flow's drops by path: create sends it as the body's
// first "path" member, findMany as the "path" param.
func TestBuildOpPath(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name   string
		op     Op
		method string
		url    string
		body   string
	}{
		{"create", Op{Service: "drop", Name: OpCreate, Path: "/alice/x", Body: []byte(`{"elems":{"t":1}}`)},
			"POST", restBase + "/drop", `{"path":"/alice/x","elems":{"t":1}}`},
		{"create replaces the body's path", Op{Service: "drop", Name: OpCreate, Path: "/alice/x", Body: []byte(` {"path":"/bob/y", "elems" : {}} `)},
			"POST", restBase + "/drop", `{"path":"/alice/x","elems":{}}`},
		{"create escapes the path", Op{Service: "drop", Name: OpCreate, Path: `/alice/"x"`, Body: []byte(`{}`)},
			"POST", restBase + "/drop", `{"path":"/alice/\"x\""}`},
		{"findMany", Op{Service: "drop", Name: OpFindMany, Path: "/alice/x"}, "GET", restBase + "/drop?path=%2Falice%2Fx", ""},
		{"findMany keeps params", Op{Service: "drop", Name: OpFindMany, Path: "/alice/x", Params: Params{"limit": 2, "filter": "a == 1"}},
			"GET", restBase + "/drop?filter=a%20%3D%3D%201&limit=2&path=%2Falice%2Fx", ""},
		{"findMany path wins over the param", Op{Service: "drop", Name: OpFindMany, Path: "/alice/x", Params: Params{"path": "/bob/y"}},
			"GET", restBase + "/drop?path=%2Falice%2Fx", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var params Params
			if tc.op.Params != nil {
				params = Params{}
				for k, v := range tc.op.Params {
					params[k] = v
				}
			}
			req, err := cfg.BuildOp(tc.op)
			require.NoError(t, err)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			assert.Equal(t, tc.body, string(req.Body))
			assert.Equal(t, params, tc.op.Params, "the op's params are not modified")
		})
	}
}

// Op.Updates carry an update's or an updateMany's objects.
func TestBuildOpUpdates(t *testing.T) {
	cfg := testConfig()
	model := func(s string) Update { return Update{Model: []byte(s)} }
	tests := []struct {
		name   string
		op     Op
		method string
		url    string
		body   string
	}{
		{"update", Op{Service: "flow", Name: OpUpdate, Updates: []Update{model(`{"id":"f1","a":1}`)}},
			"PUT", restBase + "/flow/f1", `{"id":"f1","a":1}`},
		{"update with a diff", Op{Service: "flow", Name: OpUpdate, Updates: []Update{{Model: []byte(`{"id":"f1","a":1}`), Diff: []byte(`{"a":2}`)}}},
			"PUT", restBase + "/flow/f1", `{"a":2}`},
		{"update a drop", Op{Service: "drop", FlowID: "f1", Name: OpUpdate, Updates: []Update{model(`{"id":"d/1"}`)}},
			"PUT", restBase + "/drop/f1/d%2F1", `{"id":"d/1"}`},
		{"updateMany", Op{Service: "track", Name: OpUpdateMany, Updates: []Update{model(`{"id":"t1"}`), {Model: []byte(`{"id":"t2"}`), Diff: []byte(`{"x" : 1}`)}}},
			"MPUT", restBase + "/track", `{"t1":{"id":"t1"},"t2":{"x":1}}`},
		{"updateMany of none", Op{Service: "track", Name: OpUpdateMany, Updates: []Update{}}, "MPUT", restBase + "/track", `{}`},
		{"updateMany drops", Op{Service: "drop", FlowID: "f1", Name: OpUpdateMany, Updates: []Update{model(`{"id":"d1"}`)}},
			"MPUT", restBase + "/drop/f1", `{"d1":{"id":"d1"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := cfg.BuildOp(tc.op)
			require.NoError(t, err)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
}

func TestBuildOpRejectsPathAndUpdates(t *testing.T) {
	cfg := testConfig()
	one := []Update{{Model: []byte(`{"id":"x"}`)}}
	tests := []struct {
		name        string
		op          Op
		unsupported bool
		field       string
		reason      string
	}{
		// Path.
		{name: "path on read", op: Op{Service: "drop", Name: OpRead, Path: "/a/x", ID: "d"}, field: "path", reason: "by id, not by path"},
		{name: "path on readMany", op: Op{Service: "drop", Name: OpReadMany, Path: "/a/x", IDs: []string{"d"}}, field: "path"},
		{name: "path on update", op: Op{Service: "drop", Name: OpUpdate, Path: "/a/x", ID: "d", Body: []byte(`{}`)}, field: "path"},
		{name: "path on updateMany", op: Op{Service: "drop", Name: OpUpdateMany, Path: "/a/x", Body: []byte(`{}`)}, field: "path"},
		{name: "path on delete", op: Op{Service: "drop", Name: OpDelete, Path: "/a/x", ID: "d"}, field: "path"},
		{name: "path on deleteAll", op: Op{Service: "drop", Name: OpDeleteAll, Path: "/a/x"}, field: "path"},
		{name: "path on aggregate", op: Op{Service: "drop", Name: OpAggregate, Path: "/a/x", Body: []byte(`{}`)}, field: "path"},
		{name: "path on statistics", op: Op{Service: "statistics", Name: OpStatistics, Stat: StatTrackHit, ID: "t", Path: "/a/x"}, field: "path"},
		{name: "flowId and path", op: Op{Service: "drop", Name: OpCreate, FlowID: "f1", Path: "/a/x", Body: []byte(`{}`)},
			field: "path", reason: "not both"},
		{name: "flowId and path find", op: Op{Service: "drop", Name: OpFindMany, FlowID: "f1", Path: "/a/x"}, field: "path", reason: "not both"},
		{name: "path on a flow", op: Op{Service: "flow", Name: OpCreate, Path: "/a/x", Body: []byte(`{}`)},
			field: "flowId", reason: "only drops"},
		{name: "path on a track find", op: Op{Service: "track", Name: OpFindMany, Path: "/a/x"}, field: "flowId"},
		{name: "relative path", op: Op{Service: "drop", Name: OpCreate, Path: "a/x", Body: []byte(`{}`)}, field: "path", reason: "looks like"},
		{name: "root path", op: Op{Service: "drop", Name: OpFindMany, Path: "/"}, field: "path"},
		{name: "create by path without body", op: Op{Service: "drop", Name: OpCreate, Path: "/a/x"}, field: "body"},
		{name: "create by path with array", op: Op{Service: "drop", Name: OpCreate, Path: "/a/x", Body: []byte(`[]`)}, field: "body"},

		// Updates.
		{name: "updates on create", op: Op{Service: "flow", Name: OpCreate, Updates: one, Body: []byte(`{}`)}, field: "updates"},
		{name: "updates on read", op: Op{Service: "flow", Name: OpRead, ID: "x", Updates: one}, field: "updates"},
		{name: "updates on delete", op: Op{Service: "flow", Name: OpDelete, ID: "x", Updates: one}, field: "updates"},
		{name: "empty updates on findMany", op: Op{Service: "flow", Name: OpFindMany, Updates: []Update{}}, field: "updates"},
		{name: "update of two", op: Op{Service: "flow", Name: OpUpdate, Updates: append(one, one...)}, field: "updates", reason: "one update"},
		{name: "update of none", op: Op{Service: "flow", Name: OpUpdate, Updates: []Update{}}, field: "updates"},
		{name: "update with updates and id", op: Op{Service: "flow", Name: OpUpdate, ID: "x", Updates: one}, field: "updates"},
		{name: "update with updates and body", op: Op{Service: "flow", Name: OpUpdate, Body: []byte(`{}`), Updates: one}, field: "updates"},
		{name: "update with a bad model", op: Op{Service: "flow", Name: OpUpdate, Updates: []Update{{Model: []byte(`[]`)}}}, field: "model"},
		{name: "update without id", op: Op{Service: "flow", Name: OpUpdate, Updates: []Update{{Model: []byte(`{}`)}}}, field: "id"},
		{name: "update with a dot id", op: Op{Service: "flow", Name: OpUpdate, Updates: []Update{{Model: []byte(`{"id":".."}`)}}},
			field: "id", reason: "dot segment"},
		{name: "update with a bad diff", op: Op{Service: "flow", Name: OpUpdate, Updates: []Update{{Model: []byte(`{"id":"x"}`), Diff: []byte(`[]`)}}},
			field: "body"},
		{name: "updateMany with updates and body", op: Op{Service: "flow", Name: OpUpdateMany, Body: []byte(`{}`), Updates: one},
			field: "body", reason: "not both"},
		{name: "updateMany duplicate", op: Op{Service: "flow", Name: OpUpdateMany, Updates: append(one, one...)},
			field: "models[1]", reason: "appears twice"},
		{name: "updateMany bad model", op: Op{Service: "flow", Name: OpUpdateMany, Updates: []Update{{Model: []byte(`1`)}}},
			field: "models[0]"},
		{name: "updateMany with an id", op: Op{Service: "flow", Name: OpUpdateMany, ID: "x", Updates: one}, field: "id"},
		{name: "updateMany raw body of non-objects", op: Op{Service: "flow", Name: OpUpdateMany, Body: []byte(`{"a":{},"b":[]}`)},
			field: "models", reason: `"b"`},
		{name: "updateMany raw array", op: Op{Service: "flow", Name: OpUpdateMany, Body: []byte(`[]`)}, field: "body"},
		{name: "updateMany without anything", op: Op{Service: "flow", Name: OpUpdateMany}, field: "body"},
		{name: "token update with updates", op: Op{Service: "token", Name: OpUpdate, Updates: one}, unsupported: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			call, err := tc.op.Call()
			require.Error(t, err)
			assert.Equal(t, Call{}, call)
			_, err2 := cfg.BuildOp(tc.op)
			assert.Equal(t, err, err2, "BuildOp fails as Call does")
			if tc.unsupported {
				var u *UnsupportedError
				require.ErrorAs(t, err, &u)
				return
			}
			var in *InputError
			require.ErrorAs(t, err, &in)
			assert.Equal(t, tc.field, in.Field, in.Error())
			assert.Contains(t, in.Reason, tc.reason)
		})
	}
}
