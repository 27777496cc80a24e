package sipout_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
)

// dialouts collects r and returns the points of sipconnect.dialout.calls
// by result, and its unit.
func dialouts(t *testing.T, r *sdkmetric.ManualReader) (map[string]int64, string) {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]int64{}
	var unit string
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, "github.com/hmssip/interconnect-go/sipout", sm.Scope.Name)
		for _, m := range sm.Metrics {
			require.Equal(t, "sipconnect.dialout.calls", m.Name)
			unit = m.Unit
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				var kv []string
				for _, a := range p.Attributes.ToSlice() {
					kv = append(kv, string(a.Key)+"="+a.Value.String())
				}
				out[strings.Join(kv, ",")] = p.Value
			}
		}
	}
	return out, unit
}

// telemetryFake is the fake of newFake with a client counting its calls
// into mp (nil: the default).
func telemetryFake(t *testing.T, opts ...sipout.Option) *fake {
	t.Helper()
	f := newFake(t)
	f.client = sipout.NewClient(f.client.API(), opts...)
	return f
}

// TestCallTelemetry places calls the fake answers, declines, never
// answers, fails with a 503, and that the caller gives up on, and checks
// one count per call by result; a call refused before it is placed is not
// counted.
func TestCallTelemetry(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	f := telemetryFake(t, sipout.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	ctx := context.Background()
	f.srv.SetCallDecline("+14155550124")
	f.srv.SetCallNoAnswer("+14155550125")
	f.srv.SetMaxRing(10 * time.Millisecond)
	f.srv.SetCallAnswer("+14155550126", time.Minute)

	_, err := f.client.Call(ctx, f.call("+14155550123"))
	require.NoError(t, err)
	_, err = f.client.Call(ctx, f.call("+14155550123"))
	require.NoError(t, err)
	_, err = f.client.Call(ctx, f.call("+14155550124"))
	require.ErrorIs(t, err, hmsapi.ErrBadRequest)
	_, err = f.client.Call(ctx, f.call("+14155550125"))
	require.ErrorIs(t, err, sipout.ErrNoAnswer)
	f.srv.InjectFault(hmstest.Fault{Count: 1, Status: 503})
	_, err = f.client.Call(ctx, f.call("+14155550123"))
	require.ErrorIs(t, err, hmsapi.ErrServer)
	gone, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = f.client.Call(gone, f.call("+14155550126"))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = f.client.Call(ctx, f.call("4155550123"))
	require.ErrorIs(t, err, hmsapi.ErrInvalidInput)

	got, unit := dialouts(t, reader)
	assert.Equal(t, "{call}", unit)
	assert.Equal(t, map[string]int64{
		"result=answered":   2,
		"result=failed_4xx": 1,
		"result=no_answer":  1,
		"result=failed_5xx": 1,
		"result=canceled":   1,
	}, got)
}

// TestCallTelemetryDefault checks that a client given no provider calls
// and records into no reader.
func TestCallTelemetryDefault(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	f := telemetryFake(t)
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.NoError(t, err)
	got, _ := dialouts(t, reader)
	assert.Empty(t, got)
}

// TestCallTelemetryHoldsNoSecret calls a number with a name, user id,
// header and room code, and finds none of them, nor the trunk's id and
// password, in an attribute.
func TestCallTelemetryHoldsNoSecret(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	f := telemetryFake(t, sipout.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	f.srv.SetCallDecline("+14155550124")
	for _, to := range []string{"+14155550123", "+14155550124"} {
		r := f.call(to)
		r.Name, r.UserID = "Alex", "crm-77"
		_, _ = f.client.Call(context.Background(), r)
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	var seen []attribute.KeyValue
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				seen = append(seen, p.Attributes.ToSlice()...)
			}
		}
	}
	require.NotEmpty(t, seen)
	for _, a := range seen {
		assert.Equal(t, attribute.Key("result"), a.Key)
		for _, secret := range []string{"5550123", "5550124", roomCode, "Alex", "crm-77", f.trunk, "trunk-password"} {
			assert.NotContains(t, a.Value.String(), secret)
		}
	}
}
