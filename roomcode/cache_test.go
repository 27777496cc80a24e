package roomcode_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// fakeAt starts a hmstest server with one room, whose guest has a code,
// and a client that mints management tokens for it, both on the clock now.
func fakeAt(t *testing.T, now func() time.Time, opts ...hmsapi.Option) (*roomcode.Client, *hmstest.Server) {
	t.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "host", "guest"), hmstest.WithSeed(7),
		hmstest.WithCode("room1", "guest", "gst-code-abc", true), hmstest.WithClock(now))
	t.Cleanup(srv.Close)
	all := append([]hmsapi.Option{hmsapi.WithRetryPolicy(apisurface.FastRetries), hmsapi.WithClock(now)}, opts...)
	return roomcode.NewClient(srv.API(all...)), srv
}

// clocked returns a client and the fake API sharing one clock: the client
// mints its tokens, and the fake checks them, at the same time.
func clocked(t *testing.T, clk *clock, opts ...hmsapi.Option) (*roomcode.Client, *hmstest.Server) {
	t.Helper()
	return fakeAt(t, clk.Now, opts...)
}

// wave looks room1's guest code up 50 times, as a wave of callers does,
// and checks that each lookup succeeds, with want unless want is zero.
func wave(t *testing.T, cache *roomcode.Cache, want roomcode.RoomCode) {
	t.Helper()
	for range 50 {
		got, err := cache.Code(context.Background(), "room1", "guest")
		require.NoError(t, err)
		if want != (roomcode.RoomCode{}) {
			require.Equal(t, want, got)
		}
	}
}

// clockedCache is a cache made with cfg on a client of clocked, and the
// fake API and the clock they share.
func clockedCache(t *testing.T, cfg roomcode.CacheConfig, opts ...hmsapi.Option) (*roomcode.Cache, *hmstest.Server, *clock) {
	t.Helper()
	clk := newClock()
	c, srv := clocked(t, clk, opts...)
	return roomcode.NewCache(c, cfg), srv, clk
}

// atOnce runs f on n goroutines released together, and waits for them.
func atOnce(n int, f func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			f()
		})
	}
	close(start)
	wg.Wait()
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
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute})
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
	wave(t, cache, fresh)
	settled(t, srv, 2, "one refresh for the wave of callers")
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "serving the stale one") }, 5*time.Second, time.Millisecond)

	// Until the backoff has passed, callers are served without a request.
	clk.Advance(9 * time.Second)
	wave(t, cache, roomcode.RoomCode{})
	settled(t, srv, 2, "no refresh within the backoff")
	// Then one more refresh, and again one only.
	clk.Advance(2 * time.Second)
	wave(t, cache, roomcode.RoomCode{})
	settled(t, srv, 3, "one refresh per backoff period")

	clk.Advance(2 * time.Hour)
	_, err = cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, hmsapi.ErrServer, "too stale to serve")
}

func TestCacheHonoursRetryAfterBetweenRefreshes(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, RefreshBackoff: time.Second}, hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 429, RetryAfter: "20"})
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 2, "the first refresh")
	clk.Advance(15 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 2, "Retry-After: 20 outweighs a one-second backoff")
	clk.Advance(10 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	settled(t, srv, 3, "after Retry-After, the next refresh")
}

func TestCacheAnswersStaleWhileTheAPIHangs(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, LookupTimeout: 200 * time.Millisecond})
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
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute})
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
	var failures atomic.Int32
	atOnce(1000, func() {
		rc, err := cache.Code(context.Background(), "room1", "guest")
		if err != nil || rc.Code != "gst-code-abc" {
			failures.Add(1)
		}
	})
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
	cache := warmCache(b)
	ctx := context.Background()
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
		cache := roomcode.NewCache(roomcode.NewClient(srv.API()), roomcode.CacheConfig{})
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
		srv.Close()
		b.StartTimer()
	}
}

// gatedAPI computes its answer from the upstream state when the request
// arrives, then holds it until released (a slow response in transit).
type gatedAPI struct {
	mu       sync.Mutex
	code     string // "" = no enabled code
	gate     chan struct{}
	requests atomic.Int64
	perKey   sync.Map
}

