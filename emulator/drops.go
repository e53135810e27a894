package emulator

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// maxTrackCopies caps the copies one written drop may produce through
// tracks (fan-out guard next to Config.MaxTrackDepth).
const maxTrackCopies = 10000

// dropServerMembers are ignored in drop bodies (server-assigned).
var dropServerMembers = map[string]bool{"id": true, "flowId": true, "path": true, "version": true,
	"creationDate": true, "lastEditDate": true, "creatorId": true, "lastEditorId": true}

const msgFlowNotFound = "The requested flow could not be located at this address."

func (e *Emulator) execDrop(ctx context.Context, p *principal, op *operation) result {
	if op.Tail != "" && op.ID == "" {
		if fn, ok := e.dropTails[op.Tail]; ok {
			return fn(ctx, p, op)
		}
		return errResult(http.StatusNotFound, fmt.Sprintf("Drop operation %q is not available.", op.Tail))
	}
	q, qerr := e.parseQuery(op.Params, op.Version)
	if qerr != nil {
		return qerr.result()
	}
	switch {
	case op.FlowID == "":
		switch op.Method {
		case "GET":
			return e.findDrops(ctx, p, op, q)
		case "POST":
			return e.createDropOp(p, op, q)
		case "MGET":
			return e.multiFlowFind(ctx, p, op, q)
		}
	case op.ID == "":
		switch op.Method {
		case "GET":
			return e.findDrops(ctx, p, op, q)
		case "POST":
			return e.createDropOp(p, op, q)
		case "MGET":
			return e.mgetDrops(p, op, q)
		case "MPUT":
			return e.mputDrops(p, op, q)
		case "DELETE":
			return e.deleteAllDrops(p, op)
		}
	case op.Tail == "":
		switch op.Method {
		case "GET":
			return e.readDrop(p, op, q)
		case "PUT":
			return e.updateDropOp(p, op, q, "")
		case "DELETE":
			return e.deleteDrop(p, op)
		}
	default:
		if op.Method == "PUT" {
			return e.updateDropOp(p, op, q, op.Tail)
		}
	}
	return methodNotAllowed(op)
}

// flowOf resolves the flow an operation addresses: op.FlowID, else path
// (lock held). The flow must live in the namespace.
func (e *Emulator) flowOf(ns, flowID, path string) (*record, *apiError) {
	if flowID != "" {
		r := e.st.objects[svcFlow][flowID]
		if r == nil || r.Account != ns {
			return nil, &apiError{http.StatusNotFound, msgFlowNotFound}
		}
		return r, nil
	}
	if path == "" {
		return nil, badRequest("A flow id in the URL or a flow path (\"path\") is required.")
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	id, ok := e.st.flowPath[path]
	r := e.st.objects[svcFlow][id]
	if !ok || r == nil || r.Account != ns {
		return nil, badRequest("There is no flow with path %q.", path)
	}
	return r, nil
}

func flowPathOf(flow *record) string { s, _ := flow.Obj["path"].(string); return s }

// accessibleFlow resolves the flow an operation addresses by id and checks
// that p may read (or write) its drops (lock held).
func (e *Emulator) accessibleFlow(p *principal, op *operation, write bool) (*record, *apiError) {
	flow, err := e.flowOf(op.Account, op.FlowID, "")
	if err != nil {
		return nil, err
	}
	if err := e.dropAccess(p, flow, write); err != nil {
		return nil, err
	}
	return flow, nil
}

// dropAccess checks a drop permission on a flow (lock held).
func (e *Emulator) dropAccess(p *principal, flow *record, write bool) *apiError {
	pm := e.permsFor(p, flowPathOf(flow))
	if (write && !pm.DropWrite) || (!write && !pm.DropRead) {
		return &apiError{http.StatusForbidden, msgForbidden}
	}
	return nil
}

// subscribeCheck is for the WebSocket layer's subscribe: it resolves a flow
// of namespace ns by id or path and checks that p may read its drops.
// Errors: 401 (principal no longer valid), 403 (no dropRead), 404 (unknown
// flow), 400 (neither id nor path). Takes the read lock; safe to call from
// a drop listener to re-check a subscriber before pushing.
func (e *Emulator) subscribeCheck(p *principal, ns, flowID, path string) (id, flowPath string, err *apiError) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.subscribeCheckLocked(p, ns, flowID, path)
}

