package sipconnect_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

// observed is a handler's telemetry read back: the metrics collected by a
// manual reader and the spans ended.
type observed struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	mp     *sdkmetric.MeterProvider
	tp     *sdktrace.TracerProvider
}

func newObserved() *observed {
	o := &observed{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	o.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(o.reader))
	o.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(o.spans))
	return o
}

// counts returns the data points of the counter name, keyed by their
// attributes written "k=v,k=v" in order.
func (o *observed) counts(t *testing.T, name string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, o.reader.Collect(context.Background(), &rm))
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is a sum of int64, not %T", name, m.Data)
			for _, dp := range sum.DataPoints {
				got[attrs(dp.Attributes)] += dp.Value
			}
		}
	}
	return got
}

// histogramCount returns how many values the histogram name recorded.
func (o *observed) histogramCount(t *testing.T, name, unit string) uint64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, o.reader.Collect(context.Background(), &rm))
	var n uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				assert.Equal(t, unit, m.Unit)
				for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
					n += dp.Count
				}
			}
		}
	}
	return n
}

func attrs(s attribute.Set) string {
	var parts []string
	for _, kv := range s.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	return strings.Join(parts, ",")
}

func TestHandlerMetricsAndSpans(t *testing.T) {
	o := newObserved()
	failing := true
	d := newDialIn(t, sipconnect.HandlerConfig{
		Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) {
			if failing {
				return "", errors.New("room lookup failed")
			}
			return "abc-defg-hij", nil
		}),
		MeterProvider: o.mp, TracerProvider: o.tp,
	})
	status, _ := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status)
	failing = false
	for range 2 {
		status, _ = d.signedPost(t, "/hooks/voice", callForm())
		require.Equal(t, http.StatusOK, status)
	}
	status, _ = d.post(t, "/hooks/voice", callForm(), "forged")
	require.Equal(t, http.StatusForbidden, status)

	assert.Equal(t, map[string]int64{
		"carrier=twilio,outcome=bridged":            2,
		"carrier=twilio,outcome=fallback":           1,
		"carrier=twilio,outcome=rejected_signature": 1,
	}, o.counts(t, "sipconnect.calls"))
	assert.Equal(t, map[string]int64{"reason=room": 1}, o.counts(t, "sipconnect.fallbacks"))
	assert.Equal(t, uint64(4), o.histogramCount(t, "sipconnect.call.answer.duration", "s"))

	spans := o.spans.Ended()
	require.Len(t, spans, 4, "one span per webhook")
	outcomes := map[string]int{}
	for _, s := range spans {
		assert.Equal(t, "sipconnect.call", s.Name())
		for _, kv := range s.Attributes() {
			if kv.Key == "sipconnect.outcome" {
				outcomes[kv.Value.AsString()]++
			}
		}
	}
	assert.Equal(t, map[string]int{"bridged": 2, "fallback": 1, "rejected_signature": 1}, outcomes)
}

// A webhook that carries W3C trace context continues the caller's trace.
func TestHandlerSpanContinuesIncomingTrace(t *testing.T) {
	o := newObserved()
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), TracerProvider: o.tp})
	req, err := twiml.NewSignedRequest(http.MethodPost, d.srv.URL+"/hooks/voice", authToken, callForm())
	require.NoError(t, err)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	status, _ := d.do(t, req)
	require.Equal(t, http.StatusOK, status)
	spans := o.spans.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", spans[0].SpanContext().TraceID().String())
	assert.Equal(t, "00f067aa0ba902b7", spans[0].Parent().SpanID().String())
}

// The PIN menu's answers are counted under their own outcomes, and no
// attribute of any metric or span holds the PIN, the caller's number or
// the room code.
func TestHandlerCountsPINOutcomesWithoutPersonalData(t *testing.T) {
	o := newObserved()
	const pin = "4815162342"
	resolver := pins.ResolverFunc(func(_ context.Context, digits string, _ sipconnect.Call) (pins.Target, error) {
		if digits == pin {
			return pins.Target{RoomCode: "abc-defg-hij"}, nil
		}
		return pins.Target{}, pins.ErrUnknown
	})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: srv.URL,
		PIN:           &pins.Config{Resolver: resolver, Path: "/hooks/pin"},
		MeterProvider: o.mp, TracerProvider: o.tp, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	mux.Handle("/hooks/voice", h)
	mux.Handle("/hooks/pin", h.PINHandler())
	post := func(u string, form url.Values) string {
		req, err := twiml.NewSignedRequest(http.MethodPost, u, authToken, form)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}
	step := func(body string) string {
		i := strings.Index(body, srv.URL+"/hooks/pin?")
		require.GreaterOrEqual(t, i, 0, body)
		j := strings.IndexAny(body[i:], `"<`)
		return strings.ReplaceAll(body[i:i+j], "&amp;", "&")
	}
	prompt := post(srv.URL+"/hooks/voice", callForm())
	wrong := post(step(prompt), callForm("Digits", "1111111111"))
	ok := post(step(wrong), callForm("Digits", pin))
	assert.Contains(t, ok, "sip:abc-defg-hij@")

	assert.Equal(t, map[string]int64{
		"carrier=twilio,outcome=pin_prompt": 1,
		"carrier=twilio,outcome=pin_wrong":  1,
		"carrier=twilio,outcome=pin_ok":     1,
	}, o.counts(t, "sipconnect.calls"))
	var rm metricdata.ResourceMetrics
	require.NoError(t, o.reader.Collect(context.Background(), &rm))
	var seen []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					seen = append(seen, attrs(dp.Attributes))
				}
			}
		}
	}
	for _, s := range o.spans.Ended() {
		for _, kv := range s.Attributes() {
			seen = append(seen, kv.Value.Emit())
		}
	}
	for _, v := range seen {
		assert.NotContains(t, v, pin)
		assert.NotContains(t, v, "4155550123")
		assert.NotContains(t, v, "abc-defg-hij")
	}
}

// Without providers the handler uses otel's global ones, no-op unless the
// program installs an SDK, and answers as before.
func TestHandlerWithoutProviders(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij")})
	status, body := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "sip:abc-defg-hij@sip.100ms.live")
}
