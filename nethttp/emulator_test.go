package nethttp_test

// Integration tests: the real Go client (core over nethttp) against the real
// emulator, over real HTTP and WebSocket on 127.0.0.1. They check that the
// two agree on the wire (docs/protocol.md); unit tests of either side live in
// their own packages.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/flowthings/flowthings-wasm/flowthings/lazy"
	"github.com/flowthings/flowthings-wasm/nethttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// Object services

// objectCase is one object service exercised by TestEmulatorObjectServices.
type objectCase struct {
	name   string
	prefix string // id prefix
	svc    func(c *flowthings.Client) *flowthings.Service
	// model builds the create body of object n ("a" or "b"); every model
	// has a "description" the test finds and changes.
	model func(n string) flowthings.Object
}

func TestEmulatorObjectServices(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	// Flows the tracks and tasks point at.
	for _, p := range []string{"/dev/src", "/dev/dst"} {
		createFlow(t, ctx, c, p, nil)
	}
	// A Token that may read only /dev/elsewhere: reading any of the objects
	// below is a 403, not a 404.
	tok, _, err := c.Token.Create(ctx, flowthings.Object{"paths": flowthings.Object{"/dev/elsewhere": flowthings.Object{"dropRead": true}}}, nil)
	require.NoError(t, err)
	outsider := env.clientAs(t, emulator.DefaultAccount, str(t, tok, "tokenString"))

	cases := []objectCase{
		{"flow", "f", func(c *flowthings.Client) *flowthings.Service { return c.Flow.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"path": "/dev/objects/" + n, "capacity": 10}
			}},
		{"track", "t", func(c *flowthings.Client) *flowthings.Service { return c.Track.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"source": "/dev/src", "destination": []any{"/dev/dst"}, "filter": "elems.n > 1"}
			}},
		{"group", "g", func(c *flowthings.Client) *flowthings.Service { return c.Group.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "group " + n, "memberIds": []any{devID}}
			}},
		{"device", "v", func(c *flowthings.Client) *flowthings.Service { return c.Device.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "device " + n, "path": "/dev/devices/" + n}
			}},
		{"api-task", "q", func(c *flowthings.Client) *flowthings.Service { return c.APITask.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "task " + n, "destination": "/dev/dst", "periodicity": 60000,
					"source": flowthings.Object{"http": flowthings.Object{"url": "http://example.com/" + n}}}
			}},
		{"mqtt", "m", func(c *flowthings.Client) *flowthings.Service { return c.MQTT.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"uri": "tcp://broker:1883", "topic": "t/" + n, "destination": "/dev/dst", "qos": 1}
			}},
		{"rss", "r", func(c *flowthings.Client) *flowthings.Service { return c.RSS.Service },
			func(n string) flowthings.Object {
				return flowthings.Object{"url": "http://example.com/" + n + ".rss", "destination": "/dev/dst"}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.svc(c)
			require.Equal(t, tc.name, s.Name())
			descA, descB := tc.name+" A", tc.name+" B"

			// Create: 201 and the stored object, with server members.
			mA := tc.model("a")
			mA["description"] = descA
			a, resp, err := s.Create(ctx, mA, nil)
			require.NoError(t, err)
			assert.Equal(t, 201, resp.Status)
			idA := str(t, a, "id")
			assert.Regexp(t, "^"+tc.prefix+"[0-9a-f]{24}$", idA)
			assert.Equal(t, descA, a["description"])
			assert.Equal(t, devID, a["creatorId"])
			assert.Equal(t, json.Number(fmt.Sprint(emuNow.UnixMilli())), a["creationDate"])
			mB := tc.model("b")
			mB["description"] = descB
			b, _, err := s.Create(ctx, mB, nil)
			require.NoError(t, err)
			idB := str(t, b, "id")

			// Read, ReadOrElse.
			got, resp, err := s.Read(ctx, idA, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, a, got)
			missing := tc.prefix + strings.Repeat("0", 24)
			def := flowthings.Object{"default": true}
			got, resp, err = s.ReadOrElse(ctx, missing, def, nil)
			require.NoError(t, err, "ReadOrElse of an unknown id")
			assert.Nil(t, resp)
			assert.Equal(t, def, got)
			got, _, err = s.ReadOrElse(ctx, idA, def, nil)
			require.NoError(t, err)
			assert.Equal(t, idA, got["id"])
			_, _, err = tc.svc(outsider).ReadOrElse(ctx, idA, def, nil)
			var forbidden *core.ForbiddenError
			require.ErrorAs(t, err, &forbidden, "ReadOrElse by a token that may not read it")
			assert.Equal(t, 403, forbidden.Status)

			// ReadMany (MGET): unknown ids are absent.
			many, _, err := s.ReadMany(ctx, []string{idA, idB, missing}, nil)
			require.NoError(t, err)
			assert.Len(t, many, 2)
			assert.Equal(t, descA, many[idA]["description"])
			assert.Equal(t, descB, many[idB]["description"])

			// FindMany with a built filter and with a string filter.
			found, _, err := s.FindMany(ctx, nil, filter.M("description").Eq(descB))
			require.NoError(t, err)
			assert.Equal(t, []string{idB}, ids(t, found))
			found, _, err = s.FindMany(ctx, core.Params{"limit": 5}, `description == "`+descA+`"`)
			require.NoError(t, err)
			assert.Equal(t, []string{idA}, ids(t, found))
			found, _, err = s.FindMany(ctx, core.Params{"sort": "description", "order": "asc"},
				filter.M("description").In(descA, descB))
			require.NoError(t, err)
			assert.Equal(t, []string{idA, idB}, ids(t, found))

			// Find dispatches on its argument.
			v, _, err := s.Find(ctx, idB)
			require.NoError(t, err)
			require.IsType(t, flowthings.Object{}, v)
			assert.Equal(t, idB, v.(flowthings.Object)["id"])
			v, _, err = s.Find(ctx, []string{idA, idB})
			require.NoError(t, err)
			require.IsType(t, map[string]flowthings.Object{}, v)
			assert.Len(t, v, 2)
			v, _, err = s.Find(ctx, core.Params{"order": "asc", "sort": "description"}, filter.Exists(filter.M("description")))
			require.NoError(t, err)
			require.IsType(t, []flowthings.Object{}, v)
			assert.Equal(t, []string{idA, idB}, ids(t, v.([]flowthings.Object)))

			// Update with a whole object (as read, server members included).
			whole := flowthings.Object{}
			for k, v := range a {
				whole[k] = v
			}
			whole["description"] = descA + " v2"
			upd, _, err := s.Update(ctx, whole, nil)
			require.NoError(t, err)
			assert.Equal(t, descA+" v2", upd["description"])
			assert.Equal(t, idA, upd["id"])

			// UpdateMany (MPUT): a Modification and an explicit object.
			um, _, err := s.UpdateMany(ctx, []any{
				flowthings.M(upd, flowthings.Object{"description": descA + " v3"}),
				flowthings.Object{"id": idB, "description": descB + " v2"},
			}, nil)
			require.NoError(t, err)
			require.Len(t, um, 2)
			assert.Equal(t, descA+" v3", um[idA]["description"])
			assert.Equal(t, descB+" v2", um[idB]["description"])

			// Save: a Modification sends only its diff. Another member is
			// changed behind the model's back; the save must not undo it.
			stale := um[idA]
			_, _, err = s.Update(ctx, flowthings.Object{"id": idA, "note": "kept"}, nil)
			require.NoError(t, err)
			mod := flowthings.M(stale).Modify("description", descA+" v4")
			saved, _, err := s.Save(ctx, mod, nil)
			require.NoError(t, err)
			sent := env.rec.last(t)
			assert.Equal(t, "PUT", sent.Method)
			assert.Equal(t, "/"+tc.name+"/"+idA, sent.Path)
			assert.JSONEq(t, `{"description":"`+descA+` v4"}`, string(sent.Body), "only the diff is sent")
			require.IsType(t, flowthings.Object{}, saved)
			assert.Equal(t, descA+" v4", saved.(flowthings.Object)["description"])
			assert.Equal(t, "kept", saved.(flowthings.Object)["note"], "the member changed meanwhile survives")
			// Save of an object with an id updates it.
			saved, _, err = s.Save(ctx, flowthings.Object{"id": idB, "description": descB + " v3"}, nil)
			require.NoError(t, err)
			assert.Equal(t, "PUT", env.rec.last(t).Method)
			assert.Equal(t, descB+" v3", saved.(flowthings.Object)["description"])
			// Save of a new object creates it.
			mC := tc.model("c")
			mC["description"] = tc.name + " C"
			saved, resp, err = s.Save(ctx, mC, nil)
			require.NoError(t, err)
			assert.Equal(t, "POST", env.rec.last(t).Method)
			assert.Equal(t, 201, resp.Status)
			idC := str(t, saved.(flowthings.Object), "id")
			assert.NotEqual(t, idA, idC)

			// Delete, then it is gone.
			for _, id := range []string{idA, idB, idC} {
				resp, err := s.Delete(ctx, id, nil, nil)
				require.NoError(t, err)
				assert.Equal(t, 200, resp.Status)
			}
			_, _, err = s.Read(ctx, idA, nil)
			var nf *core.NotFoundError
			require.ErrorAs(t, err, &nf)
			assert.Equal(t, 404, nf.Status)
			assert.Equal(t, "/"+tc.name+"/"+idA, nf.Path)
			found, _, err = s.FindMany(ctx, nil, filter.M("description").In(descA+" v4", descB+" v3"))
			require.NoError(t, err)
			assert.Empty(t, found)
		})
	}
}

