package core

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDependencies keeps the protocol layer lean by its import graph: core
// and filter are what the wasm module links, so neither may depend on
// net/http (megabytes of wasm), syscall/js (it would tie the Go client to
// the browser), encoding/json or regexp (bodies travel as raw JSON; the
// evaluator that needs regexp lives in filter/eval).
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./core", "./filter")
	cmd.Dir = ".." // the module root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/core")
	for _, banned := range []string{"net/http", "syscall/js", "encoding/json", "regexp"} {
		assert.NotContains(t, deps, banned)
	}
}
