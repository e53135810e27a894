package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// WebSocket API (docs/protocol.md §8): sessions, connections and pushes. Frames
// and their mapping onto operations are in ws_frames.go.
//
//	POST /session                 X-Auth-Token (+ X-Auth-Account) → 201 {"id": sessionId}
//	GET  /session/{id}/ws         WebSocket upgrade, one JSON object per text frame
//
// Sessions: the id is 32 random hex digits; the session is bound to the
// principal that created it (master token or Token; all frames act as it,
// re-checked on every frame, so a deleted Token gets 401 replies and no
// more pushes). X-Auth-Account is optional here and names the account the
// session acts in (frames without a path or flowId of their own): the
// token's own account when absent; another account only with a live share
// for the caller (the Python client sends the share owner's account), else
// 403 naming the header.
// An id is good for one connection: the upgrade consumes it, and a session
// not connected within wsSessionTTL (60 s by Config.Now) expires. An
// unknown, used or expired id is 404 on upgrade; a request to it that is
// not a WebSocket upgrade is 426 (and does not consume it). The streaming
// and polling transports are not implemented (404). Config.Latency and
// Config.FailRate apply to POST /session and to every frame that runs an
// operation (a 503 reply), not to heartbeats or pushes.
//
// Output: sessions have no API version; they behave as v0.1, so drops in
// replies and pushes carry typed elems ({type,value}). `POST /session?hints=0`
// (or `?hints=0` on the /ws URL, which wins) makes replies and pushes plain
// by default; a frame's options.hints still overrides it for its reply.
//
// Any origin may connect (InsecureSkipVerify): this is a local development
// tool, and the session id is the credential. Frames larger than
// Config.MaxBodyBytes + 64 KiB close the connection (1009). Binary frames
// are read like text frames.
//
// Connections are closed by the server with:
//
//	1008 "idle timeout: …"           no inbound frame (data, heartbeat, ping or pong)
//	                                 for Config.WSIdleTimeout (default 120 s), and no
//	                                 live subscription (unless
//	                                 Config.WSIdleCloseSubscribed): a listener that
//	                                 only receives pushes stays open
//	1008 "send queue overflow: …"    more than wsSendQueue (1024) outbound messages,
//	                                 or more than wsSendQueueBytes (16 MiB) of them,
//	                                 waiting: the client reads too slowly
//	1012 "fault injection: …"        Config.DropWSAfter after the connection opened
//	1001 "emulator shutting down"    Emulator.Close
//
// Pushes: every drop created or updated in a subscribed flow after the
// subscription (DropEvent, track copies and capacity-0 accepts included)
// is sent as {"type":"message","resource":<flowId>,"value":<drop>}, once
// per connection however many times the flow was subscribed (by id and/or
// path). A subscription binds to the flow the id or path named when it was
// made; a flow subscribed both by id and by path stays subscribed until both
// are unsubscribed, so two client-side subscriptions of one flow under its
// two names do not cancel each other. The subscriber's principal is re-checked for drop read on every
// push. Pushes caused by a frame of the same connection are sent after
// that frame's reply (as in the §8.5 example). Every connection has its own
// bounded send queue and writer goroutine, so a slow client never blocks
// writers or other clients.

const (
	wsSessionTTL      = 60 * time.Second
	wsDefaultIdle     = 120 * time.Second
	wsSendQueue       = 1024
	wsSendQueueBytes  = 16 << 20
	wsWriteTimeout    = 30 * time.Second
	wsCloseWait       = 6 * time.Second
	wsReadLimitExtra  = 64 << 10
	closeReasonFault  = "fault injection: connection dropped after %v"
	closeReasonIdle   = "idle timeout: no frame received for %v"
	closeReasonQueue  = "send queue overflow: client too slow (more than %d messages or %d bytes waiting)"
	closeReasonClosed = "emulator shutting down"
)

type wsSession struct {
	p       *principal
	ns      string // the account frames act in by default
	hints   bool
	created time.Time
}

