package roomcode_test

import (
	"context"
	"io"
	"net/http"
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
	c, err := newClient(hmsapi.WithBaseURL("http://api.invalid/v2"), hmsapi.WithManagementToken(testToken),
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

// TestCacheColdKeyOneRequestAgainstAFastAPI: with an API that answers at
// once, a caller that misses just after the first lookup finished must use
// its answer, not ask again.
func TestCacheColdKeyOneRequestAgainstAFastAPI(t *testing.T) {
	clk := newClock()
	api := &gatedAPI{code: "abc-defg-hij"}
	cache := roomcode.NewCache(gatedClient(t, api, clk), roomcode.CacheConfig{})
	for it := range 40 {
		room := "room-" + strconv.Itoa(it)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 500 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := cache.Code(context.Background(), room, "guest")
				assert.NoError(t, err)
			}()
		}
		close(start)
		wg.Wait()
		n, _ := api.perKey.Load(room)
		assert.EqualValues(t, 1, n.(*atomic.Int64).Load(), "upstream requests for %s", room)
	}
}
