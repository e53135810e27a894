package emulator

import (
	"container/heap"
	"context"
	"math"
	"net/http"
	"slices"
	"sort"
)

// Reading many drops (find, MGET, aggregation, WebSocket findmany) never
// holds the state lock for the length of a scan, and stops when the
// caller's context ends:
//
//   - A scan copies scanChunk drop pointers at a time under the read lock
//     and filters, sorts and renders them after releasing it (stored drops
//     never change, see dropRec), so writers wait at most for one copy.
//   - The default order (creationDate, newest first, or oldest first with
//     order=asc) is the flow's insertion order as long as no drop was
//     created with an earlier creationDate than one before it (a clock set
//     back; dropList.disordered). Then a page without a filter is cut out
//     directly, and a filtered page stops as soon as it is full.
//   - Any other sort reads every drop and keeps only the best start+limit
//     in a heap.
//
// A scan sees the drops of the moment it reaches them: drops created while
// it runs may or may not be in the answer.

const scanChunk = 512

// errCancelled is answered when the caller is gone (nobody reads it).
var errCancelled = &apiError{http.StatusServiceUnavailable, "Request cancelled: the client is gone."}

// flowView is what a drop scan needs to know about its flow, taken under
// the lock.
type flowView struct {
	id, path string
}

func viewOf(flow *record) flowView { return flowView{flow.id(), flowPathOf(flow)} }

// eachDrop calls fn for the drops of a flow, newest first or oldest first,
// until fn returns false. The lock is held only to copy each chunk.
func (e *Emulator) eachDrop(ctx context.Context, flowID string, newestFirst bool, fn func(*dropRec) bool) *apiError {
	buf := make([]*dropRec, 0, scanChunk)
	var next uint64 // newest first: below this seq; oldest first: above it
	if newestFirst {
		next = math.MaxUint64
	}
	for {
		if ctx.Err() != nil {
			return errCancelled
		}
		buf = buf[:0]
		e.mu.RLock()
		if l := e.st.flowDrops[flowID]; l != nil {
			if newestFirst {
				i := sort.Search(len(l.recs), func(i int) bool { return l.recs[i].seq >= next })
				for j := i - 1; j >= 0 && len(buf) < scanChunk; j-- {
					buf = append(buf, l.recs[j])
				}
			} else {
				i := sort.Search(len(l.recs), func(i int) bool { return l.recs[i].seq > next })
				buf = append(buf, l.recs[i:min(i+scanChunk, len(l.recs))]...)
			}
		}
		e.mu.RUnlock()
		if len(buf) == 0 {
			return nil
		}
		for i, r := range buf {
			if i%8 == 7 && ctx.Err() != nil {
				return errCancelled
			}
			if !fn(r) {
				return nil
			}
		}
		next = buf[len(buf)-1].seq
	}
}

// selectDrops answers a find over one flow: filter, sort, page, render.
// It runs without the lock.
func (e *Emulator) selectDrops(ctx context.Context, fv flowView, q *query) ([]any, *apiError) {
	out := []any{}
	if q.limit == 0 {
		return out, nil
	}
	if q.sortPath == "creationDate" {
		if recs, ordered := e.directPage(fv.id, q); ordered {
			if recs != nil || q.filter == nil {
				for _, r := range recs {
					out = append(out, q.project(renderOwnedDrop(r.object(fv.path), q.hints)))
				}
				return out, nil
			}
			// filtered: in order, until the page is full
			skip := q.start
			var s scratch
			err := e.eachDrop(ctx, fv.id, q.desc, func(r *dropRec) bool {
				if !q.filter.Match(r.objectInto(&s, fv.path)) {
					return true
				}
				if skip > 0 {
					skip--
					return true
				}
				out = append(out, q.project(renderOwnedDrop(r.object(fv.path), q.hints)))
				return len(out) < q.limit
			})
			return out, err
		}
	}
	return e.sortedDrops(ctx, fv, q)
}

// directPage reports whether the flow's drops are in creationDate order
// and, when q has no filter, returns the page itself (cut out under the
// read lock: no scan).
func (e *Emulator) directPage(flowID string, q *query) (recs []*dropRec, ordered bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	l := e.st.flowDrops[flowID]
	if l == nil {
		return nil, true
	}
	if l.disordered {
		return nil, false
	}
	if q.filter != nil {
		return nil, true
	}
	n := len(l.recs)
	if q.start >= n {
		return []*dropRec{}, true
	}
	count := min(q.limit, n-q.start)
	recs = make([]*dropRec, count)
	for i := range recs {
		if q.desc {
			recs[i] = l.recs[n-1-q.start-i]
		} else {
			recs[i] = l.recs[q.start+i]
		}
	}
	return recs, true
}

// keyedDrop is a drop with its sort key.
type keyedDrop struct {
	r   *dropRec
	v   any
	has bool
}

// before: does a come before b in q's order (see sortKey.before)?
func (q *query) before(a, b keyedDrop) bool {
	return q.sortBefore(sortKey{a.v, a.has, a.r.seq}, sortKey{b.v, b.has, b.r.seq})
}

// pageHeap keeps the best start+limit drops; its top is the one that comes
// last, the first to go.
type pageHeap struct {
	q    *query
	keep []keyedDrop
}

func (h *pageHeap) Len() int           { return len(h.keep) }
func (h *pageHeap) Less(i, j int) bool { return h.q.before(h.keep[j], h.keep[i]) }
func (h *pageHeap) Swap(i, j int)      { h.keep[i], h.keep[j] = h.keep[j], h.keep[i] }
func (h *pageHeap) Push(x any)         { h.keep = append(h.keep, x.(keyedDrop)) }
func (h *pageHeap) Pop() any {
	x := h.keep[len(h.keep)-1]
	h.keep = h.keep[:len(h.keep)-1]
	return x
}

// sortedDrops reads every drop, keeping the best start+limit by q's sort.
func (e *Emulator) sortedDrops(ctx context.Context, fv flowView, q *query) ([]any, *apiError) {
	want := q.start + q.limit
	h := &pageHeap{q: q}
	var s scratch
	err := e.eachDrop(ctx, fv.id, false, func(r *dropRec) bool {
		obj := r.objectInto(&s, fv.path)
		if q.filter != nil && !q.filter.Match(obj) {
			return true
		}
		v, has := lookupMember(obj, q.sortPath)
		k := keyedDrop{r, deepCopy(v), has} // v may be in the scratch maps
		switch {
		case h.Len() < want:
			heap.Push(h, k)
		case q.before(k, h.keep[0]):
			h.keep[0] = k
			heap.Fix(h, 0)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(h.keep, func(a, b keyedDrop) int {
		switch {
		case a.r == b.r:
			return 0
		case q.before(a, b):
			return -1
		}
		return 1
	})
	out := []any{}
	for i := q.start; i < len(h.keep); i++ {
		out = append(out, q.project(renderOwnedDrop(h.keep[i].r.object(fv.path), q.hints)))
	}
	return out, nil
}
