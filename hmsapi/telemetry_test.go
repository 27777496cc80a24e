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
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/internal/apisurface"
)

// scope is the instrumentation scope of the client's metrics.
const scope = "github.com/hmssip/interconnect-go/hmsapi"

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
	o := apisurface.NewObserved()
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(quickRetries), hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	apiDown, err := hmsapi.New(hmsapi.WithBaseURL(down.URL), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{}), hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP))
	require.NoError(t, err)

	ctx, parent := o.TP.Tracer("test").Start(context.Background(), "parent")
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok", Operation: "test.ok"}, nil))
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/flaky", Operation: "test.flaky", Repeatable: true}, nil))
	require.ErrorIs(t, api.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/missing", Operation: "test.missing"}, nil), hmsapi.ErrNotFound)
	require.NoError(t, api.Do(ctx, hmsapi.Request{Method: http.MethodPost, Path: "/ok"}, nil))
	require.Error(t, apiDown.Do(ctx, hmsapi.Request{Method: http.MethodGet, Path: "/ok", Operation: "test.down"}, nil))
	parent.End()

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
	}, o.Points(t, scope))

	type span struct {
		name   string
		status any
		resend any
		err    bool
	}
	var calls []span
	for _, s := range o.Spans.Ended() {
		if s.Name() == "parent" {
			continue
		}
		assert.Equal(t, trace.SpanKindClient, s.SpanKind(), s.Name())
		assert.Equal(t, parent.SpanContext().SpanID(), s.Parent().SpanID(), s.Name())
		assert.Equal(t, parent.SpanContext().TraceID(), s.SpanContext().TraceID(), s.Name())
		st := apisurface.SpanValue(s, "http.response.status_code")
		rs := apisurface.SpanValue(s, "http.request.resend_count")
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
	tp := apisurface.NewObserved().TP
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
	o := apisurface.NewObserved()
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithManagementToken("mgmt-token-0123456789"),
		hmsapi.WithRetryPolicy(quickRetries))
	require.NoError(t, err)
	require.NoError(t, api.Do(context.Background(), hmsapi.Request{Method: http.MethodGet, Path: "/flaky", Operation: "test.flaky", Repeatable: true}, nil))
	assert.Empty(t, o.Points(t, scope))
}

// TestTelemetryHoldsNoSecret sends requests whose path, query and body
// hold a room id, a phone number, a room code and a secret, with a token
// minted from app credentials, and finds none of them in any attribute or
// span name.
func TestTelemetryHoldsNoSecret(t *testing.T) {
	srv, _ := telemetryServer(t)
	o := apisurface.NewObserved()
	api, err := hmsapi.New(hmsapi.WithBaseURL(srv.URL+"/v2"), hmsapi.WithAppCredentials("access-key-0123", "app-secret-0123456789"),
		hmsapi.WithMeterProvider(o.MP), hmsapi.WithTracerProvider(o.TP), hmsapi.WithRetryPolicy(quickRetries))
	require.NoError(t, err)
	const room, phone, code, password = "room-6612345", "+14155550123", "abc-defg-hij", "hunter2-password"
	body := map[string]string{"to": phone, "room_code": code, "password": password}
	for _, p := range []string{"/rooms/" + room + "/ok", "/rooms/" + room + "/missing", "/rooms/" + room + "/flaky"} {
		_ = api.Do(context.Background(), hmsapi.Request{Method: http.MethodPost, Path: p, Body: body, Secrets: []string{password},
			Query: map[string][]string{"room_id": {room}}, Operation: "test.call", Repeatable: true}, nil)
	}
	o.AssertHoldsNone(t, room, phone, code, password, "app-secret-0123456789", "eyJ", "6612345", "5550123")
}
