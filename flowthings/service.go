package flowthings

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/flowthings/flowthings-wasm/core"
)

// Service is the untyped form of a service: every generic operation, with
// models given as Object, structs or raw JSON and results decoded as Object
// (see there for numbers). The typed services of Client (FlowService, …,
// DropService) are built on it and return it from Objects; Client.Service
// returns one for any service name. Each method builds an Op and runs it
// through Client.Exec, the single request path.
//
// Params may be nil in every method; the *Response carries the status, the
// messages and, when params has "refs": true, head.references.
type Service struct {
	c      *Client
	name   string
	flowID string
}

// Name is the service's URL name, such as "flow" or "api-task".
func (s *Service) Name() ServiceName { return ServiceName(s.name) }

func (s *Service) op(name string) core.Op {
	return core.Op{Service: s.name, FlowID: s.flowID, Name: name}
}

// Read gets one object: GET /{svc}/{id}.
func (s *Service) Read(ctx context.Context, id string, params Params) (Object, *Response, error) {
	op := s.op(core.OpRead)
	op.ID, op.Params = id, params
	var out Object
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// ReadOrElse is Read, except that a 404 (a *NotFoundError) returns def and a
// nil Response instead of an error. Every other error is still returned.
func (s *Service) ReadOrElse(ctx context.Context, id string, def Object, params Params) (Object, *Response, error) {
	obj, resp, err := s.Read(ctx, id, params)
	if core.ReadOrElseFallback(core.KindOf(err)) {
		return def, nil, nil
	}
	return obj, resp, err
}

// ReadMany gets several objects at once: MGET /{svc} with the id array as
// body. The result maps id → object; unknown ids are absent.
func (s *Service) ReadMany(ctx context.Context, ids []string, params Params) (map[string]Object, *Response, error) {
	op := s.op(core.OpReadMany)
	op.IDs, op.Params = ids, params
	if op.IDs == nil {
		op.IDs = []string{}
	}
	var out map[string]Object
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// FindMany searches: GET /{svc}?filter=…&limit=…. The filters (strings or
// filter expressions, see FilterText) are AND-ed, after any "filter" already
// in params, into the filter param.
func (s *Service) FindMany(ctx context.Context, params Params, filters ...any) ([]Object, *Response, error) {
	op := s.op(core.OpFindMany)
	op.Params = params.WithFilters(filters...)
	var out []Object
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// Create stores a new object: POST /{svc} with model (an Object, a struct or
// raw JSON) as body, and returns the stored object.
func (s *Service) Create(ctx context.Context, model any, params Params) (Object, *Response, error) {
	op := s.op(core.OpCreate)
	op.Params = params
	var err error
	if op.Body, err = encodeJSON("model", model); err != nil {
		return nil, nil, err
	}
	return s.callObject(ctx, op)
}

// Update changes an object: PUT /{svc}/{id}. model is either
//
//   - a *Modification: only its diff is sent, to the id of its model; or
//   - an object with a string "id" member (Object, struct or raw JSON): it
//     is sent whole, to that id.
//
// Tokens and shares are immutable: their Update fails with an
// *UnsupportedError before any I/O.
func (s *Service) Update(ctx context.Context, model any, params Params) (Object, *Response, error) {
	op := s.op(core.OpUpdate)
	if err := core.Supports(op.Service, op.Name); err != nil {
		return nil, nil, err
	}
	u, err := updateOf(model)
	if err != nil {
		return nil, nil, err
	}
	op.Updates, op.Params = []core.Update{u}, params
	return s.callObject(ctx, op)
}

// UpdateMany changes several objects at once: MPUT /{svc} with a body
// mapping id → changes. models is a list ([]Object, []*Modification, []any
// mixing both, or any other slice of objects), each item as in Update, or an
// explicit map[string]Object / map[string]any of id → changes. The result
// maps id → updated object.
func (s *Service) UpdateMany(ctx context.Context, models any, params Params) (map[string]Object, *Response, error) {
	op := s.op(core.OpUpdateMany)
	if err := core.Supports(op.Service, op.Name); err != nil {
		return nil, nil, err
	}
	op.Params = params
	var err error
	switch m := models.(type) {
	case map[string]Object, Object: // an explicit id → changes map
		op.Body, err = encodeJSON("models", m)
	default:
		op.Updates, err = updatesOf(models)
	}
	if err != nil {
		return nil, nil, err
	}
	var out map[string]Object
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// Save persists one model: Update for a *Modification or an object with an
// "id" member, Create for any other object. Lists go to UpdateMany.
func (s *Service) Save(ctx context.Context, model any, params Params) (Object, *Response, error) {
	if isMany(model) {
		return nil, nil, &core.InputError{Field: "model", Reason: "is a list or map of models: use UpdateMany"}
	}
	if _, ok := model.(*Modification); ok {
		return s.Update(ctx, model, params)
	}
	obj, err := toObject(model)
	if err != nil {
		return nil, nil, err
	}
	if _, ok := obj["id"]; ok {
		return s.Update(ctx, model, params)
	}
	return s.Create(ctx, model, params)
}

// Delete removes an object: DELETE /{svc}/{id}, with body (any JSON value)
// if it is not nil.
func (s *Service) Delete(ctx context.Context, id string, body any, params Params) (*Response, error) {
	op := s.op(core.OpDelete)
	op.ID, op.Params = id, params
	if body != nil {
		var err error
		if op.Body, err = encodeJSON("body", body); err != nil {
			return nil, err
		}
	}
	return s.c.call(ctx, op, nil)
}

func (s *Service) callObject(ctx context.Context, op core.Op) (Object, *Response, error) {
	var out Object
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		return nil, nil, err
	}
	return out, resp, nil
}

// updateOf encodes one model of an update: a *Modification (its model and
// diff) or an object sent whole. core.Update.Target applies the rules.
func updateOf(model any) (core.Update, error) {
	if m, ok := model.(*Modification); ok {
		if m == nil {
			return core.Update{}, &core.InputError{Field: "model", Reason: "nil modification"}
		}
		if m.err != nil {
			return core.Update{}, m.err
		}
		data, err := encodeJSON("model", m.model)
		if err != nil {
			return core.Update{}, err
		}
		diff, err := encodeJSON("model", m.changes)
		return core.Update{Model: data, Diff: diff}, err
	}
	if model == nil {
		return core.Update{}, &core.InputError{Field: "model", Reason: "nil"}
	}
	data, err := encodeJSON("model", model)
	return core.Update{Model: data}, err
}

// toObject views a model as an Object: maps as they are, anything else
// through a JSON round trip.
func toObject(model any) (Object, error) {
	switch m := model.(type) {
	case Object:
		if m == nil {
			return nil, &core.InputError{Field: "model", Reason: "nil object"}
		}
		return m, nil
	case nil:
		return nil, &core.InputError{Field: "model", Reason: "nil"}
	}
	data, err := encodeJSON("model", model)
	if err != nil {
		return nil, err
	}
	var obj Object
	if err := decodeJSON(data, &obj); err != nil || obj == nil {
		return nil, &core.InputError{Field: "model", Reason: "is not a JSON object"}
	}
	return obj, nil
}

// isMany reports whether v is one of UpdateMany's inputs rather than one
// model: a list, or an explicit map[string]Object of id → changes.
func isMany(v any) bool {
	switch v.(type) {
	case []Object, []*Modification, []any, []json.RawMessage, map[string]Object:
		return true
	}
	return false
}

// updatesOf encodes the models of an updateMany list.
func updatesOf(models any) ([]core.Update, error) {
	var items []any
	switch m := models.(type) {
	case []Object:
		for _, o := range m {
			items = append(items, o)
		}
	case []*Modification:
		for _, o := range m {
			items = append(items, o)
		}
	case []json.RawMessage:
		for _, o := range m {
			items = append(items, o)
		}
	case []any:
		items = m
	default:
		return nil, &core.InputError{Field: "models", Reason: "must be a list of models or a map of id → changes, not " + fmt.Sprintf("%T", models)}
	}
	updates := make([]core.Update, len(items))
	for i, item := range items {
		u, err := updateOf(item)
		if err != nil {
			return nil, &core.InputError{Field: "models[" + strconv.Itoa(i) + "]", Reason: err.Error(), Err: err}
		}
		updates[i] = u
	}
	return updates, nil
}
