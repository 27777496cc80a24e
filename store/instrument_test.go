package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/store/storetest"
)

// scope is the instrumentation scope of the store's metrics.
const scope = "github.com/hmssip/interconnect-go/store"

// TestInstrumentContract runs the contract suite on an instrumented memory
// store: the wrapper answers exactly as the store it wraps.
func TestInstrumentContract(t *testing.T) {
	o := apisurface.NewObserved()
	t.Run("contract", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Env {
			clock := storetest.NewClock(time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC))
			return storetest.Env{Store: store.Instrument(store.NewMemory(store.WithClock(clock.Now)), o.MP), Wait: clock.Advance}
		})
	})
	got := o.Points(t, scope)
	for _, op := range []string{"set_nx", "get", "delete", "incr_by", "hset", "hdel", "hgetall", "push_capped", "range"} {
		assert.Greater(t, got["sipconnect.store.operation.duration{op="+op+"}"], uint64(0), op)
	}
}

// TestInstrument calls every method once or more, with answers, a key not
// found (not an error), a key of the wrong kind and an invalid key (both
// errors), and checks every point.
func TestInstrument(t *testing.T) {
	o := apisurface.NewObserved()
	s := store.Instrument(store.NewMemory(), o.MP)
	ctx := context.Background()
	ok, err := s.SetNX(ctx, "k", []byte("v"), time.Minute)
	require.True(t, ok)
	require.NoError(t, err)
	_, err = s.Get(ctx, "k")
	require.NoError(t, err)
	_, err = s.Get(ctx, "missing")
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.Get(ctx, "")
	require.ErrorIs(t, err, store.ErrInvalid)
	require.NoError(t, s.HSet(ctx, "h", "f", []byte("v"), time.Minute))
	_, err = s.IncrBy(ctx, "h", 1, time.Minute)
	require.ErrorIs(t, err, store.ErrWrongType)
	_, err = s.IncrBy(ctx, "n", 1, time.Minute)
	require.NoError(t, err)
	_, err = s.HGetAll(ctx, "h")
	require.NoError(t, err)
	_, err = s.HDel(ctx, "h", "f")
	require.NoError(t, err)
	require.NoError(t, s.PushCapped(ctx, "l", []byte("v"), 10, time.Minute))
	_, err = s.Range(ctx, "l")
	require.NoError(t, err)
	_, err = s.Delete(ctx, "k")
	require.NoError(t, err)

	assert.Equal(t, map[string]any{
		"unit:sipconnect.store.operation.duration":            "s",
		"unit:sipconnect.store.errors":                        "{error}",
		"sipconnect.store.operation.duration{op=set_nx}":      uint64(1),
		"sipconnect.store.operation.duration{op=get}":         uint64(3),
		"sipconnect.store.operation.duration{op=hset}":        uint64(1),
		"sipconnect.store.operation.duration{op=incr_by}":     uint64(2),
		"sipconnect.store.operation.duration{op=hgetall}":     uint64(1),
		"sipconnect.store.operation.duration{op=hdel}":        uint64(1),
		"sipconnect.store.operation.duration{op=push_capped}": uint64(1),
		"sipconnect.store.operation.duration{op=range}":       uint64(1),
		"sipconnect.store.operation.duration{op=delete}":      uint64(1),
		"sipconnect.store.errors{op=get}":                     int64(1),
		"sipconnect.store.errors{op=incr_by}":                 int64(1),
	}, o.Points(t, scope))
}

// TestInstrumentDefault checks that a store instrumented with no provider
// answers and records into no reader.
func TestInstrumentDefault(t *testing.T) {
	o := apisurface.NewObserved()
	s := store.Instrument(store.NewMemory(), nil)
	ok, err := s.SetNX(context.Background(), "k", []byte("v"), 0)
	require.NoError(t, err)
	require.True(t, ok)
	v, err := s.Get(context.Background(), "k")
	require.NoError(t, err)
	assert.Equal(t, "v", string(v))
	assert.Empty(t, o.Points(t, scope))
}

// TestInstrumentHoldsNoSecret stores keys and values that name a PIN, a
// phone number and a room, and finds none of them in any attribute.
func TestInstrumentHoldsNoSecret(t *testing.T) {
	o := apisurface.NewObserved()
	s := store.Instrument(store.NewMemory(), o.MP)
	ctx := context.Background()
	const pin, phone, room = "pin:483920175", "+14155550123", "room-6612345"
	_, _ = s.SetNX(ctx, pin, []byte(room), time.Minute)
	_, _ = s.IncrBy(ctx, pin, 1, time.Minute)
	_ = s.HSet(ctx, room, phone, []byte(pin), time.Minute)
	_, _ = s.HGetAll(ctx, room)
	_, _ = s.Get(ctx, phone)
	o.AssertHoldsNone(t, "483920175", "5550123", "6612345")
}

// BenchmarkStoreGet is a Get of a key held by the memory store, bare and
// instrumented with the default (no-op) provider and with the metric SDK.
func BenchmarkStoreGet(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	for _, bc := range []struct {
		name string
		s    store.Store
	}{
		{"store=memory", store.NewMemory()},
		{"store=instrumented-noop", store.Instrument(store.NewMemory(), nil)},
		{"store=instrumented-sdk", store.Instrument(store.NewMemory(), mp)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := bc.s.SetNX(ctx, "pins:123456789", []byte("room-1:guest"), 0); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.s.Get(ctx, "pins:123456789"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
