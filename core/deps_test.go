package core

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDependencies keeps the protocol layer lean by its import graph: core,
// filter and the evaluator filter/eval/match are what the wasm module
// links, so none may depend on net/http (megabytes of wasm), syscall/js (it
// would tie the Go client to the browser), encoding/json or regexp (bodies
// travel as raw JSON; the module's regexes run on the host's RegExp, and
// RE2 is filter/eval's default), nor on time, on any platform (durations
// and clocks are milliseconds: see moduleForbidden).
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./core", "./filter", "./filter/eval/match")
	cmd.Dir = ".." // the module root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/core")
	for _, banned := range []string{"net/http", "syscall/js", "encoding/json", "regexp", "time"} {
		assert.NotContains(t, deps, banned)
	}
}

// TestWasmModuleDependencies keeps the Go client, its lazy futures,
// net/http and the packages the module has no use for out of the wasm
// module (package wasm, built for js/wasm as a plain go build does, with
// no build tags): the JavaScript package drives core directly, its
// laziness is promises, and the module talks to JavaScript only through
// its exports (no fmt, reflect, os, time: see moduleForbidden).
func TestWasmModuleDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./wasm")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/core")
	for _, banned := range []string{
		"github.com/flowthings/flowthings-wasm/flowthings",
		"github.com/flowthings/flowthings-wasm/flowthings/lazy",
		"github.com/flowthings/flowthings-wasm/nethttp",
		"github.com/hack-pad/safejs",
	} {
		assert.NotContains(t, deps, banned)
	}
	for _, banned := range moduleForbidden {
		assert.NotContains(t, deps, banned)
	}
}
