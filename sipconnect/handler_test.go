package sipconnect_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/headers"
	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/roomcode"
	"github.com/hmssip/interconnect-go/roster"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/store"
	"github.com/hmssip/interconnect-go/twiml"
)

const (
	authToken   = "twilio-auth-token-0123456789abcdef"
	sipPassword = "sip-password-never-logged"
	callerPhone = "+14155550123"
)

func TestRefSignVector(t *testing.T) {
	form := url.Values{"CallSid": {"CA1234567890ABCDE"}, "Caller": {"+14158675310"}, "Digits": {"1234"},
		"From": {"+14158675310"}, "To": {"+18005551212"}}
	assert.Equal(t, "L/OH5YylLD5NRKLltdqwSvS0BnU=", carriertest.TwilioSignature("12345", "https://example.com/myapp.php?foo=1&bar=2", form))
	// The signed requests these tests send carry the signature that the
	// independent refSign computes.
	call := callForm("Digits", "1")
	call.Add("Digits", "0")
	req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/hooks/voice", authToken, call)
	require.NoError(t, err)
	assert.Equal(t, carriertest.TwilioSignature(authToken, "https://voice.example.com/hooks/voice", call), req.Header.Get(twiml.SignatureHeader))
}

// callForm is Twilio's incoming-call webhook, with extra name-value pairs
// set on it.
var callForm = carriertest.TwilioCall

type dialInServer struct {
	srv  *httptest.Server
	logs *syncBuffer
}

// syncBuffer is a log buffer safe for the handler's concurrent logging.
type syncBuffer = carriertest.LogBuffer

// newDialIn mounts the handler under /hooks on a loopback server whose URL
// is the public URL.
func newDialIn(t *testing.T, cfg sipconnect.HandlerConfig) *dialInServer {
	t.Helper()
	d := &dialInServer{logs: &syncBuffer{}}
	mux := http.NewServeMux()
	d.srv = httptest.NewUnstartedServer(mux)
	d.srv.Start()
	t.Cleanup(d.srv.Close)
	if cfg.Carrier == nil {
		cfg.AuthToken = authToken
	}
	cfg.PublicURL = d.srv.URL
	cfg.Credentials = sipconnect.Credentials{Username: "sip-user", Password: sipPassword}
	cfg.Logger = slog.New(slog.NewJSONHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := sipconnect.NewHandler(cfg)
	require.NoError(t, err)
	mux.Handle("POST /hooks/voice", h)
	mux.Handle("/hooks/voice-any", h)
	mux.Handle("POST /hooks/dial-status", h.StatusHandler())
	mux.Handle("/hooks/dial-status-any", h.StatusHandler())
	return d
}

// twilio is the Twilio carrier of tc, with the tests' auth token.
func twilio(tc sipconnect.TwilioConfig) sipconnect.Carrier {
	tc.AuthToken = authToken
	return sipconnect.Twilio(tc)
}

func (d *dialInServer) post(t *testing.T, path string, form url.Values, sig string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.srv.URL+path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set(twiml.SignatureHeader, sig)
	}
	return d.do(t, req)
}

func (d *dialInServer) signedPost(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	req, err := twiml.NewSignedRequest(http.MethodPost, d.srv.URL+path, authToken, form)
	require.NoError(t, err)
	return d.do(t, req)
}

// do sends req to the server and returns the status and the body.
func (d *dialInServer) do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := d.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		assert.Equal(t, "text/xml; charset=utf-8", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(body)
}

// answer is the dial-in document as encoding/xml reads it.
type answer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Action         string `xml:"action,attr"`
		Sip            struct {
			Username string `xml:"username,attr"`
			Password string `xml:"password,attr"`
			URI      string `xml:",chardata"`
		}
	}
	Say    []string  `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
	Reject *struct{} `xml:"Reject"`
}

func decode(t *testing.T, body string) answer {
	t.Helper()
	require.True(t, strings.HasPrefix(body, `<?xml version="1.0" encoding="UTF-8"?>`), body)
	var a answer
	require.NoError(t, xml.Unmarshal([]byte(body), &a), body)
	return a
}

func TestHandlerStaticRoom(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"),
		Carrier: twilio(sipconnect.TwilioConfig{Dial: twiml.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second}})})
	status, body := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+d.srv.URL+`/hooks/dial-status" timeout="30" answerOnBridge="true">`+
		`<Sip username="sip-user" password="`+sipPassword+`">sip:abc-defg-hij@sip.100ms.live</Sip></Dial></Response>`, body)
	a := decode(t, body)
	require.NotNil(t, a.Dial)
	addr, err := sipconnect.ParseAddress(a.Dial.Sip.URI)
	require.NoError(t, err)
	assert.Equal(t, "abc-defg-hij", addr.RoomCode())
	assert.Empty(t, addr.DisplayName(), "no display name by default: 100ms shows the masked number")
	assert.NotContains(t, body, callerPhone)
}

