package core

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wsProbeCeiling bounds what the ws probe (everything the wasm bridge will
// call) adds to the floor, in bytes of wasm compressed by compress/gzip at
// BestCompression: the 186,053 bytes measured with Go 1.26 plus 5 % (it
// was 167,835 before subscriptions with backfill: exactly-once delivery,
// gaps, retries, liveness probes, the handshake's bound).
// Raise the ceiling only knowingly.
const wsProbeCeiling = 195_356

// The wasm module's limits, as build.sh's. build.sh measures with gzip -9;
// compress/gzip at BestCompression compresses about 1 % worse, so this
// check is the stricter one.
const (
	moduleMaxRaw  = 3_100_000
	moduleMaxGzip = 860_000
)

// moduleForbidden are the packages the wasm module must not link: fmt,
// reflect and os cost about 120 KB of gzip and are used by nothing the
// module needs; time (with the syscall, syscall/js and internal/godebug
// its initialization links) about 80 KB, for durations and a clock that
// core and the evaluator keep as milliseconds instead; regexp,
// encoding/json and net/http would be megabytes.
var moduleForbidden = []string{"fmt", "reflect", "os", "time", "syscall", "syscall/js", "internal/godebug",
	"regexp", "regexp/syntax", "encoding/json", "net/http"}

// TestWasmSize builds the probes of core/internal/wasmprobe and the wasm
// module (./wasm) for js/wasm with the release flags and no build tags, as
// anyone's plain go build does, logs their sizes and what each probe adds
// to the floor, checks the module's limits and what the builds link.
func TestWasmSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wasm binaries")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	const probes = "./core/internal/wasmprobe/"
	names := []string{"floor", "rest", "filter", "ws", "wasm"}
	dir := t.TempDir()
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", dir + string(filepath.Separator)}
	for _, name := range names[:len(names)-1] {
		args = append(args, probes+name)
	}
	goWasm(t, goBin, append(args, "./wasm")...)

	files := make([]string, len(names))
	for i, name := range names {
		files[i] = filepath.Join(dir, name)
	}
	gzs := gzipSizes(t, goBin, files)
	var floor int
	sizes := map[string]int{}
	for i, name := range names {
		info, err := os.Stat(files[i])
		require.NoError(t, err)
		gz := gzs[i]
		if name == "floor" {
			floor = gz
		}
		sizes[name] = gz - floor
		t.Logf("%-8s raw %8d  gzip %7d  +%6d over the floor", name, info.Size(), gz, gz-floor)
		if name == "wasm" {
			assert.LessOrEqual(t, info.Size(), int64(moduleMaxRaw), "the wasm module is over its raw limit")
			assert.LessOrEqual(t, gz, moduleMaxGzip, "the wasm module is over its gzip limit")
		}
	}

	// Filters are parsed and rendered, requests built and decoded without
	// the forbidden packages (TestWasmModuleDependencies keeps them out of
	// the import graph; this checks what is linked). Functions the floor
	// has too are the runtime's, even when named after another package
	// (the runtime implements time.now).
	runtimes := map[string]bool{}
	for _, fn := range linkedFunctions(t, goBin, dir, probes+"floor") {
		runtimes[fn] = true
	}
	for _, pkg := range []string{probes + "filter", probes + "ws", "./wasm"} {
		var hits []string
		for _, fn := range linkedFunctions(t, goBin, dir, pkg) {
			if runtimes[fn] {
				continue
			}
			for _, banned := range moduleForbidden {
				if strings.HasPrefix(fn, wasmName(banned)+".") {
					hits = append(hits, fn)
				}
			}
		}
		sort.Strings(hits)
		assert.Empty(t, hits[:min(len(hits), 20)], "%s links a forbidden package (%d functions)", pkg, len(hits))
	}

	assert.LessOrEqual(t, sizes["ws"], wsProbeCeiling, "the ws probe grew past its ceiling")
}

// wasmName is a package path as Go's wasm name section spells it: "/" and
// "-" become "_" ("regexp/syntax" → "regexp_syntax").
func wasmName(pkg string) string { return strings.NewReplacer("/", "_", "-", "_").Replace(pkg) }

// linkedFunctions returns the names of the functions the linker keeps in
// the build of pkg, from the wasm name section of a build without -s.
// (Not from -ldflags=-dumpdep: its listing was replayed by later cached
// builds of the module, into build.sh's output.)
func linkedFunctions(t *testing.T, goBin, dir, pkg string) []string {
	t.Helper()
	out := filepath.Join(dir, "named.wasm")
	goWasm(t, goBin, "build", "-trimpath", "-o", out, pkg)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	names, err := wasmFunctionNames(b)
	require.NoError(t, err)
	require.NotEmpty(t, names, "the build of %s has a name section", pkg)
	return names
}

// wasmFunctionNames reads the function names of a wasm module's "name"
// custom section.
func wasmFunctionNames(b []byte) ([]string, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, errors.New("not a wasm module")
	}
	p := 8
	uleb := func() int {
		n, shift := 0, 0
		for p < len(b) {
			c := b[p]
			p++
			n |= int(c&0x7f) << shift
			if c < 0x80 {
				break
			}
			shift += 7
		}
		return n
	}
	var names []string
	for p < len(b) {
		id := b[p]
		p++
		size := uleb()
		end := p + size
		if end > len(b) {
			return nil, errors.New("truncated section")
		}
		if id == 0 {
			n := uleb()
			if string(b[p:p+n]) == "name" {
				p += n
				for p < end {
					sub := b[p]
					p++
					subEnd := p + uleb()
					if sub == 1 { // function names: count, then (index, name) pairs
						for count := uleb(); count > 0 && p < subEnd; count-- {
							uleb()
							l := uleb()
							names = append(names, string(b[p:p+l]))
							p += l
						}
					}
					p = subEnd
				}
			}
		}
		p = end
	}
	return names, nil
}

// goWasm runs the go command for js/wasm in the module root and returns its
// standard error, where -dumpdep writes.
func goWasm(t *testing.T, goBin string, args ...string) string {
	t.Helper()
	_, stderr := goRun(t, goBin, []string{"GOOS=js", "GOARCH=wasm"}, args...)
	return stderr
}

// goRun runs the go command in the module root with env added to the
// environment and returns its standard output and error.
func goRun(t *testing.T, goBin string, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(goBin, args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	require.NoError(t, cmd.Run(), "go %s\n%s", strings.Join(args, " "), errOut.String())
	return out.String(), errOut.String()
}

// gzipSizes returns the size of each file compressed by compress/gzip at
// BestCompression. The compression runs in core/testdata/gzsize, a program
// built without the race detector: under "go test -race" compressing the
// probes in the test itself took 16 s instead of 1.5 s.
func gzipSizes(t *testing.T, goBin string, files []string) []int {
	t.Helper()
	out, _ := goRun(t, goBin, nil, append([]string{"run", "./core/testdata/gzsize"}, files...)...)
	fields := strings.Fields(out)
	require.Len(t, fields, len(files), "gzsize output: %q", out)
	sizes := make([]int, len(fields))
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		require.NoError(t, err, "gzsize output: %q", out)
		sizes[i] = n
	}
	return sizes
}

func TestWasmName(t *testing.T) {
	assert.Equal(t, "regexp_syntax", wasmName("regexp/syntax"))
	assert.Equal(t, "github.com_flowthings_flowthings_wasm_core", wasmName("github.com/flowthings/flowthings-wasm/core"))
	_, err := wasmFunctionNames([]byte("not wasm"))
	assert.Error(t, err)
}
