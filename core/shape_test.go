package core

import (
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireInputError asserts that err is an *InputError of field whose
// reason contains reason, and returns it.
func requireInputError(t *testing.T, err error, field, reason string) *InputError {
	t.Helper()
	var in *InputError
	require.ErrorAs(t, err, &in)
	assert.Equal(t, field, in.Field, in.Error())
	assert.Contains(t, in.Reason, reason)
	return in
}

func TestUpdateTarget(t *testing.T) {
	tests := []struct {
		name        string
		update      Update
		id, body    string
		field, want string // an InputError's field and part of its reason
	}{
		{name: "model", update: Update{Model: []byte(`{"id":"d1","a":1}`)}, id: "d1", body: `{"id":"d1","a":1}`},
		{name: "model kept as it is", update: Update{Model: []byte(" {\"a\" : 1, \"id\" : \"d1\"}\n")},
			id: "d1", body: " {\"a\" : 1, \"id\" : \"d1\"}\n"},
		{name: "diff", update: Update{Model: []byte(`{"id":"d1","a":1}`), Diff: []byte(`{"a":2}`)}, id: "d1", body: `{"a":2}`},
		{name: "empty diff object", update: Update{Model: []byte(`{"id":"d1"}`), Diff: []byte(`{}`)}, id: "d1", body: `{}`},
		{name: "escaped id", update: Update{Model: []byte(`{"id":"a\u002fb\"c"}`)}, id: `a/b"c`, body: `{"id":"a\u002fb\"c"}`},
		{name: "first id wins", update: Update{Model: []byte(`{"id":"x","id":"y"}`)}, id: "x", body: `{"id":"x","id":"y"}`},
		{name: "nested id is not the id", update: Update{Model: []byte(`{"elems":{"id":"x"}}`)}, field: "id", want: `no string "id"`},

		{name: "nil model", update: Update{}, field: "model", want: "not a JSON object"},
		{name: "broken model", update: Update{Model: []byte(`{"id":`)}, field: "model", want: "not a JSON object"},
		{name: "array model", update: Update{Model: []byte(`[{"id":"x"}]`)}, field: "model", want: "not a JSON object"},
		{name: "string model", update: Update{Model: []byte(`"x"`)}, field: "model", want: "not a JSON object"},
		{name: "no id", update: Update{Model: []byte(`{"a":1}`)}, field: "id", want: `no string "id"`},
		{name: "number id", update: Update{Model: []byte(`{"id":7}`)}, field: "id", want: `no string "id"`},
		{name: "empty id", update: Update{Model: []byte(`{"id":""}`)}, field: "id", want: `no string "id"`},
		{name: "null id", update: Update{Model: []byte(`{"id":null}`)}, field: "id", want: `no string "id"`},
		{name: "broken diff", update: Update{Model: []byte(`{"id":"d1"}`), Diff: []byte(`{"a":`)}, field: "body", want: "not valid JSON"},
		{name: "array diff", update: Update{Model: []byte(`{"id":"d1"}`), Diff: []byte(`[]`)}, field: "body", want: "must be a JSON object"},
		{name: "empty diff", update: Update{Model: []byte(`{"id":"d1"}`), Diff: []byte{}}, field: "body", want: "got nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, body, err := tc.update.Target()
			if tc.field != "" {
				requireInputError(t, err, tc.field, tc.want)
				assert.Empty(t, id)
				assert.Nil(t, body)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.id, id)
			assert.Equal(t, tc.body, string(body))
		})
	}
}