func TestHandlerRejectsBadRequests(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij")})
	form := callForm()
	status, _ := d.post(t, "/hooks/voice", form, "")
	assert.Equal(t, http.StatusForbidden, status, "unsigned")
	otherToken, err := twiml.NewSignedRequest(http.MethodPost, d.srv.URL+"/hooks/voice", "other-token", form)
	require.NoError(t, err)
	status, _ = d.do(t, otherToken)
	assert.Equal(t, http.StatusForbidden, status, "signed with another token")
	status, _ = d.post(t, "/hooks/voice", form, carriertest.TwilioSignature(authToken, d.srv.URL+"/hooks/other", form))
	assert.Equal(t, http.StatusForbidden, status, "signed for another URL")
	tampered := callForm("From", "+19995550000")
	status, _ = d.post(t, "/hooks/voice", tampered, carriertest.TwilioSignature(authToken, d.srv.URL+"/hooks/voice", form))
	assert.Equal(t, http.StatusForbidden, status, "parameters changed after signing")

	put, err := http.NewRequest(http.MethodPut, d.srv.URL+"/hooks/voice-any", nil)
	require.NoError(t, err)
	resp, err := d.srv.Client().Do(put)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	resp, err = d.srv.Client().Get(d.srv.URL + "/hooks/voice-any?" + form.Encode())
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a GET is verified too")

	big := callForm("Junk", strings.Repeat("x", 1<<20))
	status, _ = d.signedPost(t, "/hooks/voice", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
}

// postForm posts form, unsigned, to h's /voice and returns the answer.
func postForm(h http.Handler, form url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(rec, req)
	return rec
}

// apiFixture is a fake Room Code API with one room, a client and a cache.
func apiFixture(t *testing.T, opts roomcode.CacheConfig) (*hmstest.Server, *roomcode.Cache) {
	t.Helper()
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithCode("room-1", "guest", "gst-abcd-xyz", true))
	t.Cleanup(api.Close)
	client := roomcode.NewClient(api.API(hmsapi.WithRetryPolicy(hmsapi.RetryPolicy{MaxRetries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}),
		hmsapi.WithTimeout(200*time.Millisecond)))
	return api, roomcode.NewCache(client, opts)
}

func TestHandlerCachedRoomAndFailures(t *testing.T) {
	api, cache := apiFixture(t, roomcode.CacheConfig{TTL: time.Nanosecond, MaxStale: time.Hour})
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.CachedRoom(cache, "room-1", "guest"), Timeout: time.Second})

	status, body := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, 200, status)
	a := decode(t, body)
	require.NotNil(t, a.Dial, body)
	assert.Equal(t, "sip:gst-abcd-xyz@sip.100ms.live", a.Dial.Sip.URI)

	// The API goes down: the cached code is still served.
	api.InjectFault(hmstest.Fault{Count: 1000, Status: 503})
	status, body = d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, 200, status)
	a = decode(t, body)
	require.NotNil(t, a.Dial, "served from cache while the API is down: %s", body)
	assert.Equal(t, "sip:gst-abcd-xyz@sip.100ms.live", a.Dial.Sip.URI)
}

func TestHandlerFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		setup func(api *hmstest.Server)
		room  string
	}{
		{"API 503, nothing cached", func(api *hmstest.Server) {
			api.InjectFault(hmstest.Fault{Count: 100, Status: 503})
		}, "room-1"},
		{"API too slow", func(api *hmstest.Server) { api.SetLatency(2 * time.Second) }, "room-1"},
		{"room not found", func(*hmstest.Server) {}, "no-such-room"},
		{"connection reset", func(api *hmstest.Server) {
			api.InjectFault(hmstest.Fault{Count: 100, Status: 0})
		}, "room-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, cache := apiFixture(t, roomcode.CacheConfig{LookupTimeout: 500 * time.Millisecond})
			tt.setup(api)
			d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.CachedRoom(cache, tt.room, "guest"), Timeout: 300 * time.Millisecond})
			start := time.Now()
			status, body := d.signedPost(t, "/hooks/voice", callForm())
			assert.Equal(t, http.StatusOK, status)
			assert.Less(t, time.Since(start), 2*time.Second)
			a := decode(t, body)
			assert.Nil(t, a.Dial)
			assert.Equal(t, []string{"Sorry, we cannot connect your call to the meeting right now. Please try again later."}, a.Say)
			assert.NotNil(t, a.Hangup)
			assert.Contains(t, d.logs.String(), `"outcome":"fallback"`)
		})
	}
}

