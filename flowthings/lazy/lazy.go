// Package lazy is the Go form of the reference client's lazy() workflow:
// every call returns a Future at once and runs in parallel with the others;
// a Future can feed a later call, which then waits only for the futures it
// was given, and a failure propagates to every dependant.
//
//	g := lazy.New(ctx, 0)
//	a := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
//		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/alice/a")))
//	})
//	b := lazy.Go(g, func(ctx context.Context) ([]*flowthings.Flow, error) {
//		return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq("/alice/b")))
//	})
//	id := lazy.Field[string](a, "0", "id") // the id of the first flow found
//	drops := lazy.Go1(g, id, func(ctx context.Context, id string) ([]*flowthings.Drop, error) {
//		return flowthings.Result(c.Drop(id).FindMany(ctx, core.Params{"limit": 10}))
//	})
//	list, err := drops.Get() // waited for a, not for b
//
// The package knows nothing of the client: a call is any function, so every
// call still goes through the client's one request path.
package lazy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/flowthings/flowthings-wasm/flowthings/internal/slots"
)

// Group runs calls with a shared context and bounded concurrency. A call
// holds one of the concurrency slots only while it runs, not while it waits
// for its inputs, so dependency chains cannot deadlock the group.
type Group struct {
	ctx   context.Context
	slots *slots.Limiter
}

// New returns a group whose calls get ctx and run at most concurrency at a
// time (flowthings.DefaultConcurrency if concurrency <= 0), in the order
// their inputs became ready; flowthings.Batch shares the same limiter. When
// ctx ends, calls that have not started fail with its error.
func New(ctx context.Context, concurrency int) *Group {
	return &Group{ctx: ctx, slots: slots.New(concurrency)}
}

// Future is the eventual result of a call.
type Future[T any] struct {
	done chan struct{}
	val  T
	err  error
}

func newFuture[T any]() *Future[T] { return &Future[T]{done: make(chan struct{})} }

func (f *Future[T]) settle(v T, err error) {
	f.val, f.err = v, err
	close(f.done)
}

// Value returns a future already resolved to v, to pass a known value where
// a future is expected.
func Value[T any](v T) *Future[T] {
	f := newFuture[T]()
	f.settle(v, nil)
	return f
}

// Failed returns a future already failed with err.
func Failed[T any](err error) *Future[T] {
	f := newFuture[T]()
	var zero T
	f.settle(zero, err)
	return f
}

// Done is closed once the future is resolved or failed.
func (f *Future[T]) Done() <-chan struct{} { return f.done }

// Get waits for the future and returns its value or error.
func (f *Future[T]) Get() (T, error) {
	<-f.done
	return f.val, f.err
}

// Wait is Get that gives up, with ctx's error, when ctx ends first.
func (f *Future[T]) Wait(ctx context.Context) (T, error) {
	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// run runs fn in a slot of g, unless g's context has ended.
func run[T any](g *Group, f *Future[T], fn func(ctx context.Context) (T, error)) {
	if err := slots.Run(g.ctx, g.slots.Line(), func(ctx context.Context) { f.settle(fn(ctx)) }); err != nil {
		var zero T
		f.settle(zero, err)
	}
}

// Go starts fn and returns its future at once.
func Go[T any](g *Group, fn func(ctx context.Context) (T, error)) *Future[T] {
	f := newFuture[T]()
	go run(g, f, fn)
	return f
}

// Go1 starts fn as soon as a is resolved and returns its future at once. If
// a fails, fn does not run and the future fails with a's error.
func Go1[A, T any](g *Group, a *Future[A], fn func(ctx context.Context, a A) (T, error)) *Future[T] {
	f := newFuture[T]()
	go func() {
		av, err := a.Wait(g.ctx)
		if err != nil {
			var zero T
			f.settle(zero, err)
			return
		}
		run(g, f, func(ctx context.Context) (T, error) { return fn(ctx, av) })
	}()
	return f
}

// Go2 is Go1 with two inputs; it fails with the error of the first input
// (in argument order) that fails.
func Go2[A, B, T any](g *Group, a *Future[A], b *Future[B], fn func(ctx context.Context, a A, b B) (T, error)) *Future[T] {
	f := newFuture[T]()
	go func() {
		var zero T
		av, err := a.Wait(g.ctx)
		if err != nil {
			f.settle(zero, err)
			return
		}
		bv, err := b.Wait(g.ctx)
		if err != nil {
			f.settle(zero, err)
			return
		}
		run(g, f, func(ctx context.Context) (T, error) { return fn(ctx, av, bv) })
	}()
	return f
}

// All resolves to the values of fs, in order, once all are resolved; it fails
// with the first error in argument order.
func All[T any](fs ...*Future[T]) *Future[[]T] {
	out := newFuture[[]T]()
	go func() {
		vals := make([]T, len(fs))
		var first error
		for i, f := range fs {
			v, err := f.Get()
			vals[i] = v
			if err != nil && first == nil {
				first = err
			}
		}
		if first != nil {
			vals = nil
		}
		out.settle(vals, first)
	}()
	return out
}

// Then derives a value from f without I/O (it takes no concurrency slot):
// the result resolves to fn(value of f), or fails with f's error or fn's.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	out := newFuture[U]()
	go func() {
		v, err := f.Get()
		if err != nil {
			var zero U
			out.settle(zero, err)
			return
		}
		out.settle(fn(v))
	}()
	return out
}

