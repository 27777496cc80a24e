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

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
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
//     grow with the number of rooms cached either. The lookup goes through
//     the core's retry policy (hmsapi.WithRetryPolicy), since callers wait
//     on it: when every attempt fails it has sent 1+MaxRetries requests, 4
//     with hmsapi.DefaultRetryPolicy (and one more after a refused token,
//     as every call through the core does).
//   - A code older than TTL is still answered at once, and one background
//     refresh asks the API for a newer one (stale-while-revalidate). A
//     refresh sends one request, without the core's retries: the cache
//     has its own schedule for them. While refreshes fail (a transport
//     error, 401, 429 or 5xx) the old code keeps being served, up to
//     TTL+MaxStale after it was fetched, and the next refresh waits
//     RefreshBackoff (or the API's Retry-After, if longer, up to the
//     bound given on CacheConfig.RefreshBackoff). A refresh that finds
//     the room, role or code gone (403, 404, no enabled code) drops the
//     entry.
//   - A lookup that fails in the same way, for a key with no code fit to
//     serve, is remembered for RefreshBackoff (or the API's Retry-After,
//     if longer, within the same bound), and callers in that period get
//     its error at once. So an outage costs the API, per key and per
//     backoff, one request for a key with a code to serve, and one lookup
//     (up to 1+MaxRetries requests) for a key without: never one per wave
//     of callers. When the API answers that the room, role or code does
//     not exist, nothing is remembered, and the next caller asks again.
//   - An entry not used for TTL+MaxStale is removed, and never more than
//     MaxEntries are held (Len never exceeds it): once more than nine
//     tenths of MaxEntries are held, the least recently used are removed
//     down to eight tenths. Removal runs in the background, so Len may
//     count removed entries for a moment; should new rooms arrive faster
//     than it removes them, a code looked up while the cache is full is
//     answered but not kept, and its next caller asks the API again.
//     Memory stays bounded on a server that sees new rooms all day.
//
// Every time the cache reads comes from the client's clock
// (hmsapi.WithClock). A Cache is safe for concurrent use.
type Cache struct {
	client  *Client
	cfg     CacheConfig
	now     func() time.Time
	tel     cacheTelemetry
	entries sync.Map // cacheKey -> *cacheEntry; its reads take no lock
	// count is the number of entries held plus those about to be stored:
	// a slot is taken (reserve) before an entry is published and given
	// back after it is removed, so that the map never holds more than
	// count, and count never exceeds MaxEntries.
	count atomic.Int64
	// high and low are the marks of the size bound: a new entry that takes
	// count above high starts a sweep, which removes the least recently
	// used down to low.
	high, low int64
	lookups   singleflight.Group
	// invalidations counts Invalidate calls: a lookup that started before
	// one does not store its answer, so that an invalidated code is not put
	// back by a reply already on its way.
	invalidations atomic.Uint64

	sweeping  atomic.Bool  // a sweep goroutine runs
	again     atomic.Bool  // a sweep was asked for while one ran
	lastSweep atomic.Int64 // unix nanoseconds, by the clock
}

// maxRetryAfter is the longest Retry-After the cache honours when it is
// longer than RefreshBackoff: hmsapi.DefaultRetryPolicy's MaxRetryAfter.
const maxRetryAfter = 30 * time.Second

// Defaults of CacheConfig.
const (
	DefaultCacheTTL       = 5 * time.Minute
	DefaultMaxStale       = time.Hour
	DefaultLookupTimeout  = 4 * time.Second
	DefaultRefreshBackoff = 10 * time.Second
	DefaultMaxEntries     = 100_000
)

// CacheConfig configures a Cache. Zero fields take the defaults.
type CacheConfig struct {
	// TTL is how long a code is served before it is refreshed in the
	// background, DefaultCacheTTL by default.
	TTL time.Duration
	// MaxStale is how long past its TTL a code may still be served while
	// refreshes fail, DefaultMaxStale by default.
	MaxStale time.Duration
	// RefreshBackoff is the wait after a failed refresh before the next
	// one, and how long a failed lookup is remembered,
	// DefaultRefreshBackoff by default. A longer Retry-After from the API
	// wins, up to 30 seconds (the longest Retry-After the core waits for
	// under hmsapi.DefaultRetryPolicy) or RefreshBackoff, whichever is
	// longer: a Retry-After of hours, as a proxy or load balancer may send,
	// must not stop the key's callers from reaching the API, nor, for a
	// key with no code to serve, fail them all, until the entry is removed.
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
	// DefaultMaxEntries by default. It is a hard bound; see Cache for how
	// entries are removed to stay under it.
	MaxEntries int
	// Logger receives a warning whenever a refresh fails and a stale code
	// is served, and whenever a lookup fails and its error is remembered
	// for the backoff; nothing is logged by default.
	Logger *slog.Logger
	// MeterProvider receives the cache's metric,
	// sipconnect.roomcode.cache.lookups{result}: one per call of Code,
	// result being hit, stale, miss or error (docs/metrics.md). Nil means
	// the global provider, otel.GetMeterProvider, a no-op unless the
	// application installs an SDK.
	MeterProvider metric.MeterProvider
	// TracerProvider receives a span, "roomcode.cache.lookup", for each
	// lookup the cache sends to the API on a miss and each background
	// refresh, the parent of the API request's span. Nil means the global
	// provider, otel.GetTracerProvider.
	TracerProvider trace.TracerProvider
}

