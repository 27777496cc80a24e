package roomcode_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func countGET(srv *hmstest.Server) int { return countMethod(srv, "GET") }

func countMethod(srv *hmstest.Server, m string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == m {
			n++
		}
	}
	return n
}

// clocked returns a client and the fake API sharing one clock: the client
// mints its tokens, and the fake checks them, at the same time.
func clocked(t *testing.T, clk *clock, opts ...hmsapi.Option) (*roomcode.Client, *hmstest.Server) {
	t.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "host", "guest"), hmstest.WithSeed(7),
		hmstest.WithCode("room1", "guest", "gst-code-abc", true), hmstest.WithClock(clk.Now))
	t.Cleanup(srv.Close)
	all := append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
		hmsapi.WithRetryPolicy(fastRetries), hmsapi.WithClock(clk.Now)}, opts...)
	c, err := newClient(all...)
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)
	return c, srv
}

// settled waits until the fake has answered want requests and checks that
// no more arrive: background refreshes are asynchronous.
func settled(t *testing.T, srv *hmstest.Server, want int, msg string) {
	t.Helper()
	require.Eventually(t, func() bool { return srv.RequestCount() >= want }, 5*time.Second, time.Millisecond, msg)
	time.Sleep(20 * time.Millisecond)
	require.Equal(t, want, srv.RequestCount(), msg)
}

func TestCacheHitAndTTL(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute})
	ctx := context.Background()
	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "gst-code-abc", rc.Code)
	for range 5 {
		_, err = cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
	}
	assert.Equal(t, 1, srv.RequestCount())
	clk.Advance(2 * time.Minute)
	for range 5 {
		again, err := cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
		assert.Equal(t, rc, again, "past its TTL the code is served at once")
	}
	settled(t, srv, 2, "one background refresh after the TTL, however many callers")
	cache.Invalidate("room1", "guest")
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, 3, srv.RequestCount(), "looked up again after Invalidate")
}

func TestCacheNoCodeAndCreate(t *testing.T) {
	c, srv := fake(t)
	ctx := context.Background()
	_, err := roomcode.NewCache(c, roomcode.CacheConfig{}).Code(ctx, "room1", "host")
	assert.ErrorIs(t, err, roomcode.ErrNoCode)
	assert.Equal(t, 0, countMethod(srv, "POST"))

	creating := roomcode.NewCache(c, roomcode.CacheConfig{CreateIfMissing: true})
	rc, err := creating.Code(ctx, "room1", "host")
	require.NoError(t, err)
	assert.Equal(t, "host", rc.Role)
	assert.True(t, rc.Enabled)
	assert.Equal(t, 1, countMethod(srv, "POST"))
	again, err := creating.Code(ctx, "room1", "host")
	require.NoError(t, err)
	assert.Equal(t, rc, again)

	_, err = creating.Code(ctx, "no-such-room", "host")
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
}

func TestCacheServesStaleWhenAPIFails(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk, hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	var logs apisurface.LockedBuffer
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, MaxStale: time.Hour,
		RefreshBackoff: 10 * time.Second, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	fresh, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)

	clk.Advance(10 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	for range 50 {
		stale, err := cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
		assert.Equal(t, fresh, stale)
	}
	settled(t, srv, 2, "one refresh for the wave of callers")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "serving the stale one") }, 5*time.Second, time.Millisecond)

	// Until the backoff has passed, callers are served without a request.
	clk.Advance(9 * time.Second)
	for range 50 {
		_, err = cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
	}
	settled(t, srv, 2, "no refresh within the backoff")
	// Then one more refresh, and again one only.
	clk.Advance(2 * time.Second)
	for range 50 {
		_, err = cache.Code(ctx, "room1", "guest")
		require.NoError(t, err)
	}
	settled(t, srv, 3, "one refresh per backoff period")

	clk.Advance(2 * time.Hour)
	_, err = cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, hmsapi.ErrServer, "too stale to serve")
}

func TestCacheHonoursRetryAfterBetweenRefreshes(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk, hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, RefreshBackoff: time.Second})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 429, RetryAfter: "120"})
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 2, "the first refresh")
	clk.Advance(time.Minute)
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 2, "Retry-After: 120 outweighs a one-second backoff")
	clk.Advance(2 * time.Minute)
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 3, "after Retry-After, the next refresh")
}

func TestCacheAnswersStaleWhileTheAPIHangs(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute, LookupTimeout: 200 * time.Millisecond})
	want, err := cache.Code(context.Background(), "room1", "guest")
	require.NoError(t, err)
	clk.Advance(30 * time.Minute) // well past the TTL, well within MaxStale
	srv.SetLatency(time.Hour)
	for range 100 {
		// A context far shorter than any round trip to a hanging API: a
		// caller that waited on the API would fail.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		got, err := cache.Code(ctx, "room1", "guest")
		cancel()
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	// The one background refresh gives up at LookupTimeout.
	srv.SetLatency(0)
}

func TestCacheDropsOnNotFound(t *testing.T) {
	clk := newClock()
	c, srv := clocked(t, clk)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Minute})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 100, Status: 404})
	// The first caller past the TTL is answered from memory; the refresh it
	// starts finds the room gone and drops the entry.
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		_, err = cache.Code(ctx, "room1", "guest")
		return err != nil
	}, 5*time.Second, time.Millisecond)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound, "a deleted room is not served from cache")
}

func TestCacheColdKeyOneUpstreamRequest(t *testing.T) {
	c, srv := fake(t)
	srv.SetLatency(50 * time.Millisecond)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{})
	var wg sync.WaitGroup
	var failures atomic.Int32
	start := make(chan struct{})
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			rc, err := cache.Code(context.Background(), "room1", "guest")
			if err != nil || rc.Code != "gst-code-abc" {
				failures.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Zero(t, failures.Load())
	assert.Equal(t, 1, srv.RequestCount(), "1,000 concurrent lookups, one upstream request")
}

func TestCacheWaiterRespectsOwnContext(t *testing.T) {
	c, srv := fake(t)
	srv.SetLatency(300 * time.Millisecond)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	// The lookup itself carries on for the callers that wait longer.
	rc, err := cache.Code(context.Background(), "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "gst-code-abc", rc.Code)
	assert.Equal(t, 1, countGET(srv))
}

func TestCacheHitDoesNotAllocate(t *testing.T) {
	c, _ := fake(t)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() { _, _ = cache.Code(ctx, "room1", "guest") })
	assert.Zero(t, allocs)
}

func BenchmarkCacheHit(b *testing.B) {
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "guest"), hmstest.WithCode("room1", "guest", "gst-code-abc", true))
	defer srv.Close()
	c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.API().CloseIdleConnections()
	cache := roomcode.NewCache(c, roomcode.CacheConfig{})
	ctx := context.Background()
	if _, err := cache.Code(ctx, "room1", "guest"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := cache.Code(ctx, "room1", "guest"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCacheColdKey1000(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		srv := hmstest.NewServer(hmstest.WithRoom("room1", "guest"), hmstest.WithCode("room1", "guest", "gst-code-abc", true))
		c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
		if err != nil {
			b.Fatal(err)
		}
		cache := roomcode.NewCache(c, roomcode.CacheConfig{})
		var wg sync.WaitGroup
		b.StartTimer()
		for range 1000 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = cache.Code(context.Background(), "room1", "guest")
			}()
		}
		wg.Wait()
		b.StopTimer()
		if n := srv.RequestCount(); n != 1 {
			b.Fatalf("%d upstream requests, want 1", n)
		}
		c.API().CloseIdleConnections()
		srv.Close()
		b.StartTimer()
	}
}
