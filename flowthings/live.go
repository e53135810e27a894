package flowthings

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/filter/eval"
)

// LiveState is where a LiveQuery is.
type LiveState string

// The states of a LiveQuery.
const (
	// LiveCurrent: the drops are the newest matching drops, kept current
	// by pushes.
	LiveCurrent LiveState = "live"
	// LiveReconnecting: the query's own connection is being re-established;
	// the drops may be stale (a drop updated meanwhile is never pushed), and
	// are found again once it is open.
	LiveReconnecting LiveState = "reconnecting"
	// LiveResyncing: the drops are being found again (after an updated drop
	// left a full list, a gap in the pushes, or a reconnection); they may be
	// stale until the state is LiveCurrent again.
	LiveResyncing LiveState = "resyncing"
	// LiveClosed: the query has ended, by Close or by an error (see Err).
	LiveClosed LiveState = "closed"
)

// DefaultLiveLimit is how many drops a LiveQuery keeps unless told
// otherwise; MaxLiveLimit is the most it may keep, the platform's largest
// find.
const (
	DefaultLiveLimit = 100
	MaxLiveLimit     = 1000
)

// LiveOptions configures DropService.Live. Callbacks run one at a time, in
// the order of the changes they report, on a goroutine of the query; they
// may call any method of the query, Close included.
type LiveOptions struct {
	// Limit is how many drops the query keeps, newest first: 1 to
	// MaxLiveLimit, 0 means DefaultLiveLimit.
	Limit int
	// OnChange is called after every change of the drops with the new
	// list (newest first; it is never modified afterwards, so it may be
	// kept) and the drops new to it (an updated drop is replaced in place
	// and not among them).
	OnChange func(drops, added []*Drop)
	// OnError receives what goes wrong while the query runs: a pushed drop
	// that cannot be decoded, a failed find that is being retried, and the
	// error that ends the query.
	OnError func(error)
	// OnStateChange is called when State changes.
	OnStateChange func(LiveState)
	// WebSocket is a connection of the caller's to subscribe on; Close
	// leaves it open. Without it the query dials its own with Dialer
	// (reconnecting automatically) and Close closes it.
	WebSocket *WebSocket
	// Dialer opens the query's own connection when WebSocket is nil.
	Dialer Dialer
}

// LiveQuery is a live query: the newest drops of a flow that match a
// filter, kept current as drops are created and updated. See
// DropService.Live. Its methods are safe for concurrent use.
type LiveQuery struct {
	svc     *DropService
	filter  string        // the filter's text, "" for none
	prog    *eval.Program // nil matches every drop
	limit   int
	opts    LiveOptions
	ws      *WebSocket
	ownWS   bool
	sub     *Subscription
	life    context.Context // ends with the query; bounds its finds
	stop    context.CancelFunc
	changes chan []*Drop

	mu      sync.Mutex
	drops   []*Drop // newest first; replaced, never modified, on a change
	state   LiveState
	syncing bool          // a find is running: pushes wait in pending
	again   bool          // what pending held was lost: find once more
	pending []core.WSDrop // pushes that arrived during a find
	err     error
	done    chan struct{}
	tasks   []func() // callbacks to run, in order
	running bool     // a goroutine runs tasks
}

// maxPending bounds the pushes kept while a find runs; beyond it they are
// dropped and the query finds again, which sees them in the flow.
const maxPending = 10000