func (a *gatedAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	a.requests.Add(1)
	room := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	n, _ := a.perKey.LoadOrStore(room, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	a.mu.Lock()
	code, gate := a.code, a.gate
	a.mu.Unlock()
	data := ""
	if code != "" {
		data = `{"code":"` + code + `","room_id":"` + room + `","role":"guest","enabled":true}`
	}
	body := `{"limit":10,"last":"","data":[` + data + `]}`
	if gate != nil {
		<-gate
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func gatedClient(t *testing.T, api *gatedAPI, clk *clock) *roomcode.Client {
	c, err := newClient(hmsapi.WithBaseURL("http://api.invalid/v2"), hmsapi.WithManagementToken(apisurface.TestToken),
		hmsapi.WithHTTPClient(&http.Client{Transport: api}), hmsapi.WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCacheInvalidateBeatsARefreshInFlight: a refresh that read the old
// code before the application disabled it and called Invalidate does not
// put the code back when its reply arrives.
func TestCacheInvalidateBeatsARefreshInFlight(t *testing.T) {
	clk := newClock()
	api := &gatedAPI{code: "old-code-aaa"}
	cache := roomcode.NewCache(gatedClient(t, api, clk), roomcode.CacheConfig{TTL: time.Minute})
	ctx := context.Background()
	_, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	gate := make(chan struct{})
	api.mu.Lock()
	api.gate = gate
	api.mu.Unlock()
	_, err = cache.Code(ctx, "room1", "guest") // stale: starts the refresh, which reads the old code
	require.NoError(t, err)
	require.Eventually(t, func() bool { return api.requests.Load() == 2 }, 5*time.Second, time.Millisecond)
	api.mu.Lock()
	api.code, api.gate = "", nil // disabled upstream
	api.mu.Unlock()
	cache.Invalidate("room1", "guest")
	close(gate) // the refresh's reply arrives
	time.Sleep(50 * time.Millisecond)
	_, err = cache.Code(ctx, "room1", "guest")
	assert.ErrorIs(t, err, roomcode.ErrNoCode, "the invalidated code is not served")
}

// TestCacheInvalidateBeatsAMissInFlight: the same for a lookup whose caller
// gave up while it carried on.
func TestCacheInvalidateBeatsAMissInFlight(t *testing.T) {
	clk := newClock()
	gate := make(chan struct{})
	api := &gatedAPI{code: "old-code-aaa", gate: gate}
	cache := roomcode.NewCache(gatedClient(t, api, clk), roomcode.CacheConfig{TTL: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, context.DeadlineExceeded) // gave up; the lookup carries on
	api.mu.Lock()
	api.code, api.gate = "", nil
	api.mu.Unlock()
	cache.Invalidate("room1", "guest")
	close(gate)
	time.Sleep(50 * time.Millisecond)
	_, err = cache.Code(context.Background(), "room1", "guest")
	assert.ErrorIs(t, err, roomcode.ErrNoCode)
}

// TestCacheInvalidateStartsANewLookup: a caller that comes after
// Invalidate does not join the lookup begun before it, which may carry the
// code just disabled: it sends a request of its own. The caller already
// waiting gets the old lookup's answer, which is not kept.
func TestCacheInvalidateStartsANewLookup(t *testing.T) {
	first, second := make(chan struct{}), make(chan struct{})
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := "new-code-xyz"
		switch requests.Add(1) {
		case 1:
			close(first)
			<-release
			code = "old-code-abc"
		case 2:
			close(second)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"code":"`+code+`","room_id":"room1","role":"guest","enabled":true}]}`)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(unblock) // before srv.Close, which waits for the handler
	c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken(apisurface.TestToken),
		hmsapi.WithClock(newClock().Now))
	require.NoError(t, err)
	// The old lookup must not time out before the test releases it.
	cache := roomcode.NewCache(c, roomcode.CacheConfig{LookupTimeout: time.Minute})
	ctx := context.Background()
	code := func(out chan<- string) {
		rc, err := cache.Code(ctx, "room1", "guest")
		if err != nil {
			out <- err.Error()
			return
		}
		out <- rc.Code
	}

	before := make(chan string, 1)
	go code(before)
	<-first // the first lookup's request is out
	cache.Invalidate("room1", "guest")
	after := make(chan string, 1)
	go code(after)
	select {
	case <-second:
	case <-time.After(5 * time.Second):
		unblock()
		t.Fatalf("the caller after Invalidate sent no request of its own; it got %q", <-after)
	}
	assert.Equal(t, "new-code-xyz", <-after)
	unblock()
	assert.Equal(t, "old-code-abc", <-before, "the caller from before Invalidate")

	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "new-code-xyz", rc.Code, "the new lookup's code is kept, not the old one's")
	assert.Equal(t, int32(2), requests.Load())
}

// TestCacheColdKeyOneRequestAgainstAFastAPI: with an API that answers at
// once, a caller that misses just after the first lookup finished must use
// its answer, not ask again.
func TestCacheColdKeyOneRequestAgainstAFastAPI(t *testing.T) {
	clk := newClock()
	api := &gatedAPI{code: "abc-defg-hij"}
	cache := roomcode.NewCache(gatedClient(t, api, clk), roomcode.CacheConfig{})
	for it := range 40 {
		room := "room-" + strconv.Itoa(it)
		atOnce(500, func() {
			_, err := cache.Code(context.Background(), room, "guest")
			assert.NoError(t, err)
		})
		n, _ := api.perKey.Load(room)
		assert.EqualValues(t, 1, n.(*atomic.Int64).Load(), "upstream requests for %s", room)
	}
}

// These tests count the requests the fake API receives during an outage,
// with the core's retries on (apisurface.FastRetries: three retries after the first
// attempt) and every backoff read from a fake clock.

// attempts is how many requests one call through the core makes when every
// attempt fails: the first and apisurface.FastRetries' three retries.
const attempts = 1 + 3

// TestCacheRefreshSendsOneRequestPerBackoff: a background refresh goes out
// once, without the core's retries, so that an outage costs the API one
// request per key per backoff, as the Cache's documentation says.
func TestCacheRefreshSendsOneRequestPerBackoff(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, RefreshBackoff: 10 * time.Second})
	ctx := context.Background()
	fresh, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	wave(t, cache, fresh)
	settled(t, srv, 2, "one request for the failed refresh, not one per attempt of the core's retry policy")
	for range 3 {
		clk.Advance(9 * time.Second)
		wave(t, cache, roomcode.RoomCode{})
		clk.Advance(2 * time.Second)
		before := srv.RequestCount()
		wave(t, cache, roomcode.RoomCode{})
		settled(t, srv, before+1, "one request per key per backoff")
	}
}

// TestCacheColdMissIsBackedOff: a cold lookup that fails in an outage is
// remembered for RefreshBackoff. Callers in that period get its error at
// once, and the API sees one lookup (1+MaxRetries requests) per key per
// backoff, however many callers ring.
func TestCacheColdMissIsBackedOff(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{RefreshBackoff: 10 * time.Second})
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
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{RefreshBackoff: time.Second})
	ctx := context.Background()
	// Longer than apisurface.FastRetries' MaxRetryAfter: the core gives up at once.
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "20"})
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrRateLimited)
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(19 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrRateLimited, "Retry-After: 20 outweighs a one-second backoff")
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(2 * time.Second)
	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	assert.Equal(t, "gst-code-abc", rc.Code)
	assert.Equal(t, 2, srv.RequestCount())
}

// TestCacheColdMissBoundsRetryAfter: a Retry-After far longer than the
// core waits for, as a proxy may send, holds a cold key's callers off the
// API for 30 seconds at most (RefreshBackoff being shorter), not for the
// life of the entry.
func TestCacheColdMissBoundsRetryAfter(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{})
	ctx := context.Background()
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 503, RetryAfter: "999999999"})
	_, err := cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer)
	require.Equal(t, 1, srv.RequestCount(), "the core does not wait that long")

	clk.Advance(29 * time.Second)
	_, err = cache.Code(ctx, "room1", "guest")
	require.ErrorIs(t, err, hmsapi.ErrServer, "the failure is remembered for 30 seconds")
	require.Equal(t, 1, srv.RequestCount())

	clk.Advance(time.Second)
	rc, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err, "30 seconds on, the API is asked again")
	assert.Equal(t, "gst-code-abc", rc.Code)
	assert.Equal(t, 2, srv.RequestCount())
}

// recordsTo is a slog.Handler that sends the "backoff" of the records it
// handles to the channel, while it has room.
type recordsTo chan time.Duration

func (h recordsTo) Enabled(context.Context, slog.Level) bool { return true }
func (h recordsTo) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordsTo) WithGroup(string) slog.Handler            { return h }
func (h recordsTo) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "backoff" {
			select {
			case h <- a.Value.Duration():
			default: // the test reads the first only
			}
		}
		return true
	})
	return nil
}

// TestCacheRefreshBoundsRetryAfter: the same bound for a failed refresh:
// the stale code is served, and the next refresh sent, 30 seconds later
// rather than never.
func TestCacheRefreshBoundsRetryAfter(t *testing.T) {
	backoffs := make(recordsTo, 1)
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, Logger: slog.New(backoffs)},
		hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}))
	ctx := context.Background()
	want, err := cache.Code(ctx, "room1", "guest")
	require.NoError(t, err)
	clk.Advance(2 * time.Minute)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 503, RetryAfter: "999999999"})
	got, err := cache.Code(ctx, "room1", "guest") // stale: starts the refresh
	require.NoError(t, err)
	assert.Equal(t, want, got)
	select {
	case d := <-backoffs:
		require.Equal(t, 30*time.Second, d, "the failed refresh's backoff")
	case <-time.After(5 * time.Second):
		t.Fatal("the refresh's failure was not logged")
	}
	clk.Advance(30 * time.Second)
	// The refresh that failed may not have let go of the entry yet: ask
	// until the next one is sent.
	require.Eventually(t, func() bool {
		got, err := cache.Code(ctx, "room1", "guest")
		return err == nil && got == want && srv.RequestCount() == 3
	}, 5*time.Second, time.Millisecond, "30 seconds on, the next refresh")
}

// TestCacheTooStaleInBackoffIsNotLookedUp: a code that has gone too stale
// to serve while its refreshes fail is not looked up again before the
// backoff of the last failed refresh has passed.
func TestCacheTooStaleInBackoffIsNotLookedUp(t *testing.T) {
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, MaxStale: time.Minute, RefreshBackoff: 30 * time.Second})
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
	cache, srv, _ := clockedCache(t, roomcode.CacheConfig{RefreshBackoff: time.Hour})
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
	cache, srv, clk := clockedCache(t, roomcode.CacheConfig{TTL: time.Minute, MaxStale: time.Hour, RefreshBackoff: 10 * time.Second})
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

// instantAPI answers every list request at once, in process, with one
// enabled code for the room and role asked: the cost it adds is the
// client's, never the network's.
type instantAPI struct{ requests atomic.Int64 }

func (a *instantAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	a.requests.Add(1)
	room := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	body := `{"limit":10,"last":"","data":[{"code":"abc-defg-hij","room_id":"` + room + `","role":"` +
		r.URL.Query().Get("role") + `","enabled":true}]}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func instantClient(tb testing.TB, api *instantAPI, opts ...hmsapi.Option) *roomcode.Client {
	tb.Helper()
	all := append([]hmsapi.Option{hmsapi.WithBaseURL("http://api.invalid/v2"), hmsapi.WithManagementToken(apisurface.TestToken),
		hmsapi.WithHTTPClient(&http.Client{Transport: api})}, opts...)
	c, err := newClient(all...)
	require.NoError(tb, err)
	return c
}

func roomName(i int) string { return "room-" + strconv.Itoa(i) }

// cowCache is the cache's former design, kept as the baseline of the
// scaling benchmark: a copy-on-write map read without a lock, so that each
// new key copies every entry.
type cowCache struct {
	client  *roomcode.Client
	entries atomic.Pointer[map[[2]string]*atomic.Pointer[roomcode.RoomCode]]
	mu      sync.Mutex
}

func newCOWCache(c *roomcode.Client, keys int) *cowCache {
	m := make(map[[2]string]*atomic.Pointer[roomcode.RoomCode], keys)
	for i := range keys {
		p := &atomic.Pointer[roomcode.RoomCode]{}
		p.Store(&roomcode.RoomCode{Code: "abc-defg-hij", RoomID: roomName(i), Role: "guest", Enabled: true})
		m[[2]string{roomName(i), "guest"}] = p
	}
	cc := &cowCache{client: c}
	cc.entries.Store(&m)
	return cc
}

func (cc *cowCache) code(ctx context.Context, roomID, role string) (roomcode.RoomCode, error) {
	key := [2]string{roomID, role}
	if e := (*cc.entries.Load())[key]; e != nil {
		if v := e.Load(); v != nil {
			return *v, nil
		}
	}
	cc.mu.Lock()
	old := *cc.entries.Load()
	e := old[key]
	if e == nil {
		m := make(map[[2]string]*atomic.Pointer[roomcode.RoomCode], len(old)+1)
		for k, v := range old {
			m[k] = v
		}
		e = &atomic.Pointer[roomcode.RoomCode]{}
		m[key] = e
		cc.entries.Store(&m)
	}
	cc.mu.Unlock()
	page, err := cc.client.List(ctx, roomID, &roomcode.ListOptions{Role: role, Enabled: roomcode.EnabledOnly})
	if err != nil {
		return roomcode.RoomCode{}, err
	}
	e.Store(&page.Data[0])
	return page.Data[0], nil
}

// BenchmarkCacheMiss measures a lookup of a room never seen before with
// 1,000, 10,000 and 100,000 rooms already cached, against an API that
// answers instantly: the cache's own cost per miss, side by side with the
// copy-on-write baseline.
func BenchmarkCacheMiss(b *testing.B) {
	ctx := context.Background()
	for _, keys := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("impl=roomcode/keys=%d", keys), func(b *testing.B) {
			cache := roomcode.NewCache(instantClient(b, &instantAPI{}), roomcode.CacheConfig{MaxEntries: 2 * keys})
			for i := range keys {
				if _, err := cache.Code(ctx, roomName(i), "guest"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := cache.Code(ctx, roomName(keys+i), "guest"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("impl=copy-on-write/keys=%d", keys), func(b *testing.B) {
			cache := newCOWCache(instantClient(b, &instantAPI{}), keys)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, err := cache.code(ctx, roomName(keys+i), "guest"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

const (
	filledRooms = 100_000
	usedRooms   = 1_000
)

// fill caches 100,000 rooms at the clock's time.
func fill(tb testing.TB, api *instantAPI, cache *roomcode.Cache) {
	tb.Helper()
	for i := range filledRooms {
		if _, err := cache.Code(context.Background(), roomName(i), "guest"); err != nil {
			tb.Fatal(err)
		}
	}
	require.Equal(tb, int64(filledRooms), api.requests.Load())
}

// seed caches 100,000 rooms at the clock's time: the 1,000 that forget
// keeps in use through the API, as any miss does, and the other 99,000
// stored directly, as a lookup would store them, since asking for each
// costs the test most of its time under the race detector.
func seed(tb testing.TB, api *instantAPI, cache *roomcode.Cache) {
	tb.Helper()
	for i := range filledRooms {
		room := roomName(i)
		if i >= usedRooms {
			cache.StoreForTest(room, "guest", roomcode.RoomCode{Code: "abc-defg-hij", RoomID: room, Role: "guest", Enabled: true})
			continue
		}
		if _, err := cache.Code(context.Background(), room, "guest"); err != nil {
			tb.Fatal(err)
		}
	}
	require.Equal(tb, int64(usedRooms), api.requests.Load())
	require.Equal(tb, filledRooms, cache.Len())
}

// forget keeps 1,000 of the filled rooms in use past the TTL (so that they
// are refreshed) and lets the other 99,000 go unused past TTL+MaxStale.
func forget(tb testing.TB, clk *clock, api *instantAPI, cache *roomcode.Cache, opts roomcode.CacheConfig) {
	tb.Helper()
	ctx := context.Background()
	before := api.requests.Load()
	clk.Advance(opts.TTL + time.Second)
	for i := range usedRooms {
		if _, err := cache.Code(ctx, roomName(i), "guest"); err != nil {
			tb.Fatal(err)
		}
	}
	// The refreshes of the used rooms run in the background.
	require.Eventually(tb, func() bool { return api.requests.Load() == before+usedRooms }, 10*time.Second, time.Millisecond)
	clk.Advance(opts.MaxStale)
	// Expired entries are removed as the cache is used.
	for i := range usedRooms {
		if _, err := cache.Code(ctx, roomName(i), "guest"); err != nil {
			tb.Fatal(err)
		}
	}
}

func TestCacheUnusedEntriesExpire(t *testing.T) {
	clk := newClock()
	api := &instantAPI{}
	// Room for twice the rooms, so that expiry alone removes them, never
	// the size bound.
	opts := roomcode.CacheConfig{TTL: time.Minute, MaxStale: 10 * time.Minute, MaxEntries: 2 * filledRooms}
	cache := roomcode.NewCache(instantClient(t, api, hmsapi.WithClock(clk.Now)), opts)
	seed(t, api, cache)
	forget(t, clk, api, cache, opts)
	require.Eventually(t, func() bool { return cache.Len() <= 1_100 }, 10*time.Second, 10*time.Millisecond,
		"99,000 unused rooms expired; %d entries left", cache.Len())
	// The rooms still in use are answered from memory.
	before := api.requests.Load()
	_, err := cache.Code(context.Background(), roomName(7), "guest")
	require.NoError(t, err)
	assert.Equal(t, before, api.requests.Load())
}

func TestCacheSizeIsBounded(t *testing.T) {
	api := &instantAPI{}
	cache := roomcode.NewCache(instantClient(t, api), roomcode.CacheConfig{MaxEntries: 500})
	for i := range 5_000 {
		_, err := cache.Code(context.Background(), roomName(i), "guest")
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool { return cache.Len() <= 500 }, 5*time.Second, 10*time.Millisecond,
		"%d entries held, at most 500 wanted", cache.Len())
}

// BenchmarkCacheMemoryAfterExpiry reports the heap held by a cache of
// 100,000 rooms, and after 99,000 of them went unused past their expiry.
func BenchmarkCacheMemoryAfterExpiry(b *testing.B) {
	for b.Loop() {
		heap := func() float64 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return float64(ms.HeapAlloc) / (1 << 20)
		}
		base := heap()
		clk := newClock()
		api := &instantAPI{}
		opts := roomcode.CacheConfig{TTL: time.Minute, MaxStale: 10 * time.Minute, MaxEntries: 2 * filledRooms}
		cache := roomcode.NewCache(instantClient(b, api, hmsapi.WithClock(clk.Now)), opts)
		fill(b, api, cache)
		full := heap() - base
		forget(b, clk, api, cache, opts)
		for cache.Len() > 1_100 {
			time.Sleep(10 * time.Millisecond)
		}
		after := heap() - base
		runtime.KeepAlive(cache)
		b.ReportMetric(full, "MB-100k-rooms")
		b.ReportMetric(after, "MB-after-expiry")
	}
}

// TestCacheSizeIsAHardBound: however fast new rooms arrive, from however
// many goroutines, the cache never holds more than MaxEntries, and every
// caller still gets its code.
func TestCacheSizeIsAHardBound(t *testing.T) {
	const maxEntries, goroutines, perGoroutine = 1000, 8, 1000
	api := &instantAPI{}
	cache := roomcode.NewCache(instantClient(t, api), roomcode.CacheConfig{MaxEntries: maxEntries})
	// Each goroutine reads Len after each of its lookups: the most entries
	// held while they all stored new rooms.
	var most atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perGoroutine {
				room := roomName(g*perGoroutine + i)
				rc, err := cache.Code(context.Background(), room, "guest")
				if !assert.NoError(t, err) || !assert.Equal(t, room, rc.RoomID) {
					return
				}
				n := int64(cache.Len())
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, most.Load(), int64(maxEntries), "entries held at the busiest moment")
	assert.LessOrEqual(t, cache.Len(), maxEntries)

	// Once the background sweep has made room, a new room is cached again.
	require.Eventually(t, func() bool { return cache.Len() < maxEntries }, 5*time.Second, time.Millisecond)
	before := api.requests.Load()
	for range 3 {
		_, err := cache.Code(context.Background(), "room-new", "guest")
		require.NoError(t, err)
	}
	assert.Equal(t, before+1, api.requests.Load(), "the new room is asked for once, then answered from memory")
}

// TestCacheTelemetry drives a cache through a miss, a hit, a stale hit and
// its refresh, and two lookups that find no code, and checks the lookup counter, the core's request counter, and
// that each lookup's span is the parent of its API request's.
func TestCacheTelemetry(t *testing.T) {
	o := apisurface.NewObserved()
	cache, _, clk := clockedCache(t, roomcode.CacheConfig{MeterProvider: o.MP, TracerProvider: o.TP}, hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP))
	ctx := context.Background()

	_, err := cache.Code(ctx, "room1", "guest") // miss
	require.NoError(t, err)
	_, err = cache.Code(ctx, "room1", "guest") // hit
	require.NoError(t, err)
	clk.Advance(roomcode.DefaultCacheTTL + time.Second)
	_, err = cache.Code(ctx, "room1", "guest") // stale, refreshed in the background
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(o.Spans.Ended()) == 4 }, 5*time.Second, time.Millisecond,
		"the refresh's lookup and request spans end")
	_, err = cache.Code(ctx, "room1", "host") // no code: error
	require.ErrorIs(t, err, roomcode.ErrNoCode)
	_, err = cache.Code(ctx, "room1", "") // an empty role has no code: error
	require.ErrorIs(t, err, roomcode.ErrNoCode)

	got := o.Points(t, "")
	for k := range got {
		if !strings.HasPrefix(k, "sipconnect.roomcode.") && !strings.HasPrefix(k, "unit:sipconnect.roomcode.") {
			delete(got, k)
		}
	}
	assert.Equal(t, map[string]any{
		"unit:sipconnect.roomcode.cache.lookups":          "{lookup}",
		"sipconnect.roomcode.cache.lookups{result=hit}":   int64(1),
		"sipconnect.roomcode.cache.lookups{result=stale}": int64(1),
		"sipconnect.roomcode.cache.lookups{result=miss}":  int64(1),
		"sipconnect.roomcode.cache.lookups{result=error}": int64(2),
	}, got)
	assert.Equal(t, int64(4), o.Points(t, "")["sipconnect.hmsapi.requests{operation=roomcode.list,status=200}"],
		"the miss, the refresh and the lookups of the roles without a code")

	lookups := map[[8]byte]bool{}
	var refreshes int
	for _, s := range o.Spans.Ended() {
		if s.Name() == "roomcode.cache.lookup" {
			lookups[s.SpanContext().SpanID()] = true
			if apisurface.SpanValue(s, "roomcode.cache.refresh").AsBool() {
				refreshes++
			}
		}
	}
	assert.Len(t, lookups, 4)
	assert.Equal(t, 1, refreshes)
	var requests int
	for _, s := range o.Spans.Ended() {
		if s.Name() == "roomcode.list" {
			requests++
			assert.True(t, lookups[s.Parent().SpanID()], "a request's parent is its lookup")
		}
	}
	assert.Equal(t, 4, requests)
}

// TestCacheTelemetryDefault checks that a cache given no provider answers
// and records into no reader.
func TestCacheTelemetryDefault(t *testing.T) {
	o := apisurface.NewObserved()
	c, _ := clocked(t, newClock())
	cache := roomcode.NewCache(c, roomcode.CacheConfig{})
	for range 2 {
		code, err := cache.Code(context.Background(), "room1", "guest")
		require.NoError(t, err)
		assert.Equal(t, "gst-code-abc", code.Code)
	}
	assert.Empty(t, o.Points(t, ""))
}

// TestCacheTelemetryHoldsNoSecret finds neither the room id, the role's
// code nor the app secret in any attribute, value or span name.
func TestCacheTelemetryHoldsNoSecret(t *testing.T) {
	o := apisurface.NewObserved()
	c, srv := clocked(t, newClock(), hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP))
	cache := roomcode.NewCache(c, roomcode.CacheConfig{MeterProvider: o.MP, TracerProvider: o.TP, CreateIfMissing: true})
	for _, role := range []string{"guest", "guest", "host", "nobody"} {
		_, _ = cache.Code(context.Background(), "room1", role)
	}
	o.AssertHoldsNone(t, "room1", "gst-code-abc", srv.AppSecret(), srv.AccessKey(), "eyJ")
}
