// Package edge is the flowthings edge function of the Go Worker: the same
// two routes, validation and answers as the JavaScript Worker
// (workers/js/worker.js), on the Go client.
//
//	POST /ingest/{flowPath…}   a JSON object (one drop's elems) or an array of
//	                           them, from a device that sends its X-Device-Id
//	                           and X-Device-Secret → 201 {"ids": […]}
//	GET  /flows/{flowPath…}/latest?limit=n&filter=…
//	                           the newest drops → 200 {"drops": […]}
//
// It is plain Go (tested natively, with package nethttp); workers/go runs it
// in workerd with package isolate and jsfetch.
package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/workers/go/isolate"
)

const (
	// DefaultIngestMaxBytes is the largest ingest body unless
	// INGEST_MAX_BYTES says otherwise.
	DefaultIngestMaxBytes = 64 * 1024
	// MaxBatch is the most drops one ingest request may carry: each is one
	// subrequest to the platform, and a Worker on the Free plan may make 50
	// per request.
	MaxBatch = 40
	// DefaultLimit and MaxLimit bound latest's limit.
	DefaultLimit = 10
	MaxLimit     = 100
	// concurrentCreates bounds the creates of one batch in flight.
	concurrentCreates = 8
)

// Config is the Worker's configuration, from its bindings (see FromEnv).
type Config struct {
	Account      string // FLOWTHINGS_ACCOUNT
	Token        string // FLOWTHINGS_TOKEN, a secret
	Host         string // FLOWTHINGS_HOST: host[:port] (https), or an http:// or https:// URL (required)
	DeviceSecret string // DEVICE_SECRET, a secret: each device's secret is derived from it (see DeviceSecret)
	FlowPrefix   string // FLOW_PREFIX: the flows served; default /{account}/
	MaxBytes     int64  // INGEST_MAX_BYTES
	CORSOrigin   string // CORS_ORIGIN: Access-Control-Allow-Origin of every latest answer, errors too, when set
}

// FromEnv reads the Config from the Worker's bindings.
func FromEnv(getenv func(string) string) Config {
	c := Config{
		Account:      getenv("FLOWTHINGS_ACCOUNT"),
		Token:        getenv("FLOWTHINGS_TOKEN"),
		Host:         getenv("FLOWTHINGS_HOST"),
		DeviceSecret: getenv("DEVICE_SECRET"),
		FlowPrefix:   getenv("FLOW_PREFIX"),
		CORSOrigin:   getenv("CORS_ORIGIN"),
	}
	if n, err := strconv.ParseInt(getenv("INGEST_MAX_BYTES"), 10, 64); err == nil && n > 0 {
		c.MaxBytes = n
	}
	return c
}

// Handler serves the two routes. It is safe for concurrent use.
type Handler struct {
	client     *flowthings.Client
	configErr  *Error // when set, every request gets it
	deviceKey  []byte // DEVICE_SECRET
	prefix     string
	maxBytes   int64
	corsOrigin string
}

// New returns the Handler for cfg over transport. A config that cannot
// serve makes a Handler that answers every request with a 500 saying why.
func New(cfg Config, transport flowthings.Transport) *Handler {
	h := &Handler{deviceKey: []byte(cfg.DeviceSecret), prefix: cfg.FlowPrefix, maxBytes: cfg.MaxBytes, corsOrigin: cfg.CORSOrigin}
	if cfg.Account == "" || cfg.Token == "" || cfg.Host == "" {
		h.configErr = &Error{Status: 500, Code: "config", Message: "the Worker needs the FLOWTHINGS_HOST and FLOWTHINGS_ACCOUNT bindings and the FLOWTHINGS_TOKEN secret"}
		return h
	}
	coreCfg := core.Config{Account: cfg.Account, Token: cfg.Token}
	coreCfg.Host, coreCfg.Insecure = platformHost(cfg.Host)
	coreCfg.WSHost = coreCfg.Host
	client, err := flowthings.NewClient(coreCfg, transport)
	if err != nil {
		h.configErr = &Error{Status: 500, Code: "config", Message: err.Error()}
		return h
	}
	h.client = client
	if h.prefix == "" {
		h.prefix = "/" + cfg.Account + "/"
	}
	if !strings.HasSuffix(h.prefix, "/") {
		h.prefix += "/"
	}
	if h.maxBytes <= 0 {
		h.maxBytes = DefaultIngestMaxBytes
	}
	return h
}

// platformHost splits FLOWTHINGS_HOST: "http://127.0.0.1:4000" reaches a
// local emulator, a bare host uses https.
func platformHost(text string) (host string, insecure bool) {
	switch {
	case strings.HasPrefix(text, "http://"):
		return strings.TrimSuffix(strings.TrimPrefix(text, "http://"), "/"), true
	case strings.HasPrefix(text, "https://"):
		return strings.TrimSuffix(strings.TrimPrefix(text, "https://"), "/"), false
	}
	return text, false
}

