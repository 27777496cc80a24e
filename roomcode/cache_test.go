package roomcode_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roomcode/roomcodetest"
)

type clock struct{ now atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) Advance(d time.Duration) { c.now.Add(int64(d)) }
func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}
func countGET(srv *roomcodetest.Server) int { return countMethod(srv, "GET") }

func countMethod(srv *roomcodetest.Server, m string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Method == m {
			n++
		}
	}
	return n
}

func TestCacheHitAndTTL(t *testing.T) {
	c, srv := fake(t)
	clk := newClock()
	cache := roomcode.NewCache(c, roomcode.CacheOptions{TTL: time.Minute, Now: clk.Now})
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
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, 2, srv.RequestCount(), "looked up again after the TTL")
	cache.Invalidate("room1", "guest")
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, 3, srv.RequestCount(), "looked up again after Invalidate")
}

func TestCacheNoCodeAndCreate(t *testing.T) {
	c, srv := fake(t)
	ctx := context.Background()
	_, err := roomcode.NewCache(c, roomcode.CacheOptions{}).Code(ctx, "room1", "host")
	assert.ErrorIs(t, err, roomcode.ErrNoCode)
	assert.Equal(t, 0, countMethod(srv, "POST"))

	creating := roomcode.NewCache(c, roomcode.CacheOptions{CreateIfMissing: true})
	rc, err := creating.Code(ctx, "room1", "host")
	require.NoError(t, err)
	assert.Equal(t, "host", rc.Role)
	assert.True(t, rc.Enabled)
	assert.Equal(t, 1, countMethod(srv, "POST"))
	again, err := creating.Code(ctx, "room1", "host")
	require.NoError(t, err)
	assert.Equal(t, rc, again)

	_, err = creating.Code(ctx, "no-such-room", "host")
	assert.ErrorIs(t, err, roomcode.ErrNotFound)
}

func TestCacheServesStaleWhenAPIFails(t *testing.T) {
	c, srv := fake(t)
	clk := newClock()
	cache := roomcode.NewCache(c, roomcode.CacheOptions{TTL: time.Minute, MaxStale: time.Hour, Now: clk.Now})
	ctx := context.Background()
	fresh, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)

	clk.Advance(10 * time.Minute)
	srv.InjectFault(roomcodetest.Fault{Count: 100, Status: 503})
	stale, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, fresh, stale)

	clk.Advance(2 * time.Hour)
	_, err = cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, roomcode.ErrServer, "too stale to serve")
}

func TestCacheDropsOnNotFound(t *testing.T) {
	c, srv := fake(t)
	clk := newClock()
	cache := roomcode.NewCache(c, roomcode.CacheOptions{TTL: time.Minute, Now: clk.Now})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	srv.InjectFault(roomcodetest.Fault{Count: 1, Status: 404})
	_, err = cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, roomcode.ErrNotFound, "a deleted room is not served from cache")
}

func TestCacheColdKeyOneUpstreamRequest(t *testing.T) {
	c, srv := fake(t)
	srv.SetLatency(50 * time.Millisecond)
	cache := roomcode.NewCache(c, roomcode.CacheOptions{})
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
	cache := roomcode.NewCache(c, roomcode.CacheOptions{})
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
	cache := roomcode.NewCache(c, roomcode.CacheOptions{})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(1000, func() { _, _ = cache.Code(ctx, "room1", "guest") })
	assert.Zero(t, allocs)
}

func BenchmarkCacheHit(b *testing.B) {
	srv := roomcodetest.NewServer(roomcodetest.WithRoom("room1", "guest"), roomcodetest.WithCode("room1", "guest", "gst-code-abc", true))
	defer srv.Close()
	c, err := roomcode.NewClient(roomcode.WithBaseURL(srv.URL), roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	cache := roomcode.NewCache(c, roomcode.CacheOptions{})
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
		srv := roomcodetest.NewServer(roomcodetest.WithRoom("room1", "guest"), roomcodetest.WithCode("room1", "guest", "gst-code-abc", true))
		c, err := roomcode.NewClient(roomcode.WithBaseURL(srv.URL), roomcode.WithAppCredentials(srv.AccessKey(), srv.AppSecret()))
		if err != nil {
			b.Fatal(err)
		}
		cache := roomcode.NewCache(c, roomcode.CacheOptions{})
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
		c.CloseIdleConnections()
		srv.Close()
		b.StartTimer()
	}
}
