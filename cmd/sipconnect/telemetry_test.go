package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoDone is the msg of the last record of the demo's sample call.
const demoDone = `"msg":"the roster, and hanging the caller up`

// get answers a GET of u: its status, content type and body.
func get(t *testing.T, u string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// assertMetrics checks that u answers Prometheus text format with the
// resource's target_info and the Go runtime's metrics.
func assertMetrics(t *testing.T, u string) string {
	t.Helper()
	status, ctype, body := get(t, u)
	require.Equal(t, http.StatusOK, status, body)
	assert.True(t, strings.HasPrefix(ctype, "text/plain"), ctype)
	assert.Contains(t, body, "\ntarget_info{")
	assert.Contains(t, body, `service_name="sipconnect"`)
	assert.Contains(t, body, "\ngo_goroutines ")
	return body
}

func TestServeMetricsInDemoMode(t *testing.T) {
	s := startServeBinary(t, nil, demoDone, "--log-format", "json")
	base := strings.TrimSuffix(s.url(t, "serving the voice webhook"), "/twilio/voice")
	assert.Equal(t, base+"/metrics", s.url(t, "serving metrics"))
	body := assertMetrics(t, base+"/metrics")
	// The sample call moved the library's instruments.
	for _, name := range []string{"sipconnect_calls_total{", "sipconnect_call_answer_duration_seconds_bucket{",
		"sipconnect_hmsapi_requests_total{", "sipconnect_hmsapi_request_duration_seconds_bucket{",
		"sipconnect_roomcode_cache_lookups_total{", "sipconnect_phone_participants", "sipconnect_webhook_deliveries_total{",
		"sipconnect_store_operation_duration_seconds_count{"} {
		assert.Contains(t, body, "\n"+name)
	}
	assert.Equal(t, 0, s.stop(t).code)
}

func TestServeMetricsAddr(t *testing.T) {
	// In demo mode, --metrics-addr moves /metrics to a listener of its own.
	s := startServeBinary(t, nil, demoDone, "--log-format", "json", "--metrics-addr", "127.0.0.1:0")
	base := strings.TrimSuffix(s.url(t, "serving the voice webhook"), "/twilio/voice")
	metrics := s.url(t, "serving metrics")
	assert.NotEqual(t, base+"/metrics", metrics)
	assertMetrics(t, metrics)
	status, _, _ := get(t, base+"/metrics")
	assert.Equal(t, http.StatusNotFound, status, "no /metrics on the main listener")
	status, _, _ = get(t, strings.TrimSuffix(metrics, "/metrics")+"/healthz")
	assert.Equal(t, http.StatusNotFound, status, "only /metrics on the metrics listener")
	assert.Equal(t, 0, s.stop(t).code)

	// Outside demo mode, metrics are off without it, and on with it.
	env := map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken}
	s = startServeBinary(t, env, `"msg":"try it"`, "--log-format", "json", "--room-code", "abc-defg-hij")
	base = strings.TrimSuffix(s.url(t, "serving the voice webhook"), "/twilio/voice")
	assert.Empty(t, withMsg(records(t, s.stdout.String()), "serving metrics"))
	status, _, _ = get(t, base+"/metrics")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, 0, s.stop(t).code)

	s = startServeBinary(t, env, `"msg":"try it"`, "--log-format", "json", "--room-code", "abc-defg-hij", "--metrics-addr", "127.0.0.1:0")
	assertMetrics(t, s.url(t, "serving metrics"))
	assert.Equal(t, 0, s.stop(t).code)

	// A bad address names the flag.
	r := sipconnectCmd(t, env, "serve", "--addr", "127.0.0.1:0", "--room-code", "abc-defg-hij", "--metrics-addr", "9090")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "sipconnect: --metrics-addr 9090: want HOST:PORT; for port 9090 give --metrics-addr 127.0.0.1:9090")
}

// otlpCollector is an OTLP/HTTP endpoint that keeps what it was sent.
type otlpCollector struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string // path and content type
}

func newOTLPCollector(t *testing.T) *otlpCollector {
	c := &otlpCollector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		c.mu.Lock()
		c.requests = append(c.requests, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type"))
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *otlpCollector) received() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.requests...)
}

func TestServeSendsTracesOverOTLP(t *testing.T) {
	for _, variable := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		t.Run(variable, func(t *testing.T) {
			c := newOTLPCollector(t)
			endpoint := c.URL
			if variable == "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" {
				endpoint += "/v1/traces"
			}
			s := startServeBinary(t, map[string]string{variable: endpoint}, demoDone, "--log-format", "json")
			// The sample call's spans wait in the batch until shutdown
			// flushes them.
			start := time.Now()
			r := s.stop(t)
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Less(t, time.Since(start), defaultGrace)
			assert.Contains(t, c.received(), "POST /v1/traces application/x-protobuf", r.stderr)
			records(t, r.stdout)
			assert.NotContains(t, r.stderr, `"level":"WARN"`, "no export failed")
		})
	}
}

func TestServeTracesOff(t *testing.T) {
	c := newOTLPCollector(t)
	// OTEL_TRACES_EXPORTER=none turns traces off, endpoint or not.
	s := startServeBinary(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": c.URL, "OTEL_TRACES_EXPORTER": "none"}, demoDone, "--log-format", "json")
	r := s.stop(t)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, c.received())
	assert.NotContains(t, r.stderr, "sending traces")
}
