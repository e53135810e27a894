package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBridgeJSUpToDate fails when js/bridge.js is not what the declaration
// of the module's functions generates: run `go generate ./wasm/internal/bridge`.
func TestBridgeJSUpToDate(t *testing.T) {
	want, err := generate(filepath.Join("..")) // the bridge package
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join("..", output))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "js/bridge.js is stale: run go generate ./wasm/internal/bridge")
}

func TestGenerate(t *testing.T) {
	src, err := generate("..")
	require.NoError(t, err)
	text := string(src)
	assert.Contains(t, text, "export function build(cfg, op) { return callModule('build', cfg, op); }")
	assert.Contains(t, text, " * @param {string | null} body\n")
	assert.Contains(t, text, " * Build builds the request of an operation", "documented from the Go method")
	assert.Equal(t, "Build", methodName((&fakeBridge{}).Build))
	assert.Equal(t, []string{"one two", "three"}, wrap("one two three", 7))
}

type fakeBridge struct{}

func (*fakeBridge) Build() {}
