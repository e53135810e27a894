package lazy_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/flowthings/lazy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// delayed answers reads of /flow/{id} with {"id": id} after a delay, finds
// with two flows, and 404 for "missing" ids.
func delayed(unit time.Duration) (flowthings.Transport, *atomic.Int32) {
	var calls atomic.Int32
	return flowthings.TransportFunc(func(ctx context.Context, req core.Request) (int, []byte, error) {
		calls.Add(1)
		id := req.Path[strings.LastIndexByte(req.Path, '/')+1:]
		select {
		case <-time.After(unit):
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
		head := `{"head":{"status":200,"ok":true,"errors":[],"messages":[]},"body":`
		switch {
		case id == "missing":
			return 404, []byte(`{"head":{"status":404,"ok":false,"errors":["not found"]},"body":{}}`), nil
		case req.Path == "/flow":
			return 200, []byte(head + `[{"id":"fA"},{"id":"fB"}]}`), nil
		case strings.HasPrefix(req.Path, "/drop/"):
			return 200, []byte(head + `[{"id":"d1","flowId":"` + strings.Split(req.Path, "/")[2] + `"}]}`), nil
		}
		return 200, []byte(head + `{"id":"` + id + `"}}`), nil
	}), &calls
}

func newLazyClient(t *testing.T, unit time.Duration) (*flowthings.Client, *atomic.Int32) {
	t.Helper()
	tr, calls := delayed(unit)
	c, err := flowthings.NewClient(core.Config{Account: "alice", Token: "tok", Host: "api.test"}, tr)
	require.NoError(t, err)
	return c, calls
}

func TestLazyParallel(t *testing.T) {
	const unit = 200 * time.Millisecond
	c, _ := newLazyClient(t, unit)
	g := lazy.New(t.Context(), 0)
	start := time.Now()
	var futures []*lazy.Future[*flowthings.Flow]
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		futures = append(futures, lazy.Go(g, func(ctx context.Context) (*flowthings.Flow, error) {
			return flowthings.Result(c.Flow.Read(ctx, id, nil))
		}))
	}
	assert.Less(t, time.Since(start), unit/2, "calls return futures at once")
	all, err := lazy.All(futures...).Get()
	elapsed := time.Since(start)
	require.NoError(t, err)
	require.Len(t, all, 5)
	assert.Equal(t, "c", all[2].GetID())
	// Sequential would be 5 units; parallel is about 1. The bound leaves
	// room for a loaded machine.
	assert.Less(t, elapsed, 3*unit, "5 calls of %v in parallel", unit)
	t.Logf("5 calls × %v took %v", unit, elapsed)
}

// gated answers each call once the gate named by its path is opened
// (paths without a gate answer at once).
type gated struct {
	gates map[string]chan struct{}
}

func (g *gated) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	if gate, ok := g.gates[req.Path]; ok {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
	}
	head := `{"head":{"status":200,"ok":true,"errors":[],"messages":[]},"body":`
	switch {
	case req.Path == "/flow":
		return 200, []byte(head + `[{"id":"fA"},{"id":"fB"}]}`), nil
	case strings.HasPrefix(req.Path, "/drop/"):
		return 200, []byte(head + `[{"id":"d1","flowId":"` + strings.Split(req.Path, "/")[2] + `"}]}`), nil
	}
	return 200, []byte(head + `{"id":"x"}}`), nil
}

func isDone(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestLazyDependencies(t *testing.T) {
	t.Parallel()
	tr := &gated{gates: map[string]chan struct{}{"/flow": make(chan struct{}), "/flow/slow": make(chan struct{})}}
	c, err := flowthings.NewClient(core.Config{Account: "alice", Token: "tok", Host: "api.test"}, tr)
	require.NoError(t, err)
	g := lazy.New(t.Context(), 0)

	flows := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, core.Params{"limit": 2}))
	})
	slow := lazy.Go(g, func(ctx context.Context) (*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.Read(ctx, "slow", nil))
	})
	// drops depends on the id of the first flow only.
	firstID := lazy.Field[string](flows, "0", "id")
	drops := lazy.Go1(g, firstID, func(ctx context.Context, flowID string) ([]*flowthings.Drop, error) {
		return flowthings.Result(c.Drop(flowID).FindMany(ctx, core.Params{"limit": 10}))
	})

	time.Sleep(30 * time.Millisecond)
	assert.False(t, isDone(drops.Done()), "the dependant waits for its input")

	close(tr.gates["/flow"]) // the input arrives; the unrelated call stays blocked
	wctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got, err := drops.Wait(wctx)
	require.NoError(t, err, "the dependant must not wait for the unrelated call")
	assert.Equal(t, "fA", got[0].GetFlowID(), "the dependant got the id of the first flow")
	assert.False(t, isDone(slow.Done()))

	close(tr.gates["/flow/slow"])
	_, err = slow.Get()
	require.NoError(t, err)

	// Go2 and Then.
	pair := lazy.Go2(g, firstID, lazy.Field[string](flows, "1", "id"), func(ctx context.Context, a, b string) (string, error) {
		return a + "+" + b, nil
	})
	v, err := pair.Get()
	require.NoError(t, err)
	assert.Equal(t, "fA+fB", v)
	n := lazy.Then(flows, func(fs []*flowthings.Flow) (int, error) { return len(fs), nil })
	count, err := n.Wait(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, count)
}