func TestHandlerRejectFallbackAndPanics(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{
		Room:    sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) { panic("bug in user code") }),
		Carrier: twilio(sipconnect.TwilioConfig{Fallback: twiml.Response{&twiml.Reject{Reason: twiml.ReasonBusy}}}),
	})
	status, body := d.signedPost(t, "/hooks/voice", callForm())
	assert.Equal(t, 200, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>`, body)
	assert.Contains(t, d.logs.String(), "bug in user code")
}

func TestNewHandlerRefusesAStaticRoomThatCannotWork(t *testing.T) {
	for _, code := range []string{"6560c7a8e4b0a1b2c3d4e5f6", "not_a_code", "abc-defg", ""} {
		_, want := sipconnect.NewAddress(code)
		require.Error(t, want)
		_, err := sipconnect.NewHandler(sipconnect.HandlerConfig{Room: sipconnect.StaticRoom(code), InsecureSkipSignature: true})
		require.Error(t, err, code)
		assert.Equal(t, want.Error(), err.Error(), "the message NewAddress gives")
		var se *sipconnect.Error
		require.ErrorAs(t, err, &se)
		assert.Equal(t, "room code", se.Field)
	}
	_, err := sipconnect.NewHandler(sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("6560c7a8e4b0a1b2c3d4e5f6"), InsecureSkipSignature: true})
	assert.ErrorIs(t, err, roomcode.ErrRoomID)
	assert.ErrorContains(t, err, "this is a room id, not a room code")
	// A host that the address options make invalid is caught as well.
	_, err = sipconnect.NewHandler(sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), InsecureSkipSignature: true,
		AddressOptions: []sipconnect.AddressOption{sipconnect.WithHost("bad host")}})
	assert.ErrorIs(t, err, sipconnect.ErrHost)
	_, err = sipconnect.NewHandler(sipconnect.HandlerConfig{Room: sipconnect.RoomFunc(nil), InsecureSkipSignature: true})
	assert.ErrorContains(t, err, "Room is required")
}

func TestHandlerLogsToTheDefaultLogger(t *testing.T) {
	// The one test that touches slog's default logger; none runs in parallel.
	var logs syncBuffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true,
		Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) { return "", errors.New("no meeting now") })})
	require.NoError(t, err)
	rec := postForm(h, callForm())
	require.Equal(t, 200, rec.Code)
	assert.Nil(t, decode(t, rec.Body.String()).Dial)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 1, "one line for the fallback: %s", logs.String())
	assert.Contains(t, lines[0], "level=WARN")
	assert.Contains(t, lines[0], "answering the fallback")
	assert.Contains(t, lines[0], "no meeting now", "the line says why")
	assert.Contains(t, lines[0], "stage=room")
	assert.NotContains(t, lines[0], callerPhone)
}

func TestHandlerByGET(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), Carrier: twilio(sipconnect.TwilioConfig{Dial: twiml.Dial{Action: "/hooks/dial-status-any"}})})
	req, err := twiml.NewSignedRequest(http.MethodGet, d.srv.URL+"/hooks/voice-any", authToken, callForm())
	require.NoError(t, err)
	status, body := d.do(t, req)
	require.Equal(t, 200, status, body)
	a := decode(t, body)
	require.NotNil(t, a.Dial, "a Twilio number set to GET is bridged")
	assert.Equal(t, "sip:abc-defg-hij@sip.100ms.live", a.Dial.Sip.URI)
	assert.Contains(t, d.logs.String(), `"call_sid":"CA0123456789abcdef0123456789abcdef"`, "the call is read from the query")

	req, err = twiml.NewSignedRequest(http.MethodGet, d.srv.URL+"/hooks/dial-status-any", authToken,
		url.Values{"CallSid": {"CA1"}, "DialCallStatus": {"busy"}})
	require.NoError(t, err)
	status, body = d.do(t, req)
	require.Equal(t, 200, status)
	assert.Equal(t, []string{"Sorry, the meeting could not be reached. Please try again later."}, decode(t, body).Say)
}

func TestDialActionRelativeToPublicURL(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"),
		Carrier: twilio(sipconnect.TwilioConfig{Dial: twiml.Dial{Action: "/hooks/dial-status"}})})
	_, body := d.signedPost(t, "/hooks/voice", callForm())
	a := decode(t, body)
	require.NotNil(t, a.Dial)
	assert.Equal(t, d.srv.URL+"/hooks/dial-status", a.Dial.Action)
	// Twilio requests that URL, signed for it: the status handler accepts it.
	status, _ := d.signedPost(t, "/hooks/dial-status", url.Values{"CallSid": {"CA1"}, "DialCallStatus": {"completed"}})
	assert.Equal(t, 200, status)
}

func TestHandlerRoomFromCall(t *testing.T) {
	rooms := map[string]string{"+18005550100": "sal-esxx-xyz", "+18005550199": "sup-port-abc"}
	d := newDialIn(t, sipconnect.HandlerConfig{
		Room: sipconnect.RoomFunc(func(_ context.Context, c sipconnect.Call) (string, error) {
			if code, ok := rooms[c.To]; ok {
				return code, nil
			}
			return "", errors.New("no room for this number")
		}),
		Identity: func(_ context.Context, c sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: "Caller " + sipconnect.MaskNumber(c.From), UserID: "pstn-" + c.CallSid[:6],
				Headers: headers.List{{Name: "X-Tenant", Value: "acme"}}}, nil
		},
	})
	_, body := d.signedPost(t, "/hooks/voice", callForm("To", "+18005550199"))
	a := decode(t, body)
	require.NotNil(t, a.Dial, body)
	addr, err := sipconnect.ParseAddress(a.Dial.Sip.URI)
	require.NoError(t, err)
	assert.Equal(t, "sup-port-abc", addr.RoomCode())
	assert.Equal(t, "Caller +*******0123", addr.DisplayName())
	assert.Equal(t, "pstn-CA0123", addr.UserID())
	v, _ := addr.Header("X-Tenant")
	assert.Equal(t, "acme", v)

	_, body = d.signedPost(t, "/hooks/voice", callForm("To", "+18005550000"))
	assert.Nil(t, decode(t, body).Dial)
}

func TestHandlerHostileCallerName(t *testing.T) {
	hostile := carriertest.HostileNames()
	for i, identity := range []sipconnect.IdentityFunc{
		sipconnect.CallerNameIdentity,
		// A careless function that passes the caller name through unchecked.
		func(_ context.Context, c sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: c.CallerName}, nil
		},
	} {
		sanitized := i == 0
		d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), Identity: identity})
		for _, name := range hostile {
			status, body := d.signedPost(t, "/hooks/voice", callForm("CallerName", name))
			require.Equal(t, 200, status)
			a := decode(t, body)
			require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
			addr, err := sipconnect.ParseAddress(a.Dial.Sip.URI)
			require.NoError(t, err, a.Dial.Sip.URI)
			assert.Empty(t, addr.UserID(), "no header injected by %q", name)
			assert.Empty(t, addr.Headers(), "no header injected by %q", name)
			assert.Equal(t, "abc-defg-hij", addr.RoomCode())
			assert.Equal(t, 1, strings.Count(body, "<Sip "), "one Sip noun for %q", name)
			if sanitized {
				assert.NotContains(t, addr.DisplayName(), "555", "a full phone number is never a display name by default")
			}
		}
	}
}

func TestSanitizeDisplayName(t *testing.T) {
	tests := map[string]string{
		"  John   Doe  ":              "John Doe",
		"John\r\nDoe":                 "John Doe",
		"Jos\xe9":                     "Jos",
		"\u0085José\x00":              "José",
		callerPhone:                   "",
		"(415) 555-0123":              "",
		"WIRELESS CALLER":             "WIRELESS CALLER",
		strings.Repeat("é", 100):      strings.Repeat("é", 64),
		"Room 101":                    "Room 101",
		"\uFFFEname\uFFFF":            "name",
		"\t":                          "",
		strings.Repeat("a b ", 40):    strings.TrimSpace(strings.Repeat("a b ", 16)),
		"😀 " + strings.Repeat("x", 1): "😀 x",
		"Alice\u202Eecilb\u202C":      "Aliceecilb", // a right-to-left override
		"Bo\u200Bb\u2066\u2069\uFEFF": "Bob",        // zero-width and isolate characters
	}
	for in, want := range tests {
		got := sipconnect.SanitizeDisplayName(in)
		assert.Equal(t, want, got, "%q", in)
		assert.NoError(t, headers.ValidateValue(headers.DisplayName, got))
	}
}

func TestDialStatusHandler(t *testing.T) {
	var mu sync.Mutex
	var seen []sipconnect.DialStatus
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"),
		OnDialStatus: func(_ context.Context, s sipconnect.DialStatus) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, s)
			if s.DialCallStatus == "canceled" {
				panic("hook bug")
			}
		}})
	form := func(status, code string) url.Values {
		return url.Values{"CallSid": {"CA1"}, "DialCallSid": {"CA2"}, "DialCallStatus": {status}, "DialSipResponseCode": {code}, "DialCallDuration": {"42"}}
	}
	for _, tt := range []struct {
		status, code string
		apology      bool
	}{{"failed", "404", true}, {"busy", "486", true}, {"no-answer", "408", true}, {"completed", "200", false}, {"answered", "200", false}, {"canceled", "487", false}} {
		status, body := d.signedPost(t, "/hooks/dial-status", form(tt.status, tt.code))
		require.Equal(t, 200, status)
		a := decode(t, body)
		assert.NotNil(t, a.Hangup, tt.status)
		if tt.apology {
			assert.Equal(t, []string{"Sorry, the meeting could not be reached. Please try again later."}, a.Say, tt.status)
		} else {
			assert.Empty(t, a.Say, tt.status)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 6)
	assert.Equal(t, "486", seen[1].DialSipResponseCode)
	assert.True(t, seen[0].Failed())
	assert.False(t, seen[3].Failed())

	status, _ := d.post(t, "/hooks/dial-status", form("failed", "404"), "")
	assert.Equal(t, http.StatusForbidden, status)
}

func TestNewHandlerConfigErrors(t *testing.T) {
	room := sipconnect.StaticRoom("abc-defg-hij")
	for name, cfg := range map[string]sipconnect.HandlerConfig{
		"no room":        {AuthToken: "t", PublicURL: "https://x"},
		"no auth token":  {Room: room, PublicURL: "https://x"},
		"bad public URL": {Room: room, AuthToken: "t", PublicURL: "x"},
		"bad fallback": {Room: room, PublicURL: "https://x",
			Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{AuthToken: "t", Fallback: twiml.Response{&twiml.Say{}}})},
		"bad dial failed": {Room: room, PublicURL: "https://x",
			Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{AuthToken: "t", DialFailed: twiml.Response{&twiml.Hangup{}, &twiml.Reject{}}})},
		"bad dial attribute": {Room: room, PublicURL: "https://x",
			Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{AuthToken: "t", Dial: twiml.Dial{Timeout: time.Hour}})},
		"auth token beside a carrier": {Room: room, PublicURL: "https://x", AuthToken: "t",
			Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{AuthToken: "t"})},
	} {
		_, err := sipconnect.NewHandler(cfg)
		assert.Error(t, err, name)
	}
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{Room: room, InsecureSkipSignature: true})
	require.NoError(t, err)
	rec := postForm(h, callForm())
	assert.Equal(t, 200, rec.Code)
	assert.Contains(t, rec.Body.String(), "sip:abc-defg-hij@sip.100ms.live")
}

func TestHandlerLogsHoldNoSecrets(t *testing.T) {
	api, cache := apiFixture(t, roomcode.CacheConfig{TTL: time.Nanosecond})
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.CachedRoom(cache, "room-1", "guest"),
		Identity: sipconnect.CallerNameIdentity})
	d.signedPost(t, "/hooks/voice", callForm("CallerName", "Alice"))
	d.signedPost(t, "/hooks/voice", callForm("CallerName", "Bob\r\n"))
	api.InjectFault(hmstest.Fault{Count: 100, Status: 500})
	d.signedPost(t, "/hooks/voice", callForm())
	d.post(t, "/hooks/voice", callForm(), "bad")
	d.signedPost(t, "/hooks/dial-status", url.Values{"CallSid": {"CA1"}, "DialCallStatus": {"failed"}, "From": {callerPhone}})
	logs := d.logs.String()
	require.Contains(t, logs, `"outcome":"dial"`)
	require.Contains(t, logs, "without a valid Twilio signature")
	for _, s := range []string{sipPassword, authToken, api.AppSecret(), callerPhone, "4155550123"} {
		assert.NotContains(t, logs, s)
	}
	assert.Contains(t, logs, "+*******0123", "numbers are logged masked")
}

func TestMaskNumber(t *testing.T) {
	assert.Equal(t, "+*******0123", sipconnect.MaskNumber("+14155550123"))
	assert.Equal(t, "+* (***) ***-0123", sipconnect.MaskNumber("+1 (415) 555-0123"))
	assert.Equal(t, "*****", sipconnect.MaskNumber("12345"))
	assert.Equal(t, "********", sipconnect.MaskNumber("client:alice-the-agent"))
	assert.Equal(t, "", sipconnect.MaskNumber(""))
}

// BenchmarkHandler compares, in one run, the dial-in handler (signature
// checked, room from a warm cache) with a bare net/http handler that writes
// a constant TwiML body. Both are driven through httptest the same way.
func BenchmarkHandler(b *testing.B) {
	api := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithCode("room-1", "guest", "gst-abcd-xyz", true))
	defer api.Close()
	cache := roomcode.NewCache(roomcode.NewClient(api.API()), roomcode.CacheConfig{TTL: time.Hour})
	const public = "https://voice.example.com"
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: public,
		Room: sipconnect.CachedRoom(cache, "room-1", "guest"), Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	form := callForm()
	body := form.Encode()
	sig := carriertest.TwilioSignature(authToken, public+"/voice", form)
	constant := []byte(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"><Sip username="U" password="P">sip:gst-abcd-xyz@sip.100ms.live</Sip></Dial></Response>`)
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		_, _ = w.Write(constant)
	})
	run := func(b *testing.B, handler http.Handler) {
		b.ReportAllocs()
		for b.Loop() {
			req := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twiml.SignatureHeader, sig)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), constant) {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	}
	b.Run("sipconnect", func(b *testing.B) { run(b, h) })
	b.Run("bare-net-http", func(b *testing.B) { run(b, bare) })
	// The same handler with OpenTelemetry's metric SDK collecting, and its
	// trace SDK sampling every span, as an operator runs it.
	withSDK, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: public,
		Room: sipconnect.CachedRoom(cache, "room-1", "guest"), Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
		Logger: slog.New(slog.DiscardHandler), MeterProvider: apisurface.NewObserved().MP})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("sipconnect-metric-sdk", func(b *testing.B) { run(b, withSDK) })

	// One PIN step: signature checked, the PIN resolved from the memory
	// store, the room's code from the warm cache, the answer rendered.
	dir, err := pins.NewDirectory(store.NewMemory(), pins.DirectoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	pin, err := dir.Issue(context.Background(), pins.Target{RoomID: "room-1", Role: "guest"})
	if err != nil {
		b.Fatal(err)
	}
	ph, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: public,
		PIN:         &pins.Config{Resolver: dir, Cache: cache, Path: "/pin"},
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	pinForm := callForm("Digits", pin)
	pinBody := pinForm.Encode()
	voice := ph
	step := ph.PINHandler()
	// Each step URL is good once: steps are prepared in batches, outside
	// the timer, each from its own PIN prompt.
	type prepared struct{ target, sig string }
	actionRE := regexp.MustCompile(`action="([^"]*)"`)
	prepare := func(n int) []prepared {
		batch := make([]prepared, n)
		for i := range batch {
			req := httptest.NewRequest(http.MethodPost, "/voice", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twiml.SignatureHeader, sig)
			rec := httptest.NewRecorder()
			voice.ServeHTTP(rec, req)
			m := actionRE.FindStringSubmatch(rec.Body.String())
			if m == nil {
				b.Fatalf("no PIN prompt: %s", rec.Body)
			}
			action := html.UnescapeString(m[1])
			batch[i] = prepared{strings.TrimPrefix(action, public), carriertest.TwilioSignature(authToken, action, pinForm)}
		}
		return batch
	}
	b.Run("pin-step", func(b *testing.B) {
		b.ReportAllocs()
		var batch []prepared
		for b.Loop() {
			if len(batch) == 0 {
				b.StopTimer()
				batch = prepare(4096)
				runtime.GC() // the preparation's garbage is not the step's
				b.StartTimer()
			}
			s := batch[0]
			batch = batch[1:]
			req := httptest.NewRequest(http.MethodPost, s.target, strings.NewReader(pinBody))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(twiml.SignatureHeader, s.sig)
			rec := httptest.NewRecorder()
			step.ServeHTTP(rec, req)
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), constant) {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}

func TestHandlerAnswerMatchesDialIn(t *testing.T) {
	dial := twiml.Dial{Action: "https://x.example/status?a=1&b=2", Timeout: 20 * time.Second, CallerID: "+18005550100"}
	sip := twiml.Sip{StatusCallback: "https://x.example/sip?x=<1>", StatusCallbackEvent: []twiml.CallEvent{twiml.CallAnswered}}
	creds := sipconnect.Credentials{Username: `u&<">`, Password: `p&"'`}
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{InsecureSkipSignature: true, Room: sipconnect.StaticRoom("abc-defg-hij"),
		Credentials: creds, Carrier: sipconnect.Twilio(sipconnect.TwilioConfig{Dial: dial, Sip: sip}),
		Identity: func(_ context.Context, c sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: c.CallerName, UserID: "u&1"}, nil
		}})
	require.NoError(t, err)
	for _, name := range []string{"", "John Doe", "Tom&Jerry=1+1?%", "José"} {
		rec := postForm(h, callForm("CallerName", name))
		addr, err := sipconnect.NewAddress("abc-defg-hij", sipconnect.WithDisplayName(name), sipconnect.WithUserID("u&1"))
		require.NoError(t, err)
		want, err := sipconnect.DialIn{Address: addr, Credentials: creds, Dial: dial, Sip: sip}.AppendXML(nil)
		require.NoError(t, err)
		assert.Equal(t, string(want), rec.Body.String())
	}
}

