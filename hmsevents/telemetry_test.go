package hmsevents_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/hmssip/interconnect-go/hmsevents"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/store"
)

// scope is the instrumentation scope of the receiver's metrics.
const scope = "github.com/hmssip/interconnect-go/hmsevents"

// unavailableStore refuses every claim, as a store that is down does.
type unavailableStore struct{ store.Store }

func (unavailableStore) SetNX(context.Context, string, []byte, time.Duration) (bool, error) {
	return false, store.ErrUnavailable
}

// spanRecorder is a Handler that keeps the span context of each call's
// context, by event id.
type spanRecorder struct {
	mu    sync.Mutex
	spans map[string]trace.SpanContext
}

func (h *spanRecorder) HandleEvent(ctx context.Context, e hmsevents.Event) error {
	h.mu.Lock()
	h.spans[e.ID] = trace.SpanContextFromContext(ctx)
	h.mu.Unlock()
	if e.ID == "fail" {
		return errors.New("handler failed")
	}
	return nil
}

// TestReceiverTelemetry sends webhooks over HTTP that the receiver answers
// in each way but a panic, and checks the delivery counter and the spans:
// one per request, the child of the traceparent it carries, the parent of
// the handler's context.
func TestReceiverTelemetry(t *testing.T) {
	o := apisurface.NewObserved()
	h := &spanRecorder{spans: map[string]trace.SpanContext{}}
	cfg := testConfig(h, nil)
	cfg.MeterProvider, cfg.TracerProvider = o.MP, o.TP
	srv := httptest.NewServer(newReceiver(t, cfg))
	t.Cleanup(srv.Close)
	cfg.Store = unavailableStore{store.NewMemory()}
	down := httptest.NewServer(newReceiver(t, cfg))
	t.Cleanup(down.Close)

	const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	send := func(url, method, body string, header ...string) int {
		t.Helper()
		req, err := http.NewRequest(method, url+"/hooks/100ms/events", strings.NewReader(body))
		require.NoError(t, err)
		for i := 0; i < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	auth := []string{testHeader, testSecret}
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("e1"), auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("e1"), auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", eventJSON("traced"), testHeader, testSecret, "traceparent", traceparent))
	assert.Equal(t, 401, send(srv.URL, "POST", eventJSON("e2")))
	assert.Equal(t, 405, send(srv.URL, "GET", "", auth...))
	assert.Equal(t, 400, send(srv.URL, "POST", "{", auth...))
	assert.Equal(t, 400, send(srv.URL, "POST", `{"id":"e3","type":"peer.leave.success","data":{"left_at":"x"}}`, auth...))
	assert.Equal(t, 200, send(srv.URL, "POST", `{"id":"e4","type":"recording.success","data":{}}`, auth...))
	assert.Equal(t, 503, send(srv.URL, "POST", eventJSON("fail"), auth...))
	assert.Equal(t, 503, send(down.URL, "POST", eventJSON("e5"), auth...))

	assert.Equal(t, map[string]any{
		"unit:sipconnect.webhook.deliveries":                                             "{delivery}",
		"sipconnect.webhook.deliveries{result=handled,type=peer.join.success}":           int64(2),
		"sipconnect.webhook.deliveries{result=duplicate,type=peer.join.success}":         int64(1),
		"sipconnect.webhook.deliveries{result=unauthorized,type=unknown}":                int64(1),
		"sipconnect.webhook.deliveries{result=method_not_allowed,type=unknown}":          int64(1),
		"sipconnect.webhook.deliveries{result=bad_request,type=unknown}":                 int64(1),
		"sipconnect.webhook.deliveries{result=bad_request,type=peer.leave.success}":      int64(1),
		"sipconnect.webhook.deliveries{result=handled,type=unknown}":                     int64(1),
		"sipconnect.webhook.deliveries{result=handler_failed,type=peer.join.success}":    int64(1),
		"sipconnect.webhook.deliveries{result=store_unavailable,type=peer.join.success}": int64(1),
	}, o.Points(t, scope))

	ended := o.Spans.Ended()
	require.Len(t, ended, 10)
	var results []string
	for _, s := range ended {
		assert.Equal(t, "hmsevents.delivery", s.Name())
		assert.Equal(t, trace.SpanKindServer, s.SpanKind())
		results = append(results, apisurface.SpanValue(s, "hmsevents.result").AsString())
	}
	assert.Equal(t, []string{"handled", "duplicate", "handled", "unauthorized", "method_not_allowed", "bad_request",
		"bad_request", "handled", "handler_failed", "store_unavailable"}, results)
	traced := o.EndedSpan(h.spans["traced"].SpanID())
	require.NotNil(t, traced, "the handler's context holds the delivery's span")
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", traced.SpanContext().TraceID().String())
	assert.Equal(t, "b7ad6b7169203331", traced.Parent().SpanID().String())
	assert.True(t, traced.Parent().IsRemote())
	untraced := o.EndedSpan(h.spans["e1"].SpanID())
	require.NotNil(t, untraced)
	assert.False(t, untraced.Parent().IsValid(), "without a traceparent, a root span")
}

// TestReceiverTelemetryDefault checks that a receiver given no provider
// answers and records into no reader.
func TestReceiverTelemetryDefault(t *testing.T) {
	o := apisurface.NewObserved()
	r := newReceiver(t, testConfig(newCounter(), nil))
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Equal(t, http.StatusOK, serve(r, post(eventJSON("e1"))).Code)
	assert.Empty(t, o.Points(t, scope))
}

// TestReceiverTelemetryHoldsNoSecret finds neither the secret, the
// event's id, room, peer or user name (a phone number) nor a type the
// package does not declare in any attribute or span name.
func TestReceiverTelemetryHoldsNoSecret(t *testing.T) {
	o := apisurface.NewObserved()
	cfg := testConfig(newCounter(), nil)
	cfg.MeterProvider, cfg.TracerProvider = o.MP, o.TP
	r := newReceiver(t, cfg)
	serve(r, post(eventJSON("evt-7731")))
	serve(r, post(eventJSON("evt-7731")))
	serve(r, post(`{"id":"evt-7732","type":"+15551234567","data":{}}`))
	bad := post(eventJSON("evt-7733"))
	bad.Header.Set(testHeader, testSecret+"x")
	serve(r, bad)
	o.AssertHoldsNone(t, testSecret, "evt-77", "room1", "peer-", "5551234567", "call-1")
}
