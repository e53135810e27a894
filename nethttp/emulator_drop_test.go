package nethttp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// Drops

func TestEmulatorDrops(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	const path = "/dev/drops/main"
	flow := createFlow(t, ctx, c, path, flowthings.Object{"description": "main"})
	flowID := flow.GetID()
	drops := c.Drop(flowID)
	require.Equal(t, flowID, drops.FlowID())
	byPath := c.DropPath(path)
	require.Equal(t, path, byPath.Path())

	// Six drops, half by flow id and half by path; created[i] is drop i.
	temps := []int{10, 25, 31, 40, 18, 35}
	var created []*flowthings.Drop
	t.Run("create", func(t *testing.T) {
		for i, temp := range temps {
			model := &flowthings.Drop{
				Elems: flowthings.Elems{"temp": temp, "town": []string{"Brooklyn", "Queens"}[i%2], "n": i},
				FHash: flowthings.Ptr(fmt.Sprint("h", i)),
			}
			var d *flowthings.Drop
			var resp *flowthings.Response
			var err error
			if i%2 == 0 {
				d, resp, err = drops.Create(ctx, model, nil)
			} else {
				d, resp, err = byPath.Create(ctx, model, nil)
				assert.Nil(t, model.Path, "the given drop is not modified")
			}
			require.NoError(t, err)
			assert.Equal(t, 201, resp.Status)
			assert.Regexp(t, "^d[0-9a-f]{24}$", d.GetID())
			assert.Equal(t, flowID, d.GetFlowID())
			assert.Equal(t, path, d.GetPath())
			assert.Equal(t, devID, d.GetCreatorID())
			assert.Equal(t, flowthings.ElemInteger, d.Elems.Type("temp"))
			got, ok := d.Elems.Int64("temp")
			assert.True(t, ok)
			assert.Equal(t, int64(temp), got)
			created = append(created, d)
		}
		// A typed input elem is stored with its type.
		d, _, err := drops.Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{
			"at":  flowthings.Typed(flowthings.ElemDate, emuNow.UnixMilli()),
			"tag": flowthings.Typed(flowthings.ElemSortedSet, []any{3, 1, 3, 2}),
		}}, nil)
		require.NoError(t, err)
		assert.Equal(t, flowthings.ElemDate, d.Elems.Type("at"))
		at, ok := d.Elems.Time("at")
		assert.True(t, ok)
		assert.Equal(t, emuNow.UnixMilli(), at.UnixMilli())
		tag, _ := d.Elems.Get("tag")
		assert.Equal(t, []any{json.Number("1"), json.Number("2"), json.Number("3")}, tag, "a sorted set, sorted and de-duplicated")
		_, err = drops.Delete(ctx, d.GetID(), nil)
		require.NoError(t, err)
	})
	require.Len(t, created, len(temps))
	dropID := func(i int) string { return created[i].GetID() }

	t.Run("read", func(t *testing.T) {
		got, _, err := drops.Read(ctx, dropID(1), nil)
		require.NoError(t, err)
		assert.Equal(t, created[1], got)
		// Typed by default on 0.1, plain with hints false, plain by default on 4.0.
		got, _, err = drops.Read(ctx, dropID(1), core.Params{"hints": false})
		require.NoError(t, err)
		assert.Equal(t, json.Number("25"), plainElem(t, got, "temp"))
		cfg4 := env.cfg
		cfg4.Version = "4.0"
		c4, err := flowthings.NewClient(cfg4, env.rec)
		require.NoError(t, err)
		got, _, err = c4.Drop(flowID).Read(ctx, dropID(1), nil)
		require.NoError(t, err)
		assert.Equal(t, "Queens", plainElem(t, got, "town"))
		got, _, err = c4.Drop(flowID).Read(ctx, dropID(1), core.Params{"hints": true})
		require.NoError(t, err)
		typ, _ := typedElem(t, got, "town")
		assert.Equal(t, "string", typ)
		// Config.Params apply to every call; a call's own params win.
		cfgPlain := env.cfg
		cfgPlain.Params = core.Params{"hints": false}
		cp, err := flowthings.NewClient(cfgPlain, env.rec)
		require.NoError(t, err)
		got, _, err = cp.Drop(flowID).Read(ctx, dropID(3), nil)
		require.NoError(t, err)
		assert.Equal(t, json.Number("40"), plainElem(t, got, "temp"))
		got, _, err = cp.Drop(flowID).Read(ctx, dropID(3), core.Params{"hints": true})
		require.NoError(t, err)
		typ, _ = typedElem(t, got, "temp")
		assert.Equal(t, "integer", typ)
	})

	t.Run("find params", func(t *testing.T) {
		all := make([]string, len(created))
		for i := range created {
			all[len(created)-1-i] = dropID(i) // newest first
		}
		for _, tc := range []struct {
			name    string
			params  core.Params
			filters []any
			want    []string
		}{
			{"default newest first", nil, nil, all},
			{"limit and start", core.Params{"limit": 2, "start": 1}, nil, all[1:3]},
			{"sort asc", core.Params{"sort": "elems.temp", "order": "asc"}, nil,
				[]string{dropID(0), dropID(4), dropID(1), dropID(2), dropID(5), dropID(3)}},
			{"sort desc with limit", core.Params{"sort": "elems.temp", "order": "desc", "limit": 2}, nil,
				[]string{dropID(3), dropID(5)}},
			{"built filter", core.Params{"order": "asc"},
				[]any{filter.And(filter.M("elems", "temp").Gt(30), filter.M("elems", "town").Eq("Queens"))},
				[]string{dropID(3), dropID(5)}},
			{"string filters AND-ed", core.Params{"order": "asc", "filter": "elems.temp > 20"},
				[]any{"elems.town == 'Brooklyn'"}, []string{dropID(2)}},
			{"no match", nil, []any{filter.M("elems", "temp").Gt(1000)}, []string{}},
			{"limit 0", core.Params{"limit": 0}, nil, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				found, resp, err := drops.FindMany(ctx, tc.params, tc.filters...)
				require.NoError(t, err)
				assert.Equal(t, 200, resp.Status)
				assert.Equal(t, tc.want, ids(t, found))
				assert.Empty(t, resp.References, "no refs asked")
			})
		}

		found, _, err := byPath.FindMany(ctx, core.Params{"order": "asc"}, filter.M("elems", "n").In(1, 3))
		require.NoError(t, err)
		assert.Equal(t, []string{dropID(1), dropID(3)}, ids(t, found), "find by path")

		found, _, err = drops.FindMany(ctx, core.Params{"only": []string{"elems", "fhash"}, "limit": 3})
		require.NoError(t, err)
		require.Len(t, found, 3)
		for _, d := range found {
			assert.ElementsMatch(t, []string{"id", "elems", "fhash"}, keys(t, d))
		}

		found, _, err = drops.FindMany(ctx, core.Params{"hints": false, "limit": 1})
		require.NoError(t, err)
		require.Len(t, found, 1)
		assert.Equal(t, json.Number("35"), plainElem(t, found[0], "temp"), "hints false gives plain elems")
		assert.Equal(t, "Queens", plainElem(t, found[0], "town"))

		found, resp, err := drops.FindMany(ctx, core.Params{"refs": true, "limit": 2})
		require.NoError(t, err)
		assert.Len(t, found, 2)
		require.NotNil(t, resp.References)
		require.Contains(t, resp.References, flowID)
		assert.Equal(t, path, resp.References[flowID]["path"])
		require.Contains(t, resp.References, devID)
		assert.Equal(t, emulator.DefaultAccount, resp.References[devID]["name"])
	})

	t.Run("read many", func(t *testing.T) {
		many, _, err := drops.ReadMany(ctx, []string{dropID(0), dropID(2), "d" + strings.Repeat("0", 24)}, nil)
		require.NoError(t, err)
		assert.Len(t, many, 2)
		assert.Equal(t, created[0], many[dropID(0)])
		assert.Equal(t, created[2], many[dropID(2)])
	})

	t.Run("multi-flow MGET", func(t *testing.T) {
		other := createFlow(t, ctx, c, "/dev/drops/other", nil)
		otherID := other.GetID()
		var otherDrops []string
		for i := range 3 {
			d, _, err := c.Drop(otherID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"x": i}}, nil)
			require.NoError(t, err)
			otherDrops = append(otherDrops, d.GetID())
		}
		query := []any{
			flowthings.Object{"flowId": flowID, "params": flowthings.Object{"limit": 2}},
			flowthings.Object{"path": "/dev/drops/other", "params": flowthings.Object{"filter": "elems.x >= 1", "order": "asc"}},
			flowthings.Object{"flowId": "f" + strings.Repeat("0", 24)},
		}
		check := func(t *testing.T, body map[string][]map[string]any) {
			require.Len(t, body, 2, "unknown flows are left out")
			var main, oth []string
			for _, d := range body[flowID] {
				main = append(main, d["id"].(string))
			}
			for _, d := range body[otherID] {
				oth = append(oth, d["id"].(string))
			}
			assert.Equal(t, []string{dropID(5), dropID(4)}, main)
			assert.Equal(t, otherDrops[1:], oth)
		}

		// The raw call.
		v, resp, err := c.Raw(ctx, "MGET", "/drop", query, core.Params{"hints": false})
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		var body map[string][]map[string]any
		require.NoError(t, json.Unmarshal(raw, &body))
		check(t, body)
		assert.Equal(t, float64(1), body[otherID][0]["elems"].(map[string]any)["x"], "URL params are item defaults (hints=0)")

		// The Op path: readMany with a raw body and no flow id.
		rawQuery, err := json.Marshal(query)
		require.NoError(t, err)
		envl, err := c.Exec(ctx, core.Op{Service: core.ServiceDrop, Name: core.OpReadMany, Body: rawQuery})
		require.NoError(t, err)
		assert.Equal(t, "MGET", env.rec.last(t).Method)
		assert.Equal(t, "/drop", env.rec.last(t).Path)
		body = nil
		require.NoError(t, json.Unmarshal(envl.Body, &body))
		check(t, body)
	})

	t.Run("update", func(t *testing.T) {
		// A Modification of elems: only elems is sent, the rest is kept.
		d := created[0]
		upd, _, err := drops.Modify(ctx, flowthings.M(d).Modify("elems", flowthings.Elems{"temp": 12}), nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{"elems":{"temp":12}}`, string(env.rec.last(t).Body))
		assert.Equal(t, int64(1), upd.GetVersion())
		assert.Equal(t, "h0", upd.GetFHash())
		assert.Len(t, upd.Elems, 1, "elems is replaced as a whole")
		_, v := typedElem(t, upd, "temp")
		assert.Equal(t, json.Number("12"), v)

		// A whole drop as read back (typed elems) round-trips.
		upd.FHash = flowthings.Ptr("changed")
		again, _, err := drops.Update(ctx, upd, nil)
		require.NoError(t, err)
		assert.Equal(t, upd.Elems, again.Elems)
		assert.Equal(t, "changed", again.GetFHash())
		assert.Equal(t, int64(2), again.GetVersion())
		created[0] = again

		// MPUT of typed drops and of modifications.
		one, two := *created[1], *created[2]
		one.FHash, two.FHash = flowthings.Ptr("m1"), flowthings.Ptr("m2")
		many, _, err := drops.UpdateMany(ctx, []*flowthings.Drop{&one, &two}, nil)
		require.NoError(t, err)
		assert.Equal(t, "MPUT", env.rec.last(t).Method)
		require.Len(t, many, 2)
		assert.Equal(t, "m1", many[dropID(1)].GetFHash())
		assert.Equal(t, "m2", many[dropID(2)].GetFHash())
		many, _, err = drops.ModifyMany(ctx, []*flowthings.Modification{flowthings.M(created[2]).Modify("fhash", "m3")}, nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{"`+dropID(2)+`":{"fhash":"m3"}}`, string(env.rec.last(t).Body))
		assert.Equal(t, "m3", many[dropID(2)].GetFHash())
		got, _, err := drops.Read(ctx, dropID(2), nil)
		require.NoError(t, err)
		assert.Equal(t, "m3", got.GetFHash())
	})

	t.Run("delete", func(t *testing.T) {
		resp, err := drops.Delete(ctx, dropID(0), nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		_, _, err = drops.Read(ctx, dropID(0), nil)
		assert.True(t, core.IsNotFound(err), "read after delete: %v", err)

		resp, err = drops.DeleteAll(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		assert.Equal(t, "DELETE", env.rec.last(t).Method)
		assert.Equal(t, "/drop/"+flowID, env.rec.last(t).Path)
		found, _, err := drops.FindMany(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, found)
		_, _, err = c.Flow.Read(ctx, flowID, nil)
		assert.NoError(t, err, "the flow survives DeleteAll")
	})

	t.Run("unknown flow", func(t *testing.T) {
		_, _, err := c.Drop("f"+strings.Repeat("0", 24)).Create(ctx, &flowthings.Drop{}, nil)
		var nf *core.NotFoundError
		assert.ErrorAs(t, err, &nf)
		_, _, err = c.DropPath("/dev/nope").FindMany(ctx, nil)
		assert.ErrorAs(t, err, &nf)
		_, _, err = c.DropPath("/dev/nope").Create(ctx, &flowthings.Drop{}, nil)
		var bad *core.BadRequestError
		assert.ErrorAs(t, err, &bad, "POST /drop with an unknown path is 400")
		_, _, err = c.Drop("").Read(ctx, "d1", nil)
		var input *core.InputError
		assert.ErrorAs(t, err, &input)
	})
}

func TestEmulatorDropCapacity(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	flow := createFlow(t, ctx, env.c, "/dev/small", flowthings.Object{"capacity": 3})
	assert.Equal(t, int64(3), flow.GetCapacity())
	drops := env.c.Drop(flow.GetID())
	var all []string
	for i := range 5 {
		d, _, err := drops.Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"i": i}}, nil)
		require.NoError(t, err)
		all = append(all, d.GetID())
	}
	found, _, err := drops.FindMany(ctx, core.Params{"order": "asc"})
	require.NoError(t, err)
	assert.Equal(t, all[2:], ids(t, found), "the oldest drops are evicted")
	_, _, err = drops.Read(ctx, all[0], nil)
	assert.True(t, core.IsNotFound(err), "evicted drop: %v", err)

	// Lowering the capacity evicts at once.
	flow.Capacity = flowthings.Ptr[int64](1)
	_, _, err = env.c.Flow.Update(ctx, flow, nil)
	require.NoError(t, err)
	found, _, err = drops.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, all[4:], ids(t, found))

	// Capacity 0 stores nothing but accepts the write.
	zero := createFlow(t, ctx, env.c, "/dev/zero", flowthings.Object{"capacity": 0})
	d, resp, err := env.c.Drop(zero.GetID()).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"i": 1}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	_, _, err = env.c.Drop(zero.GetID()).Read(ctx, d.GetID(), nil)
	assert.True(t, core.IsNotFound(err), "capacity 0 stores nothing: %v", err)
}

