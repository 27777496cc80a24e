package hmstest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/sipout"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// get sends a GET with a bearer token to the fake and returns the status
// and body of the answer.
func get(t *testing.T, srv *hmstest.Server, path, token string) (int, string) {
	t.Helper()
	return send(t, context.Background(), srv, http.MethodGet, path, token, "")
}

func sign(t *testing.T, secret string, claims jwt.MapClaims, method jwt.SigningMethod) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	require.NoError(t, err)
	return tok
}

func TestTokenChecking(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"))
	defer srv.Close()
	now := time.Now()
	good, err := hmsapi.MintManagementToken(srv.AccessKey(), srv.AppSecret(), now, time.Hour)
	require.NoError(t, err)
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"access_key": srv.AccessKey(), "type": "management", "version": 2,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
		mod(c)
		return c
	}
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", good, 200},
		{"missing", "", 401},
		{"garbage", "not-a-jwt", 401},
		{"wrong secret", sign(t, "other", claims(func(jwt.MapClaims) {}), jwt.SigningMethodHS256), 401},
		{"app token type", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["type"] = "app" }), jwt.SigningMethodHS256), 401},
		{"other access key", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["access_key"] = "k2" }), jwt.SigningMethodHS256), 401},
		{"expired", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), jwt.SigningMethodHS256), 401},
		{"no expiry", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { delete(c, "exp") }), jwt.SigningMethodHS256), 401},
		{"HS512", sign(t, srv.AppSecret(), claims(func(jwt.MapClaims) {}), jwt.SigningMethodHS512), 401},
	}
	for _, tt := range tests {
		status, body := get(t, srv, "/room-codes/room/r1", tt.token)
		assert.Equal(t, tt.want, status, tt.name)
		if tt.want == 401 {
			assert.JSONEq(t, `{"code":401,"message":"Token validation error","details":["invalid or expired management token"]}`, body)
		}
	}
}

