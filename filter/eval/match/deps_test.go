package match

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoRegexEngine keeps what the wasm module must not link out of the
// evaluator: a regex engine (the module uses the host's RegExp, see
// Options.Regex), encoding/json, fmt and reflect.
func TestNoRegexEngine(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/filter/eval/match")
	for _, banned := range []string{"regexp", "regexp/syntax", "encoding/json", "fmt", "reflect", "os"} {
		assert.NotContains(t, deps, banned)
	}
}