func TestHandlerDoesNotPrintSecrets(t *testing.T) {
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: "https://x.example",
		Room: sipconnect.StaticRoom("abc-defg-hij"), Credentials: sipconnect.Credentials{Username: "u", Password: sipPassword}})
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, h)
		assert.NotContains(t, out, sipPassword)
		assert.NotContains(t, out, authToken)
		assert.NotContains(t, out, fmt.Sprintf("%x", sipPassword))
	}
}

func TestNilRosterPointerIsNoRoster(t *testing.T) {
	var none *roster.Roster // a server without a roster passes its nil pointer on
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), Roster: none})
	status, body := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "sip:abc-defg-hij@sip.100ms.live<", "bridged, with no user id made up for a roster")
}

func TestHandlerMetricsAndSpans(t *testing.T) {
	o := apisurface.NewObserved()
	failing := true
	d := newDialIn(t, sipconnect.HandlerConfig{
		Room: sipconnect.RoomFunc(func(context.Context, sipconnect.Call) (string, error) {
			if failing {
				return "", errors.New("room lookup failed")
			}
			return "abc-defg-hij", nil
		}),
		MeterProvider: o.MP, TracerProvider: o.TP,
	})
	status, _ := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status)
	failing = false
	for range 2 {
		status, _ = d.signedPost(t, "/hooks/voice", callForm())
		require.Equal(t, http.StatusOK, status)
	}
	status, _ = d.post(t, "/hooks/voice", callForm(), "forged")
	require.Equal(t, http.StatusForbidden, status)

	assert.Equal(t, map[string]int64{
		"carrier=twilio,outcome=bridged":            2,
		"carrier=twilio,outcome=fallback":           1,
		"carrier=twilio,outcome=rejected_signature": 1,
	}, o.Counts(t, "sipconnect.calls"))
	assert.Equal(t, map[string]int64{"reason=room": 1}, o.Counts(t, "sipconnect.fallbacks"))
	assert.Equal(t, uint64(4), o.HistogramCount(t, "sipconnect.call.answer.duration", "s"))

	spans := o.Spans.Ended()
	require.Len(t, spans, 4, "one span per webhook")
	outcomes := map[string]int{}
	for _, s := range spans {
		assert.Equal(t, "sipconnect.call", s.Name())
		for _, kv := range s.Attributes() {
			if kv.Key == "sipconnect.outcome" {
				outcomes[kv.Value.AsString()]++
			}
		}
	}
	assert.Equal(t, map[string]int{"bridged": 2, "fallback": 1, "rejected_signature": 1}, outcomes)
}

