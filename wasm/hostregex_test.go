//go:build js && wasm

package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHostRegex runs a filter program's regexes on the host's RegExp, through
// the module's exports and host functions, as the JS package does.
func TestHostRegex(t *testing.T) {
	result := func(name, text string) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(exported(t, name, text)), &m))
		return m
	}
	prog := result("compileFilter", `[{"t":"text","text":"name =~ /(?<=a)b/i || name =~ /^(x)\\1$/"}]`)
	require.NotContains(t, prog, "error")
	id, _ := json.Marshal(prog["id"])
	matches := func(name string) bool {
		r := result("matchFilter", `[`+string(id)+`,{"elems":{"name":{"type":"string","value":"`+name+`"}}}]`)
		require.NotContains(t, r, "error")
		return r["match"].(bool)
	}
	assert.True(t, matches("AB"), "lookbehind, case-insensitive")
	assert.False(t, matches("cb"))
	assert.True(t, matches("xx"), "backreference")
	assert.False(t, matches("xy"))
	assert.NotContains(t, result("release", `[`+string(id)+`]`), "error")

	refused := result("compileFilter", `[{"t":"text","text":"MATCHES /(?>a)/"}]`)["error"].(map[string]any)
	assert.Equal(t, "input", refused["kind"])
	assert.Equal(t, "flowthings: invalid filter: regex /(?>a)/: an atomic group (?>…) is not supported by JavaScript's RegExp", refused["message"])
}