type wsHub struct {
	e          *Emulator
	mu         sync.Mutex
	sessions   map[string]*wsSession
	conns      map[*wsConn]struct{}
	byFlow     map[string]map[*wsConn]struct{}
	closed     bool
	wg         sync.WaitGroup
	queueCap   int   // per-connection send queue, messages (tests lower it)
	queueBytes int64 // per-connection send queue, bytes (tests lower it)

	// writeGate, when set (tests), runs before every frame a connection
	// writes; it may block to simulate a slow network.
	writeGate atomic.Pointer[func()]
}

func setupWS(e *Emulator) error {
	h := &wsHub{e: e, sessions: map[string]*wsSession{}, conns: map[*wsConn]struct{}{},
		byFlow: map[string]map[*wsConn]struct{}{}, queueCap: wsSendQueue, queueBytes: wsSendQueueBytes}
	e.ws = h
	e.handleHTTP("/session", http.HandlerFunc(h.serveHTTP))
	e.AddDropListener(h.onDrop)
	e.onClose(h.close)
	return nil
}

func (h *wsHub) idleTimeout() time.Duration {
	if d := h.e.cfg.WSIdleTimeout; d > 0 {
		return d
	}
	return wsDefaultIdle
}

func (h *wsHub) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.Trim(strings.TrimPrefix(r.URL.Path, "/session"), "/")
	if rest == "" {
		h.createSession(w, r)
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) == 2 && parts[1] == "ws" {
		h.upgrade(w, r, parts[0])
		return
	}
	if len(parts) == 2 && (parts[1] == "streaming" || parts[1] == "polling") {
		writeEnvelope(w, r, errResult(http.StatusNotFound,
			fmt.Sprintf("The %s transport is not supported by the emulator; use /session/{id}/ws.", parts[1])))
		return
	}
	writeEnvelope(w, r, errResult(http.StatusNotFound, fmt.Sprintf("No route for %s %s.", r.Method, r.URL.Path)))
}

func newSessionID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("emulator: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func (h *wsHub) createSession(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		writeEnvelope(w, r, errResult(http.StatusMethodNotAllowed, "Use POST /session to create a WebSocket session."))
		return
	}
	if err := h.e.injectFault(r.Context()); err != nil {
		writeEnvelope(w, r, err.result())
		return
	}
	p, ns, aerr := h.authSession(r.Header.Get("X-Auth-Account"), r.Header.Get("X-Auth-Token"))
	if aerr != nil {
		writeEnvelope(w, r, aerr.result())
		return
	}
	hints := true
	if v := r.URL.Query().Get("hints"); v != "" {
		var err *apiError
		if hints, err = parseBool("hints", v); err != nil {
			writeEnvelope(w, r, err.result())
			return
		}
	}
	id := newSessionID()
	now := h.e.cfg.Now()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		writeEnvelope(w, r, errResult(http.StatusServiceUnavailable, "The emulator is shutting down."))
		return
	}
	for sid, s := range h.sessions { // expire what was never connected
		if now.Sub(s.created) > wsSessionTTL {
			delete(h.sessions, sid)
		}
	}
	h.sessions[id] = &wsSession{p: p, ns: ns, hints: hints, created: now}
	h.mu.Unlock()
	res := okResult(http.StatusCreated, map[string]any{"id": id})
	h.e.fireCall(CallEvent{IdentityID: p.IdentityID, Account: p.Account, TokenID: p.TokenID, Namespace: p.Account,
		Service: "session", Method: http.MethodPost, Status: res.Status, Time: now})
	writeEnvelope(w, r, res)
}

// authSession authenticates POST /session and returns the account the
// session acts in: X-Auth-Account when given (the token's own account, or
// one with a live share for the caller), else the token's account.
func (h *wsHub) authSession(account, token string) (*principal, string, *apiError) {
	if token == "" {
		return nil, "", &apiError{http.StatusUnauthorized, msgNoToken}
	}
	e := h.e
	e.mu.RLock()
	defer e.mu.RUnlock()
	p := e.resolveToken(token)
	if p == nil {
		return nil, "", &apiError{http.StatusUnauthorized, msgBadToken}
	}
	if account == "" || account == p.Account {
		return p, p.Account, nil
	}
	if e.st.accounts[account] == nil || e.checkNamespace(p, account) != nil {
		return nil, "", &apiError{http.StatusForbidden, fmt.Sprintf(
			"X-Auth-Account %q is not the account of the X-Auth-Token (%q), and it has no live share for you.", account, p.Account)}
	}
	return p, account, nil
}

func isWebSocketUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(hd http.Header, key, token string) bool {
	for _, v := range hd.Values(key) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func (h *wsHub) upgrade(w http.ResponseWriter, r *http.Request, sid string) {
	now := h.e.cfg.Now()
	h.mu.Lock()
	s := h.sessions[sid]
	if s != nil && now.Sub(s.created) > wsSessionTTL {
		delete(h.sessions, sid)
		s = nil
	}
	if s == nil {
		h.mu.Unlock()
		writeEnvelope(w, r, errResult(http.StatusNotFound, "Unknown or expired WebSocket session (a session id is good for one connection; create a new one with POST /session)."))
		return
	}
	if !isWebSocketUpgrade(r) || r.Method != http.MethodGet {
		h.mu.Unlock()
		w.Header().Set("Upgrade", "websocket")
		writeEnvelope(w, r, errResult(http.StatusUpgradeRequired, "This endpoint needs a WebSocket upgrade (GET with Connection: Upgrade, Upgrade: websocket)."))
		return
	}
	if h.closed {
		h.mu.Unlock()
		writeEnvelope(w, r, errResult(http.StatusServiceUnavailable, "The emulator is shutting down."))
		return
	}
	delete(h.sessions, sid)
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	h.e.mu.RLock()
	verr := h.e.validate(s.p)
	h.e.mu.RUnlock()
	if verr != nil {
		writeEnvelope(w, r, verr.result())
		return
	}
	hints := s.hints
	if v := r.URL.Query().Get("hints"); v != "" {
		var err *apiError
		if hints, err = parseBool("hints", v); err != nil {
			writeEnvelope(w, r, err.result())
			return
		}
	}
	c := newWSConn(h, s.p, s.ns, hints)
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		InsecureSkipVerify: true, // local development tool: any origin
		OnPingReceived:     func(context.Context, []byte) bool { c.touch(); return true },
		OnPongReceived:     func(context.Context, []byte) { c.touch() },
	})
	if err != nil {
		h.e.logf("emulator: websocket upgrade failed: %v", err)
		return
	}
	conn.SetReadLimit(h.e.cfg.MaxBodyBytes + wsReadLimitExtra)
	c.conn = conn
	if !h.register(c) {
		_ = conn.Close(websocket.StatusGoingAway, closeReasonClosed)
		return
	}
	defer h.unregister(c)
	c.run()
}

func (h *wsHub) register(c *wsConn) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.conns[c] = struct{}{}
	return true
}

// unregister runs on the connection's reader goroutine (the only one that
// touches c.subs).
func (h *wsHub) unregister(c *wsConn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.conns, c)
	for id := range c.subs {
		h.removeSubLocked(c, id)
	}
}

func (h *wsHub) addSub(c *wsConn, flowID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.byFlow[flowID]
	if set == nil {
		set = map[*wsConn]struct{}{}
		h.byFlow[flowID] = set
	}
	set[c] = struct{}{}
}

func (h *wsHub) removeSub(c *wsConn, flowID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeSubLocked(c, flowID)
}

func (h *wsHub) removeSubLocked(c *wsConn, flowID string) {
	if set := h.byFlow[flowID]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(h.byFlow, flowID)
		}
	}
}

// pushFrame is a §8.4 push.
type pushFrame struct {
	Type     string         `json:"type"`
	Resource string         `json:"resource"`
	Value    map[string]any `json:"value"`
}

