package flowthings

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
)

// Socket is one open WebSocket carrying text frames. Package nethttp has an
// implementation over github.com/coder/websocket.
type Socket interface {
	// Read returns the next frame. It must return when ctx ends or the
	// socket is closed.
	Read(ctx context.Context) ([]byte, error)
	// Write sends one text frame. Writes are never concurrent.
	Write(ctx context.Context, frame []byte) error
	// Close closes the socket; Read and Write fail afterwards. It may be
	// called concurrently with a blocked Read.
	Close() error
}

// Dialer opens a Socket to a WebSocket URL (Config.SocketURL of a session).
type Dialer interface {
	Dial(ctx context.Context, url string) (Socket, error)
}

// WSOptions configure a WebSocket: reconnection, heartbeat, backfill,
// OnError. The zero value is usable: 30 s heartbeats, a 30 s handshake
// bound, no automatic reconnect. The WebSocket hands them to its engine as
// core.WSSettings, in whole milliseconds: a duration that is not a whole
// number of milliseconds is rounded away from zero.
type WSOptions struct {
	// Heartbeat is the interval of {"type":"heartbeat"} frames while the
	// socket is open. 0 means 30 s; a negative value disables heartbeats,
	// and with them the detection of a silent server.
	Heartbeat time.Duration
	// Timeout bounds each connection attempt, from the session request to
	// the open socket (the engine's handshake timer), and each find the
	// WebSocket performs for backfill. 0 means 30 s; a negative value, none.
	Timeout time.Duration

	// Reconnect enables automatic reconnection once a socket that was open
	// is lost: the engine waits a backoff, opens a new session and
	// re-subscribes every subscription. A failure of the very first
	// connection is never retried.
	Reconnect bool
	// BackoffMin and BackoffMax bound the exponential backoff between
	// connection attempts: attempt n waits min(BackoffMax, BackoffMin·2ⁿ⁻¹),
	// jittered to between half and all of it. Retries of subscribes and
	// finds wait the same way. Defaults 1 s and 30 s.
	BackoffMin, BackoffMax time.Duration
	// StableAfter is how long a socket must stay open before the engine
	// counts the connection as good again: a socket that opens and drops
	// sooner is a failed attempt, so the backoff keeps growing. 0 means 10 s.
	StableAfter time.Duration
	// MaxAttempts stops the engine after that many consecutive failed
	// connection attempts. 0 means no limit.
	MaxAttempts int

	// BackfillPage is the "limit" of each find of backfill. 0 means 500,
	// and so does more (a short page is taken as the last).
	BackfillPage int
	// BackfillAttempts is how many times in a row a subscription's find may
	// fail before the engine gives up: a subscription back-filling reports
	// a *GapError and goes on with what is pushed; a Subscribe still
	// waiting for its start fails. 0 means 10.
	BackfillAttempts int

	// Rand returns the jitter, a number in [0, 1). nil uses math/rand/v2;
	// tests inject a fixed source.
	Rand func() float64

	// OnError receives the errors that belong to no call: ignored
	// malformed frames (*WSFrameError), a lost connection that is being
	// re-established (*ConnectionLostError), transient failures of
	// subscribes and finds that are retried, and every *GapError. It runs
	// on the goroutine that runs subscription handlers.
	OnError func(error)

	// onOpen runs (with the handlers, in order) each time a socket opens
	// after the first: a LiveQuery then finds its drops again.
	onOpen func()
}

// settings are the engine's settings for o.
func (o *WSOptions) settings() core.WSSettings {
	return core.WSSettings{
		HeartbeatMs:      millis(o.Heartbeat),
		TimeoutMs:        millis(o.Timeout),
		Reconnect:        o.Reconnect,
		BackoffMinMs:     millis(o.BackoffMin),
		BackoffMaxMs:     millis(o.BackoffMax),
		StableAfterMs:    millis(o.StableAfter),
		MaxAttempts:      o.MaxAttempts,
		BackfillPage:     o.BackfillPage,
		BackfillAttempts: o.BackfillAttempts,
		Rand:             o.Rand,
	}
}

// millis is d in whole milliseconds, rounded away from zero: a positive
// duration stays positive and a negative one negative, since for the
// engine 0 means the default and a negative value none.
func millis(d time.Duration) int64 {
	ms := int64(d / time.Millisecond)
	switch rem := d % time.Millisecond; {
	case rem > 0:
		ms++
	case rem < 0:
		ms--
	}
	return ms
}

