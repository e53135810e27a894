package core

import (
	"math/rand/v2"
	"strconv"
)

// WSEngine is the WebSocket protocol (docs/protocol.md §8) as a transport-free
// state machine. It owns no goroutines, clocks, timers or sockets: a driver
// feeds it events — the methods below — and carries out the WSActions each
// one returns, in order. WebSocket is such a driver for Go; the wasm bridge
// is another.
//
// A WSEngine is not safe for concurrent use: the driver serializes events,
// typically under one mutex, and performs the actions' I/O elsewhere.
//
// Lifecycle:
//
//	Connect    → OpenSession, SetTimer(handshake)  (driver: POST /session, dial SocketURL)
//	Opened     → heartbeat and stability timers, subscribe frames, queued calls
//	Closed     → pending calls fail with *ConnectionLostError; then a
//	             reconnect timer, or Stopped
//	TimerFired → heartbeat (and liveness probe), the next OpenSession, a
//	             timed-out handshake, retries of subscribes and finds
//	Close      → CloseSocket, everything fails with ErrWebSocketClosed, Stopped
//
// Calls made while the socket is not open (before the first Opened, or while
// reconnecting) are queued and sent, in order, once it opens; they fail when
// the engine stops, or go away when the driver calls Cancel. CRUD calls
// already sent when the socket is lost fail with *ConnectionLostError: the
// engine never resends a request whose effect is unknown. Subscribing is
// idempotent, so a Subscribe call outlives a lost socket and completes on
// the next one.
//
// Subscriptions with backfill (see Subscribe) deliver every drop created in
// their flow after they started exactly once, in creation order, across
// reconnects: the engine asks its driver for REST finds (Find actions) and
// takes their results (FindDone).
type WSEngine struct {
	cfg  Config
	opts WSSettings

	state    WSState
	opened   bool // the socket has been open at least once
	attempts int  // consecutive failed connection attempts (a socket that did not stay open counts)
	armed    [wsTimerCount]bool
	stopErr  error

	heard   bool // a frame arrived since the last heartbeat
	probing bool // a liveness probe is out, and nothing was heard since

	lastMsgID uint64
	lastCall  WSCallID
	lastFind  WSFindID

	pending   map[string]*wsPending  // by msgId: sent or queued requests
	queue     []string               // msgIds of queued requests, in call order
	byCall    map[WSCallID]wsCallRef // calls that have not settled
	resources map[string]*wsResource // by flow id or path
	subs      map[WSHandlerID]*wsSub // every subscription, by its handler
}

// WSSettings tune a WSEngine: the protocol's timing and limits, times in
// milliseconds. The zero value is usable: 30 s heartbeats, a 30 s handshake
// bound, no automatic reconnect. The Go client's flowthings.WSOptions, in
// time.Duration, and the JavaScript package's options convert to these;
// core never links package time, whose initialization alone would add about
// 80 KB of gzip to the wasm module.
type WSSettings struct {
	// HeartbeatMs is the interval of {"type":"heartbeat"} frames while the
	// socket is open. 0 means 30 s; a negative value disables heartbeats,
	// and with them the detection of a silent server.
	HeartbeatMs int64
	// TimeoutMs bounds each connection attempt, from the session request
	// to the open socket (the engine's handshake timer), and each find the
	// driver performs for backfill. 0 means 30 s; a negative value, none.
	TimeoutMs int64

	// Reconnect enables automatic reconnection once a socket that was open
	// is lost: the engine waits a backoff, opens a new session and
	// re-subscribes every subscription. A failure of the very first
	// connection is never retried.
	Reconnect bool
	// BackoffMinMs and BackoffMaxMs bound the exponential backoff between
	// connection attempts: attempt n waits min(BackoffMaxMs, BackoffMinMs·2ⁿ⁻¹),
	// jittered to between half and all of it. Retries of subscribes and
	// finds wait the same way. Defaults 1 s and 30 s.
	BackoffMinMs, BackoffMaxMs int64
	// StableAfterMs is how long a socket must stay open before the engine
	// counts the connection as good again: a socket that opens and drops
	// sooner is a failed attempt, so the backoff keeps growing. 0 means
	// 10 s; a negative value, never.
	StableAfterMs int64
	// MaxAttempts stops the engine after that many consecutive failed
	// connection attempts. 0 means no limit.
	MaxAttempts int

	// BackfillPage is the "limit" of each find of backfill. 0 means 500,
	// and so does more: a page shorter than asked for is taken as the last,
	// so a page must not exceed what every platform returns at once.
	BackfillPage int
	// BackfillAttempts is how many times in a row a subscription's find may
	// fail before the engine gives up: a subscription back-filling reports
	// a *GapError and goes on with what is pushed; a Subscribe still
	// waiting for its start fails. 0 means 10.
	BackfillAttempts int

	// Rand returns the jitter, a number in [0, 1). nil uses math/rand/v2;
	// tests inject a fixed source.
	Rand func() float64
}