func TestEmulatorDevice(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	dev, _, err := c.Device.Create(ctx, flowthings.Object{"displayName": "thermostat", "path": "/dev/home/thermo"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "UNSEEN", dev["status"])
	assert.Equal(t, json.Number("-1"), dev["timeSinceLastSeen"])

	// Its flows exist under its path.
	flows, _, err := c.Flow.FindMany(ctx, core.Params{"sort": "path", "order": "asc"},
		filter.M("path").Matches(`^/dev/home/thermo/`, ""))
	require.NoError(t, err)
	var paths []string
	for _, f := range flows {
		paths = append(paths, str(t, f, "path"))
	}
	assert.Equal(t, []string{"/dev/home/thermo/command", "/dev/home/thermo/default", "/dev/home/thermo/report"}, paths)

	// Its token is readable and grants drop read/write on the path.
	tokID := str(t, dev, "tokenId")
	assert.Regexp(t, "^k[0-9a-f]{24}$", tokID)
	tok, resp, err := c.Token.Read(ctx, tokID, core.Params{"refs": true})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"/dev/home/thermo": map[string]any{"dropRead": true, "dropWrite": true}}, tok["paths"])
	assert.NotNil(t, resp.References)
	// The device's token works: it may write to its default flow.
	devClient := env.clientAs(t, emulator.DefaultAccount, str(t, tok, "tokenString"))
	_, _, err = devClient.DropPath("/dev/home/thermo/default").Create(ctx, flowthings.Object{"elems": flowthings.Object{"t": 21}}, nil)
	require.NoError(t, err)

	// refs resolve the device's tokenId.
	_, resp, err = c.Device.Read(ctx, str(t, dev, "id"), core.Params{"refs": true})
	require.NoError(t, err)
	require.Contains(t, resp.References, tokID)
	assert.Equal(t, tokID, resp.References[tokID]["id"])

	// Deleting the device deletes its token (and keeps the flows).
	_, err = c.Device.Delete(ctx, str(t, dev, "id"), nil, nil)
	require.NoError(t, err)
	_, _, err = c.Token.Read(ctx, tokID, nil)
	assert.True(t, core.IsNotFound(err), "token after device delete: %v", err)
	flows, _, err = c.Flow.FindMany(ctx, nil, filter.M("path").Matches(`^/dev/home/thermo/`, ""))
	require.NoError(t, err)
	assert.Len(t, flows, 3)
}

func TestEmulatorIdentity(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	assert.Regexp(t, "^i[0-9a-f]{24}$", devID)
	assert.NotEqual(t, devID, guestID)

	me, _, err := c.Identity.Read(ctx, devID, nil)
	require.NoError(t, err)
	assert.Equal(t, emulator.DefaultAccount, me["name"])
	assert.Contains(t, me, "masterToken", "an identity sees its own master token")
	other, _, err := c.Identity.Read(ctx, guestID, nil)
	require.NoError(t, err)
	assert.Equal(t, emulator.DefaultGuestAccount, other["name"])
	assert.NotContains(t, other, "masterToken")

	v, _, err := c.Identity.Find(ctx, core.Params{"sort": "name", "order": "asc"})
	require.NoError(t, err)
	var names []string
	for _, o := range v.([]flowthings.Object) {
		names = append(names, str(t, o, "name"))
	}
	assert.Equal(t, []string{emulator.DefaultAccount, emulator.DefaultGuestAccount}, names)
	many, _, err := c.Identity.ReadMany(ctx, []string{devID, guestID}, nil)
	require.NoError(t, err)
	assert.Len(t, many, 2)
}

