package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/twiml"
)

// servingBinary is the binary's serve running.
type servingBinary struct {
	cmd            *exec.Cmd
	stdout, stderr lockedBuffer
	exited         chan error
}

// startServeBinary runs the binary's serve on a free loopback port until
// its stdout or stderr holds want.
func startServeBinary(t *testing.T, env map[string]string, want string, args ...string) *servingBinary {
	t.Helper()
	s := &servingBinary{cmd: exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...), exited: make(chan error, 1)}
	s.cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range env {
		s.cmd.Env = append(s.cmd.Env, k+"="+v)
	}
	s.cmd.Stdout, s.cmd.Stderr = &s.stdout, &s.stderr
	require.NoError(t, s.cmd.Start())
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	deadline := time.After(15 * time.Second)
	for !strings.Contains(s.stdout.String(), want) && !strings.Contains(s.stderr.String(), want) {
		select {
		case err := <-s.exited:
			t.Fatalf("serve exited before printing %q (%v); stdout: %s\nstderr: %s", want, err, s.stdout.String(), s.stderr.String())
		case <-deadline:
			t.Fatalf("%q never printed; stdout: %s\nstderr: %s", want, s.stdout.String(), s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return s
}

// stop stops serve with SIGTERM and returns all it printed.
func (s *servingBinary) stop(t *testing.T) result {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
	return result{s.cmd.ProcessState.ExitCode(), s.stdout.String(), s.stderr.String()}
}

// url returns the url field of the stdout record whose msg starts with
// msg (serve runs with --log-format json).
func (s *servingBinary) url(t *testing.T, msg string) string {
	t.Helper()
	recs := withMsg(records(t, s.stdout.String()), msg)
	require.Len(t, recs, 1, "%q in %s", msg, s.stdout.String())
	return recs[0]["url"].(string)
}

// runServeBinary runs the binary's serve until its stdout or stderr holds
// want, then stops it with SIGTERM and returns all it printed.
func runServeBinary(t *testing.T, env map[string]string, want string, args ...string) result {
	t.Helper()
	return startServeBinary(t, env, want, args...).stop(t)
}

// records parses every line of out as a JSON object; it fails the test on
// a line that is not one.
func records(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" && out == "" {
			break
		}
		var rec map[string]any
		if !assert.NoError(t, json.Unmarshal([]byte(line), &rec), "not a JSON record: %q", line) {
			continue
		}
		assert.Contains(t, rec, "time", line)
		assert.Contains(t, rec, "level", line)
		assert.Contains(t, rec, "msg", line)
		recs = append(recs, rec)
	}
	return recs
}

// withMsg returns the records whose msg starts with prefix.
func withMsg(recs []map[string]any, prefix string) []map[string]any {
	var found []map[string]any
	for _, r := range recs {
		if m, _ := r["msg"].(string); strings.HasPrefix(m, prefix) {
			found = append(found, r)
		}
	}
	return found
}

func TestServeLogFormatJSON(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		last string // the msg of the demo's last record
	}{
		{"demo", nil, "the roster, and hanging the caller up"},
		{"pin demo", []string{"--pin"}, "the roster, and hanging the caller up"},
		{"telnyx demo", []string{"--provider", "telnyx"}, "the roster, and hanging the caller up"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runServeBinary(t, nil, `"msg":"`+tt.last, append([]string{"--log-format", "json"}, tt.args...)...)
			assert.Equal(t, 0, r.code, r.stderr)
			out, errs := records(t, r.stdout), records(t, r.stderr)
			assert.NotEmpty(t, withMsg(errs, "demo mode:"), "the banner is a record")
			assert.NotEmpty(t, withMsg(errs, "sipconnect: shutting down"))
			require.Len(t, withMsg(out, "try it"), 1)
			assert.True(t, strings.HasPrefix(withMsg(out, "try it")[0]["curl"].(string), "curl -sS -X POST 'http://127.0.0.1:"))
			require.Len(t, withMsg(out, "serving the voice webhook"), 1)
			assert.Contains(t, withMsg(out, "serving the voice webhook")[0]["url"], "http://127.0.0.1:")
			answers := withMsg(out, "the carrier gets this answer")
			require.NotEmpty(t, answers)
			assert.Contains(t, answers[len(answers)-1]["answer"], "<Dial")
			roster := withMsg(out, "the phone roster of the room")
			require.Len(t, roster, 1)
			phones := roster[0]["roster"].(map[string]any)["phones"].([]any)
			require.Len(t, phones, 1)
			assert.Equal(t, demoPeerID, phones[0].(map[string]any)["peer_id"])
			assertNoSecrets(t, r.stdout, r.stderr)
		})
	}
}

