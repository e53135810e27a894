package emulator

import (
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var idRE = regexp.MustCompile(`^[a-z][0-9a-f]{24}$`)

func TestFlowCRUD(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	devID := v.identityID("dev")

	created := v.must(201, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/sensor2", "description": "d1", "public": true,
		"id": "fffffffffffffffffffffffff", "creatorId": "ixxx"})
	assert.Equal(t, []string{msgCreated}, created.Head.Messages)
	f := created.obj()
	id := f["id"].(string)
	assert.Regexp(t, `^f[0-9a-f]{24}$`, id, "server id, client id ignored")
	assert.Equal(t, "/dev/sensor2", f["path"])
	assert.EqualValues(t, 1000, f["capacity"], "default capacity")
	assert.Equal(t, devID, f["creatorId"])
	assert.Equal(t, devID, f["lastEditorId"])
	assert.EqualValues(t, clk.now().UnixMilli(), f["creationDate"])
	assert.EqualValues(t, clk.now().UnixMilli(), f["lastEditDate"])

	got := v.must(200, "GET", "/v0.1/dev/flow/"+id, nil).obj()
	assert.Equal(t, f, got)

	v.flow("/dev/other")
	list := v.must(200, "GET", "/v0.1/dev/flow", nil).list()
	assert.Len(t, list, 2)

	m := v.must(200, "MGET", "/v0.1/dev/flow", []string{id, "f000000000000000000000000"}).obj()
	assert.Len(t, m, 1, "unknown ids omitted")
	assert.Contains(t, m, id)

	clk.advance(time.Second)
	upd := v.must(200, "PUT", "/v0.1/dev/flow/"+id, map[string]any{"description": "d2", "creationDate": 5}).obj()
	assert.Equal(t, "d2", upd["description"])
	assert.Equal(t, "/dev/sensor2", upd["path"], "shallow merge keeps absent members")
	assert.Equal(t, true, upd["public"])
	assert.Equal(t, f["creationDate"], upd["creationDate"], "server fields ignored")
	assert.EqualValues(t, clk.now().UnixMilli(), upd["lastEditDate"])

	mem := v.must(200, "PUT", "/v0.1/dev/flow/"+id+"/capacity", 50).obj()
	assert.EqualValues(t, 50, mem["capacity"], "member sub-resource update")
	assert.Equal(t, "d2", mem["description"])
	v.must(400, "PUT", "/v0.1/dev/flow/"+id+"/id", "fabc")

	mp := v.must(200, "MPUT", "/v0.1/dev/flow", map[string]any{id: map[string]any{"description": "d3"}, "f000000000000000000000000": map[string]any{}}).obj()
	require.Contains(t, mp, id)
	assert.Len(t, mp, 1)
	assert.Equal(t, "d3", mp[id].(map[string]any)["description"])

	del := v.must(200, "DELETE", "/v0.1/dev/flow/"+id, nil)
	assert.Equal(t, "{}", string(del.Body))
	nf := v.must(404, "GET", "/v0.1/dev/flow/"+id, nil)
	assert.Equal(t, msgNotFound, nf.err())
	v.must(404, "DELETE", "/v0.1/dev/flow/"+id, nil)
	v.must(404, "PUT", "/v0.1/dev/flow/"+id, map[string]any{})
}