func TestEmulatorTokenAndShare(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	devID := identityID(t, ctx, c, emulator.DefaultAccount)

	tok, resp, err := c.Token.Create(ctx, flowthings.Object{
		"paths":       flowthings.Object{"/dev/t": flowthings.Object{"dropRead": true, "dropWrite": false}},
		"description": "reader",
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Regexp(t, "^k[0-9a-f]{24}$", tok["id"])
	assert.Regexp(t, "^[A-Za-z0-9]{28}$", tok["tokenString"])
	assert.Equal(t, devID, tok["issuedBy"])

	share, resp, err := c.Share.Create(ctx, flowthings.Object{
		"issuedTo": guestID,
		"paths":    flowthings.Object{"/dev/s": flowthings.Object{"read": true, "dropRead": true}},
	}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Regexp(t, "^s[0-9a-f]{24}$", share["id"])
	assert.Equal(t, devID, share["issuedBy"])

	for _, tc := range []struct {
		name string
		svc  *flowthings.Service
		obj  flowthings.Object
	}{
		{"token", c.Token.Service, tok},
		{"share", c.Share.Service, share},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := str(t, tc.obj, "id")
			got, _, err := tc.svc.Read(ctx, id, nil)
			require.NoError(t, err)
			assert.Equal(t, tc.obj["paths"], got["paths"])
			found, _, err := tc.svc.FindMany(ctx, nil, filter.M("id").Eq(id))
			require.NoError(t, err)
			assert.Equal(t, []string{id}, ids(t, found))
			many, _, err := tc.svc.ReadMany(ctx, []string{id}, nil)
			require.NoError(t, err)
			assert.Contains(t, many, id)

			// Updates are refused before any I/O.
			before := env.rec.count()
			for name, call := range map[string]func() error{
				"Update": func() error { _, _, err := tc.svc.Update(ctx, got, nil); return err },
				"Update(M)": func() error {
					_, _, err := tc.svc.Update(ctx, flowthings.M(got).Modify("description", "x"), nil)
					return err
				},
				"UpdateMany":    func() error { _, _, err := tc.svc.UpdateMany(ctx, []flowthings.Object{got}, nil); return err },
				"Save(with id)": func() error { _, _, err := tc.svc.Save(ctx, got, nil); return err },
				"Save(M)": func() error {
					_, _, err := tc.svc.Save(ctx, flowthings.M(got).Modify("description", "x"), nil)
					return err
				},
			} {
				err := call()
				var unsupported *core.UnsupportedError
				if assert.ErrorAs(t, err, &unsupported, name) {
					assert.Equal(t, tc.name, unsupported.Service, name)
				}
			}
			assert.Equal(t, before, env.rec.count(), "no request was made")

			_, err = tc.svc.Delete(ctx, id, nil, nil)
			require.NoError(t, err)
			_, _, err = tc.svc.Read(ctx, id, nil)
			assert.True(t, core.IsNotFound(err), "read after delete: %v", err)
		})
	}
}

// ---------------------------------------------------------------------------
// Drops

func TestEmulatorDrops(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	const path = "/dev/drops/main"
	flow := createFlow(t, ctx, c, path, flowthings.Object{"description": "main"})
	flowID := str(t, flow, "id")
	drops := c.Drop(flowID)
	require.Equal(t, flowID, drops.FlowID())
	byPath := c.DropPath(path)
	require.Equal(t, path, byPath.Path())

	// Six drops, half by flow id and half by path; created[i] is drop i.
	temps := []int{10, 25, 31, 40, 18, 35}
	var created []flowthings.Object
	t.Run("create", func(t *testing.T) {
		for i, temp := range temps {
			elems := flowthings.Object{"temp": temp, "town": []string{"Brooklyn", "Queens"}[i%2], "n": i}
			var d flowthings.Object
			var resp *flowthings.Response
			var err error
			if i%2 == 0 {
				d, resp, err = drops.Create(ctx, flowthings.Object{"elems": elems, "fhash": fmt.Sprint("h", i)}, nil)
			} else {
				model := flowthings.Object{"elems": elems, "fhash": fmt.Sprint("h", i)}
				d, resp, err = byPath.Create(ctx, model, nil)
				assert.NotContains(t, model, "path", "the given drop is not modified")
			}
			require.NoError(t, err)
			assert.Equal(t, 201, resp.Status)
			assert.Regexp(t, "^d[0-9a-f]{24}$", d["id"])
			assert.Equal(t, flowID, d["flowId"])
			assert.Equal(t, path, d["path"])
			assert.Equal(t, devID, d["creatorId"])
			typ, v := typedElem(t, d, "temp")
			assert.Equal(t, "integer", typ)
			assert.Equal(t, json.Number(fmt.Sprint(temp)), v)
			created = append(created, d)
		}
		// A typed input elem is stored with its type.
		d, _, err := drops.Create(ctx, flowthings.Object{"elems": flowthings.Object{
			"at":  flowthings.Object{"type": "date", "value": emuNow.UnixMilli()},
			"tag": flowthings.Object{"type": "sortedSet", "value": []any{3, 1, 3, 2}},
		}}, nil)
		require.NoError(t, err)
		typ, v := typedElem(t, d, "at")
		assert.Equal(t, "date", typ)
		assert.Equal(t, json.Number(fmt.Sprint(emuNow.UnixMilli())), v)
		_, err = drops.Delete(ctx, str(t, d, "id"), nil, nil)
		require.NoError(t, err)
	})
	require.Len(t, created, len(temps))
	dropID := func(i int) string { return str(t, created[i], "id") }

	t.Run("read", func(t *testing.T) {
		got, _, err := drops.Read(ctx, dropID(1), nil)
		require.NoError(t, err)
		assert.Equal(t, created[1], got)
		// Typed by default on 0.1, plain with hints false, plain by default on 4.0.
		got, _, err = drops.Read(ctx, dropID(1), core.Params{"hints": false})
		require.NoError(t, err)
		assert.Equal(t, json.Number("25"), plainElem(t, got, "temp"))
		cfg4 := env.cfg
		cfg4.Version = "4.0"
		c4, err := flowthings.NewClient(cfg4, env.rec)
		require.NoError(t, err)
		got, _, err = c4.Drop(flowID).Read(ctx, dropID(1), nil)
		require.NoError(t, err)
		assert.Equal(t, "Queens", plainElem(t, got, "town"))
		got, _, err = c4.Drop(flowID).Read(ctx, dropID(1), core.Params{"hints": true})
		require.NoError(t, err)
		typ, _ := typedElem(t, got, "town")
		assert.Equal(t, "string", typ)
		// Config.Params apply to every call; a call's own params win.
		cfgPlain := env.cfg
		cfgPlain.Params = core.Params{"hints": false}
		cp, err := flowthings.NewClient(cfgPlain, env.rec)
		require.NoError(t, err)
		got, _, err = cp.Drop(flowID).Read(ctx, dropID(3), nil)
		require.NoError(t, err)
		assert.Equal(t, json.Number("40"), plainElem(t, got, "temp"))
		got, _, err = cp.Drop(flowID).Read(ctx, dropID(3), core.Params{"hints": true})
		require.NoError(t, err)
		typ, _ = typedElem(t, got, "temp")
		assert.Equal(t, "integer", typ)
	})

	t.Run("find params", func(t *testing.T) {
		all := make([]string, len(created))
		for i := range created {
			all[len(created)-1-i] = dropID(i) // newest first
		}
		for _, tc := range []struct {
			name    string
			params  core.Params
			filters []any
			want    []string
		}{
			{"default newest first", nil, nil, all},
			{"limit and start", core.Params{"limit": 2, "start": 1}, nil, all[1:3]},
			{"sort asc", core.Params{"sort": "elems.temp", "order": "asc"}, nil,
				[]string{dropID(0), dropID(4), dropID(1), dropID(2), dropID(5), dropID(3)}},
			{"sort desc with limit", core.Params{"sort": "elems.temp", "order": "desc", "limit": 2}, nil,
				[]string{dropID(3), dropID(5)}},
			{"built filter", core.Params{"order": "asc"},
				[]any{filter.And(filter.M("elems", "temp").Gt(30), filter.M("elems", "town").Eq("Queens"))},
				[]string{dropID(3), dropID(5)}},
			{"string filters AND-ed", core.Params{"order": "asc", "filter": "elems.temp > 20"},
				[]any{"elems.town == 'Brooklyn'"}, []string{dropID(2)}},
			{"no match", nil, []any{filter.M("elems", "temp").Gt(1000)}, []string{}},
			{"limit 0", core.Params{"limit": 0}, nil, []string{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				found, resp, err := drops.FindMany(ctx, tc.params, tc.filters...)
				require.NoError(t, err)
				assert.Equal(t, 200, resp.Status)
				assert.Equal(t, tc.want, ids(t, found))
				assert.Empty(t, resp.References, "no refs asked")
			})
		}

		found, _, err := byPath.FindMany(ctx, core.Params{"order": "asc"}, filter.M("elems", "n").In(1, 3))
		require.NoError(t, err)
		assert.Equal(t, []string{dropID(1), dropID(3)}, ids(t, found), "find by path")

		found, _, err = drops.FindMany(ctx, core.Params{"only": []string{"elems", "fhash"}, "limit": 3})
		require.NoError(t, err)
		require.Len(t, found, 3)
		for _, d := range found {
			assert.ElementsMatch(t, []string{"id", "elems", "fhash"}, keys(d))
		}

		found, _, err = drops.FindMany(ctx, core.Params{"hints": false, "limit": 1})
		require.NoError(t, err)
		require.Len(t, found, 1)
		assert.Equal(t, json.Number("35"), plainElem(t, found[0], "temp"), "hints false gives plain elems")
		assert.Equal(t, "Queens", plainElem(t, found[0], "town"))

		found, resp, err := drops.FindMany(ctx, core.Params{"refs": true, "limit": 2})
		require.NoError(t, err)
		assert.Len(t, found, 2)
		require.NotNil(t, resp.References)
		require.Contains(t, resp.References, flowID)
		assert.Equal(t, path, resp.References[flowID]["path"])
		require.Contains(t, resp.References, devID)
		assert.Equal(t, emulator.DefaultAccount, resp.References[devID]["name"])
	})

	t.Run("read many", func(t *testing.T) {
		many, _, err := drops.ReadMany(ctx, []string{dropID(0), dropID(2), "d" + strings.Repeat("0", 24)}, nil)
		require.NoError(t, err)
		assert.Len(t, many, 2)
		assert.Equal(t, created[0], many[dropID(0)])
		assert.Equal(t, created[2], many[dropID(2)])
	})

	t.Run("multi-flow MGET", func(t *testing.T) {
		other := createFlow(t, ctx, c, "/dev/drops/other", nil)
		otherID := str(t, other, "id")
		var otherDrops []string
		for i := range 3 {
			d, _, err := c.Drop(otherID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"x": i}}, nil)
			require.NoError(t, err)
			otherDrops = append(otherDrops, str(t, d, "id"))
		}
		query := []any{
			flowthings.Object{"flowId": flowID, "params": flowthings.Object{"limit": 2}},
			flowthings.Object{"path": "/dev/drops/other", "params": flowthings.Object{"filter": "elems.x >= 1", "order": "asc"}},
			flowthings.Object{"flowId": "f" + strings.Repeat("0", 24)},
		}
		check := func(t *testing.T, body map[string][]map[string]any) {
			require.Len(t, body, 2, "unknown flows are left out")
			var main, oth []string
			for _, d := range body[flowID] {
				main = append(main, d["id"].(string))
			}
			for _, d := range body[otherID] {
				oth = append(oth, d["id"].(string))
			}
			assert.Equal(t, []string{dropID(5), dropID(4)}, main)
			assert.Equal(t, otherDrops[1:], oth)
		}

		// The raw call.
		v, resp, err := c.Request(ctx, "MGET", "/drop", query, core.Params{"hints": false})
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		raw, err := json.Marshal(v)
		require.NoError(t, err)
		var body map[string][]map[string]any
		require.NoError(t, json.Unmarshal(raw, &body))
		check(t, body)
		assert.Equal(t, float64(1), body[otherID][0]["elems"].(map[string]any)["x"], "URL params are item defaults (hints=0)")

		// The Op path: readMany with a raw body and no flow id.
		rawQuery, err := json.Marshal(query)
		require.NoError(t, err)
		envl, err := c.Exec(ctx, core.Op{Service: core.ServiceDrop, Name: core.OpReadMany, Body: rawQuery})
		require.NoError(t, err)
		assert.Equal(t, "MGET", env.rec.last(t).Method)
		assert.Equal(t, "/drop", env.rec.last(t).Path)
		body = nil
		require.NoError(t, json.Unmarshal(envl.Body, &body))
		check(t, body)
	})

	t.Run("update", func(t *testing.T) {
		// A Modification of elems: only elems is sent, the rest is kept.
		d := created[0]
		upd, _, err := drops.Update(ctx, flowthings.M(d).Modify("elems", flowthings.Object{"temp": 12}), nil)
		require.NoError(t, err)
		assert.JSONEq(t, `{"elems":{"temp":12}}`, string(env.rec.last(t).Body))
		assert.Equal(t, json.Number("1"), upd["version"])
		assert.Equal(t, "h0", upd["fhash"])
		elems := upd["elems"].(map[string]any)
		assert.Len(t, elems, 1, "elems is replaced as a whole")
		_, v := typedElem(t, upd, "temp")
		assert.Equal(t, json.Number("12"), v)

		// A whole drop as read back (typed elems) round-trips.
		whole := flowthings.Object{}
		for k, v := range upd {
			whole[k] = v
		}
		whole["fhash"] = "changed"
		again, _, err := drops.Update(ctx, whole, nil)
		require.NoError(t, err)
		assert.Equal(t, upd["elems"], again["elems"])
		assert.Equal(t, "changed", again["fhash"])
		assert.Equal(t, json.Number("2"), again["version"])
		created[0] = again

		// MPUT.
		many, _, err := drops.UpdateMany(ctx, map[string]flowthings.Object{
			dropID(1): {"fhash": "m1"},
			dropID(2): {"fhash": "m2"},
		}, nil)
		require.NoError(t, err)
		assert.Equal(t, "MPUT", env.rec.last(t).Method)
		require.Len(t, many, 2)
		assert.Equal(t, "m1", many[dropID(1)]["fhash"])
		assert.Equal(t, "m2", many[dropID(2)]["fhash"])
		got, _, err := drops.Read(ctx, dropID(2), nil)
		require.NoError(t, err)
		assert.Equal(t, "m2", got["fhash"])
	})

	t.Run("delete", func(t *testing.T) {
		resp, err := drops.Delete(ctx, dropID(0), nil, nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		_, _, err = drops.Read(ctx, dropID(0), nil)
		assert.True(t, core.IsNotFound(err), "read after delete: %v", err)

		resp, err = drops.DeleteAll(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.Status)
		assert.Equal(t, "DELETE", env.rec.last(t).Method)
		assert.Equal(t, "/drop/"+flowID, env.rec.last(t).Path)
		found, _, err := drops.FindMany(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, found)
		_, _, err = c.Flow.Read(ctx, flowID, nil)
		assert.NoError(t, err, "the flow survives DeleteAll")
	})

	t.Run("unknown flow", func(t *testing.T) {
		_, _, err := c.Drop("f"+strings.Repeat("0", 24)).Create(ctx, flowthings.Object{"elems": flowthings.Object{}}, nil)
		var nf *core.NotFoundError
		assert.ErrorAs(t, err, &nf)
		_, _, err = c.DropPath("/dev/nope").FindMany(ctx, nil)
		assert.ErrorAs(t, err, &nf)
		_, _, err = c.DropPath("/dev/nope").Create(ctx, flowthings.Object{"elems": flowthings.Object{}}, nil)
		var bad *core.BadRequestError
		assert.ErrorAs(t, err, &bad, "POST /drop with an unknown path is 400")
		_, _, err = c.Drop("").Read(ctx, "d1", nil)
		var input *core.InputError
		assert.ErrorAs(t, err, &input)
	})
}

