package flowthings

import (
	"context"
	"sync"

	"github.com/flowthings/flowthings-wasm/flowthings/internal/slots"
)

// DefaultConcurrency is the number of calls a Batch or a lazy group runs at
// once unless told otherwise.
const DefaultConcurrency = 8

// Batch is the reference client's async() workflow: queue calls with Add,
// then collect their results, in call order, with Results or
// ResultsWithErrors. Calls start as soon as they are added, at most
// concurrency at a time, in the order they were added.
//
//	b := flowthings.NewBatch(ctx, 4)
//	for _, path := range paths {
//		b.Add(func(ctx context.Context) (any, error) {
//			return flowthings.Result(c.Flow.FindMany(ctx, nil, filter.M("path").Eq(path)))
//		})
//	}
//	results, err := b.Results() // results[i] is a []*flowthings.Flow
//
// A Batch is safe for concurrent use.
type Batch struct {
	ctx   context.Context
	slots *slots.Limiter

	mu    sync.Mutex
	calls []*batchCall
}

type batchCall struct {
	fn   func(context.Context) (any, error)
	done chan struct{}
	out  Outcome
}

// Outcome is the result of one call of a Batch: the (error, value) pair of
// the reference client's results(with_exceptions=True).
type Outcome struct {
	Err   error
	Value any
}

// NewBatch returns an empty batch whose calls get ctx and run at most
// concurrency at a time (DefaultConcurrency if concurrency <= 0). Calls not
// started when ctx ends fail with its error without running.
func NewBatch(ctx context.Context, concurrency int) *Batch {
	return &Batch{ctx: ctx, slots: slots.New(concurrency)}
}

// Add queues a call and returns its index in the results.
func (b *Batch) Add(fn func(ctx context.Context) (any, error)) int {
	call := &batchCall{fn: fn, done: make(chan struct{})}
	b.mu.Lock()
	ticket := b.slots.Line() // calls start in the order they were added
	b.calls = append(b.calls, call)
	n := len(b.calls)
	b.mu.Unlock()
	go func() {
		defer close(call.done)
		if err := slots.Run(b.ctx, ticket, func(ctx context.Context) {
			call.out.Value, call.out.Err = call.fn(ctx)
		}); err != nil {
			call.out.Err = err
		}
	}()
	return n - 1
}

// Len is the number of calls added.
func (b *Batch) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.calls)
}

// ResultsWithErrors waits for every call added so far and returns their
// outcomes in call order.
func (b *Batch) ResultsWithErrors() []Outcome {
	b.mu.Lock()
	calls := append([]*batchCall(nil), b.calls...)
	b.mu.Unlock()
	out := make([]Outcome, len(calls))
	for i, c := range calls {
		<-c.done
		out[i] = c.out
	}
	return out
}

// Results waits for every call added so far and returns their values in
// call order, and the error of the first call (in call order) that failed,
// if any; the value of a failed call is nil.
func (b *Batch) Results() ([]any, error) {
	outcomes := b.ResultsWithErrors()
	values := make([]any, len(outcomes))
	var first error
	for i, o := range outcomes {
		values[i] = o.Value
		if o.Err != nil && first == nil {
			first = o.Err
		}
	}
	return values, first
}