// A webhook that carries W3C trace context continues the caller's trace.
func TestHandlerSpanContinuesIncomingTrace(t *testing.T) {
	o := apisurface.NewObserved()
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij"), TracerProvider: o.TP})
	req, err := twiml.NewSignedRequest(http.MethodPost, d.srv.URL+"/hooks/voice", authToken, callForm())
	require.NoError(t, err)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	status, _ := d.do(t, req)
	require.Equal(t, http.StatusOK, status)
	spans := o.Spans.Ended()
	require.Len(t, spans, 1)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", spans[0].SpanContext().TraceID().String())
	assert.Equal(t, "00f067aa0ba902b7", spans[0].Parent().SpanID().String())
}

// The PIN menu's answers are counted under their own outcomes, and no
// attribute of any metric or span holds the PIN, the caller's number or
// the room code.
func TestHandlerCountsPINOutcomesWithoutPersonalData(t *testing.T) {
	o := apisurface.NewObserved()
	const pin = "4815162342"
	resolver := pins.ResolverFunc(func(_ context.Context, digits string, _ sipconnect.Call) (pins.Target, error) {
		if digits == pin {
			return pins.Target{RoomCode: "abc-defg-hij"}, nil
		}
		return pins.Target{}, pins.ErrUnknown
	})
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: authToken, PublicURL: srv.URL,
		PIN:           &pins.Config{Resolver: resolver, Path: "/hooks/pin", LockoutFailures: 2},
		MeterProvider: o.MP, TracerProvider: o.TP, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	mux.Handle("/hooks/voice", h)
	mux.Handle("/hooks/pin", h.PINHandler())
	post := func(u string, form url.Values) string {
		req, err := twiml.NewSignedRequest(http.MethodPost, u, authToken, form)
		require.NoError(t, err)
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
		return string(b)
	}
	step := func(body string) string {
		i := strings.Index(body, srv.URL+"/hooks/pin?")
		require.GreaterOrEqual(t, i, 0, body)
		j := strings.IndexAny(body[i:], `"<`)
		return strings.ReplaceAll(body[i:i+j], "&amp;", "&")
	}
	prompt := post(srv.URL+"/hooks/voice", callForm())
	wrong := post(step(prompt), callForm("Digits", "1111111111"))
	ok := post(step(wrong), callForm("Digits", pin))
	assert.Contains(t, ok, "sip:abc-defg-hij@")
	// Another caller runs into the lockout: a second wrong PIN locks the
	// number (LockoutFailures 2 below), and its next call is turned away.
	other := callForm("From", "+14155550999")
	prompt = post(srv.URL+"/hooks/voice", other)
	wrong = post(step(prompt), withDigits(other, "2222222222"))
	post(step(wrong), withDigits(other, "3333333333"))
	post(srv.URL+"/hooks/voice", other)

	assert.Equal(t, map[string]int64{
		"carrier=twilio,outcome=pin_prompt": 2,
		"carrier=twilio,outcome=pin_wrong":  2,
		"carrier=twilio,outcome=pin_ok":     1,
		"carrier=twilio,outcome=pin_locked": 2,
	}, o.Counts(t, "sipconnect.calls"))
	assert.Equal(t, []string{"sipconnect.call", "sipconnect.pin-step", "sipconnect.pin-step",
		"sipconnect.call", "sipconnect.pin-step", "sipconnect.pin-step", "sipconnect.call"}, o.SpanNames())
	seen := o.Recorded(t)
	for _, v := range seen {
		assert.NotContains(t, v, pin)
		assert.NotContains(t, v, "4155550123")
		assert.NotContains(t, v, "abc-defg-hij")
	}
}

