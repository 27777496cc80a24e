package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmstest"
)

const (
	secretTrunkPassword = "trunk-5ecret-password"
	testRoomID          = "room-1"
	testRoomCode        = "gst-abcd-xyz"
	testTrunkID         = "trunk-1"
)

var joinedAt = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// apiFake is a fake 100ms API with a room, its guest code, a trunk and two
// live peers, and the environment that points the command at it with a
// management token.
func apiFake(t *testing.T, opts ...hmstest.Option) (*hmstest.Server, map[string]string) {
	t.Helper()
	api := hmstest.NewServer(append([]hmstest.Option{
		hmstest.WithRoom(testRoomID, "host", "guest"), hmstest.WithStaticToken(secretToken),
		hmstest.WithCode(testRoomID, "guest", testRoomCode, true),
		hmstest.WithTrunk(hmstest.Trunk{ID: testTrunkID, Address: "t.example.com", From: "+14155550100"}),
		hmstest.WithPeer(testRoomID, hmstest.Peer{ID: "peer-b", Name: "Bob", UserID: "bob", Role: "guest", JoinedAt: joinedAt.Add(time.Minute), SIP: true}),
		hmstest.WithPeer(testRoomID, hmstest.Peer{ID: "peer-a", Name: "Alice", UserID: "alice", Role: "host", JoinedAt: joinedAt}),
	}, opts...)...)
	t.Cleanup(api.Close)
	return api, map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": api.URL,
		"SIP_TRUNK_PASSWORD": secretTrunkPassword, "SIP_PASSWORD": secretSIPPassword}
}

// countingAPI answers every request with 418 and counts them.
func countingAPI(t *testing.T) (*atomic.Int64, map[string]string) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.Error(w, "no request was expected", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return &hits, map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": srv.URL,
		"HMS_ACCESS_KEY": "ak", "HMS_APP_SECRET": secretAppSecret, "SIP_TRUNK_USERNAME": "u", "SIP_TRUNK_PASSWORD": secretTrunkPassword}
}

// assertOneLineError checks an exit status 1 with the one-line message
// want (a prefix when it ends in "..."), nothing on stdout and no secret.
func assertOneLineError(t *testing.T, r result, want string, args ...any) {
	t.Helper()
	assert.Equal(t, 1, r.code, args...)
	assert.Empty(t, r.stdout, args...)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
	if p, ok := strings.CutSuffix(want, "..."); ok {
		assert.True(t, strings.HasPrefix(r.stderr, p), "%v: %q", args, r.stderr)
	} else {
		assert.Equal(t, want+"\n", r.stderr, args...)
	}
	assertNoSecrets(t, r.stderr)
	assert.NotContains(t, r.stderr, secretTrunkPassword)
}

func TestCall(t *testing.T) {
	api, env := apiFake(t)
	r := sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", testTrunkID,
		"--name", "Carol", "--user-id", "carol-1", "--header", "X-Tenant=a&b", "--video")
	require.Equal(t, 0, r.code, r.stderr)
	calls := api.Calls()
	require.Len(t, calls, 1)
	c := calls[0]
	assert.Equal(t, c.ID+"\n", r.stdout)
	assert.Empty(t, r.stderr)
	assert.Equal(t, "+15550100", c.To)
	assert.Equal(t, "Carol", c.Name)
	assert.Equal(t, "carol-1", c.UserID)
	assert.Equal(t, map[string]string{"X-Tenant": "a&b"}, c.Headers)
	assert.True(t, c.Video)
	peer, ok := api.CallPeer(c.ID)
	require.True(t, ok)
	assert.Equal(t, testRoomID, c.RoomID)
	assert.Equal(t, "Carol", peer.Name)

	r = sipconnectCmd(t, env, "call", "--to", "sip:alice@example.com", "--room-code", testRoomCode, "--trunk-id", testTrunkID, "--json")
	require.Equal(t, 0, r.code, r.stderr)
	calls = api.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, `{"id":"`+calls[1].ID+`"}`+"\n", r.stdout)
	assert.False(t, calls[1].Video)

	// A phone nobody picks up: 100ms answers 408 at the end of its ring.
	api.SetCallNoAnswer("+15550199")
	api.SetMaxRing(100 * time.Millisecond)
	r = sipconnectCmd(t, env, "call", "--to", "+15550199", "--room-code", testRoomCode, "--trunk-id", testTrunkID, "--ring-timeout", "7")
	assertOneLineError(t, r, "sipconnect: no answer: nobody picked up within the ring timeout (7s); ...")

	// A declined call and an unknown trunk are API errors, one line each,
	// and the call request is never repeated.
	api.SetCallDecline("+15550111")
	before := api.RequestCount()
	r = sipconnectCmd(t, env, "call", "--to", "+15550111", "--room-code", testRoomCode, "--trunk-id", testTrunkID)
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/outbound/call: 400 Bad Request: call declined")
	r = sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", "nope")
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/outbound/call: 404 Not Found: trunk not found")
	api.InjectFault(hmstest.Fault{Count: 1, Status: 503})
	r = sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", testTrunkID)
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/outbound/call: 503 ...")
	assert.Equal(t, before+3, api.RequestCount(), "one request per call, never repeated")
}

