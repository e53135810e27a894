package core

import "strconv"

// Service names, as they appear in the URL ({service} in §1.2 of the protocol).
const (
	ServiceFlow         = "flow"
	ServiceDrop         = "drop"
	ServiceTrack        = "track"
	ServiceGroup        = "group"
	ServiceIdentity     = "identity"
	ServiceAPITask      = "api-task"
	ServiceMQTT         = "mqtt"
	ServiceRSS          = "rss"
	ServiceToken        = "token"
	ServiceShare        = "share"
	ServiceDevice       = "device"
	ServiceStatistics   = "statistics"
	ServiceLocalTrack   = "local-track"   // v4.0 only
	ServiceAVConnection = "av-connection" // v4.0 only
)

// Operation names of an Op.
const (
	OpRead       = "read"       // GET    /{svc}[/{flowId}]/{id}
	OpReadMany   = "readMany"   // MGET   /{svc}[/{flowId}]            body: ["id", …]
	OpFindMany   = "findMany"   // GET    /{svc}[/{flowId}]?filter=…
	OpCreate     = "create"     // POST   /{svc}[/{flowId}]            body: object
	OpUpdate     = "update"     // PUT    /{svc}[/{flowId}]/{id}       body: object
	OpUpdateMany = "updateMany" // MPUT   /{svc}[/{flowId}]            body: {"id": changes, …}
	OpDelete     = "delete"     // DELETE /{svc}[/{flowId}]/{id}       optional body
	OpDeleteAll  = "deleteAll"  // DELETE /drop/{flowId}
	OpAggregate  = "aggregate"  // POST   /drop/{flowId}/aggregate     body: object
	OpStatistics = "statistics" // GET    /statistics/{stat}/{id}[/{y}[/{m}[/{d}]]]
)

// Statistic types of the statistics service (Op.Stat).
const (
	StatFlowDropAdded     = "flowDropAdded"
	StatFlowTracked       = "flowTracked"
	StatTrackHit          = "trackHit"
	StatTrackPass         = "trackPass"
	StatAPICallByIdentity = "apiCallByIdentity"
	StatDropCreatedBy     = "dropCreatedBy"
)

// Op describes one platform operation as plain data. It is what every
// service method of Client builds, and what the wasm bridge fills from
// JavaScript: Config.BuildOp turns it into a Request without any I/O,
// JSON library or reflection, and DecodeResponse decodes the answer.
//
// Which fields an operation uses:
//
//	op          FlowID*   ID   IDs  Body                    Stat  Date
//	read        drop      yes  -    -                       -     -
//	readMany    drop      -    yes  or a raw JSON array     -     -
//	findMany    drop      -    -    -                       -     -
//	create      drop      -    -    JSON object             -     -
//	update      drop      yes  -    JSON object             -     -
//	updateMany  drop      -    -    JSON object id→changes  -     -
//	delete      drop      yes  -    optional JSON           -     -
//	deleteAll   required  -    -    -                       -     -
//	aggregate   required  -    -    JSON object             -     -
//	statistics  -         yes  -    -                       yes   0–3
//
// *FlowID is used by the drop service only, and required there except for
// the path-addressed forms: create and findMany with Path set (or with a
// "path" member in the body, POST /drop, or a "path" param, GET
// /drop?path=…), and readMany with a raw Body, the multi-flow search
// (MGET /drop).
//
// update and updateMany may take Updates instead of ID and Body: update
// exactly one, whose id and body Update.Target gives; updateMany any number,
// rendered as the MPUT body of id → changes.
//
// A field an operation does not use must be empty: a misplaced id is an
// InputError, not silently dropped.
type Op struct {
	// Service is the service name as in the URL: "flow", "drop", "api-task",
	// … (the Service* constants).
	Service string
	// Name is the operation (the Op* constants).
	Name string
	// FlowID addresses a flow's drops: /drop/{FlowID}.
	FlowID string
	// ID is the object id (read, update, delete) or, for statistics, the id
	// of the counted flow, track or identity.
	ID string
	// IDs are the ids of a readMany; the builder renders the JSON array.
	IDs []string
	// Path addresses a flow's drops by the flow's path instead of FlowID:
	// create sends it as the body's "path" member, findMany as the "path"
	// param.
	Path string
	// Body is the raw JSON request body.
	Body []byte
	// Updates are the objects of an update (one) or an updateMany, instead
	// of ID and Body.
	Updates []Update
	// Params are the query parameters, merged over Config.Params.
	Params Params
	// Stat is the statistic type (the Stat* constants).
	Stat string
	// Date selects the statistics period: [year[, month[, day]]].
	Date []int
}

