package sipout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/sipout"
)

// TestMain fails the run if a test leaves a goroutine of this module or of
// an HTTP connection behind.
func TestMain(m *testing.M) {
	apisurface.ExitCheckingLeaks(m, 3*time.Second)
}

const (
	roomID   = "6560c7a8e4b0a1b2c3d4e5f6"
	roomCode = "abc-defg-hij"
)

// fake is an hmstest server with a room whose guest code is roomCode, a
// client on it made with the app credentials, and a trunk.
type fake struct {
	srv    *hmstest.Server
	client *sipout.Client
	trunk  string
}

func newFake(t *testing.T, opts ...hmsapi.Option) *fake {
	t.Helper()
	srv := hmstest.NewServer(hmstest.WithRoom(roomID, "host", "guest"), hmstest.WithCode(roomID, "guest", roomCode, true))
	t.Cleanup(srv.Close)
	c := sipout.NewClient(srv.API(append([]hmsapi.Option{hmsapi.WithRetryPolicy(apisurface.FastRetries)}, opts...)...))
	trunk, err := c.CreateTrunk(context.Background(), sipout.Trunk{Username: "u", Password: "trunk-password", Address: "example.pstn.twilio.com", From: "+14155550100"})
	require.NoError(t, err)
	return &fake{srv: srv, client: c, trunk: trunk}
}

// call returns a valid request to phone to on the fake.
func (f *fake) call(to string) sipout.CallRequest {
	return sipout.CallRequest{To: to, RoomCode: roomCode, TrunkID: f.trunk}
}

// setup returns a client of apisurface.PrefixedAPI's server with its
// management token, the server's mux, and a counter of the requests that
// reached the mux.
func setup(t *testing.T, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	return setupWith(t, hmsapi.WithManagementToken(apisurface.TestToken), opts...)
}

// setupWith is setup with other credentials.
func setupWith(t *testing.T, creds hmsapi.Option, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	api, mux, n := apisurface.PrefixedAPI(t, creds, opts...)
	return sipout.NewClient(api), mux, n
}

// TestNoSecretInErrorsOrLogs runs every entry point through success,
// faults, retries and refusals, behind a proxy that records every bearer
// token sent, and checks that no trunk password, app secret or token
// appears in an error (printed every way), in a printed value, or in a log
// line.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	const appSecret = "app-secret-never-shown-0123456789"
	const password = "trunk-pass-never-shown"
	srv := hmstest.NewServer(hmstest.WithAppCredentials("ak-1", appSecret), hmstest.WithRoom(roomID, "host", "guest"),
		hmstest.WithCode(roomID, "guest", roomCode, true))
	t.Cleanup(srv.Close)

	var mu sync.Mutex
	var tokens []string
	target, err := url.Parse(srv.URL)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: target.Scheme, Host: target.Host})
	rp.ErrorLog = log.New(io.Discard, "", 0) // a call the client gave up on is a proxy error
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokens = append(tokens, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)

	logger, logs := apisurface.DebugLogger()
	api, err := hmsapi.New(hmsapi.WithBaseURL(proxy.URL+"/v2"), hmsapi.WithAppCredentials("ak-1", appSecret),
		hmsapi.WithRetryPolicy(apisurface.FastRetries), hmsapi.WithLogger(logger))
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	c := sipout.NewClient(api)
	ctx := context.Background()

	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	tr := sipout.Trunk{Username: "acct", Password: password, Address: "acme.pstn.twilio.com", From: "+14155550100"}
	trunk, err := c.CreateTrunk(ctx, tr)
	require.NoError(t, err)
	srv.InjectFault(hmstest.Fault{Count: 2, Status: 503})
	_, err = c.UpdateTrunk(ctx, trunk, tr) // retried, and logged
	require.NoError(t, err)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 500})
	_, err = c.CreateTrunk(ctx, tr)
	note(err)
	_, err = c.UpdateTrunk(ctx, "nope", tr)
	note(err)
	bad := tr
	bad.Password = password + "\n"
	_, err = c.CreateTrunk(ctx, bad)
	note(err)
	bad.Username = ""
	_, err = c.CreateTrunk(ctx, bad)
	note(err)

	call := sipout.CallRequest{To: "+14155550123", RoomCode: roomCode, TrunkID: trunk, Name: "Alex"}
	_, err = c.Call(ctx, call)
	require.NoError(t, err)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "1"})
	_, err = c.Call(ctx, call)
	note(err)
	srv.SetCallNoAnswer("+14155550124")
	srv.SetMaxRing(20 * time.Millisecond)
	_, err = c.Call(ctx, sipout.CallRequest{To: "+14155550124", RoomCode: roomCode, TrunkID: trunk})
	note(err)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	srv.SetMaxRing(time.Minute)
	_, err = c.Call(cctx, sipout.CallRequest{To: "+14155550124", RoomCode: roomCode, TrunkID: trunk})
	cancel()
	note(err)

	require.NoError(t, c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "123"}))
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	note(c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "4"}))
	note(c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "other-room", Digits: "4"}))
	note(c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "x"}))

	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{c, tr, &tr, call} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
	}
	logger.Info("trunk", "trunk", tr)

	require.Contains(t, logs.String(), "retrying", "the suite did exercise the logging paths")
	texts = append(texts, logs.String())
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, tokens)
	for _, r := range srv.Requests() {
		texts = append(texts, r.Body)
	}
	for _, text := range texts {
		assert.NotContains(t, text, appSecret)
		assert.NotContains(t, text, password)
		assert.NotContains(t, text, "eyJ", "no JWT")
		for _, tok := range tokens {
			if tok != "" {
				assert.NotContains(t, text, tok)
			}
		}
	}
}

