package flowthings

import (
	"context"

	"github.com/flowthings/flowthings-wasm/core"
)

// DropService is the /drop/{flowId} service: the drops of one flow. Members:
// elems (required, may be {}: name → plain JSON or {"type","value"}),
// location, fhash; id, flowId, path, version, creationDate… are set by the
// platform.
//
// Besides every operation of MutableService, with results as *Drop
// (addressed inside the flow, e.g. Read is GET /drop/{flowId}/{id}), drops
// have DeleteAll and Aggregate.
type DropService struct{ *MutableService[Drop] }

// Drop returns the drop service of the flow flowID. It is cheap; call it per
// use. An empty flowID fails every call with an *InputError (use DropPath to
// address a flow by path).
func (c *Client) Drop(flowID string) *DropService {
	return &DropService{newMutable[Drop](c.service(core.ServiceDrop, flowID))}
}

// FlowID is the id of the flow the service is bound to.
func (s *DropService) FlowID() string { return s.s.flowID }

// DeleteAll empties the flow: DELETE /drop/{flowId}.
func (s *DropService) DeleteAll(ctx context.Context, params Params) (*Response, error) {
	op := s.s.op(core.OpDeleteAll)
	op.Params = params
	return s.s.c.call(ctx, op, nil)
}

// Aggregate computes grouped statistics over the flow's drops:
// POST /drop/{flowId}/aggregate. Each row maps the literal groupBy and
// output selectors to their values, e.g. {"$month": 1, "$count": 8}.
func (s *DropService) Aggregate(ctx context.Context, a Aggregation, params Params) ([]Object, *Response, error) {
	op := s.s.op(core.OpAggregate)
	op.Params = params
	var err error
	if op.Body, err = a.JSON(); err != nil {
		return nil, nil, err
	}
	var rows []Object
	resp, err := s.s.c.call(ctx, op, &rows)
	if err != nil {
		return nil, nil, err
	}
	return rows, resp, nil
}

// DropPathService addresses the drops of a flow by the flow's path instead
// of its id: Create is POST /drop with "path" in the body, FindMany is
// GET /drop?path=….
type DropPathService struct {
	c    *Client
	path string
}

// DropPath returns the drop service of the flow at path, e.g. "/alice/x".
func (c *Client) DropPath(path string) *DropPathService {
	return &DropPathService{c: c, path: path}
}

// Path is the flow path the service is bound to.
func (d *DropPathService) Path() string { return d.path }

// Create stores a drop in the flow: POST /drop, with the flow path set as
// the body's "path" member (the given drop is not modified).
func (d *DropPathService) Create(ctx context.Context, drop *Drop, params Params) (*Drop, *Response, error) {
	if drop == nil {
		return nil, nil, &core.InputError{Field: "drop", Reason: "nil"}
	}
	op := core.Op{Service: core.ServiceDrop, Name: core.OpCreate, Path: d.path, Params: params}
	var err error
	if op.Body, err = encodeJSON("drop", drop); err != nil {
		return nil, nil, err
	}
	return callTyped[*Drop](ctx, &Service{c: d.c}, op)
}

// FindMany searches the flow's drops: GET /drop?path=…, filters AND-ed as in
// MutableService.FindMany.
func (d *DropPathService) FindMany(ctx context.Context, params Params, filters ...any) ([]*Drop, *Response, error) {
	op := core.Op{Service: core.ServiceDrop, Name: core.OpFindMany, Path: d.path, Params: params.WithFilters(filters...)}
	return callTyped[[]*Drop](ctx, &Service{c: d.c}, op)
}

// Drop is a drop (docs/protocol.md §3.3).
type Drop struct {
	ID           *string   `json:"id,omitempty"`
	CreationDate *EpochMs  `json:"creationDate,omitempty"`
	CreatorID    *string   `json:"creatorId,omitempty"`
	LastEditDate *EpochMs  `json:"lastEditDate,omitempty"`
	LastEditorID *string   `json:"lastEditorId,omitempty"`
	FlowID       *string   `json:"flowId,omitempty"`
	Path         *string   `json:"path,omitempty"`
	Elems        Elems     `json:"elems"` // required, may be {} (nil is sent as {})
	Location     *Location `json:"location,omitempty"`
	FHash        *string   `json:"fhash,omitempty"`
	Version      *int64    `json:"version,omitempty"`
	ParentDropID *DropRef  `json:"parentDropId,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// Location is the location of a drop.
type Location struct {
	Lat        *float64            `json:"lat,omitempty"`
	Lon        *float64            `json:"lon,omitempty"`
	Specifiers *LocationSpecifiers `json:"specifiers,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// LocationSpecifiers is the postal address of a Location.
type LocationSpecifiers struct {
	Street *string `json:"street,omitempty"`
	City   *string `json:"city,omitempty"`
	State  *string `json:"state,omitempty"`
	Zip    *string `json:"zip,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// DropRef names a drop: the parentDropId of a drop a track copied.
type DropRef struct {
	FlowID *string `json:"flowId,omitempty"`
	DropID *string `json:"dropId,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
