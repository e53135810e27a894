package match

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/filter"
)

// TestLargeInListIsSetBased: IN over thousands of values costs a lookup per
// element, not a comparison per listed value (10,000 values over 100,000
// drops took 13 s when each drop compared against every value). It
// compares lists of 20,000 and of 16 values over the same objects, in the
// same run, so that a busy machine slows both alike: pairwise, the long
// list would cost about a thousand times more.
func TestLargeInListIsSetBased(t *testing.T) {
	if !indexedSets {
		t.Skip("js/wasm scans sets (set_scanned.go)")
	}
	const objects = 20000
	objs := make([]map[string]any, objects)
	for i := range objs {
		objs[i] = map[string]any{"elems": map[string]any{
			"device": typed("string", fmt.Sprintf("sensor-%d", i)),
			"tags":   []any{"a", "b", fmt.Sprintf("nobody-%d", i)},
		}}
	}
	run := func(values int) time.Duration {
		lits := make([]filter.Literal, values)
		for i := range lits {
			lits[i] = filter.StringLit(fmt.Sprintf("nobody-%d", i))
		}
		lits[values-1] = filter.StringLit("sensor-7")
		in, err := Compile(filter.ListExpr{Member: filter.Member{"device"}, Op: filter.OpIn, Values: lits}, opts)
		require.NoError(t, err)
		contains, err := Compile(filter.ListExpr{Member: filter.Member{"tags"}, Op: filter.OpContains, Values: lits}, opts)
		require.NoError(t, err)
		start := time.Now()
		hits := 0
		for _, o := range objs {
			if in.Match(o) {
				hits++
			}
			if contains.Match(o) {
				t.Fatal("CONTAINS needs every value")
			}
		}
		el := time.Since(start)
		assert.Equal(t, 1, hits)
		return el
	}
	short := run(2 * smallSet) // past smallSet: indexed too
	long := run(20000)
	assert.Less(t, long, 20*short, "IN/CONTAINS over 20,000 values × %d objects took %v, over %d values %v", objects, long, 2*smallSet, short)
}

// TestSetMatchesLinearEquality: the set-based IN and CONTAINS agree with
// the pairwise equality rules (kinds, email and id modes, the 24/25-char
// id rule, dropRefs, arrays) on random values.
func TestSetMatchesLinearEquality(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	ids := []string{"f54ad9d8bd4c68117a914ba24", "54ad9d8bd4c68117a914ba24", "F54AD9D8BD4C68117A914BA24", "x54ad9d8bd4c68117a914ba24",
		"d1234567890abcdef12345678", "1234567890ABCDEF12345678", "d1234567890abcdef1234567"}
	words := []string{"a", "A", "k", "K", "\u212a", "s", "ſ", "S", "straße", "STRASSE", "Ǆ", "ǅ", "ǆ", "x\ufffd", "", " ", "é", "É"}
	str := func() string {
		if rng.IntN(2) == 0 {
			return ids[rng.IntN(len(ids))]
		}
		return words[rng.IntN(len(words))]
	}
	// Filter literals must be valid Unicode (the filter package refuses
	// them otherwise); drop data need not be.
	dataStr := func() string {
		if rng.IntN(10) == 0 {
			return "x\xff"
		}
		return str()
	}
	lit := func() filter.Literal {
		switch rng.IntN(6) {
		case 0:
			return filter.NumberLit([]float64{0, 1, 1.5, -2, 300}[rng.IntN(5)])
		case 1:
			return filter.BoolLit(rng.IntN(2) == 0)
		case 2:
			return filter.Ctor{Name: "ObjectId", Arg: filter.StringLit(str())}
		case 3:
			return filter.Ctor{Name: "Email", Arg: filter.StringLit(str())}
		case 4:
			return filter.Ctor{Name: "Date", Arg: filter.NumberLit(1)}
		}
		return filter.StringLit(str())
	}
	var elem func(depth int) any
	elem = func(depth int) any {
		switch rng.IntN(9) {
		case 0:
			return []any{0, 1, 1.5, -2, 300, int64(-0)}[rng.IntN(6)]
		case 1:
			return rng.IntN(2) == 0
		case 2:
			return typed("email", dataStr())
		case 3:
			return typed([]string{"id", "flowRef"}[rng.IntN(2)], dataStr())
		case 4:
			return typed("dropRef", map[string]any{"flowId": typed("id", str()), "dropId": typed("id", str())})
		case 5:
			if depth > 0 {
				return nil
			}
			l := make([]any, rng.IntN(12))
			for i := range l {
				l[i] = elem(depth + 1)
			}
			return l
		case 6:
			return nil
		}
		return dataStr()
	}
	for round := range 3000 {
		n := rng.IntN(40)
		if round%3 == 0 {
			n = rng.IntN(6) // small lists take the linear path
		}
		lits := make([]filter.Literal, n)
		vals := make([]value, n)
		for i := range lits {
			lits[i] = lit()
			var err error
			vals[i], err = literal(lits[i])
			require.NoError(t, err)
		}
		obj := map[string]any{"elems": map[string]any{"m": elem(0)}}
		for _, op := range []filter.ListOp{filter.OpIn, filter.OpContains} {
			p, err := Compile(filter.ListExpr{Member: filter.Member{"m"}, Op: op, Values: lits}, opts)
			require.NoError(t, err)
			v, ok := newPath(filter.Member{"m"}).value(obj)
			require.True(t, ok)
			want := linearList(op, v, vals)
			require.Equal(t, want, p.Match(obj), "%s %v on %#v", op, filter.ListExpr{Op: op, Values: lits}, obj["elems"])
		}
	}
}

// linearList is the pairwise definition of IN and CONTAINS.
func linearList(op filter.ListOp, v value, vals []value) bool {
	equalsAny := func(x value) bool {
		for _, w := range vals {
			if eq, _ := equal(x, w); eq {
				return true
			}
		}
		return false
	}
	if op == filter.OpIn {
		return each(v, equalsAny)
	}
	if v.kind != kList || len(vals) == 0 {
		return false
	}
	for _, w := range vals {
		if !each(v, func(x value) bool { eq, _ := equal(x, w); return eq }) {
			return false
		}
	}
	return true
}

func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	words := []string{"a", "A", "k", "K", "\u212a", "s", "ſ", "S", "straße", "STRASSE", "Ǆ", "ǅ", "ǆ", "x\xff", "x\ufffd", "Σ", "σ", "ς", "ǈ", "ǉ", "Ⅻ", "ⅻ", "İ", "i", "ı", "I"}
	for _, a := range words {
		for _, b := range words {
			assert.Equal(t, strings.EqualFold(a, b), foldKey(a) == foldKey(b), "%q %q", a, b)
		}
	}
}

func TestCompareLower(t *testing.T) {
	for _, pair := range [][2]string{
		{"", ""}, {"a", ""}, {"", "a"}, {"abc", "ABD"}, {"ABC", "abc"}, {"Zeta", "alpha"}, {"a_b", "A[b"},
		{"É", "é"}, {"éa", "Éb"}, {"straße", "STRASSE"}, {"K", "k"}, {"\xff", "\uFFFD"}, {"\xffa", "\uFFFDb"},
		{"İ", "i"}, {"Ω", "ω"}, {"ab", "abc"},
	} {
		want := strings.Compare(strings.ToLower(pair[0]), strings.ToLower(pair[1]))
		assert.Equal(t, want, compareLower(pair[0], pair[1]), "%q %q", pair[0], pair[1])
		assert.Equal(t, -want, compareLower(pair[1], pair[0]), "%q %q", pair[1], pair[0])
	}
}
