package core

import "strconv"

// This file holds the pure halves of the WebSocket protocol (docs/protocol.md §8):
// building client frames by hand (jsonw.go) and decoding server frames with
// the reader of jsonr.go. Neither uses a JSON library, so a wasm build that
// links the engine stays small.

// WSFrame is one CRUD request over the WebSocket (docs/protocol.md §8.3). The
// engine adds the msgId; subscribe, unsubscribe and heartbeat frames are the
// engine's own and cannot be sent with WSFrame.
type WSFrame struct {
	// Object is the service name, as in REST: "drop", "flow", "track", …
	Object string
	// Type is one of "create", "find", "findmany", "update", "delete".
	Type string
	// FlowID or Path name the flow of a drop call (either one).
	FlowID string
	Path   string
	// ID is the target of find, update and delete.
	ID string
	// Value is the raw JSON body of create and update; it must be valid JSON.
	Value []byte
	// Options are the §4 query parameters of findmany (and find), sent as
	// the frame's string map.
	Options Params
}

// WSDrop is one drop delivered to a subscription.
type WSDrop struct {
	// Resource is the flow id of the drop (a push frame's resource).
	Resource string
	// Value is the raw JSON of the drop, the same shape as a REST read,
	// when the driver passed it (the Delivers of one drop share it: do not
	// change it); nil when the driver passed a Ref instead.
	Value []byte
	// Ref is the driver's handle on the drop, when it passed one.
	Ref uint64
}

// WSFrameError describes a server frame the engine could not use: invalid
// JSON, a reply without a known msgId, a push without a value. Such frames
// are ignored; the error is only reported.
type WSFrameError struct {
	Reason  string
	Excerpt string // the start of the frame, at most 120 bytes
}

func (e *WSFrameError) Error() string {
	return "flowthings: ignored websocket frame: " + e.Reason + ": " + quote(e.Excerpt)
}

func newFrameError(reason string, frame []byte) *WSFrameError {
	return &WSFrameError{Reason: reason, Excerpt: excerpt(frame)}
}

// isCRUDType reports whether WSFrame may carry the frame type t.
func isCRUDType(t string) bool {
	switch t {
	case "create", "find", "findmany", "update", "delete":
		return true
	}
	return false
}

// wsHeartbeat is the heartbeat frame; the server never answers it.
var wsHeartbeat = []byte(`{"type":"heartbeat"}`)

// wsProbe is the request that tells a live server from a silent one: the
// cheapest read every token may at least be refused (docs/protocol.md §8.3:
// every frame with a msgId gets one reply).
var wsProbe = &wsRequest{object: "flow", typ: "findmany", options: map[string]string{"limit": "1", "only": "id"}}

// wsRequest is a validated frame ready to be numbered and encoded.
type wsRequest struct {
	object, typ      string
	flowID, path, id string
	value            []byte
	options          map[string]string
}

// wsTarget is the REST-like path the errors of a request name,
// e.g. "/drop/f53b…" or "/flow/f53b…".
func (r *wsRequest) target() string {
	p := "/" + r.object
	switch {
	case r.path != "":
		p += r.path
	case r.flowID != "":
		p += "/" + r.flowID
	}
	if r.id != "" {
		p += "/" + r.id
	}
	return p
}

// method is what errors of a request show in place of an HTTP method.
func (r *wsRequest) method() string { return "WS " + r.typ }

// newCRUDRequest validates f.
func newCRUDRequest(f WSFrame) (*wsRequest, error) {
	if f.Object == "" {
		return nil, &InputError{Field: "object", Reason: "must not be empty"}
	}
	if !isCRUDType(f.Type) {
		return nil, &InputError{Field: "type", Reason: "must be create, find, findmany, update or delete, not " + quote(f.Type)}
	}
	if len(f.Value) > 0 {
		if _, ok := scanJSON(f.Value); !ok {
			return nil, &InputError{Field: "value", Reason: "is not valid JSON"}
		}
	}
	opts, err := f.Options.Strings()
	if err != nil {
		return nil, err
	}
	return &wsRequest{object: f.Object, typ: f.Type, flowID: f.FlowID, path: f.Path, id: f.ID,
		value: f.Value, options: opts}, nil
}

// newSubRequest builds a subscribe or unsubscribe of a flow id or, when the
// resource starts with "/", of a flow path.
func newSubRequest(typ, resource string) *wsRequest {
	r := &wsRequest{object: "drop", typ: typ}
	if resource != "" && resource[0] == '/' {
		r.path = resource
	} else {
		r.flowID = resource
	}
	return r
}