// TestEchoedPasswordRedacted has the API quote the trunk's password back
// in every part of an error answer it controls (the message, the details,
// the X-Request-Id, and a body that is not a JSON error), for a long
// password and one of three characters, through CreateTrunk and
// UpdateTrunk: the password appears in no field of the *hmsapi.APIError
// and no printed form of the error.
func TestEchoedPasswordRedacted(t *testing.T) {
	c, mux, _ := setup(t)
	echo := func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Password string }
		if !assert.NoError(t, json.NewDecoder(r.Body).Decode(&body)) {
			return
		}
		pw := body.Password
		w.Header().Set("X-Request-Id", "req-"+pw)
		if strings.HasSuffix(r.URL.Path, "/text") {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html>upstream refused password=%s</html>", pw)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"code":400,"message":"invalid trunk: %s","details":["password %s is too weak"]}`, pw, pw)
	}
	mux.HandleFunc("POST /sip/outbound/trunks", echo)
	mux.HandleFunc("POST /sip/outbound/trunks/{id}", echo)
	ctx := context.Background()
	for _, pw := range []string{"trunk-pass-never-shown", "p4$"} {
		tr := sipout.Trunk{Username: "acct", Password: pw, Address: "acme.pstn.twilio.com", From: "+14155550100"}
		for name, do := range map[string]func() error{
			"create":      func() error { _, err := c.CreateTrunk(ctx, tr); return err },
			"update json": func() error { _, err := c.UpdateTrunk(ctx, "t1", tr); return err },
			"update text": func() error { _, err := c.UpdateTrunk(ctx, "text", tr); return err },
		} {
			t.Run(name+" "+pw, func(t *testing.T) {
				err := do()
				var apiErr *hmsapi.APIError
				require.ErrorAs(t, err, &apiErr)
				texts := append([]string{apiErr.Path, apiErr.Message, apiErr.RequestID, apiErr.Body}, apiErr.Details...)
				texts = append(texts, err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
				for _, text := range texts {
					assert.NotContains(t, text, pw)
				}
				assert.Contains(t, err.Error(), "[REDACTED]")
				assert.Equal(t, "req-[REDACTED]", apiErr.RequestID)
			})
		}
	}
}

const trunkPassword = "tRunk-s3cret-pw"

func TestCreateAndUpdateTrunk(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "acct", Password: trunkPassword, Address: "acme.pstn.twilio.com", From: "+14155550199"}
	id, err := f.client.CreateTrunk(ctx, tr)
	require.NoError(t, err)
	assert.Len(t, id, 24)

	tr.Address, tr.From = "acme2.pstn.twilio.com:5061", "+14155550198"
	got, err := f.client.UpdateTrunk(ctx, id, tr)
	require.NoError(t, err)
	assert.Equal(t, id, got)
	trunks := f.srv.Trunks()
	require.Len(t, trunks, 2)
	assert.Equal(t, hmstest.Trunk{ID: id, Username: "acct", Password: trunkPassword, Address: "acme2.pstn.twilio.com:5061", From: "+14155550198"}, trunks[1],
		"the real password reached the API")

	_, err = f.client.UpdateTrunk(ctx, "no-such-trunk", tr)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	assert.EqualError(t, err, "hmsapi: POST /sip/outbound/trunks/no-such-trunk: 404 Not Found: trunk not found")
}

func TestTrunkRequests(t *testing.T) {
	c, mux, n := setup(t)
	var bodies []string
	answer := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, r.Method+" "+r.URL.Path+" "+string(b))
		_, _ = w.Write([]byte(`{"id":"t-1"}`))
	}
	mux.HandleFunc("POST /sip/outbound/trunks", answer)
	mux.HandleFunc("POST /sip/outbound/trunks/{id}", answer)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "acct", Password: "p", Address: "a.example.com", From: "+1415"}
	_, err := c.CreateTrunk(ctx, tr)
	require.NoError(t, err)
	_, err = c.UpdateTrunk(ctx, "t/1 x", tr)
	require.NoError(t, err)
	_, err = c.CreateTrunk(ctx, sipout.Trunk{Address: "b.example.com", From: "+1"})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`POST /sip/outbound/trunks {"username":"acct","password":"p","address":"a.example.com","from":"+1415"}`,
		`POST /sip/outbound/trunks/t/1 x {"username":"acct","password":"p","address":"a.example.com","from":"+1415"}`,
		`POST /sip/outbound/trunks {"username":"","password":"","address":"b.example.com","from":"+1"}`,
	}, bodies)
	assert.EqualValues(t, 3, n.Load())
}