func TestFlowValidation(t *testing.T) {
	v := newEnv(t, Config{})
	v.flow("/dev/taken")
	long := "/dev/"
	for len(long) <= MaxPathLength {
		long += "x"
	}
	cases := []struct {
		name string
		body any
		want string
	}{
		{"missing path", map[string]any{"description": "x"}, `"path" is required`},
		{"path not a string", map[string]any{"path": 5}, "path string"},
		{"path of another account", map[string]any{"path": "/guest/x"}, "must start with /dev/"},
		{"one segment", map[string]any{"path": "/dev"}, "two segments"},
		{"no slash", map[string]any{"path": "dev/x"}, `start with "/"`},
		{"bad segment", map[string]any{"path": "/dev/a b"}, "invalid segment"},
		{"too long", map[string]any{"path": long}, "longer than"},
		{"duplicate", map[string]any{"path": "/dev/taken"}, "already exists"},
		{"duplicate with trailing slash", map[string]any{"path": "/dev/taken/"}, "already exists"},
		{"capacity negative", map[string]any{"path": "/dev/c1", "capacity": -1}, "between 0 and 100000"},
		{"capacity too large", map[string]any{"path": "/dev/c1", "capacity": 100001}, "between 0 and 100000"},
		{"capacity fractional", map[string]any{"path": "/dev/c1", "capacity": 1.5}, "integer"},
		{"capacity string", map[string]any{"path": "/dev/c1", "capacity": "10"}, "integer"},
		{"description number", map[string]any{"path": "/dev/c1", "description": 1}, `"description" must be a string`},
		{"public string", map[string]any{"path": "/dev/c1", "public": "yes"}, "boolean"},
		{"filter not a string", map[string]any{"path": "/dev/c1", "filter": 3}, "filter string"},
		{"body is an array", []any{1}, "must be a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := v.with(t)
			r := v.must(400, "POST", "/v0.1/dev/flow", c.body)
			assert.Contains(t, r.err(), c.want)
		})
	}
	// capacity bounds accepted
	assert.EqualValues(t, 0, v.flow("/dev/zero", map[string]any{"capacity": 0})["capacity"])
	assert.EqualValues(t, 100000, v.flow("/dev/max", map[string]any{"capacity": 100000})["capacity"])
	// path is normalised (trailing slash) and uppercase is tolerated
	assert.Equal(t, "/dev/Upper:x_y-z", v.flow("/dev/Upper:x_y-z/")["path"])
	// update cannot steal another flow's path
	f := v.flow("/dev/mine")
	r := v.must(400, "PUT", "/v0.1/dev/flow/"+f["id"].(string), map[string]any{"path": "/dev/taken"})
	assert.Contains(t, r.err(), "already exists")
}

// TestServicesCRUD runs create/read/find/MGET/update/delete on every other
// stored-object service.
func TestServicesCRUD(t *testing.T) {
	v := newEnv(t, Config{})
	devID := v.identityID("dev")
	cases := []struct {
		svc    string
		prefix string
		body   map[string]any
		patch  map[string]any
		check  func(t *testing.T, obj map[string]any)
	}{
		{"track", "t", map[string]any{"source": "/dev/a", "destination": []any{"/dev/b"}, "js": "function(d){return d;}", "metadata": map[string]any{"x": 1.0}},
			map[string]any{"disabled": true}, func(t *testing.T, o map[string]any) {
				assert.Equal(t, "function(d){return d;}", o["js"], "js stored verbatim")
			}},
		{"group", "g", map[string]any{"displayName": "friends", "memberIds": []any{devID}},
			map[string]any{"description": "x"}, nil},
		{"device", "v", map[string]any{"path": "/dev/dev1", "displayName": "pi"},
			map[string]any{"displayName": "pi2"}, func(t *testing.T, o map[string]any) {
				assert.Regexp(t, `^k[0-9a-f]{24}$`, o["tokenId"])
				assert.EqualValues(t, -1, o["timeSinceLastSeen"])
				assert.Equal(t, "UNSEEN", o["status"])
			}},
		{"api-task", "q", map[string]any{"displayName": "poll", "destination": "/dev/x", "source": map[string]any{"http": map[string]any{"url": "http://x"}}},
			map[string]any{"periodicity": 120000}, func(t *testing.T, o map[string]any) {
				assert.EqualValues(t, DefaultTaskPeriodicity, o["periodicity"])
			}},
		{"mqtt", "m", map[string]any{"uri": "tcp://h:1883", "topic": "t", "destination": "/dev/x", "qos": 1},
			map[string]any{"topic": "t2"}, nil},
		{"rss", "r", map[string]any{"url": "http://example.com/feed", "destination": "/dev/news"},
			map[string]any{"isFeatured": true}, nil},
		{"local-track", "t", map[string]any{"source": "tcp://127.0.0.1:12345", "js": "x"},
			map[string]any{"disabled": true}, nil},
		{"av-connection", "a", map[string]any{"companyId": "c1", "destination": "/dev/av"},
			map[string]any{"status": "OK"}, nil},
	}
	for _, c := range cases {
		t.Run(c.svc, func(t *testing.T) {
			v := v.with(t)
			base := "/v0.1/dev/" + c.svc
			o := v.create(c.svc, c.body)
			id, _ := o["id"].(string)
			require.Regexp(t, "^"+c.prefix+`[0-9a-f]{24}$`, id)
			for _, k := range []string{"creationDate", "lastEditDate", "creatorId", "lastEditorId"} {
				assert.Contains(t, o, k)
			}
			if c.check != nil {
				c.check(t, o)
			}
			assert.Equal(t, o, v.must(200, "GET", base+"/"+id, nil).obj())
			assert.Contains(t, ids(v.must(200, "GET", base, nil).list()), id)
			assert.Contains(t, v.must(200, "MGET", base, []string{id}).obj(), id)
			u := v.must(200, "PUT", base+"/"+id, c.patch).obj()
			for k, x := range c.patch {
				assert.EqualValues(t, x, u[k])
			}
			for k, x := range c.body {
				if _, patched := c.patch[k]; !patched {
					assert.EqualValues(t, x, u[k], "member %s kept", k)
				}
			}
			v.must(200, "DELETE", base+"/"+id, nil)
			v.must(404, "GET", base+"/"+id, nil)
		})
	}
}