// onDrop fans a drop out to the flow's subscribers. It runs on the
// dispatcher (outside the state lock, inside the write that made the
// drop) and costs that write little whatever the subscribers do: every
// subscriber is checked under one hold of the read lock, the push is
// encoded once per form (typed, plain), and queued without blocking (a
// connection whose queue is full is closed, see push).
func (h *wsHub) onDrop(ev DropEvent) {
	h.mu.Lock()
	set := h.byFlow[ev.FlowID]
	if len(set) == 0 {
		h.mu.Unlock()
		return
	}
	targets := make([]*wsConn, 0, len(set))
	for c := range set {
		targets = append(targets, c)
	}
	h.mu.Unlock()
	allowed := targets[:0]
	h.e.mu.RLock()
	for _, c := range targets {
		if _, _, err := h.e.subscribeCheckLocked(c.p, ev.Account, ev.FlowID, ""); err == nil {
			allowed = append(allowed, c)
		}
	}
	h.e.mu.RUnlock()
	var msgs [2][]byte // typed, plain
	for _, c := range allowed {
		i := 0
		if !c.hints {
			i = 1
		}
		if msgs[i] == nil {
			value := ev.Drop // typed, shared read-only: encoding does not change it
			if !c.hints {
				value = ev.Render(false)
			}
			b, err := marshalFrame(pushFrame{Type: "message", Resource: ev.FlowID, Value: value})
			if err != nil {
				h.e.logf("emulator: cannot encode a push: %v", err)
				return
			}
			msgs[i] = b
		}
		c.push(msgs[i])
	}
}

// close ends every connection (Emulator.Close) and waits a little for
// their close handshakes.
func (h *wsHub) close() error {
	h.mu.Lock()
	h.closed = true
	h.sessions = map[string]*wsSession{}
	conns := make([]*wsConn, 0, len(h.conns))
	for c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.fail(websocket.StatusGoingAway, closeReasonClosed)
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wsCloseWait):
		h.e.logf("emulator: some WebSocket connections did not finish closing")
	}
	return nil
}

// wsConn is one WebSocket connection. Its reader goroutine (the HTTP
// handler) runs frames one at a time; a writer goroutine drains send.
type wsConn struct {
	h     *wsHub
	p     *principal
	ns    string // the session's account
	hints bool
	conn  *websocket.Conn
	ctx   context.Context // cancelled when the connection fails
	stop  context.CancelFunc

	send        chan []byte
	idle        *time.Timer  // reset by the reader goroutine and by its own callback
	lastInbound atomic.Int64 // UnixNano of the last inbound frame, for the idle timer
	subCount    atomic.Int32 // len(subs), for the idle timer

	mu        sync.Mutex // guards busy, held
	busy      bool       // a frame is being run: pushes wait in held
	held      [][]byte
	queued    atomic.Int64 // bytes in held and send, not yet written
	maxQueued int64

	closing   atomic.Bool
	failOnce  sync.Once
	done      chan struct{}       // closed by fail: the writer stops
	closeDone chan struct{}       // closed when conn.Close returned
	subs      map[string]*flowSub // by flow id; reader goroutine only
}

// flowSub is how one connection subscribed to one flow: by its id, by its
// path, or both. The connection gets one push per drop either way, and
// stays subscribed until both ways are unsubscribed.
type flowSub struct {
	path         string
	byID, byPath bool
}

func newWSConn(h *wsHub, p *principal, ns string, hints bool) *wsConn {
	h.mu.Lock()
	q, qb := h.queueCap, h.queueBytes
	h.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	return &wsConn{h: h, p: p, ns: ns, hints: hints, ctx: ctx, stop: cancel, send: make(chan []byte, q), maxQueued: qb,
		done: make(chan struct{}), closeDone: make(chan struct{}), subs: map[string]*flowSub{}}
}

