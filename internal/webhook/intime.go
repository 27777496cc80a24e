package webhook

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// MaxCallbacks bounds the callbacks of one Callbacks running at once.
const MaxCallbacks = 1024

// ErrTooManyCallbacks is InTime's error when MaxCallbacks already run.
var ErrTooManyCallbacks = errors.New("too many callbacks still running (a dependency that hangs?)")

// Callbacks counts the callbacks InTime runs for one handler.
type Callbacks struct{ running atomic.Int64 }

// InTime returns f(ctx, a), where f may be the application's code (a
// RoomFunc, an IdentityFunc, a PIN resolver), within ctx: when ctx ends
// first, f is abandoned to run on, its answer dropped, and the error says
// so, so that a callback that ignores its context (a database driver stuck
// on a dead connection) cannot hold a carrier's webhook past its deadline.
// A panic in f is an error too. a is passed by value, so that a caller
// that needs no InTime on its fast path copies nothing to the heap. At
// most MaxCallbacks of c's run at once, counting the abandoned ones still
// running; past that InTime returns ErrTooManyCallbacks at once, so that
// a hung dependency costs a bounded number of goroutines.
func InTime[A, T any](ctx context.Context, c *Callbacks, f func(context.Context, A) (T, error), a A) (T, error) {
	type answer struct {
		v   T
		err error
	}
	if c.running.Add(1) > MaxCallbacks {
		c.running.Add(-1)
		var zero T
		return zero, ErrTooManyCallbacks
	}
	done := make(chan answer, 1)
	go func() {
		var ans answer
		defer c.running.Add(-1)
		defer func() {
			if p := recover(); p != nil {
				ans.err = fmt.Errorf("panic: %v", p)
			}
			done <- ans
		}()
		ans.v, ans.err = f(ctx, a)
	}()
	select {
	case ans := <-done:
		return ans.v, ans.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("no answer in time: %w", context.Cause(ctx))
	}
}