// TestCallMaybePlaced: a call request that reached 100ms, or may have,
// and failed without an answer (the connection broke, a gateway answered
// 504) may still ring the phone: the error says so and how to find the
// callee. A refusal (429, 404) says nothing of the kind. Nothing is sent
// twice.
func TestCallMaybePlaced(t *testing.T) {
	api, env := apiFake(t)
	for _, tt := range []struct {
		fault hmstest.Fault
		maybe bool
	}{
		{hmstest.Fault{Count: 1, Status: 0}, true},
		{hmstest.Fault{Count: 1, Status: http.StatusGatewayTimeout, Body: "<html>Gateway Timeout</html>"}, true},
		{hmstest.Fault{Count: 1, Status: http.StatusInternalServerError}, true},
		{hmstest.Fault{Count: 1, Status: http.StatusTooManyRequests}, false},
		{hmstest.Fault{Count: 1, Status: http.StatusNotFound}, false},
	} {
		api.InjectFault(tt.fault)
		before := api.RequestCount()
		r := sipconnectCmd(t, env, "call", "--to", "+15550100", "--room-code", testRoomCode, "--trunk-id", testTrunkID, "--user-id", "callee-7")
		assertOneLineError(t, r, "sipconnect: ...", tt.fault.Status)
		assert.Equal(t, before+1, api.RequestCount(), "status %d: sent once", tt.fault.Status)
		if !tt.maybe {
			assert.NotContains(t, r.stderr, "may have been placed", tt.fault.Status)
			assert.NotContains(t, r.stderr, "callee-7", tt.fault.Status)
			continue
		}
		assert.Contains(t, r.stderr, "the call may have been placed: the phone may ring or have answered, so check before calling again.", tt.fault.Status)
		assert.Contains(t, r.stderr, "'sipconnect peers list --room-id ROOM_ID --user-id callee-7'", tt.fault.Status)
		assert.Contains(t, r.stderr, "'sipconnect peers remove --room-id ROOM_ID --peer-id PEER_ID'", tt.fault.Status)
	}
}

// call refuses what cannot be right before it sends anything.
func TestCallRefusesBadInputBeforeSending(t *testing.T) {
	hits, env := countingAPI(t)
	base := func(extra ...string) []string {
		return append([]string{"call", "--room-code", "abc-defg-hij", "--trunk-id", "t1"}, extra...)
	}
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{base("--to", "12345"), `sipconnect: invalid --to: "12345" is neither an E.164 number...`},
		{base("--to", "+1 (555) 0100"), "sipconnect: invalid --to: ..."},
		{base("--to", "+15550100", "--header", "Via=x"), "sipconnect: invalid --header Via: Via is reserved..."},
		{base("--to", "+15550100", "--header", "v=x"), "sipconnect: invalid --header v: ..."},
		{base("--to", "+15550100", "--header", "P-Asserted-Identity=x"), "sipconnect: invalid --header P-Asserted-Identity: ..."},
		{base("--to", "+15550100", "--header", "X-A=a\r\nVia: x"), "sipconnect: invalid --header X-A: ..."},
		{base("--to", "+15550100", "--name", "a\nb"), "sipconnect: invalid --name: ..."},
		{[]string{"call", "--to", "+15550100", "--room-code", "6560c7a8e4b0a1b2c3d4e5f6", "--trunk-id", "t1"}, "sipconnect: invalid --room-code: this is a room id, not a room code..."},
		{base("--to", "+15550100", "--ring-timeout", "0"), "sipconnect: --ring-timeout must be at least 1 second, not 0"},
		{base("--to", "+15550100", "--ring-timeout", "-5"), "sipconnect: --ring-timeout must be at least 1 second, not -5"},
		{base("--to", "+15550100", "--ring-timeout", "601"), "sipconnect: --ring-timeout must be at most 600 seconds (10m0s), not 601"},
		// Too many seconds for a time.Duration: refused, not wrapped around.
		{base("--to", "+15550100", "--ring-timeout", "9223372037"), "sipconnect: --ring-timeout must be at most 600 seconds (10m0s), not 9223372037"},
		{base("--to", "+15550100", "--ring-timeout", "18446744074"), "sipconnect: --ring-timeout must be at most 600 seconds (10m0s), not 18446744074"},
	} {
		r := sipconnectCmd(t, env, tt.args...)
		assertOneLineError(t, r, tt.msg, tt.args)
	}
	assert.Zero(t, hits.Load(), "requests sent")
}