func TestTrunkRetries(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	tr := sipout.Trunk{Username: "u", Password: "p", Address: "a.example.com", From: "+1"}

	before := f.srv.RequestCount()
	f.srv.InjectFault(hmstest.Fault{Count: 1, Status: 503})
	_, err := f.client.CreateTrunk(ctx, tr)
	assert.ErrorIs(t, err, hmsapi.ErrServer)
	assert.Equal(t, before+1, f.srv.RequestCount(), "a create that may have reached 100ms is not repeated")

	f.srv.InjectFault(hmstest.Fault{Count: 2, Status: 503})
	id, err := f.client.UpdateTrunk(ctx, f.trunk, tr)
	require.NoError(t, err, "an update is idempotent, so retried")
	assert.Equal(t, f.trunk, id)
	assert.Equal(t, before+4, f.srv.RequestCount())
}

func TestTrunkEmptyAnswer(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /sip/outbound/trunks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	_, err := c.CreateTrunk(context.Background(), sipout.Trunk{Address: "a.com", From: "+1"})
	assert.ErrorIs(t, err, hmsapi.ErrResponse)
}

func TestTrunkNeverShowsPassword(t *testing.T) {
	tr := sipout.Trunk{Username: "acct", Password: trunkPassword, Address: "acme.pstn.twilio.com", From: "+14155550100"}
	type holder struct {
		Trunk sipout.Trunk
		Ptr   *sipout.Trunk
	}
	h := holder{Trunk: tr, Ptr: &tr}

	outputs := apisurface.Printings(t, []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%t", "%10v", "%-20s", "%T"}, tr, &tr, h, []sipout.Trunk{tr})
	outputs = append(outputs, tr.String(), tr.GoString())
	for _, out := range outputs {
		assert.NotContains(t, out, trunkPassword)
		assert.NotContains(t, out, "s3cret")
	}
	assert.Equal(t, "acct:[REDACTED]@acme.pstn.twilio.com from +14155550100", fmt.Sprintf("%v", tr))
	assert.Equal(t, `"acct:[REDACTED]@acme.pstn.twilio.com from +14155550100"`, fmt.Sprintf("%q", tr))
	assert.Equal(t, `sipout.Trunk{Username:"acct", Password:"[REDACTED]", Address:"acme.pstn.twilio.com", From:"+14155550100"}`, fmt.Sprintf("%#v", tr))
	assert.JSONEq(t, `{"username":"acct","password":"[REDACTED]","address":"acme.pstn.twilio.com","from":"+14155550100"}`, string(must(json.Marshal(tr))))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("t", "trunk", tr)
	assert.Contains(t, buf.String(), "trunk.username=acct trunk.password=[REDACTED] trunk.address=acme.pstn.twilio.com trunk.from=+14155550100")
	assert.Equal(t, trunkPassword, tr.Password, "the password itself stays usable")

	bare := sipout.Trunk{Address: "10.0.0.1:5060", From: "+1"}
	assert.Equal(t, "10.0.0.1:5060 from +1", bare.String())
	assert.Equal(t, `sipout.Trunk{Username:"", Password:"", Address:"10.0.0.1:5060", From:"+1"}`, bare.GoString())
	assert.JSONEq(t, `{"username":"","password":"","address":"10.0.0.1:5060","from":"+1"}`, string(must(json.Marshal(bare))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// callRequests counts the call requests the fake received.
func callRequests(srv *hmstest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v2/sip/outbound/call" {
			n++
		}
	}
	return n
}

func TestCallAnsweredJoinsRoomAsSIPPeer(t *testing.T) {
	f := newFake(t)
	r := f.call("+14155550123")
	r.Name, r.UserID, r.Video = "Alex", "crm-77", true
	r.Headers = headers.List{{Name: "X-Ticket", Value: "T-42"}}
	res, err := f.client.Call(context.Background(), r)
	require.NoError(t, err)
	require.Len(t, res.ID, 24)

	p, ok := f.srv.CallPeer(res.ID)
	require.True(t, ok, "the callee is a live peer of the room")
	assert.True(t, p.SIP)
	assert.Equal(t, "Alex", p.Name)
	assert.Equal(t, "crm-77", p.UserID)
	assert.Equal(t, "guest", p.Role, "the role of the room code")
	calls := f.srv.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, roomID, calls[0].RoomID)
	assert.Equal(t, map[string]string{"X-Ticket": "T-42"}, calls[0].Headers)
	assert.True(t, calls[0].Video)
}

func TestCallBody(t *testing.T) {
	c, mux, _ := setup(t)
	var bodies []string
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		_, _ = w.Write([]byte(`{"id":"call-1"}`))
	})
	ctx := context.Background()
	res, err := c.Call(ctx, sipout.CallRequest{To: "+14155550123", RoomCode: roomCode, TrunkID: "t1"})
	require.NoError(t, err)
	assert.Equal(t, sipout.CallResult{ID: "call-1"}, res)
	_, err = c.Call(ctx, sipout.CallRequest{To: "sip:alice@example.com", RoomCode: roomCode, TrunkID: "t1", Name: "Alice", UserID: "u1",
		Video: true, Headers: headers.List{{Name: "X-B", Value: "2"}, {Name: "X-A", Value: "1"}}})
	require.NoError(t, err)
	assert.Equal(t, []string{
		`{"to":"+14155550123","room_code":"abc-defg-hij","trunk_id":"t1"}`,
		`{"to":"sip:alice@example.com","name":"Alice","user_id":"u1","room_code":"abc-defg-hij","trunk_id":"t1","video":true,"headers":{"X-A":"1","X-B":"2"}}`,
	}, bodies)
}

