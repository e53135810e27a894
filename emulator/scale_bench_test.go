package emulator

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// BenchmarkScale builds one flow of 100,000 typical drops (five elems) and
// prints the figures of issue 7 next to their targets: find latencies over
// HTTP on 127.0.0.1, RSS and heap per stored drop, 64 writers' throughput
// with and without a client looping finds, and what WebSocket subscribers
// (stuck or reading) cost a create. It takes 30 to 70 seconds and is never
// part of a plain `go test`:
//
//	go test ./emulator -run '^$' -bench Scale -benchtime 1x
//
// Machines are noisy: ratios (writers with and without a finder) are
// measured within one run.
func BenchmarkScale(b *testing.B) {
	for range b.N {
		runScale(b, os.Stdout)
	}
}

const scaleDrops = 100000

type scaleReport struct {
	w io.Writer
}

func (r scaleReport) line(name, got, target string, ok bool) {
	verdict := "met"
	if !ok {
		verdict = "MISSED"
	}
	if target == "" {
		verdict = ""
	}
	fmt.Fprintf(r.w, "  %-58s %-22s %-14s %s\n", name, got, target, verdict)
}

func runScale(b *testing.B, w io.Writer) {
	rep := scaleReport{w}
	fmt.Fprintf(w, "\nflowthings emulator scale report (%d drops, GOMAXPROCS=%d, %s)\n", scaleDrops, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "  %-58s %-22s %-14s %s\n", "figure", "measured", "target", "")

	e, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	p, aerr := e.authenticate("", DefaultToken, "dev")
	if aerr != nil {
		b.Fatal(aerr)
	}
	fid := benchCreate(b, e, p, "flow", "", fmt.Sprintf(`{"path":"/dev/day","capacity":%d}`, scaleDrops))

	// ---- memory: build the flow in process ----
	runtime.GC()
	debug.FreeOSMemory()
	rss0 := readRSS()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	start := time.Now()
	for i := range scaleDrops {
		benchCreate(b, e, p, "drop", fid, typicalDrop(i))
	}
	build := time.Since(start)
	runtime.GC()
	rss1 := readRSS()
	var ms1 runtime.MemStats
	runtime.ReadMemStats(&ms1)
	debug.FreeOSMemory()
	rss2 := readRSS()
	perDrop := func(a, b uint64) float64 { return float64(int64(b)-int64(a)) / scaleDrops }
	rep.line("build 100,000 drops in process (create throughput)",
		fmt.Sprintf("%.0f drops/s", scaleDrops/build.Seconds()), "", true)
	rssPer := perDrop(rss0, rss1)
	rep.line("RSS per stored drop (after GC)", fmt.Sprintf("%.0f B", rssPer), "<= 2048 B", rssPer <= 2048)
	rep.line("RSS per stored drop (after GC + FreeOSMemory)", fmt.Sprintf("%.0f B", perDrop(rss0, rss2)), "", true)
	rep.line("live heap per stored drop", fmt.Sprintf("%.0f B", perDrop(ms0.HeapAlloc, ms1.HeapAlloc)), "", true)

	// ---- finds over real HTTP on 127.0.0.1 ----
	srv := httptest.NewServer(e.Handler())
	defer srv.Close()
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	base := srv.URL + "/v0.1/dev/drop/" + fid
	find := func(query string) (time.Duration, int) {
		st := time.Now()
		n := benchGet(b, client, base+query)
		return time.Since(st), n
	}
	timed := func(name, query, target string, limit time.Duration, runs, want int) {
		ds := make([]time.Duration, 0, runs)
		for range runs {
			d, n := find(query)
			if want >= 0 && n != want {
				b.Fatalf("%s: %d drops, want %d", name, n, want)
			}
			ds = append(ds, d)
		}
		med := median(ds)
		rep.line(name, fmt.Sprintf("%.2f ms (median of %d)", ms(med), runs), target, limit == 0 || med <= limit)
	}
	often := "elems.temp > 12" // about 90 % of the drops
	rare := "elems.device == 'sensor-000' && elems.seq < 0"
	timed("find newest 20, no filter", "?limit=20", "<= 5 ms", 5*time.Millisecond, 41, 20)
	timed("find limit=20, filter matching ~90 % (newest first)", "?limit=20&filter="+url.QueryEscape(often), "<= 10 ms", 10*time.Millisecond, 41, 20)
	timed("find limit=20, filter matching nothing (full scan)", "?limit=20&filter="+url.QueryEscape(rare), "", 0, 5, 0)
	timed("find limit=20, sort=elems.seq", "?limit=20&sort=elems.seq", "", 0, 5, 20)
	timed("find skip=99990", "?skip=99990&limit=20", "", 0, 11, 10)
	bigIn := inList("n", MaxFilterLength) // the longest accepted: about 6,000 values
	values := strings.Count(bigIn, ",") + 1
	body := fmt.Sprintf(`[{"flowId":%q,"params":{"limit":"20","filter":%s}}]`, fid, strconv.Quote(bigIn))
	ds := make([]time.Duration, 0, 3)
	for range 3 {
		st := time.Now()
		benchDo(b, client, "MGET", srv.URL+"/v0.1/dev/drop", body)
		ds = append(ds, time.Since(st))
	}
	rep.line(fmt.Sprintf("MGET, IN list of %d values (64 KiB) matching nothing", values), fmt.Sprintf("%.1f ms (median of 3)", ms(median(ds))), "", true)

	// ---- 64 writers, alone and with a client looping finds ----
	const writers = 64
	const phase = 3 * time.Second
	alone := writePhase(b, client, base, writers, phase, nil)
	finder := func(ctx context.Context) int {
		queries := []string{"?limit=20", "?limit=20&filter=" + url.QueryEscape(often)}
		n := 0
		for ctx.Err() == nil {
			_, _ = benchSend(ctx, client, "GET", base+queries[n%len(queries)], "")
			n++
		}
		return n
	}
	with := writePhase(b, client, base, writers, phase, finder)
	scanner := func(ctx context.Context) int {
		n := 0
		for ctx.Err() == nil {
			_, _ = benchSend(ctx, client, "GET", base+"?limit=20&filter="+url.QueryEscape(rare), "")
			n++
		}
		return n
	}
	withScan := writePhase(b, client, base, writers, phase, scanner)
	rep.line("64 writers alone", alone.String(), "", true)
	ratio := with.rate / alone.rate
	rep.line("64 writers + 1 client looping finds (newest / often)", with.String(), "", true)
	rep.line("  throughput kept", fmt.Sprintf("%.0f %%", 100*ratio), ">= 50 %", ratio >= 0.5)
	rep.line("64 writers + 1 client looping full-scan finds", withScan.String(), "", true)
	rep.line("  throughput kept", fmt.Sprintf("%.0f %%", 100*withScan.rate/alone.rate), "", true)

	// ---- WebSocket push ----
	wsPhase(b, rep, e, p, srv, client)
}