// WSState is where a WSEngine is in its lifecycle.
type WSState int

const (
	WSIdle       WSState = iota // created, Connect not called yet
	WSConnecting                // OpenSession emitted, waiting for Opened or Closed
	WSOpen                      // the socket is open
	WSBackoff                   // lost, waiting for the reconnect timer
	WSStopped                   // closed for good; see Stopped
)

func (s WSState) String() string {
	switch s {
	case WSIdle:
		return "idle"
	case WSConnecting:
		return "connecting"
	case WSOpen:
		return "open"
	case WSBackoff:
		return "backoff"
	case WSStopped:
		return "stopped"
	}
	return "WSState(" + strconv.Itoa(int(s)) + ")"
}

// Connection states as users see them (Status).
const (
	WSStatusConnecting   = "connecting"   // the first connection is being made
	WSStatusOpen         = "open"         // the socket is open
	WSStatusReconnecting = "reconnecting" // lost; waiting for, or making, a new connection
	WSStatusClosed       = "closed"       // stopped for good
)

// Status is the engine's state as users see it: one of the WSStatus
// constants. Drivers report it after every event.
func (e *WSEngine) Status() string {
	switch {
	case e.state == WSOpen:
		return WSStatusOpen
	case e.state == WSStopped:
		return WSStatusClosed
	case e.opened:
		return WSStatusReconnecting
	}
	return WSStatusConnecting
}

// WSCallID identifies one call (Send, Subscribe, Unsubscribe) until its
// SettleReply. The engine allocates them; they are never reused.
type WSCallID uint64

// WSHandlerID names a subscription and the receiver of its Delivers. The
// driver picks them: one per subscription.
type WSHandlerID uint64

// WSFindID identifies one Find action until its FindDone.
type WSFindID uint64

// WSTimer names one of the engine's timers. Each is either armed or not: a
// SetTimer replaces the earlier one of the same name. Drivers need not know
// what each is for.
type WSTimer int

const (
	WSTimerHeartbeat WSTimer = iota // send the next heartbeat; check that the server is alive
	WSTimerReconnect                // start the next connection attempt
	WSTimerHandshake                // the connection attempt in progress took too long
	WSTimerStable                   // the socket stayed open long enough: reset the backoff
	WSTimerRetry                    // retry the subscribes and finds that failed transiently
	wsTimerCount
)

// WSAction is one instruction from the engine to its driver: *SendFrame,
// *Deliver, *Release, *SettleReply, *SetTimer, *CancelTimer, *OpenSession,
// *CloseSocket, *Find, *CancelFind, *EndSubscription, *ReportError or
// *Stopped.
type WSAction interface{ wsAction() }

// SendFrame writes one text frame on the open socket. Frames must be written
// in the order they were emitted.
type SendFrame struct{ Frame []byte }

// Deliver hands a drop to a subscription's handler. Last says the engine
// is done with the drop's Ref: no Deliver or Release of it follows.
type Deliver struct {
	Handler WSHandlerID
	Drop    WSDrop
	Last    bool
}

// Release says the engine no longer needs the drop the driver passed with
// Ref: no Deliver of it follows. Each Ref is released once: by a Release,
// or by a Deliver marked Last.
type Release struct{ Ref uint64 }

// SettleReply completes a call: Body is the reply's raw JSON body on
// success; otherwise Err is the typed error (*NotFoundError,
// *ForbiddenError, *BadRequestError, …, *ConnectionLostError, *InputError).
type SettleReply struct {
	Call WSCallID
	Body []byte
	Err  error
}

