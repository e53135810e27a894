package core

// Subscriptions, and how those with backfill deliver every drop exactly
// once.
//
// A resource is one flow id or path subscribed on the server, shared by
// every subscription to it. A subscription belongs to one handler.
//
// Exactly once rests on the platform's clock alone: drops are delivered in
// the order of their creationDate, and a subscription keeps a mark — the
// newest creationDate it has accounted for, and the ids of the drops of
// that millisecond it has accounted for. A drop is new when it is newer
// than the mark, or of the mark's millisecond and not among its ids. This
// assumes what the platform (and the emulator) guarantees: the drops of a
// flow are pushed in creation order, and their creationDate never
// decreases from one to the next. The client's clock is never used.
//
//   - Start: when the platform confirms a new subscription, the engine
//     finds the ids of the newest drops of the flow (paging through every
//     drop of the newest millisecond) and marks them: they and everything
//     older predate the subscription, and are never delivered. Subscribe
//     settles then; pushes that arrived meanwhile are held and then
//     delivered unless marked.
//   - After a reconnect, once the re-subscribe is confirmed, the engine
//     finds the drops created at or after the mark, oldest first, page by
//     page, delivers the new ones, then the pushes it held meanwhile (new
//     ones only), and goes on with pushes.
//   - The marked drops are the proof that nothing was lost: when back-fill
//     does not find one of them, the platform removed them (capacity or
//     time to live), and with them perhaps drops that were never
//     delivered: the subscription reports a *GapError. So it does when the
//     finds keep failing.
//
// Pushes of changes to drops (an update; version > 0) are delivered as they
// come, unless they carry a drop not delivered yet, which they then
// deliver. Subscriptions without backfill deliver every push as it comes.

type wsResState int

const (
	wsResIdle    wsResState = iota // to subscribe when the socket opens
	wsResPending                   // subscribe frame sent
	wsResActive                    // subscribed on this socket
)

type wsResource struct {
	key      string
	state    wsResState
	reply    []byte                 // the body of the subscribe reply on this socket
	subs     map[WSHandlerID]*wsSub // the subscriptions sharing it
	retry    bool                   // a transient refusal: subscribe again on the retry timer
	failures int                    // transient refusals in a row
}

func (r *wsResource) handlers() []WSHandlerID { return sortedKeys(r.subs) }

type wsPhase int

const (
	wsWaiting     wsPhase = iota // for the resource to be confirmed on the current socket
	wsStarting                   // finding the newest drops: the start of a new subscription
	wsBackfilling                // finding what was missed while the socket was down
	wsLive                       // delivering pushes
)

// wsSub is one handler's subscription.
type wsSub struct {
	res      *wsResource
	handler  WSHandlerID
	backfill bool
	calls    []WSCallID // Subscribe calls waiting for the start
	started  bool       // Subscribe settled successfully: drops may have been delivered
	phase    wsPhase

	mark wsMark // what has been accounted for (with backfill)

	// The find in progress, or to retry (retry set).
	find     WSFindID
	retry    bool
	cursor   wsCursor
	failures int   // finds that failed in a row
	lastErr  error // the last one's error

	// Back-fill: what must be found again (the mark when it started), and
	// whether it was.
	boundary wsMark
	verified bool
	gap      *GapError // reported, with its end, before the next drop

	held []wsHeld // pushes that arrived while starting or back-filling
}

// wsHeld is a push a subscription holds. The subscriptions holding one
// push share its count, so that its Ref is released once, by the last.
type wsHeld struct {
	drop    WSDropInfo
	holders *int
}

// wsMark is the newest creationDate accounted for and the ids of that
// millisecond's drops; unset, nothing is (the flow was empty at the start).
// shared says a back-fill's boundary holds ids too: the next millisecond
// gets a map of its own instead of emptying this one.
type wsMark struct {
	set    bool
	cd     int64
	ids    map[string]bool
	shared bool
}

// done reports whether d is accounted for already.
func (m *wsMark) done(d *WSDropInfo) bool {
	return m.set && (d.CreationDate < m.cd || d.CreationDate == m.cd && m.ids[d.ID])
}

