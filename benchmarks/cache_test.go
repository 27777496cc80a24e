package benchmarks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/maypok86/otter/v2"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/roomcode"
)

// The room-code cache side by side with the same cache built on
// github.com/maypok86/otter/v2 (loading with one load per key, refresh in
// the background, expiry and a size bound), the library the cache was
// measured against before it was written by hand on sync.Map: a hit (one
// goroutine, and all of them), and a miss with 1,000, 10,000 and 100,000
// rooms already cached.

// instantAPI answers every list request at once, in process, with one
// enabled code for the room and role asked.
type instantAPI struct{}

func (instantAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	room := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	body := `{"limit":10,"last":"","data":[{"code":"abc-defg-hij","room_id":"` + room + `","role":"` +
		r.URL.Query().Get("role") + `","enabled":true}]}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}, nil
}

func codes(b *testing.B) *roomcode.Client {
	api, err := hmsapi.New(hmsapi.WithBaseURL("http://api.invalid/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithHTTPClient(&http.Client{Transport: instantAPI{}}))
	if err != nil {
		b.Fatal(err)
	}
	return roomcode.NewClient(api)
}

// codeCache is what both caches answer.
type codeCache interface {
	Code(ctx context.Context, roomID, role string) (roomcode.RoomCode, error)
}

type key struct{ roomID, role string }

// otterCache is the room-code cache on otter: the same TTL, staleness,
// size bound and lookup.
type otterCache struct {
	c      *otter.Cache[key, roomcode.RoomCode]
	loader otter.Loader[key, roomcode.RoomCode]
}

func newOtterCache(client *roomcode.Client, maxEntries int) *otterCache {
	lookup := otter.LoaderFunc[key, roomcode.RoomCode](func(ctx context.Context, k key) (roomcode.RoomCode, error) {
		page, err := client.List(ctx, k.roomID, &roomcode.ListOptions{Role: k.role, Enabled: roomcode.EnabledOnly})
		if err != nil {
			return roomcode.RoomCode{}, err
		}
		return page.Data[0], nil
	})
	return &otterCache{
		c: otter.Must(&otter.Options[key, roomcode.RoomCode]{
			MaximumSize:       maxEntries,
			ExpiryCalculator:  otter.ExpiryWriting[key, roomcode.RoomCode](roomcode.DefaultCacheTTL + roomcode.DefaultMaxStale),
			RefreshCalculator: otter.RefreshWriting[key, roomcode.RoomCode](roomcode.DefaultCacheTTL),
		}),
		loader: lookup,
	}
}

func (o *otterCache) Code(ctx context.Context, roomID, role string) (roomcode.RoomCode, error) {
	return o.c.Get(ctx, key{roomID, role}, o.loader)
}

func caches(b *testing.B, maxEntries int) map[string]codeCache {
	return map[string]codeCache{
		"roomcode": roomcode.NewCache(codes(b), roomcode.CacheConfig{MaxEntries: maxEntries}),
		"otter":    newOtterCache(codes(b), maxEntries),
	}
}

func BenchmarkCacheHit(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"roomcode", "otter"} {
		c := caches(b, 1000)[name]
		if _, err := c.Code(ctx, "room-1", "guest"); err != nil {
			b.Fatal(err)
		}
		loop(b, name+"/serial", func() error {
			_, err := c.Code(ctx, "room-1", "guest")
			return err
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Code(ctx, "room-1", "guest"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func BenchmarkCacheMiss(b *testing.B) {
	ctx := context.Background()
	for _, rooms := range []int{1_000, 10_000, 100_000} {
		for _, name := range []string{"roomcode", "otter"} {
			b.Run(fmt.Sprintf("%s/rooms=%d", name, rooms), func(b *testing.B) {
				c := caches(b, 2*rooms)[name]
				for i := range rooms {
					if _, err := c.Code(ctx, "room-"+strconv.Itoa(i), "guest"); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					if _, err := c.Code(ctx, "room-"+strconv.Itoa(rooms+i), "guest"); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
