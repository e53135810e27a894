package flowthings

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
)

type wireCase struct {
	name   string
	call   func(ctx context.Context, s *Service) (any, error)
	method string
	path   string // below the service path
	query  string
	body   string // exact bytes; "" = no body
	resp   string // body of the answer
	update bool   // an update: immutable services refuse it
}

func wireCases() []wireCase {
	obj := `{"id":"x1","path":"/alice/x"}`
	many := `{"x1":{"id":"x1"},"x2":{"id":"x2"}}`
	list := `[{"id":"x1"}]`
	return []wireCase{
		{name: "Read", method: "GET", path: "/x1", query: "only=id%2Cpath&refs=1", resp: obj,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Read(ctx, "x1", core.Params{"only": []string{"id", "path"}, "refs": true}))
			}},
		{name: "ReadOrElse", method: "GET", path: "/x1", resp: obj,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.ReadOrElse(ctx, "x1", Object{"default": true}, nil))
			}},
		{name: "ReadMany", method: "MGET", path: "", body: `["x1","x2"]`, resp: many,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.ReadMany(ctx, []string{"x1", "x2"}, nil))
			}},
		{name: "ReadMany/none", method: "MGET", path: "", body: `[]`, resp: `{}`,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.ReadMany(ctx, nil, nil))
			}},
		{name: "FindMany", method: "GET", path: "", query: "filter=%28a%20%3D%3D%201%29%20%26%26%20%28b%20%3E%202%29&limit=5", resp: list,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.FindMany(ctx, core.Params{"limit": 5}, "a == 1", "b > 2"))
			}},
		{name: "FindMany/no filter", method: "GET", path: "", resp: `[]`,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.FindMany(ctx, nil))
			}},
		{name: "Create", method: "POST", path: "", body: `{"description":"a<b","path":"/alice/x"}`, resp: obj,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Create(ctx, Object{"path": "/alice/x", "description": "a<b"}, nil))
			}},
		{name: "Create/raw", method: "POST", path: "", body: `{"path":"/alice/x"}`, resp: obj,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Create(ctx, json.RawMessage(`{"path":"/alice/x"}`), nil))
			}},
		{name: "Update/object", method: "PUT", path: "/x1", body: `{"description":"d","id":"x1"}`, resp: obj, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Update(ctx, Object{"id": "x1", "description": "d"}, nil))
			}},
		{name: "Update/modification", method: "PUT", path: "/x1", body: `{"description":"new"}`, resp: obj, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Update(ctx, M(Object{"id": "x1", "description": "old", "capacity": 5}).Modify("description", "new"), nil))
			}},
		{name: "UpdateMany", method: "MPUT", path: "", body: `{"x1":{"a":1},"x2":{"b":2,"id":"x2"}}`, resp: many, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.UpdateMany(ctx, []any{M(Object{"id": "x1", "z": 0}, Object{"a": 1}), Object{"id": "x2", "b": 2}}, nil))
			}},
		{name: "UpdateMany/map", method: "MPUT", path: "", body: `{"x1":{"a":1}}`, resp: many, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.UpdateMany(ctx, map[string]Object{"x1": {"a": 1}}, nil))
			}},
		{name: "Save/with id", method: "PUT", path: "/x1", body: `{"a":1,"id":"x1"}`, resp: obj, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Save(ctx, Object{"id": "x1", "a": 1}, nil))
			}},
		{name: "Save/modification", method: "PUT", path: "/x1", body: `{"a":2}`, resp: obj, update: true,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Save(ctx, M(Object{"id": "x1", "a": 1}, Object{"a": 2}), nil))
			}},
		{name: "Save/new", method: "POST", path: "", body: `{"a":1}`, resp: obj,
			call: func(ctx context.Context, s *Service) (any, error) {
				return Result(s.Save(ctx, Object{"a": 1}, nil))
			}},
		{name: "Delete", method: "DELETE", path: "/x1", resp: `{}`,
			call: func(ctx context.Context, s *Service) (any, error) {
				return s.Delete(ctx, "x1", nil, nil)
			}},
		{name: "Delete/body", method: "DELETE", path: "/x1", body: `{"why":"test"}`, resp: `{}`,
			call: func(ctx context.Context, s *Service) (any, error) {
				return s.Delete(ctx, "x1", Object{"why": "test"}, nil)
			}},
	}
}

