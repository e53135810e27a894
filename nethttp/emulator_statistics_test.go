package nethttp_test

import (
	"strings"
	"testing"

	"github.com/flowthings/flowthings-wasm/core"
	"github.com/flowthings/flowthings-wasm/emulator"
	"github.com/flowthings/flowthings-wasm/flowthings"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---------------------------------------------------------------------------
// Statistics

func TestEmulatorStatistics(t *testing.T) {
	t.Parallel()
	env := newEmuEnv(t, nil) // clock fixed at emuNow: 2024-03-15 10:30 UTC
	ctx := testCtx(t)
	c := env.c
	devID := identityID(t, ctx, c, emulator.DefaultAccount)
	src := createFlow(t, ctx, c, "/dev/stats/src", nil)
	dst := createFlow(t, ctx, c, "/dev/stats/dst", nil)
	srcID, dstID := src.GetID(), dst.GetID()
	track, _, err := c.Track.Create(ctx, &flowthings.Track{
		Source: flowthings.Ptr("/dev/stats/src"), Destination: flowthings.PathList{"/dev/stats/dst"}, Filter: flowthings.Ptr("elems.temp > 30"),
	}, nil)
	require.NoError(t, err)
	trackID := track.GetID()
	// Five drops into src, two of which pass the track; one more straight
	// into dst. A failed call counts as an API call too.
	for _, temp := range []int{10, 35, 20, 40, 5} {
		_, _, err := c.Drop(srcID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"temp": temp}}, nil)
		require.NoError(t, err)
	}
	_, _, err = c.Drop(dstID).Create(ctx, &flowthings.Drop{Elems: flowthings.Elems{"temp": 0}}, nil)
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
			return c.Statistics.Get(ctx, flowthings.StatTrackPass, trackID, core.StatOptions{Year: 2024, Month: 3})
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
