package emulator

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/filter/eval"
)

// This file is the only place that knows the filter packages' API
// (filter.Parse, eval.Compile, eval.Lookup, eval.ZipCentroid). Filters are
// evaluated against stored objects; for drops that is the typed form
// ({type,value} elems), which eval unwraps.

// matcher is a compiled filter.
type matcher interface {
	Match(obj map[string]any) bool
}

// filterCache caches compiled filters by source text. Compiled programs
// are safe for concurrent use.
type filterCache struct {
	mu sync.Mutex
	m  map[string]matcher
}

const filterCacheMax = 1024

// compileFilter parses and compiles an FFL filter. A syntax error names the
// byte position: `invalid filter at position 7: expected operand, found ")"`.
func (e *Emulator) compileFilter(src string) (matcher, error) {
	e.filters.mu.Lock()
	if m, ok := e.filters.m[src]; ok {
		e.filters.mu.Unlock()
		return m, nil
	}
	e.filters.mu.Unlock()
	m, err := e.compileFilterUncached(src)
	if err != nil {
		return nil, err
	}
	e.filters.mu.Lock()
	if e.filters.m == nil || len(e.filters.m) >= filterCacheMax {
		e.filters.m = map[string]matcher{}
	}
	e.filters.m[src] = m
	e.filters.mu.Unlock()
	return m, nil
}

func (e *Emulator) compileFilterUncached(src string) (matcher, error) {
	expr, err := filter.Parse(src)
	if err != nil {
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			found := "end of input"
			if se.Found != "" {
				found = strconv.Quote(se.Found)
			}
			return nil, fmt.Errorf("invalid filter at position %d: expected %s, found %s", se.Pos, se.Expected, found)
		}
		return nil, fmt.Errorf("invalid filter: %v", err)
	}
	prog, err := eval.Compile(expr, eval.Options{Now: e.cfg.Now, Zip: zipCentroid})
	if err != nil {
		return nil, fmt.Errorf("invalid filter: %v", err)
	}
	return prog, nil
}

// lookupMember resolves a dotted member path (sort keys) with the filter
// language's rules: drops resolve unknown first segments under elems,
// typed elems are unwrapped.
func lookupMember(obj map[string]any, path string) (any, bool) {
	return eval.Lookup(obj, path)
}

// zipCentroid returns a zip code's centroid from the evaluator's table.
func zipCentroid(zip string) (lat, lon float64, ok bool) { return eval.ZipCentroid(zip) }

// withinOf returns the first WITHIN node of a filter (left to right), for
// aggregation's distance:<rule>. ok is false when src does not parse or
// has no WITHIN.
func withinOf(src string) (w filter.WithinExpr, ok bool) {
	expr, err := filter.Parse(src)
	if err != nil {
		return w, false
	}
	var walk func(x filter.Expr) bool
	walk = func(x filter.Expr) bool {
		switch n := x.(type) {
		case filter.WithinExpr:
			w = n
			return true
		case filter.NotExpr:
			return walk(n.X)
		case filter.BinaryExpr:
			return walk(n.Left) || walk(n.Right)
		}
		return false
	}
	return w, walk(expr)
}

// distanceTo is the distance from obj's location (the member w names) to
// w's target in w's unit; ok is false without a usable location.
func distanceTo(obj map[string]any, w filter.WithinExpr) (float64, bool) {
	return eval.Distance(obj, w, eval.Options{Zip: zipCentroid})
}
