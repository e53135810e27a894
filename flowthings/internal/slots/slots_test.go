package slots

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimiterBoundsAndOrder(t *testing.T) {
	t.Parallel()
	l := New(2)
	var running, peak atomic.Int32
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 10 {
		tk := l.Line() // in line in call order, before any goroutine runs
		wg.Add(1)
		go func() {
			defer wg.Done()
			require.NoError(t, Run(t.Context(), tk, func(context.Context) {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				running.Add(-1)
			}))
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int32(2))
	require.Len(t, order, 10)
	// Slots go first come, first served: with 2 slots, call i starts no
	// later than every call after i+1.
	for i, v := range order {
		assert.LessOrEqual(t, v, i+1, "order %v", order)
	}
}

func TestLimiterContext(t *testing.T) {
	t.Parallel()
	l := New(1)
	hold := l.Line()
	require.NoError(t, hold.Wait(t.Context()))

	ctx, cancel := context.WithCancel(t.Context())
	waiting := l.Line()
	next := l.Line()
	cancel()
	assert.ErrorIs(t, waiting.Wait(ctx), context.Canceled, "leaves the line")
	assert.ErrorIs(t, Run(ctx, l.Line(), func(context.Context) { t.Error("ran") }), context.Canceled)

	l.Release() // to next, the only one still in line
	require.NoError(t, next.Wait(t.Context()))
	l.Release()

	// A slot granted as the context ends is handed on, not lost.
	done, stop := context.WithCancel(t.Context())
	stop()
	granted := l.Line() // free slot: granted at once
	assert.NoError(t, granted.Wait(done), "a granted slot wins over an ended context")
	l.Release()
	ran := false
	assert.ErrorIs(t, Run(done, l.Line(), func(context.Context) { ran = true }), context.Canceled)
	assert.False(t, ran, "no call starts after its context ended")
	assert.Equal(t, 1, l.free, "every slot is back")
	assert.Equal(t, Default, New(0).free)
}