// Without providers the handler uses otel's global ones, no-op unless the
// program installs an SDK, and answers as before.
func TestHandlerWithoutProviders(t *testing.T) {
	d := newDialIn(t, sipconnect.HandlerConfig{Room: sipconnect.StaticRoom("abc-defg-hij")})
	status, body := d.signedPost(t, "/hooks/voice", callForm())
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "sip:abc-defg-hij@sip.100ms.live")
}

// sharedClock is the one clock of a sweep: the fake API stamps codes and
// checks tokens with it, and the client mints tokens and runs its cache
// with it.
type sharedClock = carriertest.SharedClock

// TestClockSweep runs the client, the fake API, the cache and the handler
// together with their shared clock set years apart: nothing may depend on
// the date the suite runs on.
func TestClockSweep(t *testing.T) {
	for _, start := range []time.Time{
		time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Now(),
		time.Date(2099, 12, 31, 23, 0, 0, 0, time.UTC),
	} {
		t.Run(start.Format("2006-01-02"), func(t *testing.T) {
			clk := &sharedClock{}
			clk.Set(start)
			srv := hmstest.NewServer(hmstest.WithRoom("room-1", "guest"), hmstest.WithClock(clk.Now))
			t.Cleanup(srv.Close)
			client := roomcode.NewClient(srv.API(hmsapi.WithClock(clk.Now)))
			cache := roomcode.NewCache(client, roomcode.CacheConfig{CreateIfMissing: true, TTL: time.Hour})
			h, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
				AuthToken: authToken, PublicURL: "https://voice.example.com",
				Room:   sipconnect.CachedRoom(cache, "room-1", "guest"),
				Logger: slog.New(slog.DiscardHandler),
			})
			require.NoError(t, err)

			call := func() string {
				t.Helper()
				req, err := twiml.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", authToken, callForm())
				require.NoError(t, err)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				require.Equal(t, http.StatusOK, rec.Code)
				a := decode(t, rec.Body.String())
				require.NotNil(t, a.Dial, "bridged at %s: %s", clk.Now(), rec.Body.String())
				return a.Dial.Sip.URI
			}
			first := call()
			codes, err := client.List(context.Background(), "room-1", nil)
			require.NoError(t, err)
			require.Len(t, codes.Data, 1)
			assert.Equal(t, "sip:"+codes.Data[0].Code+"@sip.100ms.live", first)
			assert.Equal(t, start.Unix(), codes.Data[0].CreatedAt.Unix(), "the fake stamps with the shared clock")

			// A day and a half later: the first management token has expired,
			// the cached code is stale and is refreshed in the background
			// with a token minted at the new time.
			clk.Advance(36 * time.Hour)
			assert.Equal(t, first, call())
			require.Eventually(t, func() bool { return srv.RequestCount() >= 4 }, 5*time.Second, time.Millisecond)
			assert.Equal(t, first, call())
			for _, r := range srv.Requests() {
				assert.Equal(t, http.StatusOK, r.Status, "%s %s at %s", r.Method, r.Path, clk.Now())
				assert.True(t, r.Authorization, "every token valid when the fake checked it")
			}
		})
	}
}

