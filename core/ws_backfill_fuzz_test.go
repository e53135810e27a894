package core

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/valyala/fastjson"
)

// bfServer plays the platform for FuzzWSBackfill: one flow (flowA, at
// pathA) whose drops get creation dates from a clock that often stands
// still (ties), a socket whose frames are answered in order and whose
// pushes queue behind the replies, and REST finds answered from the flow
// as it is when they are answered. It never refuses anything for good: it
// only fails transiently (503s, lost sockets), so every subscription must
// end up with every drop created after its start, once, in order.
type bfServer struct {
	t     *testing.T
	e     *WSEngine
	clock int64
	flow  []WSDropInfo // in creation order

	open       bool
	subscribed bool     // flow A is subscribed on this socket
	inbox      [][]byte // client frames not processed yet
	outbox     [][]byte // replies and pushes not delivered yet
	finds      []*Find
	armed      map[WSTimer]bool

	// the model's view of the subscriptions
	calls     map[WSCallID]WSHandlerID
	settled   map[WSCallID]int
	started   map[WSHandlerID]map[string]bool // handler → the drops that predate its start
	startTake map[WSHandlerID]map[string]bool // the same, for the start being taken
	delivered map[WSHandlerID][]string
	refs      map[uint64]int // refs given → times released
	refDrop   map[uint64]int // ref → the drop it stands for
	lastRef   uint64
}

func (m *bfServer) create() {
	m.flow = append(m.flow, WSDropInfo{ID: "d" + strconv.Itoa(len(m.flow)), FlowID: flowA, Path: pathA, CreationDate: m.clock})
	d := m.flow[len(m.flow)-1]
	if m.open && m.subscribed {
		m.outbox = append(m.outbox, push(flowA, m.dropJSON(d, false)))
	}
}

func (m *bfServer) dropJSON(d WSDropInfo, short bool) string {
	if short {
		return fmt.Sprintf(`{"id":%q,"creationDate":%d}`, d.ID, d.CreationDate)
	}
	return fmt.Sprintf(`{"id":%q,"flowId":%q,"path":%q,"creationDate":%d,"elems":{}}`, d.ID, flowA, pathA, d.CreationDate)
}

func (m *bfServer) apply(what string, acts []WSAction) {
	m.t.Helper()
	for _, a := range acts {
		switch a := a.(type) {
		case *SendFrame:
			if !m.open {
				m.t.Fatalf("%s: frame sent on no socket: %s", what, a.Frame)
			}
			m.inbox = append(m.inbox, a.Frame)
		case *Deliver:
			v := a.Drop.Value
			if a.Drop.Ref != 0 {
				if m.refs[a.Drop.Ref] != 0 {
					m.t.Fatalf("%s: delivered ref %d after its release", what, a.Drop.Ref)
				}
				v = m.refValue(a.Drop.Ref)
			}
			id := string(fastjson.MustParseBytes(v).GetStringBytes("id"))
			m.delivered[a.Handler] = append(m.delivered[a.Handler], id)
			if a.Last {
				m.released(what, a.Drop.Ref)
			}
		case *Release:
			m.released(what, a.Ref)
		case *SettleReply:
			m.settled[a.Call]++
			if m.settled[a.Call] > 1 {
				m.t.Fatalf("%s: call %d settled twice", what, a.Call)
			}
			if a.Err != nil {
				m.t.Fatalf("%s: call %d failed: %v", what, a.Call, a.Err)
			}
			if h, ok := m.calls[a.Call]; ok {
				m.started[h] = m.startTake[h]
			}
		case *SetTimer:
			m.armed[a.Timer] = true
		case *CancelTimer:
			delete(m.armed, a.Timer)
		case *OpenSession:
		case *CloseSocket:
			m.lose()
		case *Find:
			m.finds = append(m.finds, a)
		case *CancelFind:
			m.finds = slices.DeleteFunc(m.finds, func(f *Find) bool { return f.ID == a.ID })
		case *ReportError:
			var lost *ConnectionLostError
			if errors.As(a.Err, &lost) {
				m.lose()
			}
			if a.Handler != 0 {
				m.t.Fatalf("%s: a subscription error with nothing lost: %v", what, a.Err)
			}
		case *EndSubscription:
			m.t.Fatalf("%s: subscription %d ended: %v", what, a.Handler, a.Err)
		case *Stopped:
			m.t.Fatalf("%s: stopped: %v", what, a.Err)
		default:
			m.t.Fatalf("%s: unknown action %T", what, a)
		}
	}
}

func (m *bfServer) released(what string, ref uint64) {
	m.t.Helper()
	m.refs[ref]++
	if m.refs[ref] != 1 {
		m.t.Fatalf("%s: ref %d released %d times", what, ref, m.refs[ref])
	}
}

