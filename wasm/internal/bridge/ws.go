package bridge

import (
	"strconv"
	"strings"

	"github.com/flowthings/flowthings-wasm/core"
)

// The WebSocket engine (core.WSEngine) runs here; JavaScript owns the
// socket, the session request, the finds, the timers and the drops. It
// parses every frame itself: pushes come in as their control fields and a
// ref (WSPushes), other frames as text (WSFrame); drops found by a find come
// in the same way (WSFound). Every event returns {state, actions} (and
// {call} when it starts one): the connection's state as users see it
// (connecting, open, reconnecting, closed) and the engine's actions as
// plain objects, in order:
//
//	{type:"send", frame}                       write frame (text) on the socket
//	{type:"deliver", handler, ref[, last]}     hand drop ref to handler ({resource, value}, JSON, when it came as text);
//	                                           last: drop ref is no longer needed after this
//	{type:"release", ref}                      drop ref is no longer needed
//	{type:"settle", call, body} | {type:"settle", call, error}
//	{type:"setTimer", timer, ms}               {type:"cancelTimer", timer}
//	{type:"open", request, attempt}            POST request, then WSSession
//	{type:"closeSocket"}                       close, or abandon the attempt, without reporting WSClosed
//	{type:"find", find, request}               perform request, then WSFound
//	{type:"cancelFind", find}                  abort that request; no WSFound needed
//	{type:"endSubscription", resource, handler, error}
//	{type:"report", error}                     an error that belongs to no call, or
//	{type:"report", error, resource, handler, from, to}   a subscription's gap (from/to: epoch ms)
//	{type:"stopped", error}                    the last action; error may be null

type engine struct {
	cfg core.Config
	eng *core.WSEngine
}

// WSNew makes an engine for a configuration: options {heartbeatMs (0: no
// heartbeats), handshakeMs (0: none), reconnect, backoffMinMs,
// backoffMaxMs, maxAttempts, stableMs, backfillPage, backfillAttempts}.
// {id} or {error}.
func (b *Bridge) WSNew(cfgID float64, o *Obj) string {
	cfg, err := b.config(cfgID)
	if err != nil {
		return failure(err)
	}
	var opts core.WSSettings
	for _, x := range []struct {
		key  string
		dst  *int64
		none bool // 0 from JavaScript means none
	}{{"heartbeatMs", &opts.HeartbeatMs, true}, {"handshakeMs", &opts.TimeoutMs, true},
		{"backoffMinMs", &opts.BackoffMinMs, false}, {"backoffMaxMs", &opts.BackoffMaxMs, false}, {"stableMs", &opts.StableAfterMs, false}} {
		n, err := integer(o, x.key)
		if err != nil {
			return failure(err)
		}
		*x.dst = int64(n)
		if x.none && n == 0 && o.Get(x.key) != nil {
			*x.dst = -1
		}
	}
	for _, x := range []struct {
		key string
		dst *int
	}{{"maxAttempts", &opts.MaxAttempts}, {"backfillPage", &opts.BackfillPage}, {"backfillAttempts", &opts.BackfillAttempts}} {
		if *x.dst, err = integer(o, x.key); err != nil {
			return failure(err)
		}
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

// wsEvent runs one event on an engine: {state, actions} or {error}.
func (b *Bridge) wsEvent(id float64, event func(e *engine) []core.WSAction) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	return result(newObject(), e, event(e))
}

// wsCall runs an event that starts a call: {call, state, actions} or {error}.
func (b *Bridge) wsCall(id float64, event func(e *engine) (core.WSCallID, []core.WSAction)) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	call, acts := event(e)
	return result(newObject().num("call", float64(call)), e, acts)
}

func result(o *object, e *engine, acts []core.WSAction) string {
	return o.str("state", e.eng.Status()).raw("actions", actionsOf(acts)).String()
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
		return result(newObject(), e, e.eng.Closed(err))
	}
	return result(newObject().str("url", e.cfg.SocketURL(sid)), e, nil)
}

// WSOpened reports the socket open.
func (b *Bridge) WSOpened(id float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Opened() })
}

