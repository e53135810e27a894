package emulator

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDropCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var value func(depth int) any
	value = func(depth int) any {
		switch rng.IntN(11) {
		case 0:
			return nil
		case 1:
			return rng.IntN(2) == 0
		case 2:
			return []int64{0, -1, 1, math.MaxInt64, math.MinInt64, 1420632000000}[rng.IntN(6)]
		case 3:
			return []float64{0, math.Copysign(0, -1), 1.5, -2.25e300, math.SmallestNonzeroFloat64}[rng.IntN(5)]
		case 4:
			return []string{"", "x", "sensor-007", "é\u212a\x00", strings.Repeat("long", 100)}[rng.IntN(5)]
		case 5, 6:
			if depth > 3 {
				return "leaf"
			}
			m := map[string]any{}
			for range rng.IntN(5) {
				k := []string{"id", "value", "type", "elems", "unknown key", "", "zip"}[rng.IntN(7)]
				m[k] = value(depth + 1)
			}
			return m
		case 7:
			if depth > 3 {
				return int64(7)
			}
			return typed(elemTypeNames[rng.IntN(len(elemTypeNames))], value(depth+1))
		case 8:
			return map[string]any{"type": "not a type name", "value": value(depth + 1)}
		case 9:
			return map[string]any{"type": int64(5), "value": "x"}
		}
		if depth > 3 {
			return []any{}
		}
		l := make([]any, rng.IntN(4))
		for i := range l {
			l[i] = value(depth + 1)
		}
		return l
	}
	for range 2000 {
		obj := map[string]any{"id": "d1", "flowId": "f1", "path": "/dev/x", "elems": value(0), "creationDate": int64(5), "n": value(0)}
		enc := encodeDrop(obj, "id", "flowId", "path")
		got := decodeDrop(enc)
		want := map[string]any{"elems": obj["elems"], "creationDate": obj["creationDate"], "n": obj["n"]}
		require.Equal(t, want, got)
	}
	// other Go numbers keep their JSON meaning
	got := decodeDrop(encodeDrop(map[string]any{"i": 3, "u": uint8(4), "f": float32(0.5)}))
	assert.Equal(t, map[string]any{"i": int64(3), "u": int64(4), "f": 0.5}, got)
	// garbage does not panic
	for _, b := range [][]byte{nil, {tagMap, 5}, {tagMap, 1, 0, 200}, {tagTyped, 99}, {tagFloat, 1}, {tagMap, 1, 250, 1}} {
		assert.NotPanics(t, func() { decodeDrop(b) })
	}
}

func TestDecodeIntoScratchReusesMaps(t *testing.T) {
	drops := []map[string]any{
		{"elems": map[string]any{"a": typed("integer", int64(1)), "l": typed("list", []any{typed("string", "x")})}, "version": int64(0)},
		{"elems": map[string]any{"b": typed("map", map[string]any{"c": typed("float", 2.5)})}},
		{"elems": map[string]any{}, "location": map[string]any{"lat": 1.0}},
	}
	var s scratch
	for round := range 3 {
		for _, d := range drops {
			got := decodeDropInto(encodeDrop(d), &s)
			require.Equal(t, d, got, "round %d", round)
		}
	}
	assert.LessOrEqual(t, len(s.freeMaps)+len(s.maps), 8, "maps are reused, not piled up")
}
