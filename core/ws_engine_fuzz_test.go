package core

import (
	"errors"
	"fmt"
	"testing"

	"github.com/valyala/fastjson"
)

// wsFuzzModel drives a WSEngine with events decoded from fuzz input and
// checks, after every event, the bookkeeping of its calls: every call the
// engine returned settles at most once, never after Cancel, and never a
// call it did not return; once the engine is closed, every call that was
// not cancelled has settled exactly once.
type wsFuzzModel struct {
	t         *testing.T
	e         *WSEngine
	calls     []WSCallID
	issued    map[WSCallID]bool
	settled   map[WSCallID]int
	cancelled map[WSCallID]bool
	sent      []string // msgIds of the frames sent, oldest first
	finds     []WSFindID
	stopped   int
}

func (m *wsFuzzModel) apply(what string, acts []WSAction) {
	m.t.Helper()
	for _, a := range acts {
		switch a := a.(type) {
		case *SettleReply:
			if !m.issued[a.Call] {
				m.t.Fatalf("%s: settled call %d that was never returned", what, a.Call)
			}
			if m.cancelled[a.Call] {
				m.t.Fatalf("%s: settled cancelled call %d", what, a.Call)
			}
			m.settled[a.Call]++
			if m.settled[a.Call] > 1 {
				m.t.Fatalf("%s: call %d settled twice", what, a.Call)
			}
			if a.Err == nil {
				if err := fastjson.ValidateBytes(a.Body); err != nil {
					m.t.Fatalf("%s: call %d settled with invalid JSON %q", what, a.Call, a.Body)
				}
			} else {
				_ = a.Err.Error()
			}
		case *SendFrame:
			v, err := fastjson.ParseBytes(a.Frame)
			if err != nil {
				m.t.Fatalf("%s: sent invalid JSON %q", what, a.Frame)
			}
			if id := v.GetStringBytes("msgId"); id != nil {
				m.sent = append(m.sent, string(id))
			}
		case *Deliver:
			if err := fastjson.ValidateBytes(a.Drop.Value); err != nil {
				m.t.Fatalf("%s: delivered invalid JSON %q", what, a.Drop.Value)
			}
		case *Stopped:
			m.stopped++
			if m.stopped > 1 {
				m.t.Fatalf("%s: Stopped twice", what)
			}
		case *ReportError:
			_ = a.Err.Error()
		case *Find:
			m.finds = append(m.finds, a.ID)
		case *EndSubscription, *SetTimer, *CancelTimer, *OpenSession, *CloseSocket, *CancelFind, *Release:
		default:
			m.t.Fatalf("%s: unknown action %T", what, a)
		}
	}
	if m.stopped > 0 && m.e.State() != WSStopped {
		m.t.Fatalf("%s: Stopped emitted but state is %v", what, m.e.State())
	}
}

func (m *wsFuzzModel) call(what string, c WSCallID, acts []WSAction) {
	m.t.Helper()
	if m.issued[c] {
		m.t.Fatalf("%s: call id %d reused", what, c)
	}
	m.calls = append(m.calls, c)
	m.issued[c] = true
	m.apply(what, acts)
}

