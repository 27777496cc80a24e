package store

import (
	"context"
	"errors"
	"fmt"
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
// field, a list one per element. A write that would go over the bound
// evicts keys that have an expiry, the least recently used first (see
// [Memory]); it fails with an error matching [ErrUnavailable] only when
// every key left has none. n < 1 keeps the default.
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
// expired since), or, on a full store, once half as many entries as it
// holds have been written since the last sweep. A sweep costs time in
// proportion to the keys, paid once per that many writes.
//
// # When it is full
//
// The store holds at most [WithMaxEntries] entries ([DefaultMaxEntries],
// 1,048,576, by default). A write that needs room on a full store first
// drops expired keys, then evicts live keys that have an expiry, the least
// recently used first (a read or write of a key is a use), as Redis's
// volatile-lru policy does. It never refuses a write while such a key is
// left: a full store of old call records, roster entries and dedupe marks
// makes room for the new caller's.
//
// Keys without an expiry are never evicted: they are durable data, such as
// the PINs of a pin.Directory made without a TTL and the mark of
// an [Epoch], whose silent loss would answer right PINs as wrong (and
// charge the callers' lockouts) or report a wipe. A PIN therefore outlives
// every record that expires. Only a store whose every entry has no expiry
// refuses a write that needs room, with an error matching
// [ErrUnavailable].
//
// Least recently used rather than soonest to expire: the keys with short
// windows, the PIN lockout and rate-limit counters, are the ones in use
// (and those that guard the PINs when the pressure comes from an attacker),
// while the records of old calls, which expire a day after their last write
// and are rarely read again, are both the least recently used and, since
// their time to live is the same, the soonest to expire among themselves.
// A PIN issued with a TTL is evicted, if ever, only after every key used
// less recently than it.
//
// # Memory per call
//
// A complete call of the sipconnect PIN flow with the roster and the 100ms
// webhook receiver on this store (a PIN call from a number of its own, its
// join and its leave delivered once each) leaves about 13 entries and
// 3.4 KB of heap: for a day, the roster's tie of the call to its user id,
// its joined, left and notified-left marks and the two events' dedupe
// marks; for a week (roster.Config.RecordTTL), the call's record (a field
// per step), and its fields in the listings of calls, all and per room; for
// an hour, the caller number's PIN lockout counter; and a share of each
// room's recent calls (roster.Config.RecentCalls). The default bound
// therefore holds the last 80,000 or so complete calls, about 275 MB of
// heap, which is the memory to plan for; past that the least recently used
// are evicted. Measured with
//
//	go test -run TestMemoryPerCall -v ./store/
//
// which prints the entries and bytes per call.
type Memory struct {
	now func() time.Time
	max int

	mu      sync.Mutex
	keys    map[string]*entry
	entries int // the sum of size() over keys
	sweepAt int // the entries at which the next write sweeps
	grown   int // entries added since the last sweep
	evicted int64
	// lru links the keys that have an expiry, the most recently used
	// first: lru.next is the newest, lru.prev the next to be evicted.
	lru entry
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

	key        string // the entry's key, for eviction
	prev, next *entry // in Memory.lru while the key has an expiry
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
	m.lru.prev, m.lru.next = &m.lru, &m.lru
	for _, o := range opts {
		o(m)
	}
	return m
}

// SetNX implements [Store.SetNX].
func (m *Memory) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	set := false
	err := m.locked(ctx, key, value, 0, func(e *entry, now time.Time) error {
		if e != nil {
			return nil
		}
		if err := m.grow(1, now, nil); err != nil {
			return err
		}
		e = &entry{kind: kindValue, value: append([]byte{}, value...), key: key}
		m.keys[key] = e
		m.expire(e, now, ttl)
		set = true
		return nil
	})
	return set, err
}

