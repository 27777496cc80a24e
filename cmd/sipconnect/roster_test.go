package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

const (
	secretHookValue  = "hook-5ecret-value"
	secretAdminToken = "admin-5ecret-token"
	sampleCallSid    = "CA00000000000000000000000000000001" // sampleForm's
)

func do(t *testing.T, method, u string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func joinEvent(id, roomID, peerID, userID string) string {
	return `{"version":"2.0","id":"` + id + `","type":"peer.join.success","timestamp":"2031-05-06T07:08:09Z",` +
		`"data":{"room_id":"` + roomID + `","peer_id":"` + peerID + `","user_id":"` + userID + `","role":"guest","type":"sip","joined_at":"2031-05-06T07:08:09Z"}}`
}

// serveWithAPI starts serve on a fake 100ms API whose room holds the
// sample call's SIP peer, with webhooks and the roster on, and args.
func serveWithAPI(t *testing.T, args ...string) (*hmstest.Server, *serving) {
	t.Helper()
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true),
		hmstest.WithPeer(testRoomID, hmstest.Peer{ID: "peer-sip", UserID: sipconnect.CallUserID(sampleCallSid), Role: "guest", SIP: true}))
	t.Cleanup(api.Close)
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken,
		"HMS_WEBHOOK_SECRET_HEADER": "X-Hook-Secret: " + secretHookValue, "SIPCONNECT_ADMIN_TOKEN": secretAdminToken}
	return api, startServe(t, env, append([]string{"--room-id", testRoomID, "--role", "guest"}, args...)...)
}

func TestServeWebhooksAndRoster(t *testing.T) {
	api, s := serveWithAPI(t)
	assert.NotContains(t, s.curl, secretHookValue)

	// Every bridged caller gets the user id of its call.
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "<Sip>sip:"+testRoomCode+"@sip.100ms.live?X-100ms-UserID="+sipconnect.CallUserID(sampleCallSid)+"</Sip>")

	// The webhook: the secret header decides.
	event := joinEvent("ev-1", testRoomID, "peer-sip", sipconnect.CallUserID(sampleCallSid))
	for _, h := range []map[string]string{nil, {"X-Hook-Secret": "wrong"}, {"X-Other": secretHookValue}} {
		status, _ := do(t, http.MethodPost, s.base+"/100ms/events", h, event)
		assert.Equal(t, 401, status, "%v", h)
	}
	for range 2 { // a retried delivery is handled once
		status, body = do(t, http.MethodPost, s.base+"/100ms/events", map[string]string{"X-Hook-Secret": secretHookValue, "Content-Type": "application/json"}, event)
		require.Equal(t, 200, status, body)
	}

	// The roster: the bearer token decides.
	for _, h := range []map[string]string{nil, {"Authorization": "Bearer wrong"}, {"Authorization": secretAdminToken}, {"Authorization": "Basic " + secretAdminToken}} {
		status, _ := do(t, http.MethodGet, s.base+"/rooms/"+testRoomID+"/phones", h, "")
		assert.Equal(t, 401, status, "%v", h)
		status, _ = do(t, http.MethodDelete, s.base+"/rooms/"+testRoomID+"/phones/peer-sip", h, "")
		assert.Equal(t, 401, status, "%v", h)
	}
	admin := map[string]string{"Authorization": "Bearer " + secretAdminToken}
	status, body = do(t, http.MethodGet, s.base+"/rooms/"+testRoomID+"/phones", admin, "")
	require.Equal(t, 200, status, body)
	var listed struct {
		Phones []roster.Participant `json:"phones"`
		Recent []roster.EndedCall   `json:"recent"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &listed), body)
	require.Len(t, listed.Phones, 1, body)
	p := listed.Phones[0]
	assert.Equal(t, "peer-sip", p.PeerID)
	assert.Equal(t, sampleCallSid, p.CallID)
	assert.Equal(t, "+*******0006", p.From)
	assert.NotNil(t, listed.Recent)
	assert.NotContains(t, body, "+15005550006", "masked numbers only")

	status, body = do(t, http.MethodDelete, s.base+"/rooms/"+testRoomID+"/phones/someone-else", admin, "")
	assert.Equal(t, 404, status, body)
	status, body = do(t, http.MethodDelete, s.base+"/rooms/"+testRoomID+"/phones/peer-sip?reason=bye", admin, "")
	assert.Equal(t, 204, status, body)
	assert.Empty(t, api.Peers(testRoomID), "the caller was removed from the room")

	status, body = do(t, http.MethodGet, s.base+"/rooms/empty-room/phones", admin, "")
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"phones":[],"recent":[]}`, body)
}

