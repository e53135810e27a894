package flowthings

// TrackService is the /track service: tracks, which copy (and may transform)
// matching drops from a source flow path to destination paths. Members:
// source (required), destination (string or list), filter, js, description,
// disabled, metadata.
//
// It has every operation of Service.
type TrackService struct{ *Service }
