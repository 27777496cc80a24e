// Package redisstore is the Redis implementation of store.Store, on
// github.com/redis/go-redis/v9, for several server instances that share the
// PIN directory, the lockout counters, the phone roster and the dedupe of
// webhook events.
//
// It is a module of its own (github.com/hmssip/interconnect-go/store/redisstore)
// so that users of github.com/hmssip/interconnect-go who don't use Redis never
// download go-redis.
//
// Every operation is one of Redis's own atomic commands, or a Lua script
// where two steps must be one:
//
//	SetNX       SET key value PX ttl NX   (SETNX when ttl ≤ 0)
//	Get         GET
//	Delete      DEL
//	IncrBy      INCRBY, then PEXPIRE when the key was new      (Lua)
//	HSet        HSET, then PEXPIRE, or PERSIST when ttl ≤ 0    (Lua)
//	HDel        HDEL
//	HGetAll     HGETALL
//	PushCapped  LPUSH, LTRIM 0 max-1, then PEXPIRE or PERSIST   (Lua)
//	Range       LRANGE 0 -1
//
// Each call is bounded by a short timeout ([DefaultTimeout], see
// [WithTimeout]) on top of the caller's context, so that a call path never
// waits long on a slow or unreachable Redis: the call returns an error
// matching store.ErrUnavailable instead. It returns on time even when the
// client does not apply context deadlines to its socket reads (go-redis's
// ContextTimeoutEnabled is false by default): the command then finishes in
// the background, within the client's ReadTimeout. Make the client with
// ContextTimeoutEnabled: true so that go-redis itself gives up at the
// deadline. go-redis retries a command on some network errors; a retried SET
// NX whose first attempt reached Redis reports that it did not store, so
// prefer MaxRetries: -1 for the dedupe of events if that matters to you.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hmssip/interconnect-go/store"
)

// DefaultTimeout bounds each call when [WithTimeout] is not given.
const DefaultTimeout = 200 * time.Millisecond

// Option configures a [Store] made by [New].
type Option func(*Store)

// WithPrefix puts prefix in front of every key the store uses, so that
// several applications (or environments) can share one Redis database. The
// default is no prefix.
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.prefix = prefix }
}

// WithTimeout bounds each call to d (default [DefaultTimeout]) on top of
// the caller's context: a call that takes longer returns an error matching
// store.ErrUnavailable and context.DeadlineExceeded. d ≤ 0 keeps the
// default.
func WithTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// Store is a store.Store on Redis. It is safe for concurrent use; it does
// not own the client (closing the client is the caller's job).
type Store struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
}

var _ store.Store = (*Store)(nil)

// New returns a store on client: a *redis.Client, a *redis.ClusterClient
// (every operation uses one key, so each runs on one node) or any other
// redis.UniversalClient. It panics if client is nil.
func New(client redis.UniversalClient, opts ...Option) *Store {
	if client == nil {
		panic("redisstore: New needs a client")
	}
	s := &Store{client: client, timeout: DefaultTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// keepForARGV3 ends a script that wrote KEYS[1]: the key expires after
// ARGV[3] ms, or never for 0.
const keepForARGV3 = `
if tonumber(ARGV[3]) > 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[3])
else
	redis.call('PERSIST', KEYS[1])
end
return 1`

// The scripts for the operations that are two or three commands. KEYS[1]
// is the key; a ttl or window of 0 ms means no expiry.
var (
	incrScript = redis.NewScript(`
local new = redis.call('EXISTS', KEYS[1]) == 0
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
if new and tonumber(ARGV[1]) > 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n`)

	hsetScript = redis.NewScript(`
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])` + keepForARGV3)

	pushScript = redis.NewScript(`
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, ARGV[2])` + keepForARGV3)
)

// SetNX implements store.Store.SetNX with SET NX PX.
func (s *Store) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := valid(ctx, checkKeyValue(key, value)); err != nil {
		return false, err
	}
	value = clone(value)
	return do(ctx, s.timeout, func(ctx context.Context) (bool, error) {
		return s.client.SetNX(ctx, s.prefix+key, value, time.Duration(millis(ttl))*time.Millisecond).Result()
	})
}

// Get implements store.Store.Get with GET.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := valid(ctx, checkKey(key)); err != nil {
		return nil, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) ([]byte, error) {
		return s.client.Get(ctx, s.prefix+key).Bytes()
	})
}

// Delete implements store.Store.Delete with DEL.
func (s *Store) Delete(ctx context.Context, key string) (bool, error) {
	if err := valid(ctx, checkKey(key)); err != nil {
		return false, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) (bool, error) {
		n, err := s.client.Del(ctx, s.prefix+key).Result()
		return n > 0, err
	})
}

// IncrBy implements store.Store.IncrBy with INCRBY and PEXPIRE in a Lua
// script.
func (s *Store) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	if err := valid(ctx, checkKey(key)); err != nil {
		return 0, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) (int64, error) {
		return incrScript.Run(ctx, s.client, []string{s.prefix + key}, millis(window), delta).Int64()
	})
}

