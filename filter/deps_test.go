package filter

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoHeavyDependencies keeps the package small enough for the wasm build:
// the evaluator's regexp lives in filter/eval, and fmt/reflect are avoided
// too because this package does not need them.
func TestNoHeavyDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not available")
	}
	forbidden := []string{"regexp", "encoding/json", "net/url", "net/http", "fmt", "reflect"}
	targets := map[string][]string{
		"host":        nil,
		"js/wasm":     {"GOOS=js", "GOARCH=wasm"},
		"wasip1/wasm": {"GOOS=wasip1", "GOARCH=wasm"},
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(goBin, "list", "-deps", "github.com/flowthings/flowthings-wasm/filter")
			cmd.Env = append(os.Environ(), target...)
			out, err := cmd.Output()
			require.NoError(t, err)
			deps := strings.Fields(string(out))
			require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/filter")
			for _, pkg := range forbidden {
				assert.NotContains(t, deps, pkg)
			}
		})
	}
}
