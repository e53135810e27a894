package flowthings

import (
	"testing"

	"github.com/flowthings/flowthings-wasm/core"

	"github.com/flowthings/flowthings-wasm/filter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultParamsMerged(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.Params = core.Params{"hints": 0, "limit": 20, "pretty": true}
	rec := &recordingTransport{respond: answerWith(200, `[]`)}
	c, err := NewClient(cfg, rec)
	require.NoError(t, err)
	_, _, err = c.Flow.FindMany(t.Context(), core.Params{"limit": 5, "pretty": nil})
	require.NoError(t, err)
	assert.Equal(t, restBase+"/flow?hints=0&limit=5", rec.last(t).URL, "the call wins; nil removes a default")
	assert.Equal(t, 20, cfg.Params["limit"], "defaults untouched")
}

func TestRefsReturned(t *testing.T) {
	t.Parallel()
	c, rec := newTestClient(t, func(core.Request) (int, []byte, error) {
		return 200, []byte(`{"head":{"status":200,"ok":true,"errors":[],"messages":[],
			"references":{"f1":{"id":"f1","path":"/alice/x"},"i1":{"id":"i1","name":"alice"}}},
			"body":[{"id":"d1","flowId":"f1","creatorId":"i1"}]}`), nil
	})
	drops, resp, err := c.Drop("f1").FindMany(t.Context(), core.Params{"refs": true})
	require.NoError(t, err)
	assert.Equal(t, restBase+"/drop/f1?refs=1", rec.last(t).URL)
	require.Len(t, drops, 1)
	require.NotNil(t, resp)
	assert.Equal(t, map[string]Object{
		"f1": {"id": "f1", "path": "/alice/x"},
		"i1": {"id": "i1", "name": "alice"},
	}, resp.References)

	c, _ = newTestClient(t, answerWith(200, `{}`))
	_, resp, err = c.Flow.Read(t.Context(), "f1", nil)
	require.NoError(t, err)
	assert.Empty(t, resp.References)
}

func TestFindManyRefusesBadFilter(t *testing.T) {
	t.Parallel()
	// Through a call: no I/O, an InputError.
	c, rec := newTestClient(t, nil)
	_, _, err := c.Flow.FindMany(t.Context(), nil, filter.M("a b").Eq(1))
	var in *core.InputError
	require.ErrorAs(t, err, &in)
	assert.ErrorIs(t, err, filter.ErrInvalid)
	assert.Empty(t, rec.requests())
}

func TestFindManyCombinesFilters(t *testing.T) {
	t.Parallel()
	c, rec := newTestClient(t, answerWith(200, `[]`))
	p := core.Params{"filter": "a == 1"}
	_, _, err := c.Flow.FindMany(t.Context(), p, filter.M("b").Eq(2), "c == 3")
	require.NoError(t, err)
	_, q := splitURL(t, rec.last(t).URL)
	assert.Equal(t, "(a == 1) && (b == 2) && (c == 3)", q.Get("filter"))
	assert.Equal(t, core.Params{"filter": "a == 1"}, p, "the caller's params are not modified")
}