func TestEmulatorDropCapacity(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	flow := createFlow(t, ctx, env.c, "/dev/small", flowthings.Object{"capacity": 3})
	assert.Equal(t, json.Number("3"), flow["capacity"])
	drops := env.c.Drop(str(t, flow, "id"))
	var all []string
	for i := range 5 {
		d, _, err := drops.Create(ctx, flowthings.Object{"elems": flowthings.Object{"i": i}}, nil)
		require.NoError(t, err)
		all = append(all, str(t, d, "id"))
	}
	found, _, err := drops.FindMany(ctx, core.Params{"order": "asc"})
	require.NoError(t, err)
	assert.Equal(t, all[2:], ids(t, found), "the oldest drops are evicted")
	_, _, err = drops.Read(ctx, all[0], nil)
	assert.True(t, core.IsNotFound(err), "evicted drop: %v", err)

	// Lowering the capacity evicts at once.
	_, _, err = env.c.Flow.Update(ctx, flowthings.M(flow).Modify("capacity", 1), nil)
	require.NoError(t, err)
	found, _, err = drops.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, all[4:], ids(t, found))

	// Capacity 0 stores nothing but accepts the write.
	zero := createFlow(t, ctx, env.c, "/dev/zero", flowthings.Object{"capacity": 0})
	d, resp, err := env.c.Drop(str(t, zero, "id")).Create(ctx, flowthings.Object{"elems": flowthings.Object{"i": 1}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	_, _, err = env.c.Drop(str(t, zero, "id")).Read(ctx, str(t, d, "id"), nil)
	assert.True(t, core.IsNotFound(err), "capacity 0 stores nothing: %v", err)
}

func TestEmulatorAggregate(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	flow := createFlow(t, ctx, env.c, "/dev/agg", nil)
	drops := env.c.Drop(str(t, flow, "id"))
	for _, d := range []struct {
		town string
		temp int
	}{{"Brooklyn", 10}, {"Queens", 40}, {"Brooklyn", 20}, {"Queens", 50}, {"Brooklyn", 30}} {
		_, _, err := drops.Create(ctx, flowthings.Object{"elems": flowthings.Object{"town": d.town, "temp": d.temp}}, nil)
		require.NoError(t, err)
	}
	type row struct {
		town       string
		count, avg float64
		max        float64
		hot        float64 // $avg:hot, -1 when not asked
	}
	for _, tc := range []struct {
		name string
		agg  core.Aggregation
		want []row
	}{
		{"group by town", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp"},
		}, []row{{"Brooklyn", 3, 20, 30, -1}, {"Queens", 2, 45, 50, -1}}},
		{"sorted desc by count", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp"},
			Sorts:   []string{"$avg:elems.temp:desc"},
		}, []row{{"Queens", 2, 45, 50, -1}, {"Brooklyn", 3, 20, 30, -1}}},
		{"filter and rules", core.Aggregation{
			GroupBy: []string{"elems.town"},
			Output:  []string{"$count", "$avg:elems.temp", "$max:elems.temp", "$avg:hot"},
			Filter:  filter.M("elems", "temp").Gt(10),
			Rules:   map[string]any{"hot": "elems.temp >= 30"},
			Sorts:   []string{"elems.town:asc"},
		}, []row{{"Brooklyn", 2, 25, 30, 0.5}, {"Queens", 2, 45, 50, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, resp, err := drops.Aggregate(ctx, tc.agg, nil)
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, "/drop/"+str(t, flow, "id")+"/aggregate", env.rec.last(t).Path)
			require.Len(t, rows, len(tc.want))
			for i, w := range tc.want {
				r := rows[i]
				assert.Equal(t, w.town, r["elems.town"], "row %d", i)
				assert.Equal(t, w.count, num(t, r["$count"]), "row %d count", i)
				assert.InDelta(t, w.avg, num(t, r["$avg:elems.temp"]), 1e-9, "row %d avg", i)
				assert.Equal(t, w.max, num(t, r["$max:elems.temp"]), "row %d max", i)
				if w.hot >= 0 {
					assert.InDelta(t, w.hot, num(t, r["$avg:hot"]), 1e-9, "row %d hot", i)
				}
			}
		})
	}

	// No groupBy: one row.
	rows, _, err := drops.Aggregate(ctx, core.Aggregation{Output: []string{"$count", "$sum:elems.temp"}}, nil)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	assert.Equal(t, float64(5), num(t, rows[0]["$count"]))
	assert.Equal(t, float64(150), num(t, rows[0]["$sum:elems.temp"]))

	// A bad selector, a bad filter: 400.
	_, _, err = drops.Aggregate(ctx, core.Aggregation{Output: []string{"$median:elems.temp"}}, nil)
	var bad *core.BadRequestError
	assert.ErrorAs(t, err, &bad)
	_, _, err = drops.Aggregate(ctx, core.Aggregation{Output: []string{"$count"}, Filter: "elems.temp >"}, nil)
	if assert.ErrorAs(t, err, &bad) {
		assert.Contains(t, strings.Join(bad.Errors, " "), "position")
	}
	// No output: refused by the client or by the platform, never a success.
	_, _, err = drops.Aggregate(ctx, core.Aggregation{}, nil)
	assert.Error(t, err)
}

// ---------------------------------------------------------------------------
// Statistics

func TestEmulatorStatistics(t *testing.T) {
	env := newEmuEnv(t, nil) // clock fixed at emuNow: 2024-03-15 10:30 UTC
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	src := createFlow(t, ctx, c, "/dev/stats/src", nil)
	dst := createFlow(t, ctx, c, "/dev/stats/dst", nil)
	srcID, dstID := str(t, src, "id"), str(t, dst, "id")
	track, _, err := c.Track.Create(ctx, flowthings.Object{
		"source": "/dev/stats/src", "destination": "/dev/stats/dst", "filter": "elems.temp > 30",
	}, nil)
	require.NoError(t, err)
	trackID := str(t, track, "id")
	// Five drops into src, two of which pass the track; one more straight
	// into dst. A failed call counts as an API call too.
	for _, temp := range []int{10, 35, 20, 40, 5} {
		_, _, err := c.Drop(srcID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"temp": temp}}, nil)
		require.NoError(t, err)
	}
	_, _, err = c.Drop(dstID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"temp": 0}}, nil)
	require.NoError(t, err)
	_, _, err = c.Flow.Read(ctx, "f"+strings.Repeat("0", 24), nil)
	require.True(t, core.IsNotFound(err))

	day := core.StatOptions{Year: 2024, Month: 3, Day: 15}
	hourly := func(n int64) []int64 { // 24 hours, n at 10:00
		out := make([]int64, 24)
		out[10] = n
		return out
	}
	for _, tc := range []struct {
		name string
		call func() ([]int64, *flowthings.Response, error)
		want []int64
	}{
		{"flowDropAdded src", func() ([]int64, *flowthings.Response, error) { return c.Statistics.FlowDropAdded(ctx, srcID, day) }, hourly(5)},
		{"flowDropAdded dst (tracked included)", func() ([]int64, *flowthings.Response, error) { return c.Statistics.FlowDropAdded(ctx, dstID, day) }, hourly(3)},
		// flowTracked: the emulator counts the drops tracks copied into the
		// flow (stats.go); core's doc and docs/protocol.md §3.14 say "tracks added
		// to the flow" — see the report.
		{"flowTracked dst", func() ([]int64, *flowthings.Response, error) { return c.Statistics.FlowTracked(ctx, dstID, day) }, hourly(2)},
		{"flowTracked src", func() ([]int64, *flowthings.Response, error) { return c.Statistics.FlowTracked(ctx, srcID, day) }, hourly(0)},
		{"trackHit", func() ([]int64, *flowthings.Response, error) { return c.Statistics.TrackHit(ctx, trackID, day) }, hourly(5)},
		{"trackPass", func() ([]int64, *flowthings.Response, error) { return c.Statistics.TrackPass(ctx, trackID, day) }, hourly(2)},
		{"dropCreatedBy (copies excluded)", func() ([]int64, *flowthings.Response, error) { return c.Statistics.DropCreatedBy(ctx, devID, day) }, hourly(6)},
		{"year by month", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.FlowDropAdded(ctx, srcID, core.StatOptions{Year: 2024})
		}, []int64{0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"month by day", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.Get(ctx, core.StatTrackPass, trackID, core.StatOptions{Year: 2024, Month: 3})
		}, func() []int64 { out := make([]int64, 31); out[14] = 2; return out }()},
		{"day, level DAY", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.FlowDropAdded(ctx, dstID, core.StatOptions{Year: 2024, Month: 3, Day: 15, Level: "DAY"})
		}, []int64{3}},
		{"year, level month (lower case)", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.TrackHit(ctx, trackID, core.StatOptions{Year: 2024, Level: "month"})
		}, []int64{0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"month, level MONTH", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.DropCreatedBy(ctx, devID, core.StatOptions{Year: 2024, Month: 3, Level: "MONTH"})
		}, []int64{6}},
		{"another year", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.FlowDropAdded(ctx, srcID, core.StatOptions{Year: 2023})
		}, make([]int64, 12)},
		{"no date: the last 10 years", func() ([]int64, *flowthings.Response, error) {
			return c.Statistics.FlowDropAdded(ctx, srcID, core.StatOptions{})
		}, []int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, resp, err := tc.call()
			require.NoError(t, err)
			assert.Equal(t, 200, resp.Status)
			assert.Equal(t, tc.want, got)
		})
	}

	// apiCallByIdentity counts every call this test made so far, failed
	// and statistics calls included (a statistics call not itself).
	made := int64(env.rec.count())
	got, _, err := c.Statistics.APICallByIdentity(ctx, devID, day)
	require.NoError(t, err)
	assert.Equal(t, hourly(made), got)
	req := env.rec.last(t)
	assert.Equal(t, "/statistics/apiCallByIdentity/"+devID+"/2024/3/15", req.Path)

	// A level coarser than the period is a 400; a day without a month is
	// refused before any I/O.
	_, _, err = c.Statistics.FlowDropAdded(ctx, srcID, core.StatOptions{Year: 2024, Month: 3, Level: "YEAR"})
	var bad *core.BadRequestError
	assert.ErrorAs(t, err, &bad)
	before := env.rec.count()
	_, _, err = c.Statistics.FlowDropAdded(ctx, srcID, core.StatOptions{Year: 2024, Day: 3})
	var input *core.InputError
	assert.ErrorAs(t, err, &input)
	assert.Equal(t, before, env.rec.count())
	_, _, err = c.Statistics.Get(ctx, "nope", srcID, day)
	assert.ErrorAs(t, err, &input, "an unknown statistic is refused by the client")
	assert.Equal(t, before, env.rec.count())
}

