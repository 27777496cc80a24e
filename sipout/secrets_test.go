package sipout_test

import (
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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/sipout"
)

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
