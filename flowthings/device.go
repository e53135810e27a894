package flowthings

// DeviceService is the /device service: devices. Members: displayName, path
// (the root under which the platform creates the device's flows), tokenId
// (server-created), deviceSummary, status, lastSeen, reportPeriodicity,
// tracks.
//
// It has every operation of MutableService, with results as *Device.
type DeviceService struct{ *MutableService[Device] }

// Device is a device (docs/protocol.md §3.9).
type Device struct {
	ID                *string  `json:"id,omitempty"`
	CreationDate      *EpochMs `json:"creationDate,omitempty"`
	CreatorID         *string  `json:"creatorId,omitempty"`
	LastEditDate      *EpochMs `json:"lastEditDate,omitempty"`
	LastEditorID      *string  `json:"lastEditorId,omitempty"`
	DisplayName       *string  `json:"displayName,omitempty"`
	Path              *string  `json:"path,omitempty"`
	TokenID           *string  `json:"tokenId,omitempty"` // server
	DeviceSummary     Object   `json:"deviceSummary,omitempty"`
	Status            *string  `json:"status,omitempty"` // e.g. "UNSEEN"
	LastSeen          *EpochMs `json:"lastSeen,omitempty"`
	TimeSinceLastSeen *int64   `json:"timeSinceLastSeen,omitempty"` // -1: never seen
	ReportPeriodicity *int64   `json:"reportPeriodicity,omitempty"` // ms
	Tracks            Object   `json:"tracks,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