// Live starts a live query of the flow's drops: it subscribes to the flow,
// finds the newest opts.Limit drops matching f (a filter as FindMany takes
// it: text or a filter expression; nil for every drop), and from then on
// matches every pushed drop against f with the filter language's own
// evaluator (package filter/eval, as the emulator does), so that the query
// and a find agree. Drops() is the current list, newest first.
//
// A pushed drop that matches enters the list at its place by creationDate
// (the oldest leaves a full list); an updated drop is replaced in place, or
// removed when it no longer matches, and when that leaves a full list one
// short the query finds again. It also finds again after a gap in the
// subscription (a *core.GapError: drops created meanwhile may be missing)
// and, on its own connection, after the connection was lost (updates made
// meanwhile are not back-filled). Deleted drops are not pushed by the
// platform, so they stay until a find.
//
// ctx bounds the start only. Close ends the query. Errors: an *InputError
// for a bad filter, limit or missing connection; the subscription's and the
// find's errors.
func (d *DropService) Live(ctx context.Context, f any, opts *LiveOptions) (*LiveQuery, error) {
	q := &LiveQuery{svc: d, limit: DefaultLiveLimit, changes: make(chan []*Drop, 1), done: make(chan struct{})}
	if opts != nil {
		q.opts = *opts
	}
	if err := q.compile(f); err != nil {
		return nil, err
	}
	if d.FlowID() == "" {
		return nil, &core.InputError{Field: "flowId", Reason: "a live query needs the flow's id"}
	}
	if q.opts.WebSocket == nil && q.opts.Dialer == nil {
		return nil, &core.InputError{Field: "opts", Reason: "a live query needs a WebSocket or a Dialer"}
	}
	q.life, q.stop = context.WithCancel(context.WithoutCancel(ctx)) // outliving ctx, with its values
	q.ws = q.opts.WebSocket
	if q.ws == nil {
		ws, err := DialWebSocket(ctx, d.s.c.cfg, d.s.c.transport, q.opts.Dialer, &WSOptions{Reconnect: true, OnError: q.connectionError, onOpen: q.connectionOpened})
		if err != nil {
			q.stop()
			return nil, err
		}
		q.ws, q.ownWS = ws, true
	}
	// Subscribe first, so that no drop created meanwhile is missed: pushes
	// wait in pending until the find's result is in.
	q.syncing = true
	sub, err := q.ws.SubscribeRaw(ctx, d.FlowID(), q.push, OnSubscriptionError(q.subscriptionError))
	if err == nil {
		q.sub = sub
		var drops []*Drop
		if drops, err = q.find(ctx); err == nil {
			q.mu.Lock()
			q.state = LiveCurrent
			c := q.replace(drops)
			c.drops, c.added = false, nil // the caller has them: Drops()
			q.changes <- q.drops
			q.publish(c)
			go q.watch()
			return q, nil
		}
	}
	q.mu.Lock()
	q.end(err)
	q.mu.Unlock()
	if q.sub != nil && !q.ownWS {
		_ = q.sub.Close(ctx) // the find's error is the one that matters
	}
	q.release()
	return nil, err
}

// compile reads the limit and compiles the filter.
func (q *LiveQuery) compile(f any) error {
	switch l := q.opts.Limit; {
	case l == 0:
	case l < 1 || l > MaxLiveLimit:
		return &core.InputError{Field: "limit", Reason: "must be between 1 and 1000"}
	default:
		q.limit = l
	}
	text, err := core.FilterText(f)
	if err != nil || text == "" {
		return err
	}
	e, err := filter.Parse(text)
	if err == nil {
		q.prog, err = eval.Compile(e, eval.Options{})
	}
	if err != nil {
		reason := strings.TrimPrefix(strings.TrimPrefix(err.Error(), "filter: "), "eval: ")
		return &core.InputError{Field: "filter", Reason: reason, Err: err}
	}
	q.filter = text
	return nil
}

// Drops returns the current drops, newest first. The slice is the query's
// own but never modified: a change replaces it.
func (q *LiveQuery) Drops() []*Drop {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.drops
}

// State returns where the query is.
func (q *LiveQuery) State() LiveState {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.state
}

// Changes returns a channel of the drops after each change, starting with
// the drops Live found. It holds only the newest list: a reader that falls
// behind skips to it. It is closed when the query ends.
func (q *LiveQuery) Changes() <-chan []*Drop { return q.changes }

// Done is closed when the query has ended.
func (q *LiveQuery) Done() <-chan struct{} { return q.done }

// Err is nil while the query runs and after Close; otherwise it is the
// error that ended it: the subscription's (the flow was deleted, read
// permission withdrawn, the connection lost for good) or a find's that
// will not succeed by retrying.
func (q *LiveQuery) Err() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.err
}

// Close ends the query: it unsubscribes (ctx bounds that) and closes the
// connection the query opened itself. It returns the unsubscription's error
// and may be called more than once.
func (q *LiveQuery) Close(ctx context.Context) error {
	q.mu.Lock()
	ended := q.state == LiveClosed
	q.end(nil)
	q.publish(liveChange{state: !ended})
	if ended {
		return nil
	}
	var err error
	if !q.ownWS {
		err = q.sub.Close(ctx)
	}
	q.release()
	return err
}

// release stops what the query started.
func (q *LiveQuery) release() {
	q.stop()
	if q.ownWS {
		q.ws.Close()
	}
}

// end marks the query ended; q.mu must be held.
func (q *LiveQuery) end(err error) {
	if q.state == LiveClosed {
		return
	}
	q.state, q.err = LiveClosed, err
	q.pending = nil
	close(q.done)
}

// watch ends the query when its subscription ends.
func (q *LiveQuery) watch() {
	select {
	case <-q.sub.Done():
		err := q.sub.Err()
		if err == nil {
			err = core.ErrUnsubscribed
		}
		q.fail(err)
	case <-q.life.Done():
	}
}

// fail ends the query with err.
func (q *LiveQuery) fail(err error) {
	q.mu.Lock()
	if q.state == LiveClosed {
		q.mu.Unlock()
		return
	}
	q.end(err)
	q.publish(liveChange{state: true, errs: []error{err}})
	q.release()
}

