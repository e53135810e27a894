package emulator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowFlow fills a flow with n drops whose long strings make a MATCHES
// filter that never matches take a while per drop.
func slowFlow(t *testing.T, e *Emulator, n int) (fid, filter string) {
	t.Helper()
	if raceEnabled {
		n /= 10
	}
	p, aerr := e.authenticate("", DefaultToken, "dev")
	require.Nil(t, aerr)
	fid = benchCreate(t, e, p, "flow", "", `{"path":"/dev/slow","capacity":100000}`)
	long := strings.Repeat("ab", 1500)
	for i := range n {
		benchCreate(t, e, p, "drop", fid, fmt.Sprintf(`{"elems":{"s":"%s%d","i":%d}}`, long, i, i))
	}
	return fid, "MATCHES /b[ab]*c/"
}

// TestLongScanDoesNotStallWriters: a find that reads every drop does not
// hold the lock writers need for its length (a 13 s find made a drop
// create wait 22 s).
func TestLongScanDoesNotStallWriters(t *testing.T) {
	v := newEnv(t, Config{})
	fid, slow := slowFlow(t, v.emu, 2000)
	other := v.flow("/dev/other")["id"].(string)
	find := "/v0.1/dev/drop/" + fid + "?filter=" + url.QueryEscape(slow)
	start := time.Now()
	require.Empty(t, v.must(http.StatusOK, "GET", find, nil).list())
	lone := time.Since(start)
	t.Logf("a lone scan: %v", lone)
	require.Greater(t, lone, 40*time.Millisecond, "the scan must be long enough to measure")

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); v.must(http.StatusOK, "GET", find, nil) }()
	time.Sleep(lone / 5) // the scan is under way
	start = time.Now()
	v.drop(other, map[string]any{"n": 1})
	v.drop(fid, map[string]any{"n": 2})
	took := time.Since(start)
	wg.Wait()
	t.Logf("two creates during the scan: %v", took)
	assert.Less(t, took, lone/3, "creates do not wait for the scan")
}

// TestScanStopsWhenTheClientIsGone: a client that gives up ends the scan
// (its operation finishes right after, with 503), over REST and in process.
func TestScanStopsWhenTheClientIsGone(t *testing.T) {
	v := newEnv(t, Config{})
	fid, slow := slowFlow(t, v.emu, 2000)
	find := "/v0.1/dev/drop/" + fid + "?filter=" + url.QueryEscape(slow)
	start := time.Now()
	v.must(http.StatusOK, "GET", find, nil)
	lone := time.Since(start)
	require.Greater(t, lone, 40*time.Millisecond)

	type call struct {
		status int
		at     time.Time
	}
	calls := make(chan call, 10)
	defer v.emu.AddCallListener(func(ev CallEvent) {
		if ev.Service == svcDrop {
			calls <- call{ev.Status, time.Now()}
		}
	})()
	ctx, cancel := context.WithTimeout(context.Background(), lone/10)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", v.srv.URL+find, nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", devTok)
	_, err = v.client.Do(req)
	require.Error(t, err, "the client gave up")
	gaveUp := time.Now()
	select {
	case c := <-calls:
		assert.Equal(t, http.StatusServiceUnavailable, c.status)
		assert.Less(t, c.at.Sub(gaveUp), lone/2, "the scan stopped soon after the client left")
	case <-time.After(10 * lone):
		t.Fatal("the operation never finished")
	}

	// in process, for every kind of scan
	p, _ := v.emu.authenticate("", devTok, "dev")
	done, stop := context.WithCancel(context.Background())
	stop()
	for _, op := range []operation{
		{Method: "GET", Service: "drop", FlowID: fid, Params: map[string]string{"filter": slow}},
		{Method: "GET", Service: "drop", FlowID: fid, Params: map[string]string{"sort": "elems.i"}},
		{Method: "MGET", Service: "drop", Body: []byte(`[{"flowId":"` + fid + `","params":{"filter":"` + slow + `"}}]`)},
		{Method: "POST", Service: "drop", FlowID: fid, Tail: "aggregate", Body: []byte(`{"output":["$count"]}`)},
	} {
		op.Version, op.Account = "0.1", "dev"
		assert.Equal(t, http.StatusServiceUnavailable, v.emu.execute(done, p, op).Status, "%s %s", op.Method, op.Params)
	}
}

// TestDropQueriesMatchReference: the fast paths (a page cut out directly,
// a filtered page that stops when full, a heap for other sorts) give what
// filtering and sorting every drop gives, also after the clock went back.
func TestDropQueriesMatchReference(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	p, _ := v.emu.authenticate("", devTok, "dev")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, disorder := range []bool{false, true} {
		fid := benchCreate(t, v.emu, p, "flow", "", fmt.Sprintf(`{"path":"/dev/ref%t","capacity":100000}`, disorder))
		for i := range 400 {
			step := time.Duration(rng.IntN(3)) * time.Millisecond // equal dates too
			if disorder && i%50 == 49 {
				step = -time.Second
			}
			clk.advance(step)
			body := fmt.Sprintf(`{"elems":{"n":%d,"g":"%c"}}`, rng.IntN(40), 'a'+rune(rng.IntN(4)))
			if i%9 == 0 {
				body = `{"elems":{"other":1}}`
			}
			benchCreate(t, v.emu, p, "drop", fid, body)
		}
		v.emu.mu.RLock()
		require.Equal(t, disorder, v.emu.st.flowDrops[fid].disordered)
		l := v.emu.st.flowDrops[fid].recs
		all := make([]*record, len(l))
		for i, r := range l {
			all[i] = &record{Seq: r.seq, Obj: r.object("/dev/ref")}
		}
		v.emu.mu.RUnlock()
		for range 80 {
			params := map[string]string{"limit": strconv.Itoa(rng.IntN(30)), "hints": "0"}
			if rng.IntN(3) > 0 {
				params["start"] = strconv.Itoa(rng.IntN(450))
			}
			if rng.IntN(2) == 0 {
				params["order"] = "asc"
			}
			switch rng.IntN(4) {
			case 0:
				params["sort"] = "elems.n"
			case 1:
				params["sort"] = "lastEditDate"
			}
			if rng.IntN(2) == 0 {
				params["filter"] = []string{"elems.n > 20", "elems.g == 'b'", "EXISTS elems.other", "elems.n == 999"}[rng.IntN(4)]
			}
			q, qerr := v.emu.parseQuery(params, "0.1")
			require.Nil(t, qerr)
			ref, rerr := q.selectRecords(context.Background(), all)
			require.Nil(t, rerr)
			want := make([]string, len(ref))
			for i, r := range ref {
				want[i] = r.id()
			}
			res := v.emu.execute(context.Background(), p, operation{Method: "GET", Version: "0.1", Account: "dev", Service: "drop", FlowID: fid, Params: params})
			require.Equal(t, http.StatusOK, res.Status, "%v", res.Errors)
			got := []string{}
			for _, d := range res.Body.([]any) {
				got = append(got, d.(map[string]any)["id"].(string))
			}
			if len(want) == 0 {
				want = []string{}
			}
			require.Equal(t, want, got, "disorder=%t %v", disorder, params)
		}
	}
}
