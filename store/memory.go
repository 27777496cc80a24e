package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"strconv"
	"sync"
	"time"
)

// DefaultMaxEntries is the bound on entries of a [Memory] store made
// without [WithMaxEntries].
const DefaultMaxEntries = 1 << 20

// minSweepAt is the fewest entries at which a Memory store looks for expired
// keys to drop.
const minSweepAt = 1024

// Option configures a store made by [NewMemory].
type Option func(*Memory)

// WithClock makes the store measure time to live with now instead of
// time.Now. Tests give it a fake clock to make keys expire without waiting.
func WithClock(now func() time.Time) Option {
	return func(m *Memory) {
		if now != nil {
			m.now = now
		}
	}
}

// WithMaxEntries bounds the entries the store holds (default
// [DefaultMaxEntries]): a plain value or counter counts one, a hash one per
// field, a list one per element. A write that would go over the bound after
// expired keys are dropped fails with an error matching [ErrUnavailable]; it
// never evicts a live key. n < 1 keeps the default.
func WithMaxEntries(n int) Option {
	return func(m *Memory) {
		if n >= 1 {
			m.max = n
		}
	}
}

// Memory is the in-memory [Store]: the state of one process, for a single
// instance and for tests. It is safe for concurrent use and starts no
// goroutine.
//
// Expired keys are dropped when they are next touched, and by a sweep of
// the whole store that runs during a write once the entries have doubled
// since the last sweep (from at least 1024, and only if some key may have
// expired since): what the store holds stays within twice what was live at
// its last sweep, and [WithMaxEntries] bounds it all. A sweep costs time in
// proportion to the keys, paid once per doubling.
type Memory struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	keys    map[string]*entry
	entries int // the sum of size() over keys
	sweepAt int // the entries at which the next write sweeps
	// No key expires before earliest; hasEarliest is false when no key
	// has an expiry.
	earliest    time.Time
	hasEarliest bool
}

var _ Store = (*Memory)(nil)

type kind uint8

const (
	kindValue kind = iota + 1
	kindHash
	kindList
)

// entry is what a key holds: one of value, hash or list, as kind says.
type entry struct {
	kind    kind
	value   []byte
	hash    map[string][]byte
	list    [][]byte  // oldest first
	expires time.Time // zero: never
}

func (e *entry) size() int {
	switch e.kind {
	case kindHash:
		return len(e.hash)
	case kindList:
		return len(e.list)
	default:
		return 1
	}
}

// NewMemory returns an empty in-memory store.
func NewMemory(opts ...Option) *Memory {
	m := &Memory{
		now:     time.Now,
		max:     DefaultMaxEntries,
		keys:    make(map[string]*entry),
		sweepAt: minSweepAt,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// SetNX implements [Store.SetNX].
func (m *Memory) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := check(ctx, key, value); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.lookup(key, now) != nil {
		return false, nil
	}
	if err := m.grow(1, now); err != nil {
		return false, err
	}
	e := &entry{kind: kindValue, value: append([]byte{}, value...)}
	m.keys[key] = e
	m.expire(e, now, ttl)
	return true, nil
}

// Get implements [Store.Get].
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	if err := check(ctx, key, nil); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lookup(key, m.now())
	if e == nil {
		return nil, ErrNotFound
	}
	if e.kind != kindValue {
		return nil, ErrWrongType
	}
	return append([]byte{}, e.value...), nil
}

// Delete implements [Store.Delete].
func (m *Memory) Delete(ctx context.Context, key string) (bool, error) {
	if err := check(ctx, key, nil); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lookup(key, m.now())
	if e == nil {
		return false, nil
	}
	m.remove(key, e)
	return true, nil
}

// IncrBy implements [Store.IncrBy].
func (m *Memory) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	if err := check(ctx, key, nil); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.lookup(key, now)
	created := e == nil
	if created {
		if err := m.grow(1, now); err != nil {
			return 0, err
		}
		e = &entry{kind: kindValue}
		m.keys[key] = e
	}
	if e.kind != kindValue {
		return 0, ErrWrongType
	}
	var n int64
	if e.value != nil {
		var ok bool
		if n, ok = parseInteger(e.value); !ok {
			return 0, fmt.Errorf("%w: the value is not a decimal integer", ErrWrongType)
		}
	}
	if delta > 0 && n > math.MaxInt64-delta || delta < 0 && n < math.MinInt64-delta {
		return 0, errors.New("store: increment would overflow")
	}
	n += delta
	e.value = strconv.AppendInt(e.value[:0], n, 10)
	if created {
		m.expire(e, now, window)
	}
	return n, nil
}

// HSet implements [Store.HSet].
func (m *Memory) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	if err := check(ctx, key, value); err != nil {
		return err
	}
	if err := checkKey(field); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.lookup(key, now)
	if e != nil && e.kind != kindHash {
		return ErrWrongType
	}
	if e == nil || e.hash[field] == nil {
		if err := m.grow(1, now); err != nil {
			return err
		}
	}
	if e == nil {
		e = &entry{kind: kindHash, hash: make(map[string][]byte)}
		m.keys[key] = e
	}
	e.hash[field] = append([]byte{}, value...) // never nil: nil marks absence above
	m.expire(e, now, ttl)
	return nil
}