// refValue is the drop a ref stands for (a new ref each time a drop is
// handed over).
func (m *bfServer) refValue(ref uint64) []byte {
	return []byte(m.dropJSON(m.flow[m.refDrop[ref]], false))
}

// lose forgets the socket's state on the server's side.
func (m *bfServer) lose() {
	m.open, m.subscribed = false, false
	m.inbox, m.outbox = nil, nil
}

// process runs the next client frame; fail answers a subscribe with 503.
func (m *bfServer) process(fail bool) {
	if len(m.inbox) == 0 {
		return
	}
	v := fastjson.MustParseBytes(m.inbox[0])
	m.inbox = m.inbox[1:]
	id := string(v.GetStringBytes("msgId"))
	switch string(v.GetStringBytes("type")) {
	case "subscribe":
		if fail {
			m.outbox = append(m.outbox, errReply(id, 503, "busy"))
			return
		}
		m.subscribed = true
		m.outbox = append(m.outbox, okReply(id, "{}"))
	case "unsubscribe":
		m.outbox = append(m.outbox, okReply(id, "{}"))
	case "findmany":
		m.outbox = append(m.outbox, okReply(id, "[]"))
	}
}

// deliver hands the next n server frames to the engine; odd ones, when
// byRef, as a driver that parses pushes itself would.
func (m *bfServer) deliver(n int, byRef bool) {
	for ; n > 0 && len(m.outbox) > 0 && m.open; n-- {
		f := m.outbox[0]
		m.outbox = m.outbox[1:]
		v := fastjson.MustParseBytes(f)
		if byRef && string(v.GetStringBytes("type")) == "message" {
			d := dropInfoOf(v.Get("value").MarshalTo(nil))
			d.Value, d.Ref = nil, m.newRef(d.ID)
			m.apply("push by ref", m.e.PushesReceived(WSPush{Resource: flowA, Drop: d}))
			continue
		}
		m.apply("frame", m.e.FrameReceived(f))
	}
}

func (m *bfServer) newRef(id string) uint64 {
	m.lastRef++
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "d"))
	m.refDrop[m.lastRef] = n
	m.refs[m.lastRef] = 0
	return m.lastRef
}

