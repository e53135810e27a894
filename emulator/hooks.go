package emulator

import (
	"sync"
	"time"
)

// This file is where other layers plug in. All listeners run synchronously,
// in the order the state changes happened (one global order across flows),
// after the state lock has been released: they may read the emulator (call
// e.execute with a GET, e.readFlow, …) but must not write to it
// synchronously (a write from inside a listener would wait for its own turn
// behind the listener and deadlock). They should be quick: a slow listener
// delays every writer. A listener that panics is recovered and logged.
//
//   - WebSocket push (§8): AddDropListener; push ev.Render(true) to every
//     subscriber of ev.FlowID (or ev.Path) whose session may read it.
//   - Statistics (§3.14): flowDropAdded ← DropEvent{Kind: DropCreated}
//     (ev.Tracked tells a track copy, which also feeds flowTracked);
//     dropCreatedBy ← ev.Drop["creatorId"]; trackHit/trackPass ←
//     AddTrackListener; apiCallByIdentity ← AddCallListener (one event per
//     authenticated operation, REST or WebSocket, since both go through
//     execute).

// DropEventKind tells what happened to a drop.
type DropEventKind string

const (
	// DropCreated: a drop was stored, or accepted by a capacity-0 flow
	// (ev.Stored false), directly or as a track copy.
	DropCreated DropEventKind = "create"
	// DropUpdated: a stored drop was updated.
	DropUpdated DropEventKind = "update"
)

// DropEvent describes one created or updated drop.
type DropEvent struct {
	Kind    DropEventKind
	Account string // the flow's namespace (account)
	FlowID  string
	Path    string // the flow's path
	// Drop is the stored form: elems typed ({type,value}, recursively).
	// It is not the store's (drops are stored encoded) and is shared by
	// all listeners: they must not modify it.
	Drop map[string]any
	// Stored is false when a capacity-0 flow accepted the drop without
	// storing it.
	Stored bool
	// Tracked is true for a copy made by a track; TrackID names it.
	Tracked bool
	TrackID string
	Time    time.Time
}

// Render returns the drop as REST and WebSocket clients see it: typed elems
// when hints is true (v0.1 default), plain JSON values otherwise.
func (ev DropEvent) Render(hints bool) map[string]any {
	return renderDrop(ev.Drop, hints)
}

// TrackEvent is fired for every drop that reaches an enabled track (a
// "hit"); Passed tells whether it also matched the track's filter (a "pass")
// and was copied on.
type TrackEvent struct {
	TrackID string
	Account string
	FlowID  string // source flow
	DropID  string // the drop that reached the track
	Passed  bool
	Time    time.Time
}

// CallEvent is fired once per authenticated operation: every REST request
// that passed authentication and every WebSocket frame run through execute
// (failed operations included; Status tells).
type CallEvent struct {
	IdentityID string // the caller's identity (for a Token: its issuer)
	Account    string // the caller's account
	TokenID    string // set when the caller used a Token object
	Namespace  string // the URL account acted on
	Service    string
	Method     string
	Status     int
	Time       time.Time
}

type hooks struct {
	mu    sync.RWMutex
	next  int
	drop  map[int]func(DropEvent)
	track map[int]func(TrackEvent)
	call  map[int]func(CallEvent)
}

// AddDropListener registers fn for every DropEvent; the returned function
// removes it.
func (e *Emulator) AddDropListener(fn func(DropEvent)) (remove func()) {
	return addListener(&e.hooks, &e.hooks.drop, fn)
}

// AddTrackListener registers fn for every TrackEvent.
func (e *Emulator) AddTrackListener(fn func(TrackEvent)) (remove func()) {
	return addListener(&e.hooks, &e.hooks.track, fn)
}

// AddCallListener registers fn for every CallEvent.
func (e *Emulator) AddCallListener(fn func(CallEvent)) (remove func()) {
	return addListener(&e.hooks, &e.hooks.call, fn)
}

func addListener[T any](h *hooks, m *map[int]func(T), fn func(T)) func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if *m == nil {
		*m = map[int]func(T){}
	}
	h.next++
	id := h.next
	(*m)[id] = fn
	return func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(*m, id)
	}
}

func snapshot[T any](h *hooks, m map[int]func(T)) []func(T) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]func(T), 0, len(m))
	for _, fn := range m {
		out = append(out, fn)
	}
	return out
}

// event is anything a mutation queues for delivery.
type event interface{}

// dispatcher delivers each mutation's events in the order the mutations
// took the state lock: a ticket is issued while the lock is held, and
// delivery waits for the previous ticket to finish.
type dispatcher struct {
	mu      sync.Mutex
	cond    *sync.Cond
	issued  uint64
	serving uint64
}

func newDispatcher() *dispatcher {
	d := &dispatcher{}
	d.cond = sync.NewCond(&d.mu)
	return d
}

// issue must be called with the state lock held.
func (d *dispatcher) issue() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.issued
	d.issued++
	return t
}

// deliver waits for ticket's turn, runs fn, and passes the turn on, even if
// fn panics.
func (d *dispatcher) deliver(ticket uint64, fn func()) {
	d.mu.Lock()
	for d.serving != ticket {
		d.cond.Wait()
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.serving++
		d.cond.Broadcast()
		d.mu.Unlock()
	}()
	if fn != nil {
		fn()
	}
}

// deliverEvents calls the listeners for evs (called from dispatcher.deliver).
func (e *Emulator) deliverEvents(evs []event) {
	if len(evs) == 0 {
		return
	}
	var dropL []func(DropEvent)
	var trackL []func(TrackEvent)
	for _, ev := range evs {
		switch ev := ev.(type) {
		case DropEvent:
			if dropL == nil {
				dropL = snapshot(&e.hooks, e.hooks.drop)
			}
			for _, fn := range dropL {
				e.safeCall(func() { fn(ev) })
			}
		case TrackEvent:
			if trackL == nil {
				trackL = snapshot(&e.hooks, e.hooks.track)
			}
			for _, fn := range trackL {
				e.safeCall(func() { fn(ev) })
			}
		}
	}
}

func (e *Emulator) fireCall(ev CallEvent) {
	for _, fn := range snapshot(&e.hooks, e.hooks.call) {
		e.safeCall(func() { fn(ev) })
	}
}

func (e *Emulator) safeCall(fn func()) {
	defer func() {
		if r := recover(); r != nil {
			e.logf("emulator: listener panicked: %v", r)
		}
	}()
	fn()
}