func TestCallEmptyAnswer(t *testing.T) {
	c, mux, _ := setup(t)
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	_, err := c.Call(context.Background(), sipout.CallRequest{To: "+1", RoomCode: roomCode, TrunkID: "t1"})
	assert.ErrorIs(t, err, hmsapi.ErrResponse)
}

// TestCallAnsweredAfterTwoSeconds rings longer than the core's default
// attempt timeout would allow for an ordinary request... and well within
// the default ring timeout.
func TestCallAnsweredAfterTwoSeconds(t *testing.T) {
	t.Parallel()
	f := newFake(t, hmsapi.WithTimeout(time.Second)) // an attempt timeout shorter than the ring
	f.srv.SetCallAnswer("+14155550123", 2*time.Second)
	start := time.Now()
	res, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 2*time.Second)
	_, ok := f.srv.CallPeer(res.ID)
	assert.True(t, ok)
}

// TestCallNoAnswerOwnDeadline: the fake rings for a minute, so the client's
// own ring deadline (RingTimeout + RingMargin) ends the call.
func TestCallNoAnswerOwnDeadline(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	r := f.call("+14155550123")
	r.RingTimeout = 200 * time.Millisecond
	start := time.Now()
	_, err := f.client.Call(context.Background(), r)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, sipout.ErrNoAnswer)
	assert.NotErrorIs(t, err, context.DeadlineExceeded, "the caller's context did not end")
	assert.Contains(t, err.Error(), "ring timeout 200ms")
	assert.GreaterOrEqual(t, elapsed, r.RingTimeout+sipout.RingMargin)
	assert.Less(t, elapsed, r.RingTimeout+sipout.RingMargin+5*time.Second)
	require.Eventually(t, func() bool { return callRequests(f.srv) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.Len(t, f.srv.Calls(), 1)
	assert.False(t, f.srv.Calls()[0].Answered)
}

// TestCallNoAnswer408: 100ms gives up first and answers 408.
func TestCallNoAnswer408(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	f.srv.SetMaxRing(100 * time.Millisecond)
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	require.ErrorIs(t, err, sipout.ErrNoAnswer)
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusRequestTimeout, apiErr.StatusCode)
	assert.Equal(t, "timed out", apiErr.Message)
	assert.EqualError(t, err, "sipout: no answer: hmsapi: POST /sip/outbound/call: 408 Request Timeout: timed out")
	assert.Equal(t, 1, callRequests(f.srv))
}

func TestCallDeclined(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallDecline("+14155550123")
	_, err := f.client.Call(context.Background(), f.call("+14155550123"))
	var apiErr *hmsapi.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "call declined", apiErr.Message)
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
	assert.Equal(t, 1, callRequests(f.srv))
}

// TestCallNeverRepeated: a call request that may have reached 100ms is
// never sent again, whatever the answer, since the phone would ring twice;
// its error says it may have been placed (hmsapi.ErrMaybeSent), except
// after a 429, which refused it.
func TestCallNeverRepeated(t *testing.T) {
	for _, fault := range []hmstest.Fault{
		{Count: 3, Status: 429, RetryAfter: "0"},
		{Count: 3, Status: 500},
		{Count: 3, Status: 502, Body: "<html>bad gateway</html>"},
		{Count: 3, Status: 503, RetryAfter: "1"},
		{Count: 3, Status: 504, Body: "<html>Gateway Timeout</html>"},
		{Count: 3, Status: 0}, // the connection breaks after the request was sent
	} {
		f := newFake(t)
		f.srv.InjectFault(fault)
		_, err := f.client.Call(context.Background(), f.call("+14155550123"))
		require.Error(t, err, fault.Status)
		// A request the server cut off is recorded just after the client
		// sees the broken connection: wait for it, then make sure no
		// second one follows.
		require.Eventually(t, func() bool { return callRequests(f.srv) >= 1 }, 5*time.Second, time.Millisecond)
		assert.Never(t, func() bool { return callRequests(f.srv) > 1 }, 100*time.Millisecond, 5*time.Millisecond, "status %d", fault.Status)
		assert.Empty(t, f.srv.Calls(), "the phone never rang")
		if fault.Status == 429 {
			assert.ErrorIs(t, err, hmsapi.ErrRateLimited)
		}
		assert.Equal(t, fault.Status != 429, errors.Is(err, hmsapi.ErrMaybeSent), "status %d: %v", fault.Status, err)
		assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
		if fault.Status >= 500 {
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, fault.Status, apiErr.StatusCode)
		}
	}
}

func TestCallCancelledMidRing(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for callRequests(f.srv) == 0 && len(f.srv.Calls()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err := f.client.Call(ctx, f.call("+14155550123"))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, context.Canceled, err, "ctx.Err() itself")
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
	assert.Less(t, time.Since(start), sipout.RingMargin, "returns when ctx ends, not at the ring deadline")
	require.Eventually(t, func() bool { return callRequests(f.srv) == 1 }, 5*time.Second, 5*time.Millisecond)
	assert.False(t, f.srv.Calls()[0].Answered)
}