// report passes an error that does not end the query to OnError.
func (q *LiveQuery) report(err error) {
	q.mu.Lock()
	q.publish(liveChange{errs: []error{err}})
}

// connectionError takes the errors of the query's own connection: a lost
// connection makes it LiveReconnecting. The subscription's gaps come
// through subscriptionError.
func (q *LiveQuery) connectionError(err error) {
	var gap *core.GapError
	if errors.As(err, &gap) {
		return
	}
	q.mu.Lock()
	c := liveChange{errs: []error{err}}
	// (Before Live has its first list, state is "": that find comes after.)
	if core.KindOf(err) == core.KindConnectionLost && q.state != LiveClosed && q.state != "" && q.state != LiveReconnecting {
		q.state, c.state = LiveReconnecting, true
	}
	q.publish(c)
}

// connectionOpened finds the drops again once the query's own connection
// is open again — not sooner: a drop updated between that find and the
// new socket would never be pushed (created ones are back-filled).
func (q *LiveQuery) connectionOpened() {
	q.mu.Lock()
	var c liveChange
	if q.state == LiveReconnecting {
		q.state, c.state = LiveResyncing, true
		q.resync()
	}
	q.publish(c)
}

// subscriptionError takes the errors of the subscription that do not end
// it: after a gap (drops created meanwhile may be missing) the drops are
// found again.
func (q *LiveQuery) subscriptionError(err error) {
	var gap *core.GapError
	q.errorResyncing(err, errors.As(err, &gap))
}

// errorResyncing reports err and, when resync, finds the drops again.
func (q *LiveQuery) errorResyncing(err error, resync bool) {
	q.mu.Lock()
	c := liveChange{errs: []error{err}}
	// (Before Live has its first list, state is "": that find comes after.)
	if resync && q.state != LiveClosed && q.state != "" && q.state != LiveReconnecting {
		c.state = q.resync()
	}
	q.publish(c)
}

// find runs the query's find, for typed elems as pushes have them.
func (q *LiveQuery) find(ctx context.Context) ([]*Drop, error) {
	var filters []any
	if q.filter != "" {
		filters = append(filters, q.filter)
	}
	drops, _, err := q.svc.FindMany(ctx, core.Params{"limit": q.limit, "hints": true}, filters...)
	return drops, err
}

// push takes a pushed drop (on the WebSocket's handler goroutine).
func (q *LiveQuery) push(raw core.WSDrop) {
	q.mu.Lock()
	switch {
	case q.state == LiveClosed:
		q.mu.Unlock()
	case q.syncing:
		if len(q.pending) < maxPending {
			q.pending = append(q.pending, raw)
		} else {
			q.pending, q.again = nil, true
		}
		q.mu.Unlock()
	default:
		q.publish(q.apply(raw))
	}
}

// liveChange is what one event changed, for the callbacks.
type liveChange struct {
	drops bool    // the list changed
	added []*Drop // drops new to it
	state bool    // the state changed
	errs  []error // for OnError
}

// apply matches one pushed drop and updates the list; q.mu must be held.
func (q *LiveQuery) apply(raw core.WSDrop) liveChange {
	var obj map[string]any
	if err := decodeJSON(raw.Value, &obj); err != nil || obj == nil {
		_, err := DecodeDrop(raw) // the same error as a subscription's
		return liveChange{errs: []error{err}}
	}
	id, _ := obj["id"].(string)
	at := -1
	for i, d := range q.drops {
		if d.GetID() == id {
			at = i
			break
		}
	}
	if !q.prog.Match(obj) {
		if at < 0 {
			return liveChange{}
		}
		full := len(q.drops) == q.limit
		q.drops = without(q.drops, at)
		// In a full list, the drop that now belongs last is unknown.
		return liveChange{drops: true, state: full && q.resync()}
	}
	d, err := DecodeDrop(raw)
	if err != nil {
		return liveChange{errs: []error{err}}
	}
	if at >= 0 {
		if older(d, q.drops[at]) {
			return liveChange{} // a late copy of an earlier version
		}
		drops := append([]*Drop(nil), q.drops...)
		drops[at] = d
		q.drops = drops
		return liveChange{drops: true}
	}
	i := insertAt(q.drops, d)
	if i >= q.limit {
		return liveChange{} // older than every drop of a full list
	}
	drops := make([]*Drop, 0, min(len(q.drops)+1, q.limit))
	drops = append(append(append(drops, q.drops[:i]...), d), q.drops[i:min(len(q.drops), q.limit-1)]...)
	q.drops = drops
	return liveChange{drops: true, added: []*Drop{d}}
}

// without returns drops without its i-th element, as a new slice.
func without(drops []*Drop, i int) []*Drop {
	return append(append(make([]*Drop, 0, len(drops)-1), drops[:i]...), drops[i+1:]...)
}

