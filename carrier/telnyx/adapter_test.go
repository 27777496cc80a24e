package telnyx_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
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
	return carriertest.WithParams(url.Values{"CallSid": {"v3:telnyx-call-0123"}, "AccountSid": {"acct-1"}, "From": {carriertest.CallerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

func telnyxHandlerConfig(k telnyxKeys) sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: telnyx.NewCarrier(telnyx.Config{
			PublicKey: k.pub, VerifierOptions: []telnyx.VerifierOption{telnyx.WithClock(carriertest.Clock)},
			Dial: telnyx.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second},
		}),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
	}
}

func TestTelnyxDialIn(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
	cfg.Identity = carriertest.ExampleIdentity
	s := carriertest.NewServer(t, cfg)
	status, ctype, body := s.Do(t, telnyxRequest(t, k, s.URL()+"/hooks/voice", telnyxCall(), carriertest.Clock()))
	require.Equal(t, http.StatusOK, status, body)
	assert.Equal(t, "text/xml; charset=utf-8", ctype)
	// Written by hand from TeXML's <Dial> and <Sip> pages: the example
	// document of 100ms with Telnyx's attributes.
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+s.URL()+`/hooks/dial-status" timeout="30" answerOnBridge="true">`+
		`<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, body)
	a := carriertest.DecodeTwiMLShaped(t, body)
	require.NotNil(t, a.Dial)
	require.Len(t, a.Dial.Sip, 1)
	assert.Equal(t, "U", a.Dial.Sip[0].Username)
	assert.Equal(t, "P", a.Dial.Sip[0].Password)
	assert.Equal(t, carriertest.ExampleURI, a.Dial.Sip[0].URI)
	addr, err := sipconnect.ParseAddress(a.Dial.Sip[0].URI)
	require.NoError(t, err)
	assert.Equal(t, "John Doe", addr.DisplayName())
	assert.Equal(t, "xyz", addr.UserID())
	logs := s.Logs.String()
	assert.Contains(t, logs, `"call_sid":"v3:telnyx-call-0123"`)
	assert.NotContains(t, logs, carriertest.CallerPhone)
	assert.Contains(t, logs, sipconnect.MaskNumber(carriertest.CallerPhone))
}

func TestTelnyxSignatureFailures(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
	s := carriertest.NewServer(t, cfg)
	u := s.URL() + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock())
			sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("telnyx-signature-ed25519"))
			sig[10] ^= 1
			r.Header.Set("telnyx-signature-ed25519", base64.StdEncoding.EncodeToString(sig))
			return r
		},
		"changed parameter": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock())
			changed := telnyxCall("From", "+14155550199").Encode()
			r.Body = http.NoBody
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(changed))
			r2.Header = r.Header
			return r2
		},
		"stale timestamp": func() *http.Request {
			return telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock().Add(-6*time.Minute))
		},
		"future timestamp": func() *http.Request {
			return telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock().Add(6*time.Minute))
		},
		"wrong key": func() *http.Request { return telnyxRequest(t, newTelnyxKeys(t), u, telnyxCall(), carriertest.Clock()) },
		"missing signature": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock())
			r.Header.Del("telnyx-signature-ed25519")
			return r
		},
		"missing timestamp": func() *http.Request {
			r := telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock())
			r.Header.Del("telnyx-timestamp")
			return r
		},
		"signed GET, query not covered": func() *http.Request {
			r := telnyxRequest(t, k, u, url.Values{}, carriertest.Clock())
			get, _ := http.NewRequest(http.MethodGet, u+"?"+telnyxCall().Encode(), nil)
			get.Header = r.Header
			return get
		},
	}
	carriertest.AssertForbidden(t, s, "Telnyx", cases)
	assert.Contains(t, s.Logs.String(), "configure the TeXML application to use POST")
	status, _, _ := s.Do(t, telnyxRequest(t, k, u, telnyxCall(), carriertest.Clock().Add(4*time.Minute)))
	assert.Equal(t, http.StatusOK, status, "within the tolerance")
}

func TestTelnyxPINFlow(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Path: "/hooks/pin"}
	s := carriertest.NewServer(t, cfg)
	post := func(u string, params url.Values) carriertest.XMLAnswer {
		t.Helper()
		status, _, body := s.Do(t, telnyxRequest(t, k, u, params, carriertest.Clock()))
		require.Equal(t, http.StatusOK, status, body)
		return carriertest.DecodeTwiMLShaped(t, body)
	}
	a := post(s.URL()+"/hooks/voice", telnyxCall())
	require.NotNil(t, a.Gather)
	step1 := a.Gather.Action
	assert.Equal(t, s.URL()+"/hooks/pin?attempt=1&nonce=N", carriertest.WithoutNonce(step1))
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
	assert.Equal(t, s.URL()+"/hooks/pin?attempt=2&nonce=N", carriertest.WithoutNonce(step2))

	// Silence: the <Redirect> brings the step back without digits.
	a = post(step2, telnyxCall())
	require.NotNil(t, a.Gather)
	assert.Equal(t, []string{"We did not receive a PIN.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)

	step3 := a.Gather.Action
	a = post(step3, telnyxCall("Digits", carriertest.ExamplePIN))
	require.NotNil(t, a.Dial, "the right PIN bridges the caller")
	assert.Equal(t, carriertest.ExampleURI, a.Dial.Sip[0].URI)
	assert.Equal(t, "U", a.Dial.Sip[0].Username)
	assert.NotContains(t, s.Logs.String(), carriertest.ExamplePIN)

	// Telnyx signs the body only, so the step's nonce is what protects
	// the attempt counter and refuses a replay: both get 403.
	fresh := post(s.URL()+"/hooks/voice", telnyxCall()).Gather.Action
	status, _, _ := s.Do(t, telnyxRequest(t, k, strings.Replace(fresh, "attempt=1", "attempt=2", 1), telnyxCall("Digits", "1"), carriertest.Clock()))
	assert.Equal(t, http.StatusForbidden, status, "a changed attempt counter")
	status, _, _ = s.Do(t, telnyxRequest(t, k, step1, telnyxCall("Digits", "111111111"), carriertest.Clock()))
	assert.Equal(t, http.StatusForbidden, status, "a replayed step")
}

func TestTelnyxFallbackAndDialStatus(t *testing.T) {
	k := newTelnyxKeys(t)
	cfg := telnyxHandlerConfig(k)
	cfg.Room = carriertest.RoomError("100ms is down")
	var got sipconnect.DialStatus
	cfg.OnDialStatus = func(_ context.Context, st sipconnect.DialStatus) { got = st }
	s := carriertest.NewServer(t, cfg)
	status, _, body := s.Do(t, telnyxRequest(t, k, s.URL()+"/hooks/voice", telnyxCall(), carriertest.Clock()))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, we cannot connect your call to the meeting right now. Please try again later.</Say><Hangup/></Response>`, body)
	assert.Contains(t, s.Logs.String(), "100ms is down")

	status, _, body = s.Do(t, telnyxRequest(t, k, s.URL()+"/hooks/dial-status",
		telnyxCall("DialCallStatus", "failed", "DialCallSid", "v3:leg-2", "DialSipResponseCode", "404"), carriertest.Clock()))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, the meeting could not be reached. Please try again later.</Say><Hangup/></Response>`, body)
	assert.Equal(t, "v3:telnyx-call-0123", got.CallSid)
	assert.Equal(t, "v3:leg-2", got.DialCallSid)
	assert.Equal(t, "404", got.DialSipResponseCode)
	_, _, body = s.Do(t, telnyxRequest(t, k, s.URL()+"/hooks/dial-status", telnyxCall("DialCallStatus", "completed"), carriertest.Clock()))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`, body)
}

