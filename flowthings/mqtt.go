package flowthings

// MQTTService is the /mqtt service: MQTT connections between a broker topic
// and a flow. Members: uri, topic, host, destination (broker → flow) or
// source (flow → broker), username, password, clientId, qos, version,
// reportFrequency, inputFormat, outputFormat, plus the task members.
//
// It has every operation of MutableService, with results as *MQTTTask.
type MQTTService struct{ *MutableService[MQTTTask] }

// MQTTTask is an MQTT connection (docs/protocol.md §3.11): exactly one of
// Destination (broker → flow) and Source (flow → broker).
type MQTTTask struct {
	ID              *string     `json:"id,omitempty"`
	CreationDate    *EpochMs    `json:"creationDate,omitempty"`
	CreatorID       *string     `json:"creatorId,omitempty"`
	LastEditDate    *EpochMs    `json:"lastEditDate,omitempty"`
	LastEditorID    *string     `json:"lastEditorId,omitempty"`
	DisplayName     *string     `json:"displayName,omitempty"`
	Description     *string     `json:"description,omitempty"`
	Periodicity     *int64      `json:"periodicity,omitempty"` // ms
	JS              *string     `json:"js,omitempty"`
	Disabled        *bool       `json:"disabled,omitempty"`
	Status          *TaskStatus `json:"status,omitempty"` // read-only
	ReportFlowID    *string     `json:"reportFlowId,omitempty"`
	ReportPath      *string     `json:"reportPath,omitempty"`
	LastRun         *EpochMs    `json:"lastRun,omitempty"`
	NextRun         *EpochMs    `json:"nextRun,omitempty"`
	RunCt           *int64      `json:"runCt,omitempty"`
	URI             *string     `json:"uri,omitempty"`
	Topic           *string     `json:"topic,omitempty"`
	Host            *string     `json:"host,omitempty"`
	Destination     *string     `json:"destination,omitempty"`
	Source          *string     `json:"source,omitempty"`
	Username        *string     `json:"username,omitempty"`
	Password        *string     `json:"password,omitempty"`
	ClientID        *string     `json:"clientId,omitempty"`
	QoS             *int        `json:"qos,omitempty"`
	Version         *string     `json:"version,omitempty"`
	ReportFrequency *int64      `json:"reportFrequency,omitempty"` // ms
	InputFormat     *string     `json:"inputFormat,omitempty"`
	OutputFormat    *string     `json:"outputFormat,omitempty"`

	// Extra holds the members this type does not declare, sent back as received.
	Extra Extra `json:"-"`
}