// Error is an answer other than the normal one: {"error": {code, message, …}}.
type Error struct {
	Status   int
	Code     string
	Message  string
	Position *int     // a filter syntax error: the UTF-16 index in the filter text
	Platform int      // the platform's status, when it answered
	IDs      []string // a batch: the ids created ("" for each drop that failed)
	Allow    string   // a 405: the method allowed
	Header   string   // a 401: the request header at fault
}

func (e *Error) Error() string { return e.Message }

// ServeRequest answers one request.
func (h *Handler) ServeRequest(ctx context.Context, r *isolate.Request) *isolate.Response {
	resp, err := h.route(ctx, r)
	if err != nil {
		return errorResponse(err)
	}
	return resp
}

func (h *Handler) route(ctx context.Context, r *isolate.Request) (*isolate.Response, error) {
	if h.configErr != nil {
		return nil, h.configErr
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, &Error{Status: 400, Code: "path", Message: "the URL cannot be parsed"}
	}
	escaped := u.EscapedPath()
	if tail, ok := strings.CutPrefix(escaped, "/ingest/"); ok {
		if r.Method != "POST" {
			return nil, &Error{Status: 405, Code: "method", Message: "use POST", Allow: "POST"}
		}
		path, err := h.flowPath("/" + tail)
		if err != nil {
			return nil, err
		}
		return h.ingest(ctx, r, path)
	}
	if tail, ok := strings.CutPrefix(escaped, "/flows/"); ok {
		if tail, ok := strings.CutSuffix(tail, "/latest"); ok && tail != "" {
			resp, err := h.latestRoute(ctx, r, u, tail)
			if err != nil {
				resp = errorResponse(err)
			}
			// Errors too: a dashboard on another origin reads their code and position.
			if h.corsOrigin != "" {
				resp.Header["access-control-allow-origin"] = h.corsOrigin
			}
			return resp, nil
		}
	}
	return nil, &Error{Status: 404, Code: "route", Message: "no such route: POST /ingest/{flowPath} and GET /flows/{flowPath}/latest are served"}
}

// latestRoute answers GET /flows/{flowPath}/latest; tail is the escaped flow path.
func (h *Handler) latestRoute(ctx context.Context, r *isolate.Request, u *url.URL, tail string) (*isolate.Response, error) {
	if r.Method != "GET" {
		return nil, &Error{Status: 405, Code: "method", Message: "use GET", Allow: "GET"}
	}
	path, err := h.flowPath("/" + tail)
	if err != nil {
		return nil, err
	}
	return h.latest(ctx, u.Query(), path)
}

// flowPath is the flow path of a URL's escaped tail: percent-decoded,
// without empty or dot segments, and below the configured prefix.
func (h *Handler) flowPath(escaped string) (string, error) {
	path, err := url.PathUnescape(escaped)
	if err != nil {
		return "", &Error{Status: 400, Code: "path", Message: "the flow path is not valid percent-encoding"}
	}
	for _, s := range strings.Split(path, "/")[1:] {
		if s == "" || s == "." || s == ".." {
			return "", &Error{Status: 400, Code: "path", Message: "the flow path has an empty or dot segment"}
		}
	}
	if !strings.HasPrefix(path+"/", h.prefix) {
		return "", &Error{Status: 403, Code: "path", Message: "this Worker serves the flows under " + h.prefix + " only"}
	}
	return path, nil
}

func (h *Handler) ingest(ctx context.Context, r *isolate.Request, path string) (*isolate.Response, error) {
	device, err := h.authenticate(r.Header)
	if err != nil {
		return nil, err
	}
	body, err := r.ReadBody(ctx, h.maxBytes)
	if errors.Is(err, isolate.ErrBodyTooLarge) {
		return nil, &Error{Status: 413, Code: "tooLarge", Message: "the body is larger than " + strconv.FormatInt(h.maxBytes, 10) + " bytes"}
	}
	if err != nil {
		return nil, &Error{Status: 400, Code: "body", Message: "the body cannot be read"}
	}
	items, err := parseDrops(body)
	if err != nil {
		return nil, err
	}
	for i, elems := range items {
		if items[i], err = withDeviceID(elems, device); err != nil {
			return nil, err
		}
	}
	ids := make([]string, len(items))
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	slots := make(chan struct{}, concurrentCreates)
	for i, elems := range items {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			ids[i], errs[i] = h.create(ctx, path, elems)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			e := platformError(err)
			if len(items) > 1 {
				e.IDs = ids
			}
			return nil, e
		}
	}
	return jsonResponse(201, map[string]any{"ids": ids}), nil
}

// create stores one drop with elems (raw JSON) and returns its id.
func (h *Handler) create(ctx context.Context, path string, elems json.RawMessage) (string, error) {
	body := make([]byte, 0, len(elems)+10)
	body = append(append(append(body, `{"elems":`...), elems...), '}')
	env, err := h.client.Exec(ctx, core.Op{Service: core.ServiceDrop, Name: core.OpCreate, Path: path, Body: body})
	if err != nil {
		return "", err
	}
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(env.Body, &created); err != nil || created.ID == "" {
		return "", &Error{Status: 502, Code: "malformedResponse", Message: "the platform's answer to a create has no drop id"}
	}
	return created.ID, nil
}