func TestTelnyxHostileIdentity(t *testing.T) {
	k := newTelnyxKeys(t)
	carriertest.ForHostileNames(t, func() sipconnect.HandlerConfig { return telnyxHandlerConfig(k) }, func(s *carriertest.Server) *http.Request {
		return telnyxRequest(t, k, s.URL()+"/hooks/voice", telnyxCall(), carriertest.Clock())
	}, func(name, body string) {
		a := carriertest.DecodeTwiMLShaped(t, body)
		require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
		require.Len(t, a.Dial.Sip, 1, "one Sip noun for %q", name)
		carriertest.AssertCarriedIntact(t, a.Dial.Sip[0].URI, name)
	})
}

func TestTelnyxRefusesWhatItCannotExpress(t *testing.T) {
	k := newTelnyxKeys(t)
	base := func() sipconnect.HandlerConfig {
		cfg := telnyxHandlerConfig(k)
		cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
		return cfg
	}
	carriertest.AssertRefused(t, base, map[string]carriertest.Refusal{
		"Twilio's auth token": {func(c *sipconnect.HandlerConfig) { c.AuthToken = "x" },
			"HandlerConfig.AuthToken: Twilio's shorthand, which cannot go with a Carrier"},
		"no public key": {func(c *sipconnect.HandlerConfig) { c.Carrier = telnyx.NewCarrier(telnyx.Config{}) },
			"Config.PublicKey is required"},
		"bad public key": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = telnyx.NewCarrier(telnyx.Config{PublicKey: "bm90IGEga2V5"})
		}, "telnyx: public key"},
		"credentials in Sip": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = telnyx.NewCarrier(telnyx.Config{PublicKey: k.pub, Sip: telnyx.Sip{Password: "x"}})
		}, "Config.Sip: leave URI, Username and Password empty"},
		"Twilio's ring time": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = telnyx.NewCarrier(telnyx.Config{PublicKey: k.pub, Dial: telnyx.Dial{Timeout: 600 * time.Second}})
		}, "Config.Dial or Sip: telnyx: Response/Dial[1] attribute timeout"},
		"audio prompt": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = telnyx.NewCarrier(telnyx.Config{PublicKey: k.pub, Fallback: sipconnect.Prompt{AudioURL: "https://example.com/a.mp3"}})
		}, "Config.Fallback: telnyx: Prompt.AudioURL cannot be used"},
		"PIN timeout over Telnyx's 120s": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Timeout: 300 * time.Second}
		}, "timeout"},
	})
	cfg := base()
	cfg.InsecureSkipSignature = true
	cfg.Carrier = telnyx.NewCarrier(telnyx.Config{})
	_, err := sipconnect.NewHandler(cfg)
	assert.NoError(t, err, "no key needed when signatures are not checked")
}

func TestTelnyxInsecureSkipSignature(t *testing.T) {
	cfg := sipconnect.HandlerConfig{Carrier: telnyx.NewCarrier(telnyx.Config{}), InsecureSkipSignature: true,
		Room: sipconnect.StaticRoom(carriertest.ExampleRoom)}
	s := carriertest.NewServer(t, cfg)
	req, err := http.NewRequest(http.MethodGet, s.URL()+"/hooks/voice?"+telnyxCall().Encode(), nil)
	require.NoError(t, err)
	status, _, body := s.Do(t, req)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "<Sip>sip:abc-defg-hij@sip.100ms.live</Sip>")
}

func TestTelnyxConfigShowsNoSecret(t *testing.T) {
	cfg := telnyx.Config{PublicKey: "public", Sip: telnyx.Sip{Password: "sip-password-in-config"}}
	carriertest.AssertNoSecret(t, cfg, "sip-password-in-config")
	carriertest.AssertNoSecret(t, telnyx.NewCarrier(cfg), "sip-password-in-config")
}