func TestUpdateManyBody(t *testing.T) {
	u := func(model string, diff ...string) Update {
		up := Update{Model: []byte(model)}
		if len(diff) > 0 {
			up.Diff = []byte(diff[0])
		}
		return up
	}
	tests := []struct {
		name    string
		updates []Update
		want    string
		field   string
		reason  string
	}{
		{name: "none", updates: []Update{}, want: `{}`},
		{name: "one", updates: []Update{u(`{"id":"d1","a":1}`)}, want: `{"d1":{"id":"d1","a":1}}`},
		{name: "models and diffs, compacted, in order",
			updates: []Update{u(` { "id" : "d2", "a" : [1, 2] } `), u(`{"id":"d1"}`, ` {"b" : "x y"} `)},
			want:    `{"d2":{"id":"d2","a":[1,2]},"d1":{"b":"x y"}}`},
		{name: "ids escaped as keys", updates: []Update{u(`{"id":"a\"b\\c\u00e9"}`, `{}`)}, want: `{"a\"b\\cé":{}}`},
		{name: "duplicate id", updates: []Update{u(`{"id":"d1"}`), u(`{"id":"d2"}`), u(`{"id":"d1"}`, `{}`)},
			field: "models[2]", reason: `id "d1" appears twice`},
		{name: "duplicate id spelt differently", updates: []Update{u(`{"id":"d1"}`), u(`{"id":"\u00641"}`)},
			field: "models[1]", reason: `id "d1" appears twice`},
		{name: "bad model", updates: []Update{u(`{"id":"d1"}`), u(`[]`)}, field: "models[1]", reason: "model is not a JSON object"},
		{name: "model without id", updates: []Update{u(`{"a":1}`)}, field: "models[0]", reason: `id the model has no string "id" member`},
		{name: "bad diff", updates: []Update{u(`{"id":"d1"}`, `1`)}, field: "models[0]", reason: "body must be a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := updateManyBody(tc.updates)
			if tc.field != "" {
				in := requireInputError(t, err, tc.field, tc.reason)
				assert.Nil(t, body)
				if strings.Contains(tc.name, "bad") || strings.Contains(tc.name, "without") {
					var inner *InputError
					require.ErrorAs(t, in.Err, &inner, "the model's own error is wrapped")
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(body))
			assert.JSONEq(t, tc.want, string(body))
		})
	}
}

func TestCheckUpdateMap(t *testing.T) {
	for body, bad := range map[string]string{
		`{}`:                          "",
		` { } `:                       "",
		`{"a":{},"b":{"x":1}}`:        "",
		`{"a":{},"b":1}`:              `"b" is not one`,
		`{"a":[]}`:                    `"a" is not one`,
		`{"a\"b":"x"}`:                `"a\"b" is not one`,
		`{"a":null,"b":"also wrong"}`: `"a" is not one`,
	} {
		err := checkUpdateMap([]byte(body))
		if bad == "" {
			assert.NoError(t, err, body)
			continue
		}
		requireInputError(t, err, "models", bad)
	}
}

