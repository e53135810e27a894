package flowthings

// TokenService is the /token service: Token objects, sandboxed credentials
// whose tokenString grants drop read/write on path prefixes. Members: paths
// (required; path → {"dropRead":bool,"dropWrite":bool}), description,
// duration (ms); tokenString, issuedBy, expiresInMs are set by the platform.
//
// Tokens are immutable: Update, UpdateMany, and Save of a model with an id
// or of a Modification fail with an *UnsupportedError, without any I/O.
// Create, Read, ReadOrElse, ReadMany, FindMany, Find and Delete work as on
// every Service. Managing tokens needs the master token.
type TokenService struct{ *Service }
