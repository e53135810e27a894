package flowthings

// IdentityService is the /identity service: identities (accounts). Members:
// name, email, firstName, middleName, lastName, salutation, icon, groupIds,
// shares, masterToken (read-only, visible to the identity itself). Normal
// accounts only read and find identities; the platform refuses the rest.
//
// It has every operation of MutableService, with results as *Identity.
type IdentityService struct{ *MutableService[Identity] }

// Identity is an identity, an account (docs/protocol.md §3.5).
type Identity struct {
	ID           *string           `json:"id,omitempty"`
	CreationDate *EpochMs          `json:"creationDate,omitempty"`
	CreatorID    *string           `json:"creatorId,omitempty"`
	LastEditDate *EpochMs          `json:"lastEditDate,omitempty"`
	LastEditorID *string           `json:"lastEditorId,omitempty"`
	Name         *string           `json:"name,omitempty"`
	Email        *string           `json:"email,omitempty"`
	FirstName    *string           `json:"firstName,omitempty"`
	MiddleName   *string           `json:"middleName,omitempty"`
	LastName     *string           `json:"lastName,omitempty"`
	Salutation   *string           `json:"salutation,omitempty"`
	Icon         *string           `json:"icon,omitempty"`
	GroupIDs     []string          `json:"groupIds,omitempty"`
	Shares       map[string]Object `json:"shares,omitempty"`      // share id → {"paths": …}
	MasterToken  *string           `json:"masterToken,omitempty"` // read-only

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