// insertAt is where d belongs in drops, newest first by creationDate: before
// the first drop created no later than it (a drop arriving later is newer
// among equals, as the platform sorts them).
func insertAt(drops []*Drop, d *Drop) int {
	for i, x := range drops {
		if x.GetCreationDate() <= d.GetCreationDate() {
			return i
		}
	}
	return len(drops)
}

// older reports whether a is an earlier version of the drop than b.
func older(a, b *Drop) bool {
	if a.GetVersion() != b.GetVersion() {
		return a.GetVersion() < b.GetVersion()
	}
	return a.GetLastEditDate() < b.GetLastEditDate()
}

// replace makes found the list and applies the pushes that arrived during
// the find; q.mu must be held. It finds again when pushes were lost or one
// of them emptied a place in a full list.
func (q *LiveQuery) replace(found []*Drop) liveChange {
	before := make(map[string]bool, len(q.drops))
	for _, d := range q.drops {
		before[d.GetID()] = true
	}
	state := q.state
	q.drops = found[:min(len(found), q.limit)]
	pending := q.pending
	q.syncing, q.pending = false, nil
	c := liveChange{drops: true}
	for i, raw := range pending {
		c.errs = append(c.errs, q.apply(raw).errs...)
		if q.syncing { // another find started: the rest waits for it
			q.pending = append(q.pending, pending[i+1:]...)
			break
		}
	}
	if q.again && !q.syncing {
		q.again = false
		q.resync()
	}
	if !q.syncing && q.state != LiveReconnecting { // (lost during the find: it finds again once open)
		q.state = LiveCurrent
	}
	c.state = q.state != state
	for _, d := range q.drops {
		if !before[d.GetID()] {
			c.added = append(c.added, d)
		}
	}
	return c
}

// resync starts a find that replaces the list, unless one is running (then
// that one finds again); q.mu must be held. It reports whether the state
// changed.
func (q *LiveQuery) resync() bool {
	if q.syncing {
		q.again = true
		return false
	}
	q.syncing = true
	changed := q.state != LiveResyncing
	q.state = LiveResyncing
	go q.refind()
	return changed
}

// Retry delays of a failing find.
const (
	liveRetryMin = 500 * time.Millisecond
	liveRetryMax = 30 * time.Second
)

// refind finds again until it succeeds, the query ends, or the failure is
// one retrying cannot mend (4xx).
func (q *LiveQuery) refind() {
	delay := liveRetryMin
	for {
		drops, err := q.find(q.life)
		if q.life.Err() != nil {
			return
		}
		if err != nil {
			if permanent(err) {
				q.fail(err)
				return
			}
			q.report(err)
			select {
			case <-time.After(delay):
			case <-q.life.Done():
				return
			}
			delay = min(2*delay, liveRetryMax)
			continue
		}
		q.mu.Lock()
		if q.state == LiveClosed {
			q.mu.Unlock()
			return
		}
		q.publish(q.replace(drops))
		return
	}
}

// permanent reports whether a find's error will not go away by retrying.
func permanent(err error) bool {
	switch core.KindOf(err) {
	case core.KindBadRequest, core.KindForbidden, core.KindNotFound, core.KindInput, core.KindUnsupported:
		return true
	}
	return false
}

// publish records c for Changes and queues its callbacks, then releases
// q.mu. The callbacks run on one goroutine at a time, in order, outside the
// lock, so they may call the query's methods.
func (q *LiveQuery) publish(c liveChange) {
	drops, state := q.drops, q.state
	if c.drops {
		select { // keep only the newest list
		case <-q.changes:
		default:
		}
		q.changes <- drops
	}
	if c.state && state == LiveClosed {
		close(q.changes)
	}
	o := q.opts
	for _, err := range c.errs {
		if o.OnError != nil {
			q.tasks = append(q.tasks, func() { o.OnError(err) })
		}
	}
	if c.state && o.OnStateChange != nil {
		q.tasks = append(q.tasks, func() { o.OnStateChange(state) })
	}
	if c.drops && o.OnChange != nil {
		q.tasks = append(q.tasks, func() { o.OnChange(drops, c.added) })
	}
	if len(q.tasks) > 0 && !q.running {
		q.running = true
		go q.runTasks()
	}
	q.mu.Unlock()
}

// runTasks runs the queued callbacks until none is left.
func (q *LiveQuery) runTasks() {
	for {
		q.mu.Lock()
		if len(q.tasks) == 0 {
			q.running, q.tasks = false, nil
			q.mu.Unlock()
			return
		}
		task := q.tasks[0]
		q.tasks[0] = nil
		q.tasks = q.tasks[1:]
		q.mu.Unlock()
		task()
	}
}
