package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// WebSocket frames (docs/protocol.md §8.3, §8.4). A frame is one JSON object:
//
//	{"msgId", "object", "type", "flowId", "path", "id", "value", "options"}
//
// Replies: {"head":{"msgId","ok","status","errors","messages"[,"references"]},"body"}
// where msgId is the frame's msgId echoed byte for byte (string, number or
// anything else JSON, null included); every frame with a msgId but a
// heartbeat gets exactly one reply, a frame without msgId none (it still
// runs); body is never null.
//
// Types and the operation they run (through execute, so permissions,
// validation and CallEvents are those of REST):
//
//	create     POST   value = body           drops: flowId, or path (frame or value)
//	find       GET    id required            drops: flowId or path
//	findmany   GET    options = §4 params    drops: flowId or path
//	update     PUT    id required, value     drops: flowId or path
//	delete     DELETE id required            drops: flowId or path (no delete-all)
//	aggregate  POST   drops only: value = §7 body, flowId or path (emulator extension)
//	subscribe / unsubscribe                  drops only (object "drop" or absent)
//	heartbeat                                never answered
//
// options apply to every type (hints, refs, only, …); their values may be
// strings, numbers or booleans. Object "statistics" (emulator extension):
// find with id "<type>/<objectId>[/<year>…]" and options.level.
//
// The namespace is the session's account, except that a drop frame whose
// path (frame or value) starts with another account acts in that account
// (where the caller needs a share, as over REST with that URL account), and
// a drop frame whose flowId names a flow of an account the caller may act
// in (a live share) acts in that account, so a shared flow works by id as
// by path; a flow of an account that shares nothing stays a 404.
//
// Errors: a frame that is not a JSON object is ignored (nothing to
// answer); a frame without type, with a member of the wrong JSON type, an
// unknown type, a missing object or id → 400 reply; unknown object → 404;
// unknown flow on subscribe → 404; no drop-read permission → 403.
// Unsubscribing something not subscribed is fine (200). Subscribing twice
// is idempotent.

type wsFrame struct {
	Object, Type, FlowID, Path, ID string
	Value                          json.RawMessage // nil when absent or null
	Options                        map[string]string
}

// wsReply is a §8.4 reply.
type wsReply struct {
	Head wsReplyHead `json:"head"`
	Body any         `json:"body"`
}

type wsReplyHead struct {
	MsgID      json.RawMessage `json:"msgId,omitempty"`
	OK         bool            `json:"ok"`
	Status     int             `json:"status"`
	Errors     []string        `json:"errors"`
	Messages   []string        `json:"messages"`
	References map[string]any  `json:"references,omitempty"`
}