// Get implements [Store.Get].
func (m *Memory) Get(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := m.locked(ctx, key, nil, kindValue, func(e *entry, _ time.Time) error {
		if e == nil {
			return ErrNotFound
		}
		out = append([]byte{}, e.value...)
		return nil
	})
	return out, err
}

// Delete implements [Store.Delete].
func (m *Memory) Delete(ctx context.Context, key string) (bool, error) {
	deleted := false
	err := m.locked(ctx, key, nil, 0, func(e *entry, _ time.Time) error {
		if e != nil {
			m.remove(key, e)
			deleted = true
		}
		return nil
	})
	return deleted, err
}

// IncrBy implements [Store.IncrBy].
func (m *Memory) IncrBy(ctx context.Context, key string, delta int64, window time.Duration) (int64, error) {
	var n int64
	err := m.locked(ctx, key, nil, kindValue, func(e *entry, now time.Time) error {
		created := e == nil
		if created {
			if err := m.grow(1, now, nil); err != nil {
				return err
			}
			e = &entry{kind: kindValue, key: key}
			m.keys[key] = e
		}
		if e.value != nil {
			var ok bool
			if n, ok = parseInteger(e.value); !ok {
				return fmt.Errorf("%w: the value is not a decimal integer", ErrWrongType)
			}
		}
		if delta > 0 && n > math.MaxInt64-delta || delta < 0 && n < math.MinInt64-delta {
			return errors.New("store: increment would overflow")
		}
		n += delta
		e.value = strconv.AppendInt(e.value[:0], n, 10)
		if created {
			m.expire(e, now, window)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// HSet implements [Store.HSet].
func (m *Memory) HSet(ctx context.Context, key, field string, value []byte, ttl time.Duration) error {
	return m.locked(ctx, key, value, kindHash, func(e *entry, now time.Time) error {
		if e == nil || e.hash[field] == nil {
			if err := m.grow(1, now, e); err != nil {
				return err
			}
		}
		if e == nil {
			e = &entry{kind: kindHash, hash: make(map[string][]byte), key: key}
			m.keys[key] = e
		}
		e.hash[field] = append([]byte{}, value...) // never nil: nil marks absence above
		m.expire(e, now, ttl)
		return nil
	}, field)
}

// HDel implements [Store.HDel].
func (m *Memory) HDel(ctx context.Context, key, field string) (bool, error) {
	deleted := false
	err := m.locked(ctx, key, nil, kindHash, func(e *entry, _ time.Time) error {
		if e == nil {
			return nil
		}
		if _, deleted = e.hash[field]; !deleted {
			return nil
		}
		if len(e.hash) == 1 {
			m.remove(key, e)
			return nil
		}
		delete(e.hash, field)
		m.entries--
		return nil
	}, field)
	return deleted, err
}

// HGetAll implements [Store.HGetAll].
func (m *Memory) HGetAll(ctx context.Context, key string) (map[string][]byte, error) {
	out := map[string][]byte{}
	err := m.locked(ctx, key, nil, kindHash, func(e *entry, _ time.Time) error {
		if e != nil {
			for f, v := range e.hash {
				out[f] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PushCapped implements [Store.PushCapped].
func (m *Memory) PushCapped(ctx context.Context, key string, value []byte, maxLen int, ttl time.Duration) error {
	return m.locked(ctx, key, value, 0, func(e *entry, now time.Time) error {
		if maxLen < 1 {
			return fmt.Errorf("%w: list cap %d, below 1", ErrInvalid, maxLen)
		}
		if e != nil && e.kind != kindList {
			return ErrWrongType
		}
		old := 0
		if e != nil {
			old = len(e.list)
		}
		if grow := min(old+1, maxLen) - old; grow > 0 {
			if err := m.grow(grow, now, e); err != nil {
				return err
			}
		}
		if e == nil {
			e = &entry{kind: kindList, key: key}
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
	})
}

// Range implements [Store.Range].
func (m *Memory) Range(ctx context.Context, key string) ([][]byte, error) {
	out := [][]byte{}
	err := m.locked(ctx, key, nil, kindList, func(e *entry, _ time.Time) error {
		if e != nil {
			out = make([][]byte, len(e.list))
			for i, v := range e.list {
				out[len(out)-1-i] = append([]byte{}, v...)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// locked checks ctx, key, value and fields, ctx first, then calls f with
// m.mu held, the time, and the live entry under key or nil. It fails with
// ErrWrongType, without calling f, when that entry holds a kind other than
// want (0 accepts any).
func (m *Memory) locked(ctx context.Context, key string, value []byte, want kind, f func(e *entry, now time.Time) error, fields ...string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkValue(value); err != nil {
		return err
	}
	for _, field := range fields {
		if err := checkKey(field); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	e := m.lookup(key, now)
	if e != nil && want != 0 && e.kind != want {
		return ErrWrongType
	}
	return f(e, now)
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
	if e.next != nil { // used: to the front
		m.unlink(e)
		m.link(e)
	}
	return e
}

// remove drops key, which holds e. m.mu is held.
func (m *Memory) remove(key string, e *entry) {
	delete(m.keys, key)
	m.entries -= e.size()
	if e.next != nil {
		m.unlink(e)
	}
}

// link puts e, which is not in m.lru, at its front. m.mu is held.
func (m *Memory) link(e *entry) {
	e.prev, e.next = &m.lru, m.lru.next
	m.lru.next.prev = e
	m.lru.next = e
}

// unlink takes e out of m.lru. m.mu is held.
func (m *Memory) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

// expire sets when e expires: ttl after now, or never when ttl ≤ 0, and
// puts e at the front of m.lru, or out of it. m.mu is held.
func (m *Memory) expire(e *entry, now time.Time, ttl time.Duration) {
	if e.next != nil {
		m.unlink(e)
	}
	if ttl <= 0 {
		e.expires = time.Time{}
		return
	}
	m.link(e)
	e.expires = now.Add(ttl.Truncate(time.Millisecond))
	if ttl < time.Millisecond {
		e.expires = now.Add(time.Millisecond) // as Redis: the shortest expiry is 1 ms
	}
	if !m.hasEarliest || e.expires.Before(m.earliest) {
		m.earliest, m.hasEarliest = e.expires, true
	}
}

// grow makes room for n more entries for the key that holds self (nil for
// a new key): it sweeps expired keys when the store has doubled since the
// last sweep, or is full and half its entries were written since the last
// sweep, then evicts the least recently used keys that have an expiry,
// other than self, while the bound would be passed. It fails with
// ErrUnavailable when it still would be. m.mu is held.
func (m *Memory) grow(n int, now time.Time, self *entry) error {
	if m.entries+n > m.sweepAt || m.entries+n > m.max && m.grown >= m.entries/2 {
		m.sweep(now)
		m.sweepAt = max(2*m.entries, minSweepAt)
		m.grown = 0
	}
	for victim := m.lru.prev; m.entries+n > m.max && victim != &m.lru; {
		next := victim.prev
		if victim != self {
			m.remove(victim.key, victim)
			m.evicted++
		}
		victim = next
	}
	if m.entries+n > m.max {
		return fmt.Errorf("%w: memory store full (%d entries) of keys that do not expire", ErrUnavailable, m.max)
	}
	m.entries += n
	m.grown += n
	return nil
}

// MemoryStats tells what a [Memory] store holds.
type MemoryStats struct {
	// Keys is the number of keys, Entries the entries they count for the
	// bound (one per plain value or counter, hash field, list element).
	// Both may include expired keys not yet dropped.
	Keys, Entries int
	// Evicted is how many live keys were evicted to make room since the
	// store was made.
	Evicted int64
}

// Stats returns what the store holds now.
func (m *Memory) Stats() MemoryStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return MemoryStats{Keys: len(m.keys), Entries: m.entries, Evicted: m.evicted}
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
