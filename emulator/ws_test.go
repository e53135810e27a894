package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWSSessionLifecycle(t *testing.T) {
	clock := newClock()
	v := newEnv(t, Config{Now: clock.now})

	t.Run("create", func(t *testing.T) {
		v := v.with(t)
		r := v.must(201, "POST", "/session", nil, acct("dev"))
		id := r.obj()["id"].(string)
		assert.Regexp(t, `^[0-9a-f]{32}$`, id)
		assert.Equal(t, []string{msgCreated}, r.Head.Messages)
		assert.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"))
		assert.NotEqual(t, id, v.session(), "ids are random")
		// X-Auth-Account is optional
		v.must(201, "POST", "/session", nil)
		v.must(201, "POST", "/session/", nil, tok(guestTok), acct("guest"))
	})

	t.Run("bad credentials", func(t *testing.T) {
		cases := []struct {
			name string
			opts []reqOpt
		}{
			{"unknown token", []reqOpt{tok("nope-nope-nope-nope"), acct("dev")}},
			{"missing token", []reqOpt{noTok(), acct("dev")}},
			{"unknown token, no account", []reqOpt{tok("nope-nope-nope-nope")}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := v.with(t).must(401, "POST", "/session", nil, c.opts...)
				assert.NotEmpty(t, r.err())
			})
		}
		// a valid token with X-Auth-Account of an account that shares
		// nothing with it is a 403 naming the header
		for _, opts := range [][]reqOpt{{tok(devTok), acct("guest")}, {acct("nobody")}} {
			r := v.with(t).must(403, "POST", "/session", nil, opts...)
			assert.Contains(t, r.err(), "X-Auth-Account")
		}
	})

	t.Run("routes", func(t *testing.T) {
		v := v.with(t)
		v.must(405, "GET", "/session", nil)
		v.must(404, "GET", "/session/abc/polling", nil)
		v.must(404, "GET", "/session/abc/streaming", nil)
		v.must(404, "GET", "/session/abc/other", nil)
		r := v.do("OPTIONS", "/session", nil, noTok(), hdr("Access-Control-Request-Method", "POST"))
		assert.Equal(t, 204, r.Status)
	})

	t.Run("upgrade", func(t *testing.T) {
		v := v.with(t)
		_, status, err := v.dialSession("0123456789abcdef0123456789abcdef", "")
		require.Error(t, err)
		assert.Equal(t, 404, status, "unknown session")

		id := v.session()
		// a plain GET is 426 and does not consume the session
		v.must(426, "GET", "/session/"+id+"/ws", nil)
		cl, status, err := v.dialSession(id, "")
		require.NoError(t, err)
		assert.Equal(t, 101, status)
		cl.must(200, map[string]any{"object": "flow", "type": "findmany"})
		_, status, err = v.dialSession(id, "")
		require.Error(t, err)
		assert.Equal(t, 404, status, "a session id is good for one connection")
	})

	t.Run("expiry", func(t *testing.T) {
		v := v.with(t)
		id := v.session()
		clock.advance(wsSessionTTL + time.Second)
		_, status, err := v.dialSession(id, "")
		require.Error(t, err)
		assert.Equal(t, 404, status, "expired session")
		id = v.session()
		clock.advance(wsSessionTTL - time.Second)
		_, _, err = v.dialSession(id, "")
		require.NoError(t, err, "within the TTL")
	})

	t.Run("token deleted before upgrade", func(t *testing.T) {
		v := v.with(t)
		v.flow("/dev/tdel")
		tk := v.create("token", map[string]any{"paths": map[string]any{"/dev/tdel": map[string]any{"dropRead": true}}})
		id := v.session(tok(tk["tokenString"].(string)))
		v.must(200, "DELETE", "/v0.1/dev/token/"+tk["id"].(string), nil)
		_, status, err := v.dialSession(id, "")
		require.Error(t, err)
		assert.Equal(t, 401, status)
	})
}

func dropFrame(flowID string, elems map[string]any) map[string]any {
	return map[string]any{"object": "drop", "type": "create", "flowId": flowID, "value": map[string]any{"elems": elems}}
}

