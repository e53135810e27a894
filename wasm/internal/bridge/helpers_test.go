package bridge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/flowthings/flowthings-wasm/wasm/internal/bridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	account = "alice"
	token   = "T0pS3cretT0ken-abcdef0123456789"
)

var o = bridge.NewObj

// parse decodes a result, which must be one JSON object without duplicate
// keys at any level (JSON.parse would keep only the last of them).
func parse(t *testing.T, result string) map[string]any {
	t.Helper()
	require.NoError(t, checkUniqueKeys(result), "result %s", result)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(result), &m), "result %s", result)
	require.NotNil(t, m, "result %s", result)
	return m
}

// ok parses a success.
func ok(t *testing.T, result string) map[string]any {
	t.Helper()
	m := parse(t, result)
	require.NotContains(t, m, "error", "result %s", result)
	return m
}

// failed parses a failure and returns its error descriptor, checking the
// members every descriptor has.
func failed(t *testing.T, result string) map[string]any {
	t.Helper()
	m := parse(t, result)
	require.Contains(t, m, "error", "result %s", result)
	require.Len(t, m, 1, "an error result has only the error: %s", result)
	d, isObj := m["error"].(map[string]any)
	require.True(t, isObj, "result %s", result)
	assert.NotEmpty(t, d["kind"], "result %s", result)
	assert.NotEmpty(t, d["message"], "result %s", result)
	return d
}

// inputError checks a failure is an input error of field and returns it.
func inputError(t *testing.T, result, field string) map[string]any {
	t.Helper()
	d := failed(t, result)
	assert.Equal(t, "input", d["kind"], "result %s", result)
	assert.Equal(t, field, d["field"], "result %s", result)
	return d
}

// checkUniqueKeys reports a duplicate object key anywhere in the JSON text s.
func checkUniqueKeys(s string) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if err := uniqueValue(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("more than one value")
	}
	return nil
}

func uniqueValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return err
			}
			key := k.(string)
			if seen[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			seen[key] = true
			if err := uniqueValue(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := uniqueValue(dec); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

// configure makes a configuration for alice on the test hosts, with extra
// options appended, and returns its id.
func configure(t *testing.T, b *bridge.Bridge, extra ...any) float64 {
	t.Helper()
	kv := append([]any{"account", account, "token", token, "host", "api.test", "wsHost", "ws.test"}, extra...)
	m := ok(t, b.Configure(o(kv...)))
	id, isNum := m["id"].(float64)
	require.True(t, isNum, "configure gives a numeric id: %v", m)
	return id
}

// jsonEq asserts that a decoded JSON value is the JSON text want.
func jsonEq(t *testing.T, want string, got any, msgAndArgs ...any) {
	t.Helper()
	b, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b), msgAndArgs...)
}

// via calls the function name through the contract, as the module does:
// the arguments are checked against its declaration first.
func via(t *testing.T, b *bridge.Bridge, name string, args ...any) string {
	t.Helper()
	for _, f := range b.Functions() {
		if f.Name == name {
			return f.Call(args)
		}
	}
	require.Fail(t, "no function "+name)
	return ""
}

// argumentError checks a failure is the internal error of a call whose
// argument does not match the declaration: it names the function and the
// argument.
func argumentError(t *testing.T, result, function, argument string) {
	t.Helper()
	d := failed(t, result)
	assert.Equal(t, "internal", d["kind"], "result %s", result)
	assert.Contains(t, d["message"], "("+function+")", "result %s", result)
	assert.Contains(t, d["message"], "("+argument+") must be", "result %s", result)
}
