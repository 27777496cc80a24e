package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
