package roster

import (
	"context"
	"fmt"
	"time"
)

// The roster's store calls: each waits at most the roster's Timeout. Its
// error wraps the store's (such as store.ErrNotFound) and, unless the
// store refused the call itself (store.ErrInvalid, store.ErrWrongType:
// no retry would do better), ErrUnavailable.

func storeCall[T any](ctx context.Context, r *Roster, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	v, err := f(ctx)
	switch {
	case err == nil:
		return v, nil
	case !retryable(err):
		return v, fmt.Errorf("roster: the store refused a call: %w", err)
	}
	return v, fmt.Errorf("%w: %w", ErrUnavailable, err)
}

func (r *Roster) get(ctx context.Context, key string) ([]byte, error) {
	return storeCall(ctx, r, func(ctx context.Context) ([]byte, error) { return r.cfg.Store.Get(ctx, key) })
}

func (r *Roster) setNX(ctx context.Context, key string, v []byte, ttl time.Duration) (bool, error) {
	return storeCall(ctx, r, func(ctx context.Context) (bool, error) { return r.cfg.Store.SetNX(ctx, key, v, ttl) })
}

// claim sets key to v unless it is set, and reports whether key is ours:
// set now, or found set to a value that ours accepts. A write of an
// earlier attempt may land late (a stalled Redis runs the commands it
// queued), so a retry finds its own value and goes on.
func (r *Roster) claim(ctx context.Context, key string, v []byte, ttl time.Duration, ours func(held []byte) bool) (bool, error) {
	stored, err := r.setNX(ctx, key, v, ttl)
	if err != nil || stored {
		return stored, err
	}
	held, err := r.get(ctx, key)
	if err != nil {
		return false, err
	}
	return ours(held), nil
}

func (r *Roster) incrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	return storeCall(ctx, r, func(ctx context.Context) (int64, error) { return r.cfg.Store.IncrBy(ctx, key, delta, window) })
}

func (r *Roster) hgetAll(ctx context.Context, key string) (map[string][]byte, error) {
	return storeCall(ctx, r, func(ctx context.Context) (map[string][]byte, error) { return r.cfg.Store.HGetAll(ctx, key) })
}

func (r *Roster) hset(ctx context.Context, key, field string, v []byte, ttl time.Duration) error {
	_, err := storeCall(ctx, r, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, r.cfg.Store.HSet(ctx, key, field, v, ttl)
	})
	return err
}

func (r *Roster) hdel(ctx context.Context, key, field string) error {
	_, err := storeCall(ctx, r, func(ctx context.Context) (bool, error) { return r.cfg.Store.HDel(ctx, key, field) })
	return err
}
