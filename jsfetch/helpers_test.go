//go:build js && wasm

package jsfetch

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hack-pad/safejs"
	"github.com/stretchr/testify/require"
)

// testServer starts testdata/server.cjs in the Node.js running the test
// (go_js_wasm_exec gives Go its require) and returns its 127.0.0.1:port and
// the ws package's WebSocket constructor.
func testServer(t *testing.T) (base string, webSocket safejs.Value) {
	t.Helper()
	require_, err := safejs.Global().Get("require")
	require.NoError(t, err)
	require.Equal(t, safejs.TypeFunction, require_.Type(), "run under go_js_wasm_exec (Node.js)")
	wd, err := os.Getwd()
	require.NoError(t, err)
	mod, err := require_.Invoke(filepath.Join(wd, "testdata", "server.cjs"))
	require.NoError(t, err)
	started, err := mod.Call("start")
	require.NoError(t, err)
	server, err := Await(t.Context(), started)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = server.Call("close") })
	b, err := server.Get("base")
	require.NoError(t, err)
	base, err = b.String()
	require.NoError(t, err)
	webSocket, err = server.Get("WebSocket")
	require.NoError(t, err)
	return base, webSocket
}
