package sipconnect

import (
	"context"
	"sync"
	"time"
)

// lazyDeadline is a context with a deadline whose timer is armed only when
// someone waits on it (Done) or asks how it ended (Err). Most calls are
// decided without either, from a static room or a cached code, and then
// cost no timer: context.WithTimeout arms one, with four allocations, on
// every request.
type lazyDeadline struct {
	context.Context // the request's context: values and its own end
	deadline        time.Time

	once   sync.Once
	armed  context.Context
	cancel context.CancelFunc
}

// withLazyDeadline returns parent bounded by d from now, and the function
// that releases its timer, if one was armed.
func withLazyDeadline(parent context.Context, d time.Duration) (*lazyDeadline, func()) {
	c := &lazyDeadline{Context: parent, deadline: time.Now().Add(d)}
	return c, c.release
}

func (c *lazyDeadline) arm() context.Context {
	c.once.Do(func() { c.armed, c.cancel = context.WithDeadline(c.Context, c.deadline) })
	return c.armed
}

// release stops the timer, if one was armed.
func (c *lazyDeadline) release() {
	c.once.Do(func() {}) // nothing can arm it any more
	if c.cancel != nil {
		c.cancel()
	}
}

// Deadline returns the earlier of the parent's deadline and c's.
func (c *lazyDeadline) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}

// Done arms the timer and returns the channel closed when c ends. Once
// released, c has ended.
func (c *lazyDeadline) Done() <-chan struct{} {
	if a := c.arm(); a != nil {
		return a.Done()
	}
	ended := make(chan struct{})
	close(ended)
	return ended
}

// Err reports how c ended, if it has.
func (c *lazyDeadline) Err() error {
	if a := c.arm(); a != nil {
		return a.Err()
	}
	// Released: the request is over, as after a context's cancel.
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}