func TestServeLogLevel(t *testing.T) {
	// At warn, the demo's only line is the warning that signatures go
	// unchecked; the info lines, its banner and shutting down among them,
	// are not printed.
	r := runServeBinary(t, nil, "signature checking is off", "--log-format", "json", "--log-level", "warn", "--insecure-skip-signature")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	for _, rec := range records(t, r.stderr) {
		assert.Contains(t, []any{"WARN", "ERROR"}, rec["level"], rec)
	}
	assert.NotContains(t, r.stderr, "shutting down")

	r = runServeBinary(t, nil, "signature checking is off", "--log-level", "warn", "--insecure-skip-signature")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout, "text format drops the info lines too")
	assert.Equal(t, "*** WARNING: signature checking is off; anyone can make this server answer. ***\n", r.stderr)

	// At debug and info, text format prints what it always did.
	r = runServeBinary(t, nil, "the roster, and hanging the caller up", "--log-level", "debug")
	assert.Contains(t, r.stdout, "try it:\ncurl -sS -X POST ")
	assert.Contains(t, r.stderr, "*** DEMO MODE")
	assert.Contains(t, r.stderr, `level=INFO msg="sipconnect: shutting down"`)
}

func TestServeLogFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--log-format", "jsn"}, `sipconnect: --log-format must be text or json, not "jsn"; did you mean json?`},
		{[]string{"--log-level", "verbose"}, `sipconnect: --log-level must be debug, info, warn or error, not "verbose"`},
	} {
		r := sipconnectCmd(t, nil, append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)...)
		assert.Equal(t, 2, r.code, "%v: %s", tt.args, r.stderr)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.Equal(t, tt.msg, first, "%v", tt.args)
	}
	// Once the flags are read, the error serve ends with is a record too.
	r := sipconnectCmd(t, nil, "serve", "--addr", "8081", "--log-format", "json")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	recs := records(t, r.stderr)
	require.Len(t, recs, 1, r.stderr)
	assert.Equal(t, "ERROR", recs[0]["level"])
	assert.Equal(t, "--addr 8081: want HOST:PORT; for port 8081 give --addr 127.0.0.1:8081 (this machine only) or --addr :8081 (every interface)", recs[0]["msg"])
}

func TestServeErrorLogIsARecord(t *testing.T) {
	var stderr lockedBuffer
	cmd := &command{fs: nil}
	lf := logFlags{format: "json", level: "info"}
	o, err := lf.output(cmd, env{stdout: &stderr, stderr: &stderr})
	require.NoError(t, err)
	newHTTPServer(nil, o).ErrorLog.Printf("http: Accept error: %s", "too many open files")
	recs := records(t, stderr.String())
	require.Len(t, recs, 1)
	assert.Equal(t, "WARN", recs[0]["level"])
	assert.Equal(t, "http: Accept error: too many open files", recs[0]["msg"])
}

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

// seriesLine is one sample of Prometheus text format.
var seriesLine = regexp.MustCompile(`(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)$`)

// sample returns the value of the series name whose labels include want,
// whatever other labels it has (otel adds otel_scope_name and others); it
// fails the test unless exactly one series matches.
func sample(t *testing.T, body, name string, want map[string]string) string {
	t.Helper()
	var found []string
	for _, m := range seriesLine.FindAllStringSubmatch(body, -1) {
		if m[1] != name {
			continue
		}
		labels := map[string]string{}
		for _, l := range regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(m[2], -1) {
			labels[l[1]] = l[2]
		}
		ok := true
		for k, v := range want {
			ok = ok && labels[k] == v
		}
		if ok {
			found = append(found, m[3])
		}
	}
	require.Len(t, found, 1, "%s%v in:\n%s", name, want, body)
	return found[0]
}

