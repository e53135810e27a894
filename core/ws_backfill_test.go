package core

import (
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The exactly-once machinery of subscriptions with backfill (ws_subs.go),
// driven event by event without sockets.

// dd is a drop of flow A with an id and a creation date.
func dd(id string, cd int64) WSDropInfo {
	return WSDropInfo{ID: id, FlowID: flowA, Path: pathA, CreationDate: cd,
		Value: fmt.Appendf(nil, `{"id":%q,"flowId":%q,"path":%q,"creationDate":%d}`, id, flowA, pathA, cd)}
}

// ddUpdated is dd(id, cd) changed once since its creation.
func ddUpdated(id string, cd int64) WSDropInfo {
	d := dd(id, cd)
	d.Version = 1
	d.Value = fmt.Appendf(nil, `{"id":%q,"creationDate":%d,"version":1,"lastEditDate":%d}`, id, cd, cd+5)
	return d
}

// ddPush is the push frame of dd(id, cd).
func ddPush(id string, cd int64) []byte {
	d := dd(id, cd)
	return push(flowA, string(d.Value))
}

func drops(ds ...WSDropInfo) []WSDropInfo { return ds }

// deliveredIDs lists the drops delivered, as "handler:id".
func deliveredIDs(acts []WSAction) []string {
	var out []string
	for _, d := range actionsOf[*Deliver](acts) {
		id := dropInfoOf(d.Drop.Value).ID
		if id == "" {
			id = fmt.Sprint("ref", d.Drop.Ref)
		}
		out = append(out, fmt.Sprintf("%d:%s", d.Handler, id))
	}
	return out
}

func gapsOf(acts []WSAction) []*GapError {
	var out []*GapError
	for _, se := range actionsOf[*ReportError](acts) {
		var g *GapError
		if errors.As(se.Err, &g) {
			out = append(out, g)
		}
	}
	return out
}

// onlyFind returns the one Find of acts and the query of its request.
func onlyFind(t *testing.T, acts []WSAction) (*Find, url.Values) {
	t.Helper()
	fs := actionsOf[*Find](acts)
	require.Len(t, fs, 1, "finds in %#v", acts)
	u, err := url.Parse(fs[0].Request.URL)
	require.NoError(t, err)
	return fs[0], u.Query()
}

// startSub subscribes h to flow A with backfill on an open engine, confirms
// the subscribe frame and answers the start's find with newest (newest
// first). It returns the call's settle.
func startSub(t *testing.T, e *WSEngine, h WSHandlerID, newest ...WSDropInfo) []WSAction {
	t.Helper()
	call, acts := e.Subscribe(flowA, h, true)
	if fs := framesOf(acts); len(fs) == 1 {
		acts = e.FrameReceived(okReply(msgIDOf(t, fs[0]), `{}`))
	}
	find, q := onlyFind(t, acts)
	assert.Equal(t, "desc", q.Get("order"))
	assert.Empty(t, settledOf(t, acts), "settles only once it has its start")
	acts = e.FindDone(find.ID, newest, nil)
	s := settledOf(t, acts)[call]
	require.NotNil(t, s)
	require.NoError(t, s.Err)
	return acts
}

// lose drops the socket, reconnects and confirms every re-subscribe; it
// returns the actions of the confirmations (the back-fill finds).
func lose(t *testing.T, e *WSEngine) []WSAction {
	t.Helper()
	e.Closed(errors.New("EOF"))
	require.Equal(t, WSBackoff, e.State())
	e.TimerFired(WSTimerReconnect)
	var out []WSAction
	for _, f := range framesOf(e.Opened()) {
		out = append(out, e.FrameReceived(okReply(msgIDOf(t, f), "{}"))...)
	}
	return out
}

func backfillEngine(t *testing.T, opts WSSettings) *WSEngine {
	t.Helper()
	opts.Reconnect = true
	opts.Rand = seq(0)
	opts.HeartbeatMs = -1
	return openEngine(t, opts)
}

func TestWSBackfillStart(t *testing.T) {
	tests := []struct {
		name    string
		newest  []WSDropInfo // the start's find
		pushed  []WSDropInfo // pushes that arrive while it runs
		after   []WSDropInfo // pushes after it
		deliver []string
	}{
		{"empty flow: every push is new",
			nil, drops(dd("d1", 10)), drops(dd("d2", 10)), []string{"1:d1", "1:d2"}},
		{"pushes the find saw predate the start",
			drops(dd("d3", 30), dd("d2", 20)), drops(dd("d3", 30), dd("d4", 30), dd("d5", 40)), drops(dd("d6", 50)),
			[]string{"1:d4", "1:d5", "1:d6"}},
		{"older and marked drops are never delivered, even pushed again",
			drops(dd("d3", 30)), nil, drops(dd("d2", 20), dd("d3", 30), dd("d4", 31), dd("d4", 31)),
			[]string{"1:d4"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := backfillEngine(t, WSSettings{})
			call, acts := e.Subscribe(flowA, 1, true)
			acts = e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{"s":1}`))
			find, q := onlyFind(t, acts)
			assert.Equal(t, "/v0.1/alice/drop/"+flowA, mustURL(t, find.Request.URL).Path)
			assert.Equal(t, url.Values{"sort": {"creationDate"}, "order": {"desc"}, "limit": {"500"}, "start": {"0"},
				"only": {"id,creationDate"}}, q)
			var got []WSAction
			for _, d := range tt.pushed {
				got = append(got, e.PushesReceived(WSPush{Resource: flowA, Drop: d})...)
			}
			assert.Empty(t, deliveredIDs(got), "held until the start")
			acts = e.FindDone(find.ID, tt.newest, nil)
			assert.Equal(t, &SettleReply{Call: call, Body: []byte(`{"s":1}`)}, acts[0], "settled first")
			got = append(got, acts...)
			for _, d := range tt.after {
				got = append(got, e.FrameReceived(push(flowA, string(d.Value)))...)
			}
			assert.Equal(t, tt.deliver, deliveredIDs(got))
		})
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	require.NoError(t, err)
	return u
}

// The start marks every drop of the newest millisecond, paging on while a
// whole page is of it.
func TestWSBackfillStartPaging(t *testing.T) {
	e := backfillEngine(t, WSSettings{BackfillPage: 2})
	_, acts := e.Subscribe(flowA, 1, true)
	find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
	find, q := onlyFind(t, e.FindDone(find.ID, drops(dd("d5", 50), dd("d4", 50)), nil))
	assert.Equal(t, "2", q.Get("start"))
	find, q = onlyFind(t, e.FindDone(find.ID, drops(dd("d3", 50), dd("d2", 50)), nil))
	assert.Equal(t, "4", q.Get("start"))
	acts = e.FindDone(find.ID, drops(dd("d1", 50), dd("d0", 40)), nil)
	require.Len(t, actionsOf[*SettleReply](acts), 1)
	got := deliveredIDs(e.FrameReceived(ddPush("d1", 50)))
	got = append(got, deliveredIDs(e.FrameReceived(ddPush("d6", 50)))...)
	assert.Equal(t, []string{"1:d6"}, got)
}

// After a reconnect, a subscription finds what it missed, oldest first,
// from its mark, then delivers the pushes it held meanwhile: each drop
// once, in order.
func TestWSBackfillAfterReconnect(t *testing.T) {
	tests := []struct {
		name  string
		page  int
		pages [][]WSDropInfo
		held  []WSDropInfo // pushed on the new socket while back-filling
		want  []string     // delivered after the reconnect
		query []url.Values // of each page after the first
		gaps  [][2]int64   // from, to
		opts  func(*WSSettings)
	}{
		{name: "one short page, then the held pushes",
			pages: [][]WSDropInfo{drops(dd("d2", 20), dd("d3", 30), dd("d4", 30))},
			held:  drops(dd("d4", 30), dd("d5", 40)),
			want:  []string{"1:d3", "1:d4", "1:d5"}},
		{name: "paging by creation date and offset", page: 2,
			pages: [][]WSDropInfo{
				drops(dd("d2", 20), dd("d3", 30)),
				drops(dd("d4", 30), dd("d5", 40)),
				drops(dd("d6", 40), dd("d7", 40)),
				drops(dd("d8", 50)),
			},
			want: []string{"1:d3", "1:d4", "1:d5", "1:d6", "1:d7", "1:d8"},
			query: []url.Values{
				{"filter": {"creationDate >= 30"}, "start": {"1"}},
				{"filter": {"creationDate >= 40"}, "start": {"1"}},
				{"filter": {"creationDate >= 40"}, "start": {"3"}},
			}},
		{name: "a full page that reaches the held pushes is the last", page: 2,
			pages: [][]WSDropInfo{drops(dd("d2", 20), dd("d3", 30))},
			held:  drops(dd("d3", 30), dd("d4", 40)),
			want:  []string{"1:d3", "1:d4"}},
		{name: "a held change of a delivered drop does not end paging", page: 2,
			pages: [][]WSDropInfo{drops(dd("d2", 20), dd("d3", 30)), drops(dd("d4", 40))},
			held:  drops(ddUpdated("d2", 20)),
			want:  []string{"1:d3", "1:d4", "1:d2"},
			query: []url.Values{{"filter": {"creationDate >= 30"}, "start": {"1"}}}},
		{name: "a found drop delivered before and changed since is not delivered again",
			pages: [][]WSDropInfo{drops(ddUpdated("d2", 20), dd("d3", 30), dd("d4", 30))},
			want:  []string{"1:d3", "1:d4"}},
		{name: "the delivered drops are gone: a gap, to the first drop found",
			pages: [][]WSDropInfo{drops(dd("d9", 90), dd("d10", 95))},
			want:  []string{"1:d9", "1:d10"},
			gaps:  [][2]int64{{20, 90}}},
		{name: "nothing left at all: a gap that ends at the next drop",
			pages: [][]WSDropInfo{nil},
			held:  drops(dd("d11", 110)),
			want:  []string{"1:d11"},
			gaps:  [][2]int64{{20, 110}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := WSSettings{BackfillPage: tt.page}
			e := backfillEngine(t, opts)
			startSub(t, e, 1, dd("d1", 10))
			require.Equal(t, []string{"1:d2"}, deliveredIDs(e.FrameReceived(ddPush("d2", 20))))

			find, q := onlyFind(t, lose(t, e))
			assert.Equal(t, url.Values{"sort": {"creationDate"}, "order": {"asc"}, "hints": {"true"},
				"limit": {fmt.Sprint(e.opts.BackfillPage)}, "start": {"0"}, "filter": {"creationDate >= 20"}}, q)
			var got []WSAction
			for _, d := range tt.held {
				got = append(got, e.PushesReceived(WSPush{Resource: flowA, Drop: d})...)
			}
			assert.Empty(t, deliveredIDs(got), "held while back-filling")
			for i, page := range tt.pages {
				acts := e.FindDone(find.ID, page, nil)
				got = append(got, acts...)
				if i+1 < len(tt.pages) {
					find, q = onlyFind(t, acts)
					for k, v := range tt.query[i] {
						assert.Equal(t, v, q[k], "page %d: %s", i+2, k)
					}
				} else {
					assert.Empty(t, actionsOf[*Find](acts), "no page after the last")
				}
			}
			got = append(got, e.FrameReceived(ddPush("d4", 30))...) // a late duplicate
			got = append(got, e.FrameReceived(ddPush("d12", 120))...)
			assert.Equal(t, append(tt.want, "1:d12"), deliveredIDs(got))
			var gaps [][2]int64
			for _, g := range gapsOf(got) {
				gaps = append(gaps, [2]int64{g.From, g.To})
				assert.Equal(t, flowA, g.Resource)
				assert.Equal(t, KindGap, KindOf(g))
				assert.Contains(t, g.Error(), "may be missing")
			}
			assert.Equal(t, tt.gaps, gaps)
		})
	}
}

// A drop older than the subscription is never delivered by back-fill, even
// one changed before the subscription (the start's find does not ask for
// versions).
func TestWSBackfillSkipsOlderChangedDrops(t *testing.T) {
	e := backfillEngine(t, WSSettings{})
	startSub(t, e, 1, dd("d0", 10))
	find, _ := onlyFind(t, lose(t, e))
	acts := e.FindDone(find.ID, drops(ddUpdated("d0", 10)), nil)
	assert.Empty(t, deliveredIDs(acts))
	assert.Empty(t, gapsOf(acts), "the boundary drop is still there")
	assert.Equal(t, []string{"1:d1"}, deliveredIDs(e.FrameReceived(ddPush("d1", 20))))
}

// A subscription holds at most maxHeld pushes while it catches up: past
// that, a back-fill is given up for a gap and a start fails, and what was
// held is released.
func TestWSBackfillHeldBounded(t *testing.T) {
	hold := func(e *WSEngine, from int) []WSAction {
		var out []WSAction
		for i := range maxHeld {
			d := dd(fmt.Sprint("h", i), int64(from+i))
			d.Ref = uint64(i + 1)
			out = append(out, e.PushesReceived(WSPush{Resource: flowA, Drop: d})...)
		}
		return out
	}
	t.Run("back-filling", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		startSub(t, e, 1, dd("d0", 10))
		require.Equal(t, []string{"1:d1"}, deliveredIDs(e.FrameReceived(ddPush("d1", 20))))
		find, _ := onlyFind(t, lose(t, e))
		require.Empty(t, hold(e, 1000), "all held")
		acts := e.PushesReceived(WSPush{Resource: flowA, Drop: dd("next", 50000)})
		assert.Equal(t, []string{"1:next"}, deliveredIDs(acts))
		require.Len(t, actionsOf[*CancelFind](acts), 1)
		assert.Equal(t, find.ID, actionsOf[*CancelFind](acts)[0].ID)
		assert.Len(t, actionsOf[*Release](acts), maxHeld, "every held push released")
		gaps := gapsOf(acts)
		require.Len(t, gaps, 1)
		assert.Equal(t, [2]int64{20, 50000}, [2]int64{gaps[0].From, gaps[0].To})
		assert.Contains(t, gaps[0].Error(), "more than 10000 drops were pushed while back-filling")
		assert.Empty(t, e.FindDone(find.ID, drops(dd("d2", 30)), nil), "the abandoned find's answer is ignored")
		assert.Equal(t, []string{"1:d3"}, deliveredIDs(e.FrameReceived(ddPush("d3", 60000))))
	})
	t.Run("starting", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		call, acts := e.Subscribe(flowA, 1, true)
		acts = e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`))
		onlyFind(t, acts)
		require.Empty(t, hold(e, 1000))
		acts = e.PushesReceived(WSPush{Resource: flowA, Drop: dd("next", 50000)})
		s := settledOf(t, acts)[call]
		require.NotNil(t, s)
		var gap *GapError
		require.ErrorAs(t, s.Err, &gap)
		assert.Contains(t, gap.Error(), "before its start was found")
		assert.Len(t, actionsOf[*Release](acts), maxHeld)
		assert.Empty(t, deliveredIDs(acts))
	})
}

