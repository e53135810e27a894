package bridge

import (
	"errors"

	"github.com/flowthings/flowthings-wasm/core"
)

// The WebSocket engine (core.WSEngine) runs here; JavaScript owns the
// socket, the session request and the timers. Every event returns the
// engine's actions as plain objects, in order:
//
//	{type:"send", frame}                      write frame (text) on the socket
//	{type:"deliver", handler, resource, value} hand the drop (JSON text) to handler
//	{type:"settle", call, body} | {type:"settle", call, error}
//	{type:"setTimer", timer, ms}              {type:"cancelTimer", timer}
//	{type:"open", request, attempt}           POST request, then WSSession
//	{type:"closeSocket"}                      close without reporting WSClosed
//	{type:"endSubscription", resource, handler, error}
//	{type:"report", error}                    an error that belongs to no call
//	{type:"stopped", error}                   the last action; error may be null

type engine struct {
	cfg core.Config
	eng *core.WSEngine
}

// WSNew makes an engine for a configuration: options {heartbeatMs,
// reconnect, backoffMinMs, backoffMaxMs, maxAttempts}. {id} or {error}.
func (b *Bridge) WSNew(cfgID float64, o *Obj) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	var opts core.WSOptions
	ms := func(key string) (core.Duration, error) {
		n, err := integer(o, key)
		return core.Duration(n) * core.Millisecond, err
	}
	if opts.Heartbeat, err = ms("heartbeatMs"); err != nil {
		return failure(err)
	}
	if o.Get("heartbeatMs") == 0.0 {
		opts.Heartbeat = -1 // 0 from JavaScript means no heartbeats
	}
	if opts.BackoffMin, err = ms("backoffMinMs"); err != nil {
		return failure(err)
	}
	if opts.BackoffMax, err = ms("backoffMaxMs"); err != nil {
		return failure(err)
	}
	if opts.MaxAttempts, err = integer(o, "maxAttempts"); err != nil {
		return failure(err)
	}
	opts.Reconnect, _ = o.Get("reconnect").(bool)
	id := b.nextID()
	b.engines[id] = &engine{cfg: cfg, eng: core.NewWSEngine(cfg, opts)}
	return newObject().num("id", float64(id)).String()
}

func (b *Bridge) engine(id float64) (*engine, error) {
	e, ok := b.engines[int(id)]
	if !ok {
		return nil, &core.InputError{Field: "websocket", Reason: "unknown or released engine"}
	}
	return e, nil
}

// wsEvent runs one event on an engine: {actions} or {error}.
func (b *Bridge) wsEvent(id float64, event func(e *engine) []core.WSAction) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	return newObject().raw("actions", actionsOf(event(e))).String()
}

// wsCall runs an event that starts a call: {call, actions} or {error}.
func (b *Bridge) wsCall(id float64, event func(e *engine) (core.WSCallID, []core.WSAction)) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	call, acts := event(e)
	return newObject().num("call", float64(call)).raw("actions", actionsOf(acts)).String()
}

// WSConnect starts the first connection.
func (b *Bridge) WSConnect(id float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Connect() })
}

// WSSession decodes the answer to an "open" action's request: {url} of the
// socket to dial (and no actions), or the engine's actions for a failed
// session (its typed error decides whether to retry).
func (b *Bridge) WSSession(id float64, req *Obj, status float64, text string) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	sid, err := core.DecodeSessionResponse(callOf(e.cfg, req), int(status), []byte(text))
	if err != nil {
		return newObject().raw("actions", actionsOf(e.eng.Closed(err))).String()
	}
	return newObject().str("url", e.cfg.SocketURL(sid)).raw("actions", []byte("[]")).String()
}

// WSOpened reports the socket open.
func (b *Bridge) WSOpened(id float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Opened() })
}

// WSClosed reports the socket, or the connection attempt, ended; reason is
// null for a clean close by the server.
func (b *Bridge) WSClosed(id float64, reason any) string {
	var cause error
	if s, ok := reason.(string); ok {
		cause = errors.New(s)
	}
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Closed(cause) })
}