// TestPublicAPI pins the exported names of the package and checks that
// each is documented: a name added, renamed or left over fails here.
func TestPublicAPI(t *testing.T) {
	want := []string{
		// Addresses.
		"Address", "Address.AppendTo", "Address.DisplayName", "Address.Equal", "Address.Header", "Address.Headers",
		"Address.Host", "Address.IsZero", "Address.MarshalText", "Address.RoomCode", "Address.String", "Address.Transport",
		"Address.UnmarshalText", "Address.UserID", "AddressOption", "NewAddress", "ParseAddress",
		"WithDisplayName", "WithHeader", "WithHost", "WithTransport", "WithUserID",
		"Transport", "TransportTCP", "TransportTLS", "TransportUDP", "DefaultHost",
		"MaxHeadersLen", "MaxURILen", "SanitizeDisplayName",
		"Error", "Error.Error", "Error.Unwrap", "ErrHost", "ErrScheme", "ErrSyntax", "ErrTooLong", "ErrTransport",
		"Credentials", "Credentials.Format", "Credentials.GoString", "Credentials.IsZero", "Credentials.LogValue",
		"Credentials.MarshalJSON", "Credentials.String",
		// Twilio's answer.
		"DialIn", "DialIn.AppendXML", "DialIn.Response", "DialIn.WriteHTTP", "ErrNoAddress",
		// The handler, its carriers and routing.
		"Handler", "Handler.PINHandler", "Handler.ServeHTTP", "Handler.StatusHandler", "NewHandler",
		"HandlerConfig", "HandlerConfig.Format", "HandlerConfig.GoString", "HandlerConfig.LogValue", "HandlerConfig.String",
		"ConfigError", "ConfigError.Error", "CallRecorder", "CallAnswer", "CallUserID", "IsCallUserID",
		"Carrier", "Adapter", "CarrierSettings", "CarrierSettings.URL", "Prompt", "FallbackText", "DialFailedText",
		"Twilio", "TwilioConfig", "TwilioConfig.Format", "TwilioConfig.GoString", "TwilioConfig.LogValue",
		"TwilioConfig.MarshalJSON", "TwilioConfig.String",
		"Call", "ParseCall", "DialStatus", "DialStatus.Failed", "ParseDialStatus", "MaskNumber",
		"Room", "RoomFunc", "RoomFunc.RoomCode", "StaticRoom", "CachedRoom", "Route",
		"Identity", "IdentityFunc", "CallerNameIdentity",
		// PIN dial-in, which package pins provides.
		"PINMenu", "PINSession", "PINHost",
	}
	var got []string
	for _, n := range apisurface.CheckDocumented(t, ".") {
		got = append(got, n.Name)
	}
	assert.ElementsMatch(t, want, got)
	assert.LessOrEqual(t, len(got), 150, "sipconnect keeps to addresses and the dial-in")
}