type cacheKey struct{ roomID, role string }

// ErrNoCode is returned by Cache.Code when the room's role has no enabled
// code (and CreateIfMissing is off).
var ErrNoCode = errors.New("roomcode: no enabled room code")

// cacheEntry is one (room, role). Its fields are read and written with
// atomics, so a hit takes no lock.
type cacheEntry struct {
	v          atomic.Pointer[cached] // nil while no code was fetched
	used       atomic.Int64           // when last read, unix nanoseconds, kept to within a second
	refreshing atomic.Bool            // a background refresh is running
	// failed is the last failed lookup or refresh, until a lookup
	// succeeds: no request for the key is sent before its until.
	failed atomic.Pointer[failure]
}

type cached struct {
	code    RoomCode
	fetched int64 // unix nanoseconds
}

// failure is a failed lookup, remembered for its backoff.
type failure struct {
	err   error
	until int64 // unix nanoseconds
}

// backingOff reports whether f is a failure whose backoff has not passed
// at now.
func (f *failure) backingOff(now int64) bool { return f != nil && now < f.until }

// NewCache returns a cache in front of client. It reads the time from the
// client's clock.
func NewCache(client *Client, cfg CacheConfig) *Cache {
	cfg.TTL = positiveOr(cfg.TTL, DefaultCacheTTL)
	cfg.MaxStale = positiveOr(cfg.MaxStale, DefaultMaxStale)
	cfg.RefreshBackoff = positiveOr(cfg.RefreshBackoff, DefaultRefreshBackoff)
	cfg.LookupTimeout = positiveOr(cfg.LookupTimeout, DefaultLookupTimeout)
	cfg.MaxEntries = positiveOr(cfg.MaxEntries, DefaultMaxEntries)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	maxEntries := int64(cfg.MaxEntries)
	high := min(maxEntries*9/10, maxEntries-1)
	low := min(maxEntries*8/10, high)
	c := &Cache{client: client, cfg: cfg, now: client.api.Now, high: high, low: low,
		tel: newCacheTelemetry(cfg.MeterProvider, cfg.TracerProvider)}
	c.lastSweep.Store(c.now().UnixNano())
	return c
}