// duration is ms milliseconds as a time.Duration.
func duration(ms int64) time.Duration { return time.Duration(ms) * time.Millisecond }

// WebSocket is a live WebSocket session: subscriptions and CRUD calls over
// one socket, with heartbeats and optional automatic reconnection. It runs a
// WSEngine, feeding it events under one lock; its methods are safe for
// concurrent use. Subscriptions back-fill through the same Transport (see
// Subscribe).
//
// Subscription handlers and WSOptions.OnError run one at a time, in arrival
// order, on a goroutine of the WebSocket. They may call any method, including
// Send and Close, but a slow handler delays the ones after it.
type WebSocket struct {
	cfg       core.Config
	transport Transport
	dialer    Dialer
	onErr     func(error)
	onOpen    func()

	life   context.Context // ends with the engine; bounds connection attempts
	cancel context.CancelFunc
	wg     sync.WaitGroup // connect, read and write goroutines

	mu      sync.Mutex
	eng     *core.WSEngine
	conn    *wsConn            // the open socket, if any
	attempt context.CancelFunc // cancels the connection attempt in progress
	gen     uint64             // connection attempt number; older ones are stale
	opened  chan struct{}      // closed at the first Opened
	waiters map[core.WSCallID]chan wsResult
	finds   map[core.WSFindID]context.CancelFunc // finds in flight
	subs    map[core.WSHandlerID]*Subscription   // one handler per Subscription
	lastSub core.WSHandlerID
	timers  map[core.WSTimer]*wsTimer // armed timers, by the engine's name
	tasks   []wsTask                  // handler and OnError calls, run in order by runTasks
	running bool                      // a runTasks goroutine exists
	done    chan struct{}
	err     error
}

type wsResult struct {
	body []byte
	err  error
}

// wsTask is a handler call (sub and drop), or an error report (err) for
// WSOptions.OnError and, when it is a subscription's, its own OnError.
type wsTask struct {
	sub    *Subscription
	drop   core.WSDrop
	err    error
	opened bool // a socket opened again: WSOptions.onOpen
}

// wsConn is one open socket with its writer queue. Its context ends when
// the socket failed or has been closed; stop asks the writer to close it.
type wsConn struct {
	sock   Socket
	ctx    context.Context
	cancel context.CancelFunc
	out    [][]byte
	wake   chan struct{}
	stop   chan struct{}
}

// Subscription is one handler's subscription to a flow's drops.
type Subscription struct {
	ws       *WebSocket
	id       core.WSHandlerID
	resource string
	handler  func(core.WSDrop)
	onErr    func(error)
	done     chan struct{}
	err      error // guarded by ws.mu
}

// SubscribeOption tunes one subscription.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct {
	noBackfill bool
	onErr      func(error)
}

// WithoutBackfill makes a subscription deliver pushes as they come, as
// the platform sends them: what is pushed while the socket is down is
// lost, and nothing says so.
func WithoutBackfill() SubscribeOption {
	return func(o *subscribeOptions) { o.noBackfill = true }
}

// OnSubscriptionError receives the errors of a subscription that do not
// end it: a *core.GapError (they also go to WSOptions.OnError). It runs on
// the goroutine that runs the handlers, in order with them.
func OnSubscriptionError(fn func(error)) SubscribeOption {
	return func(o *subscribeOptions) { o.onErr = fn }
}

// DialWebSocket opens a session with transport (POST /session), dials its
// socket with dialer and returns the running WebSocket. The first
// connection is not retried: its failure is the error. opts may be nil.
// ctx bounds only the first connection, as WSOptions.Timeout bounds every
// connection attempt.
func DialWebSocket(ctx context.Context, cfg core.Config, transport Transport, dialer Dialer, opts *WSOptions) (*WebSocket, error) {
	if transport == nil || dialer == nil {
		return nil, &core.InputError{Field: "websocket", Reason: "needs a Transport and a Dialer"}
	}
	var o WSOptions
	if opts != nil {
		o = *opts
	}
	ws := &WebSocket{
		cfg:       cfg,
		transport: transport,
		dialer:    dialer,
		onErr:     o.OnError,
		onOpen:    o.onOpen,
		eng:       core.NewWSEngine(cfg, o.settings()),
		opened:    make(chan struct{}),
		waiters:   map[core.WSCallID]chan wsResult{},
		finds:     map[core.WSFindID]context.CancelFunc{},
		subs:      map[core.WSHandlerID]*Subscription{},
		timers:    map[core.WSTimer]*wsTimer{},
		done:      make(chan struct{}),
	}
	// Outliving ctx, but with its values (jsfetch.WithFetch routes every
	// call of a Go Worker through its request).
	ws.life, ws.cancel = context.WithCancel(context.WithoutCancel(ctx))
	ws.mu.Lock()
	ws.apply(ws.eng.Connect())
	ws.mu.Unlock()
	select {
	case <-ws.opened:
		return ws, nil
	case <-ws.done:
		ws.wg.Wait()
		return nil, ws.err
	case <-ctx.Done():
		ws.Close()
		return nil, ctx.Err()
	}
}