// encode renders r as one text frame with the given msgId, keys in the
// order of docs/protocol.md §8.3 and options sorted, so equal calls give equal frames.
func (r *wsRequest) encode(msgID string) []byte {
	b := make([]byte, 0, 64+len(r.value))
	b = append(b, `{"msgId":`...)
	b = appendJSONString(b, msgID)
	b = append(b, `,"object":`...)
	b = appendJSONString(b, r.object)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, r.typ)
	for _, kv := range [...]struct{ k, v string }{{"flowId", r.flowID}, {"path", r.path}, {"id", r.id}} {
		if kv.v != "" {
			b = append(b, ',', '"')
			b = append(b, kv.k...)
			b = append(b, '"', ':')
			b = appendJSONString(b, kv.v)
		}
	}
	if len(r.value) > 0 {
		b = append(b, `,"value":`...)
		b = append(b, r.value...)
	}
	if len(r.options) > 0 {
		keys := make([]string, 0, len(r.options))
		for k := range r.options {
			keys = append(keys, k)
		}
		sortSmall(keys)
		b = append(b, `,"options":{`...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, r.options[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// wsInbound is one decoded server frame: a reply (msgID set or env set), a
// push (push set), a frame to skip silently, or a malformed one (err set).
type wsInbound struct {
	// reply
	msgID string // normalized: string content, or the integer's digits
	env   *Envelope
	bad   string // non-empty: the reply head is not an envelope
	// push
	push     bool
	resource string
	drop     WSDropInfo
	// neither
	ignore bool
	err    *WSFrameError
}

// decodeWSFrame classifies a server frame by the rule every client uses
// (docs/protocol.md §8.4): type=="message" is a push, else a frame with head is
// a reply. Heartbeats are skipped; anything else is an error. It never
// panics, whatever the input.
func decodeWSFrame(data []byte) wsInbound {
	v, ok := parseJSON(data)
	if !ok {
		return wsInbound{err: newFrameError("invalid JSON", data)}
	}
	if v[0] != '{' {
		return wsInbound{err: newFrameError("not a JSON object", data)}
	}
	if t, ok := jsonText(jsonMember(v, "type")); ok {
		switch t {
		case "message":
			return decodePush(v, data)
		case "heartbeat":
			return wsInbound{ignore: true}
		}
	}
	head := jsonMember(v, "head")
	if head == nil {
		return wsInbound{err: newFrameError("neither a push nor a reply", data)}
	}
	in := wsInbound{msgID: normalizeMsgID(jsonMember(head, "msgId"))}
	if in.msgID == "" {
		return wsInbound{err: newFrameError("reply without msgId", data)}
	}
	// WebSocket replies may omit status; envelopeOf then derives it from ok.
	env, reason := envelopeOf(v, 0)
	if reason != "" {
		in.bad = reason
		return in
	}
	if env.Status == 0 && env.OK {
		env.Status = 200
	}
	in.env = env
	return in
}

func decodePush(v, data []byte) wsInbound {
	val := jsonMember(v, "value")
	if val == nil || isJSONNull(val) {
		return wsInbound{err: newFrameError("push without value", data)}
	}
	in := wsInbound{push: true, drop: dropInfoOf(appendCompactJSON(nil, val))}
	in.resource, _ = jsonText(jsonMember(v, "resource"))
	if in.resource == "" {
		in.resource = in.drop.FlowID
	}
	return in
}

// normalizeMsgID turns an echoed msgId into the engine's key: the text of a
// string, or the digits of an integer (some servers echo integers).
// Anything else is "".
func normalizeMsgID(v []byte) string {
	if s, ok := jsonText(v); ok {
		return s
	}
	if n, ok := jsonInt(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return ""
}

// DecodeSessionResponse decodes the reply to the request built by
// Config.NewSessionRequest: a 2xx envelope whose body is {"id": sessionID}.
// Failures are the typed errors of DecodeResponse, or a
// MalformedResponseError when the body carries no id.
func DecodeSessionResponse(req Request, status int, body []byte) (string, error) {
	env, err := DecodeResponse(req, status, body)
	if err != nil {
		return "", err
	}
	id, _ := jsonText(jsonMember(env.Body, "id"))
	if id == "" {
		return "", &MalformedResponseError{Status: status, Method: req.Method, Path: req.Path,
			Reason: `body has no session "id"`, Excerpt: redactedExcerpt(body, req.token())}
	}
	return id, nil
}