// positiveOr returns v, or def when v is not positive: a CacheConfig field left
// zero (or set negative) takes its default.
func positiveOr[T ~int | ~int64](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Code returns the enabled code for the room's role. It returns an error
// wrapping ErrNoCode when the room has none (and CreateIfMissing is off),
// the API's error when the API fails and nothing usable is cached (at
// once, while a failed lookup is remembered), or the context's error when
// ctx ends first.
func (c *Cache) Code(ctx context.Context, roomID, role string) (RoomCode, error) {
	key := cacheKey{roomID, role}
	now := c.now().UnixNano()
	c.maybeSweep(now)
	e := c.entry(key)
	if e != nil {
		if got := c.usable(e, now); got != nil {
			// Written at most once a second, so that parallel hits do not
			// contend for the entry's cache line.
			if now-e.used.Load() > int64(time.Second) {
				e.used.Store(now)
			}
			if time.Duration(now-got.fetched) >= c.cfg.TTL {
				c.tel.lookups.Add(ctx, 1, c.tel.stale...)
				c.refreshInBackground(key, e, now)
			} else {
				c.tel.lookups.Add(ctx, 1, c.tel.hit...)
			}
			return got.code, nil
		}
		if f := e.failed.Load(); f.backingOff(now) {
			c.tel.lookups.Add(ctx, 1, c.tel.error...)
			return RoomCode{}, f.err
		}
	}
	code, err := c.miss(ctx, key)
	if err != nil {
		c.tel.lookups.Add(ctx, 1, c.tel.error...)
	} else {
		c.tel.lookups.Add(ctx, 1, c.tel.miss...)
	}
	return code, err
}

// entry returns the key's entry, or nil.
func (c *Cache) entry(key cacheKey) *cacheEntry {
	v, ok := c.entries.Load(key)
	if !ok {
		return nil
	}
	return v.(*cacheEntry)
}

// usable returns e's code when it may still be served at now: younger
// than TTL+MaxStale.
func (c *Cache) usable(e *cacheEntry, now int64) *cached {
	got := e.v.Load()
	if got == nil || time.Duration(now-got.fetched) >= c.cfg.TTL+c.cfg.MaxStale {
		return nil
	}
	return got
}

// Invalidate drops the cached code of the room's role, if any, and the
// failure remembered for it, so that the next caller asks the API. A
// lookup or refresh already under way does not put the code back, and a
// caller that comes after Invalidate returns does not join a lookup begun
// before it: it starts a new one. Callers already waiting for the old
// lookup get its answer.
func (c *Cache) Invalidate(roomID, role string) {
	c.invalidations.Add(1)
	key := cacheKey{roomID, role}
	c.lookups.Forget(key.flight())
	c.remove(key)
}

// flight is the key's name in c.lookups.
func (k cacheKey) flight() string { return k.roomID + "\x00" + k.role }

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

// reserve takes the slot of a new entry, to be published next or given
// back with c.count.Add(-1). It reports false, and takes nothing, when
// MaxEntries are held. A slot that takes the count above the high mark,
// or a cache found full, starts a sweep.
func (c *Cache) reserve() bool {
	for {
		n := c.count.Load()
		if n >= int64(c.cfg.MaxEntries) {
			c.startSweep()
			return false
		}
		if c.count.CompareAndSwap(n, n+1) {
			if n+1 > c.high {
				c.startSweep()
			}
			return true
		}
	}
}

// publish stores fresh as the key's entry unless the key has one already,
// which it returns instead. It returns nil when the key has none and the
// cache is full: fresh is not kept.
func (c *Cache) publish(key cacheKey, fresh *cacheEntry) *cacheEntry {
	if e := c.entry(key); e != nil {
		return e
	}
	if !c.reserve() {
		return nil
	}
	v, loaded := c.entries.LoadOrStore(key, fresh)
	if loaded {
		c.count.Add(-1)
	}
	return v.(*cacheEntry)
}

// Len returns the number of (room, role) pairs the cache holds, for
// monitoring; it never exceeds MaxEntries.
func (c *Cache) Len() int { return int(c.count.Load()) }

// miss looks the key up. The lookup runs detached from ctx, bounded by
// LookupTimeout, and is shared through c.lookups: a caller whose ctx ends
// returns at once, and the next caller joins the same lookup instead of
// sending another request, unless Invalidate has forgotten it.
func (c *Cache) miss(ctx context.Context, key cacheKey) (RoomCode, error) {
	ch := c.lookups.DoChan(key.flight(), func() (any, error) {
		// A lookup that finished between this caller's miss and its joining
		// the flight has stored its answer, or its failure: use it rather
		// than ask again.
		now := c.now().UnixNano()
		if e := c.entry(key); e != nil {
			if got := c.usable(e, now); got != nil {
				return got.code, nil
			}
			if f := e.failed.Load(); f.backingOff(now) {
				return RoomCode{}, f.err
			}
		}
		gen := c.invalidations.Load()
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.LookupTimeout)
		defer cancel()
		code, err := c.lookup(lctx, key, false)
		switch {
		case err == nil:
			c.store(key, nil, code, gen)
			return code, nil
		case gone(err):
			c.remove(key)
		case !inputError(err):
			c.fail(ctx, key, nil, err)
		}
		return RoomCode{}, err
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
		if c.entry(key) != e {
			return
		}
	} else {
		// Filled in before it is published, so that a sweep never sees it
		// unused since 1970.
		fresh := &cacheEntry{}
		fresh.used.Store(now)
		fresh.v.Store(&cached{code: code, fetched: now})
		if e = c.publish(key, fresh); e == fresh || e == nil {
			return
		}
	}
	e.used.Store(now)
	e.failed.Store(nil)
	e.v.Store(&cached{code: code, fetched: now})
}

// fail remembers err, the failure of a lookup or of a refresh of e, for
// the backoff. A refresh passes the entry it refreshed, e, and remembers
// the failure only in that entry, if it is still the key's; a lookup
// passes nil, and remembers it in the key's entry, made if need be (when
// the cache is not full). Unlike a code, a failure is remembered even when
// Invalidate was called while the request was out: the failure was the
// API's, whatever the application changed meanwhile.
func (c *Cache) fail(ctx context.Context, key cacheKey, e *cacheEntry, err error) {
	wait := c.cfg.RefreshBackoff
	var apiErr *hmsapi.APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > wait {
		wait = min(apiErr.RetryAfter, max(c.cfg.RefreshBackoff, maxRetryAfter))
	}
	now := c.now()
	f := &failure{err: err, until: now.Add(wait).UnixNano()}
	if e != nil {
		if c.entry(key) != e {
			return
		}
		e.failed.Store(f)
		c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roomcode: refreshing a room code failed; serving the stale one",
			slog.String("room_id", key.roomID), slog.String("role", key.role), slog.String("error", err.Error()),
			slog.Duration("backoff", wait))
		return
	}
	fresh := &cacheEntry{}
	fresh.used.Store(now.UnixNano())
	fresh.failed.Store(f)
	if e = c.publish(key, fresh); e == nil {
		return
	}
	e.failed.Store(f)
	c.cfg.Logger.LogAttrs(ctx, slog.LevelWarn, "roomcode: looking up a room code failed; its callers get this error until the backoff has passed",
		slog.String("room_id", key.roomID), slog.String("role", key.role), slog.String("error", err.Error()),
		slog.Duration("backoff", wait))
}

