package flowthings

// FlowService is the /flow service: flows, the named, path-addressed
// containers of drops. Members: path (required, unique, "/{account}/…"),
// capacity (default 1000; 0 stores nothing), description, filter (FFL),
// public, name.
//
// It has every operation of Service.
type FlowService struct{ *Service }
