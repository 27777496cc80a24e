package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

// getCalls answers GET u+"/calls?"+query with the admin header h.
func getCalls(t *testing.T, base string, h map[string]string, query string) (int, roster.RecordPage, string) {
	t.Helper()
	status, body := do(t, http.MethodGet, base+"/calls?"+query, h, "")
	var page roster.RecordPage
	if status == http.StatusOK {
		require.NoError(t, json.Unmarshal([]byte(body), &page), body)
		require.NotNil(t, page.Records, "records is [] rather than null: %s", body)
	}
	return status, page, body
}

func callIDs(recs []roster.CallRecord) []string {
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.CallID)
	}
	return ids
}

// The demo's sample call has a record at GET /calls, with the demo's
// throwaway admin token.
func TestServeDemoCallRecords(t *testing.T) {
	s := startServe(t, nil)
	get := s.untilPrefix(t, "curl -sS -X GET ")
	token := regexp.MustCompile(`Bearer ([0-9a-f]{32})'$`).FindStringSubmatch(get)
	require.NotNil(t, token, get)
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic " + token[1]},
		{"Authorization": "Bearer"}, {"Authorization": "Bearer  " + token[1]}} {
		status, _, body := getCalls(t, s.base, h, "")
		assert.Equal(t, 401, status, "%v: %s", h, body)
	}
	for _, scheme := range []string{"bearer", "BEARER"} { // the scheme is matched in any case (RFC 9110 §11.1)
		status, _, body := getCalls(t, s.base, map[string]string{"Authorization": scheme + " " + token[1]}, "")
		assert.Equal(t, 200, status, "%s: %s", scheme, body)
	}
	admin := map[string]string{"Authorization": "Bearer " + token[1]}
	status, page, body := getCalls(t, s.base, admin, "")
	require.Equal(t, 200, status, body)
	require.Len(t, page.Records, 1, body)
	rec := page.Records[0]
	assert.Equal(t, sampleCallSid, rec.CallID)
	assert.Equal(t, "inbound", rec.Direction)
	assert.Equal(t, demoRoomID, rec.RoomID)
	assert.Equal(t, demoPeerID, rec.PeerID)
	assert.Equal(t, "bridged", rec.Outcome)
	assert.Equal(t, "+*******0006", rec.From)
	assert.NotContains(t, body, "+15005550006", "masked numbers only")
	assert.Empty(t, page.Next)
}

// GET /calls selects by room and time, pages with next and after, and
// answers 400 naming the parameter that is wrong.
func TestServeCallRecordsQuery(t *testing.T) {
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true))
	defer api.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken,
		"HMS_WEBHOOK_SECRET_HEADER": "X-Hook-Secret: " + secretHookValue, "SIPCONNECT_ADMIN_TOKEN": secretAdminToken}
	s := startServe(t, env, "--room-id", testRoomID, "--role", "guest")
	signedCalls(t, s.base, "CA-calls-1", "CA-calls-2", "CA-calls-3")
	event := joinEvent("ev-calls-1", testRoomID, "peer-1", sipconnect.CallUserID("CA-calls-1"))
	status, body := do(t, http.MethodPost, s.base+"/100ms/events", map[string]string{"X-Hook-Secret": secretHookValue, "Content-Type": "application/json"}, event)
	require.Equal(t, 200, status, body)

	status, _, body = getCalls(t, s.base, nil, "")
	assert.Equal(t, 401, status, body)
	admin := map[string]string{"Authorization": "Bearer " + secretAdminToken}
	status, page, body := getCalls(t, s.base, admin, "")
	require.Equal(t, 200, status, body)
	assert.Equal(t, []string{"CA-calls-3", "CA-calls-2", "CA-calls-1"}, callIDs(page.Records), "newest first")
	assert.Empty(t, page.Next)

	// By room: only the caller who joined it.
	_, page, body = getCalls(t, s.base, admin, "room_id="+testRoomID)
	assert.Equal(t, []string{"CA-calls-1"}, callIDs(page.Records), body)
	_, page, body = getCalls(t, s.base, admin, "room_id=other-room")
	assert.Empty(t, page.Records, body)

	// By time.
	_, page, body = getCalls(t, s.base, admin, "since=1h")
	assert.Len(t, page.Records, 3, body)
	time.Sleep(50 * time.Millisecond)
	_, page, body = getCalls(t, s.base, admin, "since=20ms")
	assert.Empty(t, page.Records, body)

	// A page at a time.
	var paged []string
	query := "limit=2"
	for range 3 {
		status, page, body = getCalls(t, s.base, admin, query)
		require.Equal(t, 200, status, body)
		assert.LessOrEqual(t, len(page.Records), 2)
		paged = append(paged, callIDs(page.Records)...)
		if page.Next == "" {
			break
		}
		query = "limit=2&after=" + url.QueryEscape(page.Next)
	}
	assert.Equal(t, []string{"CA-calls-3", "CA-calls-2", "CA-calls-1"}, paged)

	for query, want := range map[string]string{
		"since=yesterday":                     "invalid since",
		"since=-1h":                           "invalid since",
		"limit=0":                             "invalid limit",
		"limit=1001":                          "invalid limit",
		"limit=ten":                           "invalid limit",
		"after=nonsense":                      "invalid after",
		"room_id=" + strings.Repeat("a", 129): "129 bytes, over the limit of 128",
		"room_id=" + url.QueryEscape("room\x00x"): "room_id",
	} {
		status, _, body := getCalls(t, s.base, admin, query)
		assert.Equal(t, 400, status, "%s: %s", query, body)
		assert.Contains(t, body, want, query)
	}
	status, _, body = getCalls(t, s.base, admin, "limit=1000&room_id="+strings.Repeat("a", 128))
	assert.Equal(t, 200, status, body)
}