// subscribeCheckLocked is subscribeCheck with the read lock held (the push
// fan-out checks every subscriber of a drop under one hold).
func (e *Emulator) subscribeCheckLocked(p *principal, ns, flowID, path string) (id, flowPath string, err *apiError) {
	if err := e.validate(p); err != nil {
		return "", "", err
	}
	if err := e.checkNamespace(p, ns); err != nil {
		return "", "", err
	}
	flow, err := e.flowOf(ns, flowID, path)
	if err != nil {
		if err.Status == http.StatusBadRequest && path != "" {
			err = &apiError{http.StatusNotFound, msgFlowNotFound}
		}
		return "", "", err
	}
	if err := e.dropAccess(p, flow, false); err != nil {
		return "", "", err
	}
	return flow.id(), flowPathOf(flow), nil
}

// renderDropFor renders a stored drop for q (lock held or not: flowPath is
// the flow's path).
func (e *Emulator) renderDropFor(r *dropRec, flowPath string, q *query) map[string]any {
	return q.project(renderOwnedDrop(r.object(flowPath), q.hints))
}

func (e *Emulator) finishDrops(p *principal, op *operation, q *query, status int, body any) result {
	res := okResult(status, body)
	if q.refs {
		res.References = e.collectRefs(p, op.Account, body)
	}
	return res
}

// ---- create ----

func (e *Emulator) createDropOp(p *principal, op *operation, q *query) result {
	body, err := decodeObjectBody(op)
	if err != nil {
		return err.result()
	}
	return e.mutate(p, op, func(tx *txn) result {
		path := op.Params["path"]
		if s, ok := body["path"].(string); ok && op.FlowID == "" {
			path = s
		}
		flow, err := e.flowOf(op.Account, op.FlowID, path)
		if err != nil {
			return err.result()
		}
		if err := e.dropAccess(p, flow, true); err != nil {
			return err.result()
		}
		d, err := e.buildDrop(p, flow, body)
		if err != nil {
			return err.result()
		}
		if !e.flowAccepts(flow, d) {
			return errResult(http.StatusBadRequest, "drop does not match flow filter")
		}
		e.storeDrop(tx, flow, d, "", 0, nil, new(int))
		return e.finishDrops(p, op, q, http.StatusCreated, q.project(renderDrop(d, q.hints)))
	})
}

// buildDrop validates a create body into a stored drop (lock held).
func (e *Emulator) buildDrop(p *principal, flow *record, body map[string]any) (map[string]any, *apiError) {
	elems, err := normalizeElems(body["elems"])
	if err != nil {
		return nil, badRequest("%v", err)
	}
	d := map[string]any{"elems": elems}
	if v, ok := body["path"]; ok && v != nil {
		s, ok := v.(string)
		if !ok || strings.TrimSuffix(s, "/") != flowPathOf(flow) {
			return nil, badRequest("member \"path\" (%v) does not match the flow's path %q", v, flowPathOf(flow))
		}
	}
	if v, ok := body["flowId"]; ok && v != nil && v != flow.id() {
		return nil, badRequest("member \"flowId\" (%v) does not match the flow in the URL (%s)", v, flow.id())
	}
	for k, v := range body {
		if k == "elems" || dropServerMembers[k] {
			continue
		}
		if err := e.setDropMember(d, k, v); err != nil {
			return nil, err
		}
	}
	now := e.nowMs()
	d["id"] = e.ids.next(prefixDrop)
	d["flowId"] = flow.id()
	d["path"] = flowPathOf(flow)
	d["version"] = int64(0)
	d["creationDate"] = now
	d["lastEditDate"] = now
	d["creatorId"] = p.IdentityID
	d["lastEditorId"] = p.IdentityID
	return d, nil
}

// setDropMember validates one client-settable drop member into d; null
// removes it. Unknown members are ignored.
func (e *Emulator) setDropMember(d map[string]any, k string, v any) *apiError {
	switch k {
	case "elems":
		elems, err := normalizeElems(v)
		if err != nil {
			return badRequest("%v", err)
		}
		d["elems"] = elems
	case "location":
		if v == nil {
			delete(d, k)
			return nil
		}
		loc, err := normalizeLocation(v)
		if err != nil {
			return badRequest("%v", err)
		}
		d[k] = loc
	case "fhash":
		if v == nil {
			delete(d, k)
			return nil
		}
		s, ok := v.(string)
		if !ok {
			return badRequest("member \"fhash\" must be a string, got %s", jsonKind(v))
		}
		d[k] = s
	case "parentDropId":
		if v == nil {
			delete(d, k)
			return nil
		}
		m, ok := v.(map[string]any)
		if !ok {
			return badRequest("member \"parentDropId\" must be an object {\"flowId\",\"dropId\"}")
		}
		f, ok1 := refID(m["flowId"])
		dr, ok2 := refID(m["dropId"])
		if !ok1 || !ok2 {
			return badRequest("member \"parentDropId\" needs string \"flowId\" and \"dropId\"")
		}
		d[k] = map[string]any{"flowId": f, "dropId": dr}
	}
	return nil
}

