package flowthings

// IdentityService is the /identity service: identities (accounts). Members:
// name, email, firstName, middleName, lastName, salutation, icon, groupIds,
// shares, masterToken (read-only, visible to the identity itself). Normal
// accounts only read and find identities; the platform refuses the rest.
//
// It has every operation of Service.
type IdentityService struct{ *Service }