// add accounts for d.
//
//go:noinline
func (m *wsMark) add(d *WSDropInfo) {
	switch {
	case !m.set || d.CreationDate > m.cd:
		if m.ids == nil || m.shared {
			m.ids, m.shared = map[string]bool{}, false
		}
		for id := range m.ids { // a new millisecond: the last one's ids go
			delete(m.ids, id)
		}
		m.set, m.cd = true, d.CreationDate
		m.ids[d.ID] = true
	case d.CreationDate == m.cd:
		m.ids[d.ID] = true
	}
}

// Subscribe subscribes handler to the drops of a flow, named by its id or,
// when resource starts with "/", by its path. The first subscription of a
// resource sends the subscribe frame (or waits for the socket); later ones,
// of any handler, share it.
//
// With backfill, the call settles once the subscription has its start
// (see above): every drop created in the flow afterwards is delivered
// exactly once, in creation order, across reconnects; none created before.
// Without, it settles when the platform confirms, and every push is
// delivered as it comes; what is pushed while the socket is down is lost.
//
// A refusal (404 unknown flow, 403 no permission) settles the call with
// the typed error and removes the subscription. Transient failures (a 5xx,
// a lost socket, a failed find) are retried with backoff; a Subscribe whose
// finds fail BackfillAttempts times in a row fails with the last error.
// Subscribing a handler again to the same resource joins its subscription;
// a handler subscribes to one resource only.
func (e *WSEngine) Subscribe(resource string, handler WSHandlerID, backfill bool) (WSCallID, []WSAction) {
	call := e.newCall()
	if e.state == WSStopped {
		return call, e.stoppedReply(call)
	}
	if resource == "" {
		return call, []WSAction{&SettleReply{Call: call, Err: &InputError{Field: "resource", Reason: "must be a flow id or a path"}}}
	}
	s := e.subs[handler]
	if s != nil {
		switch {
		case s.res.key != resource:
			return call, []WSAction{&SettleReply{Call: call, Err: &InputError{Field: "handler",
				Reason: "is subscribed to " + quote(s.res.key) + " already; a handler subscribes to one flow"}}}
		case s.started:
			return call, []WSAction{&SettleReply{Call: call, Body: s.res.replyBody()}}
		}
		s.calls = append(s.calls, call)
		e.byCall[call] = wsCallRef{handler: handler}
		return call, nil
	}
	r := e.resources[resource]
	if r == nil {
		r = &wsResource{key: resource, subs: map[WSHandlerID]*wsSub{}}
		e.resources[resource] = r
	}
	s = &wsSub{res: r, handler: handler, backfill: backfill, calls: []WSCallID{call}}
	r.subs[handler] = s
	e.subs[handler] = s
	e.byCall[call] = wsCallRef{handler: handler}
	switch {
	case r.state == wsResActive:
		return call, e.activate(nil, s)
	case e.state == WSOpen && r.state == wsResIdle && !r.retry:
		return call, e.subscribeResource(nil, r)
	}
	return call, nil
}

func (r *wsResource) replyBody() []byte {
	if r.reply == nil {
		return []byte("{}")
	}
	return r.reply
}

func (e *WSEngine) subscribeResource(out []WSAction, r *wsResource) []WSAction {
	r.state, r.retry = wsResPending, false
	return e.request(out, wsKindSubscribe, newSubRequest("subscribe", r.key), 0, r)
}

// subscribed applies the reply to the subscribe of r. (When r was
// unsubscribed meanwhile, nothing happens.)
func (e *WSEngine) subscribed(out []WSAction, r *wsResource, body []byte, err error) []WSAction {
	if e.resources[r.key] != r {
		return out
	}
	switch {
	case err == nil:
		r.state, r.reply, r.failures = wsResActive, body, 0
		for _, h := range r.handlers() {
			out = e.activate(out, r.subs[h])
		}
	case permanentError(err):
		// Refused: a subscription that started ends, a Subscribe fails;
		// nothing is subscribed to unsubscribe.
		r.state = wsResIdle
		for _, h := range r.handlers() {
			out = e.end(out, r.subs[h], err)
		}
	default:
		// Transient (a 5xx): subscribe again later. A Subscribe still
		// waiting for its start gives up after as many tries as a find.
		r.state, r.retry = wsResIdle, true
		r.failures++
		out = append(out, &ReportError{Err: err})
		for _, h := range r.handlers() {
			if s := r.subs[h]; !s.started && r.failures >= e.opts.BackfillAttempts {
				out = e.end(out, s, err)
			}
		}
		if e.resources[r.key] == r {
			out = e.armRetry(out, r.failures)
		}
	}
	return out
}

