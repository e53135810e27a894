package flowthings_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// corpus is filter/eval/testdata/differential.json, which the JavaScript
// live query's test (test/js/live-differential.test.js) runs too.
type corpus struct {
	Drops      []json.RawMessage `json:"drops"`
	Filters    []corpusFilter    `json:"filters"`
	ModuleOnly []corpusFilter    `json:"moduleOnly"`
}

type corpusFilter struct {
	Filter string   `json:"filter"`
	Want   []string `json:"want"`
}

func loadCorpus(t *testing.T) corpus {
	t.Helper()
	data, err := os.ReadFile("../filter/eval/testdata/differential.json")
	require.NoError(t, err)
	var c corpus
	require.NoError(t, json.Unmarshal(data, &c))
	return c
}

// TestLiveDifferential runs every filter of the corpus through a find on
// the emulator and through live queries that receive the same drops as
// pushes: both must give the corpus's answer, in the same order.
func TestLiveDifferential(t *testing.T) {
	env := newLiveEnv(t)
	c := loadCorpus(t)
	found := env.flow(t, "/dev/live/differential/found")
	pushed := env.flow(t, "/dev/live/differential/pushed")
	ws := env.ws(t)

	queries := make([]*flowthings.LiveQuery, len(c.Filters))
	for i, f := range c.Filters {
		q, err := env.c.Drop(pushed).Live(t.Context(), f.Filter, &flowthings.LiveOptions{WebSocket: ws})
		require.NoError(t, err, f.Filter)
		require.Empty(t, q.Drops())
		queries[i] = q
	}
	names := map[string]string{} // drop id → name, both flows
	for _, raw := range c.Drops {
		for _, flowID := range []string{found, pushed} {
			d, err := flowthings.Into[*flowthings.Drop](raw)
			require.NoError(t, err)
			d, _, err = env.c.Drop(flowID).Create(t.Context(), d, nil)
			require.NoError(t, err)
			names[d.GetID()], _ = d.Elems.String("name")
		}
	}
	named := func(drops []*flowthings.Drop) []string {
		out := []string{}
		for _, d := range drops {
			out = append(out, names[d.GetID()])
		}
		return out
	}
	newestFirst := func(want []string) []string {
		w := slices.Clone(want)
		slices.Reverse(w)
		return w
	}

	deadline := time.Now().Add(liveWait)
	for i, f := range c.Filters {
		want := newestFirst(f.Want)
		drops, _, err := env.c.Drop(found).FindMany(t.Context(), core.Params{"limit": 100}, f.Filter)
		require.NoError(t, err, f.Filter)
		assert.Equal(t, want, named(drops), "find: %s", f.Filter)
		for !slices.Equal(want, named(queries[i].Drops())) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		assert.Equal(t, want, named(queries[i].Drops()), "live: %s", f.Filter)
	}

	// Regexes only JavaScript's RegExp runs are refused by both.
	for _, f := range c.ModuleOnly {
		_, _, err := env.c.Drop(found).FindMany(t.Context(), nil, f.Filter)
		assert.Equal(t, core.KindBadRequest, core.KindOf(err), "find: %s", f.Filter)
		_, err = env.c.Drop(pushed).Live(t.Context(), f.Filter, &flowthings.LiveOptions{WebSocket: ws})
		assert.Equal(t, core.KindInput, core.KindOf(err), "live: %s", f.Filter)
	}
}