func TestWSSubscribeAndPush(t *testing.T) {
	v := newEnv(t, Config{})
	f := v.flow("/dev/chat")
	fid := f["id"].(string)
	other := v.flow("/dev/other")["id"].(string)
	cl := v.connect()

	// subscribe by id and by path: one push per drop
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	r := cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "path": "/dev/chat"})
	assert.Equal(t, map[string]any{}, r.obj())
	assert.Equal(t, []string{msgOK}, r.Head.Messages)
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid}) // idempotent
	cl.must(200, map[string]any{"type": "subscribe", "flowId": other})                 // object may be omitted

	d := v.drop(fid, map[string]any{"user": "bob", "n": 1})
	p := cl.push()
	assert.Equal(t, fid, p.Resource)
	assert.Equal(t, d["id"], p.Value["id"])
	assert.Equal(t, "/dev/chat", p.Value["path"])
	assert.Equal(t, fid, p.Value["flowId"])
	assert.Equal(t, map[string]any{"type": "string", "value": "bob"}, p.Value["elems"].(map[string]any)["user"], "typed by default")
	// the same drop as REST GET renders it
	assert.Equal(t, v.must(200, "GET", "/v0.1/dev/drop/"+fid+"/"+d["id"].(string), nil).obj(), p.Value)
	// sentinel: the next frame is the other flow's drop, so the first drop came once
	v.drop(other, map[string]any{"s": 1})
	assert.Equal(t, other, cl.push().Resource)

	// update pushes too
	v.must(200, "PUT", "/v0.1/dev/drop/"+fid+"/"+d["id"].(string), map[string]any{"elems": map[string]any{"user": "eve"}})
	p = cl.push()
	assert.Equal(t, d["id"], p.Value["id"])
	assert.EqualValues(t, 1, p.Value["version"])

	// a drop written over the same socket: reply first, then the push (§8.5)
	rep, pushes := cl.call(dropFrame(fid, map[string]any{"message": "hi"}))
	require.Equal(t, 201, rep.Head.Status, string(rep.Raw))
	assert.Empty(t, pushes)
	assert.Equal(t, rep.obj()["id"], cl.push().Value["id"])

	// track copies and capacity-0 flows push
	zero := v.flow("/dev/zero", map[string]any{"capacity": 0})["id"].(string)
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "path": "/dev/zero"})
	v.create("track", map[string]any{"source": "/dev/src", "destination": "/dev/zero"})
	src := v.flow("/dev/src")["id"].(string)
	v.drop(src, map[string]any{"via": "track"})
	p = cl.push()
	assert.Equal(t, zero, p.Resource)
	assert.NotNil(t, p.Value["parentDropId"])

	// the flow was subscribed by id and by path: unsubscribing the path
	// leaves the id subscription pushing; unsubscribing the id too stops it
	cl.must(200, map[string]any{"object": "drop", "type": "unsubscribe", "path": "/dev/chat"})
	cl.must(200, map[string]any{"object": "drop", "type": "unsubscribe", "path": "/dev/chat"}) // idempotent
	v.drop(fid, map[string]any{"after": "unsubscribe path"})
	assert.Equal(t, fid, cl.push().Resource, "still subscribed by id")
	cl.must(200, map[string]any{"object": "drop", "type": "unsubscribe", "flowId": fid})
	v.drop(fid, map[string]any{"after": "unsubscribe both"})
	v.drop(other, map[string]any{"s": 2})
	assert.Equal(t, other, cl.push().Resource, "no push from the unsubscribed flow")
	// unsubscribe by id
	cl.must(200, map[string]any{"object": "drop", "type": "unsubscribe", "flowId": other})
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	v.drop(other, map[string]any{"s": 3})
	v.drop(fid, map[string]any{"s": 4})
	assert.Equal(t, fid, cl.push().Resource)

	// errors
	cases := []struct {
		name   string
		frame  map[string]any
		status int
	}{
		{"unknown flow id", map[string]any{"object": "drop", "type": "subscribe", "flowId": "f000000000000000000000000"}, 404},
		{"unknown path", map[string]any{"object": "drop", "type": "subscribe", "path": "/dev/none"}, 404},
		{"neither", map[string]any{"object": "drop", "type": "subscribe"}, 400},
		{"not a drop", map[string]any{"object": "flow", "type": "subscribe", "flowId": fid}, 400},
		{"other account without share", map[string]any{"object": "drop", "type": "subscribe", "path": "/guest/x"}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := cl.with(t)
			m := cl.must(c.status, c.frame)
			assert.False(t, m.Head.OK)
			assert.NotEmpty(t, m.Head.Errors)
			assert.Equal(t, "{}", string(m.Body))
		})
	}
}

