package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/flowthings/flowthings-wasm/filter"
)

// Aggregation (docs/protocol.md §7): POST /drop/{flowId}/aggregate, registered as
// the drop tail "aggregate" (over WebSocket: type "aggregate"). It needs
// drop-read permission on the flow and works on the drops stored in the
// flow, in storage order (oldest first).
//
// Body {"filter", "rules", "groupBy", "output", "sorts"}; unknown members
// are ignored, groupBy/output/sorts may also be a single string:
//
//   - filter: FFL; "" or absent = every drop. A bad filter is 400 naming
//     the position.
//   - rules: name → FFL. Each rule is a field whose value is 1 when the
//     drop matches and 0 otherwise; a rule name shadows an element of the
//     same name. Names must be non-empty, must not start with "$" or
//     contain ":".
//   - groupBy: element paths (§5.3 via eval.Lookup: bare names resolve
//     under elems, typed values are unwrapped, nested ones rendered plain),
//     rule names, and date selectors $year $month $day $hour $minute
//     $second with an optional ":<dateField>" (default creationDate),
//     computed in UTC; a missing or non-numeric date groups under null.
//     Empty or absent → one group over all matching drops, so the answer is
//     always one row (with $count 0 when nothing matches); with groupBy
//     and no matching drop the answer is [].
//   - output (required, non-empty, else 400): $count; $sum:f $avg:f $min:f
//     $max:f over numeric values only (integers, floats, dates; strings,
//     booleans, null and missing values are skipped); $unique:f (distinct
//     values, first-seen order) and $all:f (every present value, nulls
//     included) as arrays; distance:<rule> = the average, over the group's
//     drops that have a usable location, of the distance from the point of
//     the rule's first WITHIN node, in that node's unit (eval.Distance);
//     null when none has one. $sum of nothing is 0, $avg/$min/$max of
//     nothing null; $sum is an integer when every summed value is one.
//     An output entry equal to a groupBy entry is accepted (the row has it
//     anyway). Anything else is 400 (unknown selector, unknown rule, a rule
//     without WITHIN, $count with a field, an aggregate without a field).
//   - sorts: "key", "key:asc" or "key:desc" (case-insensitive suffix); key
//     must be a groupBy or output entry (400). Rows are otherwise ordered
//     by their groupBy values ascending (nulls first; numbers < strings <
//     booleans < others), which also breaks ties between sort keys.
//
// Response: 200, body = array of rows keyed by the literal groupBy and
// output strings.

func setupAggregation(e *Emulator) error {
	e.registerDropTail("aggregate", e.aggregate)
	return nil
}

var dateSelectors = map[string]bool{"year": true, "month": true, "day": true, "hour": true, "minute": true, "second": true}

// aggField is a value per drop: a rule (index) or an element path.
type aggField struct {
	rule int // -1: path
	path string
}

type groupSel struct {
	key  string
	date string // "" or year/month/…
	fld  aggField
}

type outSel struct {
	key    string
	kind   string // count sum avg min max unique all distance group
	fld    aggField
	within filter.WithinExpr
}

type sortSpec struct {
	key  string
	desc bool
}

type aggPlan struct {
	filter  matcher
	rules   []matcher
	ruleIdx map[string]int
	groupBy []groupSel
	output  []outSel
	sorts   []sortSpec
}

func (e *Emulator) aggregate(ctx context.Context, p *principal, op *operation) result {
	if op.Method != http.MethodPost {
		return methodNotAllowed(op)
	}
	body, aerr := decodeObjectBody(op)
	if aerr != nil {
		return aerr.result()
	}
	plan, aerr := e.planAggregate(body)
	if aerr != nil {
		return aerr.result()
	}
	var fv flowView
	res := e.view(p, op, func() result {
		flow, err := e.accessibleFlow(p, op, false)
		if err != nil {
			return err.result()
		}
		fv = viewOf(flow)
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return res
	}
	// scanned without the lock, oldest first (scan.go)
	var scanErr *apiError
	rows := plan.run(func(yield func(map[string]any) bool) {
		scanErr = e.eachDrop(ctx, fv.id, false, func(r *dropRec) bool { return yield(r.object(fv.path)) })
	})
	if scanErr != nil {
		return scanErr.result()
	}
	return okResult(http.StatusOK, rows)
}

func stringsMember(body map[string]any, name string) ([]string, *apiError) {
	v, ok := body[name]
	if !ok || v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok {
		return []string{s}, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badRequest("member %q must be an array of strings, got %s", name, jsonKind(v))
	}
	out := make([]string, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, badRequest("member %q: item %d must be a string, got %s", name, i, jsonKind(x))
		}
		out[i] = strings.TrimSpace(s)
	}
	return out, nil
}