// Send performs one CRUD call and returns the raw JSON body of the reply,
// or its typed error (*NotFoundError, *ForbiddenError, *BadRequestError, …).
// A call made while reconnecting waits for the new socket; a call whose
// socket is lost after sending fails with *ConnectionLostError. When ctx
// ends first, Send returns ctx.Err() and the reply, if any, is dropped.
func (ws *WebSocket) Send(ctx context.Context, f core.WSFrame) ([]byte, error) {
	ws.mu.Lock()
	call, acts := ws.eng.Send(f)
	ch := ws.wait(call)
	ws.apply(acts)
	ws.mu.Unlock()
	r := ws.await(ctx, call, ch)
	return r.body, r.err
}

// SendAs is Send with the reply decoded as a T, typically a typed object:
//
//	f := flowthings.WSFrame(flowthings.WSFind, flowthings.ServiceFlow)
//	f.ID = id
//	flow, err := flowthings.SendAs[*flowthings.Flow](ctx, ws, f)
//
// A reply that is not a T fails with an *InputError wrapping the decoding
// error.
func SendAs[T any](ctx context.Context, ws *WebSocket, f core.WSFrame) (T, error) {
	body, err := ws.Send(ctx, f)
	if err != nil {
		var zero T
		return zero, err
	}
	return Into[T](body)
}

// Subscribe calls handler with every drop created in a flow after it
// returns, the flow named by its id or, when flowIDOrPath starts with "/",
// by its path: exactly once each, in creation order, across any number of
// reconnects. When the socket comes back, the WebSocket finds, over its
// Transport, the drops created while it was down and delivers them before
// going on with pushes. When it cannot (the flow no longer holds them: its
// capacity or time to live removed them, or the finds kept failing), it
// reports a *core.GapError, with the time range of the drops that may be
// missing, to OnSubscriptionError and WSOptions.OnError. Changes to drops
// (updates) are delivered as they are pushed, not back-filled.
// WithoutBackfill turns all of this off.
//
// Subscribe returns once the platform confirmed and the subscription has
// its start; a refusal is the typed error (*NotFoundError for an unknown
// flow, *ForbiddenError without read permission). Transient failures (a
// 5xx, a lost socket) are retried while the WebSocket reconnects, up to
// WSOptions.BackfillAttempts failed finds of its start, or until ctx ends. Several subscriptions may
// share a flow, by id or by path; each gets each drop once, so a handler
// passed to two Subscriptions of one flow runs twice per drop. A
// subscription ends only by Close, the WebSocket stopping, or a refusal
// (a 4xx) after a reconnect; see Done and Err.
//
// The socket acts in the token's own account: Config.Namespace does not
// reach it, so drops another account shared are subscribed by their path
// ("/owner/…"), which names the account (back-fill finds them there).
//
// Each drop is decoded as a *Drop (see DecodeDrop); one that cannot be is
// not delivered but reported to WSOptions.OnError as a *core.WSFrameError.
// SubscribeRaw delivers the raw JSON instead.
func (ws *WebSocket) Subscribe(ctx context.Context, flowIDOrPath string, handler func(*Drop), opts ...SubscribeOption) (*Subscription, error) {
	if handler == nil {
		return nil, &core.InputError{Field: "handler", Reason: "must not be nil"}
	}
	return ws.SubscribeRaw(ctx, flowIDOrPath, func(raw core.WSDrop) {
		d, err := DecodeDrop(raw)
		if err != nil {
			if ws.onErr != nil {
				ws.onErr(err)
			}
			return
		}
		handler(d)
	}, opts...)
}