// end ends s for good: a subscription that started gets EndSubscription,
// a Subscribe still waiting fails with err.
func (e *WSEngine) end(out []WSAction, s *wsSub, err error) []WSAction {
	out = e.settleCalls(out, s, nil, err)
	if s.started {
		out = append(out, &EndSubscription{Resource: s.res.key, Handler: s.handler, Err: err})
	}
	out, _ = e.dropSub(out, s, 0)
	return out
}

// activate goes on with s once its resource is subscribed on this socket.
func (e *WSEngine) activate(out []WSAction, s *wsSub) []WSAction {
	switch {
	case !s.backfill:
		s.phase = wsLive
		return e.start(out, s)
	case !s.started:
		s.phase = wsStarting
		s.mark = wsMark{}
		s.cursor = wsCursor{}
		return e.findPage(out, s)
	}
	s.phase = wsBackfilling
	// The ids are shared: what back-fill adds at the boundary's
	// millisecond it has found anyway.
	s.boundary = s.mark
	s.mark.shared = true
	s.verified = len(s.boundary.ids) == 0
	s.cursor = wsCursor{dated: s.mark.set, cd: s.mark.cd}
	return e.findPage(out, s)
}

// start settles the Subscribe calls of s: the subscription has started.
func (e *WSEngine) start(out []WSAction, s *wsSub) []WSAction {
	s.started = true
	return e.settleCalls(out, s, s.res.replyBody(), nil)
}

// suspend stops what s was doing on a socket that is gone: its find is
// abandoned and the pushes it held are dropped (the next back-fill finds
// them again).
func (e *WSEngine) suspend(out []WSAction, s *wsSub) []WSAction {
	s.phase, s.retry = wsWaiting, false
	if s.find != 0 {
		out = append(out, &CancelFind{ID: s.find})
		s.find = 0
	}
	return e.dropHeld(out, s)
}

func (e *WSEngine) dropHeld(out []WSAction, s *wsSub) []WSAction {
	held := s.held
	s.held = nil
	for _, h := range held {
		out = unhold(out, h)
	}
	return out
}

// settleCalls settles the Subscribe calls waiting on s.
//
//go:noinline
func (e *WSEngine) settleCalls(out []WSAction, s *wsSub, body []byte, err error) []WSAction {
	for _, c := range s.calls {
		out = e.settle(out, c, body, err)
	}
	s.calls = nil
	return out
}

// Unsubscribe ends handler's subscription to resource at once: no Deliver
// for it follows. Its Subscribe calls that have not settled yet settle with
// ErrUnsubscribed. When it was the resource's last subscription and the
// socket is open, the unsubscribe frame is sent and the call settles with
// its reply; otherwise the call settles at once, without error.
func (e *WSEngine) Unsubscribe(resource string, handler WSHandlerID) (WSCallID, []WSAction) {
	call := e.newCall()
	s := e.subs[handler]
	if s == nil || s.res.key != resource {
		return call, []WSAction{&SettleReply{Call: call, Body: []byte("{}")}}
	}
	out := e.settleCalls(nil, s, nil, ErrUnsubscribed)
	out, sent := e.dropSub(out, s, call)
	if !sent {
		out = append(out, &SettleReply{Call: call, Body: []byte("{}")})
	}
	return call, out
}

