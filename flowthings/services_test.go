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
	ctx := context.Background()
	def := Object{"id": "default"}
	tests := []struct {
		name    string
		respond func(core.Request) (int, []byte, error)
		want    Object
		errAs   any
	}{
		{"found", answerWith(200, `{"id":"f1"}`), Object{"id": "f1"}, nil},
		{"404 gives the default", func(core.Request) (int, []byte, error) { return 404, envJSON(404, `{}`), nil }, def, nil},
		{"403 still fails", func(core.Request) (int, []byte, error) { return 403, envJSON(403, `{}`), nil }, nil, new(*core.ForbiddenError)},
		{"500 still fails", func(core.Request) (int, []byte, error) { return 500, envJSON(500, `{}`), nil }, nil, new(*core.ServerError)},
		{"malformed 404 still fails", func(core.Request) (int, []byte, error) { return 404, []byte("<html>404</html>"), nil }, nil, new(*core.MalformedResponseError)},
		{"transport still fails", func(core.Request) (int, []byte, error) { return 0, nil, errors.New("boom") }, nil, new(*core.TransportError)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, tc.respond)
			got, resp, err := c.Flow.ReadOrElse(ctx, "f1", def, nil)
			if tc.errAs != nil {
				require.Error(t, err)
				assert.ErrorAs(t, err, tc.errAs)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			if tc.want["id"] == "default" {
				assert.Nil(t, resp)
			} else {
				assert.NotNil(t, resp)
			}
		})
	}
}

func TestFindDispatch(t *testing.T) {
	ctx := context.Background()
	respond := func(req core.Request) (int, []byte, error) {
		switch {
		case req.Method == "MGET":
			return 200, envJSON(200, `{"a":{"id":"a"}}`), nil
		case req.Path == "/flow":
			return 200, envJSON(200, `[{"id":"a"}]`), nil
		}
		return 200, envJSON(200, `{"id":"a"}`), nil
	}
	tests := []struct {
		name   string
		args   []any
		method string
		url    string
		want   any
	}{
		{"string → Read", []any{"a"}, "GET", restBase + "/flow/a", Object{"id": "a"}},
		{"string with params", []any{core.Params{"only": "id"}, "a"}, "GET", restBase + "/flow/a?only=id", Object{"id": "a"}},
		{"[]string → ReadMany", []any{[]string{"a", "b"}}, "MGET", restBase + "/flow", map[string]Object{"a": {"id": "a"}}},
		{"nothing → FindMany", nil, "GET", restBase + "/flow", []Object{{"id": "a"}}},
		{"params only → FindMany", []any{core.Params{"limit": 1}}, "GET", restBase + "/flow?limit=1", []Object{{"id": "a"}}},
		{"filters → FindMany", []any{filter.M("a").Eq(1), filter.M("b").Eq(2)}, "GET",
			restBase + "/flow?filter=%28a%20%3D%3D%201%29%20%26%26%20%28b%20%3D%3D%202%29", []Object{{"id": "a"}}},
		{"filter list → FindMany", []any{[]any{"a == 1"}}, "GET", restBase + "/flow?filter=a%20%3D%3D%201", []Object{{"id": "a"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, rec := newTestClient(t, respond)
			got, _, err := c.Flow.Find(ctx, tc.args...)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			req := rec.last(t)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.url, req.URL)
		})
	}
	bad := [][]any{
		{"a", "b"},
		{[]string{"a"}, "b"},
		{core.Params{}, core.Params{}},
		{42},
	}
	for _, args := range bad {
		c, rec := newTestClient(t, respond)
		_, _, err := c.Flow.Find(ctx, args...)
		var in *core.InputError
		assert.ErrorAs(t, err, &in, "%v", args)
		assert.Empty(t, rec.requests())
	}
}

type flowStruct struct {
	ID   string `json:"id,omitempty"`
	Path string `json:"path"`
}