const secretPassword = "s3cr3t-P@ss"

func TestCredentialsNeverShowPassword(t *testing.T) {
	c := sipconnect.Credentials{Username: "workspace-user", Password: secretPassword}
	type holder struct {
		Creds sipconnect.Credentials
		Ptr   *sipconnect.Credentials
	}
	h := holder{Creds: c, Ptr: &c}

	outputs := apisurface.Printings(t, []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10v", "%-20s"}, c, &c, h)
	outputs = append(outputs, c.String(), c.GoString())
	for _, out := range outputs {
		assert.NotContains(t, out, secretPassword)
		assert.NotContains(t, out, "s3cr3t")
	}
	assert.Equal(t, "workspace-user:[REDACTED]", fmt.Sprintf("%v", c))
	assert.Equal(t, `sipconnect.Credentials{Username:"workspace-user", Password:"[REDACTED]"}`, fmt.Sprintf("%#v", c))
	assert.Equal(t, `{"username":"workspace-user","password":"[REDACTED]"}`, string(must(json.Marshal(c))))
	assert.Equal(t, secretPassword, c.Password, "the password itself stays usable")
}

func TestCredentialsWithoutPassword(t *testing.T) {
	c := sipconnect.Credentials{Username: "u"}
	assert.Equal(t, "u", c.String())
	assert.False(t, c.IsZero())
	assert.True(t, sipconnect.Credentials{}.IsZero())
	assert.Equal(t, `{"username":"u"}`, string(must(json.Marshal(c))))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestHandlerConfigNeverPrintsSecrets(t *testing.T) {
	cfg := sipconnect.HandlerConfig{
		AuthToken:   "twilio-auth-token-SECRET",
		PublicURL:   "https://voice.example.com",
		Credentials: sipconnect.Credentials{Username: "U", Password: "sip-pass-SECRET"},
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
	}
	tw := sipconnect.TwilioConfig{AuthToken: "twilio-auth-token-SECRET",
		Sip: twiml.Sip{Username: "U", Password: "sip-pass-SECRET", URL: "https://x/whisper"}}
	withCarrier := cfg
	withCarrier.AuthToken = ""
	withCarrier.Carrier = sipconnect.Twilio(tw)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	logger.Info("config", "cfg", cfg, "ptr", &cfg, "sip", tw.Sip, "twilio", tw, "carrier", withCarrier)
	texts := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		texts = append(texts, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, tw.Sip), fmt.Sprintf(verb, &tw.Sip),
			fmt.Sprintf(verb, []twiml.Sip{tw.Sip}), fmt.Sprintf(verb, tw), fmt.Sprintf(verb, &tw), fmt.Sprintf(verb, withCarrier))
	}
	for _, text := range texts {
		assert.NotContains(t, text, "SECRET")
		assert.NotContains(t, text, hex.EncodeToString([]byte("SECRET")))
	}
	assert.Contains(t, fmt.Sprintf("%+v", cfg), "https://voice.example.com", "the rest still prints")
	assert.Contains(t, fmt.Sprintf("%#v", tw.Sip), "https://x/whisper")
	assert.Contains(t, fmt.Sprintf("%#v", tw), "sipconnect.TwilioConfig{", "Go syntax under the configuration's own name")
}

// TestHandlerConfigRedactsThePublicURLPassword: a public URL may carry
// the user name and password of the carrier's HTTP authentication, as
// Twilio's https://user:password@host form; the password never prints,
// and neither does it reach NewHandler's errors.
func TestHandlerConfigRedactsThePublicURLPassword(t *testing.T) {
	cfg := sipconnect.HandlerConfig{AuthToken: "t", PublicURL: "https://hook:url-pass-SECRET@voice.example.com",
		Room: sipconnect.StaticRoom("abc-defg-hij")}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "cfg", cfg)
	texts := []string{logs.String()}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		texts = append(texts, fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg))
	}
	for _, text := range texts {
		assert.NotContains(t, text, "SECRET")
		assert.Contains(t, text, "https://hook:xxxxx@voice.example.com")
	}
	cfg.PublicURL = "https://hook:url-pass-SECRET@voice.example.com/voice?x=1"
	_, err := sipconnect.NewHandler(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HandlerConfig.PublicURL")
	assert.NotContains(t, err.Error(), "SECRET")
	cfg.PublicURL = "%zz:url-pass-SECRET@"
	assert.NotContains(t, fmt.Sprintf("%+v", cfg), "SECRET", "a URL that does not parse")
}

// TestNewHandlerNamesThePublicURL: Twilio's signature covers the URL, so
// its handler needs HandlerConfig.PublicURL, and says so by that name.
func TestNewHandlerNamesThePublicURL(t *testing.T) {
	_, err := sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: "t", Room: sipconnect.StaticRoom("abc-defg-hij")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "HandlerConfig.PublicURL is required with Twilio")
	_, err = sipconnect.NewHandler(sipconnect.HandlerConfig{AuthToken: "t", Room: sipconnect.StaticRoom("abc-defg-hij"), PublicURL: "ftp://x"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sipconnect: HandlerConfig.PublicURL: twiml: public base URL")
}

// withDigits is a copy of form with Digits set.
func withDigits(form url.Values, digits string) url.Values {
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("Digits", digits)
	return f
}