// normalizeLocation checks a location object; lat/lon become float64 and a
// zip-only location gets lat/lon from the zip table when it knows the zip.
func normalizeLocation(v any) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("member \"location\" must be an object {\"lat\",\"lon\",\"specifiers\"}, got %s", jsonKind(v))
	}
	out, _ := deepCopy(m).(map[string]any)
	for _, k := range []string{"lat", "lon"} {
		x, ok := out[k]
		if !ok {
			continue
		}
		f, ok := toFloat(x)
		if !ok {
			return nil, fmt.Errorf("location.%s must be a number, got %s", k, jsonKind(x))
		}
		if (k == "lat" && (f < -90 || f > 90)) || (k == "lon" && (f < -180 || f > 180)) {
			return nil, fmt.Errorf("location.%s out of range: %v", k, f)
		}
		out[k] = f
	}
	if sp, ok := out["specifiers"]; ok {
		sm, ok := sp.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("location.specifiers must be an object, got %s", jsonKind(sp))
		}
		for k, x := range sm {
			switch t := x.(type) {
			case string:
			case int64: // a zip sent as a number
				sm[k] = strconv.FormatInt(t, 10)
			default:
				return nil, fmt.Errorf("location.specifiers.%s must be a string, got %s", k, jsonKind(x))
			}
		}
		_, hasLat := out["lat"]
		_, hasLon := out["lon"]
		if zip, ok := sm["zip"].(string); ok && !hasLat && !hasLon {
			if lat, lon, ok := zipCentroid(zip); ok {
				out["lat"], out["lon"] = lat, lon
			}
		}
	}
	return out, nil
}

// storeDrop stores d in flow (or only announces it for capacity 0), queues
// its DropEvent and runs tracks (write lock held).
func (e *Emulator) storeDrop(tx *txn, flow *record, d map[string]any, trackID string, depth int, used map[string]bool, copies *int) {
	capacity := flowCapacity(flow.Obj)
	stored := capacity > 0
	if stored {
		e.putDrop(tx, flow, d)
		for e.st.flowDrops[flow.id()].len() > capacity {
			e.evictOldest(tx, flow.id())
		}
	}
	// d is not kept by the store (it keeps an encoding) and not changed
	// after this: the listeners share it read-only
	tx.events = append(tx.events, DropEvent{Kind: DropCreated, Account: flow.Account, FlowID: flow.id(),
		Path: flowPathOf(flow), Drop: d, Stored: stored,
		Tracked: trackID != "", TrackID: trackID, Time: e.cfg.Now()})
	e.runTracks(tx, flow, d, depth, used, copies)
}

// flowAccepts evaluates the flow's filter on a drop.
func (e *Emulator) flowAccepts(flow *record, d map[string]any) bool {
	f, _ := flow.Obj["filter"].(string)
	if strings.TrimSpace(f) == "" {
		return true
	}
	m, err := e.compileFilter(f)
	if err != nil {
		return true // validated on write; an unparsable stored filter filters nothing
	}
	return m.Match(d)
}

// ---- read / find ----