func TestSaveDispatch(t *testing.T) {
	ctx := context.Background()
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
		{"[]Object → UpdateMany", []Object{{"id": "f1", "a": 1}, {"id": "f2", "a": 2}}, "MPUT", "/flow", `{"f1":{"a":1,"id":"f1"},"f2":{"a":2,"id":"f2"}}`},
		{"[]*Modification → UpdateMany", []*Modification{M(Object{"id": "f1"}, Object{"a": 1})}, "MPUT", "/flow", `{"f1":{"a":1}}`},
		{"map[string]Object → UpdateMany", map[string]Object{"f1": {"a": 1}}, "MPUT", "/flow", `{"f1":{"a":1}}`},
		{"[]json.RawMessage → UpdateMany", []json.RawMessage{json.RawMessage(`{"id":"f1","a":1}`)}, "MPUT", "/flow", `{"f1":{"id":"f1","a":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := `{"id":"f1"}`
			if tc.method == "MPUT" {
				resp = `{"f1":{"id":"f1"}}`
			}
			c, rec := newTestClient(t, answerWith(200, resp))
			got, _, err := c.Flow.Save(ctx, tc.model, nil)
			require.NoError(t, err)
			if tc.method == "MPUT" {
				assert.IsType(t, map[string]Object{}, got)
			} else {
				assert.IsType(t, Object{}, got)
			}
			req := rec.last(t)
			assert.Equal(t, tc.method, req.Method)
			assert.Equal(t, tc.path, req.Path)
			assert.Equal(t, tc.body, string(req.Body))
		})
	}
}

func TestUpdateInputErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(c *Client) error
	}{
		{"update without id", func(c *Client) error { _, _, err := c.Flow.Update(ctx, Object{"a": 1}, nil); return err }},
		{"update numeric id", func(c *Client) error { _, _, err := c.Flow.Update(ctx, Object{"id": 7}, nil); return err }},
		{"update nil", func(c *Client) error { _, _, err := c.Flow.Update(ctx, nil, nil); return err }},
		{"update nil object", func(c *Client) error { _, _, err := c.Flow.Update(ctx, Object(nil), nil); return err }},
		{"update nil modification", func(c *Client) error { _, _, err := c.Flow.Update(ctx, (*Modification)(nil), nil); return err }},
		{"update modification without id", func(c *Client) error { _, _, err := c.Flow.Update(ctx, M(Object{"a": 1}), nil); return err }},
		{"update a list", func(c *Client) error { _, _, err := c.Flow.Update(ctx, []int{1}, nil); return err }},
		{"update unencodable", func(c *Client) error {
			_, _, err := c.Flow.Update(ctx, Object{"id": "x", "c": make(chan int)}, nil)
			return err
		}},
		{"updateMany duplicate", func(c *Client) error {
			_, _, err := c.Flow.UpdateMany(ctx, []Object{{"id": "a"}, {"id": "a"}}, nil)
			return err
		}},
		{"updateMany item without id", func(c *Client) error { _, _, err := c.Flow.UpdateMany(ctx, []Object{{"a": 1}}, nil); return err }},
		{"updateMany of a single model", func(c *Client) error {
			_, _, err := c.Flow.UpdateMany(ctx, Object{"id": "a", "x": 1}, nil)
			return err
		}},
		{"updateMany of a string", func(c *Client) error { _, _, err := c.Flow.UpdateMany(ctx, "a", nil); return err }},
		{"create a modification", func(c *Client) error { _, _, err := c.Flow.Create(ctx, M(Object{"id": "a"}), nil); return err }},
		{"create an array", func(c *Client) error { _, _, err := c.Flow.Create(ctx, []int{1}, nil); return err }},
		{"create unencodable", func(c *Client) error { _, _, err := c.Flow.Create(ctx, func() {}, nil); return err }},
		{"save a number", func(c *Client) error { _, _, err := c.Flow.Save(ctx, 42, nil); return err }},
		{"delete unencodable body", func(c *Client) error { _, err := c.Flow.Delete(ctx, "a", make(chan int), nil); return err }},
		{"delete empty id", func(c *Client) error { _, err := c.Flow.Delete(ctx, "", nil, nil); return err }},
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
		{"drop path relative", func(c *Client) error { _, _, err := c.DropPath("alice/x").Create(ctx, Object{}, nil); return err }},
		{"drop path find relative", func(c *Client) error { _, _, err := c.DropPath("").FindMany(ctx, nil); return err }},
		{"drop path create array", func(c *Client) error { _, _, err := c.DropPath("/a/x").Create(ctx, []int{}, nil); return err }},
		{"stat day without month", func(c *Client) error {
			_, _, err := c.Statistics.TrackHit(ctx, "t", core.StatOptions{Year: 2015, Day: 3})
			return err
		}},
		{"stat month without year", func(c *Client) error {
			_, _, err := c.Statistics.TrackHit(ctx, "t", core.StatOptions{Month: 3})
			return err
		}},
		{"stat unknown", func(c *Client) error { _, _, err := c.Statistics.Get(ctx, "nope", "t", core.StatOptions{}); return err }},
		{"raw bad method", func(c *Client) error { _, _, err := c.Request(ctx, "GE T", "/flow", nil, nil); return err }},
		{"raw empty method", func(c *Client) error { _, _, err := c.Request(ctx, "", "/flow", nil, nil); return err }},
		{"raw relative path", func(c *Client) error { _, _, err := c.Request(ctx, "GET", "flow", nil, nil); return err }},
		{"raw empty segment", func(c *Client) error { _, _, err := c.Request(ctx, "GET", "/flow//x", nil, nil); return err }},
		{"raw bad body", func(c *Client) error { _, _, err := c.Request(ctx, "POST", "/flow", []byte("{"), nil); return err }},
		{"raw unencodable", func(c *Client) error { _, _, err := c.Request(ctx, "POST", "/flow", make(chan int), nil); return err }},
		{"raw bad param", func(c *Client) error {
			_, _, err := c.Request(ctx, "GET", "/flow", nil, core.Params{"a": []int{}})
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
	ctx := context.Background()
	for _, s := range []func(c *Client) *Service{
		func(c *Client) *Service { return c.Token.Service },
		func(c *Client) *Service { return c.Share.Service },
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
		_, _, err = svc.Save(ctx, []Object{{"id": "k1"}}, nil)
		assert.ErrorAs(t, err, &u)
		assert.Empty(t, rec.requests(), "no I/O")
		// Creating works.
		_, _, err = svc.Save(ctx, Object{"paths": Object{}}, nil)
		require.NoError(t, err)
		assert.Equal(t, "POST", rec.last(t).Method)
		assert.Equal(t, "/"+svc.Name(), rec.last(t).Path)
	}
}

func TestModifications(t *testing.T) {
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
	ctx := context.Background()
	c, rec := newTestClient(t, func(req core.Request) (int, []byte, error) {
		if req.Method == "MPUT" {
			return 200, envJSON(200, `{"d1":{"id":"d1"}}`), nil
		}
		return 200, envJSON(200, `{"id":"d1"}`), nil
	})
	drop := Object{"id": "d1", "elems": Object{"a": 1}, "path": "/alice/x", "creationDate": json.Number("1420664203776")}
	snapshot := deepCopy(drop)

	_, _, err := c.Drop("f1").Update(ctx, M(drop).Modify("fhash", "k"), nil)
	require.NoError(t, err)
	req := rec.last(t)
	assert.Equal(t, "PUT", req.Method)
	assert.Equal(t, restBase+"/drop/f1/d1", req.URL)
	assert.Equal(t, `{"fhash":"k"}`, string(req.Body))
	assert.Equal(t, snapshot, drop)

	_, _, err = c.Drop("f1").UpdateMany(ctx, []*Modification{M(drop, Object{"fhash": "z"})}, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"d1":{"fhash":"z"}}`, string(rec.last(t).Body))
}

func TestDropHelpers(t *testing.T) {
	c, _ := newTestClient(t, nil)
	assert.Equal(t, "f1", c.Drop("f1").FlowID())
	assert.Equal(t, "drop", c.Drop("f1").Name())
	assert.Equal(t, "/a/x", c.DropPath("/a/x").Path())
	env, err := c.Exec(context.Background(), core.Op{Service: core.ServiceLocalTrack, Name: core.OpFindMany})
	require.NoError(t, err)
	assert.Equal(t, "{}", string(env.Body))
	_, err = c.Exec(context.Background(), core.Op{Service: "x"})
	assert.Error(t, err)
}
