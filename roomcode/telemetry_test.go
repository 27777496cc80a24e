package roomcode_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

// TestCacheTelemetry drives a cache through a miss, a hit, a stale hit and
// its refresh, and two lookups that find no code, and checks the lookup counter, the core's request counter, and
// that each lookup's span is the parent of its API request's.
func TestCacheTelemetry(t *testing.T) {
	o := apisurface.NewObserved()
	clk := newClock()
	c, _ := clocked(t, clk, hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP))
	cache := roomcode.NewCache(c, roomcode.CacheConfig{MeterProvider: o.MP, TracerProvider: o.TP})
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