// findDrops checks access under the lock, then scans without it
// (scan.go).
func (e *Emulator) findDrops(ctx context.Context, p *principal, op *operation, q *query) result {
	var fv flowView
	res := e.view(p, op, func() result {
		flow, err := e.flowOf(op.Account, op.FlowID, q.path)
		if err != nil {
			if op.FlowID == "" && q.path != "" {
				err = &apiError{http.StatusNotFound, fmt.Sprintf("There is no flow with path %q.", q.path)}
			}
			return err.result()
		}
		if err := e.dropAccess(p, flow, false); err != nil {
			return err.result()
		}
		fv = viewOf(flow)
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return res
	}
	list, err := e.selectDrops(ctx, fv, q)
	if err != nil {
		return err.result()
	}
	return e.finishDropsUnlocked(p, op, q, list)
}

// finishDropsUnlocked is finishDrops for a body made without the lock (it
// takes the read lock for refs).
func (e *Emulator) finishDropsUnlocked(p *principal, op *operation, q *query, body any) result {
	if !q.refs {
		return okResult(http.StatusOK, body)
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.finishDrops(p, op, q, http.StatusOK, body)
}

func (e *Emulator) readDrop(p *principal, op *operation, q *query) result {
	return e.view(p, op, func() result {
		flow, err := e.accessibleFlow(p, op, false)
		if err != nil {
			return err.result()
		}
		r := e.st.drops[op.ID]
		if r == nil || r.flowID != flow.id() {
			return notFound()
		}
		return e.finishDrops(p, op, q, http.StatusOK, e.renderDropFor(r, flowPathOf(flow), q))
	})
}

func (e *Emulator) mgetDrops(p *principal, op *operation, q *query) result {
	ids, ierr := decodeIDList(op)
	if ierr != nil {
		return ierr.result()
	}
	// the drops are picked under the lock and decoded after (a body may
	// name tens of thousands)
	var recs []*dropRec
	var path string
	res := e.view(p, op, func() result {
		flow, err := e.accessibleFlow(p, op, false)
		if err != nil {
			return err.result()
		}
		for _, id := range ids {
			if r := e.st.drops[id]; r != nil && r.flowID == flow.id() {
				recs = append(recs, r)
			}
		}
		path = flowPathOf(flow)
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return res
	}
	out := map[string]any{}
	for _, r := range recs {
		out[r.id] = e.renderDropFor(r, path, q)
	}
	return e.finishDropsUnlocked(p, op, q, out)
}

// multiFlowFind: MGET /drop with [{"flowId"|"path", "params":{…}}] → map
// flowId → drops. Flows that do not exist or that the caller cannot read
// are left out; bad params are a 400.
func (e *Emulator) multiFlowFind(ctx context.Context, p *principal, op *operation, q *query) result {
	v, derr := decodeBody(op)
	if derr != nil {
		return derr.result()
	}
	list, ok := v.([]any)
	if !ok {
		return errResult(http.StatusBadRequest, "The MGET /drop body must be an array of {\"flowId\", \"params\"} objects.")
	}
	type item struct {
		flowID, path string
		q            *query
	}
	items := make([]item, 0, len(list))
	for i, x := range list {
		m, ok := x.(map[string]any)
		if !ok {
			return errResult(http.StatusBadRequest, fmt.Sprintf("MGET /drop item %d must be an object, got %s.", i, jsonKind(x)))
		}
		it := item{}
		it.flowID, _ = m["flowId"].(string)
		it.path, _ = m["path"].(string)
		if it.flowID == "" && it.path == "" {
			return errResult(http.StatusBadRequest, fmt.Sprintf("MGET /drop item %d needs a \"flowId\".", i))
		}
		params := map[string]string{}
		for k, pv := range op.Params { // URL params are defaults (e.g. hints)
			params[k] = pv
		}
		if pm, ok := m["params"]; ok && pm != nil {
			pmm, ok := pm.(map[string]any)
			if !ok {
				return errResult(http.StatusBadRequest, fmt.Sprintf("MGET /drop item %d: \"params\" must be an object.", i))
			}
			for k, pv := range pmm {
				params[k] = paramString(pv)
			}
		}
		iq, qerr := e.parseQuery(params, op.Version)
		if qerr != nil {
			return errResult(http.StatusBadRequest, fmt.Sprintf("MGET /drop item %d: %s", i, qerr.Msg))
		}
		it.q = iq
		items = append(items, it)
	}
	views := make([]flowView, len(items))
	res := e.view(p, op, func() result {
		for i, it := range items {
			flow, err := e.flowOf(op.Account, it.flowID, it.path)
			if err != nil || e.dropAccess(p, flow, false) != nil {
				continue
			}
			views[i] = viewOf(flow)
		}
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return res
	}
	out := map[string]any{}
	for i, fv := range views {
		if fv.id == "" {
			continue
		}
		list, err := e.selectDrops(ctx, fv, items[i].q)
		if err != nil {
			return err.result()
		}
		out[fv.id] = list
	}
	return e.finishDropsUnlocked(p, op, q, out)
}

// paramString renders a JSON-typed param value as query text.
func paramString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = paramString(x)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// ---- update ----

func (e *Emulator) updateDropOp(p *principal, op *operation, q *query, member string) result {
	patch, perr := decodePatch(op, member, func(m string) *apiError {
		switch {
		case dropServerMembers[m]:
			return readOnlyMember(m)
		case m == "elems", m == "location", m == "fhash", m == "parentDropId":
			return nil
		}
		return badRequest("Unknown drop member %q.", m)
	})
	if perr != nil {
		return perr.result()
	}
	return e.mutate(p, op, func(tx *txn) result {
		flow, err := e.accessibleFlow(p, op, true)
		if err != nil {
			return err.result()
		}
		nw, err := e.prepareDropUpdate(p, flow, op.ID, patch)
		if err != nil {
			return err.result()
		}
		e.applyDropUpdate(tx, flow, nw)
		return e.finishDrops(p, op, q, http.StatusOK, q.project(renderDrop(nw, q.hints)))
	})
}

// prepareDropUpdate returns the updated drop object without changing state.
func (e *Emulator) prepareDropUpdate(p *principal, flow *record, id string, patch map[string]any) (map[string]any, *apiError) {
	r := e.st.drops[id]
	if r == nil || r.flowID != flow.id() {
		return nil, &apiError{http.StatusNotFound, msgNotFound}
	}
	obj := r.object(flowPathOf(flow))
	for _, k := range sortedKeys(patch) {
		if dropServerMembers[k] {
			continue
		}
		if err := e.setDropMember(obj, k, patch[k]); err != nil {
			return nil, err
		}
	}
	if _, ok := obj["elems"]; !ok {
		obj["elems"] = map[string]any{}
	}
	v, _ := integral(obj["version"])
	obj["version"] = v + 1
	obj["lastEditDate"] = e.nowMs()
	obj["lastEditorId"] = p.IdentityID
	if !e.flowAccepts(flow, obj) {
		return nil, badRequest("drop does not match flow filter")
	}
	return obj, nil
}

// applyDropUpdate stores an updated drop object (not changed afterwards:
// the listeners share it read-only).
func (e *Emulator) applyDropUpdate(tx *txn, flow *record, nw map[string]any) {
	e.putDrop(tx, flow, nw)
	tx.events = append(tx.events, DropEvent{Kind: DropUpdated, Account: flow.Account, FlowID: flow.id(),
		Path: flowPathOf(flow), Drop: nw, Stored: true, Time: e.cfg.Now()})
}

func (e *Emulator) mputDrops(p *principal, op *operation, q *query) result {
	body, err := decodeObjectBody(op)
	if err != nil {
		return err.result()
	}
	for id, v := range body {
		if _, ok := v.(map[string]any); !ok {
			return errResult(http.StatusBadRequest, fmt.Sprintf("The MPUT body must map drop ids to objects: %q maps to %s.", id, jsonKind(v)))
		}
	}
	return e.mutate(p, op, func(tx *txn) result {
		flow, err := e.accessibleFlow(p, op, true)
		if err != nil {
			return err.result()
		}
		var todo []map[string]any
		for _, id := range sortedKeys(body) {
			nw, err := e.prepareDropUpdate(p, flow, id, body[id].(map[string]any))
			if err != nil {
				if err.Status == http.StatusNotFound {
					continue
				}
				return errResult(err.Status, fmt.Sprintf("%s: %s", id, err.Msg))
			}
			todo = append(todo, nw)
		}
		out := map[string]any{}
		for _, nw := range todo {
			e.applyDropUpdate(tx, flow, nw)
			out[nw["id"].(string)] = q.project(renderDrop(nw, q.hints))
		}
		return e.finishDrops(p, op, q, http.StatusOK, out)
	})
}

// ---- delete ----

func (e *Emulator) deleteDrop(p *principal, op *operation) result {
	return e.mutate(p, op, func(tx *txn) result {
		flow, err := e.accessibleFlow(p, op, true)
		if err != nil {
			return err.result()
		}
		r := e.st.drops[op.ID]
		if r == nil || r.flowID != flow.id() {
			return notFound()
		}
		e.removeDrop(tx, r)
		return okResult(http.StatusOK, map[string]any{})
	})
}

func (e *Emulator) deleteAllDrops(p *principal, op *operation) result {
	return e.mutate(p, op, func(tx *txn) result {
		flow, err := e.accessibleFlow(p, op, true)
		if err != nil {
			return err.result()
		}
		e.removeAllDrops(tx, flow.id())
		return okResult(http.StatusOK, map[string]any{})
	})
}
