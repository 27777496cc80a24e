package webhook

import (
	"context"
	"fmt"
)

// InTime runs f, which may be the application's code (a RoomFunc, an
// IdentityFunc, a PIN resolver), within ctx: when ctx ends first, f is
// abandoned to run on, its answer dropped, and the error says so, so that
// a callback that ignores its context (a database driver stuck on a dead
// connection) cannot hold a carrier's webhook past its deadline. A panic
// in f is an error too.
func InTime[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type answer struct {
		v   T
		err error
	}
	done := make(chan answer, 1)
	go func() {
		var a answer
		defer func() {
			if p := recover(); p != nil {
				a.err = fmt.Errorf("panic: %v", p)
			}
			done <- a
		}()
		a.v, a.err = f()
	}()
	select {
	case a := <-done:
		return a.v, a.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("no answer in time: %w", context.Cause(ctx))
	}
}