// TestWireShape checks method, URL, query, body and headers of every method
// of every service.
func TestWireShape(t *testing.T) {
	t.Parallel()
	services := []struct {
		path      string
		immutable bool
		get       func(c *Client) *Service
	}{
		{"/flow", false, func(c *Client) *Service { return c.Flow.Objects() }},
		{"/track", false, func(c *Client) *Service { return c.Track.Objects() }},
		{"/group", false, func(c *Client) *Service { return c.Group.Objects() }},
		{"/identity", false, func(c *Client) *Service { return c.Identity.Objects() }},
		{"/api-task", false, func(c *Client) *Service { return c.APITask.Objects() }},
		{"/mqtt", false, func(c *Client) *Service { return c.MQTT.Objects() }},
		{"/rss", false, func(c *Client) *Service { return c.RSS.Objects() }},
		{"/device", false, func(c *Client) *Service { return c.Device.Objects() }},
		{"/token", true, func(c *Client) *Service { return c.Token.Objects() }},
		{"/share", true, func(c *Client) *Service { return c.Share.Objects() }},
		{"/drop/f0123", false, func(c *Client) *Service { return c.Drop("f0123").Objects() }},
	}
	ctx := t.Context()
	for _, svc := range services {
		for _, tc := range wireCases() {
			t.Run(svc.path+"/"+tc.name, func(t *testing.T) {
				c, rec := newTestClient(t, answerWith(200, tc.resp))
				got, err := tc.call(ctx, svc.get(c))
				if svc.immutable && tc.update {
					var unsupported *core.UnsupportedError
					require.ErrorAs(t, err, &unsupported)
					assert.Empty(t, rec.requests(), "an immutable update must not do any I/O")
					return
				}
				require.NoError(t, err)
				assert.NotNil(t, got)
				reqs := rec.requests()
				require.Len(t, reqs, 1)
				req := reqs[0]
				assert.Equal(t, tc.method, req.Method)
				want := restBase + svc.path + tc.path
				if tc.query != "" {
					want += "?" + tc.query
				}
				assert.Equal(t, want, req.URL)
				assert.Equal(t, svc.path+tc.path, req.Path)
				assert.Equal(t, testAccount, req.Account)
				assert.Equal(t, tc.body, string(req.Body))
				tok, _ := headerOf(req, "X-Auth-Token")
				assert.Equal(t, testToken, tok)
				acct, _ := headerOf(req, "X-Auth-Account")
				assert.Equal(t, testAccount, acct)
				ct, hasCT := headerOf(req, "Content-Type")
				assert.Equal(t, tc.body != "", hasCT, "Content-Type only with a body")
				if hasCT {
					assert.Equal(t, "application/json", ct)
				}
			})
		}
	}
}

