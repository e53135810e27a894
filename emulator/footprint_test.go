package emulator

import (
	"context"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStoredDropFootprint: a stored drop of five elems keeps well under
// 1 KB of heap (the decoded maps took about 3 KB), so a day of 1 Hz data
// fits in memory.
func TestStoredDropFootprint(t *testing.T) {
	n := 20000
	if raceEnabled {
		n = 5000
	}
	e, err := New(Config{})
	require.NoError(t, err)
	defer e.Close()
	p, aerr := e.authenticate("", DefaultToken, "dev")
	require.Nil(t, aerr)
	fid := benchCreate(t, e, p, "flow", "", `{"path":"/dev/day","capacity":100000}`)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		benchCreate(t, e, p, "drop", fid, typicalDrop(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(n)
	t.Logf("%d bytes of heap per stored drop", per)
	assert.Less(t, per, int64(1024))
	// and it reads back as written
	l := e.execute(context.Background(), p, operation{Method: "GET", Version: "4.0", Account: "dev", Service: "drop", FlowID: fid, Params: map[string]string{"limit": "1"}})
	require.Equal(t, 200, l.Status)
	d := l.Body.([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"temp": 34.9, "humidity": int64(79), "device": "sensor-199", "ok": (n-1)%7 != 0, "seq": int64(n - 1)}, d["elems"])
}
