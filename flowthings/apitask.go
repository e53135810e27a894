package flowthings

// APITaskService is the /api-task service: periodic API tasks. Members:
// displayName, description, periodicity (ms, at least 60000), destination,
// js, source ({"dropFind":…} or {"http":…}), disabled; status, reportPath,
// lastRun, nextRun, runCt are read-only.
//
// It has every operation of Service.
type APITaskService struct{ *Service }
