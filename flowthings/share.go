package flowthings

// ShareService is the /share service: Shares, which grant another identity
// or group read/write/dropRead/dropWrite on path prefixes of this account.
// Members: issuedTo (required), paths (path → flags), description, duration
// (ms); issuedBy, expiresInMs are set by the platform.
//
// Shares are immutable: the service is an ImmutableService, without
// Update (through Objects(), the untyped Service fails it with an
// *UnsupportedError before any I/O). Managing shares needs the master
// token.
type ShareService struct{ *ImmutableService[Share] }

// Share is a share (docs/protocol.md §3.8, §9.3). Shares are immutable.
type Share struct {
	ID           *string                    `json:"id,omitempty"`
	CreationDate *EpochMs                   `json:"creationDate,omitempty"`
	CreatorID    *string                    `json:"creatorId,omitempty"`
	LastEditDate *EpochMs                   `json:"lastEditDate,omitempty"`
	LastEditorID *string                    `json:"lastEditorId,omitempty"`
	IssuedTo     *string                    `json:"issuedTo,omitempty"` // required: identity or group id
	IssuedBy     *string                    `json:"issuedBy,omitempty"` // server
	Paths        map[string]SharePermission `json:"paths,omitempty"`
	Description  *string                    `json:"description,omitempty"`
	Duration     *int64                     `json:"duration,omitempty"` // ms
	ExpiresInMs  *int64                     `json:"expiresInMs,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// SharePermission is what a share grants on a path prefix.
type SharePermission struct {
	Read       *bool `json:"read,omitempty"`
	Write      *bool `json:"write,omitempty"`
	DropRead   *bool `json:"dropRead,omitempty"`
	DropWrite  *bool `json:"dropWrite,omitempty"`
	Administer *bool `json:"administer,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
