package hmsapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/hmsapi"
)

// points collects r and flattens it: "name{k=v,...}" (attributes sorted) to
// the sum of a counter or the count of a histogram, and each metric's name
// to its unit under "unit:name".
func points(t *testing.T, r *sdkmetric.ManualReader) map[string]any {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.Collect(context.Background(), &rm))
	out := map[string]any{}
	key := func(name string, s attribute.Set) string {
		var kv []string
		for _, a := range s.ToSlice() {
			kv = append(kv, string(a.Key)+"="+a.Value.String())
		}
		return name + "{" + strings.Join(kv, ",") + "}"
	}
	for _, sm := range rm.ScopeMetrics {
		assert.Equal(t, "github.com/hmssip/interconnect-go/hmsapi", sm.Scope.Name)
		for _, m := range sm.Metrics {
			out["unit:"+m.Name] = m.Unit
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Count
				}
			default:
				t.Errorf("metric %s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return out
}

// telemetryServer answers /ok with 200, /flaky with 503 then 200, and
// /missing with 404, and keeps the traceparent header of each request.
func telemetryServer(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var parents []string
	var flaky atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		parents = append(parents, r.Header.Get("traceparent"))
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			http.Error(w, `{"code":404,"message":"not found"}`, http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/flaky") && flaky.Add(1) == 1:
			http.Error(w, `{"code":503,"message":"busy"}`, http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{}`))
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), parents...)
	}
}

// quickRetries retries once, at once.
var quickRetries = hmsapi.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxRetryAfter: time.Second}

// TestTelemetry drives the client through an answer, a retried answer, an
// error answer, a request without an operation and a transport error, and
// checks every instrument, and one client span per call.
func TestTelemetry(t *testing.T) {
	srv, _ := telemetryServer(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(quickRetries), hmsapi.WithMeterProvider(mp), hmsapi.WithTracerProvider(tp))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	apiDown, err := hmsapi.New(hmsapi.WithBaseURL(down.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}), hmsapi.WithMeterProvider(mp), hmsapi.WithTracerProvider(tp))
	require.NoError(t, err)

	ctx, parent := tp.Tracer("test").Start(context.Background(), "parent")
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok", Operation: "test.ok"}, nil))
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/flaky", Operation: "test.flaky", Repeatable: true}, nil))
	require.ErrorIs(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/missing", Operation: "test.missing"}, nil), hmsapi.ErrNotFound)
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodPost, Path: "/ok"}, nil))
	require.Error(t, apiDown.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok", Operation: "test.down"}, nil))
	parent.End()

	got := points(t, reader)
	assert.Equal(t, map[string]any{
		"unit:sipconnect.hmsapi.requests":                               "{request}",
		"unit:sipconnect.hmsapi.request.duration":                       "s",
		"unit:sipconnect.hmsapi.retries":                                "{request}",
		"sipconnect.hmsapi.requests{operation=test.ok,status=200}":      int64(1),
		"sipconnect.hmsapi.requests{operation=test.flaky,status=200}":   int64(1),
		"sipconnect.hmsapi.requests{operation=test.missing,status=404}": int64(1),
		"sipconnect.hmsapi.requests{operation=POST,status=200}":         int64(1),
		"sipconnect.hmsapi.requests{operation=test.down,status=error}":  int64(1),
		"sipconnect.hmsapi.request.duration{operation=test.ok}":         uint64(1),
		"sipconnect.hmsapi.request.duration{operation=test.flaky}":      uint64(1),
		"sipconnect.hmsapi.request.duration{operation=test.missing}":    uint64(1),
		"sipconnect.hmsapi.request.duration{operation=POST}":            uint64(1),
		"sipconnect.hmsapi.request.duration{operation=test.down}":       uint64(1),
		"sipconnect.hmsapi.retries{operation=test.flaky}":               int64(1),
	}, got)

	type span struct {
		name   string
		status any
		resend any
		err    bool
	}
	var calls []span
	for _, s := range spans.Ended() {
		if s.Name() == "parent" {
			continue
		}
		assert.Equal(t, trace.SpanKindClient, s.SpanKind(), s.Name())
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), s.Name())
		assert.Equal(t, parent.SpanContext().TraceID(), s.SpanContext().TraceID(), s.Name())
		attrs := attribute.NewSet(s.Attributes()...)
		st, _ := attrs.Value("http.response.status_code")
		rs, _ := attrs.Value("http.request.resend_count")
		calls = append(calls, span{s.Name(), st.AsInterface(), rs.AsInterface(), s.Status().Code != 0 && s.Status().Description != ""})
	}
	assert.Equal(t, []span{
		{"test.ok", int64(200), nil, false},
		{"test.flaky", int64(200), int64(1), false},
		{"test.missing", int64(404), nil, true},
		{"POST", int64(200), nil, false},
		{"test.down", nil, nil, true},
	}, calls)
}

// TestTraceparent checks that every request carries the trace context of
// the caller's span, whatever the client's tracer provider, and none when
// there is no span.
func TestTraceparent(t *testing.T) {
	srv, parents := telemetryServer(t)
	tp := sdktrace.NewTracerProvider()
	withTP, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithTracerProvider(tp))
	require.NoError(t, err)
	byDefault, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)

	ctx, caller := tp.Tracer("test").Start(context.Background(), "caller")
	defer caller.End()
	require.NoError(t, withTP.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok"}, nil))
	require.NoError(t, byDefault.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok"}, nil))
	require.NoError(t, byDefault.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/ok"}, nil))

	got := parents()
	require.Len(t, got, 3)
	traceID := caller.SpanContext().TraceID().String()
	// traceparent: version-traceid-parentid-flags.
	for i, h := range got[:2] {
		parts := strings.Split(h, "-")
		require.Len(t, parts, 4, "request %d: traceparent %q", i, h)
		assert.Equal(t, traceID, parts[1], "request %d", i)
	}
	assert.NotEqual(t, caller.SpanContext().SpanID().String(), strings.Split(got[0], "-")[2],
		"with a tracer provider, the parent is the request's own span")
	assert.Empty(t, got[2], "no span, no traceparent")
}

// TestTelemetryDefault checks that a client given no provider works and
// records into no reader: the global providers are no-ops until the
// application installs an SDK.
func TestTelemetryDefault(t *testing.T) {
	srv, _ := telemetryServer(t)
	reader := sdkmetric.NewManualReader()
	_ = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(quickRetries))
	require.NoError(t, err)
	require.NoError(t, api.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/flaky", Operation: "test.flaky", Repeatable: true}, nil))
	assert.Empty(t, points(t, reader))
}

// TestTelemetryHoldsNoSecret sends requests whose path, query and body
// hold a room id, a phone number, a room code and a secret, with a token
// minted from app credentials, and finds none of them in any attribute or
// span name.
func TestTelemetryHoldsNoSecret(t *testing.T) {
	srv, _ := telemetryServer(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithAppCredentials("access-key-0123", "app-secret-0123456789"),
		hmsapi.WithMeterProvider(mp), hmsapi.WithTracerProvider(tp), hmsapi.WithRetryPolicy(quickRetries))
	require.NoError(t, err)
	const room, phone, code, password = "room-6612345", "+14155550123", "abc-defg-hij", "hunter2-password"
	body := map[string]string{"to": phone, "room_code": code, "password": password}
	for _, p := range []string{"/rooms/" + room + "/ok", "/rooms/" + room + "/missing", "/rooms/" + room + "/flaky"} {
		_ = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: p, Body: body, Secrets: []string{password},
			Query: map[string][]string{"room_id": {room}}, Operation: "test.call", Repeatable: true}, nil)
	}
	var seen []string
	for k := range points(t, reader) {
		seen = append(seen, k)
	}
	for _, s := range spans.Ended() {
		seen = append(seen, s.Name(), s.Status().Description)
		for _, a := range s.Attributes() {
			seen = append(seen, a.Value.String())
		}
	}
	require.NotEmpty(t, seen)
	for _, s := range seen {
		for _, secret := range []string{room, phone, code, password, "app-secret-0123456789", "eyJ", "6612345", "5550123"} {
			assert.NotContains(t, s, secret)
		}
	}
}