func TestCallCallerDeadlineFirst(t *testing.T) {
	f := newFake(t)
	f.srv.SetCallNoAnswer("+14155550123")
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	r := f.call("+14155550123")
	r.RingTimeout = sipout.MaxRingTimeout
	_, err := f.client.Call(ctx, r)
	assert.Equal(t, context.DeadlineExceeded, err)
	assert.NotErrorIs(t, err, sipout.ErrNoAnswer)
}

func TestCallUnknownCodeOrTrunk(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	r := f.call("+1")
	r.RoomCode = "zzz-zzzz-zzz"
	_, err := f.client.Call(ctx, r)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	r = f.call("+1")
	r.TrunkID = "nope"
	_, err = f.client.Call(ctx, r)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	assert.False(t, errors.Is(err, sipout.ErrNoAnswer))
	assert.NotErrorIs(t, err, hmsapi.ErrMaybeSent, "a 404 placed no call")
}

// TestBadInputSendsNothing checks that every argument that cannot be right
// is refused with an *hmsapi.InputError naming it, and that nothing reaches
// the API.
func TestBadInputSendsNothing(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom(roomID, "host"), hmstest.WithCode(roomID, "host", roomCode, true))
	t.Cleanup(srv.Close)
	c := sipout.NewClient(srv.API())
	ctx := context.Background()

	call := func(mod func(*sipout.CallRequest)) func() error {
		return func() error {
			r := sipout.CallRequest{To: "+14155550100", RoomCode: roomCode, TrunkID: "trunk-1"}
			mod(&r)
			_, err := c.Call(ctx, r)
			return err
		}
	}
	withHeaders := func(fs ...headers.Field) func() error {
		return call(func(r *sipout.CallRequest) { r.Headers = fs })
	}
	to := func(s string) func() error { return call(func(r *sipout.CallRequest) { r.To = s }) }
	goodTrunk := sipout.Trunk{Username: "u", Password: "pw", Address: "example.pstn.twilio.com", From: "+14155550100"}
	trunk := func(mod func(*sipout.Trunk)) func() error {
		return func() error {
			tr := goodTrunk
			mod(&tr)
			_, err := c.CreateTrunk(ctx, tr)
			return err
		}
	}
	address := func(s string) func() error { return trunk(func(t *sipout.Trunk) { t.Address = s }) }
	dtmf := func(digits string) func() error {
		return func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: digits}) }
	}

	tests := []struct {
		name   string
		do     func() error
		field  string
		reason string
	}{
		{"to without +", to("12345"), "to", "neither an E.164 number"},
		{"to with punctuation", to("+1 (555) 0100"), "to", "' ' at byte 2"},
		{"to with dashes", to("+1-555-0100"), "to", "'-' at byte 2"},
		{"to with leading 0", to("+0441234"), "to", "cannot start with 0"},
		{"to of 16 digits", to("+1234567890123456"), "to", "16 digits"},
		{"to of +", to("+"), "to", "no digits"},
		{"to empty", to(""), "to", "empty"},
		{"to tel URI", to("tel:+14155550100"), "to", "neither"},
		{"SIP URI with a space", to("sip:al ice@example.com"), "to", "' ' at byte 6"},
		{"SIP URI with CRLF", to("sip:alice@example.com\r\nVia: x"), "to", "U+000D"},
		{"SIP URI without user", to("sip:@example.com"), "to", "empty user"},
		{"SIP URI without @", to("sips:example.com"), "to", "without '@'"},
		{"SIP URI with a bad host", to("sip:alice@exa_mple.com"), "to", "host of the SIP URI"},
		{"SIP URI with a bad port", to("sip:alice@example.com:0"), "to", "port"},
		{"to too long", to("sip:" + strings.Repeat("a", 300) + "@example.com"), "to", "at most 256"},
		{"SIP URI headers smuggling Call-ID and Route", to("sip:bob@example.com?Call-ID=x&Route=%3Csip:evil%3E"), "to",
			"URI headers are not allowed in to; use CallRequest.Headers"},
		{"SIP URI header with encoded CRLF", to("sip:bob@example.com?X-A=%0D%0AVia:%20evil"), "to", "URI headers are not allowed"},
		{"SIP URI empty headers", to("sip:bob@example.com?"), "to", "URI headers are not allowed"},
		{"SIP URI headers after parameters", to("sip:bob@example.com;transport=tcp?X-A=1"), "to", "URI headers are not allowed"},
		{"SIP URI '?' in the user part", to("sip:bob?X-A=1@example.com"), "to", "URI headers are not allowed"},
		{"SIP URI encoded CRLF user", to("sip:%0D%0A@example.com"), "to", "percent-encoded control character %0D at byte 4"},
		{"SIP URI encoded lower-case LF", to("sip:bob%0a@example.com"), "to", "percent-encoded control character %0a"},
		{"SIP URI encoded NUL", to("sip:bob%00@example.com"), "to", "percent-encoded control character %00"},
		{"SIP URI encoded unit separator", to("sip:bob%1F@example.com"), "to", "percent-encoded control character %1F"},
		{"SIP URI encoded DEL", to("sip:bob%7f@example.com"), "to", "percent-encoded control character %7f"},
		{"SIP URI encoded CR in a parameter", to("sip:bob@example.com;x=%0D"), "to", "percent-encoded control character %0D"},
		{"SIP URI broken escape", to("sip:bob%0@example.com"), "to", "'%' not followed by two hex digits"},
		{"SIP URI escape at the end", to("sip:bob@example.com;x=%"), "to", "'%' not followed by two hex digits"},
		{"room id as room code", call(func(r *sipout.CallRequest) { r.RoomCode = roomID }), "room code", "this is a room id, not a room code"},
		{"malformed room code", call(func(r *sipout.CallRequest) { r.RoomCode = "abc-defg" }), "room code", "three hyphen-separated groups"},
		{"empty room code", call(func(r *sipout.CallRequest) { r.RoomCode = "" }), "room code", "empty room code"},
		{"empty trunk id", call(func(r *sipout.CallRequest) { r.TrunkID = "" }), "trunk id", "empty"},
		{"dot-segment trunk id", call(func(r *sipout.CallRequest) { r.TrunkID = ".." }), "trunk id", "dot-segment"},
		{"name with LF", call(func(r *sipout.CallRequest) { r.Name = "Al\nice" }), "name", "control character U+000A at byte 2"},
		{"name invalid UTF-8", call(func(r *sipout.CallRequest) { r.Name = "Al\xffice" }), "name", "invalid UTF-8"},
		{"name too long", call(func(r *sipout.CallRequest) { r.Name = strings.Repeat("n", 257) }), "name", "at most 256"},
		{"user id with C1 control", call(func(r *sipout.CallRequest) { r.UserID = "u\u0085" }), "user id", "U+0085"},
		{"negative ring timeout", call(func(r *sipout.CallRequest) { r.RingTimeout = -1 }), "ring timeout", "negative"},
		{"ring timeout over the maximum", call(func(r *sipout.CallRequest) { r.RingTimeout = sipout.MaxRingTimeout + time.Second }), "ring timeout", "10m1s is over the maximum of 10m0s"},
		{"ring timeout that would overflow the deadline", call(func(r *sipout.CallRequest) { r.RingTimeout = math.MaxInt64 }), "ring timeout", "over the maximum"},
		{"reserved Via", withHeaders(headers.Field{Name: "Via", Value: "SIP/2.0/UDP x"}), "header Via", "Via is reserved: 100ms sets it itself and would ignore"},
		{"reserved Contact", withHeaders(headers.Field{Name: "contact", Value: "<sip:x@y>"}), "header contact", "reserved"},
		{"reserved P-Asserted-Identity", withHeaders(headers.Field{Name: "P-Asserted-Identity", Value: "<sip:+1@y>"}), "header P-Asserted-Identity", "reserved"},
		{"reserved compact v", withHeaders(headers.Field{Name: "v", Value: "SIP/2.0/UDP x"}), "header v", "v (the compact form of Via) is reserved"},
		{"reserved compact m", withHeaders(headers.Field{Name: "M", Value: "x"}), "header M", "compact form of Contact"},
		{"reserved Diversion", withHeaders(headers.Field{Name: "DIVERSION", Value: "x"}), "header DIVERSION", "reserved"},
		{"CR LF in a value", withHeaders(headers.Field{Name: "X-Ticket", Value: "1\r\nVia: evil"}), "header X-Ticket", "control character U+000D at byte 1"},
		{"NUL in a value", withHeaders(headers.Field{Name: "X-Ticket", Value: "1\x00"}), "header X-Ticket", "control character"},
		{"invalid UTF-8 value", withHeaders(headers.Field{Name: "X-Ticket", Value: "\xc3"}), "header X-Ticket", "invalid UTF-8"},
		{"name not a token", withHeaders(headers.Field{Name: "X Ticket", Value: "1"}), "header name", "character not allowed in a header name"},
		{"name with LF", withHeaders(headers.Field{Name: "X-A\nVia", Value: "1"}), "header name", "U+000A"},
		{"empty name", withHeaders(headers.Field{Name: "", Value: "1"}), "header name", "empty header name"},
		{"duplicate name", withHeaders(headers.Field{Name: "X-A", Value: "1"}, headers.Field{Name: "x-a", Value: "2"}), "header x-a", "more than once"},
		{"value too long", withHeaders(headers.Field{Name: "X-A", Value: strings.Repeat("v", 257)}), "header X-A", "at most 256"},
		{"invalid digit e", dtmf("12e"), "digits", "'e' at byte 2 is not a DTMF digit"},
		{"space digit", dtmf("1 2"), "digits", "' ' at byte 1"},
		{"comma digit", dtmf("1,2"), "digits", "',' at byte 1"},
		{"empty digits", dtmf(""), "digits", "empty"},
		{"too many digits", dtmf(strings.Repeat("1", 65)), "digits", "65 characters, at most 64"},
		{"DTMF room id empty", func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{Digits: "1"}) }, "room id", "empty"},
		{"DTMF role with LF", func() error { return c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1", Role: "a\nb"}) }, "role", "control"},
		{"trunk address with scheme", address("sip:example.pstn.twilio.com"), "address", "has a scheme"},
		{"trunk address URL", address("https://example.com"), "address", "has a scheme"},
		{"trunk address with space", address("example .com"), "address", "space or control character"},
		{"trunk address with LF", address("example.com\n"), "address", "U+000A"},
		{"trunk address port 0", address("example.com:0"), "address", "want 1 to 65535"},
		{"trunk address port 65536", address("example.com:65536"), "address", "want 1 to 65535"},
		{"trunk address port not a number", address("example.com:sip"), "address", "port"},
		{"trunk address empty port", address("example.com:"), "address", "port"},
		{"trunk address bare IPv6", address("2001:db8::1"), "address", "brackets"},
		{"trunk address bad IPv4", address("203.0.113.256"), "address", "not an IPv4 address"},
		{"trunk address with path", address("example.com/sip"), "address", "'/'"},
		{"trunk address with user", address("user@example.com"), "address", "'@'"},
		{"trunk address empty label", address("example..com"), "address", "empty label"},
		{"trunk address non-ASCII", address("exämple.com"), "address", "xn--"},
		{"trunk address empty", address(""), "address", "empty"},
		{"trunk address too long", address(strings.Repeat("a.", 130) + "com"), "address", "at most 259"},
		{"trunk from not E.164", trunk(func(t *sipout.Trunk) { t.From = "14155550100" }), "from", "no leading '+'"},
		{"trunk from empty", trunk(func(t *sipout.Trunk) { t.From = "" }), "from", "empty"},
		{"trunk password without username", trunk(func(t *sipout.Trunk) { t.Username = "" }), "username", "give both"},
		{"trunk username without password", trunk(func(t *sipout.Trunk) { t.Password = "" }), "password", "give both"},
		{"trunk password with LF", trunk(func(t *sipout.Trunk) { t.Password = "pw\n" }), "password", "control character at byte 2"},
		{"trunk username with control", trunk(func(t *sipout.Trunk) { t.Username = "u\x01" }), "username", "control"},
		{"update with empty trunk id", func() error { _, err := c.UpdateTrunk(ctx, "", goodTrunk); return err }, "trunk id", "empty"},
		{"update with bad trunk", func() error {
			_, err := c.UpdateTrunk(ctx, "t1", sipout.Trunk{Address: "a.com", From: "+1 555"})
			return err
		}, "from", "' ' at byte 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			var in *hmsapi.InputError
			require.ErrorAs(t, err, &in)
			assert.ErrorIs(t, err, hmsapi.ErrInvalidInput)
			assert.Equal(t, tt.field, in.Field)
			assert.Contains(t, in.Reason, tt.reason)
			assert.NotContains(t, err.Error(), "\n", "one line")
			assert.NotContains(t, err.Error(), "\r")
		})
	}
	assert.Equal(t, 0, srv.RequestCount(), "no bad input reaches the API")
}