func validFieldPath(s string) bool {
	if s == "" || strings.HasPrefix(s, "$") {
		return false
	}
	for _, seg := range strings.Split(s, ".") {
		if seg == "" || strings.ContainsAny(seg, " \t\r\n") {
			return false
		}
	}
	return true
}

func (e *Emulator) planAggregate(body map[string]any) (*aggPlan, *apiError) {
	pl := &aggPlan{ruleIdx: map[string]int{}}
	if v, ok := body["filter"]; ok && v != nil {
		s, ok := v.(string)
		if !ok {
			return nil, badRequest("member \"filter\" must be a string, got %s", jsonKind(v))
		}
		if strings.TrimSpace(s) != "" {
			m, err := e.compileFilter(s)
			if err != nil {
				return nil, badRequest("filter: %v", err)
			}
			pl.filter = m
		}
	}
	ruleSrc := map[string]string{}
	if v, ok := body["rules"]; ok && v != nil {
		rm, ok := v.(map[string]any)
		if !ok {
			return nil, badRequest("member \"rules\" must be an object of name → filter, got %s", jsonKind(v))
		}
		for _, name := range sortedKeys(rm) {
			src, ok := rm[name].(string)
			if !ok {
				return nil, badRequest("rule %q must be a filter string, got %s", name, jsonKind(rm[name]))
			}
			if name == "" || strings.HasPrefix(name, "$") || strings.Contains(name, ":") {
				return nil, badRequest("invalid rule name %q (must be non-empty, not start with \"$\", not contain \":\")", name)
			}
			m, err := e.compileFilter(src)
			if err != nil {
				return nil, badRequest("rule %q: %v", name, err)
			}
			pl.ruleIdx[name] = len(pl.rules)
			pl.rules = append(pl.rules, m)
			ruleSrc[name] = src
		}
	}
	field := func(where, f string) (aggField, *apiError) {
		if i, ok := pl.ruleIdx[f]; ok {
			return aggField{rule: i}, nil
		}
		if !validFieldPath(f) {
			return aggField{}, badRequest("%s: %q is not an element path or rule name", where, f)
		}
		return aggField{rule: -1, path: f}, nil
	}

	groupBy, aerr := stringsMember(body, "groupBy")
	if aerr != nil {
		return nil, aerr
	}
	inGroup := map[string]bool{}
	for _, g := range groupBy {
		sel := groupSel{key: g}
		if strings.HasPrefix(g, "$") {
			name, fld, hasField := strings.Cut(g[1:], ":")
			if !dateSelectors[name] {
				return nil, badRequest("groupBy: unknown selector %q (date selectors: $year $month $day $hour $minute $second)", g)
			}
			sel.date = name
			if !hasField {
				fld = "creationDate"
			}
			if !validFieldPath(fld) {
				return nil, badRequest("groupBy: %q: %q is not a date member path", g, fld)
			}
			sel.fld = aggField{rule: -1, path: fld}
		} else {
			f, err := field("groupBy", g)
			if err != nil {
				return nil, err
			}
			sel.fld = f
		}
		if inGroup[g] {
			return nil, badRequest("groupBy: %q is listed twice", g)
		}
		inGroup[g] = true
		pl.groupBy = append(pl.groupBy, sel)
	}

	output, aerr := stringsMember(body, "output")
	if aerr != nil {
		return nil, aerr
	}
	if len(output) == 0 {
		return nil, badRequest("member \"output\" is required: a non-empty array of selectors ($count, $sum:f, $avg:f, $min:f, $max:f, $unique:f, $all:f, distance:<rule>)")
	}
	inOutput := map[string]bool{}
	for _, o := range output {
		sel := outSel{key: o}
		switch {
		case inGroup[o]:
			sel.kind = "group"
		case o == "$count":
			sel.kind = "count"
		case strings.HasPrefix(o, "$"):
			name, f, hasField := strings.Cut(o[1:], ":")
			switch name {
			case "sum", "avg", "min", "max", "unique", "all":
			case "count":
				return nil, badRequest("output: $count takes no field, got %q", o)
			default:
				return nil, badRequest("output: unknown selector %q", o)
			}
			if !hasField || f == "" {
				return nil, badRequest("output: %q needs a field: $%s:<field>", o, name)
			}
			fr, err := field("output", f)
			if err != nil {
				return nil, err
			}
			sel.kind, sel.fld = name, fr
		case strings.HasPrefix(o, "distance:"):
			name := strings.TrimPrefix(o, "distance:")
			src, ok := ruleSrc[name]
			if !ok {
				return nil, badRequest("output: %q names no rule", o)
			}
			w, ok := withinOf(src)
			if !ok {
				return nil, badRequest("output: %q: rule %q has no WITHIN", o, name)
			}
			sel.kind, sel.within = "distance", w
		default:
			return nil, badRequest("output: unknown selector %q", o)
		}
		inOutput[o] = true
		pl.output = append(pl.output, sel)
	}

	sorts, aerr := stringsMember(body, "sorts")
	if aerr != nil {
		return nil, aerr
	}
	for _, s := range sorts {
		spec := sortSpec{key: s}
		low := strings.ToLower(s)
		switch {
		case strings.HasSuffix(low, ":desc"):
			spec = sortSpec{key: s[:len(s)-len(":desc")], desc: true}
		case strings.HasSuffix(low, ":asc"):
			spec = sortSpec{key: s[:len(s)-len(":asc")]}
		}
		if !inGroup[spec.key] && !inOutput[spec.key] {
			return nil, badRequest("sorts: %q is not in groupBy or output", spec.key)
		}
		pl.sorts = append(pl.sorts, spec)
	}
	return pl, nil
}

