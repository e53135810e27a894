package core

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsProbeCeiling bounds what the ws probe (everything the wasm bridge will
// call) adds to the floor, in bytes of wasm compressed by compress/gzip at
// BestCompression: the 140,171 bytes measured with Go 1.26 plus 5 %. The
// whole bridge module has about 126 KB on top of the floor for core, filter
// and the bridge itself. Raise the ceiling only knowingly.
const wsProbeCeiling = 147_180

// TestWasmSize builds the probes of core/internal/wasmprobe for js/wasm with
// the release flags, logs their sizes and what each adds to the floor, and
// checks what the bridge's build links.
func TestWasmSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wasm binaries")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	const probes = "./core/internal/wasmprobe/"
	names := []string{"floor", "rest", "filter", "ws"}
	dir := t.TempDir()
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(filepath.Separator)}
	for _, name := range names {
		args = append(args, probes+name)
	}
	goWasm(t, goBin, args...)

	var floor int
	sizes := map[string]int{}
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		gz := gzipSize(t, raw)
		if name == "floor" {
			floor = gz
		}
		sizes[name] = gz - floor
		t.Logf("%-8s raw %8d  gzip %7d  +%6d over the floor", name, len(raw), gz, gz-floor)
	}

	// Filters are parsed and rendered, requests built and decoded without
	// encoding/json or regexp (TestDependencies keeps them out of the import
	// graph; this checks what is linked).
	forbidden := regexp.MustCompile(`(^|[^\w/])(regexp|regexp/syntax|encoding/json)\.`)
	for _, name := range []string{"filter", "ws"} {
		var hits []string
		for sym := range linkedSymbols(t, goBin, dir, probes+name) {
			if forbidden.MatchString(sym) {
				hits = append(hits, sym)
			}
		}
		sort.Strings(hits)
		assert.Empty(t, hits[:min(len(hits), 20)], "the %s probe links regexp or encoding/json (%d symbols)", name, len(hits))
	}

	assert.LessOrEqual(t, sizes["ws"], wsProbeCeiling, "the ws probe grew past its ceiling")
}

// linkedSymbols returns the symbols the linker keeps in the build of pkg,
// from its -dumpdep output ("from -> to <attributes>" per reference).
func linkedSymbols(t *testing.T, goBin, dir, pkg string) map[string]bool {
	t.Helper()
	deps := goWasm(t, goBin, "build", "-trimpath", "-ldflags=-dumpdep", "-o", filepath.Join(dir, "dumpdep.wasm"), pkg)
	syms := map[string]bool{}
	for _, line := range strings.Split(deps, "\n") {
		if _, to, ok := strings.Cut(line, " -> "); ok {
			to, _, _ = strings.Cut(to, " <")
			syms[to] = true
		}
	}
	return syms
}

// goWasm runs the go command for js/wasm in the module root and returns its
// standard error, where -dumpdep writes.
func goWasm(t *testing.T, goBin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "go %s\n%s", strings.Join(args, " "), stderr.String())
	return stderr.String()
}

func gzipSize(t *testing.T, data []byte) int {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Len()
}
