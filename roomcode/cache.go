package roomcode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/maypok86/otter/v2"
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
//     carries on (up to LookupTimeout) for the others.
//   - A code older than TTL is still answered at once, and one background
//     refresh asks the API for a newer one (stale-while-revalidate). While
//     refreshes fail (a transport error, 401, 429 or 5xx) the old code keeps
//     being served, up to TTL+MaxStale after it was fetched, and the next
//     refresh waits RefreshBackoff (or the API's Retry-After, if longer), so
//     an outage costs the API one request per key per backoff, not one per
//     wave of callers. A refresh that finds the room, role or code gone
//     (403, 404, no enabled code) drops the entry.
//   - An entry not refreshed for TTL+MaxStale expires, and at most
//     MaxEntries are kept (the least likely to be used again are evicted
//     first), so memory stays bounded on a server that sees new rooms
//     all day.
//
// Every time the cache reads comes from the client's clock
// (hmsapi.WithClock).
// A Cache is safe for concurrent use.
type Cache struct {
	client  *Client
	opts    CacheOptions
	cache   *otter.Cache[cacheKey, RoomCode]
	loader  otter.Loader[cacheKey, RoomCode]
	lookups singleflight.Group
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
	c := &Cache{client: client, opts: opts}
	c.loader = cacheLoader{c}
	o := &otter.Options[cacheKey, RoomCode]{
		MaximumSize:       opts.MaxEntries,
		ExpiryCalculator:  otter.ExpiryWriting[cacheKey, RoomCode](opts.TTL + opts.MaxStale),
		RefreshCalculator: refreshPolicy{ttl: opts.TTL, backoff: opts.RefreshBackoff},
		Logger:            quietLogger{},
	}
	if client.api.HasClock() {
		o.Clock = clientClock(client.api.Now)
	}
	c.cache = otter.Must(o)
	return c
}

// Code returns the enabled code for the room's role. It returns an error
// wrapping ErrNoCode when the room has none (and CreateIfMissing is off),
// the API's error when the API fails and nothing usable is cached, or the
// context's error when ctx ends first.
func (c *Cache) Code(ctx context.Context, roomID, role string) (RoomCode, error) {
	return c.cache.Get(ctx, cacheKey{roomID, role}, c.loader)
}

// Invalidate drops the cached code of the room's role, if any.
func (c *Cache) Invalidate(roomID, role string) {
	c.cache.Invalidate(cacheKey{roomID, role})
}

// Len returns the number of (room, role) pairs the cache holds, for
// monitoring. Expired entries are removed in the background, so Len may
// count some for a little while.
func (c *Cache) Len() int { return c.cache.EstimatedSize() }

// cacheLoader runs the lookups of the cache. It is not Cache itself, so
// that Load and Reload stay out of Cache's API.
type cacheLoader struct{ c *Cache }

// Load looks a missing key up. The lookup runs detached from ctx, bounded by
// LookupTimeout, and is shared through c.lookups: a caller whose ctx ends
// returns at once, and the next caller joins the same lookup instead of
// sending another request.
func (l cacheLoader) Load(ctx context.Context, key cacheKey) (RoomCode, error) {
	ch := l.c.lookups.DoChan(key.roomID+"\x00"+key.role, func() (any, error) {
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.c.opts.LookupTimeout)
		defer cancel()
		return l.c.lookup(lctx, key)
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

// Reload refreshes a cached key in the background. An answer that the room,
// role or code is gone removes the entry; any other failure keeps the old
// code, which is served until the entry expires.
func (l cacheLoader) Reload(ctx context.Context, key cacheKey, old RoomCode) (RoomCode, error) {
	code, err := l.Load(ctx, key)
	switch {
	case err == nil:
		return code, nil
	case gone(err):
		return RoomCode{}, removed{err}
	}
	l.c.opts.Logger.LogAttrs(ctx, slog.LevelWarn, "roomcode: refreshing a room code failed; serving the stale one",
		slog.String("room_id", key.roomID), slog.String("role", key.role), slog.String("error", err.Error()))
	return old, err
}

// gone reports whether err says that the room, role or code no longer
// exists, so that a cached code must not be served.
func gone(err error) bool {
	return errors.Is(err, ErrNoCode) || errors.Is(err, hmsapi.ErrNotFound) || errors.Is(err, hmsapi.ErrForbidden)
}

// removed tells the cache to drop an entry whose refresh found it gone.
type removed struct{ err error }

func (r removed) Error() string        { return r.err.Error() }
func (r removed) Unwrap() error        { return r.err }
func (r removed) Is(target error) bool { return target == otter.ErrNotFound }

// refreshPolicy refreshes an entry TTL after it was fetched, and after a
// failed refresh waits the backoff or the API's Retry-After, if longer.
type refreshPolicy struct{ ttl, backoff time.Duration }

func (p refreshPolicy) RefreshAfterCreate(otter.Entry[cacheKey, RoomCode]) time.Duration {
	return p.ttl
}

func (p refreshPolicy) RefreshAfterUpdate(otter.Entry[cacheKey, RoomCode], RoomCode) time.Duration {
	return p.ttl
}

func (p refreshPolicy) RefreshAfterReload(otter.Entry[cacheKey, RoomCode], RoomCode) time.Duration {
	return p.ttl
}

func (p refreshPolicy) RefreshAfterReloadFailure(_ otter.Entry[cacheKey, RoomCode], err error) time.Duration {
	var apiErr *hmsapi.APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > p.backoff {
		return apiErr.RetryAfter
	}
	return p.backoff
}

// clientClock gives the cache the client's clock. It sends no ticks: the
// cache then removes expired entries as it is used rather than on a timer
// that would run in real time beside a clock that may not.
type clientClock func() time.Time

func (c clientClock) NowNano() int64                    { return c().UnixNano() }
func (clientClock) Tick(time.Duration) <-chan time.Time { return nil }

// quietLogger drops the cache library's own log lines: a failed refresh is
// logged by Reload, with the room and role.
type quietLogger struct{}

func (quietLogger) Warn(context.Context, string, error)  {}
func (quietLogger) Error(context.Context, string, error) {}

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
