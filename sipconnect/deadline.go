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
// Err answers without arming, from the parent and the clock, and once it
// has answered an error it keeps answering the same one.
type lazyDeadline struct {
	context.Context // the parent: values and its own end
	deadline        time.Time

	once     sync.Once
	armed    atomic.Pointer[context.Context] // set when Done armed the timer
	cancel   context.CancelFunc
	ended    chan struct{} // Done's channel when released before arming
	released atomic.Bool
	err      atomic.Pointer[error] // the first error Err answered
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
	c.once.Do(func() { // never armed: nothing will arm it from now on
		c.ended = make(chan struct{})
		close(c.ended)
	})
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

// Done arms the timer and returns the channel closed when c ends: the same
// channel on every call.
func (c *lazyDeadline) Done() <-chan struct{} {
	c.once.Do(func() {
		armed, cancel := context.WithDeadline(c.Context, c.deadline)
		c.cancel = cancel
		c.armed.Store(&armed)
	})
	if a := c.armed.Load(); a != nil {
		return (*a).Done()
	}
	return c.ended
}

// Err reports how c ended, or nil while it has not.
func (c *lazyDeadline) Err() error {
	if e := c.err.Load(); e != nil {
		return *e
	}
	var err error
	if a := c.armed.Load(); a != nil {
		err = (*a).Err()
	} else if err = c.Context.Err(); err == nil {
		switch {
		case c.released.Load():
			err = context.Canceled
		case !time.Now().Before(c.deadline):
			err = context.DeadlineExceeded
		}
	}
	if err == nil {
		return nil
	}
	c.err.CompareAndSwap(nil, &err)
	return *c.err.Load()
}

// Value forwards to the armed context once there is one, so that the
// contexts derived from c see its cancellation directly instead of each
// watching it from a goroutine of their own.
func (c *lazyDeadline) Value(key any) any {
	if a := c.armed.Load(); a != nil {
		return (*a).Value(key)
	}
	return c.Context.Value(key)
}