func TestListValidation(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	for _, q := range []string{"limit=9", "limit=101", "limit=x", "enabled=maybe", "start=unknown"} {
		status, _ := get(t, srv, "/room-codes/room/r1?"+q, "tok")
		assert.Equal(t, 400, status, q)
	}
	status, body := get(t, srv, "/room-codes/room/r1", "tok")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"limit":10,"data":[],"last":""}`, body)
}

func TestFaultsAndRecording(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	srv.InjectFault(hmstest.Fault{Count: 2, Status: 429, RetryAfter: "7"})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 502, Body: "<html>bad gateway</html>"})
	var statuses []int
	for range 4 {
		status, body := get(t, srv, "/room-codes/room/r1?role=host", "tok")
		statuses = append(statuses, status)
		if status == 502 {
			assert.True(t, strings.HasPrefix(body, "<html>"))
		}
	}
	assert.Equal(t, []int{429, 429, 502, 200}, statuses)
	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "role=host", reqs[0].Query)
	assert.Equal(t, "/v2/room-codes/room/r1", reqs[0].Path)
	assert.Equal(t, 429, reqs[0].Status)
	assert.Equal(t, 200, reqs[3].Status)
	assert.True(t, reqs[3].Authorization)
}

func TestLatency(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	srv.SetLatency(60 * time.Millisecond)
	start := time.Now()
	status, _ := get(t, srv, "/room-codes/room/r1", "tok")
	assert.Equal(t, 200, status)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}

const (
	sipRoom = "6560c7a8e4b0a1b2c3d4e5f6"
	sipCode = "abc-defg-hij"
)

// post sends body as JSON to the fake with a bearer token and returns the
// status and body of the answer.
func post(t *testing.T, srv *hmstest.Server, path, token, body string) (int, string) {
	t.Helper()
	return postCtx(t, context.Background(), srv, path, token, body)
}

func postCtx(t *testing.T, ctx context.Context, srv *hmstest.Server, path, token, body string) (int, string) {
	t.Helper()
	return send(t, ctx, srv, http.MethodPost, path, token, body)
}

// send sends a request to the fake, with body as JSON unless it is empty
// and a bearer token unless it is empty, and returns the status and body of
// the answer, or 0 and the error when there was no answer.
func send(t *testing.T, ctx context.Context, srv *hmstest.Server, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func id(t *testing.T, body string) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &out), body)
	require.NotEmpty(t, out.ID, body)
	return out.ID
}

// sipServer is a fake with one room, an enabled and a disabled code, a
// trunk, and a fixed clock.
func sipServer(t *testing.T, opts ...hmstest.Option) (*hmstest.Server, string) {
	t.Helper()
	at := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	all := append([]hmstest.Option{
		hmstest.WithRoom(sipRoom, "host", "guest"),
		hmstest.WithCode(sipRoom, "guest", sipCode, true),
		hmstest.WithCode(sipRoom, "host", "off-code-now", false),
		hmstest.WithStaticToken("tok"),
		hmstest.WithClock(func() time.Time { return at }),
	}, opts...)
	srv := hmstest.NewServer(all...)
	t.Cleanup(srv.Close)
	status, body := post(t, srv, "/sip/outbound/trunks", "tok",
		`{"username":"u","password":"trunk-pass-1","address":"t.pstn.twilio.com","from":"+14155550100"}`)
	require.Equal(t, 200, status, body)
	return srv, id(t, body)
}

func TestTrunks(t *testing.T) {
	srv, trunk := sipServer(t)
	assert.Len(t, trunk, 24)

	status, body := post(t, srv, "/sip/outbound/trunks/"+trunk, "tok",
		`{"username":"u2","password":"trunk-pass-2","address":"t2.pstn.twilio.com:5061","from":"+14155550101"}`)
	require.Equal(t, 200, status, body)
	assert.Equal(t, trunk, id(t, body))
	assert.Equal(t, []hmstest.Trunk{{ID: trunk, Username: "u2", Password: "trunk-pass-2", Address: "t2.pstn.twilio.com:5061", From: "+14155550101"}},
		srv.Trunks())

	for _, tc := range []struct {
		path, body string
		status     int
		message    string
	}{
		{"/sip/outbound/trunks/nope", `{"address":"a","from":"+1"}`, 404, "trunk not found"},
		{"/sip/outbound/trunks", `{"password":"p","from":"+1"}`, 400, "address is mandatory"},
		{"/sip/outbound/trunks", `{"password":"p","address":"a"}`, 400, "from is mandatory"},
		{"/sip/outbound/trunks", `{"password":`, 400, "invalid request body"},
	} {
		status, body := post(t, srv, tc.path, "tok", tc.body)
		assert.Equal(t, tc.status, status, tc.body)
		assert.Contains(t, body, tc.message)
	}

	// No recorded request shows a password, not even one the fake could
	// not parse.
	reqs := srv.Requests()
	require.Len(t, reqs, 6)
	for _, r := range reqs {
		assert.NotContains(t, r.Body, "trunk-pass")
		assert.NotContains(t, r.Body, `"p"`)
	}
	assert.JSONEq(t, `{"username":"u","password":"[REDACTED]","address":"t.pstn.twilio.com","from":"+14155550100"}`, reqs[0].Body)
	assert.Equal(t, "[REDACTED]", reqs[5].Body)
}

func TestCallAnsweredAddsSIPPeer(t *testing.T) {
	srv, trunk := sipServer(t)
	status, body := post(t, srv, "/sip/outbound/call", "tok",
		`{"to":"+14155550123","name":"Alex","user_id":"u-7","room_code":"`+sipCode+`","trunk_id":"`+trunk+`","video":true,"headers":{"X-Ticket":"42"}}`)
	require.Equal(t, 200, status, body)
	callID := id(t, body)

	calls := srv.Calls()
	require.Len(t, calls, 1)
	c := calls[0]
	assert.Equal(t, hmstest.Call{ID: callID, To: "+14155550123", Name: "Alex", UserID: "u-7", RoomCode: sipCode, RoomID: sipRoom,
		Role: "guest", TrunkID: trunk, Video: true, Headers: map[string]string{"X-Ticket": "42"}, Answered: true, PeerID: c.PeerID}, c)
	p, ok := srv.CallPeer(callID)
	require.True(t, ok)
	assert.Equal(t, hmstest.Peer{ID: c.PeerID, Name: "Alex", UserID: "u-7", Role: "guest", JoinedAt: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC), SIP: true}, p)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, p.ID)
	_, ok = srv.CallPeer("unknown")
	assert.False(t, ok)
}

func TestCallRefusals(t *testing.T) {
	srv, trunk := sipServer(t)
	call := func(to, code, trunkID string) string {
		return `{"to":"` + to + `","room_code":"` + code + `","trunk_id":"` + trunkID + `"}`
	}
	for _, tc := range []struct {
		body    string
		status  int
		message string
	}{
		{call("", sipCode, trunk), 400, "to is mandatory"},
		{call("+1", "", trunk), 400, "room_code is mandatory"},
		{call("+1", sipCode, ""), 400, "trunk_id is mandatory"},
		{call("+1", "zzz-zzzz-zzz", trunk), 404, "room code not found"},
		{call("+1", "off-code-now", trunk), 404, "room code not found"},
		{call("+1", sipCode, "nope"), 404, "trunk not found"},
		{`[`, 400, "invalid request body"},
	} {
		status, body := post(t, srv, "/sip/outbound/call", "tok", tc.body)
		assert.Equal(t, tc.status, status, tc.body)
		assert.Contains(t, body, `"message":"`+tc.message+`"`)
	}
	assert.Empty(t, srv.Calls())
}

func TestCallOutcomes(t *testing.T) {
	srv, trunk := sipServer(t)
	body := func(to string) string {
		return `{"to":"` + to + `","room_code":"` + sipCode + `","trunk_id":"` + trunk + `"}`
	}
	srv.SetCallDecline("+1555")
	status, resp := post(t, srv, "/sip/outbound/call", "tok", body("+1555"))
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"code":400,"message":"call declined"}`, resp)

	srv.SetCallNoAnswer("+1666")
	srv.SetMaxRing(50 * time.Millisecond)
	start := time.Now()
	status, resp = post(t, srv, "/sip/outbound/call", "tok", body("+1666"))
	assert.Equal(t, 408, status)
	assert.JSONEq(t, `{"code":408,"message":"timed out"}`, resp)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	// A client that hangs up stops the ringing: no answer, no peer.
	srv.SetMaxRing(hmstest.DefaultMaxRing)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	status, _ = postCtx(t, ctx, srv, "/sip/outbound/call", "tok", body("+1666"))
	assert.Equal(t, 0, status)

	srv.SetCallAnswer("+1777", 80*time.Millisecond)
	start = time.Now()
	status, resp = post(t, srv, "/sip/outbound/call", "tok", body("+1777"))
	require.Equal(t, 200, status, resp)
	assert.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)

	require.Eventually(t, func() bool { return srv.RequestCount() == 5 }, 5*time.Second, 5*time.Millisecond)
	var answered []bool
	for _, c := range srv.Calls() {
		answered = append(answered, c.Answered)
		_, ok := srv.CallPeer(c.ID)
		assert.Equal(t, c.Answered, ok)
	}
	assert.Equal(t, []bool{false, false, false, true}, answered)
}