type opSet uint16

const (
	opRead opSet = 1 << iota
	opReadMany
	opFindMany
	opCreate
	opUpdate
	opUpdateMany
	opDelete
	opDeleteAll
	opAggregate
	opStatistics

	opsFull      = opRead | opReadMany | opFindMany | opCreate | opUpdate | opUpdateMany | opDelete
	opsImmutable = opRead | opReadMany | opFindMany | opCreate | opDelete
)

// opBit returns the bit of an operation name, 0 for an unknown one.
func opBit(name string) opSet {
	switch name {
	case OpRead:
		return opRead
	case OpReadMany:
		return opReadMany
	case OpFindMany:
		return opFindMany
	case OpCreate:
		return opCreate
	case OpUpdate:
		return opUpdate
	case OpUpdateMany:
		return opUpdateMany
	case OpDelete:
		return opDelete
	case OpDeleteAll:
		return opDeleteAll
	case OpAggregate:
		return opAggregate
	case OpStatistics:
		return opStatistics
	}
	return 0
}

// serviceOps is the one table of which service has which operation; 0 for
// an unknown service. (Switches rather than maps: maps are built at package
// init, which costs the wasm build code and its start-up time.)
func serviceOps(service string) opSet {
	switch service {
	case ServiceFlow, ServiceTrack, ServiceGroup, ServiceIdentity, ServiceAPITask, ServiceMQTT,
		ServiceRSS, ServiceDevice, ServiceLocalTrack, ServiceAVConnection:
		return opsFull
	case ServiceDrop:
		return opsFull | opDeleteAll | opAggregate
	case ServiceToken, ServiceShare:
		return opsImmutable
	case ServiceStatistics:
		return opStatistics
	}
	return 0
}

func isStatType(stat string) bool {
	switch stat {
	case StatFlowDropAdded, StatFlowTracked, StatTrackHit, StatTrackPass, StatAPICallByIdentity, StatDropCreatedBy:
		return true
	}
	return false
}

// Supports reports, without any I/O, whether service has the operation:
// nil, an *UnsupportedError (a known operation the service lacks, such as
// updating a token), or an *InputError (an unknown service or operation).
func Supports(service, name string) error {
	ops := serviceOps(service)
	if ops == 0 {
		return &InputError{Field: "service", Reason: "unknown service " + quote(service)}
	}
	bit := opBit(name)
	if bit == 0 {
		return &InputError{Field: "operation", Reason: "unknown operation " + quote(name)}
	}
	if ops&bit != 0 {
		return nil
	}
	reason := "not an operation of this service"
	if ops == opsImmutable && (bit == opUpdate || bit == opUpdateMany) {
		reason = "tokens and shares are immutable; delete and create a new one instead"
	}
	return &UnsupportedError{Service: service, Operation: name, Reason: reason}
}

// BuildOp builds the request of an operation: Op.Call, then NewRequest.
// It is pure and safe to call from any goroutine.
func (c Config) BuildOp(op Op) (Request, error) {
	call, err := op.Call()
	if err != nil {
		return Request{}, err
	}
	return c.NewRequest(call)
}

