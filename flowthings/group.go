package flowthings

// GroupService is the /group service: groups of identities, usable as share
// recipients. Members: displayName, description, memberIds.
//
// It has every operation of Service.
type GroupService struct{ *Service }