// marshalFrame encodes like the REST envelope (no HTML escaping), without
// a trailing newline.
func marshalFrame(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func replyFrame(msgID json.RawMessage, res result) []byte {
	body := res.Body
	if body == nil {
		body = map[string]any{}
	}
	rep := wsReply{Head: wsReplyHead{MsgID: msgID, OK: res.Status >= 200 && res.Status <= 299, Status: res.Status,
		Errors: res.Errors, Messages: res.Messages, References: res.References}, Body: body}
	if rep.Head.Errors == nil {
		rep.Head.Errors = []string{}
	}
	if rep.Head.Messages == nil {
		rep.Head.Messages = []string{}
	}
	b, err := marshalFrame(rep)
	if err != nil {
		rep.Head.OK, rep.Head.Status = false, http.StatusInternalServerError
		rep.Head.Errors, rep.Head.Messages, rep.Head.References = []string{"Internal server error: cannot encode the reply."}, []string{}, nil
		rep.Body = map[string]any{}
		b, _ = marshalFrame(rep)
	}
	return b
}

// handleFrame runs one inbound frame and returns the reply (nil: none). A
// frame without msgId runs but gets no reply, errors included (docs/protocol.md
// §8.3: the Python client reads head.msgId of every reply); "msgId": null
// is a msgId like any other.
func (c *wsConn) handleFrame(data []byte) []byte {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil || top == nil {
		return nil // not a JSON object: no msgId to answer to
	}
	msgID, answer := top["msgId"]
	fr, aerr := parseFrame(top)
	var res result
	switch {
	case aerr != nil:
		res = aerr.result()
	case fr.Type == "heartbeat":
		return nil
	default:
		res = c.dispatch(fr)
	}
	if !answer {
		return nil
	}
	return replyFrame(msgID, res)
}

func parseFrame(top map[string]json.RawMessage) (*wsFrame, *apiError) {
	fr := &wsFrame{}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"object", &fr.Object}, {"type", &fr.Type}, {"flowId", &fr.FlowID}, {"path", &fr.Path}, {"id", &fr.ID}} {
		raw, ok := top[f.name]
		if !ok || string(raw) == "null" {
			continue
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return nil, badRequest("frame member %q must be a string", f.name)
		}
		*f.dst = strings.TrimSpace(*f.dst)
	}
	if raw, ok := top["value"]; ok && string(raw) != "null" {
		fr.Value = raw
	}
	if raw, ok := top["options"]; ok && string(raw) != "null" {
		var opts map[string]json.RawMessage
		if err := json.Unmarshal(raw, &opts); err != nil {
			return nil, badRequest("frame member \"options\" must be an object of strings")
		}
		fr.Options = make(map[string]string, len(opts))
		for k, v := range opts {
			var x any
			if err := json.Unmarshal(v, &x); err != nil {
				return nil, badRequest("options.%s: %v", k, err)
			}
			switch t := x.(type) {
			case nil:
			case string:
				fr.Options[k] = t
			case float64:
				fr.Options[k] = string(v) // the number as written
			case bool:
				fr.Options[k] = strconv.FormatBool(t)
			default:
				return nil, badRequest("options.%s must be a string, number or boolean", k)
			}
		}
	}
	if fr.Type == "" {
		return nil, badRequest("frame member \"type\" is required (create, find, findmany, update, delete, subscribe, unsubscribe, heartbeat)")
	}
	return fr, nil
}

// namespace: the session's account, or the account a drop frame's path
// names, or the account of the flow a drop frame's flowId names when the
// caller may act there (a shared flow works by id as by path; a flow of an
// account that shares nothing stays unknown: 404).
func (c *wsConn) namespace(fr *wsFrame) string {
	ns := c.ns
	if fr.Object != svcDrop && fr.Object != "" {
		return ns
	}
	if fr.FlowID != "" {
		if owner := c.h.e.flowAccountFor(c.p, fr.FlowID); owner != "" {
			return owner
		}
		return ns
	}
	path := fr.Path
	if path == "" && fr.FlowID == "" && fr.Value != nil {
		var v struct {
			Path any `json:"path"`
		}
		if json.Unmarshal(fr.Value, &v) == nil {
			path, _ = v.Path.(string)
		}
	}
	if owner := pathOwner(path); strings.HasPrefix(path, "/") && owner != "" {
		return owner
	}
	return ns
}

// flowAccountFor returns the account of flow id when p may act in it
// ("" otherwise, or for an unknown flow).
func (e *Emulator) flowAccountFor(p *principal, id string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	r := e.st.objects[svcFlow][id]
	if r == nil || e.checkNamespace(p, r.Account) != nil {
		return ""
	}
	return r.Account
}

// flowIDByPath resolves a flow path of namespace ns.
func (e *Emulator) flowIDByPath(ns, path string) (string, bool) {
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	id, ok := e.st.flowPath[path]
	if !ok {
		return "", false
	}
	r := e.st.objects[svcFlow][id]
	if r == nil || r.Account != ns {
		return "", false
	}
	return id, true
}

var wsMethods = map[string]string{"create": http.MethodPost, "find": http.MethodGet, "findmany": http.MethodGet,
	"update": http.MethodPut, "delete": http.MethodDelete, "aggregate": http.MethodPost}