// Call checks the operation and turns it into a Call (method, escaped path,
// params, body). It depends on nothing but op.
func (op Op) Call() (Call, error) {
	if err := Supports(op.Service, op.Name); err != nil {
		return Call{}, err
	}
	if err := op.checkUnused(); err != nil {
		return Call{}, err
	}
	service := "/" + op.Service
	if op.Name == OpStatistics {
		return op.statisticsCall()
	}
	// The collection: /{svc} or /drop/{flowId}.
	var base []string
	if op.Service == ServiceDrop {
		switch {
		case op.FlowID != "" && op.Path != "":
			return Call{}, &InputError{Field: "path", Reason: "a flow is addressed by id or by path, not both"}
		case op.FlowID != "":
			base = []string{op.FlowID}
		case op.Path != "":
			if err := checkFlowPath(op.Path); err != nil {
				return Call{}, err
			}
		default:
			if err := op.checkDropByPath(); err != nil {
				return Call{}, err
			}
		}
	} else if op.FlowID != "" || op.Path != "" {
		return Call{}, &InputError{Field: "flowId", Reason: "only drops are addressed inside a flow"}
	}
	withID := func() ([]string, error) {
		if err := validSegment("id", op.ID); err != nil {
			return nil, err
		}
		return append(base[:len(base):len(base)], op.ID), nil
	}

	call := Call{Params: op.Params}
	segs := base
	var err error
	switch op.Name {
	case OpRead:
		call.Method = "GET"
		segs, err = withID()
	case OpReadMany:
		call.Method = "MGET"
		if len(op.Body) > 0 {
			call.Body, err = jsonBody(op.Body, '[', "a JSON array")
		} else {
			call.Body = appendJSONStrings(nil, op.IDs)
		}
	case OpFindMany:
		call.Method = "GET"
		if op.Path != "" {
			call.Params = call.Params.with("path", op.Path)
		}
	case OpCreate:
		call.Method = "POST"
		if call.Body, err = jsonBody(op.Body, '{', "a JSON object"); err == nil && op.Path != "" {
			call.Body = withMember(call.Body, "path", op.Path)
		}
	case OpUpdate:
		call.Method = "PUT"
		if len(op.Updates) == 1 {
			op.ID, op.Body, err = op.Updates[0].Target()
		}
		if err == nil {
			if segs, err = withID(); err == nil {
				call.Body, err = jsonBody(op.Body, '{', "a JSON object")
			}
		}
	case OpUpdateMany:
		call.Method = "MPUT"
		if op.Updates != nil {
			call.Body, err = updateManyBody(op.Updates)
		} else if call.Body, err = jsonBody(op.Body, '{', "a JSON object of id → changes"); err == nil {
			err = checkUpdateMap(call.Body)
		}
	case OpDelete:
		call.Method = "DELETE"
		if segs, err = withID(); err == nil && len(op.Body) > 0 {
			call.Body, err = jsonBody(op.Body, 0, "JSON")
		}
	case OpDeleteAll:
		call.Method = "DELETE"
	case OpAggregate:
		call.Method = "POST"
		segs = append(segs[:len(segs):len(segs)], "aggregate")
		call.Body, err = jsonBody(op.Body, '{', "a JSON object")
	}
	if err != nil {
		return Call{}, err
	}
	if call.Path, err = ServicePath(service, segs...); err != nil {
		return Call{}, err
	}
	return call, nil
}

