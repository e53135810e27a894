//go:build !js

package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxWorkerGzip is the Workers Free plan's limit on a Worker's compressed
// size (3 MB); the Go Worker must stay under it with room for what the
// bundled JavaScript adds.
const maxWorkerGzip = 3_000_000

// TestGoWorkerSize builds the Go Worker as workers/harness.js does and
// checks that it links no net/http (which alone would take it past the
// limit) and that its wasm is under the Free plan's limit, gzipped.
func TestGoWorkerSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a wasm binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	env := append(os.Environ(), "GOOS=js", "GOARCH=wasm")

	list := exec.Command(goBin, "list", "-deps", ".")
	list.Env = env
	deps, err := list.Output()
	require.NoError(t, err)
	for _, pkg := range strings.Fields(string(deps)) {
		assert.NotContains(t, []string{"net/http", "net"}, pkg, "the Go Worker must not link %s", pkg)
	}

	out := filepath.Join(t.TempDir(), "app.wasm")
	build := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	build.Env = env
	msg, err := build.CombinedOutput()
	require.NoError(t, err, string(msg))
	wasm, err := os.ReadFile(out)
	require.NoError(t, err)
	var gz bytes.Buffer
	w, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	require.NoError(t, err)
	_, err = w.Write(wasm)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	t.Logf("Go Worker: %d bytes raw, %d gzip (limit %d)", len(wasm), gz.Len(), maxWorkerGzip)
	assert.Less(t, gz.Len(), maxWorkerGzip)
}