func TestWithMember(t *testing.T) {
	tests := []struct{ name, obj, value, want string }{
		{"empty", `{}`, "/a/b", `{"path":"/a/b"}`},
		{"empty with spaces", " {\n} ", "/a/b", `{"path":"/a/b"}`},
		{"first", `{"elems":{"x":1}}`, "/a/b", `{"path":"/a/b","elems":{"x":1}}`},
		{"replaces", `{"a":1,"path":"/old","b":2}`, "/new", `{"path":"/new","a":1,"b":2}`},
		{"replaces every one", `{"path":"/1","path":"/2"}`, "/new", `{"path":"/new"}`},
		{"replaces an escaped name", `{"p\u0061th":"/old","x":true}`, "/new", `{"path":"/new","x":true}`},
		{"replaces a non-string", `{"path":{"x":1}}`, "/new", `{"path":"/new"}`},
		{"keeps members byte-exact", ` { "b" : [1, 2] , "c\u00e9" :"p\"q" ,"d":{ "path" : 1 }} `, "/x",
			`{"path":"/x","b":[1, 2],"c\u00e9":"p\"q","d":{ "path" : 1 }}`},
		{"keeps a similar name", `{"Path":1,"path ":2}`, "/x", `{"path":"/x","Path":1,"path ":2}`},
		{"escapes the value", `{}`, "/a/\"b\"\n", `{"path":"/a/\"b\"\n"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(withMember([]byte(tc.obj), "path", tc.value))
			assert.Equal(t, tc.want, got)
			v, ok := parseJSON([]byte(got))
			require.True(t, ok, "valid JSON")
			s, _ := jsonText(jsonMember(v, "path"))
			assert.Equal(t, tc.value, s)
		})
	}
}

func TestParamsWithFilters(t *testing.T) {
	hot := filter.M("elems", "temp").Gt(30)
	tests := []struct {
		name    string
		params  Params
		filters []any
		want    string // the encoded query
	}{
		{"no filters, nil params", nil, nil, ""},
		{"no filters", Params{"limit": 2}, nil, "limit=2"},
		{"one string", nil, []any{"a == 1"}, "filter=a%20%3D%3D%201"},
		{"one expression", Params{"limit": 2}, []any{hot}, "filter=elems.temp%20%3E%2030&limit=2"},
		{"after the existing filter", Params{"filter": "x == 1"}, []any{"y == 2", hot},
			"filter=" + escapeSegment("(x == 1) && (y == 2) && (elems.temp > 30)")},
		{"after an existing list", Params{"filter": []string{"x == 1", "z == 3"}}, []any{"y == 2"},
			"filter=" + escapeSegment("((x == 1) && (z == 3)) && (y == 2)")},
		{"nil existing filter", Params{"filter": nil}, []any{"y == 2"}, "filter=" + escapeSegment("y == 2")},
		{"empty strings skipped", nil, []any{"", "y == 2", nil}, "filter=" + escapeSegment("y == 2")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := Params{}
			for k, v := range tc.params {
				before[k] = v
			}
			got := tc.params.WithFilters(tc.filters...)
			q, err := got.Encode()
			require.NoError(t, err)
			assert.Equal(t, tc.want, q)
			assert.Equal(t, len(before), len(tc.params), "p is not modified")
			for k, v := range before {
				assert.Equal(t, v, tc.params[k], "p is not modified")
			}
		})
	}
	// A bad filter is reported when the params are encoded.
	_, err := Params{}.WithFilters(filter.M("a").Gt(struct{}{})).Encode()
	requireInputError(t, err, "filter", "")
	assert.ErrorIs(t, err, filter.ErrInvalid)
}

func TestStatOptionsOp(t *testing.T) {
	base := Op{Service: ServiceStatistics, Name: OpStatistics, Stat: StatTrackHit, ID: "t1"}
	tests := []struct {
		name  string
		opts  StatOptions
		date  []int
		param Params
		url   string
		field string
	}{
		{name: "default period", url: restBase + "/statistics/trackHit/t1"},
		{name: "year", opts: StatOptions{Year: 2015}, date: []int{2015}, url: restBase + "/statistics/trackHit/t1/2015"},
		{name: "month", opts: StatOptions{Year: 2015, Month: 2}, date: []int{2015, 2}, url: restBase + "/statistics/trackHit/t1/2015/2"},
		{name: "day", opts: StatOptions{Year: 2015, Month: 2, Day: 28}, date: []int{2015, 2, 28},
			url: restBase + "/statistics/trackHit/t1/2015/2/28"},
		{name: "level", opts: StatOptions{Year: 2015, Level: "DAY"}, date: []int{2015}, param: Params{"level": "DAY"},
			url: restBase + "/statistics/trackHit/t1/2015?level=DAY"},
		{name: "level over params", opts: StatOptions{Level: "hour", Params: Params{"level": "YEAR", "tz": "UTC"}},
			param: Params{"level": "hour", "tz": "UTC"}, url: restBase + "/statistics/trackHit/t1?level=hour&tz=UTC"},
		{name: "params", opts: StatOptions{Params: Params{"tz": "UTC"}}, param: Params{"tz": "UTC"},
			url: restBase + "/statistics/trackHit/t1?tz=UTC"},
		{name: "day without month", opts: StatOptions{Year: 2015, Day: 3}, field: "day"},
		{name: "day alone", opts: StatOptions{Day: 3}, field: "day"},
		{name: "month without year", opts: StatOptions{Month: 3}, field: "month"},
		{name: "month and day without year", opts: StatOptions{Month: 3, Day: 1}, field: "month"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var orig Params
			if tc.opts.Params != nil {
				orig = Params{}
				for k, v := range tc.opts.Params {
					orig[k] = v
				}
			}
			op, err := tc.opts.Op(StatTrackHit, "t1")
			if tc.field != "" {
				requireInputError(t, err, tc.field, "needs a")
				assert.Equal(t, Op{}, op)
				return
			}
			require.NoError(t, err)
			want := base
			want.Date, want.Params = tc.date, tc.param
			assert.Equal(t, want, op)
			assert.Equal(t, orig, tc.opts.Params, "the options' params are not modified")
			req, err := testConfig().BuildOp(op)
			require.NoError(t, err)
			assert.Equal(t, tc.url, req.URL)
		})
	}
	// The range checks are BuildOp's.
	op, err := StatOptions{Year: 2015, Month: 13}.Op(StatFlowDropAdded, "f1")
	require.NoError(t, err)
	_, err = testConfig().BuildOp(op)
	requireInputError(t, err, "month", "out of range")
}

func TestNewRawCall(t *testing.T) {
	tests := []struct {
		name, method, path string
		body               string
		params             Params
		wantPath, wantURL  string
		field, reason      string
	}{
		{name: "get", method: "GET", path: "/flow/f1/description", wantPath: "/flow/f1/description",
			wantURL: restBase + "/flow/f1/description"},
		{name: "custom method and body", method: "MPUT", path: "/drop/f1", body: ` {"d1":{}} `, wantPath: "/drop/f1"},
		{name: "lower-case method", method: "post", path: "/track", body: `[1]`, wantPath: "/track"},
		{name: "any JSON body", method: "DELETE", path: "/x", body: `"y"`, wantPath: "/x"},
		{name: "params", method: "GET", path: "/flow", params: Params{"limit": 3, "refs": true}, wantPath: "/flow",
			wantURL: restBase + "/flow?limit=3&refs=1"},
		{name: "segments escaped one by one", method: "GET", path: "/drop/a b/c?d#e&f", wantPath: "/drop/a%20b/c%3Fd%23e%26f",
			wantURL: restBase + "/drop/a%20b/c%3Fd%23e%26f"},
		{name: "ids are not unescaped", method: "GET", path: "/flow/%2e%2e", wantPath: "/flow/%252e%252e"},
		{name: "dots inside a segment", method: "GET", path: "/flow/.x/x./...", wantPath: "/flow/.x/x./..."},
		{name: "unicode", method: "GET", path: "/flow/é", wantPath: "/flow/%C3%A9"},

		{name: "empty method", method: "", path: "/flow", field: "method"},
		{name: "method with space", method: "GET /x", path: "/flow", field: "method"},
		{name: "method with dash", method: "M-GET", path: "/flow", field: "method"},
		{name: "method with newline", method: "GET\n", path: "/flow", field: "method"},
		{name: "method with digit", method: "GET2", path: "/flow", field: "method"},
		{name: "non-ASCII method", method: "GÉT", path: "/flow", field: "method"},
		{name: "relative path", method: "GET", path: "flow/f1", field: "path", reason: `must start with "/"`},
		{name: "empty path", method: "GET", path: "", field: "path", reason: `must start with "/"`},
		{name: "root", method: "GET", path: "/", field: "id", reason: "must not be empty"},
		{name: "empty segment", method: "GET", path: "/flow//f1", field: "id", reason: "must not be empty"},
		{name: "trailing slash", method: "GET", path: "/flow/", field: "id", reason: "must not be empty"},
		{name: "dot segment", method: "GET", path: "/flow/./f1", field: "id", reason: "dot segment"},
		{name: "dotdot segment", method: "GET", path: "/flow/../../bob/flow", field: "id", reason: "dot segment"},
		{name: "broken body", method: "POST", path: "/flow", body: `{"a":`, field: "body", reason: "not valid JSON"},
		{name: "two bodies", method: "POST", path: "/flow", body: `{} {}`, field: "body", reason: "not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			call, err := NewRawCall(tc.method, tc.path, body, tc.params)
			if tc.field != "" {
				requireInputError(t, err, tc.field, tc.reason)
				assert.Equal(t, Call{}, call)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, Call{Method: tc.method, Path: tc.wantPath, Params: tc.params, Body: body}, call)
			req, err := testConfig().NewRequest(call)
			require.NoError(t, err)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.wantPath, req.Path)
			if tc.wantURL != "" {
				assert.Equal(t, tc.wantURL, req.URL)
			}
			assert.Equal(t, body != nil, hasHeader(req, "Content-Type"))
		})
	}
	// An empty body is no body.
	call, err := NewRawCall("GET", "/flow", []byte{}, nil)
	require.NoError(t, err)
	assert.Nil(t, call.Body)
}

func hasHeader(req Request, name string) bool {
	for _, h := range req.Header {
		if h.Name == name {
			return true
		}
	}
	return false
}

func TestNewWSHostRequest(t *testing.T) {
	call, err := NewRawCall("GET", "/session/s 1/info", nil, Params{"limit": 1})
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  Config
		call Call
		url  string
	}{
		{"the REST host by default", Config{Account: "alice", Token: testToken, Host: "api.test"}, call,
			"https://api.test/session/s%201/info?limit=1"},
		{"insecure", Config{Account: "alice", Token: testToken, Host: "127.0.0.1:4000", Insecure: true}, call,
			"http://127.0.0.1:4000/session/s%201/info?limit=1"},
		{"no namespace, no version in the URL", Config{Account: "alice", Token: testToken, Namespace: "bob", Version: "4.0",
			Host: "api.test", WSHost: "ws.test"}, call, "https://ws.test/session/s%201/info?limit=1"},
		{"config params merged", Config{Account: "alice", Token: testToken, Host: "api.test", WSHost: "ws.test", Params: Params{"limit": 9, "hints": false}},
			call, "https://ws.test/session/s%201/info?hints=false&limit=1"},
		{"body", Config{Account: "alice", Token: testToken, Host: "api.test", WSHost: "ws.test"},
			Call{Method: "POST", Path: "/session", Body: []byte(`{}`)}, "https://ws.test/session"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := tc.cfg.NewWSHostRequest(tc.call)
			require.NoError(t, err)
			assert.Equal(t, tc.call.Method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			assert.Equal(t, tc.call.Path, req.Path)
			assert.Equal(t, "alice", req.Account, "the token's account, not the namespace")
			assert.Equal(t, tc.call.Body, req.Body)
			want := []Header{{"X-Auth-Token", testToken}, {"X-Auth-Account", "alice"}, {"Accept", "application/json"}}
			if tc.call.Body != nil {
				want = append(want, Header{"Content-Type", "application/json"})
			}
			assert.Equal(t, want, req.Header)
			assert.NotContains(t, req.URL, testToken)
		})
	}
	// The same headers as the session request.
	cfg := testConfig()
	session, err := cfg.NewSessionRequest()
	require.NoError(t, err)
	req, err := cfg.NewWSHostRequest(Call{Method: "POST", Path: "/session"})
	require.NoError(t, err)
	assert.Equal(t, session.Header, req.Header)
	assert.Equal(t, session.URL, req.URL)

	for _, bad := range []Config{{Account: "alice"}, {Account: "alice", Token: "t", WSHost: "h/x"}, {Account: "..", Token: "t"}} {
		_, err := bad.NewWSHostRequest(call)
		assert.Error(t, err)
	}
	_, err = cfg.NewWSHostRequest(Call{Method: "GET", Path: "/x", Params: Params{"x": struct{}{}}})
	requireInputError(t, err, "param x", "unsupported")
}

func TestMalformedBodyError(t *testing.T) {
	req, err := testConfig().BuildOp(Op{Service: ServiceFlow, Name: OpFindMany})
	require.NoError(t, err)
	tests := []struct {
		name, data, excerpt string
	}{
		{"plain", `{"id":"f1"}`, `{"id":"f1"}`},
		{"token", `{"token":"` + testToken + `"}`, `{"token":"[redacted]"}`},
		{"token twice", testToken + testToken, "[redacted][redacted]"},
		{"empty", "", ""},
		{"long, token at the cut", strings.Repeat("x", excerptLen-5) + testToken, strings.Repeat("x", excerptLen-5) + "[reda"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := MalformedBodyError(req, 200, "expected a list", []byte(tc.data))
			var mal *MalformedResponseError
			require.ErrorAs(t, err, &mal)
			assert.Equal(t, MalformedResponseError{Status: 200, Method: "GET", Path: "/flow", Reason: "expected a list",
				Excerpt: tc.excerpt}, *mal)
			assert.Equal(t, KindMalformed, KindOf(err))
			assert.NotContains(t, err.Error(), testToken)
			for i := 4; i <= len(testToken); i++ {
				assert.NotContains(t, mal.Excerpt, testToken[:i], "no prefix of the token survives")
			}
		})
	}
	// Without a token header there is nothing to redact.
	err = MalformedBodyError(Request{Method: "GET", Path: "/x"}, 201, "r", []byte("abc"))
	assert.Equal(t, "flowthings: GET /x: status 201: malformed response: r: \"abc\"", err.Error())
}
