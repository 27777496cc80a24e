package roomcode_test

import (
	"context"
	"testing"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

// BenchmarkCacheHitSerial is a cache hit on one goroutine, with the
// default (no-op) telemetry providers: BenchmarkCacheHit without the
// contention of parallel callers, whose figures swing on a shared machine.
func BenchmarkCacheHitSerial(b *testing.B) {
	cache := warmCache(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cache.Code(ctx, "room1", "guest"); err != nil {
			b.Fatal(err)
		}
	}
}

// warmCache returns a cache, with the default telemetry providers, on a
// fake API whose room1 has a guest code, and looks that code up once.
func warmCache(b *testing.B) *roomcode.Cache {
	b.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "guest"), hmstest.WithCode("room1", "guest", "gst-code-abc", true))
	b.Cleanup(srv.Close)
	cache := roomcode.NewCache(roomcode.NewClient(srv.API()), roomcode.CacheConfig{})
	if _, err := cache.Code(context.Background(), "room1", "guest"); err != nil {
		b.Fatal(err)
	}
	return cache
}
