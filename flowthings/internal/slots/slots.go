// Package slots bounds how many calls run at once and starts them in the
// order they lined up. flowthings.Batch and flowthings/lazy share it.
package slots

import (
	"context"
	"slices"
	"sync"
)

// Default is the number of slots of New(0); flowthings.DefaultConcurrency
// is the same number (a test checks).
const Default = 8

// Limiter hands out a fixed number of slots, first come, first served.
type Limiter struct {
	mu      sync.Mutex
	free    int
	waiters []chan struct{} // in line, oldest first; closed when granted
}

// New returns a limiter of n slots (Default if n <= 0).
func New(n int) *Limiter {
	if n <= 0 {
		n = Default
	}
	return &Limiter{free: n}
}

// Ticket is a place in line.
type Ticket struct {
	l  *Limiter
	ch chan struct{}
}

// Line takes a place in line now; Wait on the ticket gets the slot.
func (l *Limiter) Line() Ticket {
	t := Ticket{l: l, ch: make(chan struct{})}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.free > 0 && len(l.waiters) == 0 {
		l.free--
		close(t.ch)
	} else {
		l.waiters = append(l.waiters, t.ch)
	}
	return t
}

// Wait blocks until the ticket's slot is granted, or ctx ends: then it
// leaves the line (handing on a slot granted meanwhile) and returns ctx's
// error. Once Wait returned nil, the caller must Release.
func (t Ticket) Wait(ctx context.Context) error {
	select {
	case <-t.ch: // a granted slot wins over an ended context
		return nil
	default:
	}
	select {
	case <-t.ch:
		return nil
	case <-ctx.Done():
	}
	l := t.l
	l.mu.Lock()
	if i := slices.Index(l.waiters, t.ch); i >= 0 {
		l.waiters = slices.Delete(l.waiters, i, i+1)
		l.mu.Unlock()
		return ctx.Err()
	}
	l.mu.Unlock()
	l.Release() // granted while ctx ended: pass the slot on
	return ctx.Err()
}

// Release returns a slot: to the oldest ticket in line, or to the pool.
func (l *Limiter) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.waiters) > 0 {
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
		return
	}
	l.free++
}

// Run waits for t's slot and runs fn in it. It returns ctx's error, without
// running fn, when ctx ends first or has ended by the time the slot comes.
func Run(ctx context.Context, t Ticket, fn func(ctx context.Context)) error {
	if err := t.Wait(ctx); err != nil {
		return err
	}
	defer t.l.Release()
	if err := ctx.Err(); err != nil {
		return err
	}
	fn(ctx)
	return nil
}