func TestWSPushPermissions(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/p")["id"].(string)
	sentinel := v.flow("/dev/sentinel")["id"].(string)
	wo := v.create("token", map[string]any{"paths": map[string]any{"/dev/p": map[string]any{"dropWrite": true}}})
	ro := v.create("token", map[string]any{"paths": map[string]any{"/dev/p": map[string]any{"dropRead": true}}})

	w := v.connect(tok(wo["tokenString"].(string)))
	w.must(403, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	w.must(201, dropFrame(fid, map[string]any{"ok": true}))

	r := v.connect(tok(ro["tokenString"].(string)))
	r.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	master := v.connect()
	master.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	master.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": sentinel})
	v.drop(fid, map[string]any{"n": 1})
	assert.Equal(t, fid, r.push().Resource)
	assert.Equal(t, fid, master.push().Resource)

	// deleting the token stops its pushes; its frames answer 401
	v.must(200, "DELETE", "/v0.1/dev/token/"+ro["id"].(string), nil)
	v.drop(fid, map[string]any{"n": 2})
	v.drop(sentinel, map[string]any{})
	assert.Equal(t, fid, master.push().Resource)
	assert.Equal(t, sentinel, master.push().Resource)
	m := r.must(401, map[string]any{"object": "flow", "type": "findmany"})
	assert.False(t, m.Head.OK)
	select {
	case f := <-r.frames:
		t.Fatalf("unexpected frame after token deletion: %s", f.Raw)
	default:
	}

	// a share lets guest subscribe to dev's flow by path
	v.create("share", map[string]any{"issuedTo": v.identityID("guest"), "paths": map[string]any{"/dev/p": map[string]any{"read": true, "dropRead": true}}})
	g := v.connect(tok(guestTok), acct("guest"))
	g.must(200, map[string]any{"object": "drop", "type": "subscribe", "path": "/dev/p"})
	g.must(403, map[string]any{"object": "drop", "type": "create", "path": "/dev/p", "value": map[string]any{"elems": map[string]any{}}})
	v.drop(fid, map[string]any{"n": 3})
	assert.Equal(t, fid, g.push().Resource)
	// the shared flow works by flowId as by path
	g.must(200, map[string]any{"object": "drop", "type": "findmany", "flowId": fid})
	g.must(200, map[string]any{"object": "drop", "type": "findmany", "path": "/dev/p"})
}

func TestWSFanOut(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/fan")["id"].(string)
	const clients, drops = 5, 20
	cls := make([]*wsClient, clients)
	for i := range cls {
		cls[i] = v.connect()
		by := map[string]any{"flowId": fid}
		if i%2 == 1 {
			by = map[string]any{"path": "/dev/fan"}
		}
		cls[i].must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": by["flowId"], "path": by["path"]})
	}
	var want []any
	for i := 0; i < drops; i++ {
		want = append(want, v.drop(fid, map[string]any{"i": i})["id"])
	}
	var wg sync.WaitGroup
	for i, cl := range cls {
		wg.Add(1)
		go func(i int, cl *wsClient) {
			defer wg.Done()
			var got []any
			for len(got) < drops {
				select {
				case m := <-cl.frames:
					got = append(got, m.Value["id"])
				case <-time.After(10 * time.Second):
					t.Errorf("client %d: %d of %d pushes", i, len(got), drops)
					return
				}
			}
			assert.Equal(t, want, got, "client %d: every drop once, in order", i)
		}(i, cl)
	}
	wg.Wait()
}

func TestWSMsgIDEcho(t *testing.T) {
	v := newEnv(t, Config{})
	cl := v.connect()
	cases := []struct {
		name, msgID string // raw JSON; "" = absent
	}{
		{"string", `"42"`},
		{"integer", `42`},
		{"large integer", `12345678901234567890`},
		{"float", `4.5`},
		{"negative", `-7`},
		{"string with spaces", `"a b \"c\""`},
		{"null", `null`},
		{"object", `{"k":[1,2]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl.sendRaw(`{"msgId":` + c.msgID + `,"object":"flow","type":"findmany"}`)
			m := cl.recv()
			require.NotNil(t, m.Head, string(m.Raw))
			assert.Equal(t, 200, m.Head.Status)
			assert.Equal(t, c.msgID, string(m.Head.MsgID))
			assert.True(t, strings.HasPrefix(string(m.Raw), `{"head":{"msgId":`+c.msgID+`,`), string(m.Raw))
		})
	}
	// errors echo too
	cl.sendRaw(`{"msgId":7,"object":"flow","type":"find","id":"f000000000000000000000000"}`)
	m := cl.recv()
	assert.Equal(t, "7", string(m.Head.MsgID))
	assert.Equal(t, 404, m.Head.Status)
	assert.Equal(t, []string{msgNotFound}, m.Head.Errors)
	assert.Equal(t, "{}", string(m.Body))
}

func TestWSCRUD(t *testing.T) {
	v := newEnv(t, Config{})
	cl := v.connect()
	cases := []struct {
		object      string
		create      map[string]any
		update      map[string]any
		check       string // member to compare after update
		updateCode  int
		findManyLen int
	}{
		{"flow", map[string]any{"path": "/dev/wsf"}, map[string]any{"description": "chat in"}, "description", 200, 1},
		{"track", map[string]any{"source": "/dev/a", "destination": "/dev/b", "filter": "elems.rating > 25"}, map[string]any{"description": "t"}, "description", 200, 1},
		{"group", map[string]any{"displayName": "g"}, map[string]any{"displayName": "g2"}, "displayName", 200, 1},
		{"device", map[string]any{"displayName": "d", "path": "/dev/dev1"}, map[string]any{"displayName": "d2"}, "displayName", 200, 1},
		{"token", map[string]any{"paths": map[string]any{"/dev/wsf": map[string]any{"dropRead": true}}}, map[string]any{"description": "x"}, "", 400, 1},
		{"api-task", map[string]any{"displayName": "t", "destination": "/dev/wsf"}, map[string]any{"displayName": "t2"}, "displayName", 200, 1},
	}
	for _, c := range cases {
		t.Run(c.object, func(t *testing.T) {
			cl := cl.with(t)
			obj := cl.must(201, map[string]any{"object": c.object, "type": "create", "value": c.create}).obj()
			id := obj["id"].(string)
			assert.Equal(t, id, cl.must(200, map[string]any{"object": c.object, "type": "find", "id": id}).obj()["id"])
			assert.Len(t, cl.must(200, map[string]any{"object": c.object, "type": "findmany", "options": map[string]any{"limit": 10}}).list(), c.findManyLen)
			up := cl.must(c.updateCode, map[string]any{"object": c.object, "type": "update", "id": id, "value": c.update})
			if c.check != "" {
				assert.Equal(t, c.update[c.check], up.obj()[c.check])
			}
			assert.Equal(t, "{}", string(cl.must(200, map[string]any{"object": c.object, "type": "delete", "id": id}).Body))
			cl.must(404, map[string]any{"object": c.object, "type": "find", "id": id})
		})
	}

	t.Run("identity", func(t *testing.T) {
		cl := cl.with(t)
		me := cl.must(200, map[string]any{"object": "identity", "type": "find", "id": v.identityID("dev")}).obj()
		assert.Equal(t, "dev", me["name"])
		cl.must(405, map[string]any{"object": "identity", "type": "create", "value": map[string]any{"name": "x"}})
	})

	t.Run("drops", func(t *testing.T) {
		cl := cl.with(t)
		fid := v.flow("/dev/wsd")["id"].(string)
		d1 := cl.must(201, dropFrame(fid, map[string]any{"user": "bob", "n": 1})).obj()
		assert.Equal(t, map[string]any{"type": "string", "value": "bob"}, d1["elems"].(map[string]any)["user"])
		d2 := cl.must(201, map[string]any{"object": "drop", "type": "create", "path": "/dev/wsd", "value": map[string]any{"elems": map[string]any{"n": 2}}}).obj()
		assert.Equal(t, fid, d2["flowId"])
		d3 := cl.must(201, map[string]any{"object": "drop", "type": "create", "value": map[string]any{"path": "/dev/wsd", "elems": map[string]any{"n": 3}}}).obj()
		assert.Equal(t, fid, d3["flowId"])
		cl.must(400, map[string]any{"object": "drop", "type": "create", "path": "/dev/none", "value": map[string]any{"elems": map[string]any{}}})

		l := cl.must(200, map[string]any{"object": "drop", "type": "findmany", "flowId": fid,
			"options": map[string]any{"limit": "2", "filter": "EXISTS elems.n", "hints": "0", "order": "asc"}}).list()
		require.Len(t, l, 2)
		assert.Equal(t, []any{d1["id"], d2["id"]}, []any{l[0]["id"], l[1]["id"]})
		assert.EqualValues(t, 1, l[0]["elems"].(map[string]any)["n"], "hints=0 gives plain elems")
		assert.Len(t, cl.must(200, map[string]any{"object": "drop", "type": "findmany", "path": "/dev/wsd"}).list(), 3)
		cl.must(404, map[string]any{"object": "drop", "type": "findmany", "path": "/dev/none"})
		cl.must(400, map[string]any{"object": "drop", "type": "findmany", "flowId": fid, "options": map[string]any{"filter": "elems.n >"}})

		got := cl.must(200, map[string]any{"object": "drop", "type": "find", "path": "/dev/wsd", "id": d2["id"]}).obj()
		assert.Equal(t, d2["id"], got["id"])
		up := cl.must(200, map[string]any{"object": "drop", "type": "update", "flowId": fid, "id": d1["id"], "value": map[string]any{"elems": map[string]any{"n": 10}}}).obj()
		assert.EqualValues(t, 1, up["version"])
		cl.must(200, map[string]any{"object": "drop", "type": "delete", "flowId": fid, "id": d3["id"]})
		cl.must(404, map[string]any{"object": "drop", "type": "find", "flowId": fid, "id": d3["id"]})
		cl.must(400, map[string]any{"object": "drop", "type": "delete", "id": d1["id"]}) // no flow
		cl.must(404, map[string]any{"object": "drop", "type": "delete", "path": "/dev/none", "id": d1["id"]})

		// aggregate and statistics over the socket (emulator extensions)
		agg := cl.must(200, map[string]any{"object": "drop", "type": "aggregate", "flowId": fid,
			"value": map[string]any{"output": []any{"$count", "$sum:n"}}}).list()
		assert.Equal(t, []map[string]any{{"$count": float64(2), "$sum:n": float64(12)}}, agg)
		var stats []int64
		year := time.Now().UTC().Year()
		st := cl.must(200, map[string]any{"object": "statistics", "type": "find", "id": fmt.Sprintf("flowDropAdded/%s/%d", fid, year)})
		require.NoError(t, json.Unmarshal(st.Body, &stats))
		assert.Len(t, stats, 12)
		var sum int64
		for _, n := range stats {
			sum += n
		}
		assert.EqualValues(t, 3, sum)
	})

	t.Run("permission failures", func(t *testing.T) {
		fid := v.flow("/dev/locked")["id"].(string)
		ro := v.create("token", map[string]any{"paths": map[string]any{"/dev/locked": map[string]any{"dropRead": true}}})
		tc := v.with(t).connect(tok(ro["tokenString"].(string)))
		tc.must(403, dropFrame(fid, map[string]any{}))
		tc.must(403, map[string]any{"object": "flow", "type": "create", "value": map[string]any{"path": "/dev/nope"}})
		tc.must(403, map[string]any{"object": "flow", "type": "delete", "id": fid})
		tc.must(200, map[string]any{"object": "flow", "type": "find", "id": fid})
		tc.must(404, map[string]any{"object": "drop", "type": "find", "flowId": "f000000000000000000000000", "id": "d000000000000000000000000"})
		g := v.with(t).connect(tok(guestTok), acct("guest"))
		g.must(404, map[string]any{"object": "flow", "type": "find", "id": fid}) // another namespace
		g.must(403, map[string]any{"object": "drop", "type": "findmany", "path": "/dev/locked"})
	})
}

func TestWSHeartbeatPingAndIdle(t *testing.T) {
	v := newEnv(t, Config{WSIdleTimeout: 400 * time.Millisecond})
	t.Run("heartbeats are never answered and keep the socket alive", func(t *testing.T) {
		cl := v.with(t).connect()
		for i := 0; i < 6; i++ { // 6 × 150 ms > the idle timeout
			cl.sendRaw(`{"type":"heartbeat"}`)
			cl.sendRaw(`{"msgId":"hb","type":"heartbeat"}`)
			time.Sleep(150 * time.Millisecond)
		}
		m := cl.must(200, map[string]any{"object": "flow", "type": "findmany"})
		assert.NotNil(t, m.Head, "the first frame back is the reply: heartbeats got none")
	})
	t.Run("pings keep it alive", func(t *testing.T) {
		cl := v.with(t).connect()
		for i := 0; i < 6; i++ {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			require.NoError(t, cl.c.Ping(ctx), "pong received")
			cancel()
			time.Sleep(150 * time.Millisecond)
		}
		cl.must(200, map[string]any{"object": "flow", "type": "findmany"})
	})
	t.Run("idle timeout", func(t *testing.T) {
		cl := v.with(t).connect()
		start := time.Now()
		err := cl.closed(10 * time.Second)
		assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
		assert.Contains(t, closeReason(err), "idle timeout")
		assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	})
}

func TestWSDropAfter(t *testing.T) {
	v := newEnv(t, Config{DropWSAfter: 300 * time.Millisecond})
	cl := v.connect()
	stop := make(chan struct{})
	go func() { // heartbeats do not prevent the drop
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				_ = cl.c.Write(context.Background(), websocket.MessageText, []byte(`{"type":"heartbeat"}`))
			}
		}
	}()
	defer close(stop)
	err := cl.closed(10 * time.Second)
	assert.Equal(t, websocket.StatusServiceRestart, websocket.CloseStatus(err), "%v", err)
	assert.Contains(t, closeReason(err), "fault injection")
	// clients reconnect with a new session
	cl2 := v.connect()
	cl2.must(200, map[string]any{"object": "flow", "type": "findmany"})
}

func TestWSMalformedFrames(t *testing.T) {
	v := newEnv(t, Config{MaxBodyBytes: 4096})
	fid := v.flow("/dev/mal")["id"].(string)
	cl := v.connect()
	ignored := []string{`not json`, `[1,2]`, `"str"`, `null`, `42`, `{"msgId":"x",`, ``}
	for _, s := range ignored {
		cl.sendRaw(s)
	}
	// binary frames are read like text
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, cl.c.Write(ctx, websocket.MessageBinary, []byte(`{"msgId":"bin","object":"flow","type":"findmany"}`)))
	m := cl.recv()
	require.NotNil(t, m.Head, "ignored frames got no reply: %s", m.Raw)
	assert.Equal(t, `"bin"`, string(m.Head.MsgID))

	cases := []struct {
		frame  string
		status int
		want   string
	}{
		{`{"msgId":"a"}`, 400, "type"},
		{`{"msgId":"b","type":5}`, 400, "must be a string"},
		{`{"msgId":"c","type":"bogus","object":"flow"}`, 400, "Unknown frame type"},
		{`{"msgId":"d","type":"find","object":"flow"}`, 400, "\"id\" is required"},
		{`{"msgId":"e","type":"findmany"}`, 400, "\"object\" is required"},
		{`{"msgId":"f","type":"create","object":"nosuch","value":{}}`, 404, "Unknown service"},
		{`{"msgId":"g","type":"create","object":"flow","value":"str"}`, 400, "JSON object"},
		{`{"msgId":"h","type":"create","object":"flow"}`, 400, "body is required"},
		{`{"msgId":"i","type":"findmany","object":"flow","options":{"limit":"x"}}`, 400, "limit"},
		{`{"msgId":"j","type":"findmany","object":"flow","options":[1]}`, 400, "options"},
		{`{"msgId":"k","type":"findmany","object":"flow","options":{"limit":[1]}}`, 400, "options.limit"},
		{`{"msgId":"l","type":"subscribe"}`, 400, "flowId"},
		{`{"msgId":"m","type":"create","object":"drop","flowId":"` + fid + `","value":{"elems":{"x":{"type":"nosuch","value":1}}}}`, 400, "unknown type"},
		{`{"msgId":"n","type":"aggregate","object":"flow","value":{}}`, 400, "aggregate"},
		{`{"msgId":"o","type":"create","object":"drop","flowId":{"x":1},"value":{}}`, 400, "flowId"},
		{`{"msgId":"p","type":"update","object":"flow","id":"f000000000000000000000000","value":{}}`, 404, ""},
	}
	for _, c := range cases {
		t.Run(c.frame, func(t *testing.T) {
			cl.sendRaw(c.frame)
			m := cl.recv()
			require.NotNil(t, m.Head, string(m.Raw))
			assert.Equal(t, c.status, m.Head.Status, string(m.Raw))
			assert.False(t, m.Head.OK)
			assert.Equal(t, "{}", string(m.Body))
			if c.want != "" {
				require.NotEmpty(t, m.Head.Errors)
				assert.Contains(t, m.Head.Errors[0], c.want)
			}
			var raw map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(m.Raw, &raw))
			assert.NotContains(t, string(raw["head"]), `"references"`)
		})
	}
	// still usable
	cl.must(201, dropFrame(fid, map[string]any{"ok": true}))
	// a frame over the size limit closes with 1009
	cl.sendRaw(`{"msgId":"big","object":"drop","type":"create","flowId":"` + fid + `","value":{"elems":{"s":"` + strings.Repeat("x", 4096+wsReadLimitExtra) + `"}}}`)
	err := cl.closed(10 * time.Second)
	assert.Equal(t, websocket.StatusMessageTooBig, websocket.CloseStatus(err), "%v", err)
}

func TestWSSlowConsumer(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/slow")["id"].(string)
	v.emu.ws.mu.Lock()
	v.emu.ws.queueCap = 4
	v.emu.ws.mu.Unlock()
	slow := v.connect()
	slow.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	v.emu.ws.mu.Lock()
	v.emu.ws.queueCap = 64
	v.emu.ws.mu.Unlock()
	fast := v.connect()
	fast.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})

	// the network of every connection stalls from now on, until released:
	// the slow one's queue (4) overflows, the fast one's (64) does not
	release := make(chan struct{})
	gate := func() { <-release }
	v.emu.ws.writeGate.Store(&gate)
	start := time.Now()
	const n = 20
	for i := 0; i < n; i++ {
		v.drop(fid, map[string]any{"i": i})
	}
	assert.Less(t, time.Since(start), 10*time.Second, "writers are never blocked by a slow client")
	v.emu.ws.writeGate.Store(nil)
	close(release)

	err := slow.closed(15 * time.Second)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
	assert.Contains(t, closeReason(err), "send queue overflow")
	for i := 0; i < n; i++ {
		assert.EqualValues(t, i, fast.push().Value["elems"].(map[string]any)["i"].(map[string]any)["value"])
	}
}

func TestWSPlainHintsSession(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/plain")["id"].(string)
	r := v.must(201, "POST", "/session?hints=0", nil, acct("dev"))
	cl, _, err := v.dialSession(r.obj()["id"].(string), "")
	require.NoError(t, err)
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	d := cl.must(201, dropFrame(fid, map[string]any{"n": 5})).obj()
	assert.EqualValues(t, 5, d["elems"].(map[string]any)["n"])
	assert.EqualValues(t, 5, cl.push().Value["elems"].(map[string]any)["n"])
	// options.hints overrides per frame
	l := cl.must(200, map[string]any{"object": "drop", "type": "findmany", "flowId": fid, "options": map[string]any{"hints": true}}).list()
	assert.Equal(t, map[string]any{"type": "integer", "value": float64(5)}, l[0]["elems"].(map[string]any)["n"])
	// ?hints= on the /ws URL wins
	cl2, _, err := v.dialSession(v.session(), "?hints=false")
	require.NoError(t, err)
	d = cl2.must(201, dropFrame(fid, map[string]any{"n": 6})).obj()
	assert.EqualValues(t, 6, d["elems"].(map[string]any)["n"])
	v.must(400, "POST", "/session?hints=maybe", nil, acct("dev"))
}

func TestWSFaultInjection(t *testing.T) {
	v := newEnv(t, Config{FailRate: 1})
	r := v.must(503, "POST", "/session", nil, acct("dev"))
	assert.Contains(t, r.err(), "injected")

	const lat = 100 * time.Millisecond
	v = newEnv(t, Config{Latency: lat})
	start := time.Now()
	cl := v.connect()
	assert.GreaterOrEqual(t, time.Since(start), lat, "POST /session is delayed")
	start = time.Now()
	cl.sendRaw(`{"type":"heartbeat"}`)
	cl.must(200, map[string]any{"object": "flow", "type": "findmany"})
	el := time.Since(start)
	assert.GreaterOrEqual(t, el, lat, "frames are delayed")
	assert.Less(t, el, 2*lat+time.Second, "heartbeats are not")
}

func TestWSClosedByEmulatorClose(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/bye")["id"].(string)
	a, b := v.connect(), v.connect()
	a.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	sid := v.session()
	start := time.Now()
	require.NoError(t, v.emu.Close())
	assert.Less(t, time.Since(start), 5*time.Second)
	for _, cl := range []*wsClient{a, b} {
		err := cl.closed(10 * time.Second)
		assert.Equal(t, websocket.StatusGoingAway, websocket.CloseStatus(err), "%v", err)
	}
	_, status, err := v.dialSession(sid, "")
	require.Error(t, err)
	assert.Equal(t, http.StatusNotFound, status, "sessions are gone")
	v.must(503, "POST", "/session", nil, acct("dev"))
}

// TestWSConcurrent: WebSocket and REST writers at once; every subscriber
// gets every drop exactly once and every frame its own reply.
func TestWSConcurrent(t *testing.T) {
	const clients, restWriters, each = 4, 4, 100
	const total = (clients + restWriters) * each
	v := newEnv(t, Config{})
	fid := v.flow("/dev/busy", map[string]any{"capacity": 100000})["id"].(string)
	cls := make([]*wsClient, clients)
	for i := range cls {
		cls[i] = v.connect()
		cls[i].must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	}
	var wg sync.WaitGroup
	for i, cl := range cls {
		wg.Add(2)
		go func(i int, cl *wsClient) { // sender: does not wait for replies
			defer wg.Done()
			for j := 0; j < each; j++ {
				b, _ := json.Marshal(map[string]any{"msgId": j, "object": "drop", "type": "create", "flowId": fid,
					"value": map[string]any{"elems": map[string]any{"c": i, "j": j}}})
				if err := cl.c.Write(context.Background(), websocket.MessageText, b); err != nil {
					t.Errorf("client %d: %v", i, err)
					return
				}
			}
		}(i, cl)
		go func(i int, cl *wsClient) { // collector
			defer wg.Done()
			replies, pushes := map[string]int{}, map[any]int{}
			for len(pushes) < total || sumInts(replies) < each {
				select {
				case m := <-cl.frames:
					if m.Head != nil {
						if m.Head.Status != 201 {
							t.Errorf("client %d: %s", i, m.Raw)
						}
						replies[string(m.Head.MsgID)]++
					} else {
						pushes[m.Value["id"]]++
					}
				case <-time.After(20 * time.Second):
					t.Errorf("client %d: %d replies, %d pushes", i, sumInts(replies), len(pushes))
					return
				}
			}
			assert.Len(t, replies, each, "client %d: one reply per msgId", i)
			for id, n := range pushes {
				if n != 1 {
					t.Errorf("client %d: drop %v pushed %d times", i, id, n)
				}
			}
		}(i, cl)
	}
	for w := 0; w < restWriters; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := 0; j < each; j++ {
				req, _ := http.NewRequest("POST", v.srv.URL+"/v0.1/dev/drop/"+fid, stringsReader(fmt.Sprintf(`{"elems":{"w":%d}}`, w)))
				req.Header.Set("X-Auth-Token", devTok)
				res, err := v.client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				drain(res)
			}
		}(w)
	}
	wg.Wait()
	assert.EqualValues(t, total, sum(v.counts("/v0.1/dev/statistics/flowDropAdded/"+fid)))
}

func sumInts(m map[string]int) (n int) {
	for _, x := range m {
		n += x
	}
	return n
}

// TestWSNoReplyWithoutMsgID: a frame without msgId runs but gets no reply
// (the Python client reads head.msgId of every reply and fails on one
// without it), errors included; pushes still come.
func TestWSNoReplyWithoutMsgID(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/quiet")["id"].(string)
	cl := v.connect()
	for _, f := range []string{
		`{"object":"flow","type":"findmany"}`,
		`{"type":5}`,
		`{"object":"flow","type":"find","id":"f000000000000000000000000"}`,
		`{"object":"drop","type":"subscribe","flowId":"` + fid + `"}`,
		`{"object":"drop","type":"create","flowId":"` + fid + `","value":{"elems":{"n":1}}}`,
	} {
		cl.sendRaw(f)
	}
	// the create ran and was pushed to the subscription made without msgId
	p := cl.push()
	assert.EqualValues(t, 1, p.Value["elems"].(map[string]any)["n"].(map[string]any)["value"])
	m, pushes := cl.call(map[string]any{"object": "drop", "type": "findmany", "flowId": fid})
	assert.Empty(t, pushes)
	assert.Len(t, m.list(), 1, "the frame without msgId created its drop")
	// null is a msgId like any other JSON value
	cl.sendRaw(`{"msgId":null,"object":"flow","type":"findmany"}`)
	r := cl.recv()
	require.NotNil(t, r.Head, string(r.Raw))
	assert.Equal(t, "null", string(r.Head.MsgID))
}

// TestWSIdleKeepsSubscribedSockets: a listener that only receives pushes
// (the Python client never sends heartbeats) is not idle-closed while it
// has subscriptions, unless Config.WSIdleCloseSubscribed says so; without
// subscriptions the idle timeout applies again.
func TestWSIdleKeepsSubscribedSockets(t *testing.T) {
	const idle = 300 * time.Millisecond
	v := newEnv(t, Config{WSIdleTimeout: idle})
	fid := v.flow("/dev/listen")["id"].(string)
	cl := v.connect()
	cl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	time.Sleep(4 * idle)
	v.drop(fid, map[string]any{"n": 1})
	cl.push()
	time.Sleep(2 * idle)
	cl.must(200, map[string]any{"object": "drop", "type": "unsubscribe", "flowId": fid})
	start := time.Now()
	err := cl.closed(10 * time.Second)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
	assert.Contains(t, closeReason(err), "idle timeout")
	assert.GreaterOrEqual(t, time.Since(start), idle/2)

	strict := newEnv(t, Config{WSIdleTimeout: idle, WSIdleCloseSubscribed: true})
	sfid := strict.flow("/dev/listen")["id"].(string)
	scl := strict.connect()
	scl.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": sfid})
	err = scl.closed(10 * time.Second)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
}

// TestWSSlowConsumerByteBound: the send queue is bounded in bytes too, so
// a stuck client subscribed to big drops is closed long before it holds
// 1024 of them in memory.
func TestWSSlowConsumerByteBound(t *testing.T) {
	v := newEnv(t, Config{})
	fid := v.flow("/dev/big")["id"].(string)
	v.emu.ws.mu.Lock()
	v.emu.ws.queueBytes = 64 << 10
	v.emu.ws.mu.Unlock()
	slow := v.connect()
	slow.must(200, map[string]any{"object": "drop", "type": "subscribe", "flowId": fid})
	release := make(chan struct{})
	gate := func() { <-release }
	v.emu.ws.writeGate.Store(&gate)
	big := strings.Repeat("x", 8<<10)
	for i := range 20 {
		v.drop(fid, map[string]any{"i": i, "s": big})
	}
	v.emu.ws.writeGate.Store(nil)
	close(release)
	err := slow.closed(15 * time.Second)
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "%v", err)
	assert.Contains(t, closeReason(err), "send queue overflow")
}