// parseDrops checks that body is a JSON object (one drop's elems) or a
// non-empty array of at most MaxBatch objects, and returns the objects.
func parseDrops(body []byte) ([]json.RawMessage, error) {
	if !json.Valid(body) {
		return nil, &Error{Status: 400, Code: "json", Message: "the body is not JSON"}
	}
	body = bytes.TrimSpace(body)
	items := []json.RawMessage{body}
	if body[0] == '[' {
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, &Error{Status: 400, Code: "json", Message: "the body is not JSON"}
		}
		if len(items) == 0 {
			return nil, &Error{Status: 400, Code: "shape", Message: "the array is empty"}
		}
		if len(items) > MaxBatch {
			return nil, &Error{Status: 400, Code: "shape", Message: "at most " + strconv.Itoa(MaxBatch) + " drops per request"}
		}
	}
	for _, item := range items {
		if item[0] != '{' {
			return nil, &Error{Status: 400, Code: "shape", Message: "the body must be a JSON object (the elems of one drop) or an array of them"}
		}
	}
	return items, nil
}

func (h *Handler) latest(ctx context.Context, query url.Values, path string) (*isolate.Response, error) {
	limit := DefaultLimit
	if query.Has("limit") {
		n, err := strconv.Atoi(query.Get("limit"))
		if err != nil || n < 1 || n > MaxLimit {
			return nil, &Error{Status: 400, Code: "limit", Message: "limit must be an integer from 1 to " + strconv.Itoa(MaxLimit)}
		}
		limit = n
	}
	params := core.Params{"limit": limit, "hints": false}
	if text := query.Get("filter"); strings.TrimSpace(text) != "" {
		expr, err := filter.Parse(text)
		if err != nil {
			return nil, filterError(text, err)
		}
		params = params.WithFilters(expr)
	}
	env, err := h.client.Exec(ctx, core.Op{Service: core.ServiceDrop, Name: core.OpFindMany, Path: path, Params: params})
	if err != nil {
		return nil, platformError(err)
	}
	body := make([]byte, 0, len(env.Body)+11)
	body = append(append(append(body, `{"drops":`...), env.Body...), '}')
	return &isolate.Response{Status: 200, Header: jsonHeader(), Body: body}, nil
}

// filterError is the 400 of a filter that does not parse, with the
// position as JavaScript counts it (UTF-16 code units), as the JavaScript
// Worker's parseFilter gives it.
func filterError(text string, err error) *Error {
	e := &Error{Status: 400, Code: "filter", Message: "flowthings: invalid " + err.Error()}
	var syntax *filter.SyntaxError
	if errors.As(err, &syntax) && syntax.Pos <= len(text) {
		pos := 0
		for _, r := range text[:syntax.Pos] {
			pos++
			if r > 0xFFFF {
				pos++
			}
		}
		e.Position = &pos
	}
	return e
}

// platformError is the Worker's answer for the Go client's error: the
// caller's mistakes keep their meaning (400, 403, 404), a slow platform is
// 504, anything else the platform or the network did is 502.
func platformError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	kind := core.KindOf(err)
	status := 502
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		kind, status = "timeout", 504
	case kind == core.KindInput || kind == core.KindBadRequest:
		status = 400
	case kind == core.KindForbidden:
		status = 403
	case kind == core.KindNotFound:
		status = 404
	}
	e = &Error{Status: status, Code: string(kind), Message: err.Error()}
	var resp interface{ Response() *core.ResponseError }
	if errors.As(err, &resp) {
		e.Platform = resp.Response().Status
	}
	return e
}

func errorResponse(err error) *isolate.Response {
	e := platformError(err)
	detail := map[string]any{"code": e.Code, "message": e.Message}
	if e.Position != nil {
		detail["position"] = *e.Position
	}
	if e.Platform != 0 {
		detail["platformStatus"] = e.Platform
	}
	if e.Header != "" {
		detail["header"] = e.Header
	}
	out := map[string]any{"error": detail}
	if e.IDs != nil {
		ids := make([]any, len(e.IDs))
		for i, id := range e.IDs {
			if id != "" {
				ids[i] = id
			}
		}
		out["ids"] = ids
	}
	resp := jsonResponse(e.Status, out)
	if e.Allow != "" {
		resp.Header["allow"] = e.Allow
	}
	return resp
}

func jsonHeader() map[string]string {
	return map[string]string{"content-type": "application/json; charset=utf-8"}
}

func jsonResponse(status int, v any) *isolate.Response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // maps of strings, numbers and lists always encode
	return &isolate.Response{Status: status, Header: jsonHeader(), Body: bytes.TrimSuffix(buf.Bytes(), []byte("\n"))}
}