// SubscribeRaw is Subscribe with the drops as raw JSON (each handler call
// has its own copy).
func (ws *WebSocket) SubscribeRaw(ctx context.Context, flowIDOrPath string, handler func(core.WSDrop), opts ...SubscribeOption) (*Subscription, error) {
	if handler == nil {
		return nil, &core.InputError{Field: "handler", Reason: "must not be nil"}
	}
	var o subscribeOptions
	for _, opt := range opts {
		opt(&o)
	}
	ws.mu.Lock()
	ws.lastSub++
	s := &Subscription{ws: ws, id: ws.lastSub, resource: flowIDOrPath, handler: handler, onErr: o.onErr, done: make(chan struct{})}
	ws.subs[s.id] = s
	call, acts := ws.eng.Subscribe(flowIDOrPath, s.id, !o.noBackfill)
	ch := ws.wait(call)
	ws.apply(acts)
	ws.mu.Unlock()
	if r := ws.await(ctx, call, ch); r.err != nil {
		ws.mu.Lock()
		s.end(r.err)
		ws.mu.Unlock()
		return nil, r.err
	}
	return s, nil
}

// State is the connection's state: core.WSStatusConnecting,
// WSStatusOpen, WSStatusReconnecting or WSStatusClosed.
func (ws *WebSocket) State() string {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.eng.Status()
}

// Close stops the WebSocket: it stops reconnecting, fails calls in flight
// with a *ConnectionLostError wrapping ErrWebSocketClosed, ends every
// subscription and closes the socket. It waits for the WebSocket's I/O
// goroutines, including the socket's closing handshake (bounded by the
// Socket implementation), but not for a handler that is running. It always
// returns nil and may be called more than once.
func (ws *WebSocket) Close() error {
	ws.mu.Lock()
	ws.apply(ws.eng.Close())
	ws.mu.Unlock()
	ws.wg.Wait()
	return nil
}

// Done is closed when the WebSocket has stopped: after Close, or when the
// connection was lost and not re-established.
func (ws *WebSocket) Done() <-chan struct{} { return ws.done }

// Err is nil until Done is closed, and after Close; otherwise it says why
// the WebSocket stopped (a *ConnectionLostError).
func (ws *WebSocket) Err() error {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.err
}

// Resource is the flow id or path the subscription was made with.
func (s *Subscription) Resource() string { return s.resource }

// Close removes the subscription: its handler is not called for drops that
// arrive afterwards (a call already running may finish). When it was the
// last subscription of its flow, the unsubscribe frame is sent and Close
// returns its reply's error. Closing an ended subscription returns nil.
func (s *Subscription) Close(ctx context.Context) error {
	ws := s.ws
	ws.mu.Lock()
	call, acts := ws.eng.Unsubscribe(s.resource, s.id)
	s.end(nil)
	ch := ws.wait(call)
	ws.apply(acts)
	ws.mu.Unlock()
	return ws.await(ctx, call, ch).err
}

// Done is closed when the subscription ends: by Close, by the WebSocket
// stopping, or by the platform refusing the re-subscription after a reconnect.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err says why the subscription ended without Close (nil otherwise).
func (s *Subscription) Err() error {
	s.ws.mu.Lock()
	defer s.ws.mu.Unlock()
	return s.err
}

// end marks s ended; ws.mu must be held.
func (s *Subscription) end(err error) {
	if s.ws.subs[s.id] == s {
		delete(s.ws.subs, s.id)
	}
	select {
	case <-s.done:
	default:
		s.err = err
		close(s.done)
	}
}

func (s *Subscription) ended() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// wait registers the waiter of call; ws.mu must be held.
func (ws *WebSocket) wait(call core.WSCallID) chan wsResult {
	ch := make(chan wsResult, 1)
	ws.waiters[call] = ch
	return ch
}

