package sipconnect_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/sipconnect"
	"github.com/hmssip/interconnect-go/twiml"
)

// telnyxKeys is a key pair made for the test: Telnyx signs with its
// private half, the handler checks with the public one.
type telnyxKeys struct {
	pub  string
	priv ed25519.PrivateKey
}

func newTelnyxKeys(t *testing.T) telnyxKeys {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return telnyxKeys{pub: base64.StdEncoding.EncodeToString(pub), priv: priv}
}

// telnyxRequest signs a form POST as Telnyx does, written out here apart
// from package telnyx: Ed25519 over timestamp + "|" + body.
func telnyxRequest(t *testing.T, k telnyxKeys, fullURL string, params url.Values, at time.Time) *http.Request {
	t.Helper()
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, fullURL, strings.NewReader(body))
	require.NoError(t, err)
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("telnyx-timestamp", ts)
	req.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, []byte(ts+"|"+body))))
	return req
}

func telnyxCall(extra ...string) url.Values {
	return withParams(url.Values{"CallSid": {"v3:telnyx-call-0123"}, "AccountSid": {"acct-1"}, "From": {callerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

func telnyxHandlerConfig(k telnyxKeys) sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: sipconnect.Telnyx(sipconnect.TelnyxConfig{
			PublicKey: k.pub, VerifierOptions: []telnyx.VerifierOption{telnyx.WithClock(carrierClock)},
			Dial: telnyx.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second},
		}),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
	}
}

// texmlAnswer is a TeXML answer as encoding/xml reads it.
type texmlAnswer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Action         string `xml:"action,attr"`
		Timeout        string `xml:"timeout,attr"`
		AnswerOnBridge string `xml:"answerOnBridge,attr"`
		Sip            []struct {
			Username string `xml:"username,attr"`
			Password string `xml:"password,attr"`
			URI      string `xml:",chardata"`
		} `xml:"Sip"`
	} `xml:"Dial"`
	Gather *struct {
		Action              string   `xml:"action,attr"`
		Timeout             string   `xml:"timeout,attr"`
		Input               string   `xml:"input,attr"`
		FinishOnKey         string   `xml:"finishOnKey,attr"`
		ActionOnEmptyResult string   `xml:"actionOnEmptyResult,attr"`
		Say                 []string `xml:"Say"`
	} `xml:"Gather"`
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
	Say    []string  `xml:"Say"`
	Hangup *struct{} `xml:"Hangup"`
}

func decodeTeXML(t *testing.T, body string) texmlAnswer {
	t.Helper()
	return decodeXML[texmlAnswer](t, body)
}