func TestWireShapeDropExtras(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name   string
		call   func(c *Client) (any, error)
		method string
		url    string
		body   string
		resp   string
	}{
		{"DeleteAll", func(c *Client) (any, error) { return c.Drop("f1").DeleteAll(ctx, nil) },
			"DELETE", restBase + "/drop/f1", "", `{}`},
		{"Aggregate", func(c *Client) (any, error) {
			return Result(c.Drop("f1").Aggregate(ctx, core.Aggregation{
				Output:  []string{"$count", "$avg:elems.temp"},
				GroupBy: []string{"$month"},
				Filter:  "EXISTS elems.temp",
				Rules:   map[string]any{"hot": "elems.temp > 50", "cold": "elems.temp < 0"},
				Sorts:   []string{"$count:desc"},
			}, nil))
		}, "POST", restBase + "/drop/f1/aggregate",
			`{"output":["$count","$avg:elems.temp"],"groupBy":["$month"],"filter":"EXISTS elems.temp","rules":{"cold":"elems.temp < 0","hot":"elems.temp > 50"},"sorts":["$count:desc"]}`,
			`[{"$month":1,"$count":3}]`},
		{"Aggregate/filter expressions", func(c *Client) (any, error) {
			return Result(c.Drop("f1").Aggregate(ctx, core.Aggregation{
				Output: []string{"$avg:hot"},
				Filter: filter.Exists(filter.M("elems", "temp")),
				Rules:  map[string]any{"hot": filter.M("elems", "temp").Gt(50), "near": filter.M("location").Within(20, filter.Miles).Of(40.7, -73.9)},
			}, nil))
		}, "POST", restBase + "/drop/f1/aggregate",
			`{"output":["$avg:hot"],"groupBy":[],"filter":"EXISTS elems.temp","rules":{"hot":"elems.temp > 50","near":"location WITHIN 20 MILES OF [40.7,-73.9]"}}`,
			`[]`},
		{"Aggregate/minimal", func(c *Client) (any, error) {
			return Result(c.Drop("f1").Aggregate(ctx, core.Aggregation{Output: []string{"$count"}}, nil))
		}, "POST", restBase + "/drop/f1/aggregate", `{"output":["$count"],"groupBy":[]}`, `[]`},
		{"DropPath/Create", func(c *Client) (any, error) {
			return Result(c.DropPath("/alice/x").Create(ctx, &Drop{Elems: Elems{"a": 1}}, nil))
		}, "POST", restBase + "/drop", `{"path":"/alice/x","elems":{"a":1}}`, `{"id":"d1"}`},
		{"DropPath/FindMany", func(c *Client) (any, error) {
			return Result(c.DropPath("/alice/x").FindMany(ctx, core.Params{"limit": 1}, "a == 1"))
		}, "GET", restBase + "/drop?filter=a%20%3D%3D%201&limit=1&path=%2Falice%2Fx", "", `[]`},
		{"Statistics/FlowDropAdded", func(c *Client) (any, error) {
			return Result(c.Statistics.FlowDropAdded(ctx, "f1", core.StatOptions{Year: 2015, Level: "MONTH"}))
		}, "GET", restBase + "/statistics/flowDropAdded/f1/2015?level=MONTH", "", `[1,2,3]`},
		{"Statistics/FlowTracked", func(c *Client) (any, error) {
			return Result(c.Statistics.FlowTracked(ctx, "f1", core.StatOptions{}))
		}, "GET", restBase + "/statistics/flowTracked/f1", "", `[0]`},
		{"Statistics/TrackHit", func(c *Client) (any, error) {
			return Result(c.Statistics.TrackHit(ctx, "t1", core.StatOptions{Year: 2015, Month: 2}))
		}, "GET", restBase + "/statistics/trackHit/t1/2015/2", "", `[0]`},
		{"Statistics/TrackPass", func(c *Client) (any, error) {
			return Result(c.Statistics.TrackPass(ctx, "t1", core.StatOptions{Year: 2015, Month: 2, Day: 3, Level: "hour"}))
		}, "GET", restBase + "/statistics/trackPass/t1/2015/2/3?level=hour", "", `[0]`},
		{"Statistics/APICallByIdentity", func(c *Client) (any, error) {
			return Result(c.Statistics.APICallByIdentity(ctx, "i1", core.StatOptions{Level: "DAY", Params: core.Params{"x": 1}}))
		}, "GET", restBase + "/statistics/apiCallByIdentity/i1?level=DAY&x=1", "", `[0]`},
		{"Statistics/DropCreatedBy", func(c *Client) (any, error) {
			return Result(c.Statistics.DropCreatedBy(ctx, "i1", core.StatOptions{Year: 2016}))
		}, "GET", restBase + "/statistics/dropCreatedBy/i1/2016", "", `[7]`},
		{"core.Request/raw", func(c *Client) (any, error) {
			return Result(c.Raw(ctx, "PUT", "/flow/f1/description", "new text", core.Params{"pretty": true}))
		}, "PUT", restBase + "/flow/f1/description?pretty=true", `"new text"`, `{"id":"f1"}`},
		{"core.Request/escaped", func(c *Client) (any, error) {
			return Result(c.Raw(ctx, "GET", "/flow/a b/../x", nil, nil))
		}, "", "", "", `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestClient(t, answerWith(200, tc.resp))
			got, err := tc.call(c)
			if tc.method == "" {
				var in *core.InputError
				require.ErrorAs(t, err, &in)
				assert.Empty(t, rec.requests())
				return
			}
			require.NoError(t, err)
			assert.NotNil(t, got)
			req := rec.last(t)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
}

func TestResultShapes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, _ := newTestClient(t, answerWith(200, `{"x1":{"id":"x1","n":12345678901234567890}}`))
	many, resp, err := c.Flow.ReadMany(ctx, []string{"x1"}, nil)
	require.NoError(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, []string{"m"}, resp.Messages)
	assert.Equal(t, "x1", many["x1"].GetID())
	assert.Equal(t, json.RawMessage("12345678901234567890"), many["x1"].Extra["n"], "unknown members are kept verbatim")
	manyObj, _, err := c.Flow.Objects().ReadMany(ctx, []string{"x1"}, nil)
	require.NoError(t, err)
	assert.Equal(t, json.Number("12345678901234567890"), manyObj["x1"]["n"], "numbers decode as json.Number, losslessly")

	c, _ = newTestClient(t, answerWith(200, `[1,2,3]`))
	counts, _, err := c.Statistics.FlowDropAdded(ctx, "f1", core.StatOptions{})
	require.NoError(t, err)
	assert.Equal(t, []int64{1, 2, 3}, counts)

	c, _ = newTestClient(t, answerWith(200, `{"a":[1,{"b":null}]}`))
	raw, _, err := c.Raw(ctx, "GET", "/anything", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, Object{"a": []any{json.Number("1"), map[string]any{"b": nil}}}, raw)
}

func TestWrongBodyShape(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name string
		resp string
		call func(c *Client) error
	}{
		{"read gets array", `[1]`, func(c *Client) error { _, _, err := c.Flow.Read(ctx, "x", nil); return err }},
		{"find gets object", `{"a":1}`, func(c *Client) error { _, _, err := c.Flow.FindMany(ctx, nil); return err }},
		{"readMany gets list", `[]`, func(c *Client) error { _, _, err := c.Flow.ReadMany(ctx, []string{"a"}, nil); return err }},
		{"statistics gets floats", `[1.5]`, func(c *Client) error { _, _, err := c.Statistics.TrackHit(ctx, "t", core.StatOptions{}); return err }},
		{"aggregate gets number", `3`, func(c *Client) error {
			_, _, err := c.Drop("f").Aggregate(ctx, core.Aggregation{Output: []string{"$count"}}, nil)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, answerWith(200, tc.resp))
			err := tc.call(c)
			var mal *core.MalformedResponseError
			require.ErrorAs(t, err, &mal)
			assert.Equal(t, 200, mal.Status)
			assert.Contains(t, mal.Reason, "body is not")
			assert.NotEmpty(t, mal.Excerpt)
		})
	}
	t.Run("bad references", func(t *testing.T) {
		c, _ := newTestClient(t, func(core.Request) (int, []byte, error) {
			return 200, []byte(`{"head":{"status":200,"ok":true,"references":{"x":1}},"body":{}}`), nil
		})
		_, _, err := c.Flow.Read(ctx, "x", core.Params{"refs": true})
		var mal *core.MalformedResponseError
		require.ErrorAs(t, err, &mal)
		assert.Contains(t, mal.Reason, "references")
	})
	assert.False(t, errors.Is(nil, ErrNoVCAP))
}
