package emulator

import (
	"context"
	"fmt"
	"net/http"
	"sort"
)

// serviceDef describes a stored-object service (everything but drops).
type serviceDef struct {
	name   string
	prefix byte
	// readOnly lists server-managed members (besides commonReadOnly) that
	// are ignored in request bodies.
	readOnly []string
	// paths returns the paths that govern permission on obj (§9.4 step 3);
	// an object without paths is for the namespace's master only.
	paths    func(obj map[string]any) []string
	validate func(c *vctx, obj map[string]any) error
	// allowed operations (read/find/MGET are always allowed)
	create, update, del bool
	// immutable: PUT/MPUT answer 400 (tokens, shares)
	immutable bool
	// masterOnly: every write needs the namespace's master token
	masterOnly bool
	// global: find lists objects of every namespace (identities)
	global bool
	// canRead overrides the path-based read rule
	canRead func(e *Emulator, p *principal, r *record) bool
	// dropRights, when set, is checked besides canWrite on create and update
	// (tracks: drop read on the source, drop write on each destination)
	dropRights func(e *Emulator, p *principal, obj map[string]any) *apiError
	// beforeInsert completes a validated new object (may create others)
	beforeInsert func(e *Emulator, tx *txn, p *principal, r *record)
	afterUpdate  func(e *Emulator, tx *txn, old, nw *record)
	beforeDelete func(e *Emulator, tx *txn, r *record)
	// render adds computed members to an output copy
	render func(e *Emulator, p *principal, r *record, out map[string]any)
}

// commonReadOnly are the server-assigned members of every object (§3.0).
var commonReadOnly = []string{"id", "creationDate", "lastEditDate", "creatorId", "lastEditorId"}

func (d *serviceDef) isReadOnly(k string) bool {
	for _, x := range commonReadOnly {
		if x == k {
			return true
		}
	}
	for _, x := range d.readOnly {
		if x == k {
			return true
		}
	}
	return false
}

// canRead: may p read r? (lock held)
func (e *Emulator) canRead(p *principal, def *serviceDef, r *record) bool {
	if def.canRead != nil {
		return def.canRead(e, p, r)
	}
	if p.isMasterOf(r.Account) {
		return true
	}
	if def.masterOnly || def.paths == nil {
		return false
	}
	// every governing path: a track from a path outside the caller's
	// scope would reveal that path and the track's filter
	paths := def.paths(r.Obj)
	for _, path := range paths {
		if !e.permsFor(p, path).Read {
			return false
		}
	}
	return len(paths) > 0
}

// canWrite: may p create/update/delete obj in namespace ns? (lock held)
func (e *Emulator) canWrite(p *principal, def *serviceDef, obj map[string]any, ns string) bool {
	if def.masterOnly {
		return p.isMasterOf(ns)
	}
	var paths []string
	if def.paths != nil {
		paths = def.paths(obj)
	}
	if len(paths) == 0 {
		return p.isMasterOf(ns)
	}
	for _, path := range paths {
		if !e.permsFor(p, path).Write {
			return false
		}
	}
	return true
}

func (e *Emulator) renderObject(p *principal, def *serviceDef, r *record) map[string]any {
	out, _ := deepCopy(r.Obj).(map[string]any)
	if def.render != nil {
		def.render(e, p, r, out)
	}
	return out
}

// finish applies only/refs to a successful body (lock held).
func (e *Emulator) finish(p *principal, op *operation, q *query, status int, body any) result {
	switch b := body.(type) {
	case map[string]any:
		body = q.project(b)
	case []any:
		for i, x := range b {
			if m, ok := x.(map[string]any); ok {
				b[i] = q.project(m)
			}
		}
	}
	res := okResult(status, body)
	if q.refs {
		res.References = e.collectRefs(p, op.Account, body)
	}
	return res
}