func TestCallTakesFaults(t *testing.T) {
	srv, trunk := sipServer(t)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 503})
	status, _ := post(t, srv, "/sip/outbound/call", "tok", `{"to":"+1","room_code":"`+sipCode+`","trunk_id":"`+trunk+`"}`)
	assert.Equal(t, 503, status)
	assert.Empty(t, srv.Calls(), "a fault answers before the phone rings")
	status, _ = post(t, srv, "/sip/outbound/call", "", `{}`)
	assert.Equal(t, 401, status)
}

func appToken(t *testing.T, srv *hmstest.Server, room string, now time.Time) string {
	t.Helper()
	tok, err := hmsapi.MintAppToken(srv.AccessKey(), srv.AppSecret(), hmsapi.AppClaims{RoomID: room, Role: "host", UserID: "u"}, now, time.Hour)
	require.NoError(t, err)
	return tok
}

func TestDTMF(t *testing.T) {
	srv, trunk := sipServer(t)
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC) // the fake's clock
	app := appToken(t, srv, sipRoom, now)

	status, body := post(t, srv, "/sip/dtmf", app, `{"digits":["1"]}`)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"code":400,"message":"no sip participants in the call"}`, body)

	status, body = post(t, srv, "/sip/outbound/call", "tok", `{"to":"+1","room_code":"`+sipCode+`","trunk_id":"`+trunk+`"}`)
	require.Equal(t, 200, status, body)
	for _, tc := range []struct {
		body, message string
	}{
		{`{"digits":[]}`, "digits are mandatory"},
		{`{}`, "digits are mandatory"},
		{`{"digits":["1","e"]}`, "invalid digit"},
		{`{"digits":["12"]}`, "invalid digit"},
		{`{"digits":["A"]}`, "invalid digit"},
		{`nope`, "invalid request body"},
	} {
		status, body := post(t, srv, "/sip/dtmf", app, tc.body)
		assert.Equal(t, 400, status, tc.body)
		assert.Contains(t, body, tc.message)
	}
	status, body = post(t, srv, "/sip/dtmf", app, `{"digits":["1","2","#"]}`)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{}`, body)
	status, _ = post(t, srv, "/sip/dtmf", app, `{"digits":["*","a","d","0"]}`)
	require.Equal(t, 200, status)
	assert.Equal(t, []string{"1", "2", "#", "*", "a", "d", "0"}, srv.DTMF(sipRoom))
	assert.Empty(t, srv.DTMF("other"))
}

