package flowthings

import "encoding/json"

// TrackService is the /track service: tracks, which copy (and may transform)
// matching drops from a source flow path to destination paths. Members:
// source (required), destination (string or list), filter, js, description,
// disabled, metadata.
//
// It has every operation of MutableService, with results as *Track.
type TrackService struct{ *MutableService[Track] }

// Track is a track (docs/protocol.md §3.4).
type Track struct {
	ID           *string  `json:"id,omitempty"`
	CreationDate *EpochMs `json:"creationDate,omitempty"`
	CreatorID    *string  `json:"creatorId,omitempty"`
	LastEditDate *EpochMs `json:"lastEditDate,omitempty"`
	LastEditorID *string  `json:"lastEditorId,omitempty"`
	Source       *string  `json:"source,omitempty"`      // required: a flow path
	Destination  PathList `json:"destination,omitempty"` // sent as a list
	Filter       *string  `json:"filter,omitempty"`
	JS           *string  `json:"js,omitempty"`
	Description  *string  `json:"description,omitempty"`
	Disabled     *bool    `json:"disabled,omitempty"`
	Metadata     Object   `json:"metadata,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// PathList is a list of flow paths that the platform may also send as one
// bare string (a track's destination).
type PathList []string

// UnmarshalJSON accepts a list of strings or one string.
func (p *PathList) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*p = PathList{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return err
	}
	*p = list
	return nil
}
