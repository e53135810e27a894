package nethttp_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
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
	t.Parallel()
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
	tok, _, err := c.Token.Create(ctx, &flowthings.Token{Paths: map[string]flowthings.TokenPermission{"/dev/elsewhere": {DropRead: flowthings.Ptr(true)}}}, nil)
	require.NoError(t, err)
	outsider := env.clientAs(t, emulator.DefaultAccount, tok.GetTokenString())

	cases := []objectCase{
		{"flow", "f", func(c *flowthings.Client) *flowthings.Service { return c.Flow.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"path": "/dev/objects/" + n, "capacity": 10}
			}},
		{"track", "t", func(c *flowthings.Client) *flowthings.Service { return c.Track.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"source": "/dev/src", "destination": []any{"/dev/dst"}, "filter": "elems.n > 1"}
			}},
		{"group", "g", func(c *flowthings.Client) *flowthings.Service { return c.Group.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "group " + n, "memberIds": []any{devID}}
			}},
		{"device", "v", func(c *flowthings.Client) *flowthings.Service { return c.Device.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "device " + n, "path": "/dev/devices/" + n}
			}},
		{"api-task", "q", func(c *flowthings.Client) *flowthings.Service { return c.APITask.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"displayName": "task " + n, "destination": "/dev/dst", "periodicity": 60000,
					"source": flowthings.Object{"http": flowthings.Object{"url": "http://example.com/" + n}}}
			}},
		{"mqtt", "m", func(c *flowthings.Client) *flowthings.Service { return c.MQTT.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"uri": "tcp://broker:1883", "topic": "t/" + n, "destination": "/dev/dst", "qos": 1}
			}},
		{"rss", "r", func(c *flowthings.Client) *flowthings.Service { return c.RSS.Objects() },
			func(n string) flowthings.Object {
				return flowthings.Object{"url": "http://example.com/" + n + ".rss", "destination": "/dev/dst"}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.svc(c)
			require.Equal(t, flowthings.ServiceName(tc.name), s.Name())
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
			assert.Equal(t, descA+" v4", saved["description"])
			assert.Equal(t, "kept", saved["note"], "the member changed meanwhile survives")
			// Save of an object with an id updates it.
			saved, _, err = s.Save(ctx, flowthings.Object{"id": idB, "description": descB + " v3"}, nil)
			require.NoError(t, err)
			assert.Equal(t, "PUT", env.rec.last(t).Method)
			assert.Equal(t, descB+" v3", saved["description"])
			// Save of a new object creates it.
			mC := tc.model("c")
			mC["description"] = tc.name + " C"
			saved, resp, err = s.Save(ctx, mC, nil)
			require.NoError(t, err)
			assert.Equal(t, "POST", env.rec.last(t).Method)
			assert.Equal(t, 201, resp.Status)
			idC := str(t, saved, "id")
			assert.NotEqual(t, idA, idC)

			// Delete, then it is gone.
			for _, id := range []string{idA, idB, idC} {
				resp, err := s.Delete(ctx, id, nil, nil) // the untyped Delete may carry a body
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