type phaseResult struct {
	rate     float64
	p50, p99 time.Duration
	finds    int
}

func (r phaseResult) String() string {
	s := fmt.Sprintf("%.0f drops/s p50 %.1f p99 %.1f ms", r.rate, ms(r.p50), ms(r.p99))
	if r.finds > 0 {
		s += fmt.Sprintf(", %d finds", r.finds)
	}
	return s
}

// writePhase runs writers POSTing drops for d, with side looping next to
// them when given.
func writePhase(b *testing.B, client *http.Client, base string, writers int, d time.Duration, side func(context.Context) int) phaseResult {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	lats := make([][]time.Duration, writers)
	var finds atomic.Int64
	if side != nil {
		wg.Add(1)
		go func() { defer wg.Done(); finds.Add(int64(side(ctx))) }()
	}
	start := time.Now()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				st := time.Now()
				status, err := benchSend(ctx, client, "POST", base, typicalDrop(w*1000000+i))
				if err != nil {
					return
				}
				if status == http.StatusCreated {
					lats[w] = append(lats[w], time.Since(st))
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	all := slices.Concat(lats...)
	slices.Sort(all)
	r := phaseResult{rate: float64(len(all)) / el.Seconds(), finds: int(finds.Load())}
	if len(all) > 0 {
		r.p50, r.p99 = all[len(all)/2], all[len(all)*99/100]
	}
	return r
}

// wsPhase measures what subscribers cost a create: stuck subscribers
// (never reading) against none, and push throughput to reading ones.
func wsPhase(b *testing.B, rep scaleReport, e *Emulator, p *principal, srv *httptest.Server, client *http.Client) {
	const fast, slow, creates = 20, 5, 20000
	fid := benchCreate(b, e, p, "flow", "", `{"path":"/dev/push","capacity":1000}`)
	base := srv.URL + "/v0.1/dev/drop/" + fid
	// creates runs 8 writers of creates/8 drops each and returns the rate
	// and the sorted latencies
	createRun := func() (float64, []time.Duration) {
		var mu sync.Mutex
		var all []time.Duration
		var wg sync.WaitGroup
		start := time.Now()
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range creates / 8 {
					st := time.Now()
					benchDo(b, client, "POST", base, typicalDrop(w*creates+i))
					d := time.Since(st)
					mu.Lock()
					all = append(all, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		rate := float64(len(all)) / time.Since(start).Seconds()
		slices.Sort(all)
		return rate, all
	}
	wsBase := "ws" + strings.TrimPrefix(srv.URL, "http")
	dial := func() *websocket.Conn {
		req, _ := http.NewRequest("POST", srv.URL+"/session", nil)
		req.Header.Set("X-Auth-Token", DefaultToken)
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var env struct {
			Body struct{ ID string } `json:"body"`
		}
		if err := decodeInto(res.Body, &env); err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, wsBase+"/session/"+env.Body.ID+"/ws", nil)
		if err != nil {
			b.Fatal(err)
		}
		c.SetReadLimit(-1)
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"msgId":"s","object":"drop","type":"subscribe","flowId":"`+fid+`"}`)); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.Read(ctx); err != nil {
			b.Fatal(err)
		}
		return c
	}
	pct := func(l []time.Duration, p int) float64 { return ms(l[len(l)*p/100]) }

	noneRate, none := createRun()
	rep.line("creates, no subscriber (8 writers)", fmt.Sprintf("%.0f/s p50 %.2f p99 %.2f ms", noneRate, pct(none, 50), pct(none, 99)), "", true)

	stuck := make([]*websocket.Conn, slow)
	for i := range stuck {
		stuck[i] = dial() // never reads: its queue fills, then it is closed
	}
	stuckRate, withStuck := createRun()
	ratio := pct(withStuck, 50) / pct(none, 50)
	rep.line(fmt.Sprintf("creates, %d stuck subscribers (never reading)", slow),
		fmt.Sprintf("%.0f/s p50 %.2f p99 %.2f ms", stuckRate, pct(withStuck, 50), pct(withStuck, 99)), "", true)
	// the fan-out never waits for a subscriber: what remains is its own
	// work (a check and a non-blocking enqueue per subscriber) and the
	// CPU the server's writers spend until the stuck sockets are closed
	rep.line("  create p50 with stuck subscribers / without", fmt.Sprintf("%.2fx", ratio), "< 1.5x (no wait)", ratio < 1.5)
	codes := make([]string, 0, slow)
	for _, c := range stuck {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var err error
		for err == nil {
			_, _, err = c.Read(ctx) // drain what was sent before the close
		}
		cancel()
		if code := websocket.CloseStatus(err); code >= 0 {
			codes = append(codes, strconv.Itoa(int(code)))
		} else {
			codes = append(codes, "open")
		}
	}
	rep.line("  close codes of the stuck subscribers", strings.Join(codes, ","), "1008 each",
		!slices.ContainsFunc(codes, func(c string) bool { return c != "1008" }))

	var received atomic.Int64
	var readers sync.WaitGroup
	conns := make([]*websocket.Conn, fast)
	for i := range conns {
		c := dial()
		conns[i] = c
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				if _, _, err := c.Read(context.Background()); err != nil {
					return
				}
				received.Add(1)
			}
		}()
	}
	st := time.Now()
	readRate, withReaders := createRun()
	deadline := time.Now().Add(60 * time.Second)
	for received.Load() < fast*creates && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	pushEl := time.Since(st)
	for _, c := range conns {
		_ = c.CloseNow()
	}
	readers.Wait()
	rep.line(fmt.Sprintf("creates, %d reading subscribers", fast),
		fmt.Sprintf("%.0f/s p50 %.2f p99 %.2f ms", readRate, pct(withReaders, 50), pct(withReaders, 99)), "", true)
	rep.line("  pushes delivered", fmt.Sprintf("%d of %d, %.0f/s", received.Load(), fast*creates, float64(received.Load())/pushEl.Seconds()), "", true)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// readRSS returns the resident set size from /proc/self/status (0 where
// that does not exist).
func readRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