func TestTrunks(t *testing.T) {
	api, env := apiFake(t)
	env["SIP_TRUNK_USERNAME"] = "trunk-user"
	r := sipconnectCmd(t, env, "trunks", "create", "--address", "example.pstn.twilio.com", "--from", "+14155550100")
	require.Equal(t, 0, r.code, r.stderr)
	trunks := api.Trunks()
	require.Len(t, trunks, 2)
	created := trunks[1]
	assert.Equal(t, created.ID+"\n", r.stdout)
	assert.Empty(t, r.stderr)
	assert.Equal(t, "trunk-user", created.Username)
	assert.Equal(t, secretTrunkPassword, created.Password, "the password reached 100ms")
	assert.Equal(t, "example.pstn.twilio.com", created.Address)
	assert.Equal(t, "+14155550100", created.From)

	r = sipconnectCmd(t, env, "trunks", "update", "--trunk-id", created.ID, "--address", "203.0.113.7:5060", "--from", "+14155550101", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `{"id":"`+created.ID+`"}`+"\n", r.stdout)
	assert.Equal(t, "203.0.113.7:5060", api.Trunks()[1].Address)

	r = sipconnectCmd(t, env, "trunks", "update", "--trunk-id", "nope", "--address", "a.example.com", "--from", "+14155550101")
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/outbound/trunks/nope: 404 Not Found: trunk not found")
	api.InjectFault(hmstest.Fault{Count: 1, Status: 500})
	r = sipconnectCmd(t, env, "trunks", "create", "--address", "a.example.com", "--from", "+14155550101", "--json")
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/outbound/trunks: 500 ...")

	// No request the fake recorded, and no output, shows the password.
	for _, req := range api.Requests() {
		assert.NotContains(t, req.Body, secretTrunkPassword)
	}
}

func TestTrunksRefuseBadInputBeforeSending(t *testing.T) {
	hits, env := countingAPI(t)
	passwordOnly := map[string]string{}
	for k, v := range env {
		if k != "SIP_TRUNK_USERNAME" {
			passwordOnly[k] = v
		}
	}
	for _, tt := range []struct {
		env  map[string]string
		args []string
		msg  string
	}{
		{passwordOnly, []string{"trunks", "create", "--address", "a.example.com", "--from", "+14155550100"}, "sipconnect: invalid SIP_TRUNK_USERNAME: ..."},
		{env, []string{"trunks", "create", "--address", "sip:a.example.com", "--from", "+14155550100"}, "sipconnect: invalid --address: ..."},
		{env, []string{"trunks", "create", "--address", "a.example.com", "--from", "14155550100"}, "sipconnect: invalid --from: ..."},
		{env, []string{"trunks", "update", "--trunk-id", "t\n1", "--address", "a.example.com", "--from", "+14155550100"}, "sipconnect: invalid ..."},
	} {
		r := sipconnectCmd(t, tt.env, tt.args...)
		assertOneLineError(t, r, tt.msg, tt.args)
	}
	assert.Zero(t, hits.Load(), "requests sent")
}

