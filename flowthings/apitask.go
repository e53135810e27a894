package flowthings

// APITaskService is the /api-task service: periodic API tasks. Members:
// displayName, description, periodicity (ms, at least 60000), destination,
// js, source ({"dropFind":…} or {"http":…}), disabled; status, reportPath,
// lastRun, nextRun, runCt are read-only.
//
// It has every operation of MutableService, with results as *APITask.
type APITaskService struct{ *MutableService[APITask] }

// APITask is a periodic API task (docs/protocol.md §3.10).
type APITask struct {
	ID           *string     `json:"id,omitempty"`
	CreationDate *EpochMs    `json:"creationDate,omitempty"`
	CreatorID    *string     `json:"creatorId,omitempty"`
	LastEditDate *EpochMs    `json:"lastEditDate,omitempty"`
	LastEditorID *string     `json:"lastEditorId,omitempty"`
	DisplayName  *string     `json:"displayName,omitempty"`
	Description  *string     `json:"description,omitempty"`
	Periodicity  *int64      `json:"periodicity,omitempty"` // ms
	JS           *string     `json:"js,omitempty"`
	Disabled     *bool       `json:"disabled,omitempty"`
	Status       *TaskStatus `json:"status,omitempty"` // read-only
	ReportFlowID *string     `json:"reportFlowId,omitempty"`
	ReportPath   *string     `json:"reportPath,omitempty"`
	LastRun      *EpochMs    `json:"lastRun,omitempty"`
	NextRun      *EpochMs    `json:"nextRun,omitempty"`
	RunCt        *int64      `json:"runCt,omitempty"`
	Destination  *string     `json:"destination,omitempty"`
	Source       Object      `json:"source,omitempty"` // {"dropFind":…} or {"http":…}

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}

// TaskStatus is the read-only status of a task.
type TaskStatus string

// The task statuses of docs/protocol.md §3.10.
const (
	TaskOK        TaskStatus = "OK"
	TaskError     TaskStatus = "ERROR"
	TaskTimeout   TaskStatus = "TIMEOUT"
	TaskNoNewData TaskStatus = "NO_NEW_DATA"
)
