package flowthings

// ShareService is the /share service: Shares, which grant another identity
// or group read/write/dropRead/dropWrite on path prefixes of this account.
// Members: issuedTo (required), paths (path → flags), description, duration
// (ms); issuedBy, expiresInMs are set by the platform.
//
// Shares are immutable: Update, UpdateMany, and Save of a model with an id
// or of a Modification fail with an *UnsupportedError, without any I/O.
// Managing shares needs the master token.
type ShareService struct{ *Service }