// Finds that fail transiently are retried with backoff; a refusal ends the
// subscription; failures past the limit are a gap.
func TestWSBackfillFindFailures(t *testing.T) {
	unavailable := newStatusError(&ResponseError{Status: 503, Method: "GET", Path: "/drop/" + flowA})
	gone := newStatusError(&ResponseError{Status: 404, Method: "GET", Path: "/drop/" + flowA})
	transport := &TransportError{Method: "GET", Path: "/drop/" + flowA, Err: errors.New("connection refused")}

	t.Run("transient failures are retried, then it goes on", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{BackoffMinMs: 1_000})
		startSub(t, e, 1)
		e.FrameReceived(ddPush("d1", 10))
		find, _ := onlyFind(t, lose(t, e))
		for i, err := range []error{unavailable, transport, errors.New("timeout")} {
			acts := e.FindDone(find.ID, nil, err)
			require.Len(t, actionsOf[*ReportError](acts), 1)
			assert.Equal(t, []*SetTimer{{Timer: WSTimerRetry, AfterMs: 1_000 << i / 2}}, actionsOf[*SetTimer](acts), "try %d", i+1)
			e.FrameReceived(ddPush("d3", 30)) // held
			find, _ = onlyFind(t, e.TimerFired(WSTimerRetry))
		}
		acts := e.FindDone(find.ID, drops(dd("d1", 10), dd("d2", 20)), nil)
		assert.Equal(t, []string{"1:d2", "1:d3"}, deliveredIDs(acts))
	})
	t.Run("a refusal while back-filling ends the subscription", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		startSub(t, e, 1)
		find, _ := onlyFind(t, lose(t, e))
		acts := e.FindDone(find.ID, nil, gone)
		assert.Equal(t, []*EndSubscription{{Resource: flowA, Handler: 1, Err: gone}}, actionsOf[*EndSubscription](acts))
		frame, _ := onlyFrame(t, acts)
		assert.Contains(t, frame, `"type":"unsubscribe"`)
		assert.Empty(t, e.FrameReceived(ddPush("d1", 10)))
	})
	t.Run("a refusal of the start fails Subscribe", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		call, acts := e.Subscribe(flowA, 1, true)
		find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
		acts = e.FindDone(find.ID, nil, gone)
		assert.Equal(t, gone, settledOf(t, acts)[call].Err)
		assert.Empty(t, actionsOf[*EndSubscription](acts))
	})
	t.Run("back-filling that keeps failing is a gap; pushes go on", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{BackfillAttempts: 3})
		startSub(t, e, 1)
		e.FrameReceived(ddPush("d1", 10))
		find, _ := onlyFind(t, lose(t, e))
		e.FrameReceived(ddPush("d5", 50))
		var acts []WSAction
		for i := range 3 {
			acts = e.FindDone(find.ID, nil, unavailable)
			if i < 2 {
				find, _ = onlyFind(t, e.TimerFired(WSTimerRetry))
			}
		}
		assert.Equal(t, []string{"1:d5"}, deliveredIDs(acts))
		gaps := gapsOf(acts)
		require.Len(t, gaps, 1)
		assert.Equal(t, [2]int64{10, 50}, [2]int64{gaps[0].From, gaps[0].To})
		assert.ErrorIs(t, gaps[0], unavailable)
		assert.Contains(t, gaps[0].Error(), "back-filling kept failing")
		assert.Equal(t, []string{"1:d6"}, deliveredIDs(e.FrameReceived(ddPush("d6", 60))))
	})
	t.Run("a start that keeps failing fails Subscribe", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{BackfillAttempts: 2})
		call, acts := e.Subscribe(flowA, 1, true)
		find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
		e.FindDone(find.ID, nil, unavailable)
		find, _ = onlyFind(t, e.TimerFired(WSTimerRetry))
		acts = e.FindDone(find.ID, nil, transport)
		assert.Equal(t, transport, settledOf(t, acts)[call].Err)
	})
	t.Run("a drop without id or creationDate is a malformed page of back-fill; the start skips it", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		call, acts := e.Subscribe(flowA, 1, true)
		find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
		acts = e.FindDone(find.ID, drops(WSDropInfo{ID: "d1", Ref: 9}, dd("d2", 20)), nil)
		assert.NoError(t, settledOf(t, acts)[call].Err)
		assert.Contains(t, acts, WSAction(&Release{Ref: 9}))
		find, _ = onlyFind(t, lose(t, e))
		acts = e.FindDone(find.ID, drops(WSDropInfo{ID: "d3", Ref: 10}), nil)
		var mr *MalformedResponseError
		require.ErrorAs(t, actionsOf[*ReportError](acts)[0].Err, &mr)
		assert.Contains(t, acts, WSAction(&Release{Ref: 10}))
	})
}