// answer runs the i-th find in flight against the flow as it is now.
func (m *bfServer) answer(i int, fail, byRef bool) {
	if len(m.finds) == 0 {
		return
	}
	f := m.finds[i%len(m.finds)]
	m.finds = slices.Delete(m.finds, i%len(m.finds), i%len(m.finds)+1)
	if fail {
		m.apply("find failed", m.e.FindDone(f.ID, nil, newStatusError(&ResponseError{Status: 503})))
		return
	}
	u, err := url.Parse(f.Request.URL)
	if err != nil {
		m.t.Fatal(err)
	}
	q := u.Query()
	from, to := int64(-1), int64(1<<62)
	if s, ok := strings.CutPrefix(q.Get("filter"), "creationDate >= "); ok {
		from, _ = strconv.ParseInt(s, 10, 64)
	}
	if s, ok := strings.CutPrefix(q.Get("filter"), "creationDate <= "); ok {
		to, _ = strconv.ParseInt(s, 10, 64)
	}
	start, _ := strconv.Atoi(q.Get("start"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	var sel []WSDropInfo
	for _, d := range m.flow {
		if d.CreationDate >= from && d.CreationDate <= to {
			sel = append(sel, d)
		}
	}
	anchor := q.Get("order") == "desc"
	if anchor {
		slices.Reverse(sel)
	}
	sel = sel[min(start, len(sel)):]
	sel = sel[:min(limit, len(sel))]
	if anchor {
		// What predates a start: every drop there when its first page
		// was answered, and whatever a later page finds.
		for _, s := range m.e.subs {
			if s.find != f.ID {
				continue
			}
			if start == 0 {
				m.startTake[s.handler] = map[string]bool{}
				for _, d := range m.flow {
					m.startTake[s.handler][d.ID] = true
				}
			}
			for _, d := range sel {
				m.startTake[s.handler][d.ID] = true
			}
		}
	}
	out := make([]WSDropInfo, len(sel))
	for i, d := range sel {
		out[i] = dropInfoOf([]byte(m.dropJSON(d, anchor)))
		if byRef {
			out[i].Value, out[i].Ref = nil, m.newRef(d.ID)
		}
	}
	m.apply("find", m.e.FindDone(f.ID, out, nil))
}

func (m *bfServer) fire(pick int) {
	var ts []WSTimer
	for t := range m.armed {
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return
	}
	slices.Sort(ts)
	t := ts[pick%len(ts)]
	delete(m.armed, t)
	m.apply(fmt.Sprint("timer ", t), m.e.TimerFired(t))
}

func (m *bfServer) subscribe(h WSHandlerID, resource string) {
	if _, ok := m.delivered[h]; ok {
		return
	}
	m.delivered[h] = nil
	c, acts := m.e.Subscribe(resource, h, true)
	m.calls[c] = h
	m.apply("subscribe", acts)
}

// FuzzWSBackfill runs random sequences of drops written, frames answered
// (or refused with a 503), pushes delivered late, finds answered in any
// order (or failed), sockets lost, handshakes and timers firing, against
// subscriptions with backfill; then it lets everything finish. Each
// subscription must have got every drop created after its start exactly
// once, in creation order, and nothing else; every call settles once and
// every Ref is released once.
func FuzzWSBackfill(f *testing.F) {
	f.Add([]byte{0x0a, 0x02, 0x05, 0x00, 0x04, 0x07, 0x09, 0x02, 0x10, 0x00, 0x05, 0x04})
	f.Add([]byte{0x0a, 0x1b, 0x00, 0x12, 0x22, 0x05, 0x0c, 0x10, 0x01, 0x07, 0x00, 0x01, 0x18, 0x09, 0x02, 0x06, 0x05})
	f.Add([]byte{0x0a, 0x02, 0x01, 0x05, 0x0f, 0x17, 0x01, 0x08, 0x18, 0x09, 0x03, 0x13, 0x02, 0x16, 0x15, 0x01, 0x0f})
	f.Add([]byte{0x01, 0x0a, 0x01, 0x02, 0x01, 0x0f, 0x01, 0x05, 0x01, 0x0f, 0x11, 0x0b, 0x02, 0x15, 0x07, 0x01, 0x09})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 400 {
			return
		}
		e := NewWSEngine(wsTestCfg, WSSettings{Reconnect: true, HeartbeatMs: 1_000, BackfillPage: 3,
			BackfillAttempts: 1 << 20, Rand: func() float64 { return 0.5 }})
		m := &bfServer{t: t, e: e, clock: 1000, armed: map[WSTimer]bool{}, calls: map[WSCallID]WSHandlerID{},
			settled: map[WSCallID]int{}, started: map[WSHandlerID]map[string]bool{}, startTake: map[WSHandlerID]map[string]bool{},
			delivered: map[WSHandlerID][]string{}, refs: map[uint64]int{}, refDrop: map[uint64]int{}}
		m.apply("connect", e.Connect())
		m.open = true
		m.apply("opened", e.Opened())
		for _, b := range data {
			op, arg := b&0x0f, int(b>>4)
			switch op {
			case 0:
				m.clock += int64(arg & 1)
				m.create()
			case 1:
				for range 3 {
					m.create()
				}
				m.clock++
			case 2:
				m.process(false)
			case 3:
				m.process(arg&1 == 1)
			case 4:
				m.deliver(arg+1, arg&1 == 1)
			case 5:
				m.answer(0, false, arg&1 == 1)
			case 6:
				m.answer(arg, true, false)
			case 7:
				if m.e.State() == WSOpen || m.e.State() == WSConnecting {
					m.lose()
					m.apply("closed", e.Closed(errors.New("lost")))
				}
			case 8:
				m.fire(arg)
			case 9:
				if e.State() == WSConnecting {
					m.open = true
					m.apply("opened", e.Opened())
				}
			case 10:
				m.subscribe(1, flowA)
			case 11:
				m.subscribe(2, []string{flowA, pathA}[arg&1])
			case 12:
				m.answer(arg, false, arg&2 == 2)
			default:
				m.deliver(len(m.outbox), arg&1 == 1)
			}
		}
		// Let everything finish: connect, answer every frame and find,
		// deliver every frame, fire the retries.
		for range 1000 {
			switch {
			case e.State() == WSBackoff:
				m.fire(0)
				continue
			case e.State() == WSConnecting:
				m.open = true
				m.apply("opened", e.Opened())
				continue
			case len(m.inbox) > 0:
				m.process(false)
				continue
			case len(m.outbox) > 0:
				m.deliver(len(m.outbox), false)
				continue
			case len(m.finds) > 0:
				m.answer(0, false, false)
				continue
			case m.armed[WSTimerRetry]:
				delete(m.armed, WSTimerRetry)
				m.apply("retry", e.TimerFired(WSTimerRetry))
				continue
			}
			break
		}
		for c, h := range m.calls {
			if m.settled[c] != 1 {
				t.Fatalf("the Subscribe of handler %d settled %d times", h, m.settled[c])
			}
		}
		for h, got := range m.delivered {
			var want []string
			for _, d := range m.flow {
				if !m.started[h][d.ID] {
					want = append(want, d.ID)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("handler %d got %v, want %v (of %d drops)", h, got, want, len(m.flow))
			}
		}
		for ref, n := range m.refs {
			if n != 1 {
				t.Fatalf("ref %d released %d times", ref, n)
			}
		}
		e.Close()
	})
}
