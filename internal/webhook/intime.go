package webhook

import (
	"context"
	"fmt"
)

// InTime returns f(ctx, a), where f may be the application's code (a
// RoomFunc, an IdentityFunc, a PIN resolver), within ctx: when ctx ends
// first, f is abandoned to run on, its answer dropped, and the error says
// so, so that a callback that ignores its context (a database driver stuck
// on a dead connection) cannot hold a carrier's webhook past its deadline.
// A panic in f is an error too. a is passed by value, so that a caller
// that needs no InTime on its fast path copies nothing to the heap.
func InTime[A, T any](ctx context.Context, f func(context.Context, A) (T, error), a A) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		var ans answer
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