// FuzzWSEngineEvents feeds random sequences of driver events — opens,
// losses, timers, server replies to real and unknown msgIds, pushes, junk
// frames, sends, subscribes (with and without backfill), finds answered or
// failed, unsubscribes, cancels and Close — to an
// engine, with and without reconnection. The engine must never panic, and
// every call must settle exactly once unless cancelled.
func FuzzWSEngineEvents(f *testing.F) {
	f.Add([]byte{0, 4, 5, 1, 6, 6, 7, 2, 0, 3, 5, 6})
	f.Add([]byte{0x80, 5, 5, 6, 2, 3, 0, 6, 6, 8, 4, 4, 9})
	f.Add([]byte{0x80 | 3, 0, 5, 6, 7, 9, 1, 2, 3, 0, 6, 4, 4, 8, 8, 10, 11, 12})
	f.Add([]byte{0x40, 1, 1, 2, 2, 3, 3, 0})
	f.Add([]byte{0x80, 0, 6, 6, 6, 2, 3, 3, 0, 4, 4, 4, 11})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 1024 {
			return
		}
		opts := WSSettings{
			Reconnect:    data[0]&0x80 != 0,
			MaxAttempts:  int(data[0] & 3),
			HeartbeatMs:  1_000,
			BackoffMinMs: 1,
			BackoffMaxMs: 4,
			Rand:         func() float64 { return 0.5 },
		}
		if data[0]&0x40 != 0 {
			opts.HeartbeatMs = -1
		}
		m := &wsFuzzModel{t: t, e: NewWSEngine(wsTestCfg, opts), issued: map[WSCallID]bool{}, settled: map[WSCallID]int{}, cancelled: map[WSCallID]bool{}}
		m.apply("Connect", m.e.Connect())

		resources := []string{flowA, pathA, flowB}
		data = data[1:]
		for i := 0; i < len(data); i++ {
			op, arg := data[i]&0x0f, int(data[i]>>4)
			pick := func(n int) int { return arg % n }
			switch op {
			case 0:
				m.apply("Opened", m.e.Opened())
			case 1:
				m.apply("Closed", m.e.Closed(errors.New("lost")))
			case 2:
				m.apply("Closed(nil)", m.e.Closed(nil))
			case 3:
				m.apply("TimerFired", m.e.TimerFired(WSTimer(pick(int(wsTimerCount)))))
			case 4, 5: // a reply to a msgId the engine sent (or a made-up one)
				id := fmt.Sprint(arg + 1)
				if len(m.sent) > 0 {
					id = m.sent[pick(len(m.sent))]
				}
				frame := okReply(id, `{"id":"x","n":[1,2]}`)
				if op == 5 && arg%3 == 0 {
					frame = errReply(id, []int{400, 403, 404, 500}[pick(4)], "no")
				} else if op == 5 {
					frame = okReply(id, "{}")
				}
				m.apply("reply "+id, m.e.FrameReceived(frame))
			case 6:
				c, acts := m.e.Subscribe(resources[pick(len(resources))], WSHandlerID(arg%3+1), arg&4 != 0)
				m.call("Subscribe", c, acts)
			case 7:
				c, acts := m.e.Unsubscribe(resources[pick(len(resources))], WSHandlerID(arg%3+1))
				m.call("Unsubscribe", c, acts)
			case 8:
				frames := []WSFrame{
					{Object: "flow", Type: "find", ID: flowA},
					{Object: "drop", Type: "create", FlowID: flowA, Value: []byte(`{"elems":{}}`)},
					{Object: "drop", Type: "findmany", Path: pathA, Options: Params{"limit": 2}},
					{Object: "flow", Type: "subscribe"}, // refused: not a CRUD type
					{Object: "drop", Type: "create", Value: []byte(`{`)},
				}
				c, acts := m.e.Send(frames[pick(len(frames))])
				m.call("Send", c, acts)
			case 9:
				if len(m.calls) > 0 {
					c := m.calls[pick(len(m.calls))]
					if m.settled[c] == 0 {
						m.cancelled[c] = true
					}
					m.apply("Cancel", m.e.Cancel(c))
				}
			case 10:
				m.apply("push", m.e.FrameReceived(push(resources[pick(len(resources))], drop(flowA, pathA))))
			case 11:
				junk := []string{`{"head":{"msgId":"1"}}`, `[]`, `{"type":"message"}`, "\xff", `{"head":{"msgId":9999,"ok":true},"body":{}}`}
				m.apply("junk", m.e.FrameReceived([]byte(junk[pick(len(junk))])))
			case 12:
				m.apply("Close", m.e.Close())
			case 14: // a find answered, refused or failed
				if len(m.finds) > 0 {
					id := m.finds[pick(len(m.finds))]
					var err error
					switch arg % 4 {
					case 1:
						err = errors.New("timeout")
					case 2:
						err = newStatusError(&ResponseError{Status: 404})
					}
					ds := []WSDropInfo{{ID: "d1", FlowID: flowA, CreationDate: int64(arg), Ref: uint64(i + 1)}}
					m.apply("FindDone", m.e.FindDone(id, ds, err))
				}
			default:
				// Connect again: ignored unless idle.
				m.apply("Connect", m.e.Connect())
			}
		}

		// Closing settles everything that is left.
		m.apply("final Close", m.e.Close())
		if m.e.State() != WSStopped || m.stopped != 1 {
			t.Fatalf("after Close: state %v, %d Stopped", m.e.State(), m.stopped)
		}
		for _, c := range m.calls {
			if m.cancelled[c] {
				continue
			}
			if m.settled[c] != 1 {
				t.Fatalf("call %d settled %d times", c, m.settled[c])
			}
		}
		// Calls after the end settle at once.
		c, acts := m.e.Send(WSFrame{Object: "flow", Type: "find", ID: flowA})
		m.call("Send after Close", c, acts)
		if m.settled[c] != 1 {
			t.Fatal("a call after Close does not settle at once")
		}
	})
}
