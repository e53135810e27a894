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

func TestReadOrElse(t *testing.T) {
	t.Parallel()
	def := &Flow{ID: Ptr("default")}
	tests := []struct {
		name    string
		respond func(core.Request) (int, []byte, error)
		want    *Flow
		errAs   any
	}{
		{"found", answerWith(200, `{"id":"f1"}`), &Flow{ID: Ptr("f1")}, nil},
		{"404 gives the default", func(core.Request) (int, []byte, error) { return 404, envJSON(404, `{}`), nil }, def, nil},
		{"403 still fails", func(core.Request) (int, []byte, error) { return 403, envJSON(403, `{}`), nil }, nil, new(*core.ForbiddenError)},
		{"500 still fails", func(core.Request) (int, []byte, error) { return 500, envJSON(500, `{}`), nil }, nil, new(*core.ServerError)},
		{"malformed 404 still fails", func(core.Request) (int, []byte, error) { return 404, []byte("<html>404</html>"), nil }, nil, new(*core.MalformedResponseError)},
		{"transport still fails", func(core.Request) (int, []byte, error) { return 0, nil, errors.New("boom") }, nil, new(*core.TransportError)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newTestClient(t, tc.respond)
			got, resp, err := c.Flow.ReadOrElse(t.Context(), "f1", def, nil)
			if tc.errAs != nil {
				require.Error(t, err)
				assert.ErrorAs(t, err, tc.errAs)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if got == def {
				assert.Nil(t, resp)
			} else {
				assert.NotNil(t, resp)
			}
		})
	}

	// The untyped service behaves alike.
	c, _ := newTestClient(t, func(core.Request) (int, []byte, error) { return 404, envJSON(404, `{}`), nil })
	got, resp, err := c.Flow.Objects().ReadOrElse(t.Context(), "f1", Object{"id": "default"}, nil)
	require.NoError(t, err)
	assert.Nil(t, resp)
	assert.Equal(t, "default", got.ID())
}