func TestEmulatorAggregate(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	flow := createFlow(t, ctx, env.c, "/dev/agg", nil)
	drops := env.c.Drop(flow.GetID())
	for _, d := range []struct {
		town string
		temp int
	}{{"Brooklyn", 10}, {"Queens", 40}, {"Brooklyn", 20}, {"Queens", 50}, {"Brooklyn", 30}} {
		_, _, err := drops.Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"town": d.town, "temp": d.temp}}, nil)
		require.NoError(t, err)
	}
	type row struct {
		town       string
		count, avg float64
		max        float64
		hot        float64 // $avg:hot, -1 when not asked
	}
	for _, tc := range []struct {
		name string
		agg  core.Aggregation
		want []row
	}{
		{"group by town", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp"},
		}, []row{{"Brooklyn", 3, 20, 30, -1}, {"Queens", 2, 45, 50, -1}}},
		{"sorted desc by count", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp"},
			Sorts:   []string{"$avg:elems.temp:desc"},
		}, []row{{"Queens", 2, 45, 50, -1}, {"Brooklyn", 3, 20, 30, -1}}},
		{"filter and rules", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp", "$avg:hot"},
			Filter:  filter.M("elems", "temp").Gt(10),
			Rules:   map[string]any{"hot": "elems.temp >= 30"},
			Sorts:   []string{"elems.town:asc"},
		}, []row{{"Brooklyn", 2, 25, 30, 0.5}, {"Queens", 2, 45, 50, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, resp, err := drops.Aggregate(ctx, tc.agg, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, "/drop/"+flow.GetID()+"/aggregate", env.rec.last(t).Path)
			require.Len(t, rows, len(tc.want))
			for i, w := range tc.want {
				r := rows[i]
				assert.Equal(t, w.town, r["elems.town"], "row %d", i)
				assert.Equal(t, w.count, num(t, r["$count"]), "row %d count", i)
				assert.InDelta(t, w.avg, num(t, r["$avg:elems.temp"]), 1e-9, "row %d avg", i)
				assert.Equal(t, w.max, num(t, r["$max:elems.temp"]), "row %d max", i)
				if w.hot >= 0 {
					assert.InDelta(t, w.hot, num(t, r["$avg:hot"]), 1e-9, "row %d hot", i)
				}
			}
		})
	}

	// No groupBy: one row.
	rows, _, err := drops.Aggregate(ctx, core.Aggregation{Output: []string{"$count", "$sum:elems.temp"}}, nil)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, float64(5), num(t, rows[0]["$count"]))
	assert.Equal(t, float64(150), num(t, rows[0]["$sum:elems.temp"]))

	// A bad selector, a bad filter: 400.
	_, _, err = drops.Aggregate(ctx, core.Aggregation{Output: []string{"$median:elems.temp"}}, nil)
	var bad *core.BadRequestError
	assert.ErrorAs(t, err, &bad)
	_, _, err = drops.Aggregate(ctx, core.Aggregation{Output: []string{"$count"}, Filter: "elems.temp >"}, nil)
	if assert.ErrorAs(t, err, &bad) {
		assert.Contains(t, strings.Join(bad.Errors, " "), "position")
	}
	// No output: refused by the client or by the platform, never a success.
	_, _, err = drops.Aggregate(ctx, core.Aggregation{}, nil)
	assert.Error(t, err)
}
