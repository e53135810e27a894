package emulator

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// CORS: every response allows any origin; preflights (OPTIONS on any path)
// answer 204. Nothing secret is exposed (no Access-Control-Expose-Headers).
const (
	corsMethods = "GET, POST, PUT, DELETE, MGET, MPUT, OPTIONS"
	corsHeaders = "X-Auth-Token, X-Auth-Account, Content-Type, Accept, Content-Encoding"
)

var versionRE = regexp.MustCompile(`^v(\d+(?:\.\d+)*)$`)

// restMethods are the methods REST routes understand (HEAD acts as GET).
var restMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true,
	"DELETE": true, "MGET": true, "MPUT": true}

// Handler serves the REST API under /v{version}/{account}/…, the endpoints
// other layers register (e.g. /session), and Config.WebDir under "/".
func (e *Emulator) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and WebSocket upgrades) reach the
// underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e.logf("emulator: panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			if rec.status == 0 {
				writeEnvelope(rec, r, errResult(http.StatusInternalServerError, "Internal server error."))
			}
		}
		e.logf("%s %s %d %s", r.Method, r.URL.Path, rec.status, time.Since(start).Round(time.Microsecond))
	}()
	h := rec.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", corsMethods)
	h.Set("Access-Control-Allow-Headers", corsHeaders)
	h.Set("Access-Control-Max-Age", "600")
	if r.Method == http.MethodOptions {
		rec.WriteHeader(http.StatusNoContent)
		return
	}
	if n := len(r.RequestURI); n > MaxURLLength {
		writeEnvelope(rec, r, errResult(http.StatusRequestURITooLong,
			fmt.Sprintf("The request URL is %d bytes long, more than the limit of %d.", n, MaxURLLength)))
		return
	}
	if version, account, segs, ok := splitRESTPath(r.URL.Path); ok {
		e.serveREST(rec, r, version, account, segs)
		return
	}
	for _, rt := range e.routes {
		if r.URL.Path == rt.prefix || strings.HasPrefix(r.URL.Path, strings.TrimSuffix(rt.prefix, "/")+"/") {
			rt.handler.ServeHTTP(rec, r)
			return
		}
	}
	if e.cfg.WebDir != "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		e.serveWeb(rec, r)
		return
	}
	writeEnvelope(rec, r, errResult(http.StatusNotFound, fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)))
}

// splitRESTPath splits /v{version}/{account}/{service}/… (one trailing
// slash tolerated). ok is false for paths outside the REST tree.
func splitRESTPath(p string) (version, account string, segs []string, ok bool) {
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	m := versionRE.FindStringSubmatch(parts[0])
	if m == nil {
		return "", "", nil, false
	}
	if len(parts) < 2 {
		return m[1], "", nil, true
	}
	return m[1], parts[1], parts[2:], true
}

// knownService reports whether name is a REST service.
func (e *Emulator) knownService(name string) bool {
	if name == svcDrop {
		return true
	}
	if _, ok := serviceDefs[name]; ok {
		return true
	}
	_, ok := e.services[name]
	return ok
}

