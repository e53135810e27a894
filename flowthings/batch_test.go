package flowthings

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings/internal/slots"
)

// slowRESTTransport answers every read with the id it was asked for, after a
// delay, and records the peak number of calls in flight.
type slowRESTTransport struct {
	delay    time.Duration
	inFlight atomic.Int32
	peak     atomic.Int32
	calls    atomic.Int32
}

func (s *slowRESTTransport) Do(ctx context.Context, req core.Request) (int, []byte, error) {
	s.calls.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
	id := req.Path[strings.LastIndexByte(req.Path, '/')+1:]
	if strings.HasPrefix(id, "missing") {
		return 404, envJSON(404, `{}`), nil
	}
	if req.Method == "GET" && !strings.Contains(req.Path[1:], "/") { // a find
		return 200, envJSON(200, `[{"id":"from-find"}]`), nil
	}
	return 200, envJSON(200, `{"id":"`+id+`"}`), nil
}

func newSlowRESTClient(t *testing.T, delay time.Duration) (*Client, *slowRESTTransport) {
	t.Helper()
	st := &slowRESTTransport{delay: delay}
	c, err := NewClient(testConfig(), st)
	require.NoError(t, err)
	return c, st
}

func TestBatchOrderAndErrors(t *testing.T) {
	t.Parallel()
	c, _ := newSlowRESTClient(t, 5*time.Millisecond)
	b := NewBatch(t.Context(), 3)
	ids := []string{"a", "missing1", "c", "d", "missing2", "f", "g"}
	for i, id := range ids {
		idx := b.Add(func(ctx context.Context) (any, error) {
			return Result(c.Flow.Read(ctx, id, nil))
		})
		assert.Equal(t, i, idx)
	}
	assert.Equal(t, len(ids), b.Len())

	outcomes := b.ResultsWithErrors()
	require.Len(t, outcomes, len(ids))
	for i, id := range ids {
		if strings.HasPrefix(id, "missing") {
			assert.True(t, core.IsNotFound(outcomes[i].Err), id)
			assert.Nil(t, outcomes[i].Value)
			continue
		}
		require.NoError(t, outcomes[i].Err)
		assert.Equal(t, &Flow{ID: Ptr(id)}, outcomes[i].Value, "results come back in call order")
	}

	values, err := b.Results()
	require.Error(t, err)
	var nf *core.NotFoundError
	require.ErrorAs(t, err, &nf)
	assert.Equal(t, "/flow/missing1", nf.Path, "the first failure in call order")
	assert.Equal(t, &Flow{ID: Ptr("a")}, values[0])
	assert.Nil(t, values[1])

	ok := NewBatch(t.Context(), 0)
	ok.Add(func(ctx context.Context) (any, error) { return 1, nil })
	vals, err := ok.Results()
	require.NoError(t, err)
	assert.Equal(t, []any{1}, vals)
}

func TestBatchBoundedConcurrency(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2, 4} {
		c, st := newSlowRESTClient(t, 50*time.Millisecond)
		b := NewBatch(t.Context(), limit)
		for i := 0; i < 10; i++ {
			b.Add(func(ctx context.Context) (any, error) { return Result(c.Flow.Read(ctx, "x", nil)) })
		}
		_, err := b.Results()
		require.NoError(t, err)
		assert.Equal(t, int32(limit), st.peak.Load(), "at most %d calls at once, and that many used", limit)
		assert.Equal(t, int32(10), st.calls.Load())
	}
}

func TestBatchContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	b := NewBatch(ctx, 1)
	started := make(chan struct{})
	release := make(chan struct{})
	b.Add(func(ctx context.Context) (any, error) {
		close(started)
		<-release
		return "first", nil
	})
	ran := atomic.Bool{}
	b.Add(func(ctx context.Context) (any, error) { ran.Store(true); return "second", nil })
	<-started
	cancel()
	close(release)
	out := b.ResultsWithErrors()
	assert.Equal(t, "first", out[0].Value)
	assert.ErrorIs(t, out[1].Err, context.Canceled)
	assert.False(t, ran.Load(), "a call not started when the context ends does not run")
	assert.True(t, errors.Is(out[1].Err, context.Canceled))
}

func TestOneDefaultConcurrency(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slots.Default, DefaultConcurrency, "Batch and lazy share one default")
}
