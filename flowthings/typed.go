package flowthings

import (
	"context"

	"github.com/flowthings/flowthings-wasm/core"
)

// ImmutableService is the typed face of a service whose objects cannot be
// changed once created (tokens and shares): create, read, find and delete,
// with results decoded as *T. It has no Update, so updating a token is a
// compile error.
//
// Objects returns the untyped Service behind it, for Object-level access.
type ImmutableService[T any] struct{ s *Service }

// MutableService is the typed face of a service with every operation:
// those of ImmutableService plus Update, Modify, UpdateMany and Save.
type MutableService[T any] struct{ *ImmutableService[T] }

func newImmutable[T any](s *Service) *ImmutableService[T] { return &ImmutableService[T]{s: s} }

func newMutable[T any](s *Service) *MutableService[T] {
	return &MutableService[T]{newImmutable[T](s)}
}

// Name is the service's URL name, such as "flow" or "api-task".
func (s *ImmutableService[T]) Name() ServiceName { return s.s.Name() }

// Objects returns the untyped service: the same operations on Object, for
// members or shapes the typed objects do not cover. Its Update of a token
// or share fails at run time with an *UnsupportedError.
func (s *ImmutableService[T]) Objects() *Service { return s.s }

// Read gets one object: GET /{svc}/{id}.
func (s *ImmutableService[T]) Read(ctx context.Context, id string, params Params) (*T, *Response, error) {
	op := s.s.op(core.OpRead)
	op.ID, op.Params = id, params
	return callTyped[*T](ctx, s.s, op)
}

// ReadOrElse is Read, except that a 404 (a *NotFoundError) returns def and a
// nil Response instead of an error. Every other error is still returned.
func (s *ImmutableService[T]) ReadOrElse(ctx context.Context, id string, def *T, params Params) (*T, *Response, error) {
	obj, resp, err := s.Read(ctx, id, params)
	if core.ReadOrElseFallback(core.KindOf(err)) {
		return def, nil, nil
	}
	return obj, resp, err
}

// ReadMany gets several objects at once: MGET /{svc} with the id array as
// body. The result maps id → object; unknown ids are absent.
func (s *ImmutableService[T]) ReadMany(ctx context.Context, ids []string, params Params) (map[string]*T, *Response, error) {
	op := s.s.op(core.OpReadMany)
	op.IDs, op.Params = ids, params
	if op.IDs == nil {
		op.IDs = []string{}
	}
	return callTyped[map[string]*T](ctx, s.s, op)
}

// FindMany searches: GET /{svc}?filter=…&limit=…. The filters (strings or
// filter expressions, see core.FilterText) are AND-ed, after any "filter"
// already in params, into the filter param.
func (s *ImmutableService[T]) FindMany(ctx context.Context, params Params, filters ...any) ([]*T, *Response, error) {
	op := s.s.op(core.OpFindMany)
	op.Params = params.WithFilters(filters...)
	return callTyped[[]*T](ctx, s.s, op)
}

// Create stores a new object: POST /{svc}, and returns the stored object.
func (s *ImmutableService[T]) Create(ctx context.Context, obj *T, params Params) (*T, *Response, error) {
	if obj == nil {
		return nil, nil, &core.InputError{Field: "model", Reason: "nil"}
	}
	op := s.s.op(core.OpCreate)
	op.Params = params
	var err error
	if op.Body, err = encodeJSON("model", obj); err != nil {
		return nil, nil, err
	}
	return callTyped[*T](ctx, s.s, op)
}

// Delete removes an object: DELETE /{svc}/{id}.
func (s *ImmutableService[T]) Delete(ctx context.Context, id string, params Params) (*Response, error) {
	return s.s.Delete(ctx, id, nil, params)
}

// Update sends obj whole to its id: PUT /{svc}/{id}, and returns the updated
// object. Members obj does not declare travel in its Extra, so an object
// read, changed and updated keeps them.
func (s *MutableService[T]) Update(ctx context.Context, obj *T, params Params) (*T, *Response, error) {
	if obj == nil {
		return nil, nil, &core.InputError{Field: "model", Reason: "nil"}
	}
	return s.update(ctx, obj, params)
}

// Modify sends only the diff of m to the id of its model: PUT /{svc}/{id}.
func (s *MutableService[T]) Modify(ctx context.Context, m *Modification, params Params) (*T, *Response, error) {
	if m == nil {
		return nil, nil, &core.InputError{Field: "model", Reason: "nil modification"}
	}
	return s.update(ctx, m, params)
}

func (s *MutableService[T]) update(ctx context.Context, model any, params Params) (*T, *Response, error) {
	u, err := updateOf(model)
	if err != nil {
		return nil, nil, err
	}
	op := s.s.op(core.OpUpdate)
	op.Updates, op.Params = []core.Update{u}, params
	return callTyped[*T](ctx, s.s, op)
}

// UpdateMany sends several objects whole, each to its id: MPUT /{svc}. The
// result maps id → updated object.
func (s *MutableService[T]) UpdateMany(ctx context.Context, objs []*T, params Params) (map[string]*T, *Response, error) {
	models := make([]any, len(objs))
	for i, o := range objs {
		if o == nil {
			return nil, nil, &core.InputError{Field: "models", Reason: "holds a nil object"}
		}
		models[i] = o
	}
	return s.updateMany(ctx, models, params)
}

// ModifyMany sends the diffs of several modifications: MPUT /{svc}.
func (s *MutableService[T]) ModifyMany(ctx context.Context, ms []*Modification, params Params) (map[string]*T, *Response, error) {
	models := make([]any, len(ms))
	for i, m := range ms {
		models[i] = m
	}
	return s.updateMany(ctx, models, params)
}

func (s *MutableService[T]) updateMany(ctx context.Context, models []any, params Params) (map[string]*T, *Response, error) {
	updates, err := updatesOf(models)
	if err != nil {
		return nil, nil, err
	}
	op := s.s.op(core.OpUpdateMany)
	op.Updates, op.Params = updates, params
	return callTyped[map[string]*T](ctx, s.s, op)
}

// Save updates obj if it has an id (Update) and creates it otherwise
// (Create).
func (s *MutableService[T]) Save(ctx context.Context, obj *T, params Params) (*T, *Response, error) {
	if withID, ok := any(obj).(interface{ GetID() string }); ok && withID.GetID() != "" {
		return s.Update(ctx, obj, params)
	}
	return s.Create(ctx, obj, params)
}

// callTyped runs op and decodes its body as an R.
func callTyped[R any](ctx context.Context, s *Service, op core.Op) (R, *Response, error) {
	var out R
	resp, err := s.c.call(ctx, op, &out)
	if err != nil {
		var zero R
		return zero, nil, err
	}
	return out, resp, nil
}
