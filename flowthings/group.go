package flowthings

// GroupService is the /group service: groups of identities, usable as share
// recipients. Members: displayName, description, memberIds.
//
// It has every operation of MutableService, with results as *Group.
type GroupService struct{ *MutableService[Group] }

// Group is a group of identities (docs/protocol.md §3.6).
type Group struct {
	ID           *string  `json:"id,omitempty"`
	CreationDate *EpochMs `json:"creationDate,omitempty"`
	CreatorID    *string  `json:"creatorId,omitempty"`
	LastEditDate *EpochMs `json:"lastEditDate,omitempty"`
	LastEditorID *string  `json:"lastEditorId,omitempty"`
	DisplayName  *string  `json:"displayName,omitempty"`
	Description  *string  `json:"description,omitempty"`
	MemberIDs    []string `json:"memberIds,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