// SetTimer arms (or re-arms) a timer to expire AfterMs milliseconds from
// now; then the driver calls TimerFired. Stale firings are ignored, so a
// driver need not be exact.
type SetTimer struct {
	Timer   WSTimer
	AfterMs int64
}

// CancelTimer disarms a timer.
type CancelTimer struct{ Timer WSTimer }

// OpenSession asks the driver to POST Request (built by
// Config.NewSessionRequest), decode the reply with DecodeSessionResponse,
// dial Config.SocketURL(id) and then call Opened — or Closed with the
// error of any step. The engine bounds the attempt with its handshake
// timer; the driver may bound it too.
type OpenSession struct {
	Request Request
	Attempt int // 0 for the first connection, n for the nth attempt in a row after a loss
}

// CloseSocket asks the driver to close the socket, or abandon the
// connection attempt in progress, without reporting Closed.
type CloseSocket struct{}

// Find asks the driver to perform a REST request — a find of drops for a
// subscription — and to report its outcome with FindDone(ID, …).
type Find struct {
	ID      WSFindID
	Request Request
}

// CancelFind says the engine no longer wants the outcome of a Find: the
// driver may abort it, and need not call FindDone.
type CancelFind struct{ ID WSFindID }

// EndSubscription tells the driver that a started subscription ended
// without Unsubscribe: the platform refused it after a reconnect (a 4xx:
// the flow was deleted, rights were withdrawn), or the engine stopped. Err
// says why.
type EndSubscription struct {
	Resource string
	Handler  WSHandlerID
	Err      error
}

// ReportError carries an error that belongs to no call (see the Go
// client's WSOptions.OnError). Handler is the subscription it belongs to
// (a *GapError, which does not end it), 0 for the connection's.
type ReportError struct {
	Err      error
	Resource string
	Handler  WSHandlerID
}

// Stopped is the engine's last action: it has stopped for good. Err is nil
// after Close, the connection error when the first connection failed, or a
// *ConnectionLostError when the socket was lost and not re-established.
type Stopped struct{ Err error }

func (*SendFrame) wsAction()       {}
func (*Deliver) wsAction()         {}
func (*Release) wsAction()         {}
func (*SettleReply) wsAction()     {}
func (*SetTimer) wsAction()        {}
func (*CancelTimer) wsAction()     {}
func (*OpenSession) wsAction()     {}
func (*CloseSocket) wsAction()     {}
func (*Find) wsAction()            {}
func (*CancelFind) wsAction()      {}
func (*EndSubscription) wsAction() {}
func (*ReportError) wsAction()     {}
func (*Stopped) wsAction()         {}

const (
	defaultHeartbeatMs      = 30_000
	defaultTimeoutMs        = 30_000
	defaultBackoffMinMs     = 1_000
	defaultBackoffMaxMs     = 30_000
	defaultStableAfterMs    = 10_000
	defaultBackfillAttempts = 10
)

type wsKind int

const (
	wsKindSend wsKind = iota
	wsKindSubscribe
	wsKindUnsubscribe
	wsKindProbe
)

// wsPending is a request waiting for its reply (sent) or for the socket (queued).
type wsPending struct {
	kind  wsKind
	req   *wsRequest
	frame []byte
	sent  bool
	call  WSCallID // 0 for the engine's own requests
	res   *wsResource
}

// wsCallRef finds an unsettled call: the msgId of its request, or for a
// Subscribe the subscription it waits for.
type wsCallRef struct {
	msgID   string
	handler WSHandlerID
}

