// Package store is the small shared-state interface that the PIN flow (PIN
// directory, lockout counters), the 100ms webhook receiver (event dedupe) and
// the phone roster keep their state behind, so that several server instances
// can share it.
//
// Every operation of [Store] is one atomic step on the store's side, as
// Redis's own commands are (SET NX PX, INCR, HSET, LPUSH...): callers never
// read a value, change it and write it back, so two instances cannot
// overwrite each other's work.
//
// [NewMemory] is the in-memory implementation, for one process and for
// tests. Module github.com/hmssip/interconnect-go/store/redisstore holds the
// Redis implementation; it is a module of its own so that users who don't
// use Redis never download a Redis client. Package storetest is the contract
// test suite every implementation passes.
//
// # Keys, values and expiry
//
// A key is 1 to [MaxKeyLen] bytes, as is a hash field; a value is at most
// [MaxValueLen] bytes (it may be empty). Keys, fields and values are opaque
// bytes; an implementation may add a prefix of its own to keys. Each key
// holds one kind of value: a plain value (SetNX, IncrBy), a hash (HSet) or a
// list (PushCapped); using a key of one kind with an operation of another is
// an error that matches [ErrWrongType].
//
// Every ttl and window is a time.Duration: a key expires that long after the
// write that set it, and a ttl ≤ 0 means that the key does not expire.
// Expiry is exact to the millisecond; an expired key is absent for every
// operation.
//
// # Errors
//
// [ErrNotFound] means the key is absent or expired. [ErrUnavailable] means
// the store could not answer: it is down, too slow, full, or the context
// ended first. Callers on a call path use it to degrade, never to wait: a
// caller still gets an answer when the store is down. Both are matched with
// errors.Is; the cause is wrapped with them (a context's error too, so
// errors.Is(err, context.DeadlineExceeded) also holds when the context's
// deadline passed).
//
// [Instrument] wraps any Store so that each operation is timed
// (sipconnect.store.operation.duration) and each failure counted
// (sipconnect.store.errors) through an OpenTelemetry meter provider.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limits on keys, hash fields and values, the same for every implementation.
const (
	// MaxKeyLen is the longest key or hash field, in bytes.
	MaxKeyLen = 1024
	// MaxValueLen is the longest value, in bytes.
	MaxValueLen = 1 << 20
)

var (
	// ErrNotFound is returned by Get when the key is absent or has expired.
	ErrNotFound = errors.New("store: key not found")
	// ErrUnavailable means the store could not answer: down, too slow, full,
	// or the caller's context ended. The operation may or may not have taken
	// effect.
	ErrUnavailable = errors.New("store: unavailable")
	// ErrWrongType means the key holds a value of another kind than the
	// operation works on (a hash given to Get, a plain value given to HSet),
	// or IncrBy found a value that is not a decimal integer.
	ErrWrongType = errors.New("store: key holds the wrong kind of value")
	// ErrInvalid means an argument is out of bounds: an empty or too long key
	// or field, a too long value, a list cap below 1.
	ErrInvalid = errors.New("store: invalid argument")
)

// Store is shared state with expiry, as the PIN flow, the webhook receiver
// and the phone roster need it. Implementations are safe for concurrent use;
// every method honours its context and returns an error matching
// [ErrUnavailable] (and the context's error) when the context ends first.
// Values passed in and returned are copies: the caller may change them.
type Store interface {
	// SetNX stores value under key if the key is absent (or expired), with
	// the given time to live, and reports whether it stored it. A present
	// key, of any kind, is left unchanged. Used to handle each webhook event
	// id once, and to issue a PIN unique among live PINs. Redis: SET NX PX.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (stored bool, err error)

	// Get returns the plain value under key, or an error matching
	// [ErrNotFound] when the key is absent or expired. A counter made by
	// IncrBy reads as its decimal value ("3"). Used to resolve a PIN and to
	// read a caller's failure count. Redis: GET.
	Get(ctx context.Context, key string) ([]byte, error)

	// Delete removes key, of any kind, and reports whether it existed. Used
	// to revoke a PIN, and to forget an event id whose handling failed so
	// that a retry is handled. (A right PIN does not clear a caller's
	// failures: whoever holds one PIN could otherwise guess others without
	// ever being locked out.)
	// Redis: DEL.
	Delete(ctx context.Context, key string) (existed bool, err error)

	// IncrBy adds delta (which may be negative) to the counter under key
	// and returns the new count. A new counter (the key absent or expired)
	// starts at 0 and expires window after the increment that created it;
	// later increments do not move its expiry: a fixed window. Used to count
	// PIN attempts per caller number for the lockout: each attempt is
	// charged before the PIN is looked up, so that parallel calls cannot all
	// pass the check, and a right PIN gives its charge back. Redis: INCRBY,
	// then PEXPIRE when the key was new, in one Lua script.
	IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error)

	// HSet sets field of the hash under key to value, creating the hash if
	// needed, and in the same atomic step makes the whole key expire ttl
	// from now (ttl ≤ 0: the key no longer expires). Used for the roster:
	// one hash per room, one field per phone participant. Redis: HSET and
	// PEXPIRE (or PERSIST) in one Lua script.
	HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error

	// HDel removes field from the hash under key and reports whether it was
	// there; of several concurrent calls for one field exactly one reports
	// true. Removing the last field removes the key. Used when a phone
	// participant leaves: the instance that gets true records the ended
	// call. Redis: HDEL.
	HDel(ctx context.Context, key, field string) (existed bool, err error)

	// HGetAll returns every field of the hash under key; an absent key gives
	// an empty map and no error. Used to list the phone participants of a
	// room. Redis: HGETALL.
	HGetAll(ctx context.Context, key string) (map[string][]byte, error)

	// PushCapped puts value at the head of the list under key, keeps only
	// the newest maxLen elements (maxLen ≥ 1), and makes the key expire ttl from
	// now (ttl ≤ 0: the key no longer expires), all in one atomic step: a
	// bounded log shared by instances, such as an application's recent
	// events. (The phone roster keeps ended calls in a hash instead, one
	// field per peer, so that a leave delivered twice is recorded once.)
	// Redis: LPUSH, LTRIM and PEXPIRE (or PERSIST) in one Lua script.
	PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error

	// Range returns the elements of the list under key, newest first; an
	// absent key gives an empty slice and no error. Redis: LRANGE 0 -1.
	Range(ctx context.Context, key string) ([][]byte, error)
}

// checkKey returns an error matching ErrInvalid when key (or a hash field)
// is empty or longer than MaxKeyLen.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrInvalid)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: key of %d bytes, over the limit of %d", ErrInvalid, len(key), MaxKeyLen)
	}
	return nil
}

// checkValue returns an error matching ErrInvalid when value is longer than
// MaxValueLen.
func checkValue(value []byte) error {
	if len(value) > MaxValueLen {
		return fmt.Errorf("%w: value of %d bytes, over the limit of %d", ErrInvalid, len(value), MaxValueLen)
	}
	return nil
}

// ctxErr returns nil while ctx is live, and once it has ended an error
// matching both ErrUnavailable and ctx.Err().
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}
