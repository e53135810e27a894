package flowthings

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/filter/eval"
)

// pushed is the push of a drop: id, creationDate, version and temp.
func pushed(id string, created, version, temp int) core.WSDrop {
	return core.WSDrop{Value: fmt.Appendf(nil, `{"id":%q,"creationDate":%d,"version":%d,"elems":{"temp":{"type":"integer","value":%d}}}`, id, created, version, temp)}
}

func found(t *testing.T, pushes ...core.WSDrop) []*Drop {
	t.Helper()
	out := make([]*Drop, len(pushes))
	for i, p := range pushes {
		d, err := DecodeDrop(p)
		require.NoError(t, err)
		out[i] = d
	}
	return out
}

func hotQuery(t *testing.T, limit int) *LiveQuery {
	t.Helper()
	prog, err := eval.Compile(filter.M("temp").Gt(10), eval.Options{})
	require.NoError(t, err)
	return &LiveQuery{limit: limit, prog: prog, state: LiveCurrent}
}

func TestLiveApply(t *testing.T) {
	q := hotQuery(t, 3)
	q.drops = found(t, pushed("c", 30, 1, 11), pushed("b", 20, 1, 11))
	tests := []struct {
		name  string
		push  core.WSDrop
		want  []string
		added []string
		drops bool
	}{
		{"no match, not listed", pushed("x", 40, 1, 5), []string{"c", "b"}, nil, false},
		{"newest", pushed("d", 40, 1, 12), []string{"d", "c", "b"}, []string{"d"}, true},
		{"older than a full list", pushed("a", 10, 1, 12), []string{"d", "c", "b"}, nil, false},
		{"between, trimming the oldest", pushed("e", 25, 1, 12), []string{"d", "c", "e"}, []string{"e"}, true},
		{"same creationDate: the later push first", pushed("f", 25, 1, 12), []string{"d", "c", "f"}, []string{"f"}, true},
		{"update in place", pushed("c", 30, 2, 13), []string{"d", "c", "f"}, nil, true},
		{"a late earlier version", pushed("c", 30, 1, 11), []string{"d", "c", "f"}, nil, false},
	}
	for _, tc := range tests {
		c := q.apply(tc.push)
		assert.Empty(t, c.errs, tc.name)
		assert.Equal(t, tc.drops, c.drops, tc.name)
		assert.Equal(t, tc.want, idsOf(q.drops), tc.name)
		assert.Equal(t, tc.added, idsOf(c.added), tc.name)
	}
	temp, _ := q.drops[1].Elems.Int64("temp")
	assert.Equal(t, int64(13), temp)

	c := q.apply(core.WSDrop{Value: []byte(`[1]`)})
	require.Len(t, c.errs, 1)
	assert.Equal(t, core.KindFrame, core.KindOf(c.errs[0]))
	c = q.apply(core.WSDrop{Value: []byte(`{"id":"g","creationDate":50,"elems":{"temp":50},"version":"x"}`)})
	require.Len(t, c.errs, 1, "a drop that matches but does not decode")
	assert.Equal(t, []string{"d", "c", "f"}, idsOf(q.drops))

	// A drop that no longer matches leaves the list; a list not full needs
	// no find.
	q.limit = 4
	c = q.apply(pushed("c", 30, 3, 1))
	assert.Equal(t, liveChange{drops: true}, c)
	assert.Equal(t, []string{"d", "f"}, idsOf(q.drops))
}

func TestLiveReplaceAppliesPendingPushes(t *testing.T) {
	q := hotQuery(t, 3)
	q.drops = found(t, pushed("old", 5, 1, 11))
	q.syncing = true
	q.state = LiveResyncing
	// Pushed while the find ran: a new drop the find did not see yet, a
	// copy of one it saw (older than what it found), and an update it did
	// not see.
	q.pending = []core.WSDrop{pushed("n", 40, 1, 20), pushed("b", 20, 1, 11), pushed("c", 30, 3, 15)}
	c := q.replace(found(t, pushed("c", 30, 2, 12), pushed("b", 20, 2, 14), pushed("a", 10, 1, 11)))
	assert.False(t, q.syncing)
	assert.Equal(t, LiveCurrent, q.state)
	assert.True(t, c.drops)
	assert.True(t, c.state)
	assert.Equal(t, []string{"n", "c", "b"}, idsOf(q.drops))
	assert.Equal(t, []string{"n", "c", "b"}, idsOf(c.added))
	tc, _ := q.drops[1].Elems.Int64("temp")
	tb, _ := q.drops[2].Elems.Int64("temp")
	assert.Equal(t, []int64{15, 14}, []int64{tc, tb})
}

func idsOf(drops []*Drop) []string {
	if drops == nil {
		return nil
	}
	out := make([]string, len(drops))
	for i, d := range drops {
		out[i] = d.GetID()
	}
	return out
}

// TestLiveFindsAgainAfterAGap: a gap in the subscription's pushes (drops
// created while the socket was down, gone from the flow before the
// back-fill could find them) makes the query find its drops again.
func TestLiveFindsAgainAfterAGap(t *testing.T) {
	f, flow := backfillFixture(t, WSOptions{})
	_, stop := f.sock.ackSubscribes(nil)
	c, err := NewClient(wsTestCfg, f.sessions)
	require.NoError(t, err)
	var mu sync.Mutex
	var errs []error
	var states []LiveState
	q, err := c.Drop(flowA).Live(t.Context(), nil, &LiveOptions{
		WebSocket:     f.ws,
		OnError:       func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() },
		OnStateChange: func(s LiveState) { mu.Lock(); states = append(states, s); mu.Unlock() },
	})
	require.NoError(t, err)
	t.Cleanup(func() { q.Close(t.Context()) }) // (the context has ended by then: no waiting)
	f.sock.send(flow.add("d1", 100))
	require.Eventually(t, func() bool { return len(q.Drops()) == 1 }, wsWait, time.Millisecond)
	stop()

	f.sock.kill <- errors.New("EOF")
	flow.add("d2", 200)
	flow.add("d3", 300)
	flow.evict(2) // the flow's capacity removed d1 and d2
	sock2 := f.dialer.socket(t)
	_, stop = sock2.ackSubscribes(nil)
	defer stop()
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(states) == 2
	}, wsWait, time.Millisecond)
	mu.Lock()
	assert.Equal(t, []LiveState{LiveResyncing, LiveCurrent}, states)
	var gap *core.GapError
	require.Len(t, errs, 1)
	assert.ErrorAs(t, errs[0], &gap)
	mu.Unlock()
	assert.Equal(t, []string{"d3"}, idsOf(q.Drops()), "found again: d1 is gone")
	assert.NoError(t, q.Close(t.Context()))
}