// aggGroup accumulates one group.
type aggGroup struct {
	keys []any
	accs []*aggAcc
}

type aggAcc struct {
	n        int64 // count / numbers seen / distances seen
	sumI     int64
	sumF     float64
	floaty   bool
	best     any
	bestF    float64
	list     []any
	seen     map[string]bool
	distance float64
}

func (pl *aggPlan) value(d map[string]any, ruleVals []int64, f aggField) (any, bool) {
	if f.rule >= 0 {
		return ruleVals[f.rule], true
	}
	v, ok := lookupMember(d, f.path)
	if !ok {
		return nil, false
	}
	return plainValue(v), true
}

// plainValue renders a looked-up value without type hints.
func plainValue(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plainElem(x)
		}
		return out
	case map[string]any:
		return plainElem(t)
	}
	return v
}

func dateComponent(v any, unit string) any {
	ms, ok := toFloat(v)
	if !ok {
		return nil
	}
	t := time.UnixMilli(int64(ms)).UTC()
	switch unit {
	case "year":
		return int64(t.Year())
	case "month":
		return int64(t.Month())
	case "day":
		return int64(t.Day())
	case "hour":
		return int64(t.Hour())
	case "minute":
		return int64(t.Minute())
	}
	return int64(t.Second())
}

func (pl *aggPlan) run(drops iter.Seq[map[string]any]) []any {
	groups := map[string]*aggGroup{}
	var order []*aggGroup
	newGroup := func(keys []any) *aggGroup {
		g := &aggGroup{keys: keys, accs: make([]*aggAcc, len(pl.output))}
		for i := range g.accs {
			g.accs[i] = &aggAcc{}
		}
		order = append(order, g)
		return g
	}
	if len(pl.groupBy) == 0 {
		groups[""] = newGroup(nil)
	}
	ruleVals := make([]int64, len(pl.rules))
	var kb strings.Builder
	for d := range drops {
		if pl.filter != nil && !pl.filter.Match(d) {
			continue
		}
		for i, m := range pl.rules {
			ruleVals[i] = 0
			if m.Match(d) {
				ruleVals[i] = 1
			}
		}
		keys := make([]any, len(pl.groupBy))
		kb.Reset()
		for i, g := range pl.groupBy {
			var v any
			if g.date != "" {
				if raw, ok := lookupMember(d, g.fld.path); ok {
					v = dateComponent(raw, g.date)
				}
			} else {
				v, _ = pl.value(d, ruleVals, g.fld)
			}
			keys[i] = v
			b, _ := json.Marshal(v)
			kb.Write(b)
			kb.WriteByte(0)
		}
		g := groups[kb.String()]
		if g == nil {
			g = newGroup(keys)
			groups[kb.String()] = g
		}
		for i, o := range pl.output {
			pl.accumulate(g.accs[i], o, d, ruleVals)
		}
	}
	sortGroups(pl, order)
	rows := make([]any, 0, len(order))
	for _, g := range order {
		row := make(map[string]any, len(pl.groupBy)+len(pl.output))
		for i, sel := range pl.groupBy {
			row[sel.key] = g.keys[i]
		}
		for i, o := range pl.output {
			if o.kind != "group" {
				row[o.key] = g.accs[i].result(o.kind)
			}
		}
		rows = append(rows, row)
	}
	if len(pl.sorts) > 0 {
		sort.SliceStable(rows, func(i, j int) bool {
			a, b := rows[i].(map[string]any), rows[j].(map[string]any)
			for _, s := range pl.sorts {
				c := compareValues(a[s.key], b[s.key])
				if c != 0 {
					return (c < 0) != s.desc
				}
			}
			return false
		})
	}
	return rows
}

