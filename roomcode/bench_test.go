package roomcode_test

import (
	"context"
	"testing"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roomcode"
)

// BenchmarkCacheHitSerial is a cache hit on one goroutine, with the
// default (no-op) telemetry providers: BenchmarkCacheHit without the
// contention of parallel callers, whose figures swing on a shared machine.
func BenchmarkCacheHitSerial(b *testing.B) {
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
	for b.Loop() {
		if _, err := cache.Code(ctx, "room1", "guest"); err != nil {
			b.Fatal(err)
		}
	}
}
