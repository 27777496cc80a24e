package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"":             "-",
		"Alice":        "Alice",
		"Zoë Ötztal":   "Zoë Ötztal",
		"Eve\npeer-a":  `"Eve\npeer-a"`,
		"a\tb":         `"a\tb"`,
		"\x1b[2KEve":   `"\x1b[2KEve"`,
		"Eve\u202eevE": `"Eve\u202eevE"`, // right-to-left override
		"Eve\u0085":    `"Eve\u0085"`,    // C1 next line
		"Eve\xff":      `"Eve\xff"`,
	} {
		assert.Equal(t, want, cell(in), "%q", in)
	}
}

// A participant picks their own name and user id: one with a line break
// or a terminal escape sequence is printed quoted, on its peer's row.
func TestPeersListQuotesHostileText(t *testing.T) {
	forged := "Eve\npeer-a  Alice  alice  host  2031-05-06T07:08:09Z\x1b[2K"
	_, env := apiFake(t, hmstest.WithPeer(testRoomID, hmstest.Peer{ID: "peer-e", Name: forged, UserID: "eve\r", Role: "guest",
		JoinedAt: joinedAt.Add(2 * time.Minute)}))
	r := sipconnectCmd(t, env, "peers", "list", "--room-id", testRoomID)
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 4, "a header and three peers:\n%s", r.stdout)
	assert.Regexp(t, `^peer-e +"Eve\\npeer-a  Alice  alice  host  2031-05-06T07:08:09Z\\x1b\[2K" +"eve\\r" +guest +2031-05-06T07:10:09Z$`, lines[3])
	assert.NotContains(t, r.stdout, "\x1b")
	assert.NotContains(t, r.stdout, "\r")
}

// The calls table shows what callers and carriers sent (a caller id, a
// dial status): each record stays one row, without raw control
// characters.
func TestPrintRecordsQuotesHostileText(t *testing.T) {
	started := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	var b bytes.Buffer
	require.NoError(t, printRecords(&b, []roster.CallRecord{{CallID: "CA1", Direction: "inbound", Carrier: "twilio", From: "+1\n\x1b]0;pwned\x07",
		Outcome: "failed", Reason: "x\ny", DialStatus: "busy\r", SIPResponse: "486\t", Started: started}}))
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	require.Len(t, lines, 2, b.String())
	assert.Regexp(t, `^CA1 +inbound +twilio +"\+1\\n\\x1b\]0;pwned\\a" +- +"failed \(x\\ny\)" +"busy\\r" +"486\\t" +- +- +2031-05-06T07:08:09Z$`, lines[1])
	for _, c := range "\x1b\x07\r\t" {
		assert.NotContains(t, b.String(), string(c))
	}
}

// The codes table quotes a role with control characters, as the other
// tables do.
func TestCodesListQuotesHostileText(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":[{"code":"gst-abcd-xyz","room_id":"room-1","role":"guest\nforged-row  host\u001b[2K","enabled":true}],"last":""}`))
	}))
	t.Cleanup(srv.Close)
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": srv.URL}
	r := sipconnectCmd(t, env, "codes", "list", "--room-id", "room-1")
	require.Equal(t, 0, r.code, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 2, r.stdout)
	assert.Regexp(t, `^gst-abcd-xyz +"guest\\nforged-row  host\\x1b\[2K" +true +room-1 +-$`, lines[1])
}