// After signed calls of known outcomes, /metrics holds their counts.
func TestServeMetricsValuesAfterCalls(t *testing.T) {
	env := map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken}
	s := startServeBinary(t, env, `"msg":"try it"`, "--log-format", "json", "--room-code", "abc-defg-hij", "--metrics-addr", "127.0.0.1:0")
	voice := s.url(t, "serving the voice webhook")
	for i, sid := range []string{"CA-m-1", "CA-m-2"} {
		form := url.Values{"CallSid": {sid}, "From": {"+1415555000" + string(rune('0'+i))}, "To": {"+15005550001"}}
		req, err := twiml.NewSignedRequest(http.MethodPost, voice, secretTwilioToken, form)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, sid)
	}
	form := url.Values{"CallSid": {"CA-m-forged"}, "From": {"+14155550009"}, "To": {"+15005550001"}}
	req, err := twiml.NewSignedRequest(http.MethodPost, voice, "not-the-auth-token", form)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 403, resp.StatusCode)

	body := assertMetrics(t, s.url(t, "serving metrics"))
	assert.Equal(t, "2", sample(t, body, "sipconnect_calls_total", map[string]string{"carrier": "twilio", "outcome": "bridged"}))
	assert.Equal(t, "1", sample(t, body, "sipconnect_calls_total", map[string]string{"carrier": "twilio", "outcome": "rejected_signature"}))
	assert.Equal(t, "3", sample(t, body, "sipconnect_call_answer_duration_seconds_count", map[string]string{"carrier": "twilio"}))
	assert.Equal(t, "3", sample(t, body, "sipconnect_call_answer_duration_seconds_bucket", map[string]string{"carrier": "twilio", "le": "+Inf"}))
	assert.NotContains(t, body, "+1415555000", "no phone number in a label")
	assert.False(t, strings.Contains(body, secretTwilioToken))
	assert.Equal(t, 0, s.stop(t).code)
}

// The demo ends with the metrics its sample call moved and the call's
// record: as text, and as fields of records in json format.
func TestServeDemoShowsMetricsAndRecord(t *testing.T) {
	r := runServeUntil(t, nil, "\"step\": \"joined\"")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "the metrics the sample call moved (GET /metrics; sipconnect_ series not at zero, without buckets):\n")
	assert.Contains(t, r.stdout, "\nsipconnect_calls_total{carrier=\"twilio\",outcome=\"bridged\"} 1\n")
	assert.Contains(t, r.stdout, "\nsipconnect_phone_participants 1\n")
	assert.Contains(t, r.stdout, "\nsipconnect_webhook_deliveries_total{result=\"handled\",type=\"peer.join.success\"} 1\n")
	assert.NotContains(t, r.stdout, "otel_scope_")
	assert.NotContains(t, r.stdout, "_bucket{")
	assert.Contains(t, r.stdout, "the call's record (as GET /calls answers it):\n{\n  \"call_id\": \""+sampleCallSid+"\",\n")
	assert.Contains(t, r.stdout, `"outcome": "bridged"`)
	assert.NotContains(t, r.stdout, "+15005550006", "masked numbers only")

	for _, args := range [][]string{nil, {"--pin"}} {
		r := runServeBinary(t, nil, `"msg":"the call's record"`, append([]string{"--log-format", "json"}, args...)...)
		assert.Equal(t, 0, r.code, r.stderr)
		out := records(t, r.stdout)
		moved := withMsg(out, "the metrics the sample call moved")
		require.Len(t, moved, 1, args)
		assert.Contains(t, moved[0]["metrics"], "sipconnect_phone_participants 1", args)
		rec := withMsg(out, "the call's record")
		require.Len(t, rec, 1, args)
		record := rec[0]["record"].(map[string]any)
		assert.Equal(t, sampleCallSid, record["call_id"], args)
		assert.Equal(t, demoRoomID, record["room_id"], args)
		assert.NotEmpty(t, record["timeline"], args)
	}
}