// ---------------------------------------------------------------------------
// Errors

func TestEmulatorErrors(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/errors", nil)
	flowID := str(t, flow, "id")
	tok, _, err := c.Token.Create(ctx, flowthings.Object{"paths": flowthings.Object{"/dev/errors": flowthings.Object{"dropRead": true}}}, nil)
	require.NoError(t, err)
	tokenString := str(t, tok, "tokenString")
	const wrongToken = "not-a-real-token-0123456789"
	reader := env.clientAs(t, emulator.DefaultAccount, tokenString)
	stranger := env.clientAs(t, emulator.DefaultAccount, wrongToken)
	mismatched := env.clientAs(t, emulator.DefaultGuestAccount, emulator.DefaultToken) // dev's token, guest's name

	failing := newEmuEnv(t, func(cfg *emulator.Config) { cfg.FailRate = 1 })

	var all []error // every error, checked for tokens at the end
	for _, tc := range []struct {
		name   string
		call   func() error
		target any // pointer to the wanted error type
		status int
		method string
		path   string
		errSub string // in Errors
		acct   string // the Account of the error when not dev
	}{
		{"bad filter string", func() error {
			_, _, err := c.Flow.FindMany(ctx, nil, "path == ")
			return err
		}, new(*core.BadRequestError), 400, "GET", "/flow", "position 8", ""},
		{"bad drop filter", func() error {
			_, _, err := c.Drop(flowID).FindMany(ctx, core.Params{"filter": "elems.a > 1 &&"})
			return err
		}, new(*core.BadRequestError), 400, "GET", "/drop/" + flowID, "position", ""},
		{"bad param", func() error {
			_, _, err := c.Flow.FindMany(ctx, core.Params{"order": "sideways"})
			return err
		}, new(*core.BadRequestError), 400, "GET", "/flow", "order", ""},
		{"wrong token", func() error {
			_, _, err := stranger.Flow.Read(ctx, flowID, nil)
			return err
		}, new(*core.ForbiddenError), 401, "GET", "/flow/" + flowID, "X-Auth-Token", ""},
		{"token of another account", func() error { // dev's token in guest's namespace, which shares nothing with dev
			_, _, err := mismatched.Flow.FindMany(ctx, nil)
			return err
		}, new(*core.ForbiddenError), 403, "GET", "/flow", "no live share", emulator.DefaultGuestAccount},
		{"token without permission", func() error {
			_, _, err := reader.Flow.Create(ctx, flowthings.Object{"path": "/dev/errors/new"}, nil)
			return err
		}, new(*core.ForbiddenError), 403, "POST", "/flow", "permission", ""},
		{"token without drop write", func() error {
			_, _, err := reader.Drop(flowID).Create(ctx, flowthings.Object{"elems": flowthings.Object{}}, nil)
			return err
		}, new(*core.ForbiddenError), 403, "POST", "/drop/" + flowID, "permission", ""},
		{"not found", func() error {
			_, _, err := c.Track.Read(ctx, "t"+strings.Repeat("a", 24), nil)
			return err
		}, new(*core.NotFoundError), 404, "GET", "/track/t" + strings.Repeat("a", 24), "", ""},
		{"unknown route, raw", func() error {
			_, _, err := c.Request(ctx, "GET", "/nosuchservice", nil, nil)
			return err
		}, new(*core.NotFoundError), 404, "GET", "/nosuchservice", "", ""},
		{"injected 503", func() error {
			_, _, err := failing.c.Flow.FindMany(ctx, nil)
			return err
		}, new(*core.ServerError), 503, "GET", "/flow", "", ""},
		{"injected 503 on a write", func() error {
			_, _, err := failing.c.Flow.Create(ctx, flowthings.Object{"path": "/dev/x"}, nil)
			return err
		}, new(*core.ServerError), 503, "POST", "/flow", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			all = append(all, err)
			require.ErrorAs(t, err, tc.target)
			var api core.APIError
			require.ErrorAs(t, err, &api)
			re := api.Response()
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, tc.method, re.Method)
			assert.Equal(t, tc.path, re.Path)
			wantAccount := emulator.DefaultAccount
			if tc.acct != "" {
				wantAccount = tc.acct
			}
			assert.Equal(t, wantAccount, re.Account)
			assert.NotEmpty(t, re.Errors, "the platform's error strings")
			if tc.errSub != "" {
				assert.Contains(t, strings.Join(re.Errors, "\n"), tc.errSub)
			}
			assert.Contains(t, err.Error(), fmt.Sprint(tc.status))
		})
	}

	// A built filter that cannot be rendered is refused before any I/O.
	before := env.rec.count()
	_, _, err = c.Flow.FindMany(ctx, nil, filter.M("bad name").Eq(1))
	var input *core.InputError
	require.ErrorAs(t, err, &input)
	assert.ErrorIs(t, err, filter.ErrInvalid)
	_, _, err = c.Request(ctx, "GET", "/flow/../token", nil, nil)
	assert.ErrorAs(t, err, &input, "dot segments are refused")
	assert.Equal(t, before, env.rec.count())
	all = append(all, err)

	// A failing WebSocket session is the first connection's error.
	_, err = flowthings.DialWebSocket(ctx, failing.cfg, failing.rec, &nethttp.WSDialer{}, nil)
	var server *core.ServerError
	assert.ErrorAs(t, err, &server)
	all = append(all, err)

	for _, err := range all {
		for _, secret := range []string{emulator.DefaultToken, emulator.DefaultGuestToken, tokenString, wrongToken} {
			assert.NotContains(t, err.Error(), secret)
			assert.NotContains(t, fmt.Sprintf("%+v", err), secret)
		}
	}
}

func TestEmulatorRawRequest(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/raw", flowthings.Object{"description": "before"})
	flowID := str(t, flow, "id")

	v, resp, err := c.Request(ctx, "GET", "/flow/"+flowID, nil, core.Params{"only": []string{"path"}})
	require.NoError(t, err)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, flowthings.Object{"id": flowID, "path": "/dev/raw"}, v)

	// Member sub-resource update: PUT /flow/{id}/description with a bare value.
	v, _, err = c.Request(ctx, "PUT", "/flow/"+flowID+"/description", "after", nil)
	require.NoError(t, err)
	require.IsType(t, flowthings.Object{}, v)
	assert.Equal(t, "after", v.(flowthings.Object)["description"])
	req := env.rec.last(t)
	assert.Equal(t, `"after"`, string(req.Body))

	// A raw body as json.RawMessage, a list result.
	v, _, err = c.Request(ctx, "MGET", "/flow", json.RawMessage(`["`+flowID+`"]`), nil)
	require.NoError(t, err)
	require.IsType(t, flowthings.Object{}, v)
	assert.Contains(t, v.(flowthings.Object), flowID)
	v, _, err = c.Request(ctx, "GET", "/flow", nil, core.Params{"filter": filter.M("path").Eq("/dev/raw")})
	require.NoError(t, err)
	require.IsType(t, []any{}, v)
	assert.Len(t, v, 1)

	// A create with a raw call is a 201 and the body decodes as an Object.
	v, resp, err = c.Request(ctx, "POST", "/drop/"+flowID, flowthings.Object{"elems": flowthings.Object{"a": 1}}, nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	assert.Equal(t, flowID, v.(flowthings.Object)["flowId"])
}

// ---------------------------------------------------------------------------
// Permissions: a Token object and a Share

