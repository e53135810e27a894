package flowthings

// DeviceService is the /device service: devices. Members: displayName, path
// (the root under which the platform creates the device's flows), tokenId
// (server-created), deviceSummary, status, lastSeen, reportPeriodicity,
// tracks.
//
// It has every operation of Service.
type DeviceService struct{ *Service }
