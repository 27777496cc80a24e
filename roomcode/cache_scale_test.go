package roomcode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

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
	all := append([]hmsapi.Option{hmsapi.WithBaseURL("http://api.invalid/v2"), hmsapi.WithManagementToken(testToken),
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
