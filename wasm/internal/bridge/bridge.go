package bridge

import (
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
)

// Bridge holds what JavaScript refers to by number: the configurations of
// its API objects and its WebSocket engines. It is used from one goroutine
// (JavaScript's), so it needs no lock.
type Bridge struct {
	last     int
	configs  map[int]core.Config
	engines  map[int]*engine
	programs map[int]*program

	// Regex runs the regexes of filter programs; without one, a filter
	// with a regex does not compile.
	Regex RegexEngine
	// Now is the clock of filter programs' AGE, in Unix milliseconds;
	// without one, a filter with AGE does not compile.
	Now func() int64
}

// New returns an empty Bridge.
func New() *Bridge {
	return &Bridge{configs: map[int]core.Config{}, engines: map[int]*engine{}, programs: map[int]*program{}}
}

// StartIDsAt makes first the next id the Bridge hands out. JavaScript
// gives each module it loads ids of their own (after a module failed, a
// fresh one must not reuse the ids of objects still held for the old one:
// releasing one of those would release another's).
func (b *Bridge) StartIDsAt(first int) { b.last = first - 1 }

func (b *Bridge) nextID() int {
	b.last++
	return b.last
}

// Configure validates an API's options and keeps them: {account, token,
// namespace, host, wsHost, secure, version, params}. It returns {id} for the
// calls below, or {error}.
func (b *Bridge) Configure(options *Obj) string {
	cfg, err := configOf(options)
	if err != nil {
		return failure(err)
	}
	id := b.nextID()
	b.configs[id] = cfg
	return newObject().num("id", float64(id)).String()
}

func configOf(o *Obj) (core.Config, error) {
	var c core.Config
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{{"account", &c.Account}, {"token", &c.Token}, {"namespace", &c.Namespace},
		{"host", &c.Host}, {"wsHost", &c.WSHost}, {"version", &c.Version}} {
		if *f.dst, err = str(o, f.key); err != nil {
			return c, err
		}
	}
	switch s := o.Get("secure").(type) {
	case nil:
	case bool:
		c.Insecure = !s
	default:
		return c, typeError("secure", "a boolean", s)
	}
	po, err := obj(o, "params")
	if err != nil {
		return c, err
	}
	if c.Params, err = paramsOf(po); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Release forgets a configuration, an engine or a filter program: {}.
func (b *Bridge) Release(id float64) string {
	delete(b.configs, int(id))
	delete(b.engines, int(id))
	b.releaseProgram(int(id))
	return "{}"
}

func (b *Bridge) config(id float64) (core.Config, error) {
	c, ok := b.configs[int(id)]
	if !ok {
		return c, &core.InputError{Field: "api", Reason: "unknown or released configuration " + strconv.Itoa(int(id))}
	}
	return c, nil
}

// Build builds the request of an operation (see opOf): {request} or {error}.
func (b *Bridge) Build(cfgID float64, op *Obj) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	o, err := opOf(op)
	if err != nil {
		return failure(err)
	}
	req, err := cfg.BuildOp(o)
	if err != nil {
		return failure(err)
	}
	return newObject().raw("request", requestOf(req)).String()
}

// Raw builds a call outside the typed operations: method, a path below the
// account (or, with wsHost, on the WebSocket host), an optional JSON body
// text and params. {request} or {error}.
func (b *Bridge) Raw(cfgID float64, method, path string, body any, params *Obj, wsHost bool) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	var raw []byte
	switch s := body.(type) {
	case nil:
	case string:
		raw = []byte(s)
	default:
		return failure(typeError("body", "JSON text", body))
	}
	p, err := paramsOf(params)
	if err != nil {
		return failure(err)
	}
	call, err := core.NewRawCall(method, path, raw, p)
	if err != nil {
		return failure(err)
	}
	var req core.Request
	if wsHost {
		req, err = cfg.NewWSHostRequest(call)
	} else {
		req, err = cfg.NewRequest(call)
	}
	if err != nil {
		return failure(err)
	}
	return newObject().raw("request", requestOf(req)).String()
}

// requestOf is what JavaScript needs to perform a request: method, url,
// headers (an object), body (text or null), and the path and account that
// it hands back to the decoders.
func requestOf(req core.Request) []byte {
	o := &object{b: append(make([]byte, 0, 256+len(req.URL)+len(req.Body)), '{')}
	o.str("method", req.Method).str("url", req.URL)
	o.key("headers").b = append(o.b, '{')
	for i, x := range req.Header {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = core.AppendJSONString(append(core.AppendJSONString(o.b, x.Name), ':'), x.Value)
	}
	o.b = append(o.b, '}')
	if req.Body != nil {
		o.str("body", string(req.Body))
	} else {
		o.raw("body", nil)
	}
	return o.str("path", req.Path).str("account", req.Account).bytes()
}

// callOf rebuilds, from what requestOf gave JavaScript, the parts of a
// request that the decoders use: method, path and account for errors, the
// token for redaction.
func callOf(cfg core.Config, o *Obj) core.Request {
	method, _ := str(o, "method")
	path, _ := str(o, "path")
	account, _ := str(o, "account")
	return core.Request{Method: method, Path: path, Account: account,
		Header: []core.Header{{Name: "X-Auth-Token", Value: cfg.Token}}}
}

// DecodeHead decodes the head of a response that JavaScript parsed itself
// (core.DecodeHead): {status, messages} or {error}. headJSON is
// JSON.stringify of the parsed head.
func (b *Bridge) DecodeHead(cfgID float64, req *Obj, status float64, headJSON string) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	env, err := core.DecodeHead(callOf(cfg, req), int(status), []byte(headJSON))
	if err != nil {
		return failure(err)
	}
	return newObject().num("status", float64(env.Status)).strs("messages", env.Messages).String()
}

// Decode decodes a whole response body (core.DecodeResponse): {status,
// messages, body, references} (references null when the head has none),
// or {error}. JavaScript uses it
// when its own JSON.parse failed or found no head, so that the error is
// core's.
func (b *Bridge) Decode(cfgID float64, req *Obj, status float64, text string) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	env, err := core.DecodeResponse(callOf(cfg, req), int(status), []byte(text))
	if err != nil {
		return failure(err)
	}
	return newObject().num("status", float64(env.Status)).strs("messages", env.Messages).
		raw("body", env.Body).raw("references", env.References).String()
}

// DecodeExcerpt reports a response body too large to copy into the module
// that JavaScript found is not an envelope (its JSON.parse failed, or
// found no "head" object): {error}, the malformed-response error core gives
// for the whole body. excerpt is the start of the body; shape is JSON text
// of the same kind as the whole body ("{}" for an object, "[]" for any
// other value), or null when the body is not JSON. The error's reason is
// core's verdict on shape (on excerpt when the body is not JSON: the start
// of a text that is not JSON is not JSON either); its excerpt is core's
// redacted start of excerpt.
func (b *Bridge) DecodeExcerpt(cfgID float64, req *Obj, status float64, excerpt string, shape any) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	call := callOf(cfg, req)
	// A NUL byte is never JSON, so this fails whatever the excerpt holds;
	// the excerpt core keeps is far shorter than the excerpt given.
	_, err = core.DecodeResponse(call, int(status), append([]byte(excerpt), 0))
	m, ok := err.(*core.MalformedResponseError)
	if !ok {
		return failure(err)
	}
	verdict := excerpt
	if s, isString := shape.(string); isString {
		verdict = s
	}
	if _, err := core.DecodeResponse(call, int(status), []byte(verdict)); err != nil {
		if v, ok := err.(*core.MalformedResponseError); ok {
			m.Reason = v.Reason
		}
	}
	return failure(m)
}
