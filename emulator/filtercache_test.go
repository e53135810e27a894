package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inList is an IN filter of about n bytes whose values start with tag.
func inList(tag string, n int) string {
	var b strings.Builder
	b.WriteString("elems.device IN [")
	for i := 0; b.Len() < n-16; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "'%s-%d'", tag, i)
	}
	b.WriteString("]")
	return b.String()
}

// TestFilterLengthCap: a filter longer than MaxFilterLength is a 400 that
// names the limit, wherever a filter is accepted.
func TestFilterLengthCap(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/f")["id"].(string)
	long := inList("x", MaxFilterLength+100)
	require.Greater(t, len(long), MaxFilterLength)
	ok := inList("y", MaxFilterLength-100)
	v.must(http.StatusOK, "GET", "/v0.1/dev/drop/"+fid+"?filter="+url.QueryEscape(ok), nil)
	limit := strconv.Itoa(MaxFilterLength)
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"find", "GET", "/v0.1/dev/drop/" + fid + "?filter=" + url.QueryEscape(long), nil},
		{"flow find", "GET", "/v0.1/dev/flow?filter=" + url.QueryEscape(long), nil},
		{"flow filter member", "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/g", "filter": long}},
		{"track filter member", "POST", "/v0.1/dev/track", map[string]any{"source": "/dev/f", "destination": "/dev/g", "filter": long}},
		{"aggregate", "POST", "/v0.1/dev/drop/" + fid + "/aggregate", map[string]any{"filter": long, "output": []any{"$count"}}},
		{"MGET", "MGET", "/v0.1/dev/drop", []any{map[string]any{"flowId": fid, "params": map[string]any{"filter": long}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := v.with(t).must(http.StatusBadRequest, c.method, c.path, c.body)
			assert.Contains(t, r.err(), limit)
		})
	}
	cl := v.connect()
	m := cl.must(http.StatusBadRequest, map[string]any{"object": "drop", "type": "findmany", "flowId": fid, "options": map[string]any{"filter": long}})
	assert.Contains(t, m.Head.Errors[0], limit)
}

// TestFilterRegexSizeCap: a short filter whose regexes expand to a huge
// program (a{1000} repeated) is refused before it is compiled.
func TestFilterRegexSizeCap(t *testing.T) {
	v := newEnv(t, Config{})
	huge := "elems.s =~ /" + strings.Repeat("a{1000}", 300) + "/"
	r := v.must(http.StatusBadRequest, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(huge), nil)
	assert.Contains(t, r.err(), strconv.Itoa(MaxFilterRegexSize))
	spread := strings.Repeat("elems.s =~ /a{1000}b{1000}/ || ", 20) + "true == true"
	v.must(http.StatusBadRequest, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(spread), nil)
	// comments of the x flag do not hide the size
	extended := "elems.s =~ /" + strings.Repeat("a{1000} # [( comment\n", 30) + "/x"
	v.must(http.StatusBadRequest, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(extended), nil)
	v.must(http.StatusOK, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape(`path =~ /^\/dev\/[a-z]{1,20}$/i`), nil)
	v.must(http.StatusOK, "GET", "/v0.1/dev/flow?filter="+url.QueryEscape("path =~ /dev # the account\n [a-z#]{1,20}/x"), nil)
}

// TestFilterCacheBoundedBySize: distinct large filters do not pile up: the
// cache keeps its accounted size under its bound and the heap stays near
// that (each distinct 590 KB filter used to keep about 14 MB). The bound is
// lowered to 4 MiB to keep the test short.
func TestFilterCacheBoundedBySize(t *testing.T) {
	const limit = 4 << 20
	e, err := New(Config{})
	require.NoError(t, err)
	defer e.Close()
	e.filters.limit = limit
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const n = 60
	for i := range n {
		_, err := e.compileFilter(inList(fmt.Sprintf("v%d", i), MaxFilterLength/2))
		require.NoError(t, err)
		e.filters.mu.Lock()
		size := e.filters.bytes
		e.filters.mu.Unlock()
		require.LessOrEqual(t, size, limit)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap grew by %d KiB for %d distinct %d-byte filters", grown>>10, n, MaxFilterLength/2)
	assert.Less(t, grown, int64(limit+4<<20), "the cache is bounded by size (by estimate)")
	// a cached filter is found again
	src := inList("again", 1000)
	m1, err := e.compileFilter(src)
	require.NoError(t, err)
	m2, err := e.compileFilter(src)
	require.NoError(t, err)
	assert.Same(t, m1, m2)
}