func TestEmulatorTokenPermissions(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	a := createFlow(t, ctx, c, "/dev/perm/a", nil)
	b := createFlow(t, ctx, c, "/dev/perm/b", nil)
	aID, bID := str(t, a, "id"), str(t, b, "id")
	d, _, err := c.Drop(aID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"v": 1}}, nil)
	require.NoError(t, err)
	dID := str(t, d, "id")
	_, _, err = c.Drop(bID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"v": 2}}, nil)
	require.NoError(t, err)

	tok, _, err := c.Token.Create(ctx, flowthings.Object{
		"paths":       flowthings.Object{"/dev/perm/a": flowthings.Object{"dropRead": true, "dropWrite": false}},
		"description": "read a",
	}, nil)
	require.NoError(t, err)
	reader := env.clientAs(t, emulator.DefaultAccount, str(t, tok, "tokenString"))

	// Allowed: reading drops and the flow under the token's path.
	found, _, err := reader.Drop(aID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{dID}, ids(t, found))
	got, _, err := reader.Drop(aID).Read(ctx, dID, nil)
	require.NoError(t, err)
	assert.Equal(t, d, got)
	found, _, err = reader.DropPath("/dev/perm/a").FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, found, 1)
	_, _, err = reader.Flow.Read(ctx, aID, nil)
	assert.NoError(t, err)
	flows, _, err := reader.Flow.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{aID}, ids(t, flows), "lists leave out what the token cannot read")
	toks, _, err := reader.Token.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{str(t, tok, "id")}, ids(t, toks), "a token lists just itself")

	// Refused with 403.
	for name, call := range map[string]func() error{
		"drop create": func() error {
			_, _, err := reader.Drop(aID).Create(ctx, flowthings.Object{"elems": flowthings.Object{}}, nil)
			return err
		},
		"drop by path": func() error {
			_, _, err := reader.DropPath("/dev/perm/a").Create(ctx, flowthings.Object{"elems": flowthings.Object{}}, nil)
			return err
		},
		"drop update": func() error {
			_, _, err := reader.Drop(aID).Update(ctx, flowthings.M(d).Modify("fhash", "x"), nil)
			return err
		},
		"drop delete": func() error { _, err := reader.Drop(aID).Delete(ctx, dID, nil, nil); return err },
		"delete all":  func() error { _, err := reader.Drop(aID).DeleteAll(ctx, nil); return err },
		"other flow":  func() error { _, _, err := reader.Flow.Read(ctx, bID, nil); return err },
		"other drops": func() error { _, _, err := reader.Drop(bID).FindMany(ctx, nil); return err },
		"flow create": func() error {
			_, _, err := reader.Flow.Create(ctx, flowthings.Object{"path": "/dev/perm/a/sub"}, nil)
			return err
		},
		"flow update": func() error {
			_, _, err := reader.Flow.Update(ctx, flowthings.M(a).Modify("description", "x"), nil)
			return err
		},
		"token create": func() error {
			_, _, err := reader.Token.Create(ctx, flowthings.Object{"paths": flowthings.Object{"/dev/perm/a": flowthings.Object{}}}, nil)
			return err
		},
	} {
		err := call()
		var forbidden *core.ForbiddenError
		if assert.ErrorAs(t, err, &forbidden, name) {
			assert.Equal(t, 403, forbidden.Status, name)
		}
	}
	// Nothing changed.
	found, _, err = c.Drop(aID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{dID}, ids(t, found))

	// A deleted token stops working: 401.
	_, err = c.Token.Delete(ctx, str(t, tok, "id"), nil, nil)
	require.NoError(t, err)
	_, _, err = reader.Drop(aID).FindMany(ctx, nil)
	var forbidden *core.ForbiddenError
	require.ErrorAs(t, err, &forbidden)
	assert.Equal(t, 401, forbidden.Status)
}

func TestEmulatorShares(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	guestID := identityID(t, ctx, c, emulator.DefaultGuestAccount)
	shared := createFlow(t, ctx, c, "/dev/shared/x", nil)
	private := createFlow(t, ctx, c, "/dev/private/y", nil)
	sharedID, privateID := str(t, shared, "id"), str(t, private, "id")
	_, _, err := c.Drop(sharedID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"from": "dev"}}, nil)
	require.NoError(t, err)

	share, _, err := c.Share.Create(ctx, flowthings.Object{
		"issuedTo": guestID,
		"paths":    flowthings.Object{"/dev/shared": flowthings.Object{"read": true, "dropRead": true, "dropWrite": true}},
	}, nil)
	require.NoError(t, err)
	shareID := str(t, share, "id")

	// The recipient authenticates as itself (X-Auth-Account guest, its own
	// token) and addresses the owner's namespace in the URL.
	guestCfg := env.cfg
	guestCfg.Account, guestCfg.Token, guestCfg.Namespace = emulator.DefaultGuestAccount, emulator.DefaultGuestToken, emulator.DefaultAccount
	rec := &recordingTrans{next: env.rec.next}
	guest, err := flowthings.NewClient(guestCfg, rec)
	require.NoError(t, err)

	me, _, err := guest.Identity.Read(ctx, guestID, nil)
	require.NoError(t, err)
	assert.Contains(t, me["shares"], shareID, "the share appears on the recipient's identity")

	got, _, err := guest.Flow.Read(ctx, sharedID, nil)
	require.NoError(t, err)
	assert.Equal(t, "/dev/shared/x", got["path"])
	req := rec.last(t)
	assert.True(t, strings.HasPrefix(req.URL, env.srv.URL+"/v0.1/dev/flow/"), req.URL)
	assert.Contains(t, req.Header, core.Header{Name: "X-Auth-Account", Value: emulator.DefaultGuestAccount})
	assert.Equal(t, emulator.DefaultAccount, req.Account)

	flows, _, err := guest.Flow.FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{sharedID}, ids(t, flows), "only the shared flow is listed")
	found, _, err := guest.Drop(sharedID).FindMany(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, found, 1)
	d, _, err := guest.DropPath("/dev/shared/x").Create(ctx, flowthings.Object{"elems": flowthings.Object{"from": "guest"}}, nil)
	require.NoError(t, err)
	assert.Equal(t, guestID, d["creatorId"], "written through a share: the recipient's identity")
	assert.Equal(t, sharedID, d["flowId"])

	for name, call := range map[string]func() error{
		"private flow":  func() error { _, _, err := guest.Flow.Read(ctx, privateID, nil); return err },
		"private drops": func() error { _, _, err := guest.Drop(privateID).FindMany(ctx, nil); return err },
		"flow create": func() error {
			_, _, err := guest.Flow.Create(ctx, flowthings.Object{"path": "/dev/shared/new"}, nil)
			return err
		},
		"share create": func() error {
			_, _, err := guest.Share.Create(ctx, flowthings.Object{"issuedTo": guestID, "paths": flowthings.Object{"/dev": flowthings.Object{"read": true}}}, nil)
			return err
		},
	} {
		err := call()
		var forbidden *core.ForbiddenError
		if assert.ErrorAs(t, err, &forbidden, name) {
			assert.Equal(t, 403, forbidden.Status, name)
		}
	}

	// The reference Python client's way also works: the owner's account as
	// X-Auth-Account (it sends the URL's account there) with the
	// recipient's own token (docs/protocol.md §10 #27).
	python := env.clientAs(t, emulator.DefaultAccount, emulator.DefaultGuestToken)
	flow, _, err := python.Flow.Read(ctx, sharedID, nil)
	require.NoError(t, err)
	assert.Equal(t, sharedID, flow["id"])
	// The own namespace does not: the flow is not there.
	own := env.clientAs(t, emulator.DefaultGuestAccount, emulator.DefaultGuestToken)
	_, _, err = own.Flow.Read(ctx, sharedID, nil)
	assert.True(t, core.IsNotFound(err), "%v", err)

	// Over the WebSocket the session is the recipient's; shared flows are
	// named by path (the path's account is the namespace).
	ws := wsDial(t, ctx, guestCfg, nil)
	sink := newDropSink()
	_, err = ws.Subscribe(ctx, "/dev/shared/x", sink.handle)
	require.NoError(t, err)
	body, err := ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", Path: "/dev/shared/x",
		Value: []byte(`{"elems":{"from":"guest-ws"}}`)})
	require.NoError(t, err)
	var wsDrop flowthings.Object
	require.NoError(t, json.Unmarshal(body, &wsDrop))
	assert.Equal(t, sharedID, wsDrop["flowId"])
	assert.True(t, sink.waitFor(t, wsDrop["id"].(string), 5*time.Second), "own write pushed back")
	devDrop, _, err := c.Drop(sharedID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"from": "dev-later"}}, nil)
	require.NoError(t, err)
	assert.True(t, sink.waitFor(t, str(t, devDrop, "id"), 5*time.Second), "owner's write pushed to the recipient")
	_, err = ws.Subscribe(ctx, "/dev/private/y", func(core.WSDrop) {})
	var forbidden *core.ForbiddenError
	assert.ErrorAs(t, err, &forbidden, "no dropRead on the private flow")

	// Once the share is deleted, the namespace is closed to the recipient.
	_, err = c.Share.Delete(ctx, shareID, nil, nil)
	require.NoError(t, err)
	_, _, err = guest.Flow.Read(ctx, sharedID, nil)
	assert.Equal(t, 403, apiStatus(err), "%v", err)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", Path: "/dev/shared/x", Value: []byte(`{"elems":{}}`)})
	assert.ErrorAs(t, err, &forbidden)
}