func (e *Emulator) serveREST(w http.ResponseWriter, r *http.Request, version, account string, segs []string) {
	write := func(res result) { writeEnvelope(w, r, res) }
	if account == "" || len(segs) == 0 || !e.knownService(segs[0]) {
		write(errResult(http.StatusNotFound, fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)))
		return
	}
	for _, s := range segs {
		if s == "" {
			write(errResult(http.StatusNotFound, fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)))
			return
		}
	}
	if !restMethods[r.Method] {
		w.Header().Set("Allow", corsMethods)
		write(errResult(http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not supported.", r.Method)))
		return
	}
	if err := e.injectFault(r.Context()); err != nil {
		write(err.result())
		return
	}
	op := operation{Method: r.Method, Version: version, Account: account, Service: segs[0]}
	if op.Method == http.MethodHead {
		op.Method = http.MethodGet
	}
	rest := segs[1:]
	_, registered := e.services[op.Service]
	switch {
	case registered:
		if len(rest) > 0 {
			op.ID = rest[0]
			op.Tail = strings.Join(rest[1:], "/")
		}
	case op.Service == svcDrop:
		if len(rest) > 3 || (len(rest) == 3 && rest[1] == "aggregate") {
			write(notFound())
			return
		}
		if len(rest) > 0 {
			op.FlowID = rest[0]
		}
		if len(rest) > 1 {
			if rest[1] == "aggregate" {
				op.Tail = "aggregate"
			} else {
				op.ID = rest[1]
			}
		}
		if len(rest) > 2 {
			op.Tail = rest[2]
		}
	default:
		if len(rest) > 2 {
			write(notFound())
			return
		}
		if len(rest) > 0 {
			op.ID = rest[0]
		}
		if len(rest) > 1 {
			op.Tail = rest[1]
		}
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		write(errResult(http.StatusBadRequest, fmt.Sprintf("Malformed query string: %v", err)))
		return
	}
	op.Params = make(map[string]string, len(q))
	for k, v := range q {
		if len(v) > 0 {
			op.Params[k] = v[len(v)-1]
		}
	}
	p, aerr := e.authenticate(r.Header.Get("X-Auth-Account"), r.Header.Get("X-Auth-Token"), account)
	if aerr != nil {
		write(aerr.result())
		return
	}
	body, berr := e.readBody(r)
	if berr != nil {
		write(berr.result())
		return
	}
	op.Body = body
	write(e.execute(r.Context(), p, op))
}

// injectFault applies Config.Latency and Config.FailRate (REST and, later,
// WebSocket frames).
func (e *Emulator) injectFault(ctx context.Context) *apiError {
	if e.cfg.Latency > 0 {
		t := time.NewTimer(e.cfg.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &apiError{http.StatusServiceUnavailable, "Request cancelled."}
		}
	}
	if e.cfg.FailRate > 0 && rand.Float64() < e.cfg.FailRate {
		return &apiError{http.StatusServiceUnavailable, "Service temporarily unavailable (injected fault)."}
	}
	select {
	case <-e.closed:
		return &apiError{http.StatusServiceUnavailable, "The emulator is shutting down."}
	default:
	}
	return nil
}

// readBody reads the request body, gunzipping Content-Encoding: gzip; the
// size limit applies before and after decompression.
func (e *Emulator) readBody(r *http.Request) ([]byte, *apiError) {
	limit := e.cfg.MaxBodyBytes
	tooLarge := &apiError{http.StatusRequestEntityTooLarge,
		fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit)}
	if r.Body == nil {
		return nil, nil
	}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, badRequest("Cannot read the request body: %v", err)
	}
	if int64(len(raw)) > limit {
		return nil, tooLarge
	}
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return raw, nil
	case "gzip", "x-gzip":
		if len(raw) == 0 {
			return nil, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, badRequest("Malformed gzip request body: %v", err)
		}
		data, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, badRequest("Malformed gzip request body: %v", err)
		}
		if int64(len(data)) > limit {
			return nil, tooLarge
		}
		return data, nil
	default:
		return nil, badRequest("Unsupported Content-Encoding %q (use gzip or none).", enc)
	}
}

// envelope is the §2 response shape.
type envelope struct {
	Head envelopeHead `json:"head"`
	Body any          `json:"body"`
}

type envelopeHead struct {
	Status     int            `json:"status"`
	OK         bool           `json:"ok"`
	Messages   []string       `json:"messages"`
	Errors     []string       `json:"errors"`
	References map[string]any `json:"references"`
}

func toEnvelope(res result) envelope {
	env := envelope{Head: envelopeHead{Status: res.Status, OK: res.Status >= 200 && res.Status <= 299,
		Messages: res.Messages, Errors: res.Errors, References: res.References}, Body: res.Body}
	if env.Head.Messages == nil {
		env.Head.Messages = []string{}
	}
	if env.Head.Errors == nil {
		env.Head.Errors = []string{}
	}
	if env.Head.References == nil {
		env.Head.References = map[string]any{}
	}
	if env.Body == nil {
		env.Body = map[string]any{}
	}
	return env
}

func writeEnvelope(w http.ResponseWriter, r *http.Request, res result) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if pretty, _ := parseBool("pretty", r.URL.Query().Get("pretty")); pretty {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(toEnvelope(res)); err != nil {
		res = errResult(http.StatusInternalServerError, "Internal server error: cannot encode the response.")
		buf.Reset()
		_ = enc.Encode(toEnvelope(res))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(res.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
