package storetest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hmssip/interconnect-go/store"
)

// Stalling wraps a store.Store and stalls it on demand as a Redis server
// stopped with SIGSTOP stalls: between [Stalling.Stall] and
// [Stalling.Resume] every call waits for its context to end and then fails
// with an error matching store.ErrUnavailable and the context's error, yet
// each write (SetNX, Delete, IncrBy, HSet, HDel, PushCapped) is kept and
// applied by Resume, in the order the calls were made, as Redis runs the
// commands that reached its socket while it was stopped. Reads fail and
// change nothing. Outside a stall every call goes straight to the wrapped
// store. It is safe for concurrent use.
//
// Use it to check that what a component writes during a stall cannot hurt
// it once the store comes back (a claim or a lock that outlives the caller
// who wrote it, a stale record overwriting a fresh one).
type Stalling struct {
	store.Store

	mu      sync.Mutex
	stalled bool
	queue   []func(context.Context)
}

// NewStalling returns s wrapped, not stalled.
func NewStalling(s store.Store) *Stalling {
	return &Stalling{Store: s}
}

// Stall makes every call from now on wait for its context to end and fail,
// and keeps the writes for Resume.
func (s *Stalling) Stall() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalled = true
}

// Resume applies, in order, the writes made since Stall and ends the stall.
// It returns how many writes it applied.
func (s *Stalling) Resume() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.queue {
		w(context.Background())
	}
	n := len(s.queue)
	s.queue, s.stalled = nil, false
	return n
}

// hold returns true, after ctx ends, when the store is stalled; write, if
// not nil, is kept for Resume.
func (s *Stalling) hold(ctx context.Context, write func(context.Context)) (bool, error) {
	s.mu.Lock()
	if !s.stalled {
		s.mu.Unlock()
		return false, nil
	}
	if write != nil {
		s.queue = append(s.queue, write)
	}
	s.mu.Unlock()
	<-ctx.Done()
	return true, fmt.Errorf("%w: stalled: %w", store.ErrUnavailable, ctx.Err())
}

// SetNX implements store.Store.SetNX.
func (s *Stalling) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	value = append([]byte{}, value...)
	if held, err := s.hold(ctx, func(ctx context.Context) { _, _ = s.Store.SetNX(ctx, key, value, ttl) }); held {
		return false, err
	}
	return s.Store.SetNX(ctx, key, value, ttl)
}

// Get implements store.Store.Get.
func (s *Stalling) Get(ctx context.Context, key string) ([]byte, error) {
	if held, err := s.hold(ctx, nil); held {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

// Delete implements store.Store.Delete.
func (s *Stalling) Delete(ctx context.Context, key string) (bool, error) {
	if held, err := s.hold(ctx, func(ctx context.Context) { _, _ = s.Store.Delete(ctx, key) }); held {
		return false, err
	}
	return s.Store.Delete(ctx, key)
}

// IncrBy implements store.Store.IncrBy.
func (s *Stalling) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	if held, err := s.hold(ctx, func(ctx context.Context) { _, _ = s.Store.IncrBy(ctx, key, delta, window) }); held {
		return 0, err
	}
	return s.Store.IncrBy(ctx, key, delta, window)
}

// HSet implements store.Store.HSet.
func (s *Stalling) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	value = append([]byte{}, value...)
	if held, err := s.hold(ctx, func(ctx context.Context) { _ = s.Store.HSet(ctx, key, field, value, ttl) }); held {
		return err
	}
	return s.Store.HSet(ctx, key, field, value, ttl)
}

// HDel implements store.Store.HDel.
func (s *Stalling) HDel(ctx context.Context, key, field string) (bool, error) {
	if held, err := s.hold(ctx, func(ctx context.Context) { _, _ = s.Store.HDel(ctx, key, field) }); held {
		return false, err
	}
	return s.Store.HDel(ctx, key, field)
}

// HGetAll implements store.Store.HGetAll.
func (s *Stalling) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	if held, err := s.hold(ctx, nil); held {
		return nil, err
	}
	return s.Store.HGetAll(ctx, key)
}

// PushCapped implements store.Store.PushCapped.
func (s *Stalling) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	value = append([]byte{}, value...)
	if held, err := s.hold(ctx, func(ctx context.Context) { _ = s.Store.PushCapped(ctx, key, value, maxLen, ttl) }); held {
		return err
	}
	return s.Store.PushCapped(ctx, key, value, maxLen, ttl)
}

// Range implements store.Store.Range.
func (s *Stalling) Range(ctx context.Context, key string) ([][]byte, error) {
	if held, err := s.hold(ctx, nil); held {
		return nil, err
	}
	return s.Store.Range(ctx, key)
}