// Without the variables, the webhook and roster paths do not exist.
func TestServeWithoutWebhooksHasNoSuchPaths(t *testing.T) {
	s := startServe(t, map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken}, "--room-code", "abc-defg-hij")
	status, body := doCurl(t, s.curl)
	require.Equal(t, 200, status)
	assert.NotContains(t, body, "X-100ms-UserID", "no roster, no derived user id")
	for _, m := range []struct{ method, path string }{
		{http.MethodPost, "/100ms/events"}, {http.MethodGet, "/rooms/r/phones"}, {http.MethodDelete, "/rooms/r/phones/p"},
	} {
		status, _ := do(t, m.method, s.base+m.path, map[string]string{"Authorization": "Bearer x"}, "{}")
		assert.Equal(t, 404, status, "%v", m)
	}
	// The secret header alone: webhooks, but no roster routes.
	s = startServe(t, map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken, "HMS_WEBHOOK_SECRET_HEADER": "X-Hook: " + secretHookValue}, "--room-code", "abc-defg-hij")
	status, _ = do(t, http.MethodPost, s.base+"/100ms/events", nil, "{}")
	assert.Equal(t, 401, status)
	status, _ = do(t, http.MethodGet, s.base+"/rooms/r/phones", map[string]string{"Authorization": "Bearer x"}, "")
	assert.Equal(t, 404, status)
}

func TestServeRefusesMalformedSecretHeader(t *testing.T) {
	for _, v := range []string{secretHookValue, "X-Hook:", ": " + secretHookValue, "X Hook: " + secretHookValue} {
		r := sipconnectCmd(t, map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken, "HMS_WEBHOOK_SECRET_HEADER": v}, "serve", "--addr", "127.0.0.1:0", "--room-code", "abc-defg-hij")
		assertOneLineError(t, r, `sipconnect: HMS_WEBHOOK_SECRET_HEADER must be "Name: value", the secret header set in the 100ms dashboard`, v)
		assert.NotContains(t, r.stderr, secretHookValue)
	}
}

// Demo mode shows the roster after its simulated call.
func TestServeDemoShowsRoster(t *testing.T) {
	for _, args := range [][]string{nil, {"--pin"}} {
		r := runServeUntil(t, nil, "\"recent\": []\n}\n", args...)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "> 100ms reports the caller's join: the demo posts the peer.join.success webhook to /100ms/events itself, as 100ms would\n"+
			"the phone roster of room demo-room (GET /rooms/demo-room/phones):\n{\n  \"phones\": [\n", args)
		assert.Contains(t, r.stdout, `"call_id": "`+sampleCallSid+`"`, args)
		assert.Contains(t, r.stdout, `"user_id": "`+sipconnect.CallUserID(sampleCallSid)+`"`, args)
		assert.Contains(t, r.stdout, `"from": "+*******0006"`, args)
	}
}

// The longest room id and peer id the routes take fit the roster's store
// keys, with room to spare for their prefixes.
func TestIDLimitFitsStoreKeys(t *testing.T) {
	assert.LessOrEqual(t, 2*maxIDLen+64, store.MaxKeyLen)
}

// A room id or peer id longer than the roster takes gets 400 naming the
// limit, before the roster is asked; on the memory store and on Redis.
func TestServeRoomIDTooLong(t *testing.T) {
	stores := [][]string{nil}
	if u := testRedisURLOrEmpty(t); u != "" {
		stores = append(stores, []string{"--redis", u})
	}
	for _, st := range stores {
		env := map[string]string{"TWILIO_AUTH_TOKEN": secretTwilioToken, "SIPCONNECT_ADMIN_TOKEN": secretAdminToken}
		s := startServe(t, env, append([]string{"--room-code", "abc-defg-hij"}, st...)...)
		admin := map[string]string{"Authorization": "Bearer " + secretAdminToken}
		for _, n := range []int{maxIDLen + 1, 1007, 5000} {
			long := strings.Repeat("a", n)
			for _, r := range []struct{ method, path string }{
				{http.MethodGet, "/rooms/" + long + "/phones"},
				{http.MethodDelete, "/rooms/" + long + "/phones/peer-1"},
				{http.MethodDelete, "/rooms/room-1/phones/" + long},
			} {
				status, body := do(t, r.method, s.base+r.path, admin, "")
				assert.Equal(t, 400, status, "%v %s %d: %s", st, r.method, n, body)
				assert.Contains(t, body, fmt.Sprintf("%d bytes, over the limit of %d", n, maxIDLen), "%v %s %d", st, r.method, n)
			}
		}
		status, body := do(t, http.MethodGet, s.base+"/rooms/"+strings.Repeat("a", maxIDLen)+"/phones", admin, "")
		assert.Equal(t, 200, status, "%v: %s", st, body)
	}
}

