package core

import (
	"errors"
	"math/rand/v2"
	"slices"
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
//	Connect    → OpenSession          (driver: POST /session, dial SocketURL)
//	Opened     → SetTimer(heartbeat), subscribe frames, queued calls
//	Closed     → pending calls fail with *ConnectionLostError; then a
//	             reconnect timer, or Stopped
//	TimerFired → heartbeat frame, or the next OpenSession
//	Close      → CloseSocket, everything fails with ErrWebSocketClosed, Stopped
//
// Calls made while the socket is not open (before the first Opened, or while
// reconnecting) are queued and sent, in order, once it opens; they fail when
// the engine stops, or go away when the driver calls Cancel. Calls already
// sent when the socket is lost fail with *ConnectionLostError: the engine
// never resends a request whose effect is unknown.
type WSEngine struct {
	cfg  Config
	opts WSOptions

	state    WSState
	opened   bool // the socket has been open at least once
	attempts int  // consecutive failed reconnect attempts
	armed    [wsTimerCount]bool
	stopErr  error

	lastMsgID uint64
	lastCall  WSCallID

	pending   map[string]*wsPending  // by msgId: sent or queued requests
	queue     []string               // msgIds of queued requests, in call order
	byCall    map[WSCallID]wsCallRef // calls that have not settled
	cancelled map[string]bool        // msgIds whose late reply is dropped silently
	resources map[string]*wsResource // by flow id or path
}

// WSOptions tune a WSEngine and the WebSocket driver. The zero value is
// usable: 30 s heartbeats, no automatic reconnect.
type WSOptions struct {
	// Heartbeat is the interval of {"type":"heartbeat"} frames while the
	// socket is open. 0 means 30 s; a negative value disables heartbeats.
	Heartbeat Duration

	// Reconnect enables automatic reconnection once a socket that was open
	// is lost: the engine waits a backoff, opens a new session and
	// re-subscribes every subscription. A failure of the very first
	// connection is never retried.
	Reconnect bool
	// BackoffMin and BackoffMax bound the exponential backoff between
	// reconnect attempts: attempt n waits min(BackoffMax, BackoffMin·2ⁿ⁻¹),
	// jittered to between half and all of it. Defaults 1 s and 30 s.
	BackoffMin, BackoffMax Duration
	// MaxAttempts stops the engine after that many consecutive failed
	// reconnect attempts. 0 means no limit.
	MaxAttempts int
	// Rand returns the jitter, a number in [0, 1). nil uses math/rand/v2;
	// tests inject a fixed source.
	Rand func() float64

	// OnError, used by the WebSocket driver only, receives the errors that
	// belong to no call: ignored malformed frames (*WSFrameError), a lost
	// connection that is being re-established (*ConnectionLostError). It
	// runs on the goroutine that runs subscription handlers.
	OnError func(error)
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

// WSCallID identifies one call (Send, Subscribe, Unsubscribe) until its
// SettleReply. The engine allocates them; they are never reused.
type WSCallID uint64

// WSHandlerID names a handler: the receiver of Delivers. The driver picks
// them. One handler may subscribe to several flows (by id and by path); a
// drop matching several of its subscriptions is still delivered to it once.
type WSHandlerID uint64

// WSTimer names one of the engine's timers. Each is either armed or not: a
// SetTimer replaces the earlier one of the same name.
type WSTimer int

const (
	WSTimerHeartbeat WSTimer = iota // send the next heartbeat
	WSTimerReconnect                // start the next reconnect attempt
	wsTimerCount
)

// WSAction is one instruction from the engine to its driver: *SendFrame,
// *Deliver, *SettleReply, *SetTimer, *CancelTimer, *OpenSession,
// *CloseSocket, *EndSubscription, *ReportError or *Stopped.
type WSAction interface{ wsAction() }

// SendFrame writes one text frame on the open socket. Frames must be written
// in the order they were emitted.
type SendFrame struct{ Frame []byte }

// Deliver hands a pushed drop to a handler. A drop that matches
// subscriptions of several handlers yields one Deliver per handler, in
// handler order, never two for the same handler.
type Deliver struct {
	Handler WSHandlerID
	Drop    WSDrop
}

// SettleReply completes a call: Body is the reply's raw JSON body on
// success; otherwise Err is the typed error (*NotFoundError,
// *ForbiddenError, *BadRequestError, …, *ConnectionLostError, *InputError).
type SettleReply struct {
	Call WSCallID
	Body []byte
	Err  error
}

// SetTimer arms (or re-arms) a timer; when it expires the driver calls
// TimerFired. Stale firings are ignored, so a driver need not be exact.
type SetTimer struct {
	Timer WSTimer
	After Duration
}

// CancelTimer disarms a timer.
type CancelTimer struct{ Timer WSTimer }

// OpenSession asks the driver to POST Request (built by
// Config.NewSessionRequest), decode the reply with DecodeSessionResponse,
// dial Config.SocketURL(id) and then call Opened — or Closed with the
// error of any step.
type OpenSession struct {
	Request Request
	Attempt int // 0 for the first connection, n for the nth reconnect attempt
}

// CloseSocket asks the driver to close the socket, or abandon the
// connection attempt in progress, without reporting Closed.
type CloseSocket struct{}

// EndSubscription tells the driver that a confirmed subscription ended
// without Unsubscribe: a re-subscribe after a reconnect was refused, or the
// engine stopped. Err says why.
type EndSubscription struct {
	Resource string
	Handler  WSHandlerID
	Err      error
}

// ReportError carries an error that belongs to no call (see WSOptions.OnError).
type ReportError struct{ Err error }

// Stopped is the engine's last action: it has stopped for good. Err is nil
// after Close, the connection error when the first connection failed, or a
// *ConnectionLostError when the socket was lost and not re-established.
type Stopped struct{ Err error }

func (*SendFrame) wsAction()       {}
func (*Deliver) wsAction()         {}
func (*SettleReply) wsAction()     {}
func (*SetTimer) wsAction()        {}
func (*CancelTimer) wsAction()     {}
func (*OpenSession) wsAction()     {}
func (*CloseSocket) wsAction()     {}
func (*EndSubscription) wsAction() {}
func (*ReportError) wsAction()     {}
func (*Stopped) wsAction()         {}

// ErrWebSocketClosed is the error of calls made after Close, and the cause
// (inside a *ConnectionLostError) of the calls Close interrupted.
var ErrWebSocketClosed = errors.New("flowthings: websocket closed")

// ConnectionLostError fails a call whose reply can no longer arrive: the
// socket was lost (or closed) after the request was sent, or the engine
// stopped before it could be sent. Err is the cause, if known.
type ConnectionLostError struct{ Err error }

func (e *ConnectionLostError) Error() string {
	if e.Err == nil {
		return "flowthings: websocket connection lost"
	}
	return "flowthings: websocket connection lost: " + e.Err.Error()
}

func (e *ConnectionLostError) Unwrap() error { return e.Err }

// ErrUnsubscribed settles a Subscribe whose handler was unsubscribed
// before the platform confirmed the subscription.
var ErrUnsubscribed = errors.New("flowthings: unsubscribed before the subscription was confirmed")

// errClosedByPeer is the cause of a Closed(nil).
var errClosedByPeer = errors.New("socket closed")

const (
	defaultHeartbeat  = 30 * Second
	defaultBackoffMin = Second
	defaultBackoffMax = 30 * Second
)

type wsKind int

const (
	wsKindSend wsKind = iota
	wsKindSubscribe
	wsKindUnsubscribe
)

// wsPending is a request waiting for its reply (sent) or for the socket (queued).
type wsPending struct {
	kind  wsKind
	req   *wsRequest
	frame []byte
	sent  bool
	call  WSCallID // 0 for the engine's own requests (subscribes, unsubscribes of cancelled subscribes)
	res   *wsResource
}

// wsCallRef finds an unsettled call: the msgId of its request, or for a
// Subscribe the subscription it waits for.
type wsCallRef struct {
	msgID   string
	key     string
	handler WSHandlerID
}

type wsResState int

const (
	wsResIdle    wsResState = iota // to subscribe when the socket opens
	wsResPending                   // subscribe frame sent
	wsResActive                    // subscribed on this socket
)

// wsResource is one flow id or path subscribed on the server, shared by
// every handler subscribed to it.
type wsResource struct {
	key   string
	state wsResState
	subs  map[WSHandlerID]*wsSub
}

// wsSub is one handler's subscription to one resource.
type wsSub struct {
	confirmed bool       // the platform accepted it once; Delivers may have gone out
	calls     []WSCallID // Subscribe calls waiting for the resource's next subscribe reply
}

// NewWSEngine returns an idle engine for cfg.
func NewWSEngine(cfg Config, opts WSOptions) *WSEngine {
	if opts.Heartbeat == 0 {
		opts.Heartbeat = defaultHeartbeat
	}
	if opts.BackoffMin <= 0 {
		opts.BackoffMin = defaultBackoffMin
	}
	if opts.BackoffMax <= 0 {
		opts.BackoffMax = defaultBackoffMax
	}
	if opts.BackoffMax < opts.BackoffMin {
		opts.BackoffMax = opts.BackoffMin
	}
	if opts.Rand == nil {
		opts.Rand = rand.Float64
	}
	return &WSEngine{
		cfg:       cfg,
		opts:      opts,
		pending:   map[string]*wsPending{},
		byCall:    map[WSCallID]wsCallRef{},
		cancelled: map[string]bool{},
		resources: map[string]*wsResource{},
	}
}

// State reports where the engine is in its lifecycle.
func (e *WSEngine) State() WSState { return e.state }

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
	return append(out, &OpenSession{Request: req, Attempt: e.attempts})
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
	e.attempts = 0
	var out []WSAction
	if e.opts.Heartbeat > 0 {
		out = e.setTimer(out, WSTimerHeartbeat, e.opts.Heartbeat)
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
// call fails with a *ConnectionLostError. Then the engine either arms the
// reconnect timer or stops. Outside WSConnecting and WSOpen it does nothing.
func (e *WSEngine) Closed(err error) []WSAction {
	if e.state != WSConnecting && e.state != WSOpen {
		return nil
	}
	if err == nil {
		err = errClosedByPeer
	}
	lost := &ConnectionLostError{Err: err}
	out := e.disarm(nil, WSTimerHeartbeat)
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

// fatalSessionError reports errors that a new session cannot fix: the
// platform refused the credentials.
// (A plain Unwrap walk: errors.As would link reflection into a wasm build.)
func fatalSessionError(err error) bool {
	for err != nil {
		if api, ok := err.(APIError); ok {
			s := api.Response().Status
			return s == 400 || s == 401 || s == 403
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

// backoff is the jittered delay before reconnect attempt n (n ≥ 1).
func (e *WSEngine) backoff(n int) Duration {
	d := e.opts.BackoffMin
	for i := 1; i < n && d < e.opts.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, e.opts.BackoffMax)
	j := e.opts.Rand()
	if j < 0 || j >= 1 {
		j = 0
	}
	return d/2 + Duration(j*float64(d/2))
}

// failSent fails every sent request, and returns subscriptions to "subscribe
// when open"; unconfirmed ones whose Subscribe calls failed are removed.
// Queued requests stay queued.
func (e *WSEngine) failSent(out []WSAction, err error) []WSAction {
	for id, p := range e.pending {
		if p.sent {
			delete(e.pending, id)
			out = e.settle(out, p.call, nil, err)
		}
	}
	e.cancelled = map[string]bool{} // a fresh map: see finish
	for _, key := range e.sortedResources() {
		r := e.resources[key]
		r.state = wsResIdle
		for _, h := range sortedSubs(r.subs) {
			s := r.subs[h]
			out = e.settleCalls(out, s, nil, err)
			if !s.confirmed {
				e.removeSub(r, h)
			}
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
	if t == WSTimerReconnect {
		return e.openSession(nil) // armed only in WSBackoff
	}
	// The heartbeat is armed only while open.
	return e.setTimer([]WSAction{&SendFrame{Frame: wsHeartbeat}}, WSTimerHeartbeat, e.opts.Heartbeat)
}

// FrameReceived feeds one text frame read from the open socket. Replies
// settle their call; pushes become Delivers; malformed frames are ignored
// and reported with ReportError. It never panics.
func (e *WSEngine) FrameReceived(frame []byte) []WSAction {
	if e.state != WSOpen {
		return nil
	}
	in := decodeWSFrame(frame)
	switch {
	case in.err != nil:
		return []WSAction{&ReportError{Err: e.frameError(in.err.Reason, frame)}}
	case in.ignore:
		return nil
	case in.push:
		return e.dispatch(in)
	}
	return e.reply(in, frame)
}

// dispatch delivers a push to every handler subscribed to its resource (the
// flow id), to the drop's flowId or to the drop's path, once per handler.
func (e *WSEngine) dispatch(in wsInbound) []WSAction {
	seen := map[WSHandlerID]bool{}
	var hs []WSHandlerID
	for _, key := range [...]string{in.resource, in.flowID, in.path} {
		if r := e.resources[key]; r != nil {
			for h := range r.subs {
				if !seen[h] {
					seen[h] = true
					hs = append(hs, h)
				}
			}
		}
	}
	sortSmall(hs)
	out := make([]WSAction, 0, len(hs))
	for _, h := range hs {
		out = append(out, &Deliver{Handler: h, Drop: WSDrop{Resource: in.resource, Value: slices.Clone(in.value)}})
	}
	return out
}

func (e *WSEngine) reply(in wsInbound, frame []byte) []WSAction {
	p := e.pending[in.msgID]
	if p == nil || !p.sent {
		if e.cancelled[in.msgID] {
			delete(e.cancelled, in.msgID)
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
	if p.kind == wsKindSubscribe {
		return e.settleSubscribe(nil, p.res, body, err)
	}
	return e.settle(nil, p.call, body, err)
}

// frameError reports a frame the engine cannot use. As with REST
// responses, the token never shows, whatever the server echoes.
func (e *WSEngine) frameError(reason string, frame []byte) *WSFrameError {
	return &WSFrameError{Reason: redact(reason, e.cfg.Token), Excerpt: redactedExcerpt(frame, e.cfg.Token)}
}

// settleSubscribe applies the reply to the subscribe of r. (When r was
// unsubscribed meanwhile it has no subscriptions left, and nothing happens.)
func (e *WSEngine) settleSubscribe(out []WSAction, r *wsResource, body []byte, err error) []WSAction {
	for _, h := range sortedSubs(r.subs) {
		s := r.subs[h]
		out = e.settleCalls(out, s, body, err)
		if err == nil {
			s.confirmed = true
			continue
		}
		if s.confirmed { // a re-subscribe after a reconnect was refused
			out = append(out, &EndSubscription{Resource: r.key, Handler: h, Err: err})
		}
		e.removeSub(r, h)
	}
	if err == nil {
		r.state = wsResActive
	}
	return out
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

// settleCalls settles the Subscribe calls waiting on s.
func (e *WSEngine) settleCalls(out []WSAction, s *wsSub, body []byte, err error) []WSAction {
	for _, c := range s.calls {
		out = e.settle(out, c, body, err)
	}
	s.calls = nil
	return out
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
// restored by Opened, and unsubscribes are moot on a new session.
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

// Subscribe subscribes handler to the drops of a flow, named by its id or,
// when resource starts with "/", by its path. The first subscription of a
// resource sends the subscribe frame (or waits for the socket); later ones,
// of any handler, share it. The call settles when the platform confirms; a
// refusal (404 unknown flow, 403 no permission) settles it with the typed
// error and removes the subscription. Subscribing a handler twice to the
// same resource is harmless: it is one subscription.
func (e *WSEngine) Subscribe(resource string, handler WSHandlerID) (WSCallID, []WSAction) {
	call := e.newCall()
	if e.state == WSStopped {
		return call, e.stoppedReply(call)
	}
	if resource == "" {
		return call, []WSAction{&SettleReply{Call: call, Err: &InputError{Field: "resource", Reason: "must be a flow id or a path"}}}
	}
	r := e.resources[resource]
	if r == nil {
		r = &wsResource{key: resource, subs: map[WSHandlerID]*wsSub{}}
		e.resources[resource] = r
	}
	s := r.subs[handler]
	if s == nil {
		s = &wsSub{}
		r.subs[handler] = s
	}
	if r.state == wsResActive {
		s.confirmed = true
		return call, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}
	}
	s.calls = append(s.calls, call)
	e.byCall[call] = wsCallRef{key: resource, handler: handler}
	if e.state == WSOpen && r.state == wsResIdle {
		return call, e.subscribeResource(nil, r)
	}
	return call, nil
}

func (e *WSEngine) subscribeResource(out []WSAction, r *wsResource) []WSAction {
	r.state = wsResPending
	return e.request(out, wsKindSubscribe, newSubRequest("subscribe", r.key), 0, r)
}

// Unsubscribe ends handler's subscription to resource at once: no Deliver
// for it follows unless the handler has other subscriptions the drop
// matches. Its Subscribe calls that have not settled yet settle with
// ErrUnsubscribed. When it was the resource's last subscription and the
// socket is open, the unsubscribe frame is sent and the call settles with
// its reply; otherwise the call settles at once, without error.
func (e *WSEngine) Unsubscribe(resource string, handler WSHandlerID) (WSCallID, []WSAction) {
	call := e.newCall()
	var out []WSAction
	r := e.resources[resource]
	if r == nil || r.subs[handler] == nil {
		return call, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}
	}
	out = e.settleCalls(out, r.subs[handler], nil, ErrUnsubscribed)
	out, sent := e.dropSub(out, r, handler, call)
	if !sent {
		out = append(out, &SettleReply{Call: call, Body: []byte("{}")})
	}
	return call, out
}

// dropSub removes a subscription; when it was r's last and r is subscribed
// (or being subscribed) on the open socket, it sends the unsubscribe frame
// on behalf of call (0: nobody waits) and reports sent.
func (e *WSEngine) dropSub(out []WSAction, r *wsResource, h WSHandlerID, call WSCallID) ([]WSAction, bool) {
	e.removeSub(r, h)
	if len(r.subs) > 0 || r.state == wsResIdle || e.state != WSOpen {
		return out, false
	}
	// Never "type":"subscribe" here (the browser client's bug).
	return e.request(out, wsKindUnsubscribe, newSubRequest("unsubscribe", r.key), call, nil), true
}

// removeSub forgets a subscription, and its resource once none is left.
func (e *WSEngine) removeSub(r *wsResource, h WSHandlerID) {
	if s := r.subs[h]; s != nil {
		for _, c := range s.calls {
			delete(e.byCall, c)
		}
		delete(r.subs, h)
	}
	if len(r.subs) == 0 && e.resources[r.key] == r {
		delete(e.resources, r.key)
	}
}

// Cancel forgets a call whose caller stopped waiting (its context ended): a
// queued request is never sent, a late reply is dropped silently, and a
// cancelled Subscribe of a subscription not confirmed otherwise removes it,
// as Unsubscribe would. No SettleReply follows for the call.
func (e *WSEngine) Cancel(call WSCallID) []WSAction {
	ref, ok := e.byCall[call]
	if !ok {
		return nil
	}
	delete(e.byCall, call)
	if ref.msgID != "" {
		if p := e.pending[ref.msgID]; p.sent {
			e.cancelled[ref.msgID] = true
		}
		delete(e.pending, ref.msgID)
		return nil
	}
	r := e.resources[ref.key]
	s := r.subs[ref.handler]
	for i, c := range s.calls {
		if c == call {
			s.calls = append(s.calls[:i], s.calls[i+1:]...)
			break
		}
	}
	if len(s.calls) > 0 || s.confirmed {
		return nil
	}
	out, _ := e.dropSub(nil, r, ref.handler, 0)
	return out
}

// Close stops the engine for good: it closes the socket, disarms the
// timers, fails every queued or sent call with a *ConnectionLostError
// wrapping ErrWebSocketClosed, ends every subscription with
// ErrWebSocketClosed and emits Stopped with a nil error. Calls made
// afterwards fail with ErrWebSocketClosed.
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
	for _, p := range e.pending {
		out = e.settle(out, p.call, nil, callErr)
	}
	for _, key := range e.sortedResources() {
		r := e.resources[key]
		for _, h := range sortedSubs(r.subs) {
			s := r.subs[h]
			out = e.settleCalls(out, s, nil, callErr)
			if s.confirmed {
				out = append(out, &EndSubscription{Resource: key, Handler: h, Err: subErr})
			}
		}
	}
	// Fresh maps rather than clear(): clearing links more runtime code.
	e.pending = map[string]*wsPending{}
	e.byCall = map[WSCallID]wsCallRef{}
	e.cancelled = map[string]bool{}
	e.resources = map[string]*wsResource{}
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

func (e *WSEngine) setTimer(out []WSAction, t WSTimer, d Duration) []WSAction {
	e.armed[t] = true
	return append(out, &SetTimer{Timer: t, After: d})
}

//go:noinline
func (e *WSEngine) disarm(out []WSAction, t WSTimer) []WSAction {
	if !e.armed[t] {
		return out
	}
	e.armed[t] = false
	return append(out, &CancelTimer{Timer: t})
}

// Resources and handlers are visited in sorted order so that a driver sees
// the same actions for the same events (failed calls settle in no
// particular order).

//go:noinline
func (e *WSEngine) sortedResources() []string {
	keys := make([]string, 0, len(e.resources))
	for k := range e.resources {
		keys = append(keys, k)
	}
	sortSmall(keys)
	return keys
}

func sortedSubs(m map[WSHandlerID]*wsSub) []WSHandlerID {
	ids := make([]WSHandlerID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sortSmall(ids)
	return ids
}