// NewWSEngine returns an idle engine for cfg.
func NewWSEngine(cfg Config, opts WSSettings) *WSEngine {
	opts.HeartbeatMs = orDefault(opts.HeartbeatMs, defaultHeartbeatMs)
	opts.TimeoutMs = orDefault(opts.TimeoutMs, defaultTimeoutMs)
	opts.StableAfterMs = orDefault(opts.StableAfterMs, defaultStableAfterMs)
	if opts.BackoffMinMs <= 0 {
		opts.BackoffMinMs = defaultBackoffMinMs
	}
	if opts.BackoffMaxMs <= 0 {
		opts.BackoffMaxMs = defaultBackoffMaxMs
	}
	if opts.BackoffMaxMs < opts.BackoffMinMs {
		opts.BackoffMaxMs = opts.BackoffMinMs
	}
	if opts.BackfillPage <= 0 || opts.BackfillPage > defaultFindPage {
		opts.BackfillPage = defaultFindPage
	}
	if opts.BackfillAttempts <= 0 {
		opts.BackfillAttempts = defaultBackfillAttempts
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	return &WSEngine{
		cfg:       cfg,
		opts:      opts,
		pending:   map[string]*wsPending{},
		byCall:    map[WSCallID]wsCallRef{},
		resources: map[string]*wsResource{},
		subs:      map[WSHandlerID]*wsSub{},
	}
}

func orDefault(d, def int64) int64 {
	if d == 0 {
		return def
	}
	return d
}

// State reports where the engine is in its lifecycle.
func (e *WSEngine) State() WSState { return e.state }

// Settings returns the settings the engine runs with, defaults applied.
func (e *WSEngine) Settings() WSSettings { return e.opts }

// Connect starts the first connection: it emits OpenSession, or Stopped when
// the Config cannot open a session. Later calls do nothing.
func (e *WSEngine) Connect() []WSAction {
	if e.state != WSIdle {
		return nil
	}
	return e.openSession(nil)
}

func (e *WSEngine) openSession(out []WSAction) []WSAction {
	req, err := e.cfg.NewSessionRequest()
	if err != nil {
		return e.stop(out, err, &ConnectionLostError{Err: err})
	}
	e.state = WSConnecting
	out = append(out, &OpenSession{Request: req, Attempt: e.attempts})
	if e.opts.TimeoutMs > 0 {
		out = e.setTimer(out, WSTimerHandshake, e.opts.TimeoutMs)
	}
	return out
}

// Opened reports that the socket of the current OpenSession is open. The
// engine arms the heartbeat, subscribes every subscription, then sends the
// queued calls. Outside WSConnecting it does nothing.
func (e *WSEngine) Opened() []WSAction {
	if e.state != WSConnecting {
		return nil
	}
	e.state = WSOpen
	e.opened = true
	e.heard, e.probing = false, false
	out := e.disarm(nil, WSTimerHandshake)
	if e.opts.HeartbeatMs > 0 {
		out = e.setTimer(out, WSTimerHeartbeat, e.opts.HeartbeatMs)
	}
	if e.opts.StableAfterMs > 0 {
		out = e.setTimer(out, WSTimerStable, e.opts.StableAfterMs)
	}
	for _, key := range e.sortedResources() {
		out = e.subscribeResource(out, e.resources[key])
	}
	queue := e.queue
	e.queue = nil
	for _, id := range queue {
		if p := e.pending[id]; p != nil {
			p.sent = true
			out = append(out, &SendFrame{Frame: p.frame})
		}
	}
	return out
}

// Closed reports that the socket, or the connection attempt, failed or
// ended; err is the cause (nil for a clean close by the server). Every sent
// CRUD call fails with a *ConnectionLostError; subscriptions wait for the
// next socket. Then the engine either arms the reconnect timer or stops.
// Outside WSConnecting and WSOpen it does nothing.
func (e *WSEngine) Closed(err error) []WSAction {
	if e.state != WSConnecting && e.state != WSOpen {
		return nil
	}
	if err == nil {
		err = errClosedByPeer
	}
	lost := &ConnectionLostError{Err: err}
	var out []WSAction
	for t := range wsTimerCount {
		if t != WSTimerReconnect {
			out = e.disarm(out, t)
		}
	}
	if e.state == WSOpen {
		out = e.failSent(out, lost)
	}
	switch {
	case !e.opened:
		// The first connection failed: no retry, the cause is the result.
		return e.stop(out, err, lost)
	case !e.opts.Reconnect || fatalSessionError(err),
		e.opts.MaxAttempts > 0 && e.attempts >= e.opts.MaxAttempts:
		return e.stop(out, lost, lost)
	}
	e.state = WSBackoff
	e.attempts++
	out = append(out, &ReportError{Err: lost})
	return e.setTimer(out, WSTimerReconnect, e.backoff(e.attempts))
}

// backoff is the jittered delay before attempt n (n ≥ 1), in whole
// milliseconds, at least 1.
func (e *WSEngine) backoff(n int) int64 {
	d := e.opts.BackoffMinMs
	for i := 1; i < n && d < e.opts.BackoffMaxMs; i++ {
		d *= 2
	}
	d = min(d, e.opts.BackoffMaxMs)
	j := e.opts.Rand()
	if j < 0 || j >= 1 {
		j = 0
	}
	half := float64(d) / 2
	return max(1, int64(half+j*half))
}

// failSent fails every sent CRUD request; the engine's own requests go
// away (an unsubscribe is moot once the socket is gone: its call
// succeeds). Queued requests stay queued, and subscriptions wait for the
// next socket.
func (e *WSEngine) failSent(out []WSAction, err error) []WSAction {
	for _, id := range sortedKeys(e.pending) {
		p := e.pending[id]
		if !p.sent {
			continue
		}
		delete(e.pending, id)
		if p.kind == wsKindUnsubscribe {
			out = e.settle(out, p.call, []byte("{}"), nil)
		} else {
			out = e.settle(out, p.call, nil, err)
		}
	}
	for _, key := range e.sortedResources() {
		r := e.resources[key]
		r.state, r.retry = wsResIdle, false
		for _, h := range r.handlers() {
			out = e.suspend(out, e.subs[h])
		}
	}
	return out
}

// TimerFired reports that an armed timer expired. Firings of timers that
// are no longer armed are ignored.
func (e *WSEngine) TimerFired(t WSTimer) []WSAction {
	if t < 0 || t >= wsTimerCount || !e.armed[t] {
		return nil
	}
	e.armed[t] = false
	switch t {
	case WSTimerReconnect: // armed only in WSBackoff
		return e.openSession(nil)
	case WSTimerHandshake: // armed only in WSConnecting
		out := []WSAction{&CloseSocket{}} // abandon the attempt
		return append(out, e.Closed(&TimeoutError{Method: "POST", Path: "/session", What: "websocket handshake", AfterMs: e.opts.TimeoutMs})...)
	case WSTimerStable:
		e.attempts = 0
		return nil
	case WSTimerRetry:
		return e.retry()
	}
	return e.heartbeat()
}

// heartbeat sends the heartbeat frame and checks that the server is alive.
// The server never answers heartbeats (docs/protocol.md §8.6), so after an
// interval in which nothing arrived the engine sends a probe, a request
// that every server answers: a frame with a msgId always gets a reply
// (§8.3), even a refusal. When nothing arrives during the next interval
// either, the server is gone although the socket looks open: the engine
// closes it and reconnects.
func (e *WSEngine) heartbeat() []WSAction {
	if e.probing && !e.heard {
		out := []WSAction{&CloseSocket{}}
		return append(out, e.Closed(&TimeoutError{What: "waiting for any frame from the server", AfterMs: 2 * e.opts.HeartbeatMs})...)
	}
	out := []WSAction{&SendFrame{Frame: wsHeartbeat}}
	e.probing = !e.heard
	if e.probing {
		out = e.request(out, wsKindProbe, wsProbe, 0, nil)
	}
	e.heard = false
	return e.setTimer(out, WSTimerHeartbeat, e.opts.HeartbeatMs)
}

// FrameReceived feeds one text frame read from the open socket. Replies
// settle their call; pushes are delivered; malformed frames are ignored
// and reported with ReportError. It never panics.
func (e *WSEngine) FrameReceived(frame []byte) []WSAction {
	if e.state != WSOpen {
		return nil
	}
	e.heard = true
	in := decodeWSFrame(frame)
	switch {
	case in.err != nil:
		return []WSAction{&ReportError{Err: e.frameError(in.err.Reason, frame)}}
	case in.ignore:
		return nil
	case in.push:
		return e.push(nil, in.resource, in.drop)
	}
	return e.reply(in, frame)
}

// WSPush is a push frame that the driver decoded itself: the frame's
// resource and the control fields of its value.
type WSPush struct {
	Resource string
	Drop     WSDropInfo
}

// PushesReceived feeds push frames that the driver decoded itself (the
// JavaScript driver parses every frame once, for its handlers), in the
// order they arrived: several at once when one read brought several. A
// frame that is not a push goes to FrameReceived instead.
func (e *WSEngine) PushesReceived(pushes ...WSPush) []WSAction {
	out := make([]WSAction, 0, 2*len(pushes))
	for _, p := range pushes {
		if e.state != WSOpen {
			out = release(out, p.Drop.Ref)
			continue
		}
		e.heard = true
		if p.Resource == "" {
			p.Resource = p.Drop.FlowID
		}
		out = e.push(out, p.Resource, p.Drop)
	}
	return out
}

func (e *WSEngine) reply(in wsInbound, frame []byte) []WSAction {
	p := e.pending[in.msgID]
	if p == nil || !p.sent {
		if e.issued(in.msgID) {
			// A late reply to a call that timed out or was cancelled, or
			// a duplicate: the engine keeps nothing of those calls.
			return nil
		}
		return []WSAction{&ReportError{Err: e.frameError("reply to unknown msgId "+quote(in.msgID), frame)}}
	}
	delete(e.pending, in.msgID)
	var body []byte
	var err error
	switch {
	case in.bad != "":
		err = &MalformedResponseError{Method: p.req.method(), Path: p.req.target(), Reason: in.bad,
			Excerpt: redactedExcerpt(frame, e.cfg.Token)}
	case !in.env.OK:
		err = newStatusError(&ResponseError{Status: in.env.Status, Method: p.req.method(), Path: p.req.target(),
			Account: e.cfg.Account, Errors: redactAll(in.env.Errors, e.cfg.Token), Messages: redactAll(in.env.Messages, e.cfg.Token)})
	default:
		body = in.env.Body
	}
	switch p.kind {
	case wsKindSubscribe:
		return e.subscribed(nil, p.res, body, err)
	case wsKindProbe:
		return nil
	}
	return e.settle(nil, p.call, body, err)
}

// issued reports whether msgID is one the engine sent: msgIds count up
// from 1, so this needs no memory of past calls.
func (e *WSEngine) issued(msgID string) bool {
	var n uint64
	for i := 0; i < len(msgID); i++ {
		c := msgID[i]
		if c < '0' || c > '9' || i == 0 && c == '0' || n > e.lastMsgID {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	return n >= 1 && n <= e.lastMsgID
}

// frameError reports a frame the engine cannot use. As with REST
// responses, the token never shows, whatever the server echoes.
func (e *WSEngine) frameError(reason string, frame []byte) *WSFrameError {
	return &WSFrameError{Reason: redact(reason, e.cfg.Token), Excerpt: redactedExcerpt(frame, e.cfg.Token)}
}

// settle settles one call, unless it is an internal request (0). It and the
// other helpers marked noinline are called from many places, where inlined
// copies would cost the wasm build more than the calls do.
//
//go:noinline
func (e *WSEngine) settle(out []WSAction, call WSCallID, body []byte, err error) []WSAction {
	if call == 0 {
		return out
	}
	delete(e.byCall, call)
	return append(out, &SettleReply{Call: call, Body: body, Err: err})
}

// Send starts a CRUD call (create, find, findmany, update, delete). It is
// sent at once when the socket is open, else queued. An invalid frame
// settles at once with an *InputError.
func (e *WSEngine) Send(f WSFrame) (WSCallID, []WSAction) {
	call := e.newCall()
	if e.state == WSStopped {
		return call, e.stoppedReply(call)
	}
	req, err := newCRUDRequest(f)
	if err != nil {
		return call, []WSAction{&SettleReply{Call: call, Err: err}}
	}
	return call, e.request(nil, wsKindSend, req, call, nil)
}

// request numbers req and sends it, or queues it when the socket is not
// open. The engine's own requests are never queued: subscriptions are
// restored by Opened, unsubscribes are moot on a new session, and probes
// belong to one socket.
func (e *WSEngine) request(out []WSAction, kind wsKind, req *wsRequest, call WSCallID, r *wsResource) []WSAction {
	e.lastMsgID++
	id := strconv.FormatUint(e.lastMsgID, 10)
	p := &wsPending{kind: kind, req: req, frame: req.encode(id), call: call, res: r}
	e.pending[id] = p
	if call != 0 {
		e.byCall[call] = wsCallRef{msgID: id}
	}
	if e.state == WSOpen {
		p.sent = true
		return append(out, &SendFrame{Frame: p.frame})
	}
	e.queue = append(e.queue, id)
	return out
}

// Cancel forgets a call whose caller stopped waiting (its context ended, it
// timed out): at once, and entirely. A queued request is never sent, a late
// reply is dropped silently, and a cancelled Subscribe of a subscription
// that has not started removes it, as Unsubscribe would. No SettleReply
// follows for the call.
func (e *WSEngine) Cancel(call WSCallID) []WSAction {
	ref, ok := e.byCall[call]
	if !ok {
		return nil
	}
	delete(e.byCall, call)
	if ref.msgID != "" {
		delete(e.pending, ref.msgID)
		return nil
	}
	s := e.subs[ref.handler]
	for i, c := range s.calls {
		if c == call {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			break
		}
	}
	if len(s.calls) > 0 || s.started {
		return nil
	}
	out, _ := e.dropSub(nil, s, 0)
	return out
}

// Close stops the engine for good: it closes the socket, disarms the
// timers, cancels the finds in flight, fails every queued or sent call with
// a *ConnectionLostError wrapping ErrWebSocketClosed, ends every
// subscription with ErrWebSocketClosed and emits Stopped with a nil error.
// Calls made afterwards fail with ErrWebSocketClosed.
func (e *WSEngine) Close() []WSAction {
	if e.state == WSStopped {
		return nil
	}
	var out []WSAction
	if e.state == WSConnecting || e.state == WSOpen {
		out = append(out, &CloseSocket{})
	}
	return e.finish(out, nil, &ConnectionLostError{Err: ErrWebSocketClosed}, ErrWebSocketClosed)
}

// stop ends the engine after a connection failure: result is Stopped's
// error, callErr fails the calls and ends the subscriptions.
func (e *WSEngine) stop(out []WSAction, result, callErr error) []WSAction {
	return e.finish(out, result, callErr, callErr)
}

func (e *WSEngine) finish(out []WSAction, result, callErr, subErr error) []WSAction {
	e.state = WSStopped
	e.stopErr = subErr
	for t := range wsTimerCount {
		out = e.disarm(out, t)
	}
	for _, id := range sortedKeys(e.pending) {
		out = e.settle(out, e.pending[id].call, nil, callErr)
	}
	for _, h := range sortedKeys(e.subs) {
		s := e.subs[h]
		out = e.suspend(out, s)
		out = e.settleCalls(out, s, nil, callErr)
		if s.started {
			out = append(out, &EndSubscription{Resource: s.res.key, Handler: h, Err: subErr})
		}
	}
	// Fresh maps rather than clear(): clearing links more runtime code.
	e.pending = map[string]*wsPending{}
	e.byCall = map[WSCallID]wsCallRef{}
	e.resources = map[string]*wsResource{}
	e.subs = map[WSHandlerID]*wsSub{}
	e.queue = nil
	return append(out, &Stopped{Err: result})
}

// stoppedReply settles a call made after the engine stopped.
func (e *WSEngine) stoppedReply(call WSCallID) []WSAction {
	return []WSAction{&SettleReply{Call: call, Err: e.stopErr}}
}

func (e *WSEngine) newCall() WSCallID {
	e.lastCall++
	return e.lastCall
}

func (e *WSEngine) setTimer(out []WSAction, t WSTimer, ms int64) []WSAction {
	e.armed[t] = true
	return append(out, &SetTimer{Timer: t, AfterMs: ms})
}

//go:noinline
func (e *WSEngine) disarm(out []WSAction, t WSTimer) []WSAction {
	if !e.armed[t] {
		return out
	}
	e.armed[t] = false
	return append(out, &CancelTimer{Timer: t})
}

// Resources, handlers and requests are visited in sorted order so that a
// driver sees the same actions for the same events.

//go:noinline
func (e *WSEngine) sortedResources() []string { return sortedKeys(e.resources) }

func sortedKeys[K string | WSHandlerID, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortSmall(keys)
	return keys
}