// WSClosed reports that the socket, or the connection attempt, ended:
// reason is null for a clean close by the server, else the failure
// {code, message[, status, method, path, account]} as JavaScript has it (a
// transport error, a timeout, a platform error), so that what the engine
// reports keeps its code.
func (b *Bridge) WSClosed(id float64, reason *Obj) string {
	var cause error
	if reason != nil {
		cause = hostErrorOf(reason)
	}
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.Closed(cause) })
}

// WSTimer reports that a timer set by a setTimer action fired.
func (b *Bridge) WSTimer(id, timer float64) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.TimerFired(core.WSTimer(timer)) })
}

// WSFrame feeds one text frame read from the socket that is not a push of
// a drop (JavaScript passes those with WSPushes).
func (b *Bridge) WSFrame(id float64, frame string) string {
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.FrameReceived([]byte(frame)) })
}

// WSPushes feeds the push frames JavaScript parsed, in the order they
// arrived (several at once, when a read brought several). pushes is one
// text, written so that reading it copies nothing: per push, seven fields,
// each ended by "|": its resource, the drop's id, flowId, path,
// creationDate and version, and a ref (JavaScript's handle on the drop,
// which comes back in deliver and release actions). A field that is
// empty, or not a whole number where one is due, is none: the engine then
// delivers the drop without counting it. ("|" is in no id and no path.)
func (b *Bridge) WSPushes(id float64, pushes string) string {
	e, err := b.engine(id)
	if err != nil {
		return failure(err)
	}
	batch := make([]core.WSPush, 0, strings.Count(pushes, "|")/7)
	for rest := pushes; rest != ""; {
		var f [7]string
		for i := range f {
			f[i], rest = cutField(rest, '|')
		}
		batch = append(batch, core.WSPush{Resource: f[0], Drop: core.WSDropInfo{ID: f[1], FlowID: f[2], Path: f[3],
			CreationDate: digits(f[4]), Version: digits(f[5]), Ref: uint64(digits(f[6]))}})
	}
	return result(newObject(), e, e.eng.PushesReceived(batch...))
}

