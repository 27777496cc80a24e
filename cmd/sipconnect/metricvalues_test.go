package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/twiml"
)

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