// dropSub removes a subscription; when it was its resource's last and the
// resource is subscribed (or being subscribed) on the open socket, it sends
// the unsubscribe frame on behalf of call (0: nobody waits) and reports
// sent.
func (e *WSEngine) dropSub(out []WSAction, s *wsSub, call WSCallID) ([]WSAction, bool) {
	out = e.suspend(out, s)
	for _, c := range s.calls {
		delete(e.byCall, c)
	}
	s.calls = nil
	r := s.res
	delete(r.subs, s.handler)
	delete(e.subs, s.handler)
	if len(r.subs) > 0 || e.resources[r.key] != r {
		return out, false
	}
	delete(e.resources, r.key)
	if r.state == wsResIdle || e.state != WSOpen {
		return out, false
	}
	// Never "type":"subscribe" here (the browser client's bug).
	return e.request(out, wsKindUnsubscribe, newSubRequest("unsubscribe", r.key), call, nil), true
}

// push offers a pushed drop to every subscription of its resource (the
// flow id), of the drop's flowId and of its path: delivered, held until the
// subscription has started or back-filled, or dropped as accounted for
// already (or, with backfill, before the resource is subscribed: back-fill
// will find it).
func (e *WSEngine) push(out []WSAction, resource string, d WSDropInfo) []WSAction {
	var few [4]WSHandlerID
	hs := few[:0]
	for i, key := range [...]string{resource, d.FlowID, d.Path} {
		if key == "" || i > 0 && key == resource || i == 2 && key == d.FlowID {
			continue
		}
		if r := e.resources[key]; r != nil {
			for h := range r.subs {
				hs = append(hs, h)
			}
		}
	}
	sortSmall(hs)
	start := len(out)
	var holders *int
	for _, h := range hs {
		switch s := e.subs[h]; {
		case s.phase == wsLive || !s.backfill:
			out = e.accept(out, s, &d)
		case (s.phase == wsStarting || s.phase == wsBackfilling) && len(s.held) >= maxHeld:
			out = e.overflow(out, s)
			if e.subs[h] == s { // back-filling: live from this drop on
				out = e.accept(out, s, &d)
			}
		case s.phase == wsStarting || s.phase == wsBackfilling:
			if holders == nil {
				holders = new(int)
			}
			s.held = append(s.held, wsHeld{drop: d, holders: holders})
			*holders++
		}
	}
	if holders != nil {
		return out
	}
	return released(out, start, d.Ref)
}

// maxHeld bounds the pushes one subscription holds while it starts or
// back-fills (their data stays with the driver): a flow that busy while the
// finds keep failing would otherwise grow them for minutes.
const maxHeld = 10_000

// overflow ends what s was catching up with when more than maxHeld pushes
// arrived meanwhile: a back-fill is given up for a gap (s goes live with the
// next push); a start ends the subscription, with the same error.
func (e *WSEngine) overflow(out []WSAction, s *wsSub) []WSAction {
	if s.phase == wsStarting {
		return e.end(out, s, newGap(s, "more than 10000 drops were pushed before its start was found", nil))
	}
	out = e.suspend(out, s)
	s.gap = newGap(s, "more than 10000 drops were pushed while back-filling", nil)
	s.phase = wsLive
	return out
}

// accept delivers d to s unless s accounted for it already.
func (e *WSEngine) accept(out []WSAction, s *wsSub, d *WSDropInfo) []WSAction {
	if s.backfill && d.dated() {
		if s.mark.done(d) {
			if !d.updated() {
				return out // delivered already, or older than the subscription
			}
		} else {
			s.mark.add(d)
			if s.gap != nil {
				out = e.reportGap(out, s, d.CreationDate)
			}
		}
	}
	drop := WSDrop{Resource: d.FlowID, Value: d.Value, Ref: d.Ref}
	if drop.Resource == "" {
		drop.Resource = s.res.key
	}
	return append(out, &Deliver{Handler: s.handler, Drop: drop})
}

// reportGap reports the gap s found, which ends where the drop created at
// to is; to 0 says it is not known.
func (e *WSEngine) reportGap(out []WSAction, s *wsSub, to int64) []WSAction {
	gap := s.gap
	s.gap = nil
	gap.To = to
	return append(out, &ReportError{Err: gap, Resource: s.res.key, Handler: s.handler})
}

// release emits Release for a drop the driver passed by Ref.
//
//go:noinline
func release(out []WSAction, ref uint64) []WSAction {
	if ref == 0 {
		return out
	}
	return append(out, &Release{Ref: ref})
}