// await waits for call's result or ctx; on ctx it cancels the call.
func (ws *WebSocket) await(ctx context.Context, call core.WSCallID, ch chan wsResult) wsResult {
	select {
	case r := <-ch:
		return r
	case <-ctx.Done():
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	select {
	case r := <-ch: // settled meanwhile
		return r
	default:
	}
	delete(ws.waiters, call)
	ws.apply(ws.eng.Cancel(call))
	return wsResult{err: ctx.Err()}
}

// apply carries out the engine's actions; ws.mu must be held. Nothing here
// blocks: I/O happens on the connection goroutines, user code on runTasks.
func (ws *WebSocket) apply(acts []core.WSAction) {
	for _, a := range acts {
		switch a := a.(type) {
		case *core.SendFrame:
			if c := ws.conn; c != nil {
				c.out = append(c.out, a.Frame)
				select {
				case c.wake <- struct{}{}:
				default:
				}
			}
		case *core.Deliver:
			if s := ws.subs[a.Handler]; s != nil {
				ws.enqueue(wsTask{sub: s, drop: a.Drop})
			}
		case *core.Release: // drops are passed by value here, never by ref
		case *core.Find:
			ws.find(a)
		case *core.CancelFind:
			if cancel := ws.finds[a.ID]; cancel != nil {
				cancel()
				delete(ws.finds, a.ID)
			}
		case *core.SettleReply:
			if ch := ws.waiters[a.Call]; ch != nil {
				delete(ws.waiters, a.Call)
				ch <- wsResult{body: a.Body, err: a.Err}
			}
		case *core.SetTimer:
			ws.setTimer(a.Timer, duration(a.AfterMs))
		case *core.CancelTimer:
			ws.stopTimer(a.Timer)
		case *core.OpenSession:
			ws.startAttempt(a.Request)
		case *core.CloseSocket:
			ws.dropConn()
		case *core.EndSubscription:
			if s := ws.subs[a.Handler]; s != nil {
				s.end(a.Err)
			}
		case *core.ReportError:
			t := wsTask{err: a.Err, sub: ws.subs[a.Handler]}
			if ws.onErr != nil || t.sub != nil && t.sub.onErr != nil {
				ws.enqueue(t)
			}
		case *core.Stopped:
			ws.dropConn()
			for _, s := range ws.subs {
				s.end(core.ErrWebSocketClosed)
			}
			ws.err = a.Err
			close(ws.done)
			ws.cancel()
		}
	}
}

// dropConn abandons the current socket or connection attempt; ws.mu must be held.
func (ws *WebSocket) dropConn() {
	ws.gen++
	if ws.attempt != nil {
		ws.attempt()
		ws.attempt = nil
	}
	if ws.conn != nil {
		close(ws.conn.stop) // the writer closes the socket gracefully…
		// …unless it is stuck writing to a peer that stopped reading (what
		// a heartbeat finds): then ending the socket's context frees it.
		time.AfterFunc(abandonGrace, ws.conn.cancel)
		ws.conn = nil
	}
}

// abandonGrace is how long an abandoned socket's writer may take to finish
// a write before the socket's context ends it.
const abandonGrace = time.Second

// wsTimer is one armed timer of the engine; a firing after it was
// stopped or replaced is ignored.
type wsTimer struct{ t *time.Timer }

func (ws *WebSocket) setTimer(t core.WSTimer, d time.Duration) {
	ws.stopTimer(t)
	w := &wsTimer{}
	ws.timers[t] = w
	w.t = time.AfterFunc(d, func() {
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if ws.timers[t] == w {
			delete(ws.timers, t)
			ws.apply(ws.eng.TimerFired(t))
		}
	})
}

func (ws *WebSocket) stopTimer(t core.WSTimer) {
	if w := ws.timers[t]; w != nil {
		w.t.Stop()
		delete(ws.timers, t)
	}
}

// startAttempt runs one connection attempt; ws.mu must be held.
func (ws *WebSocket) startAttempt(req core.Request) {
	ws.dropConn()
	ctx, cancel := context.WithCancel(ws.life)
	ws.attempt = cancel
	gen := ws.gen
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		defer cancel()
		sock, err := ws.connect(ctx, req)
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if gen != ws.gen { // abandoned meanwhile
			if sock != nil {
				sock.Close()
			}
			return
		}
		ws.attempt = nil
		if err != nil {
			ws.apply(ws.eng.Closed(err))
			return
		}
		// Not derived from ws.life: ending it first would make the socket
		// drop the connection instead of closing it with a handshake.
		cctx, ccancel := context.WithCancel(context.Background())
		c := &wsConn{sock: sock, ctx: cctx, cancel: ccancel, wake: make(chan struct{}, 1), stop: make(chan struct{})}
		ws.conn = c
		ws.wg.Add(2)
		go ws.readLoop(c)
		go ws.writeLoop(c)
		ws.apply(ws.eng.Opened())
		select {
		case <-ws.opened:
			if ws.onOpen != nil {
				ws.enqueue(wsTask{opened: true})
			}
		default:
			close(ws.opened)
		}
	}()
}