// TestGoodInputIsAccepted goes through the forms every check must let pass,
// on a server that answers everything.
func TestGoodInputIsAccepted(t *testing.T) {
	c, mux, n := setup(t)
	mux.HandleFunc("POST /sip/outbound/call", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"id":"c1"}`)) })
	mux.HandleFunc("POST /sip/outbound/trunks", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"id":"t1"}`)) })
	ctx := context.Background()
	for _, to := range []string{
		"+1", "+14155550100", "+123456789012345", "sip:alice@example.com", "SIP:alice@example.com:5060", "sips:+14155550100@203.0.113.7",
		"sip:alice@[2001:db8::1]:5061;transport=tls", "sip:bob%20b@example.com", "sip:alice@localhost",
		"sip:alice@example.com;transport=tcp", "sip:+14155550100@example.com;user=phone;transport=udp", "sip:bob%3Fx%7E%2f@example.com",
	} {
		_, err := c.Call(ctx, sipout.CallRequest{To: to, RoomCode: "ABC-defg-hij", TrunkID: "t1"})
		assert.NoError(t, err, to)
	}
	_, err := c.Call(ctx, sipout.CallRequest{To: "+1", RoomCode: roomCode, TrunkID: "t1", Name: "José Müller 😀", UserID: "user:42",
		Headers: headers.List{{Name: "X-Ticket", Value: "42"}, {Name: "Subject", Value: "Support call"}, {Name: "x-empty", Value: ""},
			{Name: "User-to-User", Value: "56a390f3d2b7310023a2;encoding=hex"}, {Name: "X-Via", Value: "1"}}})
	assert.NoError(t, err)
	for _, addr := range []string{"example.pstn.twilio.com", "example.pstn.twilio.com:5061", "203.0.113.7", "203.0.113.7:5060",
		"[2001:db8::1]", "[2001:db8::1]:5060", "sip-1.example.com", "localhost:65535"} {
		_, err := c.CreateTrunk(ctx, sipout.Trunk{Address: addr, From: "+14155550100"})
		assert.NoError(t, err, addr)
	}
	_, err = c.CreateTrunk(ctx, sipout.Trunk{Username: "user", Password: "pässwörd with spaces \"quoted\"", Address: "a.com", From: "+1"})
	assert.NoError(t, err)
	assert.EqualValues(t, 12+1+8+1, n.Load())
}

