package roomcode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// Cache answers "the enabled room code for (room id, role)" from memory, so
// that a ringing phone does not wait on the API.
//
//   - A hit takes no lock and allocates nothing, and its cost does not grow
//     with the number of rooms cached.
//   - A miss asks the API once however many callers wait for the same key;
//     each caller stops waiting when its own context ends, while the lookup
//     carries on (up to LookupTimeout) for the others. Its cost does not
//     grow with the number of rooms cached either.
//   - A code older than TTL is still answered at once, and one background
//     refresh asks the API for a newer one (stale-while-revalidate). While
//     refreshes fail (a transport error, 401, 429 or 5xx) the old code keeps
//     being served, up to TTL+MaxStale after it was fetched, and the next
//     refresh waits RefreshBackoff (or the API's Retry-After, if longer), so
//     an outage costs the API one request per key per backoff, not one per
//     wave of callers. A refresh that finds the room, role or code gone
//     (403, 404, no enabled code) drops the entry.
//   - An entry not used for TTL+MaxStale is removed, and at most MaxEntries
//     are kept (the least recently used go first), so memory stays bounded
//     on a server that sees new rooms all day. Removal runs in the
//     background, so Len may count removed entries for a moment.
//
// Every time the cache reads comes from the client's clock
// (hmsapi.WithClock). A Cache is safe for concurrent use.
type Cache struct {
	client  *Client
	opts    CacheOptions
	now     func() time.Time
	entries sync.Map // cacheKey -> *cacheEntry; its reads take no lock
	count   atomic.Int64
	lookups singleflight.Group
	// invalidations counts Invalidate calls: a lookup that started before
	// one does not store its answer, so that an invalidated code is not put
	// back by a reply already on its way.
	invalidations atomic.Uint64

	sweeping  atomic.Bool  // a sweep goroutine runs
	again     atomic.Bool  // a sweep was asked for while one ran
	lastSweep atomic.Int64 // unix nanoseconds, by the clock
}

// Defaults of CacheOptions.
const (
	DefaultCacheTTL       = 5 * time.Minute
	DefaultMaxStale       = time.Hour
	DefaultLookupTimeout  = 4 * time.Second
	DefaultRefreshBackoff = 10 * time.Second
	DefaultMaxEntries     = 100_000
)

// CacheOptions configure a Cache. Zero fields take the defaults.
type CacheOptions struct {
	// TTL is how long a code is served before it is refreshed in the
	// background, DefaultCacheTTL by default.
	TTL time.Duration
	// MaxStale is how long past its TTL a code may still be served while
	// refreshes fail, DefaultMaxStale by default.
	MaxStale time.Duration
	// RefreshBackoff is the wait after a failed refresh before the next
	// one, DefaultRefreshBackoff by default; a longer Retry-After from the
	// API wins.
	RefreshBackoff time.Duration
	// CreateIfMissing creates a code for the role when the room has no
	// enabled one.
	CreateIfMissing bool
	// LookupTimeout bounds one upstream lookup, shared by every caller
	// waiting for it, DefaultLookupTimeout by default: shorter than the
	// dial-in handler's default timeout (5 seconds), so that a lookup
	// fails, and the caller hears the fallback, before the handler gives
	// up on it.
	LookupTimeout time.Duration
	// MaxEntries bounds the number of (room, role) pairs held,
	// DefaultMaxEntries by default.
	MaxEntries int
	// Logger receives a warning whenever a refresh fails and a stale code
	// is served; nothing is logged by default.
	Logger *slog.Logger
}

type cacheKey struct{ roomID, role string }

// ErrNoCode is returned by Cache.Code when the room's role has no enabled
// code (and CreateIfMissing is off).
var ErrNoCode = errors.New("roomcode: no enabled room code")

// cacheEntry is one (room, role). Its fields are read and written with
// atomics, so a hit takes no lock.
type cacheEntry struct {
	v          atomic.Pointer[cached]
	used       atomic.Int64 // when last read, unix nanoseconds, kept to within a second
	refreshing atomic.Bool  // a background refresh is running
	nextTry    atomic.Int64 // no refresh before this, unix nanoseconds (backoff)
}

type cached struct {
	code    RoomCode
	fetched int64 // unix nanoseconds
}