// find performs a Find over the transport, bounded by WSOptions.Timeout;
// ws.mu must be held.
func (ws *WebSocket) find(f *core.Find) {
	var ctx context.Context
	var cancel context.CancelFunc
	if ms := ws.eng.Settings().TimeoutMs; ms > 0 {
		ctx, cancel = context.WithTimeout(ws.life, duration(ms))
	} else {
		ctx, cancel = context.WithCancel(ws.life)
	}
	ws.finds[f.ID] = cancel
	ws.wg.Add(1)
	go func() {
		defer ws.wg.Done()
		defer cancel()
		status, body, err := ws.transport.Do(ctx, f.Request)
		var drops []core.WSDropInfo
		if err != nil {
			err = transportError(f.Request, err)
		} else {
			drops, err = core.DecodeFindResponse(f.Request, status, body)
		}
		ws.mu.Lock()
		defer ws.mu.Unlock()
		if _, wanted := ws.finds[f.ID]; wanted {
			delete(ws.finds, f.ID)
			ws.apply(ws.eng.FindDone(f.ID, drops, err))
		}
	}()
}

// connect creates a session and dials its socket.
func (ws *WebSocket) connect(ctx context.Context, req core.Request) (Socket, error) {
	status, body, err := ws.transport.Do(ctx, req)
	if err != nil {
		return nil, transportError(req, err)
	}
	id, err := core.DecodeSessionResponse(req, status, body)
	if err != nil {
		return nil, err
	}
	return ws.dialer.Dial(ctx, ws.cfg.SocketURL(id))
}

func (ws *WebSocket) readLoop(c *wsConn) {
	defer ws.wg.Done()
	for {
		frame, err := c.sock.Read(c.ctx)
		if err != nil {
			ws.lost(c, err)
			return
		}
		ws.mu.Lock()
		if ws.conn == c {
			ws.apply(ws.eng.FrameReceived(frame))
		}
		ws.mu.Unlock()
	}
}

// writeLoop writes c's frames in order and owns closing its socket: on
// stop it closes it (a graceful close unblocks the reader), then ends c.ctx.
func (ws *WebSocket) writeLoop(c *wsConn) {
	defer ws.wg.Done()
	defer c.cancel()
	defer c.sock.Close()
	for {
		ws.mu.Lock()
		frames := c.out
		c.out = nil
		ws.mu.Unlock()
		for _, f := range frames {
			if err := c.sock.Write(c.ctx, f); err != nil {
				ws.lost(c, err)
				return
			}
		}
		select {
		case <-c.wake:
		case <-c.stop:
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// lost reports the failure of c, unless it was abandoned already.
func (ws *WebSocket) lost(c *wsConn, err error) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	c.cancel()
	if ws.conn == c {
		ws.conn = nil
		ws.apply(ws.eng.Closed(err))
	}
}

// enqueue schedules a handler or OnError call; ws.mu must be held.
func (ws *WebSocket) enqueue(t wsTask) {
	ws.tasks = append(ws.tasks, t)
	if !ws.running {
		ws.running = true
		go ws.runTasks()
	}
}

// runTasks runs queued user callbacks in order, outside the lock, and exits
// when the queue is empty. It is not counted in wg: a handler may call Close.
func (ws *WebSocket) runTasks() {
	for {
		ws.mu.Lock()
		if len(ws.tasks) == 0 {
			ws.running = false
			ws.tasks = nil
			ws.mu.Unlock()
			return
		}
		t := ws.tasks[0]
		ws.tasks[0] = wsTask{}
		ws.tasks = ws.tasks[1:]
		ws.mu.Unlock()
		switch {
		case t.opened:
			ws.onOpen()
		case t.err != nil:
			if t.sub != nil && t.sub.onErr != nil && !t.sub.ended() {
				t.sub.onErr(t.err)
			}
			if ws.onErr != nil {
				ws.onErr(t.err)
			}
		case !t.sub.ended():
			// The drops of one push share their JSON: each call gets its own.
			t.drop.Value = slices.Clone(t.drop.Value)
			t.sub.handler(t.drop)
		}
	}
}

// DecodeDrop decodes a pushed drop. A push that is not a drop object fails
// with a *core.WSFrameError.
func DecodeDrop(raw core.WSDrop) (*Drop, error) {
	var d *Drop
	if err := decodeJSON(raw.Value, &d); err != nil || d == nil {
		reason := "pushed value is not a drop"
		if err != nil {
			reason += ": " + err.Error()
		}
		excerpt := raw.Value
		if len(excerpt) > 120 {
			excerpt = excerpt[:120]
		}
		return nil, &core.WSFrameError{Reason: reason, Excerpt: strings.ToValidUTF8(string(excerpt), "\uFFFD")}
	}
	return d, nil
}