func TestLazyErrorsPropagate(t *testing.T) {
	t.Parallel()
	c, calls := newLazyClient(t, 5*time.Millisecond)
	g := lazy.New(t.Context(), 2)
	missing := lazy.Go(g, func(ctx context.Context) (*flowthings.Flow, error) {
		return flowthings.Result(c.Flow.Read(ctx, "missing", nil))
	})
	id := lazy.Field[string](missing, "id")
	dependant := lazy.Go1(g, id, func(ctx context.Context, id string) (*flowthings.Flow, error) {
		t.Error("must not run")
		return flowthings.Result(c.Flow.Read(ctx, id, nil))
	})
	second := lazy.Go2(g, lazy.Value("x"), dependant, func(ctx context.Context, a string, b *flowthings.Flow) (int, error) {
		t.Error("must not run")
		return 0, nil
	})
	_, err := second.Get()
	require.Error(t, err)
	assert.True(t, core.IsNotFound(err), "the original error reaches every dependant: %v", err)
	_, err = lazy.Then(dependant, func(*flowthings.Flow) (string, error) { return "", nil }).Get()
	assert.True(t, core.IsNotFound(err))
	_, err = lazy.All(lazy.Value(&flowthings.Flow{}), missing).Get()
	assert.True(t, core.IsNotFound(err))
	assert.Equal(t, int32(1), calls.Load(), "only the failing call did I/O")

	// Go2 whose first input fails.
	boom := errors.New("boom")
	_, err = lazy.Go2(g, lazy.Failed[string](boom), lazy.Value(1), func(context.Context, string, int) (int, error) { return 0, nil }).Get()
	assert.ErrorIs(t, err, boom)
}

func TestLazyField(t *testing.T) {
	t.Parallel()
	src := lazy.Value[any](map[string]any{
		"list":  []any{map[string]any{"id": "x"}},
		"objs":  []map[string]any{{"id": "y"}},
		"many":  map[string]map[string]any{"k": {"id": "z"}},
		"count": 3,
	})
	tests := []struct {
		path []string
		want any
		err  string
	}{
		{[]string{"list", "0", "id"}, "x", ""},
		{[]string{"objs", "0", "id"}, "y", ""},
		{[]string{"many", "k", "id"}, "z", ""},
		{[]string{"list", "1"}, nil, "out of range"},
		{[]string{"list", "-1"}, nil, "needs an index"},
		{[]string{"list", "x"}, nil, "needs an index"},
		{[]string{"objs", "9"}, nil, "out of range"},
		{[]string{"objs", "a"}, nil, "needs an index"},
		{[]string{"many", "nope"}, nil, "no member"},
		{[]string{"nope"}, nil, "no member"},
		{[]string{"count", "x"}, nil, "cannot step into int"},
		{[]string{"count"}, nil, "is int, not string"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.path, "."), func(t *testing.T) {
			v, err := lazy.Field[string](src, tc.path...).Get()
			if tc.err != "" {
				var fe *lazy.FieldError
				require.ErrorAs(t, err, &fe)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
		})
	}
}

func TestLazyContextAndBound(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	g := lazy.New(ctx, 1)
	block := make(chan struct{})
	started := make(chan struct{})
	first := lazy.Go(g, func(ctx context.Context) (int, error) { close(started); <-block; return 1, nil })
	<-started
	second := lazy.Go(g, func(ctx context.Context) (int, error) { return 2, nil })
	time.Sleep(20 * time.Millisecond)
	select {
	case <-second.Done():
		t.Fatal("the second call ran beyond the bound")
	default:
	}
	cancel()
	_, err := second.Get()
	assert.ErrorIs(t, err, context.Canceled)
	close(block)
	v, err := first.Get()
	require.NoError(t, err)
	assert.Equal(t, 1, v)

	// Waiting gives up with the waiter's context.
	never := lazy.Go(lazy.New(t.Context(), 1), func(ctx context.Context) (int, error) {
		time.Sleep(time.Second)
		return 0, nil
	})
	wctx, wcancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer wcancel()
	_, err = never.Wait(wctx)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}