// WSTimer reports that a timer set by a setTimer action fired.
func (b *Bridge) WSTimer(id, timer float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.TimerFired(core.WSTimer(timer)) })
}

// WSFrame feeds one text frame read from the socket.
func (b *Bridge) WSFrame(id float64, frame string) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.FrameReceived([]byte(frame)) })
}

// WSSend starts a CRUD call: frame {object, type, flowId, path, id, value
// (JSON text), options (params)}.
func (b *Bridge) WSSend(id float64, frame *Obj) string {
	f, err := frameOf(frame)
	if err != nil {
		return failure(err)
	}
	return b.wsCall(id, func(e *engine) (core.WSCallID, []core.WSAction) { return e.eng.Send(f) })
}

// WSSubscribe subscribes handler (a number JavaScript picks) to a flow id or path.
func (b *Bridge) WSSubscribe(id float64, resource string, handler float64) string {
	return b.wsCall(id, func(e *engine) (core.WSCallID, []core.WSAction) {
		return e.eng.Subscribe(resource, core.WSHandlerID(handler))
	})
}

// WSUnsubscribe ends handler's subscription to resource.
func (b *Bridge) WSUnsubscribe(id float64, resource string, handler float64) string {
	return b.wsCall(id, func(e *engine) (core.WSCallID, []core.WSAction) {
		return e.eng.Unsubscribe(resource, core.WSHandlerID(handler))
	})
}

// WSCancel forgets a call whose caller stopped waiting (aborted, timed out).
func (b *Bridge) WSCancel(id, call float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Cancel(core.WSCallID(call)) })
}

// WSClose stops the engine for good.
func (b *Bridge) WSClose(id float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Close() })
}

func frameOf(o *Obj) (core.WSFrame, error) {
	var f core.WSFrame
	var err error
	for _, x := range []struct {
		key string
		dst *string
	}{{"object", &f.Object}, {"type", &f.Type}, {"flowId", &f.FlowID}, {"path", &f.Path}, {"id", &f.ID}} {
		if *x.dst, err = str(o, x.key); err != nil {
			return f, err
		}
	}
	value, err := str(o, "value")
	if err != nil {
		return f, err
	}
	if value != "" {
		f.Value = []byte(value)
	}
	opts, err := obj(o, "options")
	if err != nil {
		return f, err
	}
	f.Options, err = paramsOf(opts)
	return f, err
}

func actionsOf(acts []core.WSAction) []byte {
	out := make([][]byte, 0, len(acts))
	for _, a := range acts {
		var o *object
		switch a := a.(type) {
		case *core.SendFrame:
			o = action("send").str("frame", string(a.Frame))
		case *core.Deliver:
			o = action("deliver").num("handler", float64(a.Handler)).str("resource", a.Drop.Resource).raw("value", a.Drop.Value)
		case *core.SettleReply:
			o = action("settle").num("call", float64(a.Call))
			if a.Err != nil {
				o.raw("error", ErrorOf(a.Err).bytes())
			} else {
				o.raw("body", a.Body)
			}
		case *core.SetTimer:
			o = action("setTimer").num("timer", float64(a.Timer)).num("ms", float64(a.After/core.Millisecond))
		case *core.CancelTimer:
			o = action("cancelTimer").num("timer", float64(a.Timer))
		case *core.OpenSession:
			o = action("open").raw("request", requestOf(a.Request)).num("attempt", float64(a.Attempt))
		case *core.CloseSocket:
			o = action("closeSocket")
		case *core.EndSubscription:
			o = action("endSubscription").str("resource", a.Resource).num("handler", float64(a.Handler)).raw("error", errorOrNil(a.Err))
		case *core.ReportError:
			o = action("report").raw("error", ErrorOf(a.Err).bytes())
		case *core.Stopped:
			o = action("stopped").raw("error", errorOrNil(a.Err))
		}
		out = append(out, o.bytes())
	}
	return array(out)
}

func action(typ string) *object { return newObject().str("type", typ) }

func errorOrNil(err error) []byte {
	if err == nil {
		return nil
	}
	return ErrorOf(err).bytes()
}
