package core

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDependencies keeps core and filter free of net/http and syscall/js:
// the wasm bridge imports them, and net/http would bloat it while syscall/js
// would tie the Go client to the browser.
func TestDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-deps", "./core/...", "./filter/...")
	cmd.Dir = ".." // the module root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/flowthings/flowthings-wasm/core")
	for _, banned := range []string{"net/http", "syscall/js"} {
		assert.NotContains(t, deps, banned)
	}
}

// TestBuildHalfJSONFree keeps the request-building and envelope files free
// of encoding/json and regexp: the wasm bridge calls them, and JSON travels
// through them as bytes.
func TestBuildHalfJSONFree(t *testing.T) {
	buildHalf := map[string]bool{
		"config.go": true, "escape.go": true, "params.go": true, "request.go": true,
		"envelope.go": true, "errors.go": true, "filtertext.go": true, "op.go": true,
		"aggregate.go": true, "jsonw.go": true,
	}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if buildHalf[name] {
				assert.NotContains(t, []string{"encoding/json", "regexp"}, path, "%s is on the wasm path and imports %s", name, path)
			}
		}
	}
}