// A re-subscribe refused transiently (a 5xx) is retried; the subscriptions
// survive. A first subscribe gives up after as many tries as a find.
func TestWSBackfillResubscribeRetried(t *testing.T) {
	e := backfillEngine(t, WSSettings{BackfillAttempts: 2})
	startSub(t, e, 1)
	e.FrameReceived(ddPush("d1", 10))

	e.Closed(errors.New("EOF"))
	e.TimerFired(WSTimerReconnect)
	fs := framesOf(e.Opened())
	require.Len(t, fs, 1)
	for range 3 { // more than BackfillAttempts: a started subscription never gives up
		acts := e.FrameReceived(errReply(msgIDOf(t, fs[0]), 503, "busy"))
		assert.Empty(t, actionsOf[*EndSubscription](acts))
		assert.Len(t, actionsOf[*ReportError](acts), 1)
		assert.Len(t, actionsOf[*SetTimer](acts), 1)
		fs = framesOf(e.TimerFired(WSTimerRetry))
		require.Len(t, fs, 1)
		assert.Contains(t, fs[0], `"type":"subscribe","flowId":"`+flowA)
	}
	find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, fs[0]), `{}`)))
	assert.Equal(t, []string{"1:d2"}, deliveredIDs(e.FindDone(find.ID, drops(dd("d1", 10), dd("d2", 20)), nil)))

	// A first subscribe refused transiently twice fails with the error.
	call, acts := e.Subscribe(flowB, 2, true)
	acts = e.FrameReceived(errReply(msgIDOf(t, framesOf(acts)[0]), 502, "bad gateway"))
	assert.Empty(t, settledOf(t, acts))
	acts = e.FrameReceived(errReply(msgIDOf(t, framesOf(e.TimerFired(WSTimerRetry))[0]), 503, "busy"))
	var se *ServerError
	require.ErrorAs(t, settledOf(t, acts)[call].Err, &se)
	assert.Empty(t, framesOf(acts), "nothing to unsubscribe")
	assert.Empty(t, e.TimerFired(WSTimerRetry))
}