// NewCache returns a cache in front of client. It reads the time from the
// client's clock.
func NewCache(client *Client, opts CacheOptions) *Cache {
	if opts.TTL <= 0 {
		opts.TTL = DefaultCacheTTL
	}
	if opts.MaxStale <= 0 {
		opts.MaxStale = DefaultMaxStale
	}
	if opts.RefreshBackoff <= 0 {
		opts.RefreshBackoff = DefaultRefreshBackoff
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = DefaultLookupTimeout
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Cache{client: client, opts: opts, now: client.api.Now}
	c.lastSweep.Store(c.now().UnixNano())
	return c
}

// Code returns the enabled code for the room's role. It returns an error
// wrapping ErrNoCode when the room has none (and CreateIfMissing is off),
// the API's error when the API fails and nothing usable is cached, or the
// context's error when ctx ends first.
func (c *Cache) Code(ctx context.Context, roomID, role string) (RoomCode, error) {
	key := cacheKey{roomID, role}
	now := c.now().UnixNano()
	c.maybeSweep(now)
	if e, got := c.usable(key, now); got != nil {
		// Written at most once a second, so that parallel hits do not
		// contend for the entry's cache line.
		if now-e.used.Load() > int64(time.Second) {
			e.used.Store(now)
		}
		if time.Duration(now-got.fetched) >= c.opts.TTL {
			c.refreshInBackground(key, e, now)
		}
		return got.code, nil
	}
	return c.miss(ctx, key)
}

// usable returns the key's entry and its code when the code may still be
// served: younger than TTL+MaxStale.
func (c *Cache) usable(key cacheKey, now int64) (*cacheEntry, *cached) {
	v, ok := c.entries.Load(key)
	if !ok {
		return nil, nil
	}
	e := v.(*cacheEntry)
	got := e.v.Load()
	if got == nil || time.Duration(now-got.fetched) >= c.opts.TTL+c.opts.MaxStale {
		return nil, nil
	}
	return e, got
}

// Invalidate drops the cached code of the room's role, if any. A lookup
// or refresh already under way does not put it back.
func (c *Cache) Invalidate(roomID, role string) {
	c.invalidations.Add(1)
	c.remove(cacheKey{roomID, role})
}

// remove drops the key's entry, whichever it is.
func (c *Cache) remove(key cacheKey) {
	if _, loaded := c.entries.LoadAndDelete(key); loaded {
		c.count.Add(-1)
	}
}

// removeEntry drops e if it is still the key's entry.
func (c *Cache) removeEntry(key cacheKey, e *cacheEntry) {
	if c.entries.CompareAndDelete(key, e) {
		c.count.Add(-1)
	}
}

// Len returns the number of (room, role) pairs the cache holds, for
// monitoring.
func (c *Cache) Len() int { return int(c.count.Load()) }

// miss looks the key up. The lookup runs detached from ctx, bounded by
// LookupTimeout, and is shared through c.lookups: a caller whose ctx ends
// returns at once, and the next caller joins the same lookup instead of
// sending another request.
func (c *Cache) miss(ctx context.Context, key cacheKey) (RoomCode, error) {
	ch := c.lookups.DoChan(key.roomID+"\x00"+key.role, func() (any, error) {
		// A lookup that finished between this caller's miss and its joining
		// the flight has stored its answer: use it rather than ask again.
		if _, got := c.usable(key, c.now().UnixNano()); got != nil {
			return got.code, nil
		}
		gen := c.invalidations.Load()
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.LookupTimeout)
		defer cancel()
		code, err := c.lookup(lctx, key)
		if err != nil {
			if gone(err) {
				c.remove(key)
			}
			return RoomCode{}, err
		}
		c.store(key, nil, code, gen)
		return code, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return RoomCode{}, r.Err
		}
		return r.Val.(RoomCode), nil
	case <-ctx.Done():
		return RoomCode{}, fmt.Errorf("roomcode: waiting for room code: %w", ctx.Err())
	}
}

// store keeps a code just fetched, unless the cache was invalidated since
// gen was read. A refresh passes the entry it refreshed, e, and stores only
// into that entry, if it is still the key's.
func (c *Cache) store(key cacheKey, e *cacheEntry, code RoomCode, gen uint64) {
	if c.invalidations.Load() != gen {
		return
	}
	now := c.now().UnixNano()
	if e != nil {
		if v, ok := c.entries.Load(key); !ok || v.(*cacheEntry) != e {
			return
		}
	} else {
		// Filled in before it is published, so that a sweep never sees it
		// unused since 1970.
		fresh := &cacheEntry{}
		fresh.used.Store(now)
		fresh.v.Store(&cached{code: code, fetched: now})
		v, loaded := c.entries.LoadOrStore(key, fresh)
		if !loaded {
			if c.count.Add(1) > int64(c.opts.MaxEntries) {
				c.startSweep()
			}
			return
		}
		e = v.(*cacheEntry)
	}
	e.used.Store(now)
	e.nextTry.Store(0)
	e.v.Store(&cached{code: code, fetched: now})
}