func (e *Emulator) execObject(ctx context.Context, p *principal, def *serviceDef, op *operation) result {
	q, qerr := e.parseQuery(op.Params, op.Version)
	if qerr != nil {
		return qerr.result()
	}
	switch {
	case op.ID == "":
		switch op.Method {
		case "GET":
			return e.findObjects(ctx, p, def, op, q)
		case "POST":
			return e.createObject(p, def, op, q)
		case "MGET":
			return e.mgetObjects(p, def, op, q)
		case "MPUT":
			if def.immutable {
				return immutable(def)
			}
			if def.update {
				return e.mputObjects(p, def, op, q)
			}
		case "PUT":
			if def.immutable {
				return immutable(def)
			}
		}
	case op.Tail == "":
		switch op.Method {
		case "GET":
			return e.readObject(p, def, op, q)
		case "PUT":
			if def.immutable {
				return immutable(def)
			}
			if def.update {
				return e.updateObjectOp(p, def, op, q, "")
			}
		case "DELETE":
			if def.del {
				return e.deleteObject(p, def, op)
			}
		}
	default:
		if op.Method == "PUT" {
			if def.name == svcIdentity && op.Tail == "masterToken" {
				return e.resetMasterToken(p, op, q)
			}
			if def.immutable {
				return immutable(def)
			}
			if def.update {
				return e.updateObjectOp(p, def, op, q, op.Tail)
			}
		}
	}
	return methodNotAllowed(op)
}

func immutable(def *serviceDef) result {
	return errResult(http.StatusBadRequest, fmt.Sprintf("A %s cannot be updated: %ss are immutable (delete it and create a new one).", def.name, def.name))
}

// lookup finds an object of the namespace (any namespace for global defs).
func (e *Emulator) lookup(def *serviceDef, ns, id string) *record {
	r := e.st.objects[def.name][id]
	if r == nil || (!def.global && r.Account != ns) {
		return nil
	}
	return r
}

