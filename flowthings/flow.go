package flowthings

// FlowService is the /flow service: flows, the named, path-addressed
// containers of drops. Members: path (required, unique, "/{account}/…"),
// capacity (default 1000; 0 stores nothing), description, filter (FFL),
// public, name.
//
// It has every operation of MutableService, with results as *Flow.
type FlowService struct{ *MutableService[Flow] }

// Flow is a flow (docs/protocol.md §3.2).
type Flow struct {
	ID           *string  `json:"id,omitempty"`
	CreationDate *EpochMs `json:"creationDate,omitempty"`
	CreatorID    *string  `json:"creatorId,omitempty"`
	LastEditDate *EpochMs `json:"lastEditDate,omitempty"`
	LastEditorID *string  `json:"lastEditorId,omitempty"`
	Path         *string  `json:"path,omitempty"`     // required, unique: /{account}/…
	Capacity     *int64   `json:"capacity,omitempty"` // default 1000; 0 stores nothing
	Description  *string  `json:"description,omitempty"`
	Filter       *string  `json:"filter,omitempty"` // FFL
	Public       *bool    `json:"public,omitempty"`
	Name         *string  `json:"name,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