// sortGroups orders groups by their groupBy values ascending.
func sortGroups(pl *aggPlan, gs []*aggGroup) {
	sort.SliceStable(gs, func(i, j int) bool {
		for k := range pl.groupBy {
			if c := compareValues(gs[i].keys[k], gs[j].keys[k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
}

func (pl *aggPlan) accumulate(a *aggAcc, o outSel, d map[string]any, ruleVals []int64) {
	switch o.kind {
	case "group":
		return
	case "count":
		a.n++
		return
	case "distance":
		if dist, ok := distanceTo(d, o.within); ok {
			a.n++
			a.distance += dist
		}
		return
	}
	v, ok := pl.value(d, ruleVals, o.fld)
	if !ok {
		return
	}
	switch o.kind {
	case "unique":
		b, _ := json.Marshal(v)
		if a.seen == nil {
			a.seen = map[string]bool{}
		}
		if !a.seen[string(b)] {
			a.seen[string(b)] = true
			a.list = append(a.list, v)
		}
		return
	case "all":
		a.list = append(a.list, v)
		return
	}
	f, isNum := toFloat(v)
	if !isNum {
		return
	}
	a.n++
	switch o.kind {
	case "sum", "avg":
		if i, isInt := v.(int64); isInt && !a.floaty {
			a.sumI += i
		} else {
			a.floaty = true
		}
		a.sumF += f
	case "min":
		if a.best == nil || f < a.bestF {
			a.best, a.bestF = v, f
		}
	case "max":
		if a.best == nil || f > a.bestF {
			a.best, a.bestF = v, f
		}
	}
}

func (a *aggAcc) result(kind string) any {
	switch kind {
	case "count":
		return a.n
	case "sum":
		if a.floaty {
			return a.sumF
		}
		return a.sumI
	case "avg":
		if a.n == 0 {
			return nil
		}
		return a.sumF / float64(a.n)
	case "min", "max":
		return a.best
	case "unique", "all":
		if a.list == nil {
			return []any{}
		}
		return a.list
	case "distance":
		if a.n == 0 {
			return nil
		}
		return a.distance / float64(a.n)
	}
	panic(fmt.Sprintf("emulator: unknown aggregate %q", kind))
}