func TestTypedResults(t *testing.T) {
	t.Parallel()
	respond := func(req core.Request) (int, []byte, error) {
		switch {
		case req.Method == "MGET":
			return 200, envJSON(200, `{"a":{"id":"a","path":"/x/a","n":1}}`), nil
		case req.Method == "MPUT":
			return 200, envJSON(200, `{"a":{"id":"a","capacity":3}}`), nil
		case req.Method == "GET" && (req.Path == "/flow" || req.Path == "/drop"):
			return 200, envJSON(200, `[{"id":"a","path":"/x/a"},{"id":"b"}]`), nil
		}
		return 200, envJSON(200, `{"id":"a","path":"/x/a","capacity":3}`), nil
	}
	tests := []struct {
		name   string
		call   func(ctx context.Context, c *Client) (any, error)
		method string
		url    string
		body   string
		want   any
	}{
		{"Read", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Read(ctx, "a", core.Params{"only": "id"}))
		}, "GET", restBase + "/flow/a?only=id", "", &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"ReadMany", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.ReadMany(ctx, []string{"a", "b"}, nil))
		}, "MGET", restBase + "/flow", `["a","b"]`, map[string]*Flow{"a": {ID: Ptr("a"), Path: Ptr("/x/a"), Extra: Extra{"n": json.RawMessage("1")}}}},
		{"ReadMany nil ids", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.ReadMany(ctx, nil, nil))
		}, "MGET", restBase + "/flow", `[]`, map[string]*Flow{"a": {ID: Ptr("a"), Path: Ptr("/x/a"), Extra: Extra{"n": json.RawMessage("1")}}}},
		{"FindMany", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.FindMany(ctx, core.Params{"limit": 1}, filter.M("a").Eq(1), "b == 2"))
		}, "GET", restBase + "/flow?filter=%28a%20%3D%3D%201%29%20%26%26%20%28b%20%3D%3D%202%29&limit=1", "",
			[]*Flow{{ID: Ptr("a"), Path: Ptr("/x/a")}, {ID: Ptr("b")}}},
		{"Create", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Create(ctx, &Flow{Path: Ptr("/x/a"), Capacity: Ptr[int64](0)}, nil))
		}, "POST", restBase + "/flow", `{"path":"/x/a","capacity":0}`, &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"Save without id creates", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Save(ctx, &Flow{Path: Ptr("/x/a")}, nil))
		}, "POST", restBase + "/flow", `{"path":"/x/a"}`, &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"Save with id updates", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Save(ctx, &Flow{ID: Ptr("a"), Capacity: Ptr[int64](3)}, nil))
		}, "PUT", restBase + "/flow/a", `{"id":"a","capacity":3}`, &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"Update sends Extra", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Update(ctx, &Flow{ID: Ptr("a"), Extra: Extra{"zz": json.RawMessage(`[1]`)}}, nil))
		}, "PUT", restBase + "/flow/a", `{"id":"a","zz":[1]}`, &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"Modify", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.Modify(ctx, M(Object{"id": "a"}).Modify("capacity", 3), nil))
		}, "PUT", restBase + "/flow/a", `{"capacity":3}`, &Flow{ID: Ptr("a"), Path: Ptr("/x/a"), Capacity: Ptr[int64](3)}},
		{"UpdateMany", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.UpdateMany(ctx, []*Flow{{ID: Ptr("a"), Capacity: Ptr[int64](3)}}, nil))
		}, "MPUT", restBase + "/flow", `{"a":{"id":"a","capacity":3}}`, map[string]*Flow{"a": {ID: Ptr("a"), Capacity: Ptr[int64](3)}}},
		{"ModifyMany", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Flow.ModifyMany(ctx, []*Modification{M(Object{"id": "a"}, Object{"capacity": 3})}, nil))
		}, "MPUT", restBase + "/flow", `{"a":{"capacity":3}}`, map[string]*Flow{"a": {ID: Ptr("a"), Capacity: Ptr[int64](3)}}},
		{"Delete", func(ctx context.Context, c *Client) (any, error) {
			_, err := c.Flow.Delete(ctx, "a", nil)
			return nil, err
		}, "DELETE", restBase + "/flow/a", "", nil},
		{"token Create", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.Token.Create(ctx, &Token{Paths: map[string]TokenPermission{"/x/a": {DropRead: Ptr(true)}}}, nil))
		}, "POST", restBase + "/token", `{"paths":{"/x/a":{"dropRead":true}}}`, &Token{ID: Ptr("a"), Extra: Extra{"path": json.RawMessage(`"/x/a"`), "capacity": json.RawMessage("3")}}},
		{"drop by path", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.DropPath("/x/a").Create(ctx, &Drop{Elems: Elems{"n": 1}}, nil))
		}, "POST", restBase + "/drop", `{"elems":{"n":1},"path":"/x/a"}`, &Drop{ID: Ptr("a"), Path: Ptr("/x/a"), Extra: Extra{"capacity": json.RawMessage("3")}}},
		{"drops by path", func(ctx context.Context, c *Client) (any, error) {
			return Result(c.DropPath("/x/a").FindMany(ctx, nil))
		}, "GET", restBase + "/drop?path=%2Fx%2Fa", "", []*Drop{{ID: Ptr("a"), Path: Ptr("/x/a")}, {ID: Ptr("b")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, rec := newTestClient(t, respond)
			got, err := tc.call(t.Context(), c)
			require.NoError(t, err)
			if tc.want != nil {
				assert.Equal(t, tc.want, got)
			}
			req := rec.last(t)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
			if tc.body != "" {
				assert.JSONEq(t, tc.body, string(req.Body))
			}
		})
	}
}

type flowStruct struct {
	ID   string `json:"id,omitempty"`
	Path string `json:"path"`
}

func TestSaveDispatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name   string
		model  any
		method string
		path   string
		body   string
	}{
		{"object without id → Create", Object{"path": "/a/b"}, "POST", "/flow", `{"path":"/a/b"}`},
		{"struct without id → Create", flowStruct{Path: "/a/b"}, "POST", "/flow", `{"path":"/a/b"}`},
		{"raw without id → Create", json.RawMessage(`{"path":"/a/b"}`), "POST", "/flow", `{"path":"/a/b"}`},
		{"object with id → Update", Object{"id": "f1", "path": "/a/b"}, "PUT", "/flow/f1", `{"id":"f1","path":"/a/b"}`},
		{"struct with id → Update", flowStruct{ID: "f1", Path: "/a/b"}, "PUT", "/flow/f1", `{"id":"f1","path":"/a/b"}`},
		{"modification → Update diff", M(Object{"id": "f1", "path": "/a/b", "capacity": 3}).Modify("capacity", 4), "PUT", "/flow/f1", `{"capacity":4}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestClient(t, answerWith(200, `{"id":"f1"}`))
			got, _, err := c.Flow.Objects().Save(ctx, tc.model, nil)
			require.NoError(t, err)
			assert.Equal(t, "f1", got.ID())
			req := rec.last(t)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.path, req.Path)
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
}

func TestUpdateInputErrors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	tests := []struct {
		name string
		call func(c *Client) error
	}{
		{"update without id", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, Object{"a": 1}, nil); return err }},
		{"update numeric id", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, Object{"id": 7}, nil); return err }},
		{"update nil", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, nil, nil); return err }},
		{"update nil object", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, Object(nil), nil); return err }},
		{"update nil modification", func(c *Client) error {
			_, _, err := c.Flow.Objects().Update(ctx, (*Modification)(nil), nil)
			return err
		}},
		{"update modification without id", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, M(Object{"a": 1}), nil); return err }},
		{"update a list", func(c *Client) error { _, _, err := c.Flow.Objects().Update(ctx, []int{1}, nil); return err }},
		{"update unencodable", func(c *Client) error {
			_, _, err := c.Flow.Objects().Update(ctx, Object{"id": "x", "c": make(chan int)}, nil)
			return err
		}},
		{"updateMany duplicate", func(c *Client) error {
			_, _, err := c.Flow.Objects().UpdateMany(ctx, []Object{{"id": "a"}, {"id": "a"}}, nil)
			return err
		}},
		{"updateMany item without id", func(c *Client) error {
			_, _, err := c.Flow.Objects().UpdateMany(ctx, []Object{{"a": 1}}, nil)
			return err
		}},
		{"updateMany of a single model", func(c *Client) error {
			_, _, err := c.Flow.Objects().UpdateMany(ctx, Object{"id": "a", "x": 1}, nil)
			return err
		}},
		{"updateMany of a string", func(c *Client) error { _, _, err := c.Flow.Objects().UpdateMany(ctx, "a", nil); return err }},
		{"create a modification", func(c *Client) error {
			_, _, err := c.Flow.Objects().Create(ctx, M(Object{"id": "a"}), nil)
			return err
		}},
		{"create an array", func(c *Client) error { _, _, err := c.Flow.Objects().Create(ctx, []int{1}, nil); return err }},
		{"create unencodable", func(c *Client) error { _, _, err := c.Flow.Objects().Create(ctx, func() {}, nil); return err }},
		{"save a number", func(c *Client) error { _, _, err := c.Flow.Objects().Save(ctx, 42, nil); return err }},
		{"delete unencodable body", func(c *Client) error { _, err := c.Flow.Objects().Delete(ctx, "a", make(chan int), nil); return err }},
		{"delete empty id", func(c *Client) error { _, err := c.Flow.Objects().Delete(ctx, "", nil, nil); return err }},
		{"read dot id", func(c *Client) error { _, _, err := c.Flow.Read(ctx, "..", nil); return err }},
		{"drop without flow", func(c *Client) error { _, _, err := c.Drop("").Read(ctx, "d", nil); return err }},
		{"deleteAll without flow", func(c *Client) error { _, err := c.Drop("").DeleteAll(ctx, nil); return err }},
		{"aggregate without output", func(c *Client) error {
			_, _, err := c.Drop("f").Aggregate(ctx, core.Aggregation{GroupBy: []string{"$day"}}, nil)
			return err
		}},
		{"aggregate bad filter", func(c *Client) error {
			_, _, err := c.Drop("f").Aggregate(ctx, core.Aggregation{Output: []string{"$count"}, Filter: filter.M("a b").Eq(1)}, nil)
			return err
		}},
		{"aggregate bad rule", func(c *Client) error {
			_, _, err := c.Drop("f").Aggregate(ctx, core.Aggregation{Output: []string{"$count"}, Rules: map[string]any{"r": 7}}, nil)
			return err
		}},
		{"aggregate empty rule", func(c *Client) error {
			_, _, err := c.Drop("f").Aggregate(ctx, core.Aggregation{Output: []string{"$count"}, Rules: map[string]any{"r": ""}}, nil)
			return err
		}},
		{"drop path relative", func(c *Client) error { _, _, err := c.DropPath("alice/x").Create(ctx, &Drop{}, nil); return err }},
		{"drop path find relative", func(c *Client) error { _, _, err := c.DropPath("").FindMany(ctx, nil); return err }},
		{"drop path create nil", func(c *Client) error { _, _, err := c.DropPath("/a/x").Create(ctx, nil, nil); return err }},
		{"typed create nil", func(c *Client) error { _, _, err := c.Flow.Create(ctx, nil, nil); return err }},
		{"typed update nil", func(c *Client) error { _, _, err := c.Flow.Update(ctx, nil, nil); return err }},
		{"typed update without id", func(c *Client) error { _, _, err := c.Flow.Update(ctx, &Flow{}, nil); return err }},
		{"typed modify nil", func(c *Client) error { _, _, err := c.Flow.Modify(ctx, nil, nil); return err }},
		{"typed updateMany nil item", func(c *Client) error { _, _, err := c.Flow.UpdateMany(ctx, []*Flow{nil}, nil); return err }},
		{"typed modifyMany nil item", func(c *Client) error {
			_, _, err := c.Flow.ModifyMany(ctx, []*Modification{nil}, nil)
			return err
		}},
		{"save a list", func(c *Client) error {
			_, _, err := c.Flow.Objects().Save(ctx, []Object{{"id": "a"}}, nil)
			return err
		}},
		{"stat day without month", func(c *Client) error {
			_, _, err := c.Statistics.TrackHit(ctx, "t", core.StatOptions{Year: 2015, Day: 3})
			return err
		}},
		{"stat month without year", func(c *Client) error {
			_, _, err := c.Statistics.TrackHit(ctx, "t", core.StatOptions{Month: 3})
			return err
		}},
		{"stat unknown", func(c *Client) error { _, _, err := c.Statistics.Get(ctx, "nope", "t", core.StatOptions{}); return err }},
		{"raw bad method", func(c *Client) error { _, _, err := c.Raw(ctx, "GE T", "/flow", nil, nil); return err }},
		{"raw empty method", func(c *Client) error { _, _, err := c.Raw(ctx, "", "/flow", nil, nil); return err }},
		{"raw relative path", func(c *Client) error { _, _, err := c.Raw(ctx, "GET", "flow", nil, nil); return err }},
		{"raw empty segment", func(c *Client) error { _, _, err := c.Raw(ctx, "GET", "/flow//x", nil, nil); return err }},
		{"raw bad body", func(c *Client) error { _, _, err := c.Raw(ctx, "POST", "/flow", []byte("{"), nil); return err }},
		{"raw unencodable", func(c *Client) error { _, _, err := c.Raw(ctx, "POST", "/flow", make(chan int), nil); return err }},
		{"raw bad param", func(c *Client) error {
			_, _, err := c.Raw(ctx, "GET", "/flow", nil, core.Params{"a": []int{}})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestClient(t, nil)
			err := tc.call(c)
			var in *core.InputError
			require.ErrorAs(t, err, &in)
			assert.Empty(t, rec.requests(), "no I/O for a refused call")
		})
	}
}

func TestImmutableServices(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, s := range []func(c *Client) *Service{
		func(c *Client) *Service { return c.Token.Objects() },
		func(c *Client) *Service { return c.Share.Objects() },
	} {
		c, rec := newTestClient(t, answerWith(201, `{"id":"k1"}`))
		svc := s(c)
		var u *core.UnsupportedError
		_, _, err := svc.Update(ctx, Object{"id": "k1"}, nil)
		assert.ErrorAs(t, err, &u)
		_, _, err = svc.Update(ctx, Object{}, nil) // even without an id: unsupported first
		assert.ErrorAs(t, err, &u)
		_, _, err = svc.UpdateMany(ctx, []Object{{"id": "k1"}}, nil)
		assert.ErrorAs(t, err, &u)
		_, _, err = svc.Save(ctx, Object{"id": "k1"}, nil)
		assert.ErrorAs(t, err, &u)
		_, _, err = svc.Save(ctx, M(Object{"id": "k1"}, Object{"a": 1}), nil)
		assert.ErrorAs(t, err, &u)
		assert.Empty(t, rec.requests(), "no I/O")
		// Creating works.
		_, _, err = svc.Save(ctx, Object{"paths": Object{}}, nil)
		require.NoError(t, err)
		assert.Equal(t, "POST", rec.last(t).Method)
		assert.Equal(t, "/"+string(svc.Name()), rec.last(t).Path)
	}
}

func TestModifications(t *testing.T) {
	t.Parallel()
	original := Object{
		"id":    "d1",
		"elems": Object{"temp": json.Number("20"), "tags": []any{"a", Object{"deep": true}}},
		"list":  []map[string]any{{"x": 1}},
		"refs":  map[string]map[string]any{"f": {"y": 1}},
		"strs":  []string{"s"},
	}
	snapshot := deepCopy(original)

	m := M(original, Object{"description": "new"})
	m.Modify("elems", Object{"temp": 21}).Modify("capacity", 5)
	model, diff := m.Done()

	assert.Equal(t, snapshot, original, "the original is untouched")
	assert.Equal(t, Object{"description": "new", "elems": Object{"temp": 21}, "capacity": 5}, diff)
	assert.Equal(t, "new", model["description"])
	assert.Equal(t, "d1", model["id"])
	assert.Equal(t, "d1", m.ID())

	// Nothing is shared: mutating the results does not reach the original
	// nor the modification.
	model["list"].([]map[string]any)[0]["x"] = 2
	model["refs"].(map[string]map[string]any)["f"]["y"] = 2
	model["strs"].([]string)[0] = "changed"
	diff["elems"].(Object)["temp"] = 99
	m2 := M(original)
	m2.Done()
	model2, _ := m2.Done()
	model2["elems"].(Object)["tags"].([]any)[1].(Object)["deep"] = false
	assert.Equal(t, snapshot, original)
	_, diffAgain := m.Done()
	assert.Equal(t, 21, diffAgain["elems"].(Object)["temp"])

	// A change value is copied too.
	changes := Object{"k": []any{1}}
	m3 := M(Object{"id": "x"}, Object{"nested": changes})
	changes["k"] = "mutated"
	_, d3 := m3.Done()
	assert.Equal(t, Object{"nested": Object{"k": []any{1}}}, d3)

	// nil model
	m4 := M(nil).Modify("a", 1)
	model4, diff4 := m4.Done()
	assert.Equal(t, Object{"a": 1}, model4)
	assert.Equal(t, Object{"a": 1}, diff4)
	assert.Equal(t, "", m4.ID())

	data, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"description":"new","elems":{"temp":21},"capacity":5}`, string(data))
}

