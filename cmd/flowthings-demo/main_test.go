package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo runs end to end against its embedded emulator, and every figure
// it prints follows from the twelve readings it writes (20, 22, … 42 °C,
// alternating Brooklyn and Queens).
func TestDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, run(ctx, &out))

	got := out.String()
	for _, want := range []string{
		"wrote 12 drops to /dev/demo/sensors",
		"received 6 live pushes from /dev/demo/hot",
		"found 4 drops in Queens at 30 °C or more",
		"the track copied 6 drops into /dev/demo/hot",
		"version 1, checked true",
		"aggregate Brooklyn: count 6, average 30, max 40",
		"aggregate Queens: count 6, average 32, max 42",
		"status 404",
		"demo finished",
	} {
		assert.Contains(t, got, want)
	}
	assert.NotContains(t, got, "flowthings-emulator-dev-token-01", "the demo must not print the token")
}