func TestPeers(t *testing.T) {
	api, env := apiFake(t)
	r := sipconnectCmd(t, env, "peers", "list", "--room-id", testRoomID)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, ""+
		"PEER ID  NAME   USER ID  ROLE   JOINED\n"+
		"peer-a   Alice  alice    host   2031-05-06T07:08:09Z\n"+
		"peer-b   Bob    bob      guest  2031-05-06T07:09:09Z\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = sipconnectCmd(t, env, "peers", "list", "--room-id", testRoomID, "--role", "guest", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.JSONEq(t, `[{"id":"peer-b","name":"Bob","user_id":"bob","role":"guest","metadata":"","joined_at":"2031-05-06T07:09:09Z"}]`, r.stdout)
	r = sipconnectCmd(t, env, "peers", "list", "--room-id", testRoomID, "--user-id", "alice", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	var listed []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &listed))
	require.Len(t, listed, 1)
	assert.Equal(t, "peer-a", listed[0]["id"])
	r = sipconnectCmd(t, env, "peers", "list", "--room-id", "empty-room", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "[]\n", r.stdout)

	r = sipconnectCmd(t, env, "peers", "remove", "--room-id", testRoomID, "--peer-id", "peer-b", "--reason", "call ended")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Empty(t, r.stderr)
	require.Len(t, api.Peers(testRoomID), 1)
	assert.Equal(t, "peer-a", api.Peers(testRoomID)[0].ID)

	r = sipconnectCmd(t, env, "peers", "remove", "--room-id", testRoomID, "--peer-id", "peer-b")
	assertOneLineError(t, r, "sipconnect: activeroom: peer not in the room: hmsapi: POST /active-rooms/room-1/remove-peers: 404 Not Found: peer not found")
	bad := map[string]string{"HMS_MANAGEMENT_TOKEN": "wrong-token-value", "HMS_API_BASE_URL": api.URL}
	r = sipconnectCmd(t, bad, "peers", "list", "--room-id", testRoomID)
	assertOneLineError(t, r, "sipconnect: hmsapi: GET /active-rooms/room-1/peers: 401 Unauthorized: ...")

	hits, cenv := countingAPI(t)
	r = sipconnectCmd(t, cenv, "peers", "remove", "--room-id", testRoomID, "--peer-id", "peer-b", "--reason", strings.Repeat("x", 600))
	assertOneLineError(t, r, "sipconnect: invalid --reason: ...")
	r = sipconnectCmd(t, cenv, "peers", "list", "--room-id", "..")
	assertOneLineError(t, r, "sipconnect: invalid --room-id: ...")
	assert.Zero(t, hits.Load(), "requests sent")
}

func TestDTMF(t *testing.T) {
	api, env := apiFake(t, hmstest.WithAppCredentials("ak", secretAppSecret))
	delete(env, "HMS_MANAGEMENT_TOKEN")
	env["HMS_ACCESS_KEY"], env["HMS_APP_SECRET"] = "ak", secretAppSecret
	r := sipconnectCmd(t, env, "dtmf", "--room-id", testRoomID, "--digits", "12#A")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Empty(t, r.stderr)
	assert.Equal(t, []string{"1", "2", "#", "a"}, api.DTMF(testRoomID))

	// With a management token too, dtmf uses the app credentials.
	env["HMS_MANAGEMENT_TOKEN"] = secretToken
	r = sipconnectCmd(t, env, "dtmf", "--room-id", testRoomID, "--digits", "9")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, []string{"1", "2", "#", "a", "9"}, api.DTMF(testRoomID))

	r = sipconnectCmd(t, env, "dtmf", "--room-id", "empty-room", "--digits", "9")
	assertOneLineError(t, r, "sipconnect: hmsapi: POST /sip/dtmf: 400 ...")

	// A management token alone cannot mint the app token: said, and
	// nothing sent; nor are bad digits.
	hits, cenv := countingAPI(t)
	onlyToken := map[string]string{"HMS_MANAGEMENT_TOKEN": secretToken, "HMS_API_BASE_URL": cenv["HMS_API_BASE_URL"]}
	r = sipconnectCmd(t, onlyToken, "dtmf", "--room-id", testRoomID, "--digits", "1")
	assertOneLineError(t, r, "sipconnect: dtmf needs HMS_ACCESS_KEY and HMS_APP_SECRET: it mints a client auth token for the room, which a management token alone cannot")
	r = sipconnectCmd(t, cenv, "dtmf", "--room-id", testRoomID, "--digits", "12x")
	assertOneLineError(t, r, "sipconnect: invalid --digits: ...")
	assert.Zero(t, hits.Load(), "requests sent")
}