// records lists a collection's objects in insertion order.
func (e *Emulator) records(def *serviceDef, ns string) []*record {
	m := e.st.objects[def.name]
	out := make([]*record, 0, len(m))
	for _, r := range m {
		if def.global || r.Account == ns {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// managementGate: token, share and group endpoints need the namespace's
// master token (403), except that a Token may read itself (§9.4 step 6).
func managementGate(p *principal, def *serviceDef, ns string) *apiError {
	if !def.masterOnly || p.isMasterOf(ns) || (def.name == svcToken && p.Kind == kindToken && p.Account == ns) {
		return nil
	}
	return &apiError{http.StatusForbidden, fmt.Sprintf("Only the master token of %q can manage %ss.", ns, def.name)}
}

// findObjects lists what p may read under the lock, filters and sorts it
// without the lock (stored objects never change), and renders the page
// under the lock again.
func (e *Emulator) findObjects(ctx context.Context, p *principal, def *serviceDef, op *operation, q *query) result {
	var visible []*record
	res := e.view(p, op, func() result {
		if err := managementGate(p, def, op.Account); err != nil {
			return err.result()
		}
		for _, r := range e.records(def, op.Account) {
			if e.canRead(p, def, r) {
				visible = append(visible, r)
			}
		}
		return okResult(http.StatusOK, nil)
	})
	if res.Status != http.StatusOK {
		return res
	}
	sel, err := q.selectRecords(ctx, visible)
	if err != nil {
		return err.result()
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	list := make([]any, len(sel))
	for i, r := range sel {
		list[i] = e.renderObject(p, def, r)
	}
	return e.finish(p, op, q, http.StatusOK, list)
}

func (e *Emulator) readObject(p *principal, def *serviceDef, op *operation, q *query) result {
	return e.view(p, op, func() result {
		if err := managementGate(p, def, op.Account); err != nil {
			return err.result()
		}
		r := e.lookup(def, op.Account, op.ID)
		if r == nil {
			return notFound()
		}
		if !e.canRead(p, def, r) {
			return errResult(http.StatusForbidden, msgForbidden)
		}
		return e.finish(p, op, q, http.StatusOK, e.renderObject(p, def, r))
	})
}

func (e *Emulator) mgetObjects(p *principal, def *serviceDef, op *operation, q *query) result {
	ids, err := decodeIDList(op)
	if err != nil {
		return err.result()
	}
	return e.view(p, op, func() result {
		if err := managementGate(p, def, op.Account); err != nil {
			return err.result()
		}
		out := map[string]any{}
		for _, id := range ids {
			if r := e.lookup(def, op.Account, id); r != nil && e.canRead(p, def, r) {
				out[id] = q.project(e.renderObject(p, def, r))
			}
		}
		res := okResult(http.StatusOK, out)
		if q.refs {
			res.References = e.collectRefs(p, op.Account, out)
		}
		return res
	})
}

func decodeIDList(op *operation) ([]string, *apiError) {
	v, err := decodeBody(op)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, badRequest("The MGET body must be a JSON array of ids, got %s.", jsonKind(v))
	}
	ids := make([]string, 0, len(list))
	for i, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, badRequest("The MGET body must be a JSON array of ids: item %d is %s.", i, jsonKind(x))
		}
		ids = append(ids, s)
	}
	return ids, nil
}

func (e *Emulator) createObject(p *principal, def *serviceDef, op *operation, q *query) result {
	if !def.create {
		return methodNotAllowed(op)
	}
	body, err := decodeObjectBody(op)
	if err != nil {
		return err.result()
	}
	return e.mutate(p, op, func(tx *txn) result {
		r, err := e.insertObject(tx, p, def, op.Account, body)
		if err != nil {
			return err.result()
		}
		return e.finish(p, op, q, http.StatusCreated, e.renderObject(p, def, r))
	})
}

// insertObject validates and stores a new object (write lock held).
func (e *Emulator) insertObject(tx *txn, p *principal, def *serviceDef, ns string, body map[string]any) (*record, *apiError) {
	if def.masterOnly && !p.isMasterOf(ns) {
		return nil, &apiError{http.StatusForbidden, fmt.Sprintf("Only the master token of %q can manage %ss.", ns, def.name)}
	}
	obj := make(map[string]any, len(body)+6)
	for k, v := range body {
		if !def.isReadOnly(k) && v != nil {
			obj[k] = v
		}
	}
	id := e.ids.next(def.prefix)
	c := &vctx{e: e, ns: ns, id: id}
	if def.validate != nil {
		if err := def.validate(c, obj); err != nil {
			return nil, badRequest("%v", err)
		}
	}
	if !e.canWrite(p, def, obj, ns) {
		return nil, &apiError{http.StatusForbidden, msgForbidden}
	}
	if def.dropRights != nil {
		if err := def.dropRights(e, p, obj); err != nil {
			return nil, err
		}
	}
	now := e.nowMs()
	obj["id"] = id
	obj["creationDate"] = now
	obj["lastEditDate"] = now
	obj["creatorId"] = p.IdentityID
	obj["lastEditorId"] = p.IdentityID
	r := &record{Account: ns, Obj: obj}
	if def.beforeInsert != nil {
		def.beforeInsert(e, tx, p, r)
	}
	e.put(tx, def.name, r)
	return r, nil
}

func (e *Emulator) updateObjectOp(p *principal, def *serviceDef, op *operation, q *query, member string) result {
	patch, perr := decodePatch(op, member, func(m string) *apiError {
		if def.isReadOnly(m) {
			return readOnlyMember(m)
		}
		return nil
	})
	if perr != nil {
		return perr.result()
	}
	return e.mutate(p, op, func(tx *txn) result {
		old, nw, err := e.prepareUpdate(p, def, op.Account, op.ID, patch)
		if err != nil {
			return err.result()
		}
		e.applyUpdate(tx, def, old, nw)
		return e.finish(p, op, q, http.StatusOK, e.renderObject(p, def, nw))
	})
}

// prepareUpdate computes the updated record without changing state.
func (e *Emulator) prepareUpdate(p *principal, def *serviceDef, ns, id string, patch map[string]any) (old, nw *record, err *apiError) {
	r := e.lookup(def, ns, id)
	if r == nil {
		return nil, nil, &apiError{http.StatusNotFound, msgNotFound}
	}
	if !e.canWrite(p, def, r.Obj, ns) {
		return nil, nil, &apiError{http.StatusForbidden, msgForbidden}
	}
	obj := copyMap(r.Obj)
	for k, v := range patch {
		if def.isReadOnly(k) {
			continue
		}
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	c := &vctx{e: e, ns: ns, id: id, old: r.Obj}
	if def.validate != nil {
		if verr := def.validate(c, obj); verr != nil {
			return nil, nil, badRequest("%v", verr)
		}
	}
	if !e.canWrite(p, def, obj, ns) {
		return nil, nil, &apiError{http.StatusForbidden, msgForbidden}
	}
	if def.dropRights != nil {
		if err := def.dropRights(e, p, obj); err != nil {
			return nil, nil, err
		}
	}
	obj["lastEditDate"] = e.nowMs()
	obj["lastEditorId"] = p.IdentityID
	return r, &record{Account: r.Account, Seq: r.Seq, Obj: obj}, nil
}

func (e *Emulator) applyUpdate(tx *txn, def *serviceDef, old, nw *record) {
	e.put(tx, def.name, nw)
	if def.afterUpdate != nil {
		def.afterUpdate(e, tx, old, nw)
	}
}

func (e *Emulator) mputObjects(p *principal, def *serviceDef, op *operation, q *query) result {
	body, err := decodeObjectBody(op)
	if err != nil {
		return err.result()
	}
	patches := map[string]map[string]any{}
	for id, v := range body {
		m, ok := v.(map[string]any)
		if !ok {
			return errResult(http.StatusBadRequest, fmt.Sprintf("The MPUT body must map ids to objects: %q maps to %s.", id, jsonKind(v)))
		}
		patches[id] = m
	}
	ids := sortedKeys(patches)
	return e.mutate(p, op, func(tx *txn) result {
		type pair struct{ old, nw *record }
		var todo []pair
		for _, id := range ids {
			old, nw, err := e.prepareUpdate(p, def, op.Account, id, patches[id])
			if err != nil {
				if err.Status == http.StatusNotFound {
					continue // unknown ids are left out, as in MGET
				}
				return errResult(err.Status, fmt.Sprintf("%s: %s", id, err.Msg))
			}
			todo = append(todo, pair{old, nw})
		}
		// each entry was checked against the state before the batch; unique
		// members must also differ between the entries themselves
		if def.name == svcFlow {
			owner := map[string]string{}
			for _, t := range todo {
				path := flowPathOf(t.nw)
				if other, taken := owner[path]; taken {
					return errResult(http.StatusBadRequest, fmt.Sprintf("%s: member \"path\": flow %s of the same batch also takes %q", t.nw.id(), other, path))
				}
				owner[path] = t.nw.id()
			}
		}
		out := map[string]any{}
		for _, t := range todo {
			e.applyUpdate(tx, def, t.old, t.nw)
			out[t.nw.id()] = q.project(e.renderObject(p, def, t.nw))
		}
		res := okResult(http.StatusOK, out)
		if q.refs {
			res.References = e.collectRefs(p, op.Account, out)
		}
		return res
	})
}

func (e *Emulator) deleteObject(p *principal, def *serviceDef, op *operation) result {
	return e.mutate(p, op, func(tx *txn) result {
		r := e.lookup(def, op.Account, op.ID)
		if r == nil {
			return notFound()
		}
		if !e.canWrite(p, def, r.Obj, op.Account) {
			return errResult(http.StatusForbidden, msgForbidden)
		}
		if def.beforeDelete != nil {
			def.beforeDelete(e, tx, r)
		}
		e.remove(tx, def.name, r)
		return okResult(http.StatusOK, map[string]any{})
	})
}

func (e *Emulator) resetMasterToken(p *principal, op *operation, q *query) result {
	return e.mutate(p, op, func(tx *txn) result {
		r := e.st.objects[svcIdentity][op.ID]
		if r == nil {
			return notFound()
		}
		if p.Kind != kindMaster || p.IdentityID != op.ID {
			return errResult(http.StatusForbidden, "Only the identity's own master token can reset it.")
		}
		a := e.st.accounts[r.Account]
		delete(e.st.masters, a.MasterToken)
		a.MasterToken = RandomSecret(32)
		e.st.masters[a.MasterToken] = a.Name
		return e.finish(p, op, q, http.StatusOK, e.renderObject(p, serviceDefs[svcIdentity], r))
	})
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