func TestServiceValidation(t *testing.T) {
	v := newEnv(t, Config{})
	cases := []struct {
		svc  string
		body map[string]any
		want string
	}{
		{"track", map[string]any{"destination": "/dev/b"}, `"source" is required`},
		{"track", map[string]any{"source": "nope"}, `start with "/"`},
		{"track", map[string]any{"source": "/dev/a", "destination": 5}, "destination"},
		{"track", map[string]any{"source": "/dev/a", "destination": []any{"/dev/b", 1}}, "destination"},
		{"track", map[string]any{"source": "/dev/a", "disabled": "no"}, "boolean"},
		{"group", map[string]any{"memberIds": []any{"i000000000000000000000000"}}, "not a known identity"},
		{"group", map[string]any{"memberIds": "x"}, "array"},
		{"token", map[string]any{"description": "no paths"}, `"paths" is required`},
		{"token", map[string]any{"paths": map[string]any{}}, "non-empty"},
		{"token", map[string]any{"paths": map[string]any{"/guest/x": map[string]any{}}}, "must start with /dev/"},
		{"token", map[string]any{"paths": map[string]any{"/dev/x": map[string]any{"dropRead": "yes"}}}, "boolean"},
		{"token", map[string]any{"paths": map[string]any{"/dev/x": true}}, "object of permission flags"},
		{"token", map[string]any{"paths": map[string]any{"/dev/x": map[string]any{}}, "duration": 0}, "duration"},
		{"share", map[string]any{"paths": map[string]any{"/dev/x": map[string]any{"read": true}}}, `"issuedTo" is required`},
		{"share", map[string]any{"issuedTo": "i000000000000000000000000", "paths": map[string]any{"/dev/x": map[string]any{"read": true}}}, "not a known identity or group"},
		{"device", map[string]any{"displayName": "x"}, `"path" is required`},
		{"device", map[string]any{"path": "/guest/d"}, "must start with /dev/"},
		{"api-task", map[string]any{"periodicity": 59999}, "at least 60000"},
		{"api-task", map[string]any{"displayName": string(make([]byte, 2049))}, "longer than 2048"},
		{"mqtt", map[string]any{"uri": "tcp://x"}, "exactly one of"},
		{"mqtt", map[string]any{"source": "/dev/a", "destination": "/dev/b"}, "exactly one of"},
		{"mqtt", map[string]any{"destination": "/dev/b", "qos": 3}, "between 0 and 2"},
		{"rss", map[string]any{"destination": "/dev/b"}, `"url" is required`},
		{"av-connection", map[string]any{"destination": "bad"}, `start with "/"`},
	}
	for _, c := range cases {
		t.Run(c.svc+"/"+c.want, func(t *testing.T) {
			v := v.with(t)
			r := v.must(400, "POST", "/v0.1/dev/"+c.svc, c.body)
			assert.Contains(t, r.err(), c.want)
		})
	}
	// api-task periodicity on update too
	task := v.create("api-task", map[string]any{"displayName": "t"})
	r := v.must(400, "PUT", "/v0.1/dev/api-task/"+task["id"].(string), map[string]any{"periodicity": 1000})
	assert.Contains(t, r.err(), "at least 60000")
	// read-only task members are ignored
	task2 := v.create("api-task", map[string]any{"displayName": "t", "status": "ERROR", "runCt": 7})
	assert.NotContains(t, task2, "status")
	assert.NotContains(t, task2, "runCt")
}