// cutField returns the text before the first sep and the text after it.
func cutField(s string, sep byte) (field, rest string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// digits reads a non-negative integer written in decimal digits; anything
// else is 0.
func digits(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' || n > (1<<62)/10 {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// WSFound reports the outcome of a "find" action: {drops: [control
// fields {id, flowId, path, creationDate, version, ref}, in order]} or {error: the failure, as WSClosed's
// reason}.
func (b *Bridge) WSFound(id, find float64, outcome *Obj) string {
	var drops []core.WSDropInfo
	var err error
	if fail, _ := outcome.Get("error").(*Obj); fail != nil {
		err = hostErrorOf(fail)
	} else {
		list, _ := outcome.Get("drops").([]any)
		drops = make([]core.WSDropInfo, len(list))
		for i, v := range list {
			o, _ := v.(*Obj)
			if o == nil {
				o = NewObj()
			}
			drops[i] = dropOf(o)
		}
	}
	return b.wsEvent(id, func(e *engine) []core.WSAction { return e.eng.FindDone(core.WSFindID(find), drops, err) })
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

// WSSubscribe subscribes handler (a number JavaScript picks, one per
// subscription) to a flow id or path, with or without backfill.
func (b *Bridge) WSSubscribe(id float64, resource string, handler float64, backfill bool) string {
	return b.wsCall(id, func(e *engine) (core.WSCallID, []core.WSAction) {
		return e.eng.Subscribe(resource, core.WSHandlerID(handler), backfill)
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

// dropOf reads a drop's control fields; what is missing or of another
// type is empty (the engine then delivers the drop without counting it).
func dropOf(o *Obj) core.WSDropInfo {
	return core.WSDropInfo{ID: text(o, "id"), FlowID: text(o, "flowId"), Path: text(o, "path"),
		CreationDate: int64(number(o, "creationDate")), Version: int64(number(o, "version")), Ref: uint64(number(o, "ref"))}
}

// hostError is a failure JavaScript reported: its code, a core.Kind
// ("transport", "timeout", …), its message, already its own, and for a
// platform error the response (Status 0 otherwise), which decides whether
// a find is retried.
type hostError struct {
	_    [0]func() // incomparable: no equality function in the module
	kind core.Kind
	msg  string
	resp core.ResponseError
}

func (e *hostError) Error() string                 { return e.msg }
func (e *hostError) Kind() core.Kind               { return e.kind }
func (e *hostError) Response() *core.ResponseError { return &e.resp }

func hostErrorOf(o *Obj) error {
	e := &hostError{kind: core.Kind(text(o, "code")), msg: text(o, "message"), resp: core.ResponseError{
		Status: int(number(o, "status")), Method: text(o, "method"), Path: text(o, "path"), Account: text(o, "account")}}
	if e.kind == "" {
		e.kind = core.KindTransport
	}
	return e
}

// actionsOf writes acts as a JSON array, one object per action, through
// one scratch object: a push's actions cost no allocation each.
func actionsOf(acts []core.WSAction) []byte {
	out := append(make([]byte, 0, 2+64*len(acts)), '[')
	scratch := &object{}
	action := func(typ string) *object {
		scratch.b = append(scratch.b[:0], '{')
		return scratch.str("type", typ)
	}
	for i, a := range acts {
		var o *object
		switch a := a.(type) {
		case *core.SendFrame:
			o = action("send").str("frame", string(a.Frame))
		case *core.Deliver:
			if a.Drop.Ref != 0 { // a push's action: written without the object writer, it is the most frequent
				out = appendComma(out, i)
				out = strconv.AppendUint(append(out, `{"type":"deliver","handler":`...), uint64(a.Handler), 10)
				out = strconv.AppendUint(append(out, `,"ref":`...), a.Drop.Ref, 10)
				if a.Last {
					out = append(out, `,"last":true`...)
				}
				out = append(out, '}')
				continue
			}
			o = action("deliver").num("handler", float64(a.Handler)).str("resource", a.Drop.Resource).raw("value", a.Drop.Value)
		case *core.Release:
			out = appendComma(out, i)
			out = append(strconv.AppendUint(append(out, `{"type":"release","ref":`...), a.Ref, 10), '}')
			continue
		case *core.SettleReply:
			o = action("settle").num("call", float64(a.Call))
			if a.Err != nil {
				o.raw("error", ErrorOf(a.Err).bytes())
			} else {
				o.raw("body", a.Body)
			}
		case *core.SetTimer:
			o = action("setTimer").num("timer", float64(a.Timer)).num("ms", float64(a.AfterMs))
		case *core.CancelTimer:
			o = action("cancelTimer").num("timer", float64(a.Timer))
		case *core.OpenSession:
			o = action("open").raw("request", requestOf(a.Request)).num("attempt", float64(a.Attempt))
		case *core.CloseSocket:
			o = action("closeSocket")
		case *core.Find:
			o = action("find").num("find", float64(a.ID)).raw("request", requestOf(a.Request))
		case *core.CancelFind:
			o = action("cancelFind").num("find", float64(a.ID))
		case *core.EndSubscription:
			o = action("endSubscription").str("resource", a.Resource).num("handler", float64(a.Handler)).raw("error", errorOrNil(a.Err))
		case *core.ReportError:
			o = action("report").raw("error", ErrorOf(a.Err).bytes())
			if g, ok := a.Err.(*core.GapError); ok {
				o.str("resource", a.Resource).num("handler", float64(a.Handler)).num("from", float64(g.From)).num("to", float64(g.To))
			}
		case *core.Stopped:
			o = action("stopped").raw("error", errorOrNil(a.Err))
		}
		out = append(appendComma(out, i), o.bytes()...)
	}
	return append(out, ']')
}

func appendComma(b []byte, i int) []byte {
	if i > 0 {
		return append(b, ',')
	}
	return b
}

func errorOrNil(err error) []byte {
	if err == nil {
		return nil
	}
	return ErrorOf(err).bytes()
}