// checkUnused rejects fields the operation does not use.
func (op Op) checkUnused() error {
	usesID := op.Name == OpRead || op.Name == OpUpdate || op.Name == OpDelete || op.Name == OpStatistics
	usesBody := op.Name == OpReadMany || op.Name == OpCreate || op.Name == OpUpdate ||
		op.Name == OpUpdateMany || op.Name == OpDelete || op.Name == OpAggregate
	switch {
	case !usesID && op.ID != "":
		return &InputError{Field: "id", Reason: op.Name + " takes no id"}
	case !usesBody && len(op.Body) > 0:
		return &InputError{Field: "body", Reason: op.Name + " takes no body"}
	case op.Name != OpReadMany && op.IDs != nil:
		return &InputError{Field: "ids", Reason: op.Name + " takes no id list"}
	case op.Name == OpReadMany && op.IDs != nil && len(op.Body) > 0:
		return &InputError{Field: "body", Reason: "readMany takes ids or a raw body, not both"}
	case op.Name != OpStatistics && (op.Stat != "" || op.Date != nil):
		return &InputError{Field: "stat", Reason: op.Name + " takes no statistic or date"}
	case op.Path != "" && op.Name != OpCreate && op.Name != OpFindMany:
		return &InputError{Field: "path", Reason: op.Name + " addresses a flow by id, not by path"}
	case op.Updates != nil && op.Name != OpUpdate && op.Name != OpUpdateMany:
		return &InputError{Field: "updates", Reason: op.Name + " takes no updates"}
	case op.Name == OpUpdate && op.Updates != nil && (len(op.Updates) != 1 || op.ID != "" || len(op.Body) > 0):
		return &InputError{Field: "updates", Reason: "update takes one update, or an id and a body"}
	case op.Name == OpUpdateMany && op.Updates != nil && len(op.Body) > 0:
		return &InputError{Field: "body", Reason: "updateMany takes updates or a raw body, not both"}
	}
	return nil
}

// checkDropByPath accepts the drop operations that address a flow by path
// instead of by id.
func (op Op) checkDropByPath() error {
	missing := &InputError{Field: "flowId", Reason: "must not be empty"}
	switch op.Name {
	case OpCreate:
		// POST /drop: the flow is the body's "path" member.
		if hasStringMember(op.Body, "path") {
			return nil
		}
		missing.Reason = `is required unless the body has a "path" member`
	case OpFindMany:
		// GET /drop?path=…
		if op.Params["path"] != nil {
			return nil
		}
		missing.Reason = `is required unless the params have a "path"`
	case OpReadMany:
		// MGET /drop with [{"flowId":…, "params":{…}}, …]
		if len(op.Body) > 0 {
			return nil
		}
		missing.Reason = "is required unless the body is a multi-flow search"
	}
	return missing
}

func (op Op) statisticsCall() (Call, error) {
	if !isStatType(op.Stat) {
		return Call{}, &InputError{Field: "stat", Reason: "unknown statistic " + quote(op.Stat)}
	}
	if err := validSegment("id", op.ID); err != nil {
		return Call{}, err
	}
	if len(op.Date) > 3 {
		return Call{}, &InputError{Field: "date", Reason: "at most year, month and day"}
	}
	segs := []string{op.Stat, op.ID}
	limits := [3]int{9999, 12, 31}
	names := [3]string{"year", "month", "day"}
	for i, n := range op.Date {
		if n < 1 || n > limits[i] {
			return Call{}, &InputError{Field: names[i], Reason: "out of range: " + strconv.Itoa(n)}
		}
		segs = append(segs, strconv.Itoa(n))
	}
	path, err := ServicePath("/"+ServiceStatistics, segs...)
	if err != nil {
		return Call{}, err
	}
	return Call{Method: "GET", Path: path, Params: op.Params}, nil
}

// jsonBody checks that body is one valid JSON value, starting with want
// ('{' or '['; 0 for any value).
func jsonBody(body []byte, want byte, what string) ([]byte, error) {
	if len(body) == 0 {
		return nil, &InputError{Field: "body", Reason: "must be " + what + ", got nothing"}
	}
	if _, ok := scanJSON(body); !ok {
		return nil, &InputError{Field: "body", Reason: "is not valid JSON"}
	}
	if want != 0 && firstByte(body) != want {
		return nil, &InputError{Field: "body", Reason: "must be " + what}
	}
	return body, nil
}

func firstByte(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

// hasStringMember reports whether body is a JSON object with a non-empty
// string member key.
func hasStringMember(body []byte, key string) bool {
	v, ok := parseJSON(body)
	if !ok {
		return false
	}
	s, _ := jsonText(jsonMember(v, key))
	return s != ""
}