func TestModificationSendsOnlyDiff(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c, rec := newTestClient(t, func(req core.Request) (int, []byte, error) {
		if req.Method == "MPUT" {
			return 200, envJSON(200, `{"d1":{"id":"d1"}}`), nil
		}
		return 200, envJSON(200, `{"id":"d1"}`), nil
	})
	drop := Object{"id": "d1", "elems": Object{"a": 1}, "path": "/alice/x", "creationDate": json.Number("1420664203776")}
	snapshot := deepCopy(drop)

	_, _, err := c.Drop("f1").Modify(ctx, M(drop).Modify("fhash", "k"), nil)
	require.NoError(t, err)
	req := rec.last(t)
	assert.Equal(t, "PUT", req.Method)
	assert.Equal(t, restBase+"/drop/f1/d1", req.URL)
	assert.Equal(t, `{"fhash":"k"}`, string(req.Body))
	assert.Equal(t, snapshot, drop)

	_, _, err = c.Drop("f1").ModifyMany(ctx, []*Modification{M(drop, Object{"fhash": "z"})}, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"d1":{"fhash":"z"}}`, string(rec.last(t).Body))
}

func TestDropHelpers(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, nil)
	assert.Equal(t, "f1", c.Drop("f1").FlowID())
	assert.Equal(t, ServiceDrop, c.Drop("f1").Name())
	assert.Equal(t, ServiceToken, c.Token.Name())
	assert.Equal(t, ServiceLocalTrack, c.Service(ServiceLocalTrack).Name())
	_, _, err := c.Service(ServiceLocalTrack).Read(t.Context(), "t1", nil)
	require.NoError(t, err)
	assert.Equal(t, core.WSFrame{Object: "drop", Type: "findmany"}, WSFrame(WSFindMany, ServiceDrop))
	assert.Equal(t, "/a/x", c.DropPath("/a/x").Path())
	env, err := c.Exec(t.Context(), core.Op{Service: core.ServiceLocalTrack, Name: core.OpFindMany})
	require.NoError(t, err)
	assert.Equal(t, "{}", string(env.Body))
	_, err = c.Exec(t.Context(), core.Op{Service: "x"})
	assert.Error(t, err)
}
