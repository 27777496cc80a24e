package sipconnect_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
)

// Shared by the tests of the carriers other than Twilio.

// carrierNow is the fixed time at which the carrier tests sign and verify:
// nothing depends on the date the suite runs on.
var carrierNow = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

func carrierClock() time.Time { return carrierNow }

// The example call of 100ms's documentation (REFERENCE §1).
const (
	exampleRoom = "abc-defg-hij"
	examplePIN  = "123456789"
	exampleURI  = "sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&X-100ms-UserID=xyz"
)

// exampleIdentity gives every caller the example's display name and user id.
func exampleIdentity(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
	return sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}, nil
}

// hostileNames are the caller names TestHandlerHostileCallerName sends
// through Twilio, sent through every carrier.
var hostileNames = []string{
	"Eve\r\nX-100ms-UserID: admin",
	"x&X-100ms-UserID=admin",
	"x?X-100ms-UserID=admin",
	strings.Repeat("A", 5<<10),
	"Jos\xe9 \xff\xfe",
	"</Sip><Sip>sip:evil@attacker.example</Sip>",
	"\u0085\u009b\x7f\x00",
	callerPhone,
	"+1 (415) 555-0123",
	// And what a JSON document or a Plivo header list would split on.
	`", "uri": "sip:evil@attacker.example`,
	`\"}]},{"action":"connect`,
	"a,X-PH-Evil=1",
	"</User><User>sip:evil@attacker.example</User>",
}

// carelessIdentity passes a hostile value through unchecked, as display
// name and user id.
func carelessIdentity(value string) sipconnect.IdentityFunc {
	return func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
		return sipconnect.Identity{DisplayName: value, UserID: value}, nil
	}
}

// pinResolver knows one PIN, examplePIN, which leads to the example room
// with the example identity.
var pinResolver = sipconnect.PINResolverFunc(func(_ context.Context, pin string, _ sipconnect.Call) (sipconnect.PINTarget, error) {
	if pin == examplePIN {
		return sipconnect.PINTarget{RoomCode: exampleRoom, Identity: &sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}}, nil
	}
	return sipconnect.PINTarget{}, sipconnect.ErrUnknownPIN
})

// carrierServer serves a handler under /hooks on loopback; its URL is the
// public URL the carrier signs.
type carrierServer struct {
	srv  *httptest.Server
	logs *syncBuffer
}

// newCarrierServer makes the handler of cfg, with PublicURL, a JSON logger
// and the PIN store filled in, and mounts it at /hooks/voice, /hooks/pin
// and /hooks/dial-status.
func newCarrierServer(t *testing.T, cfg sipconnect.HandlerConfig) *carrierServer {
	t.Helper()
	s := &carrierServer{logs: &syncBuffer{}}
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	cfg.PublicURL = s.srv.URL
	cfg.Logger = slog.New(slog.NewJSONHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.PIN != nil && cfg.PIN.Store == nil {
		cfg.PIN.Store = store.NewMemory()
	}
	h, err := sipconnect.NewHandler(cfg)
	require.NoError(t, err)
	mux.Handle("/hooks/voice", h)
	mux.Handle("/hooks/pin", h.PINHandler())
	mux.Handle("/hooks/dial-status", h.StatusHandler())
	return s
}

// do sends req and returns the status, the Content-Type and the body.
func (s *carrierServer) do(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := s.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

// assertNoSecret checks that formatting and logging v shows none of the
// secrets.
func assertNoSecret(t *testing.T, v any, secrets ...string) {
	t.Helper()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, v))
	}
	var logs syncBuffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "value", v)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "value", v)
	outs = append(outs, logs.String())
	for _, out := range outs {
		for _, s := range secrets {
			assert.NotContains(t, out, s)
			assert.NotContains(t, out, fmt.Sprintf("%x", s))
		}
	}
}

// withParams sets extra, name-value pairs, on the webhook parameters p and
// returns p.
func withParams(p url.Values, extra ...string) url.Values {
	for i := 0; i+1 < len(extra); i += 2 {
		p.Set(extra[i], extra[i+1])
	}
	return p
}

// roomError is a room lookup that fails with msg.
func roomError(msg string) sipconnect.RoomFunc {
	return func(context.Context, sipconnect.Call) (string, error) { return "", errors.New(msg) }
}

// decodeXML reads an XML answer, which starts with the XML declaration,
// into a T.
func decodeXML[T any](t *testing.T, body string) T {
	t.Helper()
	require.True(t, strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`), body)
	var a T
	require.NoError(t, xml.Unmarshal([]byte(body), &a), body)
	return a
}

// assertForbidden sends each request of cases, each failing the carrier's
// signature check, and checks that the handler refuses it with 403 and logs
// that it was not signed by title.
func assertForbidden(t *testing.T, s *carrierServer, title string, cases map[string]func() *http.Request) {
	t.Helper()
	for name, mk := range cases {
		status, _, body := s.do(t, mk())
		assert.Equal(t, http.StatusForbidden, status, "%s: %s", name, body)
	}
	assert.Contains(t, s.logs.String(), "without a valid "+title+" signature")
}

// A refusal is a change to a carrier's handler configuration that
// NewHandler must refuse, with want in its error.
type refusal struct {
	mutate func(*sipconnect.HandlerConfig)
	want   string
}

// assertRefused applies each refusal to the configuration base makes and
// checks that NewHandler refuses it, naming what it wants and none of
// secrets.
func assertRefused(t *testing.T, base func() sipconnect.HandlerConfig, cases map[string]refusal, secrets ...string) {
	t.Helper()
	for name, tt := range cases {
		cfg := base()
		tt.mutate(&cfg)
		_, err := sipconnect.NewHandler(cfg)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tt.want, name)
		for _, s := range secrets {
			assert.NotContains(t, err.Error(), s)
		}
	}
}

// forHostileNames answers the incoming call that request makes to a
// handler of base's configuration whose identity is each of hostileNames,
// unchecked, and gives check the answer, which must be 200.
func forHostileNames(t *testing.T, base func() sipconnect.HandlerConfig, request func(s *carrierServer) *http.Request, check func(name, body string)) {
	t.Helper()
	for _, name := range hostileNames {
		cfg := base()
		cfg.Room = sipconnect.StaticRoom(exampleRoom)
		cfg.Identity = carelessIdentity(name)
		s := newCarrierServer(t, cfg)
		status, _, body := s.do(t, request(s))
		require.Equal(t, http.StatusOK, status)
		check(name, body)
	}
}

// assertCarriedIntact checks that the SIP URI of a call whose identity was
// the hostile name leads to the example room, carries no injected header,
// and carries the name as display name and user id intact or not at all.
func assertCarriedIntact(t *testing.T, uri, name string) {
	t.Helper()
	addr, err := sipconnect.ParseAddress(uri)
	require.NoError(t, err)
	assert.Equal(t, exampleRoom, addr.RoomCode())
	assert.Empty(t, addr.Headers(), "no header injected by %q", name)
	if addr.DisplayName() != "" {
		assert.Equal(t, name, addr.DisplayName(), "carried intact or not at all")
		assert.Equal(t, name, addr.UserID())
	}
}
