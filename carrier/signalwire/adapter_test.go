package signalwire_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

const adapterSigningKey = "PSK_signalwire-signing-key-0123456789"

// signalWireRequest signs a request as SignalWire does, with carriertest.TwilioSignature, the
// scheme written out apart from the code under test: a POST signs the URL
// and the form, a GET the URL with its query.
func signalWireRequest(t *testing.T, key, method, fullURL string, params url.Values) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		fullURL += "?" + params.Encode()
		req, err = http.NewRequest(method, fullURL, nil)
		require.NoError(t, err)
		req.Header.Set("X-SignalWire-Signature", carriertest.TwilioSignature(key, fullURL, nil))
		return req
	}
	req, err = http.NewRequest(method, fullURL, strings.NewReader(params.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-SignalWire-Signature", carriertest.TwilioSignature(key, fullURL, params))
	return req
}

func signalWireCall(extra ...string) url.Values {
	return carriertest.WithParams(url.Values{"CallSid": {"sw-call-0123"}, "AccountSid": {"project-1"}, "From": {carriertest.CallerPhone},
		"To": {"+18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

func signalWireHandlerConfig() sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: signalwire.NewCarrier(signalwire.Config{
			SigningKey: adapterSigningKey,
			Dial:       signalwire.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second},
		}),
		Credentials: sipconnect.Credentials{Username: "U", Password: "P"},
	}
}

func TestSignalWireDialIn(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		cfg := signalWireHandlerConfig()
		cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
		cfg.Identity = carriertest.ExampleIdentity
		s := carriertest.NewServer(t, cfg)
		status, ctype, body := s.Do(t, signalWireRequest(t, adapterSigningKey, method, s.URL()+"/hooks/voice", signalWireCall()))
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, "text/xml; charset=utf-8", ctype)
		// Written by hand from SignalWire's cXML <Dial> and <Sip> pages.
		assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+s.URL()+`/hooks/dial-status" timeout="30" answerOnBridge="true">`+
			`<Sip username="U" password="P">sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</Sip></Dial></Response>`, body)
		a := carriertest.DecodeTwiMLShaped(t, body)
		require.NotNil(t, a.Dial)
		require.Len(t, a.Dial.Sip, 1)
		assert.Equal(t, "U", a.Dial.Sip[0].Username)
		assert.Equal(t, "P", a.Dial.Sip[0].Password)
		assert.Equal(t, carriertest.ExampleURI, a.Dial.Sip[0].URI)
		assert.Contains(t, s.Logs.String(), `"call_sid":"sw-call-0123"`)
		assert.NotContains(t, s.Logs.String(), carriertest.CallerPhone)
	}
}

func TestSignalWireSignatureFailures(t *testing.T) {
	cfg := signalWireHandlerConfig()
	cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
	s := carriertest.NewServer(t, cfg)
	u := s.URL() + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := signalWireRequest(t, adapterSigningKey, http.MethodPost, u, signalWireCall())
			sig := []byte(r.Header.Get("X-SignalWire-Signature"))
			sig[3] ^= 1
			r.Header.Set("X-SignalWire-Signature", string(sig))
			return r
		},
		"changed parameter": func() *http.Request {
			r := signalWireRequest(t, adapterSigningKey, http.MethodPost, u, signalWireCall())
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(signalWireCall("To", "+18005550199").Encode()))
			r2.Header = r.Header
			return r2
		},
		"changed query": func() *http.Request {
			r := signalWireRequest(t, adapterSigningKey, http.MethodGet, u, signalWireCall())
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "ringing", "ringinG", 1)
			return r
		},
		"wrong key": func() *http.Request { return signalWireRequest(t, "other-key", http.MethodPost, u, signalWireCall()) },
		"missing signature": func() *http.Request {
			r := signalWireRequest(t, adapterSigningKey, http.MethodPost, u, signalWireCall())
			r.Header.Del("X-SignalWire-Signature")
			return r
		},
		"signed for another URL": func() *http.Request {
			r := signalWireRequest(t, adapterSigningKey, http.MethodPost, "https://evil.example/hooks/voice", signalWireCall())
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(signalWireCall().Encode()))
			r2.Header = r.Header
			return r2
		},
	}
	carriertest.AssertForbidden(t, s, "SignalWire", cases)
	// SignalWire also sends the value as X-Twilio-Signature.
	r := signalWireRequest(t, adapterSigningKey, http.MethodPost, u, signalWireCall())
	r.Header.Set("X-Twilio-Signature", r.Header.Get("X-SignalWire-Signature"))
	r.Header.Del("X-SignalWire-Signature")
	status, _, _ := s.Do(t, r)
	assert.Equal(t, http.StatusOK, status)
}