func TestRoomIDErrorIsRoomcodes(t *testing.T) {
	c, _, _ := setup(t)
	_, err := c.Call(context.Background(), sipout.CallRequest{To: "+1", RoomCode: roomID, TrunkID: "t"})
	assert.EqualError(t, err, "hmsapi: invalid room code: this is a room id, not a room code (room codes look like abc-defg-hij; get one with the Room Code API)")
	assert.False(t, errors.Is(err, sipout.ErrNoAnswer))
}

func TestSendDTMF(t *testing.T) {
	f := newFake(t)
	ctx := context.Background()
	err := f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	assert.ErrorIs(t, err, hmsapi.ErrBadRequest)
	assert.ErrorContains(t, err, "no sip participants in the call")

	_, err = f.client.Call(ctx, f.call("+14155550123"))
	require.NoError(t, err)
	require.NoError(t, f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "12#"}))
	require.NoError(t, f.client.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "*0ABCDabcd9", Role: "guest", UserID: "agent-1"}))
	assert.Equal(t, []string{"1", "2", "#", "*", "0", "a", "b", "c", "d", "a", "b", "c", "d", "9"}, f.srv.DTMF(roomID))
}

func TestSendDTMFRequest(t *testing.T) {
	const accessKey, appSecret = "ak-dtmf", "dtmf-app-secret-0123456789"
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	c, mux, n := setupWith(t, hmsapi.WithAppCredentials(accessKey, appSecret), hmsapi.WithClock(func() time.Time { return at }))
	var auths, bodies []string
	mux.HandleFunc("POST /sip/dtmf", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		auths, bodies = append(auths, r.Header.Get("Authorization")), append(bodies, string(b))
		if len(bodies) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	})
	ctx := context.Background()
	err := c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: roomID, Digits: "1A#"})
	assert.ErrorIs(t, err, hmsapi.ErrServer)
	assert.EqualValues(t, 1, n.Load(), "not repeated: the tones would play twice")
	require.NoError(t, c.SendDTMF(ctx, sipout.DTMFRequest{RoomID: "room-2", Digits: "9", Role: "agent", UserID: "bot-1"}))
	assert.Equal(t, []string{`{"digits":["1","a","#"]}`, `{"digits":["9"]}`}, bodies)

	claims := func(auth string) jwt.MapClaims {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		require.True(t, ok)
		cl := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, cl, func(*jwt.Token) (any, error) { return []byte(appSecret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return at }))
		require.NoError(t, err)
		return cl
	}
	first := claims(auths[0])
	assert.Equal(t, "app", first["type"])
	assert.Equal(t, accessKey, first["access_key"])
	assert.Equal(t, roomID, first["room_id"])
	assert.Equal(t, sipout.DefaultDTMFRole, first["role"])
	assert.Equal(t, sipout.DefaultDTMFUserID, first["user_id"])
	assert.EqualValues(t, at.Add(time.Hour).Unix(), first["exp"], "minted with the core's clock")
	second := claims(auths[1])
	assert.Equal(t, "room-2", second["room_id"])
	assert.Equal(t, "agent", second["role"])
	assert.Equal(t, "bot-1", second["user_id"])
}

