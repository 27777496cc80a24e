package roomcode

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache answers "the enabled room code for (room id, role)" from memory, so
// that a ringing phone does not wait on the API. A hit takes no lock and
// allocates nothing. A miss, or an entry older than the TTL, asks the API
// once however many callers wait for the same key. When the API fails (a
// transport error, 401, 429 or 5xx) an entry up to MaxStale old is served
// instead; a 403 or 404 drops the entry, as the room or role is gone.
// A Cache is safe for concurrent use.
type Cache struct {
	client  *Client
	opts    CacheOptions
	entries atomic.Pointer[map[cacheKey]*cacheEntry] // copied on write; read without a lock
	mu      sync.Mutex                               // serialises writers of entries
	group   singleflight.Group
}

// CacheOptions configure a Cache. Zero fields take the defaults.
type CacheOptions struct {
	// TTL is how long a code is served before it is looked up again,
	// 5 minutes by default.
	TTL time.Duration
	// MaxStale is how long past its TTL a code may still be served while
	// the API fails, 1 hour by default.
	MaxStale time.Duration
	// CreateIfMissing creates a code for the role when the room has no
	// enabled one.
	CreateIfMissing bool
	// LookupTimeout bounds one upstream lookup, shared by every caller
	// waiting for it, 10 seconds by default.
	LookupTimeout time.Duration
	// Logger receives a warning whenever a stale code is served.
	Logger *slog.Logger
	// Now is the clock, time.Now by default.
	Now func() time.Time
}

type cacheKey struct{ roomID, role string }

type cacheEntry struct {
	v atomic.Pointer[cached]
}

type cached struct {
	code    RoomCode
	fetched time.Time
}

// NewCache returns a cache in front of client.
func NewCache(client *Client, opts CacheOptions) *Cache {
	if opts.TTL <= 0 {
		opts.TTL = 5 * time.Minute
	}
	if opts.MaxStale <= 0 {
		opts.MaxStale = time.Hour
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cache{client: client, opts: opts}
	c.entries.Store(&map[cacheKey]*cacheEntry{})
	return c
}

// Code returns the enabled code for the room's role. It returns an error
// wrapping ErrNoCode when the room has none (and CreateIfMissing is off),
// or the API's error when the API fails and nothing usable is cached.
func (c *Cache) Code(ctx context.Context, roomID, role string) (RoomCode, error) {
	key := cacheKey{roomID, role}
	e := (*c.entries.Load())[key]
	if v := c.load(e, c.opts.TTL); v != nil {
		return v.code, nil
	}
	if e == nil {
		e = c.entry(key)
	}
	return c.miss(ctx, key, e)
}

// load returns e's cached code if there is one younger than maxAge.
func (c *Cache) load(e *cacheEntry, maxAge time.Duration) *cached {
	if e == nil {
		return nil
	}
	if v := e.v.Load(); v != nil && c.opts.Now().Sub(v.fetched) < maxAge {
		return v
	}
	return nil
}

// Invalidate drops the cached code of the room's role, if any.
func (c *Cache) Invalidate(roomID, role string) {
	if e := (*c.entries.Load())[cacheKey{roomID, role}]; e != nil {
		e.v.Store(nil)
	}
}

func (c *Cache) entry(key cacheKey) *cacheEntry {
	if e := (*c.entries.Load())[key]; e != nil {
		return e
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.entries.Load()
	if e := old[key]; e != nil {
		return e
	}
	m := make(map[cacheKey]*cacheEntry, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	e := &cacheEntry{}
	m[key] = e
	c.entries.Store(&m)
	return e
}

func (c *Cache) miss(ctx context.Context, key cacheKey, e *cacheEntry) (RoomCode, error) {
	flightKey := key.roomID + "\x00" + key.role
	ch := c.group.DoChan(flightKey, func() (any, error) {
		// Another flight may have filled the entry since this caller looked.
		if v := c.load(e, c.opts.TTL); v != nil {
			return v.code, nil
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.LookupTimeout)
		defer cancel()
		code, err := c.lookup(lctx, key)
		if err == nil {
			e.v.Store(&cached{code: code, fetched: c.opts.Now()})
			return code, nil
		}
		if errors.Is(err, ErrNoCode) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
			e.v.Store(nil)
			return RoomCode{}, err
		}
		if v := c.load(e, c.opts.TTL+c.opts.MaxStale); v != nil {
			c.opts.Logger.LogAttrs(lctx, slog.LevelWarn, "roomcode: serving a stale room code while the API fails",
				slog.String("room_id", key.roomID), slog.String("role", key.role),
				slog.Duration("age", c.opts.Now().Sub(v.fetched)), slog.String("error", err.Error()))
			return v.code, nil
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