func TestTelnyxDialIn(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = sipconnect.StaticRoom(exampleRoom)
	cfg.Identity = exampleIdentity
	s := newCarrierServer(t, cfg)
	status, ctype, body := s.do(t, telnyxRequest(t, k, s.srv.URL+"/hooks/voice", telnyxCall(), carrierNow))
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "text/xml; charset=utf-8", ctype)
	// Written by hand from TeXML's <Dial> and <Sip> pages: the example
	// document of 100ms with Telnyx's attributes.
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+s.srv.URL+`/hooks/dial-status" timeout="30" answerOnBridge="true">`+
		`<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, body)
	a := decodeTeXML(t, body)
	require.NotNil(t, a.Dial)
	require.Len(t, a.Dial.Sip, 1)
	assert.Equal(t, "U", a.Dial.Sip[0].Username)
	assert.Equal(t, "P", a.Dial.Sip[0].Password)
	assert.Equal(t, exampleURI, a.Dial.Sip[0].URI)
	addr, err := sipconnect.ParseAddress(a.Dial.Sip[0].URI)
	require.NoError(t, err)
	assert.Equal(t, "John Doe", addr.DisplayName())
	assert.Equal(t, "xyz", addr.UserID())
	logs := s.logs.String()
	assert.Contains(t, logs, `"call_sid":"v3:telnyx-call-0123"`)
	assert.NotContains(t, logs, callerPhone)
	assert.Contains(t, logs, sipconnect.MaskNumber(callerPhone))
}

func TestTelnyxSignatureFailures(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = sipconnect.StaticRoom(exampleRoom)
	s := newCarrierServer(t, cfg)
	u := s.srv.URL + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carrierNow)
			sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("telnyx-signature-ed25519"))
			sig[10] ^= 1
			r.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(sig))
			return r
		},
		"changed parameter": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carrierNow)
			changed := telnyxCall("From", "+14155550199").Encode()
			r.Body = http.NoBody
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(changed))
			r2.Header = r.Header
			return r2
		},
		"stale timestamp": func() *http.Request { return telnyxRequest(t, k, u, telnyxCall(), carrierNow.Add(-6*time.Minute)) },
		"future timestamp": func() *http.Request {
			return telnyxRequest(t, k, u, telnyxCall(), carrierNow.Add(6*time.Minute))
		},
		"wrong key": func() *http.Request { return telnyxRequest(t, newTelnyxKeys(t), u, telnyxCall(), carrierNow) },
		"missing signature": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carrierNow)
			r.Header.Del("telnyx-signature-ed25519")
			return r
		},
		"missing timestamp": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carrierNow)
			r.Header.Del("telnyx-timestamp")
			return r
		},
		"signed GET, query not covered": func() *http.Request {
			r := telnyxRequest(t, k, u, url.Values{}, carrierNow)
			get, _ := http.NewRequest(http.MethodGet, u+"?"+telnyxCall().Encode(), nil)
			get.Header = r.Header
			return get
		},
	}
	assertForbidden(t, s, "Telnyx", cases)
	assert.Contains(t, s.logs.String(), "configure the TeXML application to use POST")
	status, _, _ := s.do(t, telnyxRequest(t, k, u, telnyxCall(), carrierNow.Add(4*time.Minute)))
	assert.Equal(t, http.StatusOK, status, "within the tolerance")
}

func TestTelnyxPINFlow(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.PIN = &sipconnect.PINConfig{Resolver: pinResolver, Path: "/hooks/pin"}
	s := newCarrierServer(t, cfg)
	post := func(u string, params url.Values) texmlAnswer {
		t.Helper()
		status, _, body := s.do(t, telnyxRequest(t, k, u, params, carrierNow))
		require.Equal(t, http.StatusOK, status, body)
		return decodeTeXML(t, body)
	}
	a := post(s.srv.URL+"/hooks/voice", telnyxCall())
	require.NotNil(t, a.Gather)
	step1 := a.Gather.Action
	assert.Equal(t, s.srv.URL+"/hooks/pin?attempt=1&nonce=N", withoutNonce(step1))
	assert.Equal(t, "dtmf", a.Gather.Input)
	assert.Equal(t, "#", a.Gather.FinishOnKey)
	assert.Equal(t, "6", a.Gather.Timeout)
	assert.Equal(t, []string{"Welcome.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
	require.NotNil(t, a.Redirect, "silence after <Gather> comes back to the step")
	assert.Equal(t, step1, a.Redirect.URL)
	assert.Equal(t, "POST", a.Redirect.Method)

	a = post(step1, telnyxCall("Digits", "111111111"))
	require.NotNil(t, a.Gather)
	assert.Equal(t, []string{"Sorry, that PIN is not valid.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
	step2 := a.Gather.Action
	assert.Equal(t, s.srv.URL+"/hooks/pin?attempt=2&nonce=N", withoutNonce(step2))

	// Silence: the <Redirect> brings the step back without digits.
	a = post(step2, telnyxCall())
	require.NotNil(t, a.Gather)
	assert.Equal(t, []string{"We did not receive a PIN.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)

	step3 := a.Gather.Action
	a = post(step3, telnyxCall("Digits", examplePIN))
	require.NotNil(t, a.Dial, "the right PIN bridges the caller")
	assert.Equal(t, exampleURI, a.Dial.Sip[0].URI)
	assert.Equal(t, "U", a.Dial.Sip[0].Username)
	assert.NotContains(t, s.logs.String(), examplePIN)

	// Telnyx signs the body only, so the step's nonce is what protects
	// the attempt counter and refuses a replay: both get 403.
	fresh := post(s.srv.URL+"/hooks/voice", telnyxCall()).Gather.Action
	status, _, _ := s.do(t, telnyxRequest(t, k, strings.Replace(fresh, "attempt=1", "attempt=2", 1), telnyxCall("Digits", "1"), carrierNow))
	assert.Equal(t, http.StatusForbidden, status, "a changed attempt counter")
	status, _, _ = s.do(t, telnyxRequest(t, k, step1, telnyxCall("Digits", "111111111"), carrierNow))
	assert.Equal(t, http.StatusForbidden, status, "a replayed step")
}

func TestTelnyxFallbackAndDialStatus(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = roomError("100ms is down")
	var got sipconnect.DialStatus
	cfg.OnDialStatus = func(_ context.Context, st sipconnect.DialStatus) { got = st }
	s := newCarrierServer(t, cfg)
	status, _, body := s.do(t, telnyxRequest(t, k, s.srv.URL+"/hooks/voice", telnyxCall(), carrierNow))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, we cannot connect your call to the meeting right now. Please try again later.</Say><Hangup/></Response>`, body)
	assert.Contains(t, s.logs.String(), "100ms is down")

	status, _, body = s.do(t, telnyxRequest(t, k, s.srv.URL+"/hooks/dial-status",
		telnyxCall("DialCallStatus", "failed", "DialCallSid", "v3:leg-2", "DialSipResponseCode", "404"), carrierNow))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, the meeting could not be reached. Please try again later.</Say><Hangup/></Response>`, body)
	assert.Equal(t, "v3:telnyx-call-0123", got.CallSid)
	assert.Equal(t, "v3:leg-2", got.DialCallSid)
	assert.Equal(t, "404", got.DialSipResponseCode)
	_, _, body = s.do(t, telnyxRequest(t, k, s.srv.URL+"/hooks/dial-status", telnyxCall("DialCallStatus", "completed"), carrierNow))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`, body)
}