// A push held by a subscription that is back-filling and delivered at once
// to another is released once, when the last holder is done with it.
func TestWSBackfillRefsReleasedOnce(t *testing.T) {
	e := backfillEngine(t, WSSettings{})
	startSub(t, e, 1)
	subscribeOK(t, e, flowA, 2) // without backfill: live at once
	e.FrameReceived(ddPush("d1", 10))
	findActs := lose(t, e)
	find, _ := onlyFind(t, findActs)

	d2 := dd("d2", 20)
	d2.Value, d2.Ref = nil, 7
	acts := e.PushesReceived(WSPush{Resource: flowA, Drop: d2})
	assert.Equal(t, []WSAction{&Deliver{Handler: 2, Drop: WSDrop{Resource: flowA, Ref: 7}}}, acts, "held by 1: not released")
	acts = e.FindDone(find.ID, drops(dd("d1", 10)), nil)
	assert.Equal(t, []WSAction{&Deliver{Handler: 1, Drop: WSDrop{Resource: flowA, Ref: 7}, Last: true}}, acts, "released by its last Deliver")

	// A find's drops are released too, and so are those of a find the
	// engine no longer wants.
	find, _ = onlyFind(t, lose(t, e))
	acts = e.FindDone(find.ID, []WSDropInfo{{ID: "d2", CreationDate: 20, Ref: 8}, {ID: "d3", FlowID: flowA, CreationDate: 30, Ref: 9}}, nil)
	assert.Equal(t, []WSAction{&Release{Ref: 8}, &Deliver{Handler: 1, Drop: WSDrop{Resource: flowA, Ref: 9}, Last: true}}, acts)
	assert.Equal(t, []WSAction{&Release{Ref: 10}}, e.FindDone(find.ID, []WSDropInfo{{ID: "d4", Ref: 10}}, nil), "stale")
	assert.Empty(t, e.FindDone(0, nil, nil))

	// Holds dropped with a socket are released.
	find, _ = onlyFind(t, lose(t, e))
	d5 := WSDropInfo{ID: "d5", FlowID: flowA, CreationDate: 50, Ref: 11}
	assert.Equal(t, []string{"2:ref11"}, deliveredIDs(e.PushesReceived(WSPush{Resource: "", Drop: d5})))
	acts = e.Closed(errors.New("EOF"))
	assert.Contains(t, acts, WSAction(&Release{Ref: 11}))
	assert.Contains(t, acts, WSAction(&CancelFind{ID: find.ID}))
}