// released ends the engine's use of ref, whose actions begin at out[start]:
// its last Deliver is marked Last, or a Release follows when there is none.
//
//go:noinline
func released(out []WSAction, start int, ref uint64) []WSAction {
	if ref == 0 {
		return out
	}
	for i := len(out) - 1; i >= start; i-- {
		if d, ok := out[i].(*Deliver); ok && d.Drop.Ref == ref {
			d.Last = true
			return out
		}
	}
	return append(out, &Release{Ref: ref})
}

// unhold drops one hold of a held push, and releases it when it was the
// last.
//
//go:noinline
func unhold(out []WSAction, h wsHeld) []WSAction {
	if *h.holders--; *h.holders > 0 {
		return out
	}
	return release(out, h.drop.Ref)
}

// unheld is unhold after h was offered to its holder: the actions from
// out[start] on are its.
func unheld(out []WSAction, start int, h wsHeld) []WSAction {
	if *h.holders--; *h.holders > 0 {
		return out
	}
	return released(out, start, h.drop.Ref)
}

// findPage asks for the next page of the find of s.
func (e *WSEngine) findPage(out []WSAction, s *wsSub) []WSAction {
	kind := findKindFill
	if s.phase == wsStarting {
		kind = findKindAnchor
	}
	req, err := e.findRequest(s.res.key, kind, s.cursor)
	if err != nil { // a resource no find can name: as a refusal
		return e.end(out, s, err)
	}
	e.lastFind++
	s.find, s.retry = e.lastFind, false
	return append(out, &Find{ID: s.find, Request: req})
}

// FindDone reports the outcome of a Find: the drops of its response, in
// order (see DecodeFindResponse), or the error that prevented it — the
// transport's, or the typed error of the response. Every Ref among the
// drops is released once the engine is done with it. The outcome of a
// find the engine no longer wants is ignored.
func (e *WSEngine) FindDone(id WSFindID, drops []WSDropInfo, err error) []WSAction {
	var s *wsSub
	for _, sub := range e.subs { // few: no index worth its code in the module
		if sub.find == id && id != 0 {
			s = sub
		}
	}
	if s != nil && err == nil && s.phase == wsBackfilling {
		err = checkFound(drops)
	}
	if s == nil || err != nil {
		var out []WSAction
		for i := range drops {
			out = release(out, drops[i].Ref)
		}
		if s == nil {
			return out
		}
		s.find = 0
		return e.findFailed(out, s, err)
	}
	s.find = 0
	s.failures, s.lastErr = 0, nil
	if s.phase == wsStarting {
		return e.startPage(nil, s, drops)
	}
	return e.fillPage(nil, s, drops)
}

// checkFound refuses a page of back-fill whose drops lack what
// exactly-once needs (the start only marks the drops it can).
func checkFound(drops []WSDropInfo) error {
	for i := range drops {
		if !drops[i].dated() {
			return &MalformedResponseError{Method: "GET", Path: "/drop", Reason: "a drop of the find has no id or creationDate"}
		}
	}
	return nil
}

// findFailed handles a failed find of s: a refusal ends it; anything else
// is retried with backoff, up to BackfillAttempts times in a row.
func (e *WSEngine) findFailed(out []WSAction, s *wsSub, err error) []WSAction {
	if permanentError(err) {
		return e.end(out, s, err)
	}
	s.failures++
	s.lastErr = err
	if s.failures < e.opts.BackfillAttempts {
		s.retry = true
		out = append(out, &ReportError{Err: err})
		return e.armRetry(out, s.failures)
	}
	if s.phase == wsStarting {
		return e.end(out, s, err)
	}
	// Back-filling keeps failing: what it was to fetch is lost to s.
	s.failures = 0
	s.gap = newGap(s, "back-filling kept failing", err)
	return e.goLive(out, s)
}

