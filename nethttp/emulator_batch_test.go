package nethttp_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/flowthings/lazy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// Batch and lazy

func TestEmulatorBatch(t *testing.T) {
	t.Parallel()
	// Every request takes 5 ms and call i makes 6-i requests, so the
	// calls overlap (3 at a time) and the early ones finish last.
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.Latency = 5 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	b := flowthings.NewBatch(ctx, 3)
	var paths []string
	for i := range 6 {
		path := fmt.Sprintf("/dev/batch/f%d", i)
		paths = append(paths, path)
		idx := b.Add(func(ctx context.Context) (any, error) {
			for range 5 - i {
				if _, _, err := c.Identity.FindMany(ctx, core.Params{"limit": 1}); err != nil {
					return nil, err
				}
			}
			return flowthings.Result(c.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr(path), Capacity: flowthings.Ptr(int64(10 + i))}, nil))
		})
		assert.Equal(t, i, idx)
	}
	results, err := b.Results()
	require.NoError(t, err)
	require.Len(t, results, 6)
	for i, r := range results {
		require.IsType(t, &flowthings.Flow{}, r)
		assert.Equal(t, paths[i], r.(*flowthings.Flow).GetPath(), "result %d is call %d's", i, i)
	}
	// They did finish out of order: creation order is visible in the ids.
	found, _, err := c.Flow.FindMany(ctx, core.Params{"order": "asc"}, filter.M("path").Matches("^/dev/batch/", ""))
	require.NoError(t, err)
	require.Len(t, found, 6)
	assert.NotEqual(t, paths, func() (ps []string) {
		for _, f := range found {
			ps = append(ps, f.GetPath())
		}
		return ps
	}(), "the calls did not overlap")

	// Mixed outcomes keep their places; Results reports the first error in
	// call order.
	b = flowthings.NewBatch(ctx, 0)
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, core.Params{"sort": "path", "order": "asc"}, filter.M("path").Matches("^/dev/batch/", "")))
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.Read(ctx, "f"+strings.Repeat("0", 24), nil))
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.Create(ctx, &flowthings.Flow{Path: flowthings.Ptr("/dev/batch/f0")}, nil)) // duplicate path
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Identity.FindMany(ctx, nil))
	})
	require.Equal(t, 4, b.Len())
	outs := b.ResultsWithErrors()
	require.Len(t, outs, 4)
	require.NoError(t, outs[0].Err)
	found = outs[0].Value.([]*flowthings.Flow)
	var got []string
	for _, f := range found {
		got = append(got, f.GetPath())
	}
	assert.Equal(t, paths, got)
	assert.True(t, core.IsNotFound(outs[1].Err), "%v", outs[1].Err)
	assert.Equal(t, 400, apiStatus(outs[2].Err), "duplicate path: %v", outs[2].Err)
	assert.NoError(t, outs[3].Err)
	assert.Len(t, outs[3].Value, 2)
	_, err = b.Results()
	assert.True(t, core.IsNotFound(err), "the first error in call order: %v", err)
}

func TestEmulatorLazy(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.Latency = 2 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/lazy/a", nil)
	var want []string
	for i := range 3 {
		d, _, err := c.Drop(flow.GetID()).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"i": i}}, nil)
		require.NoError(t, err)
		want = append([]string{d.GetID()}, want...) // newest first
	}
	createFlow(t, ctx, c, "/dev/lazy/b", nil)

	g := lazy.New(ctx, 2)
	flows := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/a")))
	})
	other := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/b")))
	})
	id := lazy.Field[string](flows, "0", "id")
	drops := lazy.Go1(g, id, func(ctx context.Context, id string) ([]*flowthings.Drop, error) {
		return flowthings.Result(c.Drop(id).FindMany(ctx, core.Params{"limit": 10}))
	})
	count := lazy.Then(drops, func(ds []*flowthings.Drop) (int, error) { return len(ds), nil })
	both := lazy.Go2(g, id, lazy.Field[string](other, "0", "path"), func(ctx context.Context, id, path string) (string, error) {
		f, _, err := c.Flow.Read(ctx, id, nil)
		if err != nil {
			return "", err
		}
		return f.GetPath() + "+" + path, nil
	})

	got, err := drops.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, ids(t, got))
	n, err := count.Get()
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	s, err := both.Get()
	require.NoError(t, err)
	assert.Equal(t, "/dev/lazy/a+/dev/lazy/b", s)

	// Failures propagate: an empty find has no "0", a 404 fails its dependants.
	none := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/none")))
	})
	noDrops := lazy.Go1(g, lazy.Field[string](none, "0", "id"), func(ctx context.Context, id string) ([]*flowthings.Drop, error) {
		t.Error("must not run")
		return nil, nil
	})
	_, err = noDrops.Get()
	var fieldErr *lazy.FieldError
	assert.ErrorAs(t, err, &fieldErr)
	missing := lazy.Go(g, func(ctx context.Context) (*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.Read(ctx, "f"+strings.Repeat("0", 24), nil))
	})
	dep := lazy.Go1(g, lazy.Field[string](missing, "path"), func(ctx context.Context, p string) ([]*flowthings.Drop, error) {
		return flowthings.Result(c.DropPath(p).FindMany(ctx, nil))
	})
	all, err := lazy.All(drops, dep).Get()
	assert.Nil(t, all)
	assert.True(t, core.IsNotFound(err), "%v", err)
}
