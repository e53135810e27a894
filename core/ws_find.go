package core

import (
	"strconv"
	"strings"
)

// This file holds the REST side of subscriptions with backfill: the finds
// the engine asks its driver to run, and what it needs of their drops.

// WSDropInfo is what the engine needs of one drop: its control fields. The
// drop itself stays with the driver: the Go driver passes its raw JSON in
// Value; the JavaScript driver keeps the object it parsed and passes a Ref,
// a number it picks, which comes back in the Deliver actions of the drop
// and in one Release once the engine no longer needs it.
type WSDropInfo struct {
	ID, FlowID, Path string
	// CreationDate is epoch milliseconds by the platform's clock; 0 when
	// the drop has none.
	CreationDate int64
	// Version counts the changes made to the drop (the platform bumps it on
	// every update; 0 for a new drop).
	Version int64

	Ref   uint64 // the driver's handle on the drop; 0 when Value carries it
	Value []byte // the drop's raw JSON, or nil with a Ref
}

// dated reports whether the drop has what exactly-once delivery needs: an
// id and a creation date.
func (d *WSDropInfo) dated() bool { return d.ID != "" && d.CreationDate > 0 }

// updated reports a push of a change to a drop rather than of a new one.
func (d *WSDropInfo) updated() bool { return d.Version > 0 }

// dropInfoOf reads the control fields of a drop's raw JSON. Anything
// that is not an object yields only Value.
func dropInfoOf(v []byte) WSDropInfo {
	d := WSDropInfo{Value: v}
	d.ID, _ = jsonText(jsonMember(v, "id"))
	d.FlowID, _ = jsonText(jsonMember(v, "flowId"))
	d.Path, _ = jsonText(jsonMember(v, "path"))
	d.CreationDate, _ = jsonInt(jsonMember(v, "creationDate"))
	d.Version, _ = jsonInt(jsonMember(v, "version"))
	return d
}

// DecodeFindResponse decodes the response to a Find action's request: the
// drops of its body, in order, each with its raw JSON in Value (a slice of
// body). Failures are the typed errors of DecodeResponse, or a
// *MalformedResponseError when the body is not an array of drops.
func DecodeFindResponse(req Request, status int, body []byte) ([]WSDropInfo, error) {
	env, err := DecodeResponse(req, status, body)
	if err != nil {
		return nil, err
	}
	items, ok := jsonItems(env.Body)
	if !ok {
		return nil, &MalformedResponseError{Status: status, Method: req.Method, Path: req.Path,
			Reason: "body is not an array of drops", Excerpt: redactedExcerpt(env.Body, req.token())}
	}
	drops := make([]WSDropInfo, len(items))
	for i, it := range items {
		drops[i] = dropInfoOf(it)
	}
	return drops, nil
}

// Paging of the finds. The anchor asks for the newest drops' ids and
// creation dates only; backfill asks for whole drops, oldest first.
const (
	defaultFindPage = 500 // under every documented cap of "limit" (docs/protocol.md §4)
	findKindAnchor  = 0
	findKindFill    = 1
)

// wsCursor is where the next page of a find starts: the drops created at
// or after cd (before or at, for the start), any when !dated, skipping the
// first start of them.
type wsCursor struct {
	dated bool
	cd    int64
	start int
}

// findRequest builds the REST find of one page: in the flow the
// subscription names, sorted by creationDate, newest first for the anchor
// and oldest first for backfill. Pushes carry typed elems (a session has
// no API version and behaves as v0.1), so backfilled drops ask for them
// too. A flow named by its path is found in the account the path names,
// which may be another that shared it.
func (e *WSEngine) findRequest(resource string, kind int, c wsCursor) (Request, error) {
	var hints, only any = "true", nil
	order, filter := "asc", "creationDate >= "
	if kind == findKindAnchor {
		// Newest first, only what marks them. Drops created meanwhile in a
		// newer millisecond would come first and push the rest past the
		// next offset: later pages ask for the mark's millisecond and older.
		order, hints, only, filter = "desc", nil, "id,creationDate", "creationDate <= "
	}
	if !c.dated {
		filter = ""
	} else {
		filter += strconv.FormatInt(c.cd, 10)
	}
	op := Op{Service: ServiceDrop, Name: OpFindMany, FlowID: resource, Params: Params{"sort": "creationDate", "order": order,
		"limit": strconv.Itoa(e.opts.BackfillPage), "start": strconv.Itoa(c.start), "hints": hints, "only": only, "filter": filter,
		"skip": nil, "refs": nil}} // Config.Params must not move the pages (skip wins over start) or change their shape
	cfg := e.cfg
	if resource != "" && resource[0] == '/' {
		op.FlowID, op.Path = "", resource
		if owner, _, _ := strings.Cut(resource[1:], "/"); owner != "" {
			cfg.Namespace = owner
		}
	}
	return cfg.BuildOp(op)
}