// signedCalls posts an incoming call to serve's Twilio webhook at base for
// each call id, signed with secretTwilioToken, one millisecond apart.
func signedCalls(t *testing.T, base string, callIDs ...string) {
	t.Helper()
	for i, id := range callIDs {
		form := url.Values{"CallSid": {id}, "From": {fmt.Sprintf("+1415555%04d", i)}, "To": {"+15005550001"}, "AccountSid": {"AC1"}}
		req, err := twiml.NewSignedRequest(http.MethodPost, base+"/twilio/voice", secretTwilioToken, form)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, "%s: %s", id, body)
		time.Sleep(time.Millisecond)
	}
}

// calls list reads the records serve keeps in a shared Redis.
func TestCallsListOnRedis(t *testing.T) {
	redisURL := testRedisURL(t)
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true))
	defer api.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken,
		"HMS_WEBHOOK_SECRET_HEADER": "X-Hook-Secret: " + secretHookValue, "SIPCONNECT_ADMIN_TOKEN": secretAdminToken}
	s := startServe(t, env, "--room-id", testRoomID, "--role", "guest", "--redis", redisURL)
	signedCalls(t, s.base, "CA-list-1", "CA-list-2")
	event := joinEvent("ev-list-1", testRoomID, "peer-1", sipconnect.CallUserID("CA-list-1"))
	status, body := do(t, http.MethodPost, s.base+"/100ms/events", map[string]string{"X-Hook-Secret": secretHookValue, "Content-Type": "application/json"}, event)
	require.Equal(t, 200, status, body)

	r := sipconnectCmd(t, nil, "calls", "list", "--redis", redisURL)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	require.Len(t, lines, 3, r.stdout)
	assert.Regexp(t, `^CALL ID +DIRECTION +CARRIER +FROM +ROOM ID +OUTCOME +DIAL +SIP +TOTAL +IN ROOM +STARTED$`, lines[0])
	assert.Regexp(t, `^CA-list-2 +inbound +twilio +\+\*+0001 +- +bridged +- +- +- +- +\d{4}-\d\d-\d\dT`, lines[1])
	assert.Regexp(t, `^CA-list-1 +inbound +twilio +\+\*+0000 +`+testRoomID+` +bridged `, lines[2])
	assert.NotContains(t, r.stdout, "+14155550000", "masked numbers only")

	r = sipconnectCmd(t, map[string]string{"SIPCONNECT_REDIS_URL": redisURL}, "calls", "list", "--json", "--since", "1h")
	require.Equal(t, 0, r.code, r.stderr)
	var recs []roster.CallRecord
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &recs), r.stdout)
	assert.Equal(t, []string{"CA-list-2", "CA-list-1"}, callIDs(recs))

	r = sipconnectCmd(t, nil, "calls", "list", "--redis", redisURL, "--room-id", testRoomID, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	recs = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &recs), r.stdout)
	require.Equal(t, []string{"CA-list-1"}, callIDs(recs))
	assert.Equal(t, "peer-1", recs[0].PeerID)

	// --limit pages through the records; none found is an empty array.
	r = sipconnectCmd(t, nil, "calls", "list", "--redis", redisURL, "--limit", "1", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	recs = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &recs), r.stdout)
	assert.Equal(t, []string{"CA-list-2"}, callIDs(recs))
	r = sipconnectCmd(t, nil, "calls", "list", "--redis", redisURL, "--room-id", "other-room", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout)
}