// FieldError is the failure of Field: the path does not lead to a value of
// the wanted type.
type FieldError struct {
	Path   []string
	Reason string
}

func (e *FieldError) Error() string {
	return "lazy: field " + strings.Join(e.Path, ".") + ": " + e.Reason
}

// Field derives the value at path inside the decoded JSON of f: each step is
// a key of a map or a member of an object, or an index of a list: maps and
// lists of any, and anything else that encodes as a JSON object or array
// (flowthings.Object, typed objects such as *flowthings.Flow, ReadMany and
// FindMany results) through its JSON form, with numbers as json.Number. The value must have type U:
// lazy.Field[string](flows, "0", "id") is the id of the first flow. A missing
// key, an index out of range or another type fail the future with a
// *FieldError.
func Field[U, T any](f *Future[T], path ...string) *Future[U] {
	return Then(f, func(v T) (U, error) {
		var cur any = v
		for i, step := range path {
			next, reason := stepInto(cur, step)
			if reason != "" {
				var zero U
				return zero, &FieldError{Path: path[:i+1], Reason: reason}
			}
			cur = next
		}
		u, ok := cur.(U)
		if !ok {
			var zero U
			return zero, &FieldError{Path: path, Reason: fmt.Sprintf("is %T, not %T", cur, zero)}
		}
		return u, nil
	})
}

// asJSONValue re-decodes a value that encodes as a JSON object or array
// into map[string]any or []any, numbers as json.Number.
func asJSONValue(v any) (any, bool) {
	data, err := json.Marshal(v)
	if err != nil || len(data) == 0 || (data[0] != '{' && data[0] != '[') {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var out any
	if d.Decode(&out) != nil {
		return nil, false
	}
	return out, true
}

func stepInto(cur any, step string) (any, string) {
	index := func(n int) (int, string) {
		i, err := strconv.Atoi(step)
		if err != nil || i < 0 {
			return 0, "a list needs an index, not " + strconv.Quote(step)
		}
		if i >= n {
			return 0, "index " + step + " out of range (length " + strconv.Itoa(n) + ")"
		}
		return i, ""
	}
	switch c := cur.(type) {
	case map[string]any:
		if v, ok := c[step]; ok {
			return v, ""
		}
	case map[string]map[string]any:
		if v, ok := c[step]; ok {
			return v, ""
		}
	case []any:
		i, reason := index(len(c))
		if reason != "" {
			return nil, reason
		}
		return c[i], ""
	case []map[string]any:
		i, reason := index(len(c))
		if reason != "" {
			return nil, reason
		}
		return c[i], ""
	default:
		// a typed object, or a map or list of them: step into its JSON
		if generic, ok := asJSONValue(cur); ok {
			return stepInto(generic, step)
		}
		return nil, fmt.Sprintf("cannot step into %T", cur)
	}
	return nil, "no member " + strconv.Quote(step)
}