func (c *wsConn) run() {
	idle := c.h.idleTimeout()
	keepSubscribed := !c.h.e.cfg.WSIdleCloseSubscribed
	c.lastInbound.Store(time.Now().UnixNano())
	c.idle = time.AfterFunc(time.Hour, func() {
		// A frame may arrive while this callback runs (its Reset does not
		// stop a callback already started): the time of the last one
		// decides, not the timer alone.
		if quiet := time.Duration(time.Now().UnixNano() - c.lastInbound.Load()); quiet < idle {
			c.idle.Reset(idle - quiet)
			return
		}
		if keepSubscribed && c.subCount.Load() > 0 {
			c.idle.Reset(idle) // a listener that only receives pushes
			return
		}
		c.fail(websocket.StatusPolicyViolation, fmt.Sprintf(closeReasonIdle, idle))
	})
	c.idle.Reset(idle) // after c.idle is set: the callback reads it
	defer c.idle.Stop()
	if d := c.h.e.cfg.DropWSAfter; d > 0 {
		t := time.AfterFunc(d, func() { c.fail(websocket.StatusServiceRestart, fmt.Sprintf(closeReasonFault, d)) })
		defer t.Stop()
	}
	writerDone := make(chan struct{})
	go c.writer(writerDone)
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			break
		}
		c.touch()
		c.mu.Lock()
		c.busy = true
		c.mu.Unlock()
		reply := c.handleFrame(data)
		c.mu.Lock()
		c.busy = false
		if reply != nil {
			c.enqueueLocked(reply)
		}
		for _, m := range c.held {
			c.sendLocked(m) // counted when held
		}
		c.held = nil
		c.mu.Unlock()
	}
	c.fail(websocket.StatusNormalClosure, "")
	<-c.closeDone
	<-writerDone
}

// touch records inbound activity (reader goroutine).
func (c *wsConn) touch() {
	c.lastInbound.Store(time.Now().UnixNano())
	if c.idle != nil {
		c.idle.Reset(c.h.idleTimeout())
	}
}

func (c *wsConn) writer(done chan struct{}) {
	defer close(done)
	for {
		select {
		case <-c.done:
			return
		case msg := <-c.send:
			if g := c.h.writeGate.Load(); g != nil {
				(*g)()
			}
			if c.closing.Load() {
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
			err := c.conn.Write(ctx, websocket.MessageText, msg)
			cancel()
			c.queued.Add(-int64(len(msg)))
			if err != nil {
				c.fail(websocket.StatusInternalError, "write failed")
				return
			}
		}
	}
}

// push queues a drop push (any goroutine). It never blocks: a connection
// whose queue is full (messages or bytes) is closed with 1008.
func (c *wsConn) push(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing.Load() {
		return
	}
	if c.busy {
		if len(c.held) >= cap(c.send) {
			c.overflow()
			return
		}
		if c.admitLocked(msg) {
			c.held = append(c.held, msg)
		}
		return
	}
	c.enqueueLocked(msg)
}

// enqueueLocked counts and queues msg (c.mu held).
func (c *wsConn) enqueueLocked(msg []byte) {
	if !c.closing.Load() && c.admitLocked(msg) {
		c.sendLocked(msg)
	}
}

// admitLocked counts msg against the byte bound; false: over it (closed).
func (c *wsConn) admitLocked(msg []byte) bool {
	if c.queued.Add(int64(len(msg))) > c.maxQueued {
		c.overflow()
		return false
	}
	return true
}

// sendLocked hands a counted message to the writer (c.mu held).
func (c *wsConn) sendLocked(msg []byte) {
	if c.closing.Load() {
		return
	}
	select {
	case c.send <- msg:
	default:
		c.overflow()
	}
}

func (c *wsConn) overflow() {
	c.fail(websocket.StatusPolicyViolation, fmt.Sprintf(closeReasonQueue, cap(c.send), c.maxQueued))
}

// fail closes the connection once, with a close frame carrying code and
// reason, without blocking the caller.
func (c *wsConn) fail(code websocket.StatusCode, reason string) {
	c.failOnce.Do(func() {
		c.closing.Store(true)
		c.stop()
		close(c.done)
		if code != websocket.StatusNormalClosure {
			c.h.e.logf("emulator: closing a WebSocket connection: %d %s", code, reason)
		}
		go func() {
			defer close(c.closeDone)
			_ = c.conn.Close(code, reason)
		}()
	})
}