// HSet implements store.Store.HSet with HSET and PEXPIRE (or PERSIST) in a
// Lua script.
func (s *Store) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	if err := valid(ctx, checkKeyValue(key, value), checkKey(field)); err != nil {
		return err
	}
	value = clone(value)
	_, err := do(ctx, s.timeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, hsetScript.Run(ctx, s.client, []string{s.prefix + key}, field, value, millis(ttl)).Err()
	})
	return err
}

// HDel implements store.Store.HDel with HDEL.
func (s *Store) HDel(ctx context.Context, key, field string) (bool, error) {
	if err := valid(ctx, checkKey(key), checkKey(field)); err != nil {
		return false, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) (bool, error) {
		n, err := s.client.HDel(ctx, s.prefix+key, field).Result()
		return n > 0, err
	})
}

// HGetAll implements store.Store.HGetAll with HGETALL.
func (s *Store) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	if err := valid(ctx, checkKey(key)); err != nil {
		return nil, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) (map[string][]byte, error) {
		fields, err := s.client.HGetAll(ctx, s.prefix+key).Result()
		if err != nil {
			return nil, err
		}
		out := make(map[string][]byte, len(fields))
		for f, v := range fields {
			out[f] = []byte(v)
		}
		return out, nil
	})
}

// PushCapped implements store.Store.PushCapped with LPUSH, LTRIM and
// PEXPIRE (or PERSIST) in a Lua script.
func (s *Store) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	if err := valid(ctx, checkKeyValue(key, value)); err != nil {
		return err
	}
	if maxLen < 1 {
		return fmt.Errorf("%w: list cap %d, below 1", store.ErrInvalid, maxLen)
	}
	value = clone(value)
	_, err := do(ctx, s.timeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, pushScript.Run(ctx, s.client, []string{s.prefix + key}, value, maxLen-1, millis(ttl)).Err()
	})
	return err
}

// Range implements store.Store.Range with LRANGE 0 -1.
func (s *Store) Range(ctx context.Context, key string) ([][]byte, error) {
	if err := valid(ctx, checkKey(key)); err != nil {
		return nil, err
	}
	return do(ctx, s.timeout, func(ctx context.Context) ([][]byte, error) {
		list, err := s.client.LRange(ctx, s.prefix+key, 0, -1).Result()
		if err != nil {
			return nil, err
		}
		out := make([][]byte, len(list))
		for i, v := range list {
			out[i] = []byte(v)
		}
		return out, nil
	})
}

// result is what a command gives back.
type result[T any] struct {
	v   T
	err error
}

// do runs fn under the per-call timeout and returns its result, with the
// error in store's terms. It returns when ctx ends even if fn has not: fn
// then finishes in the background and its result is dropped, which is why
// fn gets only copies of the caller's values.
func do[T any](ctx context.Context, timeout time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, unavailable(err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan result[T], 1)
	go func() {
		v, err := fn(ctx)
		done <- result[T]{v, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return zero, mapError(ctx, r.err)
		}
		return r.v, nil
	case <-ctx.Done():
		return zero, unavailable(ctx.Err())
	}
}

// mapError turns a go-redis error into store's terms.
func mapError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, redis.Nil) {
		return store.ErrNotFound
	}
	var reply redis.Error
	if errors.As(err, &reply) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		msg := reply.Error()
		switch {
		case strings.Contains(msg, "WRONGTYPE"), strings.Contains(msg, "not an integer"):
			return fmt.Errorf("%w: %w", store.ErrWrongType, err)
		case busy(msg):
			return unavailable(err)
		default:
			return fmt.Errorf("redisstore: %w", err)
		}
	}
	// A connection that failed or timed out, a pool with no free
	// connection, a closed client, or the context's end.
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("%w: %w (%w)", store.ErrUnavailable, err, ctxErr)
	}
	return unavailable(err)
}

// busy reports whether a Redis error reply says that the server cannot
// serve now rather than that the command was wrong.
func busy(msg string) bool {
	for _, prefix := range []string{"LOADING", "BUSY", "MASTERDOWN", "READONLY", "OOM", "CLUSTERDOWN", "TRYAGAIN", "ERR max number of clients"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

func unavailable(cause error) error {
	return fmt.Errorf("%w: %w", store.ErrUnavailable, cause)
}

// millis is ttl in whole milliseconds as store.Store counts it: 0 for no
// expiry, at least 1 otherwise.
func millis(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return max(1, ttl.Milliseconds())
}

// valid returns the first error of the argument checks errs, unless ctx
// has ended: then an error matching store.ErrUnavailable, as the memory
// store gives, which looks at the context first.
func valid(ctx context.Context, errs ...error) error {
	if err := ctx.Err(); err != nil {
		return unavailable(err)
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", store.ErrInvalid)
	}
	if len(key) > store.MaxKeyLen {
		return fmt.Errorf("%w: key of %d bytes, over the limit of %d", store.ErrInvalid, len(key), store.MaxKeyLen)
	}
	return nil
}

func checkKeyValue(key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if len(value) > store.MaxValueLen {
		return fmt.Errorf("%w: value of %d bytes, over the limit of %d", store.ErrInvalid, len(value), store.MaxValueLen)
	}
	return nil
}

// clone copies value, never returning nil: the command may still be writing
// it after the call has returned on a timeout.
func clone(value []byte) []byte {
	return append([]byte{}, value...)
}
