package core

import "context"

// StatisticsService is the /statistics service: usage counts per period.
// Each method takes the id of the counted object and returns one count per
// sub-period: for a year, 12 months; for a month, one per day; for a day,
// 24 hours.
type StatisticsService struct{ c *Client }

// StatOptions selects the period and bucket size of a statistic. Zero
// fields are omitted: no Year means the platform's default period; a Month
// needs a Year and a Day needs a Month.
type StatOptions struct {
	Year, Month, Day int
	// Level is the bucket size: "YEAR", "MONTH", "DAY" or "HOUR" (the
	// platform accepts either case). Sent as the level param.
	Level string
	// Params are further query parameters.
	Params Params
}

func (o StatOptions) date() ([]int, error) {
	switch {
	case o.Day != 0 && o.Month == 0:
		return nil, &InputError{Field: "day", Reason: "needs a month"}
	case o.Month != 0 && o.Year == 0:
		return nil, &InputError{Field: "month", Reason: "needs a year"}
	case o.Day != 0:
		return []int{o.Year, o.Month, o.Day}, nil
	case o.Month != 0:
		return []int{o.Year, o.Month}, nil
	case o.Year != 0:
		return []int{o.Year}, nil
	}
	return nil, nil
}

// Get reads any statistic: GET /statistics/{stat}/{id}[/{y}[/{m}[/{d}]]]
// with stat one of the Stat* constants.
func (s *StatisticsService) Get(ctx context.Context, stat, id string, o StatOptions) ([]int64, *Response, error) {
	date, err := o.date()
	if err != nil {
		return nil, nil, err
	}
	params := o.Params
	if o.Level != "" {
		params = make(Params, len(o.Params)+1)
		for k, v := range o.Params {
			params[k] = v
		}
		params["level"] = o.Level
	}
	op := Op{Service: ServiceStatistics, Name: OpStatistics, Stat: stat, ID: id, Date: date, Params: params}
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

// FlowTracked counts the drops tracks added to a flow (PROTOCOL.md §3.14
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
