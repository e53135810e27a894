package core

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

// DecodeResponse is the last, pure step of a call: it turns the status and
// body of the response to req into an Envelope, or into the typed error for
// a failure status, or into a MalformedResponseError when the body is not an
// envelope at all.
//
// The token of req never reaches an error: should the server echo it in an
// error string or an HTML page, it is replaced by "[redacted]".
//
// Two answers are not envelopes and need none: 204 No Content is a success
// whose body is {}, and a 3xx is a RedirectError (never followed).
func DecodeResponse(req Request, status int, body []byte) (*Envelope, error) {
	switch {
	case status == 204 && len(body) == 0:
		return &Envelope{Status: status, OK: true, Body: []byte("{}")}, nil
	case status >= 300 && status <= 399:
		return nil, &RedirectError{Status: status, Method: req.Method, Path: req.Path}
	}
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

// DecodeHead is DecodeResponse for a caller that parsed the response body
// itself (JavaScript's JSON.parse, in the wasm package) and hands over only
// the raw JSON of its "head" member: the same checks, the same typed
// errors, but the Envelope's Body is nil. The caller takes the body from its
// own parse and, as DecodeResponse does, reads an absent or null body as {}.
func DecodeHead(req Request, status int, head []byte) (*Envelope, error) {
	data := append(append([]byte(`{"head":`), head...), '}')
	if _, ok := scanJSON(head); !ok {
		// Not one JSON value (it might still complete the wrapper into
		// one, as `{}, "body": 1` does): decode it alone, which fails.
		data = head
	}
	env, err := DecodeResponse(req, status, data)
	if env != nil {
		env.Body = nil
	}
	return env, err
}

// decodeEnvelope parses an envelope; fallbackStatus stands in for a head
// without status (WebSocket replies may omit it). A non-empty reason means
// the data is not an envelope.
func decodeEnvelope(data []byte, fallbackStatus int) (*Envelope, string) {
	if len(data) == 0 {
		return nil, "empty body"
	}
	v, ok := parseJSON(data)
	if !ok {
		return nil, "invalid JSON"
	}
	return envelopeOf(v, fallbackStatus)
}

// envelopeOf decodes the envelope v, a value parseJSON returned.
func envelopeOf(v []byte, fallbackStatus int) (*Envelope, string) {
	if v[0] != '{' {
		return nil, "not a JSON object"
	}
	head := jsonMember(v, "head")
	if len(head) == 0 || head[0] != '{' {
		return nil, `no "head" object`
	}
	env := &Envelope{Status: fallbackStatus}
	if s := jsonMember(head, "status"); s != nil {
		n, ok := jsonInt(s)
		if !ok || int64(int(n)) != n {
			return nil, `"head.status" is not an integer`
		}
		env.Status = int(n)
	}
	if ok := jsonMember(head, "ok"); ok != nil {
		b, isBool := jsonBool(ok)
		if !isBool {
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
	if refs := jsonMember(head, "references"); len(refs) > 0 && refs[0] == '{' {
		env.References = appendCompactJSON(nil, refs)
	}
	if id := jsonMember(head, "msgId"); id != nil {
		env.MsgID = appendCompactJSON(nil, id)
	}
	if body := jsonMember(v, "body"); body != nil && !isJSONNull(body) {
		env.Body = appendCompactJSON(nil, body)
	} else {
		env.Body = []byte("{}")
	}
	return env, ""
}

func isJSONNull(v []byte) bool { return string(v) == "null" }

func stringList(head []byte, key string) ([]string, string) {
	v := jsonMember(head, key)
	if v == nil || isJSONNull(v) {
		return nil, ""
	}
	items, ok := jsonItems(v)
	if !ok {
		return nil, `"head.` + key + `" is not an array`
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		// The platform sends strings; keep anything else readable rather
		// than dropping the error text.
		if s, ok := jsonText(it); ok {
			out = append(out, s)
		} else {
			out = append(out, string(appendCompactJSON(nil, it)))
		}
	}
	return out, ""
}