// calls list without a store, or with bad flags, says what is wrong.
func TestCallsListErrors(t *testing.T) {
	r := sipconnectCmd(t, nil, "calls", "list")
	assertOneLineError(t, r, "sipconnect: calls list reads the store a running serve shares: give --redis URL or set SIPCONNECT_REDIS_URL")
	for args, want := range map[string]string{
		"--limit 0":                             "sipconnect: --limit must be at least 1, not 0",
		"--since -1h":                           "sipconnect: --since must not be negative, not -1h0m0s",
		"--room-id ..":                          `sipconnect: --room-id: ".." is a path dot-segment, not an identifier`,
		"--room-id " + strings.Repeat("a", 129): "sipconnect: --room-id: 129 bytes, over the limit of 128",
	} {
		r := sipconnectCmd(t, nil, append([]string{"calls", "list"}, strings.Fields(args)...)...)
		assert.Equal(t, 2, r.code, args)
		first, _, _ := strings.Cut(r.stderr, "\n")
		assert.Equal(t, want, first, args)
	}
	r = sipconnectCmd(t, nil, "calls", "lst")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown calls subcommand "lst" (want list); did you mean list?`)
	r = sipconnectCmd(t, nil, "help", "calls")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "list     print the call records")
	r = sipconnectCmd(t, nil, "calls", "list", "--redis", "redis://:"+secretToken+"@127.0.0.1:1/0")
	assertOneLineError(t, r, "sipconnect: redis at 127.0.0.1:1 does not answer: ...")
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := sipconnectCmd(t, nil, "completion", shell)
		assert.Contains(t, r.stdout, "calls", shell)
		assert.Contains(t, r.stdout, "since", shell)
	}
}

// call --redis records the dial-out, answered or not, where calls list
// reads it.
func TestCallRecordsItsDialOut(t *testing.T) {
	redisURL := testRedisURL(t)
	api, env := apiFake(t)
	r := sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", testTrunkID,
		"--user-id", "carol-1", "--redis", redisURL, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	calls := api.Calls()
	require.Len(t, calls, 1)
	api.SetCallNoAnswer("+15550199")
	api.SetMaxRing(100 * time.Millisecond)
	env["SIPCONNECT_REDIS_URL"] = redisURL
	r = sipconnectCmd(t, env, "call", "--to", "+15550199", "--room-code", testRoomCode, "--trunk-id", testTrunkID)
	require.Equal(t, 1, r.code, r.stdout)

	r = sipconnectCmd(t, nil, "calls", "list", "--redis", redisURL, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var recs []roster.CallRecord
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &recs), r.stdout)
	require.Len(t, recs, 2, r.stdout)
	outcomes := map[string]roster.CallRecord{}
	for _, rec := range recs {
		assert.Equal(t, "outbound", rec.Direction)
		outcomes[rec.Outcome] = rec
	}
	require.Contains(t, outcomes, "answered")
	require.Contains(t, outcomes, "no_answer")
	assert.Equal(t, calls[0].ID, outcomes["answered"].CallID)
	assert.Equal(t, "+****0100", outcomes["answered"].To)
	assert.NotContains(t, r.stdout, "+15550100", "masked numbers only")

	// A store that does not answer fails the command before the phone rings.
	before := len(api.Calls())
	r = sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", testTrunkID,
		"--redis", "redis://127.0.0.1:1/0")
	assertOneLineError(t, r, "sipconnect: --redis: redis at 127.0.0.1:1 does not answer: ...")
	assert.Len(t, api.Calls(), before)
}