// HDel implements [Store.HDel].
func (m *Memory) HDel(ctx context.Context, key, field string) (bool, error) {
	if err := check(ctx, key, nil); err != nil {
		return false, err
	}
	if err := checkKey(field); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lookup(key, m.now())
	if e == nil {
		return false, nil
	}
	if e.kind != kindHash {
		return false, ErrWrongType
	}
	if _, ok := e.hash[field]; !ok {
		return false, nil
	}
	if len(e.hash) == 1 {
		m.remove(key, e)
		return true, nil
	}
	delete(e.hash, field)
	m.entries--
	return true, nil
}

// HGetAll implements [Store.HGetAll].
func (m *Memory) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	if err := check(ctx, key, nil); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lookup(key, m.now())
	if e == nil {
		return map[string][]byte{}, nil
	}
	if e.kind != kindHash {
		return nil, ErrWrongType
	}
	out := maps.Clone(e.hash)
	for f, v := range out {
		out[f] = append([]byte{}, v...)
	}
	return out, nil
}

// PushCapped implements [Store.PushCapped].
func (m *Memory) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	if err := check(ctx, key, value); err != nil {
		return err
	}
	if maxLen < 1 {
		return fmt.Errorf("%w: list cap %d, below 1", ErrInvalid, maxLen)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.lookup(key, now)
	if e != nil && e.kind != kindList {
		return ErrWrongType
	}
	old := 0
	if e != nil {
		old = len(e.list)
	}
	if grow := min(old+1, maxLen) - old; grow > 0 {
		if err := m.grow(grow, now); err != nil {
			return err
		}
	}
	if e == nil {
		e = &entry{kind: kindList}
		m.keys[key] = e
	}
	e.list = append(e.list, append([]byte{}, value...))
	if drop := len(e.list) - maxLen; drop > 0 {
		n := copy(e.list, e.list[drop:])
		clear(e.list[n:])
		e.list = e.list[:n]
		m.entries -= max(0, old-n) // the cap went down: fewer entries than before
	}
	m.expire(e, now, ttl)
	return nil
}

// Range implements [Store.Range].
func (m *Memory) Range(ctx context.Context, key string) ([][]byte, error) {
	if err := check(ctx, key, nil); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.lookup(key, m.now())
	if e == nil {
		return [][]byte{}, nil
	}
	if e.kind != kindList {
		return nil, ErrWrongType
	}
	out := make([][]byte, len(e.list))
	for i, v := range e.list {
		out[len(out)-1-i] = append([]byte{}, v...)
	}
	return out, nil
}

// check returns the error for an ended ctx, an invalid key or a too long
// value, ctx first.
func check(ctx context.Context, key string, value []byte) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	return checkValue(value)
}

// lookup returns the live entry under key, or nil, dropping it if it has
// expired. m.mu is held.
func (m *Memory) lookup(key string, now time.Time) *entry {
	e := m.keys[key]
	if e == nil {
		return nil
	}
	if !e.expires.IsZero() && !now.Before(e.expires) {
		m.remove(key, e)
		return nil
	}
	return e
}

// remove drops key, which holds e. m.mu is held.
func (m *Memory) remove(key string, e *entry) {
	delete(m.keys, key)
	m.entries -= e.size()
}

// expire sets when e expires: ttl after now, or never when ttl ≤ 0. m.mu is
// held.
func (m *Memory) expire(e *entry, now time.Time, ttl time.Duration) {
	if ttl <= 0 {
		e.expires = time.Time{}
		return
	}
	e.expires = now.Add(ttl.Truncate(time.Millisecond))
	if ttl < time.Millisecond {
		e.expires = now.Add(time.Millisecond) // as Redis: the shortest expiry is 1 ms
	}
	if !m.hasEarliest || e.expires.Before(m.earliest) {
		m.earliest, m.hasEarliest = e.expires, true
	}
}

// grow makes room for n more entries, sweeping expired keys when the store
// has doubled since the last sweep or would go over its bound, and fails
// with ErrUnavailable when the bound would still be passed. m.mu is held.
func (m *Memory) grow(n int, now time.Time) error {
	if m.entries+n > m.sweepAt || m.entries+n > m.max {
		m.sweep(now)
		m.sweepAt = max(2*m.entries, minSweepAt)
	}
	if m.entries+n > m.max {
		return fmt.Errorf("%w: memory store full (%d entries)", ErrUnavailable, m.max)
	}
	m.entries += n
	return nil
}

// sweep drops every expired key, when some key may have expired. m.mu is
// held.
func (m *Memory) sweep(now time.Time) {
	if !m.hasEarliest || now.Before(m.earliest) {
		return
	}
	m.hasEarliest = false
	for k, e := range m.keys {
		if e.expires.IsZero() {
			continue
		}
		if !now.Before(e.expires) {
			m.remove(k, e)
			continue
		}
		if !m.hasEarliest || e.expires.Before(m.earliest) {
			m.earliest, m.hasEarliest = e.expires, true
		}
	}
}

// parseInteger parses b as Redis parses a counter: an optional minus sign
// and decimal digits without a leading zero, within int64.
func parseInteger(b []byte) (int64, bool) {
	s := string(b)
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if digits == "" || (digits[0] == '0' && len(s) > 1) {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