func TestTelnyxHostileIdentity(t *testing.T) {
	k := newTelnyxKeys(t)
	forHostileNames(t, func() sipconnect.HandlerConfig { return telnyxHandlerConfig(k) }, func(s *carrierServer) *http.Request {
		return telnyxRequest(t, k, s.srv.URL+"/hooks/voice", telnyxCall(), carrierNow)
	}, func(name, body string) {
		a := decodeTeXML(t, body)
		require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
		require.Len(t, a.Dial.Sip, 1, "one Sip noun for %q", name)
		assertCarriedIntact(t, a.Dial.Sip[0].URI, name)
	})
}

func TestTelnyxRefusesWhatItCannotExpress(t *testing.T) {
	k := newTelnyxKeys(t)
	base := func() sipconnect.HandlerConfig {
		cfg := telnyxHandlerConfig(k)
		cfg.Room = sipconnect.StaticRoom(exampleRoom)
		return cfg
	}
	assertRefused(t, base, map[string]refusal{
		"Twilio's auth token": {func(c *sipconnect.HandlerConfig) { c.AuthToken = "x" },
			"HandlerConfig.AuthToken: Twilio's settings, which Telnyx cannot use; set their Telnyx counterparts in TelnyxConfig"},
		"Twilio's dial and fallback": {func(c *sipconnect.HandlerConfig) {
			c.Dial = twiml.Dial{Timeout: time.Minute}
			c.Fallback = twiml.Response{&twiml.Reject{}}
		}, "HandlerConfig.Dial, Fallback: Twilio's settings"},
		"no public key": {func(c *sipconnect.HandlerConfig) { c.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{}) },
			"TelnyxConfig.PublicKey is required"},
		"bad public key": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{PublicKey: "bm90IGEga2V5"})
		}, "telnyx: public key"},
		"credentials in Sip": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{PublicKey: k.pub, Sip: telnyx.Sip{Password: "x"}})
		}, "TelnyxConfig.Sip: leave URI, Username and Password empty"},
		"Twilio's ring time": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{PublicKey: k.pub, Dial: telnyx.Dial{Timeout: 600 * time.Second}})
		}, "TelnyxConfig.Dial or Sip: telnyx: Response/Dial[1] attribute timeout"},
		"audio prompt": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{PublicKey: k.pub, Fallback: sipconnect.Prompt{AudioURL: "https://example.com/a.mp3"}})
		}, "TelnyxConfig.Fallback: Telnyx: Prompt.AudioURL cannot be used"},
		"PIN timeout over Telnyx's 120s": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &sipconnect.PINConfig{Resolver: pinResolver, Timeout: 300 * time.Second}
		}, "timeout"},
	})
	cfg := base()
	cfg.InsecureSkipSignature = true
	cfg.Carrier = sipconnect.Telnyx(sipconnect.TelnyxConfig{})
	_, err := sipconnect.NewHandler(cfg)
	assert.NoError(t, err, "no key needed when signatures are not checked")
}

