package roomcode_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

// These tests count the requests the fake API receives during an outage,
// with the core's retries on (fastRetries: three retries after the first
// attempt) and every backoff read from a fake clock.

// attempts is how many requests one call through the core makes when every
// attempt fails: the first and fastRetries' three retries.
const attempts = 1 + 3

// TestCacheRefreshSendsOneRequestPerBackoff: a background refresh goes out
// once, without the core's retries, so that an outage costs the API one
// request per key per backoff, as the Cache's documentation says.
func TestCacheRefreshSendsOneRequestPerBackoff(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, RefreshBackoff: 10 * time.Second})
	ctx := context.Background()
	fresh, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	for range 50 {
		stale, err := cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
		require.Equal(t, fresh, stale)
	}
	settled(t, srv, 2, "one request for the failed refresh, not one per attempt of the core's retry policy")
	for range 3 {
		clk.Advance(9 * time.Second)
		for range 50 {
			_, err = cache.Code(ctx, "room1", "guest")
			require.NoError(t, err)
		}
		clk.Advance(2 * time.Second)
		before := srv.RequestCount()
		for range 50 {
			_, err = cache.Code(ctx, "room1", "guest")
			require.NoError(t, err)
		}
		settled(t, srv, before+1, "one request per key per backoff")
	}
}

// TestCacheColdMissIsBackedOff: a cold lookup that fails in an outage is
// remembered for RefreshBackoff. Callers in that period get its error at
// once, and the API sees one lookup (1+MaxRetries requests) per key per
// backoff, however many callers ring.
func TestCacheColdMissIsBackedOff(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{RefreshBackoff: 10 * time.Second})
	ctx := context.Background()
	// Two lookups' worth of failures, then the API is back.
	srv.InjectFault(hmstest.Fault{Count: 2 * attempts, Status: 503})

	var wg sync.WaitGroup
	for range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cache.Code(ctx, "room1", "guest")
			assert.ErrorIs(t, err, hmsapi.ErrServer)
		}()
	}
	wg.Wait()
	require.Equal(t, attempts, srv.RequestCount(), "one lookup for 200 concurrent callers")

	for range 9 {
		clk.Advance(time.Second)
		for range 20 {
			_, err := cache.Code(ctx, "room1", "guest")
			require.ErrorIs(t, err, hmsapi.ErrServer, "the remembered failure")
		}
	}
	require.Equal(t, attempts, srv.RequestCount(), "no request within the backoff")

	clk.Advance(2 * time.Second)
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer)
	require.Equal(t, 2*attempts, srv.RequestCount(), "one lookup after the backoff")
	for range 20 {
		_, err := cache.Code(ctx, "room1", "guest")
		require.ErrorIs(t, err, hmsapi.ErrServer)
	}
	require.Equal(t, 2*attempts, srv.RequestCount())

	// The API is back: after the backoff the next caller gets the code,
	// and the callers after it are answered from memory.
	clk.Advance(11 * time.Second)
	for range 20 {
		rc, err := cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
		require.Equal(t, "gst-code-abc", rc.Code)
	}
	require.Equal(t, 2*attempts+1, srv.RequestCount())
}

// TestCacheColdMissHonoursRetryAfter: a failed cold lookup whose answer
// carried a Retry-After longer than RefreshBackoff is remembered for the
// Retry-After.
func TestCacheColdMissHonoursRetryAfter(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{RefreshBackoff: time.Second})
	ctx := context.Background()
	// Longer than fastRetries' MaxRetryAfter: the core gives up at once.
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "120"})
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrRateLimited)
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(119 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrRateLimited, "Retry-After: 120 outweighs a one-second backoff")
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(2 * time.Second)
	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "gst-code-abc", rc.Code)
	assert.Equal(t, 2, srv.RequestCount())
}

// TestCacheTooStaleInBackoffIsNotLookedUp: a code that has gone too stale
// to serve while its refreshes fail is not looked up again before the
// backoff of the last failed refresh has passed.
func TestCacheTooStaleInBackoffIsNotLookedUp(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, MaxStale: time.Minute, RefreshBackoff: 30 * time.Second})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	clk.Advance(time.Minute + 50*time.Second) // stale, 10 s left to serve it
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 2, "the failed refresh")
	clk.Advance(15 * time.Second) // too stale now, but within the backoff
	for range 20 {
		_, err = cache.Code(ctx, "room1", "guest")
		require.ErrorIs(t, err, hmsapi.ErrServer)
	}
	require.Equal(t, 2, srv.RequestCount(), "the failed refresh's error, remembered")
	clk.Advance(20 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer)
	require.Equal(t, 2+attempts, srv.RequestCount(), "a cold lookup after the backoff")
}

// TestCacheInvalidateForgetsAFailure: Invalidate drops a remembered
// failure, so that the next caller asks the API at once.
func TestCacheInvalidateForgetsAFailure(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{RefreshBackoff: time.Hour})
	ctx := context.Background()
	srv.InjectFault(hmstest.Fault{Count: attempts, Status: 503})
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer)
	_, err = cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer)
	require.Equal(t, attempts, srv.RequestCount())
	cache.Invalidate("room1", "guest")
	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "gst-code-abc", rc.Code)
	assert.Equal(t, attempts+1, srv.RequestCount())
}

// TestCacheForgetsFailuresAfterTheirBackoff: a remembered failure takes
// an entry only until its backoff has passed.
func TestCacheForgetsFailuresAfterTheirBackoff(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, MaxStale: time.Hour, RefreshBackoff: 10 * time.Second})
	ctx := context.Background()
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	for i := range 20 {
		_, err := cache.Code(ctx, roomName(i), "guest")
		require.ErrorIs(t, err, hmsapi.ErrServer)
	}
	require.Equal(t, 20, cache.Len())
	clk.Advance(2 * time.Minute) // past the backoff, and time for a sweep
	_, _ = cache.Code(ctx, "room1", "guest")
	require.Eventually(t, func() bool { return cache.Len() <= 1 }, 5*time.Second, time.Millisecond,
		"%d entries left", cache.Len())
}