// refreshInBackground starts one refresh of a stale entry, unless one is
// running or the backoff after a failed one has not passed.
func (c *Cache) refreshInBackground(key cacheKey, e *cacheEntry, now int64) {
	if e.failed.Load().backingOff(now) || !e.refreshing.CompareAndSwap(false, true) {
		return
	}
	gen := c.invalidations.Load()
	go func() {
		defer e.refreshing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), c.cfg.LookupTimeout)
		defer cancel()
		code, err := c.lookup(ctx, key, true)
		switch {
		case err == nil:
			c.store(key, e, code, gen)
		case gone(err):
			c.removeEntry(key, e)
		default:
			c.fail(ctx, key, e, err)
		}
	}()
}

// gone reports whether err says that the room, role or code no longer
// exists, so that a cached code must not be served.
func gone(err error) bool {
	return errors.Is(err, ErrNoCode) || errors.Is(err, hmsapi.ErrNotFound) || errors.Is(err, hmsapi.ErrForbidden)
}

// inputError reports whether err refused the key before anything was
// sent: there is no request to back off from.
func inputError(err error) bool {
	var in *hmsapi.InputError
	return errors.As(err, &in)
}

// maybeSweep starts a sweep when the last one is older than the TTL, so
// that entries nobody uses any more are removed even when no new room
// arrives.
func (c *Cache) maybeSweep(now int64) {
	if time.Duration(now-c.lastSweep.Load()) >= c.cfg.TTL {
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

// sweep removes the entries not used for TTL+MaxStale and those that only
// remember a failure whose backoff has passed, then, when more than the
// high mark are left, the least recently used down to the low mark, so
// that the cache is not swept again at the next miss, and new entries find
// room while the next sweep runs.
func (c *Cache) sweep() {
	now := c.now().UnixNano()
	unused := int64(c.cfg.TTL + c.cfg.MaxStale)
	type aged struct {
		key  cacheKey
		e    *cacheEntry
		used int64
	}
	var kept []aged
	c.entries.Range(func(k, v any) bool {
		key, e := k.(cacheKey), v.(*cacheEntry)
		used := e.used.Load()
		if now-used > unused || e.v.Load() == nil && !e.failed.Load().backingOff(now) {
			c.removeEntry(key, e)
		} else {
			kept = append(kept, aged{key, e, used})
		}
		return true
	})
	if int64(len(kept)) <= c.high {
		return
	}
	slices.SortFunc(kept, func(a, b aged) int { return cmp.Compare(a.used, b.used) })
	for _, a := range kept[:int64(len(kept))-c.low] {
		c.removeEntry(a.key, a.e)
	}
}

// lookup asks the API for an enabled code of the role, creating one if
// none exists and the cache is configured to. once sends each request
// without the core's retries.
func (c *Cache) lookup(ctx context.Context, key cacheKey, once bool) (RoomCode, error) {
	ctx, span := c.tel.tracer.Start(ctx, "roomcode.cache.lookup")
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(attribute.Bool("roomcode.cache.refresh", once))
	}
	page, err := c.client.list(ctx, key.roomID, &ListOptions{Role: key.role, Enabled: EnabledOnly}, once)
	if err != nil {
		return RoomCode{}, err
	}
	for _, rc := range page.Data {
		if rc.Enabled && rc.Role == key.role {
			return rc, nil
		}
	}
	if c.cfg.CreateIfMissing {
		rc, err := c.client.createForRole(ctx, key.roomID, key.role, once)
		if err != nil {
			return RoomCode{}, err
		}
		if rc.Enabled {
			return rc, nil
		}
	}
	return RoomCode{}, fmt.Errorf("%w for room %s, role %s", ErrNoCode, key.roomID, key.role)
}
