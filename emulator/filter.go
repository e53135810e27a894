package emulator

import (
	"container/list"
	"errors"
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"
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

// filterCache caches compiled filters by source text, least recently used
// first out, bounded by count and by an estimate of the memory each
// compiled filter keeps (filterCost). Compiled programs are safe for
// concurrent use.
type filterCache struct {
	mu    sync.Mutex
	m     map[string]*list.Element // of *cachedFilter
	lru   list.List                // front: most recently used
	bytes int                      // sum of the entries' costs
	limit int                      // bytes bound; 0 = filterCacheBytes (tests lower it)
}

type cachedFilter struct {
	src  string
	m    matcher
	cost int
}

const (
	filterCacheMax   = 1024
	filterCacheBytes = 32 << 20
)

// compileFilter parses and compiles an FFL filter. A syntax error names the
// byte position: `invalid filter at position 7: expected operand, found ")"`.
// Filters longer than MaxFilterLength, or whose regexes are larger than
// MaxFilterRegexSize, are refused before anything is compiled.
func (e *Emulator) compileFilter(src string) (matcher, error) {
	if len(src) > MaxFilterLength {
		return nil, fmt.Errorf("invalid filter: %d bytes long, more than the limit of %d", len(src), MaxFilterLength)
	}
	c := &e.filters
	c.mu.Lock()
	if el, ok := c.m[src]; ok {
		c.lru.MoveToFront(el)
		m := el.Value.(*cachedFilter).m
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	m, cost, err := e.compileFilterUncached(src)
	if err != nil {
		return nil, err
	}
	c.add(&cachedFilter{src: src, m: m, cost: cost})
	return m, nil
}

func (c *filterCache) add(f *cachedFilter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	limit := c.limit
	if limit == 0 {
		limit = filterCacheBytes
	}
	if _, ok := c.m[f.src]; ok || f.cost > limit/4 {
		return // compiled meanwhile by another caller, or too big to keep
	}
	for c.lru.Len() > 0 && (c.lru.Len() >= filterCacheMax || c.bytes+f.cost > limit) {
		old := c.lru.Remove(c.lru.Back()).(*cachedFilter)
		delete(c.m, old.src)
		c.bytes -= old.cost
	}
	c.m[f.src] = c.lru.PushFront(f)
	c.bytes += f.cost
}

// filterCost estimates the bytes a compiled filter keeps: its source (the
// cache key), the compiled tree and literal sets (measured at about 8
// bytes per source byte for long IN lists; counted twice for margin) and
// its regex programs (about 50 bytes per unit).
func filterCost(src string, regexUnits int) int {
	return 512 + 17*len(src) + 64*regexUnits
}

func (e *Emulator) compileFilterUncached(src string) (matcher, int, error) {
	expr, err := filter.Parse(src)
	if err != nil {
		var se *filter.SyntaxError
		if errors.As(err, &se) {
			found := "end of input"
			if se.Found != "" {
				found = strconv.Quote(se.Found)
			}
			return nil, 0, fmt.Errorf("invalid filter at position %d: expected %s, found %s", se.Pos, se.Expected, found)
		}
		return nil, 0, fmt.Errorf("invalid filter: %v", err)
	}
	units := 0
	walkFilter(expr, func(x filter.Expr) bool {
		switch n := x.(type) {
		case filter.RegexExpr:
			units += regexUnits(n.Regex)
		case filter.MatchesExpr:
			units += regexUnits(n.Regex)
		}
		return false
	})
	if units > MaxFilterRegexSize {
		return nil, 0, fmt.Errorf("invalid filter: its regexes are too large (%d RE2 units, more than the limit of %d; counted repetitions such as {1000} multiply)", units, MaxFilterRegexSize)
	}
	prog, err := eval.Compile(expr, eval.Options{Now: e.cfg.Now, Zip: zipCentroid})
	if err != nil {
		return nil, 0, fmt.Errorf("invalid filter: %v", err)
	}
	return prog, filterCost(src, units), nil
}

// walkFilter calls fn for x and its sub-expressions, left to right, until
// fn returns true; it reports whether fn did.
func walkFilter(x filter.Expr, fn func(filter.Expr) bool) bool {
	if fn(x) {
		return true
	}
	switch n := x.(type) {
	case filter.NotExpr:
		return walkFilter(n.X, fn)
	case filter.BinaryExpr:
		return walkFilter(n.Left, fn) || walkFilter(n.Right, fn)
	}
	return false
}

// regexUnits estimates the RE2 program size of an FFL regex without
// compiling it: one unit per node and literal character, counted
// repetitions multiplied out. The pattern is read as filter/eval reads it
// (with the x flag, whitespace and #-comments outside classes dropped); one
// RE2 cannot parse counts by its length, and filter/eval reports the error.
func regexUnits(r filter.Regex) int {
	p := r.Pattern
	if strings.Contains(r.Flags, "x") {
		p = stripExtended(p)
	}
	flags := syntax.Perl
	if strings.Contains(r.Flags, "i") {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(p, flags)
	if err != nil {
		return len(p)
	}
	return reSize(re)
}

func reSize(re *syntax.Regexp) int {
	const ceiling = 1 << 30
	n := 1
	if re.Op == syntax.OpLiteral {
		n = max(len(re.Rune), 1)
	}
	for _, sub := range re.Sub {
		n = min(n+reSize(sub), ceiling)
	}
	if re.Op == syntax.OpRepeat {
		k := re.Max
		if k < 0 { // x{n,}: n copies and a star
			k = re.Min + 1
		}
		n = min(n*max(k, 1), ceiling)
	}
	return n
}

// stripExtended drops what the x flag makes insignificant: unescaped
// whitespace and #-comments outside character classes.
func stripExtended(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
			continue
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case strings.IndexByte(" \t\n\r\f\v", c) >= 0:
			continue
		case c == '#':
			for i+1 < len(p) && p[i+1] != '\n' {
				i++
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
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
	ok = walkFilter(expr, func(x filter.Expr) bool {
		n, is := x.(filter.WithinExpr)
		if is {
			w = n
		}
		return is
	})
	return w, ok
}

// distanceTo is the distance from obj's location (the member w names) to
// w's target in w's unit; ok is false without a usable location.
func distanceTo(obj map[string]any, w filter.WithinExpr) (float64, bool) {
	return eval.Distance(obj, w, eval.Options{Zip: zipCentroid})
}