func TestNewCommandsUsageErrors(t *testing.T) {
	call := []string{"call", "--to", "+15550100", "--room-code", "abc-defg-hij", "--trunk-id", "t1"}
	tests := []struct {
		args     []string
		msg      string // first line
		synopsis string // second line starts with it
		flag     string // a flag the usage lists
	}{
		{[]string{"call", "--room-code", "abc-defg-hij", "--trunk-id", "t1"}, "--to is required", "usage: sipconnect call --to NUMBER|SIP-URI", "-ring-timeout"},
		{[]string{"call", "--to", "+15550100", "--trunk-id", "t1"}, "--room-code is required", "usage: sipconnect call --to", "-trunk-id"},
		{[]string{"call", "--to", "+15550100", "--room-code", "abc-defg-hij"}, "--trunk-id is required", "usage: sipconnect call --to", "-video"},
		{append(call, "--ring-timeout", "soon"), `invalid value "soon" for flag --ring-timeout: parse error`, "usage: sipconnect call --to", "-ring-timeout"},
		{append(call, "--ring-timeout", "2.5"), `invalid value "2.5" for flag --ring-timeout: parse error`, "usage: sipconnect call --to", "-ring-timeout"},
		{append(call, "--header", "no-equals"), `invalid value "no-equals" for flag --header: want X-Name=value`, "usage: sipconnect call --to", "-header"},
		{append(call, "extra"), `unexpected argument "extra"`, "usage: sipconnect call --to", "-json"},
		{[]string{"trunks"}, "trunks needs a subcommand: create or update", "usage: sipconnect trunks <subcommand>", "  update "},
		{[]string{"trunks", "delete"}, `unknown trunks subcommand "delete" (want create or update)`, "usage: sipconnect trunks <subcommand>", "  create "},
		{[]string{"trunks", "create", "--from", "+14155550100"}, "--address is required", "usage: sipconnect trunks create --address HOST[:PORT] --from NUMBER", "-from"},
		{[]string{"trunks", "create", "--address", "a.example.com"}, "--from is required", "usage: sipconnect trunks create", "-address"},
		{[]string{"trunks", "update", "--address", "a.example.com", "--from", "+1"}, "--trunk-id is required", "usage: sipconnect trunks update --trunk-id ID", "-trunk-id"},
		{[]string{"trunks", "create", "--password", "x"}, "unknown flag --password", "usage: sipconnect trunks create", "-address"},
		{[]string{"peers"}, "peers needs a subcommand: list or remove", "usage: sipconnect peers <subcommand>", "  remove "},
		{[]string{"peers", "kick"}, `unknown peers subcommand "kick" (want list or remove)`, "usage: sipconnect peers <subcommand>", "  list "},
		{[]string{"peers", "list"}, "--room-id is required", "usage: sipconnect peers list --room-id ID", "-role"},
		{[]string{"peers", "remove", "--room-id", "r"}, "--peer-id is required", "usage: sipconnect peers remove --room-id ID --peer-id ID", "-reason"},
		{[]string{"peers", "remove", "--peer-id", "p"}, "--room-id is required", "usage: sipconnect peers remove", "-peer-id"},
		{[]string{"dtmf", "--digits", "1"}, "--room-id is required", "usage: sipconnect dtmf --room-id ID --digits DIGITS", "-digits"},
		{[]string{"dtmf", "--room-id", "r"}, "--digits is required", "usage: sipconnect dtmf --room-id ID --digits DIGITS", "-room-id"},
		// A required flag given empty is missing too.
		{[]string{"call", "--to", "", "--room-code", "abc-defg-hij", "--trunk-id", "t1"}, "--to is required", "usage: sipconnect call --to", "-to"},
		{[]string{"trunks", "update", "--trunk-id=", "--address", "a.example.com", "--from", "+1"}, "--trunk-id is required", "usage: sipconnect trunks update", "-trunk-id"},
		{[]string{"peers", "remove", "--room-id", "", "--peer-id", ""}, "--room-id and --peer-id are required", "usage: sipconnect peers remove", "-peer-id"},
		{[]string{"dtmf", "--room-id", "r", "--digits", ""}, "--digits is required", "usage: sipconnect dtmf", "-digits"},
	}
	hits, env := countingAPI(t)
	for _, tt := range tests {
		for _, e := range []map[string]string{nil, env} {
			r := sipconnectCmd(t, e, tt.args...)
			assertUsageError(t, r, tt.args, tt.msg, tt.synopsis, tt.flag)
			assert.NotContains(t, r.stderr, "DEMO MODE", "%v: no fake started", tt.args)
		}
	}
	assert.Zero(t, hits.Load(), "requests sent")

	for _, args := range [][]string{{"trunks", "-h"}, {"trunks", "help"}, {"peers", "--help"}, {"peers", "help"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.True(t, strings.HasPrefix(r.stdout, "usage: sipconnect "+args[0]+" <subcommand> [flags]\n"), "%v: %q", args, r.stdout)
	}
	for _, args := range [][]string{{"call", "-h"}, {"trunks", "help", "update"}, {"peers", "list", "-h"}, {"dtmf", "-h"}} {
		r := sipconnectCmd(t, nil, args...)
		assert.Equal(t, 0, r.code, "%v: %s", args, r.stderr)
		assert.Contains(t, r.stdout, "room code "+demoRoomCode, "%v: the usage names the demo world", args)
		assert.Empty(t, r.stderr, "%v", args)
	}
	r := sipconnectCmd(t, nil, "-h")
	for _, c := range []string{"call", "trunks", "peers", "dtmf"} {
		assert.Regexp(t, `(?m)^  `+c+` +\S`, r.stdout, "listed among the commands")
	}
}

// Without 100ms credentials the API commands run on the embedded fake.
func TestAPICommandsDemo(t *testing.T) {
	banner := "*** DEMO MODE: no 100ms credentials, so this runs on an embedded fake of the 100ms API: room demo-room, room code demo-guest-code, trunk demo-trunk. ***\n"
	r := sipconnectCmd(t, nil, "call", "--to", "+15550100", "--room-code", demoRoomCode, "--trunk-id", demoTrunkID)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^`+regexp.QuoteMeta(banner)+`ringing \+15550100 for up to 30s as user id sipconnect-call-[0-9a-f]{12} .*\nanswered after \S+\n$`, r.stderr)
	m := regexp.MustCompile(`^([0-9a-f]{24})\n` +
		`\nlive peers of room demo-room:\n` +
		`PEER ID +NAME +USER ID +ROLE +JOINED\n` +
		demoHostPeerID + ` +Alice +alice +host +\S+\n` +
		demoSIPPeerID + ` +Dial-in caller +pstn-demo +guest +\S+\n` +
		`([0-9a-f-]{36}) +- +sipconnect-call-[0-9a-f]{12} +guest +\S+\n` +
		`the callee is peer ([0-9a-f-]{36})\n$`).FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	assert.Equal(t, m[2], m[3])

	r = sipconnectCmd(t, nil, "call", "--to", "+15550100", "--room-code", demoRoomCode, "--trunk-id", demoTrunkID, "--json", "--name", "Bob")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Regexp(t, `^\{"id":"[0-9a-f]{24}"\}\n$`, r.stdout, "only the JSON object")

	start := time.Now()
	r = sipconnectCmd(t, nil, "call", "--to", demoNoAnswer, "--room-code", demoRoomCode, "--trunk-id", demoTrunkID, "--ring-timeout", "1")
	assert.Equal(t, 1, r.code)
	assert.True(t, strings.HasPrefix(r.stderr, banner), r.stderr)
	assert.Contains(t, r.stderr, "\nsipconnect: no answer: nobody picked up within the ring timeout (1s); ", r.stderr)
	assert.Less(t, time.Since(start), 5*time.Second)

	r = sipconnectCmd(t, map[string]string{"SIP_TRUNK_USERNAME": "u", "SIP_TRUNK_PASSWORD": secretTrunkPassword},
		"trunks", "update", "--trunk-id", demoTrunkID, "--address", "a.example.com", "--from", "+14155550100", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, `{"id":"demo-trunk"}`+"\n", r.stdout)
	assert.NotContains(t, r.stderr, secretTrunkPassword)

	r = sipconnectCmd(t, nil, "peers", "list", "--room-id", demoCallRoomID, "--role", "host", "--json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"id": "`+demoHostPeerID+`"`)

	r = sipconnectCmd(t, nil, "dtmf", "--room-id", demoCallRoomID, "--digits", "1234#")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, banner+"the simulated phones of room demo-room heard: 1 2 3 4 #\n", r.stderr)
}
