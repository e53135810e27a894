package flowthings

// TokenService is the /token service: Token objects, sandboxed credentials
// whose tokenString grants drop read/write on path prefixes. Members: paths
// (required; path → {"dropRead":bool,"dropWrite":bool}), description,
// duration (ms); tokenString, issuedBy, expiresInMs are set by the platform.
//
// Tokens are immutable: the service is an ImmutableService, with Create,
// Read, ReadOrElse, ReadMany, FindMany and Delete and no Update, so updating
// a token is a compile error (through Objects(), the untyped Service fails
// it with an *UnsupportedError before any I/O). Managing tokens needs the
// master token.
type TokenService struct{ *ImmutableService[Token] }

// Token is a token (docs/protocol.md §3.7, §9.2). Tokens are immutable.
type Token struct {
	ID           *string                    `json:"id,omitempty"`
	CreationDate *EpochMs                   `json:"creationDate,omitempty"`
	CreatorID    *string                    `json:"creatorId,omitempty"`
	LastEditDate *EpochMs                   `json:"lastEditDate,omitempty"`
	LastEditorID *string                    `json:"lastEditorId,omitempty"`
	Paths        map[string]TokenPermission `json:"paths,omitempty"` // required
	Description  *string                    `json:"description,omitempty"`
	Duration     *int64                     `json:"duration,omitempty"`    // ms
	TokenString  *string                    `json:"tokenString,omitempty"` // server
	IssuedBy     *string                    `json:"issuedBy,omitempty"`    // server
	ExpiresInMs  *int64                     `json:"expiresInMs,omitempty"` // server

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// TokenPermission is what a token grants on a path prefix.
type TokenPermission struct {
	DropRead  *bool `json:"dropRead,omitempty"`
	DropWrite *bool `json:"dropWrite,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
