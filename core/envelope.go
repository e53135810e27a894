package core

import (
	"github.com/valyala/fastjson"
)

// Envelope is a decoded platform response: the head's control fields, and
// the body and references as raw JSON, left for the caller to decode (or to
// hand to JavaScript untouched).
type Envelope struct {
	Status     int
	OK         bool
	Messages   []string
	Errors     []string
	References []byte // raw JSON object; nil when the head has none
	Body       []byte // raw JSON; "{}" when the platform sent no body
	// MsgID is the raw JSON of head.msgId on a WebSocket reply, nil otherwise.
	MsgID []byte
}

var parsers fastjson.ParserPool

// DecodeResponse is the last, pure step of a call: it turns the status and
// body of the response to req into an Envelope, or into the typed error for
// a failure status, or into a MalformedResponseError when the body is not an
// envelope at all.
//
// The token of req never reaches an error: should the server echo it in an
// error string or an HTML page, it is replaced by "[redacted]".
func DecodeResponse(req Request, status int, body []byte) (*Envelope, error) {
	env, reason := decodeEnvelope(body, status)
	if reason != "" {
		return nil, &MalformedResponseError{Status: status, Method: req.Method, Path: req.Path,
			Reason: reason, Excerpt: redactedExcerpt(body, req.token())}
	}
	if !env.OK || status < 200 || status > 299 {
		if env.OK { // a 2xx head on a failed HTTP exchange: trust HTTP
			env.Status = status
		}
		tok := req.token()
		return nil, newStatusError(&ResponseError{Status: env.Status, Method: req.Method, Path: req.Path,
			Account: req.Account, Errors: redactAll(env.Errors, tok), Messages: redactAll(env.Messages, tok)})
	}
	return env, nil
}

// decodeEnvelope parses an envelope; fallbackStatus stands in for a head
// without status (WebSocket replies may omit it). A non-empty reason means
// the data is not an envelope.
func decodeEnvelope(data []byte, fallbackStatus int) (*Envelope, string) {
	if len(data) == 0 {
		return nil, "empty body"
	}
	p := parsers.Get()
	defer parsers.Put(p)
	v, err := parseValid(p, data)
	if err != nil {
		return nil, "invalid JSON"
	}
	return envelopeOf(v, fallbackStatus)
}

// parseValid parses data after validating all of it: fastjson parses
// strings lazily, and re-marshalling an unvalidated value (a body handed on
// as raw JSON) could produce invalid JSON.
func parseValid(p *fastjson.Parser, data []byte) (*fastjson.Value, error) {
	if err := fastjson.ValidateBytes(data); err != nil {
		return nil, err
	}
	return p.ParseBytes(data)
}

func envelopeOf(v *fastjson.Value, fallbackStatus int) (*Envelope, string) {
	if v.Type() != fastjson.TypeObject {
		return nil, "not a JSON object"
	}
	head := v.Get("head")
	if head == nil || head.Type() != fastjson.TypeObject {
		return nil, `no "head" object`
	}
	env := &Envelope{Status: fallbackStatus}
	if s := head.Get("status"); s != nil {
		n, err := s.Int()
		if err != nil {
			return nil, `"head.status" is not an integer`
		}
		env.Status = n
	}
	if ok := head.Get("ok"); ok != nil {
		b, err := ok.Bool()
		if err != nil {
			return nil, `"head.ok" is not a boolean`
		}
		env.OK = b
	} else {
		env.OK = env.Status >= 200 && env.Status <= 299
	}
	var reason string
	if env.Errors, reason = stringList(head, "errors"); reason != "" {
		return nil, reason
	}
	if env.Messages, reason = stringList(head, "messages"); reason != "" {
		return nil, reason
	}
	if refs := head.Get("references"); refs != nil && refs.Type() == fastjson.TypeObject {
		env.References = refs.MarshalTo(nil)
	}
	if id := head.Get("msgId"); id != nil {
		env.MsgID = id.MarshalTo(nil)
	}
	if body := v.Get("body"); body != nil && body.Type() != fastjson.TypeNull {
		env.Body = body.MarshalTo(nil)
	} else {
		env.Body = []byte("{}")
	}
	return env, ""
}

func stringList(head *fastjson.Value, key string) ([]string, string) {
	v := head.Get(key)
	if v == nil || v.Type() == fastjson.TypeNull {
		return nil, ""
	}
	items, err := v.Array()
	if err != nil {
		return nil, `"head.` + key + `" is not an array`
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		// The platform sends strings; keep anything else readable rather
		// than dropping the error text.
		if b, err := it.StringBytes(); err == nil {
			out = append(out, string(b))
		} else {
			out = append(out, string(it.MarshalTo(nil)))
		}
	}
	return out, ""
}