// ---------------------------------------------------------------------------
// Batch and lazy

func TestEmulatorBatch(t *testing.T) {
	// Every request takes 5 ms and call i makes 6-i requests, so the
	// calls overlap (3 at a time) and the early ones finish last.
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.Latency = 5 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	b := flowthings.NewBatch(ctx, 3)
	var paths []string
	for i := range 6 {
		path := fmt.Sprintf("/dev/batch/f%d", i)
		paths = append(paths, path)
		idx := b.Add(func(ctx context.Context) (any, error) {
			for range 5 - i {
				if _, _, err := c.Identity.FindMany(ctx, core.Params{"limit": 1}); err != nil {
					return nil, err
				}
			}
			return flowthings.Result(c.Flow.Create(ctx, flowthings.Object{"path": path, "capacity": 10 + i}, nil))
		})
		assert.Equal(t, i, idx)
	}
	results, err := b.Results()
	require.NoError(t, err)
	require.Len(t, results, 6)
	for i, r := range results {
		require.IsType(t, flowthings.Object{}, r)
		assert.Equal(t, paths[i], r.(flowthings.Object)["path"], "result %d is call %d's", i, i)
	}
	// They did finish out of order: creation order is visible in the ids.
	found, _, err := c.Flow.FindMany(ctx, core.Params{"order": "asc"}, filter.M("path").Matches("^/dev/batch/", ""))
	require.NoError(t, err)
	require.Len(t, found, 6)
	assert.NotEqual(t, paths, func() (ps []string) {
		for _, f := range found {
			ps = append(ps, str(t, f, "path"))
		}
		return ps
	}(), "the calls did not overlap")

	// Mixed outcomes keep their places; Results reports the first error in
	// call order.
	b = flowthings.NewBatch(ctx, 0)
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, core.Params{"sort": "path", "order": "asc"}, filter.M("path").Matches("^/dev/batch/", "")))
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.Read(ctx, "f"+strings.Repeat("0", 24), nil))
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Flow.Create(ctx, flowthings.Object{"path": "/dev/batch/f0"}, nil)) // duplicate path
	})
	b.Add(func(ctx context.Context) (any, error) {
		return flowthings.Result(c.Identity.FindMany(ctx, nil))
	})
	require.Equal(t, 4, b.Len())
	outs := b.ResultsWithErrors()
	require.Len(t, outs, 4)
	require.NoError(t, outs[0].Err)
	found = outs[0].Value.([]flowthings.Object)
	var got []string
	for _, f := range found {
		got = append(got, str(t, f, "path"))
	}
	assert.Equal(t, paths, got)
	assert.True(t, core.IsNotFound(outs[1].Err), "%v", outs[1].Err)
	assert.Equal(t, 400, apiStatus(outs[2].Err), "duplicate path: %v", outs[2].Err)
	assert.NoError(t, outs[3].Err)
	assert.Len(t, outs[3].Value, 2)
	_, err = b.Results()
	assert.True(t, core.IsNotFound(err), "the first error in call order: %v", err)
}

func TestEmulatorLazy(t *testing.T) {
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.Latency = 2 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/lazy/a", nil)
	var want []string
	for i := range 3 {
		d, _, err := c.Drop(str(t, flow, "id")).Create(ctx, flowthings.Object{"elems": flowthings.Object{"i": i}}, nil)
		require.NoError(t, err)
		want = append([]string{str(t, d, "id")}, want...) // newest first
	}
	createFlow(t, ctx, c, "/dev/lazy/b", nil)

	g := lazy.New(ctx, 2)
	flows := lazy.Go(g, func(ctx context.Context) ([]flowthings.Object, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/a")))
	})
	other := lazy.Go(g, func(ctx context.Context) ([]flowthings.Object, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/b")))
	})
	id := lazy.Field[string](flows, "0", "id")
	drops := lazy.Go1(g, id, func(ctx context.Context, id string) ([]flowthings.Object, error) {
		return flowthings.Result(c.Drop(id).FindMany(ctx, core.Params{"limit": 10}))
	})
	count := lazy.Then(drops, func(ds []flowthings.Object) (int, error) { return len(ds), nil })
	both := lazy.Go2(g, id, lazy.Field[string](other, "0", "path"), func(ctx context.Context, id, path string) (string, error) {
		f, _, err := c.Flow.Read(ctx, id, nil)
		if err != nil {
			return "", err
		}
		return str(t, f, "path") + "+" + path, nil
	})

	got, err := drops.Wait(ctx)
	require.NoError(t, err)
	assert.Equal(t, want, ids(t, got))
	n, err := count.Get()
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	s, err := both.Get()
	require.NoError(t, err)
	assert.Equal(t, "/dev/lazy/a+/dev/lazy/b", s)

	// Failures propagate: an empty find has no "0", a 404 fails its dependants.
	none := lazy.Go(g, func(ctx context.Context) ([]flowthings.Object, error) {
		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/dev/lazy/none")))
	})
	noDrops := lazy.Go1(g, lazy.Field[string](none, "0", "id"), func(ctx context.Context, id string) ([]flowthings.Object, error) {
		t.Error("must not run")
		return nil, nil
	})
	_, err = noDrops.Get()
	var fieldErr *lazy.FieldError
	assert.ErrorAs(t, err, &fieldErr)
	missing := lazy.Go(g, func(ctx context.Context) (flowthings.Object, error) {
		return flowthings.Result(c.Flow.Read(ctx, "f"+strings.Repeat("0", 24), nil))
	})
	dep := lazy.Go1(g, lazy.Field[string](missing, "path"), func(ctx context.Context, p string) ([]flowthings.Object, error) {
		return flowthings.Result(c.DropPath(p).FindMany(ctx, nil))
	})
	all, err := lazy.All(drops, dep).Get()
	assert.Nil(t, all)
	assert.True(t, core.IsNotFound(err), "%v", err)
}

// ---------------------------------------------------------------------------
// WebSocket

func TestEmulatorWebSocket(t *testing.T) {
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	c := env.c
	const path = "/dev/ws/a"
	flow := createFlow(t, ctx, c, path, nil)
	flowID := str(t, flow, "id")
	other := createFlow(t, ctx, c, "/dev/ws/other", nil)

	ws := wsDial(t, ctx, env.cfg, &core.WSOptions{Heartbeat: 50 * time.Millisecond})
	// One handler subscribes by flow id, another by path: the connection
	// holds both subscriptions of the flow.
	h1, h2 := newDropSink(), newDropSink()
	s1, err := ws.Subscribe(ctx, flowID, h1.handle)
	require.NoError(t, err)
	assert.Equal(t, flowID, s1.Resource())
	s2, err := ws.Subscribe(ctx, path, h2.handle)
	require.NoError(t, err)
	assert.Equal(t, path, s2.Resource())

	// Drops written over REST reach both handlers, each exactly once,
	// in order. The last one is a barrier: pushes are ordered, so a
	// duplicate of an earlier drop would have arrived before it.
	var written []string
	for i := range 5 {
		d, _, err := c.Drop(flowID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"i": i}}, nil)
		require.NoError(t, err)
		written = append(written, str(t, d, "id"))
	}
	_, _, err = c.Drop(str(t, other, "id")).Create(ctx, flowthings.Object{"elems": flowthings.Object{"other": true}}, nil)
	require.NoError(t, err)
	barrier, _, err := c.DropPath(path).Create(ctx, flowthings.Object{"elems": flowthings.Object{"barrier": true}}, nil)
	require.NoError(t, err)
	written = append(written, str(t, barrier, "id"))
	for name, h := range map[string]*dropSink{"by id": h1, "by path": h2} {
		require.True(t, h.waitFor(t, str(t, barrier, "id"), 5*time.Second), name)
		assert.Equal(t, written, h.dropIDs(t), name)
		h.mu.Lock()
		for _, d := range h.drops {
			assert.Equal(t, flowID, d.Resource, name)
		}
		h.mu.Unlock()
	}
	// The pushed drop is the REST drop (typed elems, as on v0.1).
	h1.mu.Lock()
	pushed := h1.drops[0].Value
	h1.mu.Unlock()
	var pushedDrop flowthings.Object
	require.NoError(t, json.Unmarshal(pushed, &pushedDrop))
	restDrop, _, err := c.Drop(flowID).Read(ctx, written[0], core.Params{"hints": true})
	require.NoError(t, err)
	assert.JSONEq(t, mustJSON(t, restDrop), string(pushed))

	// CRUD frames.
	body, err := ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: flowID})
	require.NoError(t, err)
	var f flowthings.Object
	require.NoError(t, json.Unmarshal(body, &f))
	assert.Equal(t, path, f["path"])
	body, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", FlowID: flowID, Value: []byte(`{"elems":{"user":"bob","message":"hi"}}`)})
	require.NoError(t, err)
	var created flowthings.Object
	require.NoError(t, json.Unmarshal(body, &created))
	createdID := str(t, created, "id")
	assert.Equal(t, flowID, created["flowId"])
	typ, v := typedElem(t, created, "user")
	assert.Equal(t, "string", typ)
	assert.Equal(t, "bob", v)
	assert.True(t, h2.waitFor(t, createdID, 5*time.Second), "a drop created over the socket is pushed too")
	got, _, err := c.Drop(flowID).Read(ctx, createdID, nil)
	require.NoError(t, err, "and stored")
	assert.Equal(t, created["elems"], got["elems"])
	body, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "findmany", Path: path,
		Options: core.Params{"limit": 2, "hints": false, "filter": filter.M("elems", "i").Ge(3)}})
	require.NoError(t, err)
	var list []flowthings.Object
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list, 2)
	assert.Equal(t, []string{written[4], written[3]}, []string{list[0]["id"].(string), list[1]["id"].(string)})
	body, err = ws.Send(ctx, core.WSFrame{Object: "flow", Type: "update", ID: flowID, Value: []byte(`{"description":"over ws"}`)})
	require.NoError(t, err)
	assert.Contains(t, string(body), `"over ws"`)
	f, _, err = c.Flow.Read(ctx, flowID, nil)
	require.NoError(t, err)
	assert.Equal(t, "over ws", f["description"])

	// Errors: an unknown id, an unknown flow.
	_, err = ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: "f" + strings.Repeat("0", 24)})
	var nf *core.NotFoundError
	assert.ErrorAs(t, err, &nf)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "find", FlowID: flowID, ID: "d" + strings.Repeat("0", 24)})
	assert.ErrorAs(t, err, &nf)
	_, err = ws.Send(ctx, core.WSFrame{Object: "drop", Type: "findmany", FlowID: flowID, Options: core.Params{"filter": "elems.i >"}})
	var bad *core.BadRequestError
	assert.ErrorAs(t, err, &bad)
	_, err = ws.Subscribe(ctx, "f"+strings.Repeat("0", 24), func(core.WSDrop) {})
	assert.ErrorAs(t, err, &nf, "subscribe to an unknown flow id")
	_, err = ws.Subscribe(ctx, "/dev/ws/none", func(core.WSDrop) {})
	assert.ErrorAs(t, err, &nf, "subscribe to an unknown path")

	// Unsubscribing one of two subscriptions of the same resource: its
	// handler gets nothing more, the other one still does. (Mixing id and
	// path subscriptions here would hit the bug shown by
	// TestEmulatorWebSocketUnsubscribeIDAndPath.)
	h3 := newDropSink()
	s3, err := ws.Subscribe(ctx, flowID, h3.handle)
	require.NoError(t, err)
	require.NoError(t, s1.Close(ctx))
	select {
	case <-s1.Done():
	default:
		t.Error("a closed subscription is done")
	}
	assert.NoError(t, s1.Err())
	after, _, err := c.Drop(flowID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"after": true}}, nil)
	require.NoError(t, err)
	require.True(t, h3.waitFor(t, str(t, after, "id"), 5*time.Second))
	require.True(t, h2.waitFor(t, str(t, after, "id"), 5*time.Second))
	assert.False(t, h1.has(t, str(t, after, "id")), "no push after unsubscribe")
	assert.NoError(t, s1.Close(ctx), "closing twice is harmless")

	// Close stops everything.
	require.NoError(t, ws.Close())
	select {
	case <-ws.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after Close")
	}
	assert.NoError(t, ws.Err())
	for _, s := range []*flowthings.Subscription{s2, s3} {
		select {
		case <-s.Done():
		default:
			t.Errorf("subscription %s not ended by Close", s.Resource())
		}
	}
	_, err = ws.Send(ctx, core.WSFrame{Object: "flow", Type: "find", ID: flowID})
	assert.ErrorIs(t, err, core.ErrWebSocketClosed)
}

