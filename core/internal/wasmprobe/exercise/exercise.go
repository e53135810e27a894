// Package exercise calls what the wasm bridge will call of core and filter,
// with inputs from wasmprobe.Inputs so that nothing is folded away, and
// prints every result so that nothing is dropped as unused.
package exercise

import (
	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/core/internal/wasmprobe"
	"github.com/flowthings/flowthings-wasm/filter"
)

var services = []string{
	core.ServiceFlow, core.ServiceDrop, core.ServiceTrack, core.ServiceGroup,
	core.ServiceIdentity, core.ServiceAPITask, core.ServiceMQTT, core.ServiceRSS,
	core.ServiceToken, core.ServiceShare, core.ServiceDevice, core.ServiceStatistics,
	core.ServiceLocalTrack, core.ServiceAVConnection,
}

var ops = []string{
	core.OpRead, core.OpReadMany, core.OpFindMany, core.OpCreate, core.OpUpdate,
	core.OpUpdateMany, core.OpDelete, core.OpDeleteAll, core.OpAggregate, core.OpStatistics,
}

func config() core.Config {
	return core.Config{
		Account: wasmprobe.Arg(1, "alice"),
		Token:   wasmprobe.Arg(2, "T0ken"),
		Params:  core.Params{"limit": 10},
	}
}

func report(what string, err error) {
	if err != nil {
		println(what, err.Error())
	}
}

// REST builds every operation of every service, with params of the value
// types JavaScript can pass and a filter string, and decodes a response.
func REST() {
	cfg := config()
	body := []byte(wasmprobe.Arg(3, `{"elems":{}}`))
	for _, svc := range services {
		for _, name := range ops {
			op := core.Op{
				Service: svc,
				Name:    name,
				Params: core.Params{
					"filter": wasmprobe.Arg(4, "elems.temp > 20"),
					"only":   []string{"id", "elems"},
					"refs":   true,
					"start":  1.5,
				},
			}
			if svc == core.ServiceDrop {
				op.FlowID = wasmprobe.Arg(5, "f1")
			}
			switch name {
			case core.OpRead, core.OpUpdate, core.OpDelete, core.OpStatistics:
				op.ID = wasmprobe.Arg(6, "x1")
			}
			switch name {
			case core.OpReadMany:
				op.IDs = []string{op.ID}
			case core.OpCreate, core.OpUpdate, core.OpUpdateMany, core.OpAggregate:
				op.Body = body
			case core.OpStatistics:
				op.Stat, op.Date = core.StatTrackHit, []int{2024, 5}
			}
			req, err := cfg.BuildOp(op)
			report(svc+" "+name, err)
			println(req.Method, req.URL, string(req.Body), len(req.Header))
		}
	}
	req, _ := cfg.BuildOp(core.Op{Service: core.ServiceFlow, Name: core.OpFindMany})
	env, err := core.DecodeResponse(req, 200, []byte(wasmprobe.Arg(7, `{"head":{"status":200,"ok":true},"body":[]}`)))
	report("decode", err)
	if env != nil {
		println(env.Status, env.OK, len(env.Messages), len(env.Errors), string(env.Body), string(env.References))
	}
}

// Filter parses a filter and renders it back, and sends a parsed filter as
// a param.
func Filter() {
	e, err := filter.Parse(wasmprobe.Arg(8, "elems.temp > 20 && NOT EXISTS elems.x"))
	report("parse", err)
	if err != nil {
		return
	}
	s, err := filter.Render(e)
	report("render", err)
	println(s)
	req, err := config().BuildOp(core.Op{Service: core.ServiceFlow, Name: core.OpFindMany, Params: core.Params{"filter": e}})
	report("findMany", err)
	println(req.URL)
}

// WS drives a WebSocket engine through its whole lifecycle and reports
// every action, as a bridge driver would.
func WS() {
	eng := core.NewWSEngine(config(), core.WSSettings{Reconnect: true})
	do(eng.Connect())
	sess := core.Request{Method: "POST", Path: "/session"}
	id, err := core.DecodeSessionResponse(sess, 200, []byte(wasmprobe.Arg(9, `{"head":{"ok":true},"body":{"id":"s1"}}`)))
	report("session", err)
	println(config().SocketURL(id))
	do(eng.Opened())
	call, acts := eng.Subscribe(wasmprobe.Arg(5, "f1"), 1, true)
	do(acts)
	do(eng.FindDone(1, []core.WSDropInfo{{ID: wasmprobe.Arg(6, "d1"), CreationDate: 1}}, nil))
	do(eng.PushesReceived(core.WSPush{Resource: wasmprobe.Arg(5, "f1"), Drop: core.WSDropInfo{ID: wasmprobe.Arg(7, "d2"), CreationDate: 2, Ref: 1}}))
	_, acts = eng.Send(core.WSFrame{Object: core.ServiceDrop, Type: "findmany", FlowID: wasmprobe.Arg(5, "f1"),
		Options: core.Params{"filter": wasmprobe.Arg(4, "elems.temp > 20"), "limit": 5}})
	do(acts)
	do(eng.FrameReceived([]byte(wasmprobe.Arg(10, `{"head":{"msgId":"1","ok":true},"body":{}}`))))
	do(eng.TimerFired(core.WSTimerHeartbeat))
	do(eng.Cancel(call))
	_, acts = eng.Unsubscribe(wasmprobe.Arg(5, "f1"), 1)
	do(acts)
	do(eng.Closed(nil))
	do(eng.TimerFired(core.WSTimerReconnect))
	do(eng.Close())
	println(eng.State().String())
}

func do(acts []core.WSAction) {
	for _, a := range acts {
		switch a := a.(type) {
		case *core.SendFrame:
			println("send", string(a.Frame))
		case *core.Deliver:
			println("deliver", a.Handler, a.Drop.Resource, string(a.Drop.Value), a.Drop.Ref)
		case *core.Release:
			println("release", a.Ref)
		case *core.Find:
			println("find", a.ID, a.Request.URL)
		case *core.CancelFind:
			println("cancel find", a.ID)
		case *core.SettleReply:
			report("settle", a.Err)
			println("settle", a.Call, string(a.Body))
		case *core.SetTimer:
			println("timer", a.Timer, a.AfterMs)
		case *core.CancelTimer:
			println("cancel timer", a.Timer)
		case *core.OpenSession:
			println("open", a.Request.URL, a.Attempt)
		case *core.CloseSocket:
			println("close")
		case *core.EndSubscription:
			report("end "+a.Resource, a.Err)
		case *core.ReportError:
			report("error", a.Err)
		case *core.Stopped:
			report("stopped", a.Err)
		}
	}
}
