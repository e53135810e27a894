package emulator

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
)

// operation is one API call, independent of transport. The REST handler
// builds it from the URL, query and body; the WebSocket layer builds it from
// a frame ({object,type,flowId,id,value,options}) with:
//
//	create → POST, find (by id) → GET with ID, findmany → GET without ID
//	(options → Params), update → PUT, delete → DELETE;
//	for drops FlowID (or Params["path"] / value.path) names the flow.
type operation struct {
	Method  string            // GET POST PUT DELETE MGET MPUT (upper case)
	Version string            // API version from the URL ("0.1", "4.0"); sets the hints default
	Account string            // URL account = namespace acted on
	Service string            // "flow", "drop", …
	FlowID  string            // drops only
	ID      string            // object id (drop id for drops)
	Tail    string            // member name (§3.16) or "aggregate"
	Params  map[string]string // §4 query parameters
	Body    []byte            // raw JSON body (nil/empty when none)
}

// result is the outcome of an operation; the transport wraps it in the §2
// envelope (REST) or a reply frame (WebSocket).
type result struct {
	Status     int
	Body       any            // never nil in a finished result: {} when empty
	References map[string]any // refs=1 only
	Errors     []string
	Messages   []string
}

// Standard messages.
const (
	msgOK       = "Your request has been processed successfully."
	msgCreated  = "Your request has been processed successfully. A new resource has been created."
	msgNotFound = "The requested resource could not be located at this address."
)

func okResult(status int, body any) result {
	msg := msgOK
	if status == http.StatusCreated {
		msg = msgCreated
	}
	return result{Status: status, Body: body, Messages: []string{msg}}
}

func errResult(status int, msg string) result {
	return result{Status: status, Body: map[string]any{}, Errors: []string{msg}}
}

func notFound() result { return errResult(http.StatusNotFound, msgNotFound) }

func methodNotAllowed(op *operation) result {
	return errResult(http.StatusMethodNotAllowed,
		fmt.Sprintf("Method %s is not allowed on this %s resource.", op.Method, op.Service))
}

// serviceFunc runs an operation for a service registered by another layer
// (e.g. statistics). ctx ends when the caller is gone (REST request,
// WebSocket connection): a long scan should stop then.
type serviceFunc func(ctx context.Context, p *principal, op *operation) result

// registerService adds a service (e.g. "statistics") reachable as
// /v*/{account}/{name}/... and as a WebSocket object. The function runs
// without any lock held: use e.view / e.mutate.
func (e *Emulator) registerService(name string, fn serviceFunc) { e.services[name] = fn }

// registerDropTail adds a drop sub-operation /drop/{flowId}/{tail} (e.g.
// "aggregate"); the function runs without any lock held.
func (e *Emulator) registerDropTail(tail string, fn serviceFunc) { e.dropTails[tail] = fn }

// execute runs one operation as p. It never panics (a panic becomes a 500)
// and fires one CallEvent. ctx is the caller's (the REST request's, the
// WebSocket connection's): scans stop when it ends (a 503 nobody reads).
func (e *Emulator) execute(ctx context.Context, p *principal, op operation) (res result) {
	op.Method = strings.ToUpper(op.Method)
	if op.Params == nil {
		op.Params = map[string]string{}
	}
	defer func() {
		if r := recover(); r != nil {
			e.logf("emulator: panic in %s %s: %v\n%s", op.Method, op.Service, r, debug.Stack())
			res = errResult(http.StatusInternalServerError, "Internal server error.")
		}
		if res.Body == nil {
			res.Body = map[string]any{}
		}
		if p != nil {
			e.fireCall(CallEvent{IdentityID: p.IdentityID, Account: p.Account, TokenID: p.TokenID,
				Namespace: op.Account, Service: op.Service, Method: op.Method, Status: res.Status, Time: e.cfg.Now()})
		}
	}()
	if fn, ok := e.services[op.Service]; ok {
		return fn(ctx, p, &op)
	}
	if op.Service == svcDrop {
		return e.execDrop(ctx, p, &op)
	}
	def, ok := serviceDefs[op.Service]
	if !ok {
		return errResult(http.StatusNotFound, fmt.Sprintf("Unknown service %q.", op.Service))
	}
	return e.execObject(ctx, p, def, &op)
}

// view runs fn under the read lock after re-validating p for op.Account.
func (e *Emulator) view(p *principal, op *operation, fn func() result) result {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if err := e.validate(p); err != nil {
		return err.result()
	}
	if err := e.checkNamespace(p, op.Account); err != nil {
		return err.result()
	}
	return fn()
}

// mutate runs fn under the write lock after re-validating p, commits the
// queued writes to bbolt and then delivers the queued events in lock order.
// fn must validate everything before it changes state: a failed result must
// leave the state untouched.
func (e *Emulator) mutate(p *principal, op *operation, fn func(tx *txn) result) (res result) {
	tx := &txn{}
	e.mu.Lock()
	ticket := e.disp.issue()
	delivered := false
	defer func() {
		evs := tx.events
		if !delivered { // panicked: deliver nothing, but pass the turn on
			evs = nil
		}
		e.disp.deliver(ticket, func() { e.deliverEvents(evs) })
	}()
	defer e.mu.Unlock()
	if op != nil {
		if err := e.validate(p); err != nil {
			delivered = true
			return err.result()
		}
		if err := e.checkNamespace(p, op.Account); err != nil {
			delivered = true
			return err.result()
		}
	}
	res = fn(tx)
	if err := e.commit(tx); err != nil {
		e.logf("emulator: persisting failed: %v", err)
		tx.events = nil
		res = errResult(http.StatusInternalServerError, "Internal server error: cannot persist the change.")
	}
	delivered = true
	return res
}

// decodeBody parses op.Body as JSON.
func decodeBody(op *operation) (any, *apiError) {
	if len(strings.TrimSpace(string(op.Body))) == 0 {
		return nil, badRequest("A JSON request body is required.")
	}
	v, err := decodeJSON(op.Body)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return v, nil
}

func decodeObjectBody(op *operation) (map[string]any, *apiError) {
	v, err := decodeBody(op)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequest("The request body must be a JSON object, got %s.", jsonKind(v))
	}
	return m, nil
}

// decodePatch reads an update body: the whole object for PUT /{id}, or the
// new value of one member for the member sub-resource PUT /{id}/{member}
// (docs/protocol.md §3.16). checkMember vets the member name first.
func decodePatch(op *operation, member string, checkMember func(string) *apiError) (map[string]any, *apiError) {
	if member == "" {
		return decodeObjectBody(op)
	}
	if err := checkMember(member); err != nil {
		return nil, err
	}
	v, err := decodeBody(op)
	if err != nil {
		return nil, err
	}
	return map[string]any{member: v}, nil
}

func readOnlyMember(member string) *apiError {
	return badRequest("Member %q is read-only.", member)
}

func (e *Emulator) nowMs() int64 { return e.cfg.Now().UnixMilli() }

func (e *Emulator) logf(format string, args ...any) {
	if e.cfg.Logger != nil {
		e.cfg.Logger.Printf(format, args...)
	}
}
