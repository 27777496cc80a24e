package sipconnect

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// lazyDeadline is a context with a deadline whose timer is armed only when
// someone waits on it (Done). Most calls are decided without waiting, from
// a static room, a cached code or a store in memory, and then cost no
// timer: context.WithTimeout arms one, with four allocations, every time.
// Err answers without arming, from the parent and the clock.
type lazyDeadline struct {
	context.Context // the parent: values and its own end
	deadline        time.Time

	once     sync.Once
	armed    atomic.Pointer[context.Context]
	cancel   context.CancelFunc
	released atomic.Bool
}

// withLazyDeadline returns parent bounded by d from now, and the function
// that releases it (and its timer, if one was armed), like a CancelFunc.
func withLazyDeadline(parent context.Context, d time.Duration) (*lazyDeadline, func()) {
	c := &lazyDeadline{Context: parent, deadline: time.Now().Add(d)}
	return c, c.release
}

// release ends c, stopping its timer if one was armed.
func (c *lazyDeadline) release() {
	c.released.Store(true)
	c.once.Do(func() {}) // nothing arms it from now on
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
	c.once.Do(func() {
		armed, cancel := context.WithDeadline(c.Context, c.deadline)
		c.cancel = cancel
		c.armed.Store(&armed)
	})
	if a := c.armed.Load(); a != nil {
		return (*a).Done()
	}
	ended := make(chan struct{})
	close(ended)
	return ended
}

// Err reports how c ended, or nil while it has not.
func (c *lazyDeadline) Err() error {
	if a := c.armed.Load(); a != nil {
		return (*a).Err()
	}
	if err := c.Context.Err(); err != nil {
		return err
	}
	switch {
	case !time.Now().Before(c.deadline):
		return context.DeadlineExceeded
	case c.released.Load():
		return context.Canceled
	}
	return nil
}