func TestTelnyxInsecureSkipSignature(t *testing.T) {
	cfg := sipconnect.HandlerConfig{Carrier: sipconnect.Telnyx(sipconnect.TelnyxConfig{}), InsecureSkipSignature: true,
		Room: sipconnect.StaticRoom(exampleRoom)}
	s := newCarrierServer(t, cfg)
	req, err := http.NewRequest(http.MethodGet, s.srv.URL+"/hooks/voice?"+telnyxCall().Encode(), nil)
	require.NoError(t, err)
	status, _, body := s.do(t, req)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "<Sip>sip:abc-defg-hij@sip.100ms.live</Sip>")
}

func TestTelnyxConfigShowsNoSecret(t *testing.T) {
	cfg := sipconnect.TelnyxConfig{PublicKey: "public", Sip: telnyx.Sip{Password: "sip-password-in-config"}}
	assertNoSecret(t, cfg, "sip-password-in-config")
	assertNoSecret(t, sipconnect.Telnyx(cfg), "sip-password-in-config")
}

func ExampleTelnyx() {
	// Telnyx signs with its private key; the handler checks with the
	// account's public key. The key pair and the clock here are fixed for
	// the example.
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	publicKey := base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)

	handler, err := sipconnect.NewHandler(sipconnect.HandlerConfig{
		Carrier: sipconnect.Telnyx(sipconnect.TelnyxConfig{
			PublicKey:       publicKey,
			Dial:            telnyx.Dial{Action: "/telnyx/dial-status", Timeout: 30 * time.Second},
			VerifierOptions: []telnyx.VerifierOption{telnyx.WithClock(func() time.Time { return now })},
		}),
		PublicURL:   "https://voice.example.com",
		Room:        sipconnect.StaticRoom("abc-defg-hij"),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
		Identity: func(context.Context, sipconnect.Call) (sipconnect.Identity, error) {
			return sipconnect.Identity{DisplayName: "John Doe", UserID: "xyz"}, nil
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("POST /telnyx/voice", handler)
	mux.Handle("POST /telnyx/dial-status", handler.StatusHandler())

	params := url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+18005550100"}}
	req, err := telnyx.NewSignedRequest("https://voice.example.com/telnyx/voice", params, key, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	fmt.Println(rec.Body.String())
	// Output:
	// 200
	// <?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://voice.example.com/telnyx/dial-status" timeout="30" answerOnBridge="true"><Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>
}