func TestDTMFTokens(t *testing.T) {
	srv, _ := sipServer(t)
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	mgmt, err := hmsapi.MintManagementToken(srv.AccessKey(), srv.AppSecret(), now, time.Hour)
	require.NoError(t, err)
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"access_key": srv.AccessKey(), "type": "app", "room_id": sipRoom, "role": "host", "user_id": "u",
			"version": 2, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
		mod(c)
		return c
	}
	for _, tc := range []struct {
		name, token string
	}{
		{"management token", mgmt},
		{"static token", "tok"},
		{"missing", ""},
		{"no room", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { delete(c, "room_id") }), jwt.SigningMethodHS256)},
		{"wrong secret", sign(t, "other", claims(func(jwt.MapClaims) {}), jwt.SigningMethodHS256)},
		{"other access key", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["access_key"] = "k2" }), jwt.SigningMethodHS256)},
		{"expired", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), jwt.SigningMethodHS256)},
	} {
		status, body := post(t, srv, "/sip/dtmf", tc.token, `{"digits":["1"]}`)
		assert.Equal(t, 401, status, tc.name)
		assert.Contains(t, body, "app token", tc.name)
	}
	// The app token is for DTMF only.
	status, _ := get(t, srv, "/room-codes/room/"+sipRoom, appToken(t, srv, sipRoom, now))
	assert.Equal(t, 401, status)
	for _, r := range srv.Requests() {
		if r.Path == "/v2/sip/dtmf" {
			assert.False(t, r.Authorization)
		}
	}
}

func ExampleServer_SetCallAnswer() {
	srv := hmstest.NewServer(
		hmstest.WithRoom("room-1", "host", "guest"),
		hmstest.WithCode("room-1", "guest", "abc-defg-hij", true),
	)
	defer srv.Close()
	client := sipout.NewClient(srv.API())
	ctx := context.Background()
	trunk, _ := client.CreateTrunk(ctx, sipout.Trunk{Address: "acme.pstn.twilio.com", From: "+14155550100"})

	srv.SetCallAnswer("+14155550101", 50*time.Millisecond) // picks up after a moment
	srv.SetCallDecline("+14155550102")                     // busy
	srv.SetCallNoAnswer("+14155550103")                    // rings out...
	srv.SetMaxRing(50 * time.Millisecond)                  // ...and 100ms answers 408
	for _, to := range []string{"+14155550101", "+14155550102", "+14155550103"} {
		_, err := client.Call(ctx, sipout.CallRequest{To: to, RoomCode: "abc-defg-hij", TrunkID: trunk})
		fmt.Println(to, err)
	}
	for _, c := range srv.Calls() {
		p, _ := srv.CallPeer(c.ID)
		fmt.Printf("%s answered=%t sip=%t role=%q\n", c.To, c.Answered, p.SIP, p.Role)
	}
	// Output:
	// +14155550101 <nil>
	// +14155550102 hmsapi: POST /sip/outbound/call: 400 Bad Request: call declined
	// +14155550103 sipout: no answer: hmsapi: POST /sip/outbound/call: 408 Request Timeout: timed out
	// +14155550101 answered=true sip=true role="guest"
	// +14155550102 answered=false sip=false role=""
	// +14155550103 answered=false sip=false role=""
}

func TestWithTrunk(t *testing.T) {
	srv, created := sipServer(t,
		hmstest.WithTrunk(hmstest.Trunk{ID: "seeded-trunk", Address: "t.example.com", From: "+14155550100"}),
		hmstest.WithTrunk(hmstest.Trunk{Address: "u.example.com", From: "+14155550101"}))
	trunks := srv.Trunks()
	require.Len(t, trunks, 3)
	assert.Equal(t, hmstest.Trunk{ID: "seeded-trunk", Address: "t.example.com", From: "+14155550100"}, trunks[0])
	assert.Len(t, trunks[1].ID, 24, "generated")
	assert.Equal(t, created, trunks[2].ID)

	status, body := post(t, srv, "/sip/outbound/call", "tok", `{"to":"+15550100","room_code":"`+sipCode+`","trunk_id":"seeded-trunk"}`)
	assert.Equal(t, 200, status, body)
	status, body = post(t, srv, "/sip/outbound/trunks/seeded-trunk", "tok", `{"address":"v.example.com","from":"+14155550102"}`)
	assert.Equal(t, 200, status, body)
	assert.Equal(t, "v.example.com", srv.Trunks()[0].Address)
}