func TestSignalWirePINFlow(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		cfg := signalWireHandlerConfig()
		cfg.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Path: "/hooks/pin"}
		s := carriertest.NewServer(t, cfg)
		send := func(u string, params url.Values) carriertest.XMLAnswer {
			t.Helper()
			// The step URL carries its query; a GET adds the parameters.
			full, query, _ := strings.Cut(u, "?")
			var req *http.Request
			if method == http.MethodGet {
				q, _ := url.ParseQuery(query)
				for k, v := range params {
					q[k] = v
				}
				req = signalWireRequest(t, adapterSigningKey, method, full, q)
			} else {
				req = signalWireRequest(t, adapterSigningKey, method, u, params)
			}
			status, _, body := s.Do(t, req)
			require.Equal(t, http.StatusOK, status, body)
			return carriertest.DecodeTwiMLShaped(t, body)
		}
		a := send(s.URL()+"/hooks/voice", signalWireCall())
		require.NotNil(t, a.Gather)
		step1 := a.Gather.Action
		assert.Equal(t, s.URL()+"/hooks/pin?attempt=1&nonce=N", carriertest.WithoutNonce(step1))
		assert.Equal(t, "true", a.Gather.ActionOnEmptyResult, "silence comes back to the step")
		assert.Equal(t, "#", a.Gather.FinishOnKey)
		assert.Equal(t, "dtmf", a.Gather.Input)
		assert.Equal(t, []string{"Welcome.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
		assert.Nil(t, a.Redirect)

		a = send(step1, signalWireCall("Digits", "111111111"))
		require.NotNil(t, a.Gather)
		assert.Equal(t, []string{"Sorry, that PIN is not valid.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
		assert.Equal(t, s.URL()+"/hooks/pin?attempt=2&nonce=N", carriertest.WithoutNonce(a.Gather.Action))
		a = send(a.Gather.Action, signalWireCall("Digits", ""))
		require.NotNil(t, a.Gather)
		assert.Equal(t, []string{"We did not receive a PIN.", "Please enter your meeting PIN, then press pound."}, a.Gather.Say)
		a = send(a.Gather.Action, signalWireCall("Digits", carriertest.ExamplePIN))
		require.NotNil(t, a.Dial, "the right PIN bridges the caller")
		assert.Equal(t, carriertest.ExampleURI, a.Dial.Sip[0].URI)
		assert.NotContains(t, s.Logs.String(), carriertest.ExamplePIN)

		// The attempt counter is signed with the URL.
		fresh := send(s.URL()+"/hooks/voice", signalWireCall()).Gather.Action
		req := signalWireRequest(t, adapterSigningKey, http.MethodPost, fresh, signalWireCall("Digits", "1"))
		req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "attempt=1", "attempt=2", 1)
		status, _, _ := s.Do(t, req)
		assert.Equal(t, http.StatusForbidden, status)
	}
}

func TestSignalWireFallbackAndDialStatus(t *testing.T) {
	cfg := signalWireHandlerConfig()
	cfg.Room = carriertest.RoomError("unknown room")
	s := carriertest.NewServer(t, cfg)
	status, _, body := s.Do(t, signalWireRequest(t, adapterSigningKey, http.MethodPost, s.URL()+"/hooks/voice", signalWireCall()))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, we cannot connect your call to the meeting right now. Please try again later.</Say><Hangup/></Response>`, body)
	_, _, body = s.Do(t, signalWireRequest(t, adapterSigningKey, http.MethodPost, s.URL()+"/hooks/dial-status", signalWireCall("DialCallStatus", "busy")))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, the meeting could not be reached. Please try again later.</Say><Hangup/></Response>`, body)
}

func TestSignalWireHostileIdentity(t *testing.T) {
	carriertest.ForHostileNames(t, signalWireHandlerConfig, func(s *carriertest.Server) *http.Request {
		return signalWireRequest(t, adapterSigningKey, http.MethodPost, s.URL()+"/hooks/voice", signalWireCall())
	}, func(name, body string) {
		a := carriertest.DecodeTwiMLShaped(t, body)
		require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
		require.Len(t, a.Dial.Sip, 1, "one Sip noun for %q", name)
		carriertest.AssertCarriedIntact(t, a.Dial.Sip[0].URI, name)
	})
}

func TestSignalWireRefusesWhatItCannotExpress(t *testing.T) {
	base := func() sipconnect.HandlerConfig {
		cfg := signalWireHandlerConfig()
		cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
		cfg.PublicURL = "https://voice.example.com"
		return cfg
	}
	carriertest.AssertRefused(t, base, map[string]carriertest.Refusal{
		"Twilio's auth token": {func(c *sipconnect.HandlerConfig) { c.AuthToken = "x" },
			"HandlerConfig.AuthToken: Twilio's shorthand, which cannot go with a Carrier"},
		"no signing key": {func(c *sipconnect.HandlerConfig) { c.Carrier = signalwire.NewCarrier(signalwire.Config{}) },
			"Config.SigningKey is required"},
		"no public URL": {func(c *sipconnect.HandlerConfig) { c.PublicURL = "" }, "HandlerConfig.PublicURL is required with SignalWire"},
		"credentials in Sip": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = signalwire.NewCarrier(signalwire.Config{SigningKey: adapterSigningKey, Sip: signalwire.Sip{Username: "u"}})
		}, "Config.Sip: leave URI, Username and Password empty"},
		"bad codec": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = signalwire.NewCarrier(signalwire.Config{SigningKey: adapterSigningKey, Sip: signalwire.Sip{Codecs: []signalwire.Codec{"MP3"}}})
		}, "Config.Dial or Sip: signalwire:"},
		"audio prompt": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Prompts: pins.Prompts{Welcome: sipconnect.Prompt{AudioURL: "https://example.com/w.mp3"}}}
		}, "Prompt.AudioURL cannot be used"},
	}, adapterSigningKey)
}

func TestSignalWireConfigShowsNoSecret(t *testing.T) {
	cfg := signalwire.Config{SigningKey: adapterSigningKey, Sip: signalwire.Sip{Password: "sip-password-in-config"}}
	carriertest.AssertNoSecret(t, cfg, adapterSigningKey, "sip-password-in-config")
	carriertest.AssertNoSecret(t, &cfg, adapterSigningKey, "sip-password-in-config")
	carriertest.AssertNoSecret(t, signalwire.NewCarrier(cfg), adapterSigningKey, "sip-password-in-config")
	assert.Contains(t, fmt.Sprintf("%#v", cfg), `signalwire.Config{SigningKey:"[REDACTED]"`)
	assert.Equal(t, "SignalWire", signalwire.NewCarrier(cfg).Name())
}
