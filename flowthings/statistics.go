package flowthings

import (
	"context"

	"github.com/flowthings/flowthings-wasm/core"
)

// StatisticsService is the /statistics service: usage counts per period.
// Each method takes the id of the counted object and returns one count per
// sub-period: for a year, 12 months; for a month, one per day; for a day,
// 24 hours.
type StatisticsService struct{ c *Client }

// StatOptions selects the period and bucket size of a statistic; see
// core.StatOptions.
type StatOptions = core.StatOptions

// Get reads any statistic: GET /statistics/{stat}/{id}[/{y}[/{m}[/{d}]]].
func (s *StatisticsService) Get(ctx context.Context, stat StatType, id string, o StatOptions) ([]int64, *Response, error) {
	op, err := o.Op(string(stat), id)
	if err != nil {
		return nil, nil, err
	}
	var counts []int64
	resp, err := s.c.call(ctx, op, &counts)
	if err != nil {
		return nil, nil, err
	}
	return counts, resp, nil
}

// FlowDropAdded counts the drops added to a flow, tracked ones included.
func (s *StatisticsService) FlowDropAdded(ctx context.Context, flowID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatFlowDropAdded, flowID, o)
}

// FlowTracked counts the drops tracks added to a flow (docs/protocol.md §3.14
// says "tracks added to the flow"; the emulator reads it as the drops they
// copied there, a subset of FlowDropAdded).
func (s *StatisticsService) FlowTracked(ctx context.Context, flowID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatFlowTracked, flowID, o)
}

// TrackHit counts the drops that reached a track.
func (s *StatisticsService) TrackHit(ctx context.Context, trackID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatTrackHit, trackID, o)
}

// TrackPass counts the drops that passed a track.
func (s *StatisticsService) TrackPass(ctx context.Context, trackID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatTrackPass, trackID, o)
}

// APICallByIdentity counts the API calls of an identity.
func (s *StatisticsService) APICallByIdentity(ctx context.Context, identityID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatAPICallByIdentity, identityID, o)
}

// DropCreatedBy counts the drops an identity created.
func (s *StatisticsService) DropCreatedBy(ctx context.Context, identityID string, o StatOptions) ([]int64, *Response, error) {
	return s.Get(ctx, StatDropCreatedBy, identityID, o)
}