// Pushes of changes to drops are delivered as they come; a change that
// carries a drop not delivered yet delivers it.
func TestWSBackfillUpdates(t *testing.T) {
	e := backfillEngine(t, WSSettings{})
	startSub(t, e, 1, dd("d0", 5))
	upd := ddUpdated
	var got []WSAction
	got = append(got, e.FrameReceived(ddPush("d1", 10))...)
	got = append(got, e.PushesReceived(WSPush{Resource: flowA, Drop: upd("d1", 10)})...) // a change of a delivered drop
	got = append(got, e.PushesReceived(WSPush{Resource: flowA, Drop: upd("d0", 5)})...)  // of one that predates the subscription
	got = append(got, e.PushesReceived(WSPush{Resource: flowA, Drop: upd("d2", 20)})...) // of one never delivered: delivers it
	got = append(got, e.FrameReceived(ddPush("d2", 20))...)                              // its creation, late: a duplicate
	got = append(got, e.FrameReceived(push(flowA, `{"n":1}`))...)
	assert.Equal(t, []string{"1:d1", "1:d1", "1:d0", "1:d2", "1:ref0"}, deliveredIDs(got))
	u, c := upd("d", 1), dd("d", 1)
	assert.True(t, u.updated())
	assert.False(t, c.updated())
}