func TestTokenService(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	tk := v.create("token", map[string]any{"description": "thermostat", "duration": 600000,
		"paths": map[string]any{"/dev/home/": map[string]any{"dropRead": true}}})
	id := tk["id"].(string)
	assert.Regexp(t, `^k[0-9a-f]{24}$`, id)
	ts, _ := tk["tokenString"].(string)
	assert.Len(t, ts, tokenStringLength)
	assert.NotEqual(t, 32, len(ts), "never mistaken for a master token")
	assert.Equal(t, v.identityID("dev"), tk["issuedBy"])
	assert.EqualValues(t, 600000, tk["expiresInMs"])
	assert.Equal(t, map[string]any{"/dev/home": map[string]any{"dropRead": true, "dropWrite": false}}, tk["paths"],
		"paths normalised, missing flags false")

	clk.advance(100 * time.Second)
	assert.EqualValues(t, 500000, v.must(200, "GET", "/v0.1/dev/token/"+id, nil).obj()["expiresInMs"], "remaining ms")

	r := v.must(400, "PUT", "/v0.1/dev/token/"+id, map[string]any{"description": "x"})
	assert.Contains(t, r.err(), "immutable")
	v.must(400, "MPUT", "/v0.1/dev/token", map[string]any{id: map[string]any{}})
	v.must(400, "PUT", "/v0.1/dev/token/"+id+"/description", "x")
	// POST on an item is not a route method
	v.must(405, "POST", "/v0.1/dev/token/"+id, map[string]any{})

	// a second token gets a different secret
	tk2 := v.create("token", map[string]any{"paths": map[string]any{"/dev/a": map[string]any{}}})
	assert.NotEqual(t, ts, tk2["tokenString"])
	assert.NotContains(t, tk2, "expiresInMs", "no duration, no expiry")

	v.must(200, "DELETE", "/v0.1/dev/token/"+id, nil)
	v.must(401, "GET", "/v0.1/dev/flow", nil, tok(ts))
}

func TestShareAndGroupService(t *testing.T) {
	v := newEnv(t, Config{})
	guestID := v.identityID("guest")
	sh := v.create("share", map[string]any{"issuedTo": guestID, "duration": 360000000,
		"paths": map[string]any{"/dev/home": map[string]any{"read": true, "dropRead": true}}})
	assert.Regexp(t, `^s[0-9a-f]{24}$`, sh["id"])
	assert.Equal(t, v.identityID("dev"), sh["issuedBy"])
	assert.Contains(t, sh, "expiresInMs")
	assert.Equal(t, map[string]any{"read": true, "write": false, "dropRead": true, "dropWrite": false, "administer": false},
		sh["paths"].(map[string]any)["/dev/home"])
	v.must(400, "PUT", "/v0.1/dev/share/"+sh["id"].(string), map[string]any{})

	g := v.create("group", map[string]any{"displayName": "g", "memberIds": []any{guestID}})
	sg := v.create("share", map[string]any{"issuedTo": g["id"], "paths": map[string]any{"/dev/x": map[string]any{"read": true}}})
	assert.Equal(t, g["id"], sg["issuedTo"])
	// a group of another account is not a valid recipient
	gg := v.must(201, "POST", "/v0.1/guest/group", map[string]any{"displayName": "theirs"}, tok(guestTok)).obj()
	r := v.must(400, "POST", "/v0.1/dev/share", map[string]any{"issuedTo": gg["id"], "paths": map[string]any{"/dev/x": map[string]any{}}})
	assert.Contains(t, r.err(), "not a known identity or group")

	// the recipient sees the share on its identity
	me := v.must(200, "GET", "/v0.1/guest/identity/"+guestID, nil, tok(guestTok)).obj()
	assert.Contains(t, me["shares"], sh["id"])
	assert.Contains(t, me["shares"], sg["id"], "shares via groups too")
	assert.Equal(t, []any{g["id"]}, me["groupIds"])
}

