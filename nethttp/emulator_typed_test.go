package nethttp_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/flowthings/flowthings-wasm/flowthings"
)

// typedCase exercises one typed service against the emulator.
type typedCase interface {
	name() string
	run(t *testing.T, ctx context.Context, env *emuEnv)
}

// typedServiceCase is the typed counterpart of objectCase: the generic
// operations of a MutableService[T], results as *T.
type typedServiceCase[T any] struct {
	service string
	prefix  string
	svc     func(c *flowthings.Client) *flowthings.MutableService[T]
	// model builds a new object whose text field (see text) is desc.
	model func(desc string) *T
	// text is the string field the test finds and changes ("description",
	// or "displayName" for devices, which have no description).
	text    func(obj *T) **string
	textKey string
}

func (tc typedServiceCase[T]) name() string { return tc.service }

func idOf[T any](t *testing.T, obj *T) string {
	t.Helper()
	withID, ok := any(obj).(interface{ GetID() string })
	require.True(t, ok, "%T has GetID", obj)
	return withID.GetID()
}

func (tc typedServiceCase[T]) run(t *testing.T, ctx context.Context, env *emuEnv) {
	s := tc.svc(env.c)
	require.Equal(t, flowthings.ServiceName(tc.service), s.Name())
	textOf := func(obj *T) string {
		if p := *tc.text(obj); p != nil {
			return *p
		}
		return ""
	}
	descA, descB := tc.service+" typed A", tc.service+" typed B"

	a, resp, err := s.Create(ctx, tc.model(descA), nil)
	require.NoError(t, err)
	assert.Equal(t, 201, resp.Status)
	idA := idOf(t, a)
	assert.Regexp(t, "^"+tc.prefix+"[0-9a-f]{24}$", idA)
	assert.Equal(t, descA, textOf(a))
	b, _, err := s.Save(ctx, tc.model(descB), nil) // no id: created
	require.NoError(t, err)
	idB := idOf(t, b)
	assert.Equal(t, "POST", env.rec.last(t).Method)

	got, _, err := s.Read(ctx, idA, nil)
	require.NoError(t, err)
	assert.Equal(t, a, got, "a read decodes like the create's reply")
	missing := tc.prefix + strings.Repeat("0", 24)
	def := tc.model("default")
	got, resp, err = s.ReadOrElse(ctx, missing, def, nil)
	require.NoError(t, err)
	assert.Nil(t, resp)
	assert.Same(t, def, got)

	many, _, err := s.ReadMany(ctx, []string{idA, idB, missing}, nil)
	require.NoError(t, err)
	require.Len(t, many, 2)
	assert.Equal(t, descB, textOf(many[idB]))

	found, _, err := s.FindMany(ctx, core.Params{"sort": tc.textKey, "order": "asc"}, filter.M(tc.textKey).In(descA, descB))
	require.NoError(t, err)
	assert.Equal(t, []string{idA, idB}, ids(t, found))

	// Update the whole object as read; Save with an id updates too.
	got, _, err = s.Read(ctx, idA, nil)
	require.NoError(t, err)
	*tc.text(got) = flowthings.Ptr(descA + " v2")
	upd, _, err := s.Update(ctx, got, nil)
	require.NoError(t, err)
	assert.Equal(t, descA+" v2", textOf(upd))
	*tc.text(upd) = flowthings.Ptr(descA + " v3")
	upd, _, err = s.Save(ctx, upd, nil)
	require.NoError(t, err)
	assert.Equal(t, "PUT", env.rec.last(t).Method)
	assert.Equal(t, descA+" v3", textOf(upd))

	// A modification of a typed object sends only its diff.
	upd, _, err = s.Modify(ctx, flowthings.M(b).Modify(tc.textKey, descB+" v2"), nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"`+tc.textKey+`":"`+descB+` v2"}`, string(env.rec.last(t).Body))
	assert.Equal(t, descB+" v2", textOf(upd))

	// MPUT of whole objects.
	*tc.text(upd) = flowthings.Ptr(descB + " v3")
	um, _, err := s.UpdateMany(ctx, []*T{upd}, nil)
	require.NoError(t, err)
	assert.Equal(t, descB+" v3", textOf(um[idB]))

	for _, id := range []string{idA, idB} {
		_, err := s.Delete(ctx, id, nil)
		require.NoError(t, err)
	}
	_, _, err = s.Read(ctx, idA, nil)
	assert.True(t, core.IsNotFound(err), "%v", err)
}

// TestEmulatorTypedServices runs every typed MutableService against the
// emulator, as TestEmulatorObjectServices runs the untyped ones.
func TestEmulatorTypedServices(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil)
	ctx := testCtx(t)
	devID := identityID(t, ctx, env.c, emulator.DefaultAccount)
	for _, p := range []string{"/dev/src", "/dev/dst"} {
		createFlow(t, ctx, env.c, p, nil)
	}
	p := flowthings.Ptr[string]
	cases := []typedCase{
		typedServiceCase[flowthings.Flow]{"flow", "f",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.Flow] { return c.Flow.MutableService },
			func(d string) *flowthings.Flow {
				return &flowthings.Flow{Path: p("/dev/typed/" + strings.ReplaceAll(d, " ", "-")), Capacity: flowthings.Ptr[int64](10), Description: p(d)}
			},
			func(o *flowthings.Flow) **string { return &o.Description }, "description"},
		typedServiceCase[flowthings.Track]{"track", "t",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.Track] { return c.Track.MutableService },
			func(d string) *flowthings.Track {
				return &flowthings.Track{Source: p("/dev/src"), Destination: flowthings.PathList{"/dev/dst"}, Filter: p("elems.n > 1"), Description: p(d)}
			},
			func(o *flowthings.Track) **string { return &o.Description }, "description"},
		typedServiceCase[flowthings.Group]{"group", "g",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.Group] { return c.Group.MutableService },
			func(d string) *flowthings.Group {
				return &flowthings.Group{DisplayName: p("group"), MemberIDs: []string{devID}, Description: p(d)}
			},
			func(o *flowthings.Group) **string { return &o.Description }, "description"},
		typedServiceCase[flowthings.Device]{"device", "v",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.Device] {
				return c.Device.MutableService
			},
			func(d string) *flowthings.Device {
				return &flowthings.Device{DisplayName: p(d), Path: p("/dev/typed-devices/" + strings.ReplaceAll(d, " ", "-"))}
			},
			func(o *flowthings.Device) **string { return &o.DisplayName }, "displayName"},
		typedServiceCase[flowthings.APITask]{"api-task", "q",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.APITask] {
				return c.APITask.MutableService
			},
			func(d string) *flowthings.APITask {
				return &flowthings.APITask{DisplayName: p("task"), Destination: p("/dev/dst"), Periodicity: flowthings.Ptr[int64](60000),
					Source: flowthings.Object{"http": map[string]any{"url": "http://example.com/"}}, Description: p(d)}
			},
			func(o *flowthings.APITask) **string { return &o.Description }, "description"},
		typedServiceCase[flowthings.MQTTTask]{"mqtt", "m",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.MQTTTask] {
				return c.MQTT.MutableService
			},
			func(d string) *flowthings.MQTTTask {
				return &flowthings.MQTTTask{URI: p("tcp://broker:1883"), Topic: p("t/x"), Destination: p("/dev/dst"), QoS: flowthings.Ptr(1), Description: p(d)}
			},
			func(o *flowthings.MQTTTask) **string { return &o.Description }, "description"},
		typedServiceCase[flowthings.RSSTask]{"rss", "r",
			func(c *flowthings.Client) *flowthings.MutableService[flowthings.RSSTask] { return c.RSS.MutableService },
			func(d string) *flowthings.RSSTask {
				return &flowthings.RSSTask{URL: p("http://example.com/x.rss"), Destination: p("/dev/dst"), Description: p(d)}
			},
			func(o *flowthings.RSSTask) **string { return &o.Description }, "description"},
	}
	for _, tc := range cases {
		t.Run(tc.name(), func(t *testing.T) { tc.run(t, ctx, env) })
	}
}
