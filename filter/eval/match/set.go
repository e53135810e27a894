package match

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// valueSet answers "does x equal a member?" with the rules of equal, in
// constant expected time however many members there are, so that IN and
// CONTAINS over long lists cost a lookup per element instead of a
// comparison per listed value. Small sets are scanned, and so is every set
// when indexedSets is false (js/wasm: set_scanned.go). A valueSet is
// read-only after newValueSet; its lazily built indexes are safe for
// concurrent use.
type valueSet struct {
	linear bool
	small  []value // when linear (≤ smallSet members): compared pairwise

	nums  map[float64]struct{}
	bools [2]bool
	refs  map[[2]string]struct{} // dropRef members (sets of elements)
	exact map[string]struct{}    // strings in exact mode

	// strings by mode, for the indexes below (built on first use: most
	// lists only ever meet plain strings)
	strs  []string
	modes []strMode

	foldOnce, idOnce, allOnce, refIDOnce sync.Once
	foldIdx                              map[string]struct{} // foldKey of exact and fold strings
	foldOnlyIdx                          map[string]struct{} // foldKey of fold strings
	idIdx                                *idIndex            // objectID strings
	allIdx                               *idIndex            // every string
	refIDIdx                             *idIndex            // both halves of every dropRef
}

const smallSet = 8

func newValueSet(vals []value) *valueSet {
	s := &valueSet{}
	if len(vals) <= smallSet || !indexedSets {
		s.linear, s.small = true, vals
		return s
	}
	for _, v := range vals {
		switch v.kind {
		case kNum:
			if s.nums == nil {
				s.nums = map[float64]struct{}{}
			}
			s.nums[v.num] = struct{}{}
		case kBool:
			s.bools[boolIndex(v.b)] = true
		case kRef:
			if s.refs == nil {
				s.refs = map[[2]string]struct{}{}
			}
			s.refs[v.ref] = struct{}{}
		case kStr:
			if v.mode == exact {
				if s.exact == nil {
					s.exact = map[string]struct{}{}
				}
				s.exact[v.str] = struct{}{}
			}
			s.strs = append(s.strs, v.str)
			s.modes = append(s.modes, v.mode)
		}
	}
	return s
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// has reports whether x equals a member (see equal).
func (s *valueSet) has(x value) bool {
	if s.linear || !indexedSets {
		for _, v := range s.small {
			if eq, _ := equal(x, v); eq {
				return true
			}
		}
		return false
	}
	switch x.kind {
	case kNum:
		_, ok := s.nums[x.num]
		return ok
	case kBool:
		return s.bools[boolIndex(x.b)]
	case kRef:
		// a dropRef equals an id string when either half does, and an
		// identical dropRef
		if _, ok := s.refs[x.ref]; ok {
			return true
		}
		all := s.all()
		return all.has(x.ref[0]) || all.has(x.ref[1])
	case kStr:
		if s.refs != nil && s.refIDs().has(x.str) {
			return true
		}
		// the looser mode of the two strings decides
		switch x.mode {
		case objectID:
			return s.all().has(x.str)
		case fold:
			fold, _ := s.folds()
			return hasKey(fold, foldKey(x.str)) || s.ids().has(x.str)
		default:
			if _, ok := s.exact[x.str]; ok {
				return true
			}
			_, foldOnly := s.folds()
			return (foldOnly != nil && hasKey(foldOnly, foldKey(x.str))) || s.ids().has(x.str)
		}
	}
	return false // lists and other values equal nothing
}

func hasKey(m map[string]struct{}, k string) bool { _, ok := m[k]; return ok }

// folds returns the fold-key indexes of the exact+fold strings and of the
// fold strings alone.
func (s *valueSet) folds() (all, foldOnly map[string]struct{}) {
	s.foldOnce.Do(func() {
		s.foldIdx = map[string]struct{}{}
		for i, str := range s.strs {
			if s.modes[i] == objectID {
				continue
			}
			k := foldKey(str)
			s.foldIdx[k] = struct{}{}
			if s.modes[i] == fold {
				if s.foldOnlyIdx == nil {
					s.foldOnlyIdx = map[string]struct{}{}
				}
				s.foldOnlyIdx[k] = struct{}{}
			}
		}
	})
	return s.foldIdx, s.foldOnlyIdx
}

func (s *valueSet) ids() *idIndex {
	s.idOnce.Do(func() {
		s.idIdx = &idIndex{}
		for i, str := range s.strs {
			if s.modes[i] == objectID {
				s.idIdx.add(str)
			}
		}
	})
	return s.idIdx
}

func (s *valueSet) all() *idIndex {
	s.allOnce.Do(func() {
		s.allIdx = &idIndex{}
		for _, str := range s.strs {
			s.allIdx.add(str)
		}
	})
	return s.allIdx
}

func (s *valueSet) refIDs() *idIndex {
	s.refIDOnce.Do(func() {
		s.refIDIdx = &idIndex{}
		for r := range s.refs {
			s.refIDIdx.add(r[0])
			s.refIDIdx.add(r[1])
		}
	})
	return s.refIDIdx
}

// idIndex answers sameID(q, m) for any member m: case-insensitive, and a
// 25-character id (type letter + 24 hex) equals its 24-character ObjectId.
// sameID compares q[1:] with m when q has 25 bytes and m 24, q with m[1:]
// in the opposite case, and q with m otherwise.
type idIndex struct {
	whole    map[string]uint8    // foldKey(m) → which lengths of m have it
	stripped map[string]struct{} // foldKey(m[1:]) of the 25-byte members
}

const (
	len24 uint8 = 1 << iota
	len25
	lenOther
)

func (x *idIndex) add(m string) {
	if x.whole == nil {
		x.whole = map[string]uint8{}
	}
	bit := lenOther
	switch len(m) {
	case 24:
		bit = len24
	case 25:
		bit = len25
		if x.stripped == nil {
			x.stripped = map[string]struct{}{}
		}
		x.stripped[foldKey(m[1:])] = struct{}{}
	}
	x.whole[foldKey(m)] |= bit
}

func (x *idIndex) has(q string) bool {
	if x == nil || x.whole == nil {
		return false
	}
	switch len(q) {
	case 25:
		return x.whole[foldKey(q[1:])]&len24 != 0 || x.whole[foldKey(q)]&^len24 != 0
	case 24:
		return hasKey(x.stripped, foldKey(q)) || x.whole[foldKey(q)]&^len25 != 0
	}
	return x.whole[foldKey(q)] != 0
}

// foldKey maps s to a canonical form such that foldKey(a) == foldKey(b)
// exactly when strings.EqualFold(a, b): every rune becomes the smallest
// rune of its simple case-folding orbit (invalid bytes become U+FFFD, as
// EqualFold reads them).
func foldKey(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		// ASCII orbits' smallest member is the upper-case letter
		// (k → K, s → S: the Kelvin and long-s signs are larger)
		b := []byte(s)
		for i, c := range b {
			if 'a' <= c && c <= 'z' {
				b[i] = c - 'a' + 'A'
			}
		}
		return string(b)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