// TestSendDTMFNeedsAppCredentials: a core with a management token alone
// cannot mint the app token DTMF takes; nothing is sent.
func TestSendDTMFNeedsAppCredentials(t *testing.T) {
	c, mux, n := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	err := c.SendDTMF(context.Background(), sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	require.ErrorIs(t, err, hmsapi.ErrNoAppCredentials)
	assert.ErrorContains(t, err, "a management token alone cannot send DTMF")
	assert.ErrorContains(t, err, "hmsapi.WithAppCredentials")
	assert.NotContains(t, err.Error(), apisurface.TestToken)
	assert.EqualValues(t, 0, n.Load())
}

// TestSendDTMFTokenRefused: a refused app token is not renewed and the
// request not repeated.
func TestSendDTMFTokenRefused(t *testing.T) {
	f := newFake(t)
	_, err := f.client.Call(context.Background(), f.call("+1"))
	require.NoError(t, err)
	before := f.srv.RequestCount()
	f.srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	err = f.client.SendDTMF(context.Background(), sipout.DTMFRequest{RoomID: roomID, Digits: "1"})
	assert.ErrorIs(t, err, hmsapi.ErrUnauthorized)
	assert.Equal(t, before+1, f.srv.RequestCount())
}

// TestPublicAPI pins the exported names of the package: each serves a user
// and is documented.
func TestPublicAPI(t *testing.T) {
	apisurface.Check(t, ".", `
		CallRequest CallResult Client Client.API Client.Call Client.CreateTrunk Client.SendDTMF
		Client.UpdateTrunk DTMFRequest DefaultDTMFRole DefaultDTMFUserID DefaultRingTimeout ErrNoAnswer
		MaxAddressLen MaxCredentialLen MaxDTMFDigits MaxNameLen MaxRingTimeout MaxToLen MaxUserIDLen NewClient
		Option RingMargin Trunk Trunk.Format Trunk.GoString Trunk.LogValue Trunk.MarshalJSON Trunk.String
		WithMeterProvider
	`)
}
