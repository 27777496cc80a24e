package sipout_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/sipout"
)

// scope is the instrumentation scope of the client's metrics.
const scope = "github.com/hmssip/interconnect-go/sipout"

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
	o := apisurface.NewObserved()
	f := telemetryFake(t, sipout.WithMeterProvider(o.MP))
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

	assert.Equal(t, map[string]any{
		"unit:sipconnect.dialout.calls":               "{call}",
		"sipconnect.dialout.calls{result=answered}":   int64(2),
		"sipconnect.dialout.calls{result=failed_4xx}": int64(1),
		"sipconnect.dialout.calls{result=no_answer}":  int64(1),
		"sipconnect.dialout.calls{result=failed_5xx}": int64(1),
		"sipconnect.dialout.calls{result=canceled}":   int64(1),
	}, o.Points(t, scope), "one count per call by result")
}

// TestCallTelemetryDefault checks that a client given no provider calls
// and records into no reader.
func TestCallTelemetryDefault(t *testing.T) {
	o := apisurface.NewObserved()
	f := telemetryFake(t)
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.NoError(t, err)
	assert.Empty(t, o.Points(t, scope))
}

// TestCallTelemetryHoldsNoSecret calls a number with a name, user id,
// header and room code, and finds none of them, nor the trunk's id and
// password, in an attribute.
func TestCallTelemetryHoldsNoSecret(t *testing.T) {
	o := apisurface.NewObserved()
	f := telemetryFake(t, sipout.WithMeterProvider(o.MP))
	f.srv.SetCallDecline("+14155550124")
	for _, to := range []string{"+14155550123", "+14155550124"} {
		r := f.call(to)
		r.Name, r.UserID = "Alex", "crm-77"
		_, _ = f.client.Call(context.Background(), r)
	}
	seen := o.Attributes(t)
	require.NotEmpty(t, seen)
	for _, a := range seen {
		assert.Equal(t, attribute.Key("result"), a.Key)
		for _, secret := range []string{"5550123", "5550124", roomCode, "Alex", "crm-77", f.trunk, "trunk-password"} {
			assert.NotContains(t, a.Value.String(), secret)
		}
	}
}