func TestWSBackfillUnsubscribeAndClose(t *testing.T) {
	t.Run("unsubscribing while starting cancels the find", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		call, acts := e.Subscribe(flowA, 1, true)
		find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
		e.PushesReceived(WSPush{Resource: flowA, Drop: WSDropInfo{ID: "d1", CreationDate: 1, Ref: 5}})
		unsub, acts := e.Unsubscribe(flowA, 1)
		assert.ErrorIs(t, settledOf(t, acts)[call].Err, ErrUnsubscribed)
		assert.Contains(t, acts, WSAction(&CancelFind{ID: find.ID}))
		assert.Contains(t, acts, WSAction(&Release{Ref: 5}))
		frame, id := onlyFrame(t, acts)
		assert.Contains(t, frame, `"type":"unsubscribe"`)
		assert.NoError(t, settledOf(t, e.FrameReceived(okReply(id, `{}`)))[unsub].Err)
	})
	t.Run("a cancelled Subscribe that was starting goes away", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		call, acts := e.Subscribe(flowA, 1, true)
		find, _ := onlyFind(t, e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`)))
		acts = e.Cancel(call)
		assert.Contains(t, acts, WSAction(&CancelFind{ID: find.ID}))
		assert.Empty(t, e.subs)
	})
	t.Run("close cancels the finds and ends the subscriptions", func(t *testing.T) {
		e := backfillEngine(t, WSSettings{})
		startSub(t, e, 1)
		waiting, acts := e.Subscribe(flowA, 2, true)
		find, _ := onlyFind(t, acts)
		acts = e.Close()
		assert.Contains(t, acts, WSAction(&CancelFind{ID: find.ID}))
		assert.ErrorIs(t, settledOf(t, acts)[waiting].Err, ErrWebSocketClosed)
		assert.Equal(t, []*EndSubscription{{Resource: flowA, Handler: 1, Err: ErrWebSocketClosed}}, actionsOf[*EndSubscription](acts))
	})
}

// A server that stops sending while the socket looks open is detected
// within two heartbeat intervals: a probe that every server answers, then
// a reconnect.
func TestWSEngineLiveness(t *testing.T) {
	const beat = 10_000
	e := openEngine(t, WSSettings{HeartbeatMs: beat, Reconnect: true, Rand: seq(0)})
	heartbeat := WSAction(&SendFrame{Frame: []byte(`{"type":"heartbeat"}`)})

	// Traffic in each interval: heartbeats only.
	for range 3 {
		e.FrameReceived(push(flowB, drop(flowB, "/x")))
		assert.Equal(t, []WSAction{heartbeat, &SetTimer{Timer: WSTimerHeartbeat, AfterMs: beat}}, e.TimerFired(WSTimerHeartbeat))
	}
	// A silent interval: a probe; its reply (any reply) is traffic.
	acts := e.TimerFired(WSTimerHeartbeat)
	fs := framesOf(acts)
	require.Len(t, fs, 2)
	assert.Equal(t, `{"msgId":"1","object":"flow","type":"findmany","options":{"limit":"1","only":"id"}}`, fs[1])
	assert.Empty(t, e.FrameReceived(errReply("1", 403, "no")), "the probe's reply settles nothing")
	assert.Len(t, framesOf(e.TimerFired(WSTimerHeartbeat)), 1, "heard: no probe")
	// Two silent intervals: the socket is closed and the engine reconnects.
	assert.Len(t, framesOf(e.TimerFired(WSTimerHeartbeat)), 2)
	acts = e.TimerFired(WSTimerHeartbeat)
	assert.Equal(t, &CloseSocket{}, acts[0])
	assert.Equal(t, WSBackoff, e.State())
	var lost *ConnectionLostError
	require.ErrorAs(t, actionsOf[*ReportError](acts)[0].Err, &lost)
	var te *TimeoutError
	require.ErrorAs(t, lost, &te)
	assert.Equal(t, KindTimeout, KindOf(te))
	assert.True(t, te.Timeout())
	assert.Equal(t, "flowthings: waiting for any frame from the server timed out after 20000 ms", te.Error())
}

// The handshake is bounded by the engine's timer, on the first connection
// and on every reconnect.
func TestWSEngineTimeout(t *testing.T) {
	e := NewWSEngine(wsTestCfg, WSSettings{TimeoutMs: 5_000, Reconnect: true, Rand: seq(0)})
	e.Connect()
	acts := e.TimerFired(WSTimerHandshake)
	assert.Equal(t, &CloseSocket{}, acts[0], "the attempt is abandoned")
	st := actionsOf[*Stopped](acts)
	require.Len(t, st, 1)
	var te *TimeoutError
	require.ErrorAs(t, st[0].Err, &te)
	assert.Equal(t, "flowthings: POST /session: websocket handshake timed out after 5000 ms", te.Error())

	e = openEngine(t, WSSettings{TimeoutMs: 5_000, Reconnect: true, Rand: seq(0)})
	e.Closed(errors.New("EOF"))
	assert.Equal(t, WSStatusReconnecting, e.Status())
	acts = e.TimerFired(WSTimerReconnect)
	assert.Contains(t, acts, WSAction(&SetTimer{Timer: WSTimerHandshake, AfterMs: 5_000}))
	acts = e.TimerFired(WSTimerHandshake)
	assert.Equal(t, WSBackoff, e.State(), "a reconnect that times out is one failed attempt")
	assert.Equal(t, 2, e.attempts)
	assert.Len(t, actionsOf[*OpenSession](e.TimerFired(WSTimerReconnect)), 1)
	assert.Contains(t, e.Opened(), WSAction(&CancelTimer{Timer: WSTimerHandshake}))
	assert.Nil(t, e.TimerFired(WSTimerHandshake), "disarmed once open")

	e = NewWSEngine(wsTestCfg, WSSettings{TimeoutMs: -1})
	assert.Len(t, e.Connect(), 1, "no bound")
}

// Sockets that open and drop at once are failed attempts: the backoff
// grows and MaxAttempts counts them, until one stays open StableAfter.
func TestWSEngineBackoffAcrossShortLivedSockets(t *testing.T) {
	e := NewWSEngine(wsTestCfg, WSSettings{Reconnect: true, MaxAttempts: 3, BackoffMinMs: 1_000,
		BackoffMaxMs: 60_000, StableAfterMs: 10_000, Rand: seq(0)})
	sessions := len(actionsOf[*OpenSession](e.Connect()))
	var delays []int64
	for e.State() != WSStopped {
		e.Opened()
		acts := e.Closed(errors.New("1011 internal error"))
		for _, st := range actionsOf[*SetTimer](acts) {
			delays = append(delays, st.AfterMs)
		}
		sessions += len(actionsOf[*OpenSession](e.TimerFired(WSTimerReconnect)))
	}
	assert.Equal(t, 4, sessions, "the first session and MaxAttempts reconnects")
	assert.Equal(t, []int64{500, 1_000, 2_000}, delays)

	// A socket that stays open resets the count.
	e = NewWSEngine(wsTestCfg, WSSettings{Reconnect: true, MaxAttempts: 1, Rand: seq(0)})
	e.Connect()
	for range 5 {
		e.Opened()
		e.TimerFired(WSTimerStable)
		e.Closed(errors.New("EOF"))
		require.Equal(t, WSBackoff, e.State())
		e.TimerFired(WSTimerReconnect)
	}
}

// Calls that time out leave nothing behind in the engine, however long
// the socket stays open.
func TestWSEngineCancelKeepsNothing(t *testing.T) {
	e := openEngine(t, WSSettings{})
	for i := range 10000 {
		call, _ := e.Send(WSFrame{Object: "flow", Type: "find", ID: fmt.Sprint("f", i)})
		e.Cancel(call)
	}
	assert.Empty(t, e.pending)
	assert.Empty(t, e.byCall)
	assert.Empty(t, e.FrameReceived(okReply("77", "{}")), "a late reply is dropped")
}

func TestWSFindRequest(t *testing.T) {
	cfg := wsTestCfg
	cfg.Params = Params{"skip": 7, "refs": true} // the user's defaults move or reshape no page
	e := NewWSEngine(cfg, WSSettings{BackfillPage: 50})
	tests := []struct {
		resource string
		kind     int
		cursor   wsCursor
		path     string
		query    string
	}{
		{flowA, findKindAnchor, wsCursor{start: 50}, "/v0.1/alice/drop/" + flowA,
			"limit=50&only=id%2CcreationDate&order=desc&sort=creationDate&start=50"},
		{"/alice/x", findKindFill, wsCursor{}, "/v0.1/alice/drop",
			"hints=true&limit=50&order=asc&path=%2Falice%2Fx&sort=creationDate&start=0"},
		{"/bob/shared", findKindFill, wsCursor{dated: true, cd: 1700000000000, start: 3}, "/v0.1/bob/drop",
			"filter=creationDate%20%3E%3D%201700000000000&hints=true&limit=50&order=asc&path=%2Fbob%2Fshared&sort=creationDate&start=3"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			req, err := e.findRequest(tt.resource, tt.kind, tt.cursor)
			require.NoError(t, err)
			u := mustURL(t, req.URL)
			assert.Equal(t, tt.path, u.Path)
			assert.Equal(t, tt.query, u.RawQuery)
			assert.Equal(t, "GET", req.Method)
		})
	}
	_, err := e.findRequest("/", findKindFill, wsCursor{})
	var ie *InputError
	assert.ErrorAs(t, err, &ie)
}

// A page larger than a platform returns would look like the last one: the
// page is at most 500 drops.
func TestWSBackfillPageBounded(t *testing.T) {
	for _, tt := range []struct{ asked, got int }{{0, 500}, {-1, 500}, {20, 20}, {500, 500}, {501, 500}, {5000, 500}} {
		assert.Equal(t, tt.got, NewWSEngine(wsTestCfg, WSSettings{BackfillPage: tt.asked}).opts.BackfillPage, "asked %d", tt.asked)
	}
}

// A subscription whose flow no find can name ends as a refusal would.
func TestWSBackfillUnfindableResource(t *testing.T) {
	e := backfillEngine(t, WSSettings{})
	call, acts := e.Subscribe("/", 1, true)
	acts = e.FrameReceived(okReply(msgIDOf(t, framesOf(acts)[0]), `{}`))
	var ie *InputError
	require.ErrorAs(t, settledOf(t, acts)[call].Err, &ie)
}

func TestDecodeFindResponse(t *testing.T) {
	req := Request{Method: "GET", Path: "/drop/" + flowA, Header: []Header{{"X-Auth-Token", "T0ken"}}}
	ds, err := DecodeFindResponse(req, 200, []byte(`{"head":{"ok":true,"status":200},"body":[`+
		`{"id":"d1","flowId":"f1","path":"/a/b","creationDate":10,"lastEditDate":12,"version":2,"elems":{"id":"x"}},{"id":7},[]]}`))
	require.NoError(t, err)
	require.Len(t, ds, 3)
	assert.Equal(t, WSDropInfo{ID: "d1", FlowID: "f1", Path: "/a/b", CreationDate: 10, Version: 2,
		Value: []byte(`{"id":"d1","flowId":"f1","path":"/a/b","creationDate":10,"lastEditDate":12,"version":2,"elems":{"id":"x"}}`)}, ds[0])
	assert.False(t, ds[1].dated())
	assert.Equal(t, "[]", string(ds[2].Value))

	_, err = DecodeFindResponse(req, 200, []byte(`{"head":{"ok":true,"status":200},"body":{"T0ken":1}}`))
	var mr *MalformedResponseError
	require.ErrorAs(t, err, &mr)
	assert.NotContains(t, mr.Error(), "T0ken")
	_, err = DecodeFindResponse(req, 503, []byte(`{"head":{"ok":false,"status":503,"errors":["busy"]},"body":{}}`))
	var se *ServerError
	require.ErrorAs(t, err, &se)
	assert.False(t, permanentError(err))
}

func TestPermanentError(t *testing.T) {
	status := func(s int) error { return newStatusError(&ResponseError{Status: s}) }
	tests := []struct {
		err  error
		want bool
	}{
		{status(400), true}, {status(403), true}, {status(404), true}, {status(408), false}, {status(429), false},
		{status(500), false}, {status(503), false}, {&InputError{Field: "x"}, true},
		{&ConnectionLostError{Err: status(404)}, true}, {&TransportError{Err: errors.New("x")}, false},
		{&TimeoutError{}, false}, {errors.New("x"), false}, {nil, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, permanentError(tt.err), "%v", tt.err)
	}
}

func TestGapErrorText(t *testing.T) {
	assert.Equal(t, `flowthings: subscription to "/a/b": drops created from 10 to 20 (epoch ms) may be missing: gone`,
		(&GapError{Resource: "/a/b", From: 10, To: 20, Reason: "gone"}).Error())
	assert.Equal(t, `flowthings: subscription to "/a/b": drops created from 10 on (epoch ms) may be missing: failed: boom`,
		(&GapError{Resource: "/a/b", From: 10, Reason: "failed", Err: errors.New("boom")}).Error())
}
