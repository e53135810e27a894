package flowthings

import "github.com/flowthings/flowthings-wasm/core"

// ServiceName is the URL name of a platform service. core keeps the same
// names as untyped string constants (core.ServiceFlow, …), which the wasm
// bridge fills from JavaScript.
type ServiceName string

// The services of docs/protocol.md §3.1.
const (
	ServiceFlow         ServiceName = core.ServiceFlow
	ServiceDrop         ServiceName = core.ServiceDrop
	ServiceTrack        ServiceName = core.ServiceTrack
	ServiceGroup        ServiceName = core.ServiceGroup
	ServiceIdentity     ServiceName = core.ServiceIdentity
	ServiceAPITask      ServiceName = core.ServiceAPITask
	ServiceMQTT         ServiceName = core.ServiceMQTT
	ServiceRSS          ServiceName = core.ServiceRSS
	ServiceToken        ServiceName = core.ServiceToken
	ServiceShare        ServiceName = core.ServiceShare
	ServiceDevice       ServiceName = core.ServiceDevice
	ServiceStatistics   ServiceName = core.ServiceStatistics
	ServiceLocalTrack   ServiceName = core.ServiceLocalTrack   // v4.0 only
	ServiceAVConnection ServiceName = core.ServiceAVConnection // v4.0 only
)

// StatType is a statistic of the statistics service (docs/protocol.md §3.14).
type StatType string

// The statistics.
const (
	StatFlowDropAdded     StatType = core.StatFlowDropAdded
	StatFlowTracked       StatType = core.StatFlowTracked
	StatTrackHit          StatType = core.StatTrackHit
	StatTrackPass         StatType = core.StatTrackPass
	StatAPICallByIdentity StatType = core.StatAPICallByIdentity
	StatDropCreatedBy     StatType = core.StatDropCreatedBy
)

// WSFrameType is the type of a CRUD frame over the WebSocket
// (core.WSFrame.Type, docs/protocol.md §8.3).
type WSFrameType string

// The CRUD frame types.
const (
	WSCreate   WSFrameType = "create"
	WSFind     WSFrameType = "find"
	WSFindMany WSFrameType = "findmany"
	WSUpdate   WSFrameType = "update"
	WSDelete   WSFrameType = "delete"
)

// WSFrame builds the core.WSFrame of a CRUD call on service: set FlowID or
// Path (drops), ID, Value and Options on the result.
func WSFrame(t WSFrameType, service ServiceName) core.WSFrame {
	return core.WSFrame{Object: string(service), Type: string(t)}
}