func TestIdentityService(t *testing.T) {
	v := newEnv(t, Config{})
	devID, guestID := v.identityID("dev"), v.identityID("guest")
	list := v.must(200, "GET", "/v0.1/dev/identity", nil).list()
	assert.ElementsMatch(t, []string{devID, guestID}, ids(list), "identities are public")

	me := v.must(200, "GET", "/v0.1/dev/identity/"+devID, nil).obj()
	assert.Equal(t, "dev", me["name"])
	assert.Equal(t, devTok, me["masterToken"], "own master token visible")
	other := v.must(200, "GET", "/v0.1/dev/identity/"+guestID, nil).obj()
	assert.Equal(t, "guest", other["name"])
	assert.NotContains(t, other, "masterToken", "never another identity's")
	assert.Len(t, v.must(200, "MGET", "/v0.1/dev/identity", []string{devID, guestID}).obj(), 2)

	v.must(405, "POST", "/v0.1/dev/identity", map[string]any{"name": "x"})
	v.must(405, "PUT", "/v0.1/dev/identity/"+devID, map[string]any{"email": "x"})
	v.must(405, "DELETE", "/v0.1/dev/identity/"+devID, nil)

	// master token reset
	v.must(403, "PUT", "/v0.1/dev/identity/"+guestID+"/masterToken", map[string]any{})
	reset := v.must(200, "PUT", "/v0.1/dev/identity/"+devID+"/masterToken", map[string]any{}).obj()
	newTok, _ := reset["masterToken"].(string)
	require.Len(t, newTok, 32)
	require.NotEqual(t, devTok, newTok)
	v.must(401, "GET", "/v0.1/dev/flow", nil)
	v.must(200, "GET", "/v0.1/dev/flow", nil, tok(newTok))
}

func TestDeviceCreatesFlowsAndToken(t *testing.T) {
	clk := newClock()
	v := newEnv(t, Config{Now: clk.now})
	v.flow("/dev/pi/default") // an existing flow is reused, not an error
	d := v.create("device", map[string]any{"path": "/dev/pi", "displayName": "raspberry"})
	flows := v.must(200, "GET", "/v0.1/dev/flow?limit=100", nil).list()
	var paths []string
	for _, f := range flows {
		paths = append(paths, f["path"].(string))
	}
	assert.ElementsMatch(t, []string{"/dev/pi/default", "/dev/pi/command", "/dev/pi/report"}, paths)

	tk := v.must(200, "GET", "/v0.1/dev/token/"+d["tokenId"].(string), nil).obj()
	assert.Equal(t, map[string]any{"/dev/pi": map[string]any{"dropRead": true, "dropWrite": true}}, tk["paths"])
	devTokStr := tk["tokenString"].(string)
	var defID string
	for _, f := range flows {
		if f["path"] == "/dev/pi/default" {
			defID = f["id"].(string)
		}
	}
	v.drop(defID, map[string]any{"t": 1}, tok(devTokStr))
	v.must(403, "POST", "/v0.1/dev/flow", map[string]any{"path": "/dev/pi/x"}, tok(devTokStr))

	// lastSeen → timeSinceLastSeen
	u := v.must(200, "PUT", "/v0.1/dev/device/"+d["id"].(string), map[string]any{"lastSeen": clk.now().UnixMilli() - 5000}).obj()
	assert.EqualValues(t, 5000, u["timeSinceLastSeen"])
	v.must(200, "PUT", "/v0.1/dev/device/"+d["id"].(string), map[string]any{"tokenId": "kxx", "timeSinceLastSeen": 3})
	assert.Equal(t, d["tokenId"], v.must(200, "GET", "/v0.1/dev/device/"+d["id"].(string), nil).obj()["tokenId"], "tokenId read-only")

	// deleting the device revokes its token, keeps the flows
	v.must(200, "DELETE", "/v0.1/dev/device/"+d["id"].(string), nil)
	v.must(401, "GET", "/v0.1/dev/drop/"+defID, nil, tok(devTokStr))
	v.must(200, "GET", "/v0.1/dev/flow/"+defID, nil)
}

func TestIDsUniqueAndOrdered(t *testing.T) {
	g := newIDGen(time.Now)
	seen := map[string]bool{}
	prev := ""
	for i := 0; i < 10000; i++ {
		id := g.next('d')
		require.True(t, isObjectID(id), id)
		require.False(t, seen[id])
		seen[id] = true
		if prev != "" {
			require.Equal(t, prev[1:9] <= id[1:9], true, "timestamp part is non-decreasing")
		}
		prev = id
	}
	assert.True(t, isObjectID(RandomSecret(0)+"f0123456789abcdef01234567"))
	assert.Len(t, RandomSecret(28), 28)
}