// TestEmulatorWebSocketUnsubscribeIDAndPath: one connection subscribes a
// flow twice, by id (handler A) and by path (handler B); closing one of
// the two Subscriptions must leave the other receiving drops, as
// Subscription.Close documents. The client sends the unsubscribe frame of
// that one resource, so the emulator must keep the connection subscribed
// until both the id and the path are unsubscribed.
func TestEmulatorWebSocketUnsubscribeIDAndPath(t *testing.T) {
	for _, closeByPath := range []bool{true, false} {
		t.Run(fmt.Sprint("close by path ", closeByPath), func(t *testing.T) {
			env := newEmuEnv(t, nil)
			ctx := testCtx(t)
			flow := createFlow(t, ctx, env.c, "/dev/ws/both", nil)
			flowID := str(t, flow, "id")
			ws := wsDial(t, ctx, env.cfg, nil)
			byID, byPath := newDropSink(), newDropSink()
			sID, err := ws.Subscribe(ctx, flowID, byID.handle)
			require.NoError(t, err)
			sPath, err := ws.Subscribe(ctx, "/dev/ws/both", byPath.handle)
			require.NoError(t, err)
			closed, kept, keptSink := sPath, sID, byID
			if !closeByPath {
				closed, kept, keptSink = sID, sPath, byPath
			}
			require.NoError(t, closed.Close(ctx))
			d, _, err := env.c.Drop(flowID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"x": 1}}, nil)
			require.NoError(t, err)
			assert.True(t, keptSink.waitFor(t, str(t, d, "id"), 2*time.Second),
				"the subscription by %s still receives drops", kept.Resource())
		})
	}
}

func TestEmulatorWebSocketReconnect(t *testing.T) {
	env := newEmuEnv(t, func(cfg *emulator.Config) { cfg.DropWSAfter = 300 * time.Millisecond })
	ctx := testCtx(t)
	c := env.c
	flow := createFlow(t, ctx, c, "/dev/ws/re", nil)
	flowID := str(t, flow, "id")
	// Idle keep-alive connections hold goroutines on both sides; the
	// baseline is taken without them.
	baseline := settledGoroutines(t, http.DefaultClient, env.srv.Client())

	var mu sync.Mutex
	lost := 0
	var otherErrs []error
	ws, err := flowthings.DialWebSocket(ctx, env.cfg, nethttp.NewTransport(http.DefaultClient), &nethttp.WSDialer{}, &core.WSOptions{
		Reconnect:  true,
		BackoffMin: 10 * time.Millisecond,
		BackoffMax: 40 * time.Millisecond,
		Rand:       func() float64 { return 0.5 },
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			var cl *core.ConnectionLostError
			if errors.As(err, &cl) {
				lost++
			} else {
				otherErrs = append(otherErrs, err)
			}
		},
	})
	require.NoError(t, err)
	defer ws.Close()
	lostCount := func() int { mu.Lock(); defer mu.Unlock(); return lost }
	byID, byPath := newDropSink(), newDropSink()
	subID, err := ws.Subscribe(ctx, flowID, byID.handle)
	require.NoError(t, err)
	subPath, err := ws.Subscribe(ctx, "/dev/ws/re", byPath.handle)
	require.NoError(t, err)

	// Write drops over the socket until one written after at least two
	// reconnects has reached both handlers. A write may hit a socket that
	// is being dropped (ConnectionLostError: its effect is unknown, it is
	// not resent); a drop whose push was cut off is written again.
	var delivered []string
	deadline := time.Now().Add(10 * time.Second)
	for len(delivered) == 0 || lostCount() < 2 {
		require.True(t, time.Now().Before(deadline), "no drop delivered after 2 reconnects (lost %d)", lostCount())
		before := lostCount()
		body, err := ws.Send(ctx, core.WSFrame{Object: "drop", Type: "create", FlowID: flowID, Value: []byte(`{"elems":{"n":1}}`)})
		if err != nil {
			var cl *core.ConnectionLostError
			require.ErrorAs(t, err, &cl)
			continue
		}
		var d flowthings.Object
		require.NoError(t, json.Unmarshal(body, &d))
		id := str(t, d, "id")
		if byID.waitFor(t, id, time.Second) && byPath.waitFor(t, id, time.Second) && before >= 1 {
			delivered = append(delivered, id)
		}
	}
	assert.GreaterOrEqual(t, lostCount(), 2)

	// A drop written over REST once the socket is back is pushed too.
	eventually(t, 5*time.Second, "a REST drop pushed after a reconnect", func() bool {
		d, _, err := c.Drop(flowID).Create(ctx, flowthings.Object{"elems": flowthings.Object{"rest": true}}, nil)
		require.NoError(t, err)
		return byID.waitFor(t, str(t, d, "id"), 200*time.Millisecond)
	})

	// Never twice to the same handler, whatever the reconnects.
	for name, h := range map[string]*dropSink{"by id": byID, "by path": byPath} {
		seen := map[string]bool{}
		for _, id := range h.dropIDs(t) {
			assert.False(t, seen[id], "%s: drop %s pushed twice", name, id)
			seen[id] = true
		}
	}
	mu.Lock()
	assert.Empty(t, otherErrs)
	mu.Unlock()

	// Close stops reconnecting and releases every goroutine.
	require.NoError(t, ws.Close())
	<-ws.Done()
	assert.NoError(t, ws.Err())
	for _, s := range []*flowthings.Subscription{subID, subPath} {
		select {
		case <-s.Done():
		default:
			t.Errorf("subscription %s not ended by Close", s.Resource())
		}
	}
	after := settledGoroutines(t, http.DefaultClient, env.srv.Client())
	assert.LessOrEqual(t, after, baseline, "goroutines after Close")
	// And it stays so: for longer than a socket's life (DropWSAfter) plus
	// the longest backoff, no reconnect and no new goroutine.
	stable := lostCount()
	hold := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(hold) {
		if n := runtime.NumGoroutine(); n > baseline {
			t.Fatalf("goroutines went up to %d (baseline %d) after Close", n, baseline)
		}
		time.Sleep(5 * time.Millisecond)
	}
	assert.Equal(t, stable, lostCount(), "no reconnect after Close")
	_, _, err = c.Flow.Read(ctx, flowID, nil) // the emulator is still there
	require.NoError(t, err)
}