func (c *wsConn) dispatch(fr *wsFrame) result {
	typ := strings.ToLower(fr.Type)
	switch typ {
	case "subscribe", "unsubscribe":
		return c.subscription(fr, typ == "subscribe")
	}
	method, ok := wsMethods[typ]
	if !ok {
		return errResult(http.StatusBadRequest, fmt.Sprintf("Unknown frame type %q (create, find, findmany, update, delete, subscribe, unsubscribe, heartbeat).", fr.Type))
	}
	if fr.Object == "" {
		return errResult(http.StatusBadRequest, "frame member \"object\" is required (drop, flow, track, …)")
	}
	switch typ {
	case "find", "update", "delete":
		if fr.ID == "" {
			return errResult(http.StatusBadRequest, fmt.Sprintf("frame member \"id\" is required for type %q", typ))
		}
	case "aggregate":
		if fr.Object != svcDrop {
			return errResult(http.StatusBadRequest, "type \"aggregate\" is only for object \"drop\"")
		}
	}
	if err := c.h.e.injectFault(c.ctx); err != nil {
		return err.result()
	}
	ns := c.namespace(fr)
	op := operation{Method: method, Version: "0.1", Account: ns, Service: fr.Object, Params: map[string]string{}}
	for k, v := range fr.Options {
		op.Params[k] = v
	}
	if _, ok := op.Params["hints"]; !ok && !c.hints {
		op.Params["hints"] = "0"
	}
	if fr.Value != nil {
		op.Body = fr.Value
	}
	_, registered := c.h.e.services[fr.Object]
	switch {
	case fr.Object == svcDrop:
		op.ID = fr.ID
		op.FlowID = fr.FlowID
		if typ == "aggregate" {
			op.Tail = "aggregate"
		}
		if op.FlowID == "" && fr.Path != "" {
			if typ == "create" || typ == "findmany" {
				op.Params["path"] = fr.Path
			} else if id, ok := c.h.e.flowIDByPath(ns, fr.Path); ok {
				op.FlowID = id
			} else {
				return errResult(http.StatusNotFound, fmt.Sprintf("There is no flow with path %q.", fr.Path))
			}
		}
		if op.FlowID == "" && typ != "create" && typ != "findmany" {
			return errResult(http.StatusBadRequest, "frame member \"flowId\" or \"path\" is required for drops")
		}
	case registered:
		op.ID, op.Tail, _ = strings.Cut(fr.ID, "/")
	default:
		op.ID = fr.ID
	}
	return c.h.e.execute(c.ctx, c.p, op)
}

// subscription handles subscribe / unsubscribe.
func (c *wsConn) subscription(fr *wsFrame, on bool) (res result) {
	e := c.h.e
	ns := c.namespace(fr)
	method := "SUBSCRIBE"
	if !on {
		method = "UNSUBSCRIBE"
	}
	defer func() {
		e.fireCall(CallEvent{IdentityID: c.p.IdentityID, Account: c.p.Account, TokenID: c.p.TokenID, Namespace: ns,
			Service: svcDrop, Method: method, Status: res.Status, Time: e.cfg.Now()})
	}()
	if fr.Object != "" && fr.Object != svcDrop {
		return errResult(http.StatusBadRequest, fmt.Sprintf("Only drops can be subscribed to (object \"drop\"), got %q.", fr.Object))
	}
	if fr.FlowID == "" && fr.Path == "" {
		return errResult(http.StatusBadRequest, "frame member \"flowId\" or \"path\" is required")
	}
	if err := e.injectFault(c.ctx); err != nil {
		return err.result()
	}
	if on {
		id, path, err := e.subscribeCheck(c.p, ns, fr.FlowID, fr.Path)
		if err != nil {
			return err.result()
		}
		sub := c.subs[id]
		if sub == nil {
			sub = &flowSub{path: path}
			c.subs[id] = sub
			c.subCount.Store(int32(len(c.subs)))
			c.h.addSub(c, id)
		}
		if fr.FlowID != "" {
			sub.byID = true
		} else {
			sub.byPath = true
		}
		return okResult(http.StatusOK, map[string]any{})
	}
	id := fr.FlowID
	if id == "" {
		want := strings.TrimSuffix(fr.Path, "/")
		for fid, sub := range c.subs {
			if sub.path == want {
				id = fid
				break
			}
		}
	}
	if sub, ok := c.subs[id]; ok {
		if fr.FlowID != "" {
			sub.byID = false
		} else {
			sub.byPath = false
		}
		if !sub.byID && !sub.byPath {
			delete(c.subs, id)
			c.subCount.Store(int32(len(c.subs)))
			c.h.removeSub(c, id)
		}
	}
	return okResult(http.StatusOK, map[string]any{})
}
