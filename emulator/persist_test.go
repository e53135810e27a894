package emulator

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	v1 := newEnv(t, Config{DataDir: dir})
	f := v1.flow("/dev/p", map[string]any{"capacity": 3})
	fid := f["id"].(string)
	var dropIDs []string
	for i := 0; i < 5; i++ {
		dropIDs = append(dropIDs, v1.drop(fid, map[string]any{"i": i, "set": map[string]any{"type": "sortedSet", "value": []any{3, 1}}})["id"].(string))
	}
	v1.must(200, "PUT", "/v0.1/dev/drop/"+fid+"/"+dropIDs[4], map[string]any{"fhash": "edited"})
	v1.must(200, "DELETE", "/v0.1/dev/drop/"+fid+"/"+dropIDs[3], nil)
	tk := v1.create("token", map[string]any{"paths": map[string]any{"/dev/p": map[string]any{"dropRead": true}}})
	tr := v1.create("track", map[string]any{"source": "/dev/p", "destination": "/dev/q"})
	q := v1.flow("/dev/q")
	dv := v1.create("device", map[string]any{"path": "/dev/dev1"})
	gone := v1.flow("/dev/gone")
	v1.must(200, "DELETE", "/v0.1/dev/flow/"+gone["id"].(string), nil)
	devID := v1.identityID("dev")
	sh := v1.create("share", map[string]any{"issuedTo": v1.identityID("guest"), "paths": map[string]any{"/dev/p": map[string]any{"read": true, "dropRead": true}}})
	flowsBefore := v1.must(200, "GET", "/v0.1/dev/flow?limit=100", nil).list()
	dropsBefore := v1.must(200, "GET", "/v0.1/dev/drop/"+fid, nil).list()
	require.NoError(t, v1.emu.Close())

	v2 := newEnv(t, Config{DataDir: dir})
	assert.Equal(t, devID, v2.identityID("dev"), "identities keep their ids")
	assert.Equal(t, flowsBefore, v2.must(200, "GET", "/v0.1/dev/flow?limit=100", nil).list())
	assert.Equal(t, dropsBefore, v2.must(200, "GET", "/v0.1/dev/drop/"+fid, nil).list())
	assert.Equal(t, []string{dropIDs[4], dropIDs[2]}, ids(dropsBefore))
	// the token still authenticates, the share still grants
	v2.must(200, "GET", "/v0.1/dev/drop/"+fid, nil, tok(tk["tokenString"].(string)))
	v2.must(200, "GET", "/v0.1/dev/drop/"+fid, nil, tok(guestTok), acct("guest"))
	v2.must(200, "GET", "/v0.1/dev/share/"+sh["id"].(string), nil)
	v2.must(200, "GET", "/v0.1/dev/device/"+dv["id"].(string), nil)
	v2.must(404, "GET", "/v0.1/dev/flow/"+gone["id"].(string), nil)
	// the track still runs; capacity eviction continues from the loaded order
	v2.drop(fid, map[string]any{"i": 5})
	assert.Len(t, v2.must(200, "GET", "/v0.1/dev/drop/"+q["id"].(string), nil).list(), 1)
	after := ids(v2.must(200, "GET", "/v0.1/dev/drop/"+fid+"?order=asc", nil).list())
	require.Len(t, after, 3)
	assert.Equal(t, []string{dropIDs[2], dropIDs[4]}, after[:2], "oldest (i=2) kept in order")
	_ = tr
	// paths are unique across the restart
	v2.must(400, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/p"})
	require.NoError(t, v2.emu.Close())

	// a third start sees the second run's writes
	v3 := newEnv(t, Config{DataDir: dir})
	assert.Len(t, v3.must(200, "GET", "/v0.1/dev/drop/"+q["id"].(string), nil).list(), 1)
	// a configured token wins over the stored default
	v4dir := t.TempDir()
	v4 := newEnv(t, Config{DataDir: v4dir, Token: "another-master-token-123456789012"})
	v4.must(200, "GET", "/v0.1/dev/flow", nil, tok("another-master-token-123456789012"))
	v4.must(401, "GET", "/v0.1/dev/flow", nil)
}

func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	e, err := New(Config{DataDir: dir})
	require.NoError(t, err)
	defer e.Close()
	start := time.Now()
	_, err = New(Config{DataDir: dir})
	assert.Error(t, err, "a second emulator cannot open the same data dir")
	assert.Less(t, time.Since(start), 10*time.Second)
}

// TestConcurrentWriters: 32 writers × 500 drops into one flow.
func TestConcurrentWriters(t *testing.T) {
	const writers, each = 32, 500
	v := newEnv(t, Config{})
	fid := v.flow("/dev/load", map[string]any{"capacity": 100000})["id"].(string)
	var events atomic.Int64
	defer v.emu.AddDropListener(func(DropEvent) { events.Add(1) })()
	url := "/v0.1/dev/drop/" + fid
	var wg sync.WaitGroup
	var failures atomic.Int64
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				body := fmt.Sprintf(`{"elems":{"w":%d,"i":%d}}`, w, i)
				req, _ := http.NewRequest("POST", v.srv.URL+url, stringsReader(body))
				req.Header.Set("X-Auth-Token", devTok)
				req.Header.Set("Content-Type", "application/json")
				res, err := v.client.Do(req)
				if err != nil {
					failures.Add(1)
					continue
				}
				drain(res)
				if res.StatusCode != http.StatusCreated {
					failures.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	t.Logf("%d drops in %v", writers*each, time.Since(start))
	require.Zero(t, failures.Load())
	v.emu.mu.RLock()
	n := v.emu.st.flowDrops[fid].len()
	unique := map[string]bool{}
	for _, r := range v.emu.st.flowDrops[fid].recs {
		unique[r.id] = true
	}
	v.emu.mu.RUnlock()
	assert.Equal(t, writers*each, n)
	assert.Len(t, unique, writers*each, "ids are unique")
	assert.EqualValues(t, writers*each, events.Load())
	l := v.must(200, "GET", url+"?limit=1000", nil).list()
	assert.Len(t, l, 1000)
	// statistics agree (summed over the last 10 years: robust to an hour
	// or year boundary during the test)
	assert.EqualValues(t, writers*each, sum(v.counts("/v0.1/dev/statistics/flowDropAdded/"+fid)))
	assert.EqualValues(t, writers*each, sum(v.counts("/v0.1/dev/statistics/dropCreatedBy/"+v.identityID("dev"))))
}

// TestConcurrentMixed runs readers, writers and deleters together under
// -race, with persistence.
func TestConcurrentMixed(t *testing.T) {
	v := newEnv(t, Config{DataDir: t.TempDir()})
	fid := v.flow("/dev/mix", map[string]any{"capacity": 50})["id"].(string)
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				switch g % 3 {
				case 0:
					v.do("POST", "/v0.1/dev/drop/"+fid, map[string]any{"elems": map[string]any{"g": g, "i": i}})
				case 1:
					v.do("GET", "/v0.1/dev/drop/"+fid+"?limit=5&refs=1", nil)
				case 2:
					f := v.do("POST", "/v0.1/dev/flow", map[string]any{"path": fmt.Sprintf("/dev/mix%d-%d", g, i)})
					if f.Status == 201 {
						v.do("DELETE", "/v0.1/dev/flow/"+f.obj()["id"].(string), nil)
					}
				}
			}
		}(g)
	}
	wg.Wait()
	assert.Len(t, v.must(200, "GET", "/v0.1/dev/drop/"+fid+"?limit=100", nil).list(), 50)
}