// TestServeReconcilesTheRoster: serve heals its roster from 100ms's live
// peers every --reconcile-every: a caller whose leave webhook was lost
// stops being listed, and a live phone caller whose join was lost is
// listed.
func TestServeReconcilesTheRoster(t *testing.T) {
	live := sipconnect.CallUserID("CA-live")
	api := hmstest.NewServer(hmstest.WithRoom(testRoomID, "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true),
		hmstest.WithPeer(testRoomID, hmstest.Peer{ID: "peer-live", UserID: live, Role: "guest", SIP: true}))
	defer api.Close()
	env := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL, "TWILIO_AUTH_TOKEN": secretTwilioToken,
		"HMS_WEBHOOK_SECRET_HEADER": "X-Hook-Secret: " + secretHookValue, "SIPCONNECT_ADMIN_TOKEN": secretAdminToken}
	s := startServe(t, env, "--room-id", testRoomID, "--role", "guest", "--reconcile-every", "100ms")

	// A join whose leave never comes: the peer is not in the live room.
	event := joinEvent("ev-gone", testRoomID, "peer-gone", sipconnect.CallUserID("CA-gone"))
	status, body := do(t, http.MethodPost, s.base+"/100ms/events", map[string]string{"X-Hook-Secret": secretHookValue, "Content-Type": "application/json"}, event)
	require.Equal(t, 200, status, body)

	admin := map[string]string{"Authorization": "Bearer " + secretAdminToken}
	var peers []string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		status, body = do(t, http.MethodGet, s.base+"/rooms/"+testRoomID+"/phones", admin, "")
		require.Equal(t, 200, status, body)
		var listed struct {
			Phones []roster.Participant `json:"phones"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &listed), body)
		peers = peers[:0]
		for _, p := range listed.Phones {
			peers = append(peers, p.PeerID)
		}
		if len(peers) == 1 && peers[0] == "peer-live" {
			return
		}
	}
	t.Fatalf("the roster lists %v, want only the live caller peer-live", peers)
}

// untilPrefix returns the next stdout line of a running serve that starts
// with prefix.
func (s *serving) untilPrefix(t *testing.T, prefix string) string {
	t.Helper()
	for {
		if l := s.next(t); strings.HasPrefix(l, prefix) {
			return l
		}
	}
}

// The demo prints curl lines for its roster that work as printed: GET
// lists the simulated caller, DELETE hangs it up on the embedded fake.
func TestServeDemoRosterCurlLines(t *testing.T) {
	for _, args := range [][]string{nil, {"--pin"}} {
		s := startServe(t, nil, args...)
		get := s.untilPrefix(t, "curl -sS -X GET ")
		del := s.untilPrefix(t, "curl -sS -X DELETE ")
		assert.Regexp(t, `^curl -sS -X GET '`+regexp.QuoteMeta(s.base)+`/rooms/demo-room/phones' -H 'Authorization: Bearer [0-9a-f]{32}'$`, get, args)
		status, body := runCurl(t, get)
		require.Equal(t, 200, status, body)
		assert.Contains(t, body, `"peer_id": "`+demoPeerID+`"`, args)
		status, body = runCurl(t, del)
		assert.Equal(t, 204, status, "%v: %s", args, body)
		// The demo posts the caller's leave as 100ms would: the roster
		// lists it among the recent calls at once, not as on the phone.
		status, body = runCurl(t, get)
		require.Equal(t, 200, status, body)
		var listed struct {
			Phones []roster.Participant `json:"phones"`
			Recent []roster.EndedCall   `json:"recent"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &listed), body)
		assert.Empty(t, listed.Phones, "%v: %s", args, body)
		require.Len(t, listed.Recent, 1, "%v: %s", args, body)
		assert.Equal(t, demoPeerID, listed.Recent[0].PeerID, args)
		assert.Equal(t, sampleCallSid, listed.Recent[0].CallID, args)
		assert.Equal(t, "peer kicked", listed.Recent[0].Reason, args)
		status, _ = runCurl(t, del)
		assert.Equal(t, 404, status, "hung up already: %v", args)
	}
}

// Outside demo mode, hanging up posts no leave: 100ms sends it, and until
// then the roster lists the caller.
func TestServeHangUpWaitsForTheLeaveOutsideDemo(t *testing.T) {
	_, s := serveWithAPI(t, "--reconcile-every", "0")
	event := joinEvent("ev-1", testRoomID, "peer-sip", sipconnect.CallUserID(sampleCallSid))
	status, body := do(t, http.MethodPost, s.base+"/100ms/events", map[string]string{"X-Hook-Secret": secretHookValue, "Content-Type": "application/json"}, event)
	require.Equal(t, 200, status, body)
	admin := map[string]string{"Authorization": "Bearer " + secretAdminToken}
	status, body = do(t, http.MethodDelete, s.base+"/rooms/"+testRoomID+"/phones/peer-sip", admin, "")
	require.Equal(t, 204, status, body)
	status, body = do(t, http.MethodGet, s.base+"/rooms/"+testRoomID+"/phones", admin, "")
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, `"peer_id": "peer-sip"`, "listed until 100ms's leave webhook comes")
}

// A real admin token is never printed, not even in demo mode.
func TestServeDemoKeepsTheAdminTokenSecret(t *testing.T) {
	s := startServe(t, map[string]string{"SIPCONNECT_ADMIN_TOKEN": secretAdminToken})
	get := s.untilPrefix(t, "curl -sS -X GET ")
	assert.NotContains(t, get, secretAdminToken)
	assert.Contains(t, get, `"Authorization: Bearer $SIPCONNECT_ADMIN_TOKEN"`)
	s.cmd.Process.Kill()
	for l := range s.lines {
		assert.NotContains(t, l, secretAdminToken)
	}
}
