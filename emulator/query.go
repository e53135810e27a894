package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// query holds the parsed §4 parameters of one operation.
type query struct {
	filterSrc string
	filter    matcher // nil = match all
	start     int
	limit     int
	sortPath  string
	desc      bool
	only      []string
	refs      bool
	hints     bool
	path      string
}

// hintsDefault: v0.x (and anything below 4) → typed output; 4.0 and up →
// plain output (docs/protocol.md §1.3).
func hintsDefault(version string) bool {
	major := version
	if i := strings.IndexByte(version, '.'); i >= 0 {
		major = version[:i]
	}
	n, err := strconv.Atoi(major)
	return err != nil || n < 4
}

func parseBool(name, v string) (bool, *apiError) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off", "":
		return false, nil
	}
	return false, badRequest("parameter %q must be 1/0 or true/false, got %q", name, v)
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// parseQuery validates and parses params. Unknown parameters are ignored.
func (e *Emulator) parseQuery(params map[string]string, version string) (*query, *apiError) {
	q := &query{limit: DefaultLimit, sortPath: "creationDate", desc: true, hints: hintsDefault(version)}
	if f, ok := params["filter"]; ok && strings.TrimSpace(f) != "" {
		m, err := e.compileFilter(f)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		q.filterSrc, q.filter = f, m
	}
	for _, name := range []string{"start", "skip"} { // skip wins
		if v, ok := params[name]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, badRequest("parameter %q must be an integer >= 0, got %q", name, v)
			}
			q.start = n
		}
	}
	if v, ok := params["limit"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, badRequest("parameter \"limit\" must be an integer >= 0, got %q", v)
		}
		q.limit = min(n, MaxLimit)
	}
	if v, ok := params["sort"]; ok && strings.TrimSpace(v) != "" {
		v = strings.TrimSpace(v)
		for _, seg := range strings.Split(v, ".") {
			if seg == "" {
				return nil, badRequest("parameter \"sort\" is not a member path: %q", v)
			}
		}
		q.sortPath = v
	}
	if v, ok := params["order"]; ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "asc", "ascending", "1":
			q.desc = false
		case "desc", "descending", "-1", "":
			q.desc = true
		default:
			return nil, badRequest("parameter \"order\" must be asc or desc, got %q", v)
		}
	}
	if v, ok := params["only"]; ok {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				q.only = append(q.only, f)
			}
		}
	}
	var err *apiError
	if v, ok := params["refs"]; ok {
		if q.refs, err = parseBool("refs", v); err != nil {
			return nil, err
		}
	}
	if v, ok := params["hints"]; ok && strings.TrimSpace(v) != "" {
		if q.hints, err = parseBool("hints", v); err != nil {
			return nil, err
		}
	}
	q.path = strings.TrimSpace(params["path"])
	return q, nil
}

// selectRecords applies filter, sort and paging to objects (not drops:
// see scan.go); it stops when ctx ends.
func (q *query) selectRecords(ctx context.Context, recs []*record) ([]*record, *apiError) {
	out := recs[:0:0]
	for i, r := range recs {
		if i%256 == 255 && ctx.Err() != nil {
			return nil, errCancelled
		}
		if q.filter == nil || q.filter.Match(r.Obj) {
			out = append(out, r)
		}
	}
	type keyed struct {
		r   *record
		v   any
		has bool
	}
	ks := make([]keyed, len(out))
	for i, r := range out {
		v, ok := lookupMember(r.Obj, q.sortPath)
		ks[i] = keyed{r, v, ok}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		return q.sortBefore(sortKey{a.v, a.has, a.r.Seq}, sortKey{b.v, b.has, b.r.Seq})
	})
	if q.start >= len(ks) {
		return nil, nil
	}
	ks = ks[q.start:]
	if len(ks) > q.limit {
		ks = ks[:q.limit]
	}
	res := make([]*record, len(ks))
	for i, k := range ks {
		res[i] = k.r
	}
	return res, nil
}

// sortKey is what q's order compares: the sort member's value (has: it is
// present) and the insertion order.
type sortKey struct {
	v   any
	has bool
	seq uint64
}

// sortBefore: does a come before b in q's order? Missing values first
// (ascending), then compareValues, then insertion order breaks ties; desc
// reverses the whole order.
func (q *query) sortBefore(a, b sortKey) bool {
	var c int
	switch {
	case !a.has && !b.has:
	case !a.has:
		c = -1
	case !b.has:
		c = 1
	default:
		c = compareValues(a.v, b.v)
	}
	if c == 0 {
		switch {
		case a.seq < b.seq:
			c = -1
		case a.seq > b.seq:
			c = 1
		}
	}
	if q.desc {
		return c > 0
	}
	return c < 0
}

// project keeps only the requested top-level members (and id).
func (q *query) project(obj map[string]any) map[string]any {
	if len(q.only) == 0 {
		return obj
	}
	out := map[string]any{}
	if id, ok := obj["id"]; ok {
		out["id"] = id
	}
	for _, k := range q.only {
		if v, ok := obj[k]; ok {
			out[k] = v
		}
	}
	return out
}

// refKeys are the members whose string values refs=1 resolves.
var refKeys = map[string]bool{"flowId": true, "creatorId": true, "lastEditorId": true, "issuedTo": true, "tokenId": true}

// collectRefs walks a rendered body and resolves referenced ids the caller
// may read (lock held).
func (e *Emulator) collectRefs(p *principal, ns string, body any) map[string]any {
	refs := map[string]any{}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && refKeys[k] {
					if _, done := refs[s]; !done {
						if obj := e.resolveRef(p, ns, s); obj != nil {
							refs[s] = obj
						}
					}
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		case []map[string]any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(body)
	return refs
}

func (e *Emulator) resolveRef(p *principal, ns, id string) map[string]any {
	if !isObjectID(id) {
		return nil
	}
	coll := ""
	switch id[0] {
	case prefixFlow:
		coll = svcFlow
	case prefixIdentity:
		coll = svcIdentity
	case prefixGroup:
		coll = svcGroup
	case prefixToken:
		coll = svcToken
	case prefixDevice:
		coll = svcDevice
	case prefixTrack:
		coll = svcTrack
	default:
		return nil
	}
	def := serviceDefs[coll]
	r := e.st.objects[coll][id]
	if r == nil || !e.canRead(p, def, r) {
		return nil
	}
	return e.renderObject(p, def, r)
}
