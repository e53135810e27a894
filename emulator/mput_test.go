package emulator

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMPUTFlowPathsUniqueAcrossBatch: an MPUT batch is validated as a
// whole, so two entries cannot take one path (a single PUT cannot either),
// and a refused batch changes nothing.
func TestMPUTFlowPathsUniqueAcrossBatch(t *testing.T) {
	v := newEnv(t, Config{DataDir: t.TempDir()})
	a := v.flow("/dev/a")["id"].(string)
	b := v.flow("/dev/b")["id"].(string)
	c := v.flow("/dev/c")["id"].(string)
	v.must(http.StatusBadRequest, "PUT", "/v0.1/dev/flow/"+a, map[string]any{"path": "/dev/b"})

	cases := []struct {
		name  string
		batch map[string]any
	}{
		{"two entries, one new path", map[string]any{a: map[string]any{"path": "/dev/same"}, b: map[string]any{"path": "/dev/same"}}},
		{"trailing slash is the same path", map[string]any{a: map[string]any{"path": "/dev/same"}, b: map[string]any{"path": "/dev/same/"}}},
		{"one moves onto another's unchanged path", map[string]any{a: map[string]any{"path": "/dev/b"}, c: map[string]any{"description": "x"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := v.with(t).must(http.StatusBadRequest, "MPUT", "/v0.1/dev/flow", tc.batch)
			assert.Contains(t, r.err(), "path")
		})
	}
	// nothing changed, the path index is intact
	for id, path := range map[string]string{a: "/dev/a", b: "/dev/b", c: "/dev/c"} {
		assert.Equal(t, path, v.must(http.StatusOK, "GET", "/v0.1/dev/flow/"+id, nil).obj()["path"])
	}
	d := v.must(http.StatusCreated, "POST", "/v0.1/dev/drop", map[string]any{"path": "/dev/a", "elems": map[string]any{}}).obj()
	assert.Equal(t, a, d["flowId"])
	v.must(http.StatusBadRequest, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/a"})
	v.flow("/dev/same") // still free

	// distinct new paths in one batch are fine
	ok := v.must(http.StatusOK, "MPUT", "/v0.1/dev/flow", map[string]any{a: map[string]any{"path": "/dev/a2"}, b: map[string]any{"path": "/dev/b2"}}).obj()
	require.Len(t, ok, 2)
	v.flow("/dev/a") // freed
	d = v.must(http.StatusCreated, "POST", "/v0.1/dev/drop", map[string]any{"path": "/dev/b2", "elems": map[string]any{}}).obj()
	assert.Equal(t, b, d["flowId"])
}
