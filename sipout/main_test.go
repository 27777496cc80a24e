package sipout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	prefix   = "/prefix/v2"
	// testToken is the management token of the clients setup makes.
	testToken = "mgmt-token-abc123"
)

// fastRetries keeps retry tests quick while going through the real backoff.
var fastRetries = hmsapi.RetryPolicy{MaxRetries: 3, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

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
	all := append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), srv.AppSecret()),
		hmsapi.WithRetryPolicy(fastRetries)}, opts...)
	api, err := hmsapi.New(all...)
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	c := sipout.NewClient(api)
	trunk, err := c.CreateTrunk(context.Background(), sipout.Trunk{Username: "u", Password: "trunk-password", Address: "example.pstn.twilio.com", From: "+14155550100"})
	require.NoError(t, err)
	return &fake{srv: srv, client: c, trunk: trunk}
}

// call returns a valid request to phone to on the fake.
func (f *fake) call(to string) sipout.CallRequest {
	return sipout.CallRequest{To: to, RoomCode: roomCode, TrunkID: f.trunk}
}

// setup returns a client whose base URL is a plain httptest server mounted
// under a path prefix, so that a request built with an absolute path fails,
// and a counter of the requests that reached the mux.
func setup(t *testing.T, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	return setupWith(t, hmsapi.WithManagementToken(testToken), opts...)
}

// setupWith is setup with other credentials.
func setupWith(t *testing.T, creds hmsapi.Option, opts ...hmsapi.Option) (*sipout.Client, *http.ServeMux, *atomic.Int32) {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	var n atomic.Int32
	outer.Handle(prefix+"/", http.StripPrefix(prefix, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		mux.ServeHTTP(w, r)
	})))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base URL: %s %s", r.Method, r.URL)
		http.Error(w, "wrong path", http.StatusTeapot)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	all := append([]hmsapi.Option{hmsapi.WithBaseURL(srv.URL + prefix), creds, hmsapi.WithRetryPolicy(fastRetries)}, opts...)
	api, err := hmsapi.New(all...)
	require.NoError(t, err)
	t.Cleanup(api.CloseIdleConnections)
	return sipout.NewClient(api), mux, &n
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

	var logs apisurface.LockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api, err := hmsapi.New(hmsapi.WithBaseURL(proxy.URL+"/v2"), hmsapi.WithAppCredentials("ak-1", appSecret),
		hmsapi.WithRetryPolicy(fastRetries), hmsapi.WithLogger(logger))
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