// refreshInBackground starts one refresh of a stale entry, unless one is
// running or the backoff after a failed one has not passed.
func (c *Cache) refreshInBackground(key cacheKey, e *cacheEntry, now int64) {
	if now < e.nextTry.Load() || !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	gen := c.invalidations.Load()
	go func() {
		defer e.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.LookupTimeout)
		defer cancel()
		code, err := c.lookup(ctx, key)
		switch {
		case err == nil:
			c.store(key, e, code, gen)
		case gone(err):
			c.removeEntry(key, e)
		default:
			wait := c.opts.RefreshBackoff
			var apiErr *hmsapi.APIError
			if errors.As(err, &apiErr) && apiErr.RetryAfter > wait {
				wait = apiErr.RetryAfter
			}
			e.nextTry.Store(c.now().Add(wait).UnixNano())
			c.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "roomcode: refreshing a room code failed; serving the stale one",
				slog.String("room_id", key.roomID), slog.String("role", key.role), slog.String("error", err.Error()))
		}
	}()
}

// gone reports whether err says that the room, role or code no longer
// exists, so that a cached code must not be served.
func gone(err error) bool {
	return errors.Is(err, ErrNoCode) || errors.Is(err, hmsapi.ErrNotFound) || errors.Is(err, hmsapi.ErrForbidden)
}

// maybeSweep starts a sweep when the last one is older than the TTL, so
// that entries nobody uses any more are removed even when no new room
// arrives.
func (c *Cache) maybeSweep(now int64) {
	if time.Duration(now-c.lastSweep.Load()) >= c.opts.TTL {
		c.startSweep()
	}
}

// startSweep runs a sweep in the background. Asked while one runs, it
// makes that one sweep again when done, so that no request is lost.
func (c *Cache) startSweep() {
	c.lastSweep.Store(c.now().UnixNano())
	c.again.Store(true)
	if !c.sweeping.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			for c.again.Swap(false) {
				c.sweep()
			}
			c.sweeping.Store(false)
			// A request that came after the last Swap and before the Store
			// found the flag set and left: take it up.
			if !c.again.Load() || !c.sweeping.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// sweep removes the entries not used for TTL+MaxStale, then, while more
// than MaxEntries are left, the least recently used down to nine tenths of
// MaxEntries, so that a full cache is not swept again at the next miss.
func (c *Cache) sweep() {
	now := c.now().UnixNano()
	unused := int64(c.opts.TTL + c.opts.MaxStale)
	type aged struct {
		key  cacheKey
		e    *cacheEntry
		used int64
	}
	var kept []aged
	c.entries.Range(func(k, v any) bool {
		key, e := k.(cacheKey), v.(*cacheEntry)
		if used := e.used.Load(); now-used > unused {
			c.removeEntry(key, e)
		} else {
			kept = append(kept, aged{key, e, used})
		}
		return true
	})
	if len(kept) <= c.opts.MaxEntries {
		return
	}
	slices.SortFunc(kept, func(a, b aged) int { return cmp.Compare(a.used, b.used) })
	for _, a := range kept[:len(kept)-c.opts.MaxEntries*9/10] {
		c.removeEntry(a.key, a.e)
	}
}

// lookup asks the API for an enabled code of the role, creating one if
// none exists and the cache is configured to.
func (c *Cache) lookup(ctx context.Context, key cacheKey) (RoomCode, error) {
	page, err := c.client.List(ctx, key.roomID, &ListOptions{Role: key.role, Enabled: EnabledOnly})
	if err != nil {
		return RoomCode{}, err
	}
	for _, rc := range page.Data {
		if rc.Enabled && rc.Role == key.role {
			return rc, nil
		}
	}
	if c.opts.CreateIfMissing {
		rc, err := c.client.CreateForRole(ctx, key.roomID, key.role)
		if err != nil {
			return RoomCode{}, err
		}
		if rc.Enabled {
			return rc, nil
		}
	}
	return RoomCode{}, fmt.Errorf("%w for room %s, role %s", ErrNoCode, key.roomID, key.role)
}