// startPage takes a page of the newest drops: every drop of the newest
// millisecond is marked, paging on while a whole page is of that
// millisecond. Then s starts.
func (e *WSEngine) startPage(out []WSAction, s *wsSub, drops []WSDropInfo) []WSAction {
	for i := range drops {
		d := &drops[i]
		if !d.dated() { // nothing to mark it by: not a drop of the platform's
			out = release(out, d.Ref)
			continue
		}
		if !s.mark.set {
			s.mark = wsMark{set: true, cd: d.CreationDate, ids: map[string]bool{}}
		}
		if d.CreationDate == s.mark.cd {
			s.mark.ids[d.ID] = true
		}
		out = release(out, d.Ref)
	}
	if n := len(drops); n == e.opts.BackfillPage && drops[n-1].CreationDate == s.mark.cd {
		s.cursor = wsCursor{dated: true, cd: s.mark.cd, start: s.cursor.start + n}
		return e.findPage(out, s)
	}
	out = e.start(out, s)
	return e.goLive(out, s)
}

// fillPage takes a page of back-fill: it checks for the boundary, delivers
// the new drops, and asks for the next page until a short page, or one
// that reaches the pushes held meanwhile.
func (e *WSEngine) fillPage(out []WSAction, s *wsSub, drops []WSDropInfo) []WSAction {
	// The first creation held arrived on the new socket: back-fill has
	// reached what is pushed when it finds that drop. (A held update may be
	// of any older drop.)
	firstHeld := ""
	for _, h := range s.held {
		if !h.drop.updated() {
			firstHeld = h.drop.ID
			break
		}
	}
	caughtUp := false
	for i := range drops {
		d := &drops[i]
		if !s.verified {
			switch {
			case d.CreationDate == s.boundary.cd && s.boundary.ids[d.ID]:
				s.verified = true
			case d.CreationDate > s.boundary.cd:
				s.verified = true
				s.gap = newGap(s, evicted, nil)
				out = e.reportGap(out, s, d.CreationDate)
			}
		}
		caughtUp = caughtUp || firstHeld != "" && d.ID == firstHeld
		start := len(out)
		if !s.mark.done(d) { // found again, even if changed since: changes are pushed, never back-filled
			out = e.accept(out, s, d)
		}
		out = released(out, start, d.Ref)
	}
	n := len(drops)
	if n == e.opts.BackfillPage && !caughtUp {
		last := drops[n-1].CreationDate
		if s.cursor.dated && last == s.cursor.cd {
			s.cursor.start += n
		} else {
			s.cursor = wsCursor{dated: true, cd: last}
			for i := n - 1; i >= 0 && drops[i].CreationDate == last; i-- {
				s.cursor.start++
			}
		}
		return e.findPage(out, s)
	}
	if !s.verified {
		s.gap = newGap(s, evicted, nil)
	}
	return e.goLive(out, s)
}

// newGap is the gap of s from its boundary on.
func newGap(s *wsSub, reason string, err error) *GapError {
	return &GapError{Resource: s.res.key, From: s.boundary.cd, Reason: reason, Err: err}
}

const evicted = "the flow no longer holds the drops delivered last (its capacity or time to live removed them)"

// goLive delivers what s held, new drops only, and goes on with pushes.
func (e *WSEngine) goLive(out []WSAction, s *wsSub) []WSAction {
	s.phase = wsLive
	held := s.held
	s.held = nil
	for _, h := range held {
		start := len(out)
		out = e.accept(out, s, &h.drop)
		out = unheld(out, start, h)
	}
	return out
}

// armRetry arms the retry timer, for the nth failure in a row of something
// it retries; an earlier arming stands, whatever its delay.
func (e *WSEngine) armRetry(out []WSAction, n int) []WSAction {
	if e.armed[WSTimerRetry] {
		return out
	}
	return e.setTimer(out, WSTimerRetry, e.backoff(n))
}

// retry subscribes again the resources and finds again for the
// subscriptions that failed transiently.
func (e *WSEngine) retry() []WSAction {
	var out []WSAction
	for _, key := range e.sortedResources() {
		if r := e.resources[key]; r.retry && r.state == wsResIdle {
			out = e.subscribeResource(out, r)
		}
	}
	for _, h := range sortedKeys(e.subs) {
		if s := e.subs[h]; s.retry {
			out = e.findPage(out, s)
		}
	}
	return out
}
