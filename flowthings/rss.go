package flowthings

// RSSService is the /rss service: RSS import tasks. Members: url, favicon, icon,
// category, isFeatured, destination, plus the task members.
//
// It has every operation of MutableService, with results as *RSSTask.
type RSSService struct{ *MutableService[RSSTask] }

// RSSTask is an RSS import task (docs/protocol.md §3.12).
type RSSTask struct {
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
	URL          *string     `json:"url,omitempty"`
	Favicon      *string     `json:"favicon,omitempty"`
	Icon         *string     `json:"icon,omitempty"`
	Category     *string     `json:"category,omitempty"`
	IsFeatured   *bool       `json:"isFeatured,omitempty"`
	Destination  *string     `json:"destination,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
