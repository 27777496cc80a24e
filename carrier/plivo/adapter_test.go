package plivo_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/plivo"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

const plivoToken = "plivo-auth-token-0123456789abcdef"

// plivoRequest signs a request as Plivo signs with signature V3, written
// out here from REFERENCE §7 apart from package plivo: HMAC-SHA256 of
// U + "." + nonce, U being scheme://host/path, then "?" and, for a POST,
// the query sorted as k=v&... and "." before the body parameters sorted
// as k1v1k2v2 (the query part and "." only when there is a query); for a
// GET the query sorted as k=v&....
func plivoRequest(t *testing.T, token, method, fullURL string, params url.Values) *http.Request {
	t.Helper()
	base, query, _ := strings.Cut(fullURL, "?")
	sortedQuery := func(raw string) string {
		pairs := strings.Split(raw, "&")
		sort.Strings(pairs)
		return strings.Join(pairs, "&")
	}
	var req *http.Request
	var err error
	u := base
	if method == http.MethodGet {
		if len(params) > 0 {
			if query != "" {
				query += "&"
			}
			query += params.Encode()
		}
		if query != "" {
			u += "?" + sortedQuery(query)
			fullURL = base + "?" + query
		}
		req, err = http.NewRequest(method, fullURL, nil)
	} else {
		keys := make([]string, 0, len(params))
		for k := range params {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var body strings.Builder
		for _, k := range keys {
			body.WriteString(k + params.Get(k))
		}
		switch {
		case query != "" && body.Len() > 0:
			u += "?" + sortedQuery(query) + "." + body.String()
		case query != "":
			u += "?" + sortedQuery(query)
		case body.Len() > 0:
			u += "?" + body.String()
		}
		req, err = http.NewRequest(method, fullURL, strings.NewReader(params.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	require.NoError(t, err)
	const nonce = "12345678901234567890"
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte(u + "." + nonce))
	req.Header.Set("X-Plivo-Signature-V3", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req.Header.Set("X-Plivo-Signature-V3-Nonce", nonce)
	return req
}

func plivoCall(extra ...string) url.Values {
	// Plivo sends numbers without "+".
	return carriertest.WithParams(url.Values{"CallUUID": {"plivo-call-0123"}, "From": {strings.TrimPrefix(carriertest.CallerPhone, "+")},
		"To": {"18005550100"}, "CallStatus": {"ringing"}, "Direction": {"inbound"}}, extra...)
}

func plivoHandlerConfig() sipconnect.HandlerConfig {
	return sipconnect.HandlerConfig{
		Carrier: plivo.NewCarrier(plivo.Config{
			AuthToken: plivoToken,
			Dial:      plivo.Dial{Action: "/hooks/dial-status", Timeout: 30 * time.Second},
		}),
	}
}

// plivoAnswer is a Plivo XML answer as encoding/xml reads it.
type plivoAnswer struct {
	XMLName xml.Name `xml:"Response"`
	Dial    *struct {
		Action  string `xml:"action,attr"`
		Timeout string `xml:"timeout,attr"`
		User    []struct {
			SIPHeaders string `xml:"sipHeaders,attr"`
			URI        string `xml:",chardata"`
		} `xml:"User"`
	} `xml:"Dial"`
	GetInput *struct {
		Action           string   `xml:"action,attr"`
		Method           string   `xml:"method,attr"`
		InputType        string   `xml:"inputType,attr"`
		ExecutionTimeout string   `xml:"executionTimeout,attr"`
		DigitEndTimeout  string   `xml:"digitEndTimeout,attr"`
		FinishOnKey      string   `xml:"finishOnKey,attr"`
		Log              string   `xml:"log,attr"`
		Speak            []string `xml:"Speak"`
	} `xml:"GetInput"`
	Redirect *struct {
		Method string `xml:"method,attr"`
		URL    string `xml:",chardata"`
	} `xml:"Redirect"`
	Speak  []string  `xml:"Speak"`
	Hangup *struct{} `xml:"Hangup"`
}

func decodePlivo(t *testing.T, body string) plivoAnswer {
	t.Helper()
	return carriertest.DecodeXML[plivoAnswer](t, body)
}

func TestPlivoDialIn(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		cfg := plivoHandlerConfig()
		cfg.Numbers = map[string]sipconnect.Route{"+18005550100": {Room: sipconnect.StaticRoom(carriertest.ExampleRoom)}}
		cfg.Identity = carriertest.ExampleIdentity
		s := carriertest.NewServer(t, cfg)
		status, ctype, body := s.Do(t, plivoRequest(t, plivoToken, method, s.URL()+"/hooks/voice", plivoCall()))
		require.Equal(t, http.StatusOK, status, body)
		assert.Equal(t, "text/xml; charset=utf-8", ctype)
		// Written by hand from Plivo's <Dial> and <User> pages: no
		// credentials (Plivo has no attribute for them), the X-100ms
		// headers in the URI.
		assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="`+s.URL()+`/hooks/dial-status" timeout="30">`+
			`<User>sip:abc-defg-hij@sip.100ms.live?X-100ms-Display-Name=John%20Doe&amp;X-100ms-UserID=xyz</User></Dial></Response>`, body)
		a := decodePlivo(t, body)
		require.NotNil(t, a.Dial, "routed by the called number with its + restored")
		require.Len(t, a.Dial.User, 1)
		assert.Equal(t, carriertest.ExampleURI, a.Dial.User[0].URI)
		logs := s.Logs.String()
		assert.Contains(t, logs, `"call_sid":"plivo-call-0123"`)
		assert.Contains(t, logs, sipconnect.MaskNumber(carriertest.CallerPhone))
		assert.NotContains(t, logs, strings.TrimPrefix(carriertest.CallerPhone, "+"))
	}
}

func TestPlivoSignatureFailures(t *testing.T) {
	cfg := plivoHandlerConfig()
	cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
	s := carriertest.NewServer(t, cfg)
	u := s.URL() + "/hooks/voice"
	cases := map[string]func() *http.Request{
		"flipped bit": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			sig, _ := base64.StdEncoding.DecodeString(r.Header.Get("X-Plivo-Signature-V3"))
			sig[0] ^= 1
			r.Header.Set("X-Plivo-Signature-V3", base64.StdEncoding.EncodeToString(sig))
			return r
		},
		"changed parameter": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r2, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(plivoCall("From", "14155550199").Encode()))
			r2.Header = r.Header
			return r2
		},
		"changed nonce": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Set("X-Plivo-Signature-V3-Nonce", "other-nonce")
			return r
		},
		"wrong token": func() *http.Request { return plivoRequest(t, "other-token", http.MethodPost, u, plivoCall()) },
		"missing nonce": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Del("X-Plivo-Signature-V3-Nonce")
			return r
		},
		"missing header": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
			r.Header.Del("X-Plivo-Signature-V3")
			return r
		},
		"GET query moved": func() *http.Request {
			r := plivoRequest(t, plivoToken, http.MethodGet, u, plivoCall())
			r.URL.RawQuery += "&Digits=1"
			return r
		},
	}
	carriertest.AssertForbidden(t, s, "Plivo", cases)
	// During key rotation Plivo sends several signatures, comma-separated.
	r := plivoRequest(t, plivoToken, http.MethodPost, u, plivoCall())
	r.Header.Set("X-Plivo-Signature-V3", plivoRequest(t, "old-token", http.MethodPost, u, plivoCall()).Header.Get("X-Plivo-Signature-V3")+","+r.Header.Get("X-Plivo-Signature-V3"))
	status, _, _ := s.Do(t, r)
	assert.Equal(t, http.StatusOK, status)
}

func TestPlivoPINFlow(t *testing.T) {
	cfg := plivoHandlerConfig()
	cfg.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Path: "/hooks/pin"}
	s := carriertest.NewServer(t, cfg)
	post := func(u string, params url.Values) plivoAnswer {
		t.Helper()
		status, _, body := s.Do(t, plivoRequest(t, plivoToken, http.MethodPost, u, params))
		require.Equal(t, http.StatusOK, status, body)
		return decodePlivo(t, body)
	}
	a := post(s.URL()+"/hooks/voice", plivoCall())
	require.NotNil(t, a.GetInput)
	step1 := a.GetInput.Action
	assert.Equal(t, s.URL()+"/hooks/pin?attempt=1&nonce=N", carriertest.WithoutNonce(step1))
	assert.Equal(t, "POST", a.GetInput.Method)
	assert.Equal(t, "dtmf", a.GetInput.InputType)
	assert.Equal(t, "6", a.GetInput.ExecutionTimeout)
	assert.Equal(t, "6", a.GetInput.DigitEndTimeout)
	assert.Equal(t, "#", a.GetInput.FinishOnKey)
	assert.Equal(t, "false", a.GetInput.Log, "the PIN stays out of Plivo's logs")
	assert.Equal(t, []string{"Welcome.", "Please enter your meeting PIN, then press pound."}, a.GetInput.Speak)
	require.NotNil(t, a.Redirect, "silence after <GetInput> comes back to the step")
	assert.Equal(t, step1, a.Redirect.URL)

	a = post(step1, plivoCall("Digits", "111111111"))
	require.NotNil(t, a.GetInput)
	assert.Equal(t, []string{"Sorry, that PIN is not valid.", "Please enter your meeting PIN, then press pound."}, a.GetInput.Speak)
	step2 := a.GetInput.Action
	assert.Equal(t, s.URL()+"/hooks/pin?attempt=2&nonce=N", carriertest.WithoutNonce(step2))
	a = post(step2, plivoCall())
	require.NotNil(t, a.GetInput)
	assert.Equal(t, []string{"We did not receive a PIN.", "Please enter your meeting PIN, then press pound."}, a.GetInput.Speak)
	a = post(a.GetInput.Action, plivoCall("Digits", carriertest.ExamplePIN))
	require.NotNil(t, a.Dial, "the right PIN bridges the caller")
	assert.Equal(t, carriertest.ExampleURI, a.Dial.User[0].URI)
	assert.NotContains(t, s.Logs.String(), carriertest.ExamplePIN)

	// The attempt counter is signed with the URL.
	fresh := post(s.URL()+"/hooks/voice", plivoCall()).GetInput.Action
	req := plivoRequest(t, plivoToken, http.MethodPost, fresh, plivoCall("Digits", "1"))
	req.URL.RawQuery = strings.Replace(req.URL.RawQuery, "attempt=1", "attempt=2", 1)
	status, _, _ := s.Do(t, req)
	assert.Equal(t, http.StatusForbidden, status)
	// A step is good once, even sent again exactly as signed.
	status, _, _ = s.Do(t, plivoRequest(t, plivoToken, http.MethodPost, step1, plivoCall("Digits", "111111111")))
	assert.Equal(t, http.StatusForbidden, status)
}

func TestPlivoFallbackAndDialStatus(t *testing.T) {
	cfg := plivoHandlerConfig()
	cfg.Room = carriertest.RoomError("code disabled")
	var got sipconnect.DialStatus
	cfg.OnDialStatus = func(_ context.Context, st sipconnect.DialStatus) { got = st }
	s := carriertest.NewServer(t, cfg)
	status, _, body := s.Do(t, plivoRequest(t, plivoToken, http.MethodPost, s.URL()+"/hooks/voice", plivoCall()))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Sorry, we cannot connect your call to the meeting right now. Please try again later.</Speak><Hangup/></Response>`, body)

	_, _, body = s.Do(t, plivoRequest(t, plivoToken, http.MethodPost, s.URL()+"/hooks/dial-status",
		plivoCall("DialStatus", "timeout", "DialALegUUID", "plivo-call-0123", "DialBLegUUID", "", "DialHangupCause", "NO_ANSWER")))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Sorry, the meeting could not be reached. Please try again later.</Speak><Hangup/></Response>`, body)
	assert.Equal(t, "no-answer", got.DialCallStatus)
	assert.Equal(t, "timeout", got.Form.Get("DialStatus"))
	assert.Equal(t, "plivo-call-0123", got.CallSid)
	_, _, body = s.Do(t, plivoRequest(t, plivoToken, http.MethodPost, s.URL()+"/hooks/dial-status",
		plivoCall("DialStatus", "completed", "DialBLegUUID", "leg-b")))
	assert.Equal(t, `<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>`, body)
	assert.Equal(t, "leg-b", got.DialCallSid)
}

func TestPlivoHostileIdentity(t *testing.T) {
	carriertest.ForHostileNames(t, plivoHandlerConfig, func(s *carriertest.Server) *http.Request {
		return plivoRequest(t, plivoToken, http.MethodPost, s.URL()+"/hooks/voice", plivoCall())
	}, func(name, body string) {
		a := decodePlivo(t, body)
		require.NotNil(t, a.Dial, "the caller is still bridged: %q", name)
		require.Len(t, a.Dial.User, 1, "one User noun for %q", name)
		assert.Empty(t, a.Dial.User[0].SIPHeaders, "nothing reaches sipHeaders: %q", name)
		carriertest.AssertCarriedIntact(t, a.Dial.User[0].URI, name)
	})
}

func TestPlivoRefusesWhatItCannotExpress(t *testing.T) {
	base := func() sipconnect.HandlerConfig {
		cfg := plivoHandlerConfig()
		cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
		cfg.PublicURL = "https://voice.example.com"
		return cfg
	}
	carriertest.AssertRefused(t, base, map[string]carriertest.Refusal{
		"SIP credentials": {func(c *sipconnect.HandlerConfig) {
			c.Credentials = sipconnect.Credentials{Username: "U", Password: "P"}
		},
			"HandlerConfig.Credentials cannot be sent by Plivo (plivo: Response/Dial/User attribute username: no SIP username or password attribute on Plivo's <User> noun): leave them empty"},
		"SIP password alone": {func(c *sipconnect.HandlerConfig) { c.Credentials = sipconnect.Credentials{Password: "P"} },
			"attribute password"},
		"Twilio's auth token": {func(c *sipconnect.HandlerConfig) { c.AuthToken = "x" },
			"HandlerConfig.AuthToken: Twilio's shorthand, which cannot go with a Carrier"},
		"X-100ms header in sipHeaders": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken,
				User: plivo.User{SIPHeaders: []plivo.Header{{Name: "X-100ms-Display-Name", Value: "John"}}}})
		}, "X-100ms-Display-Name and X-100ms-UserID cannot be sent this way; put them in the SIP URI"},
		"URI in User": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken, User: plivo.User{URI: "sip:x@y"}})
		}, "Config.User.URI: leave it empty"},
		"no auth token": {func(c *sipconnect.HandlerConfig) { c.Carrier = plivo.NewCarrier(plivo.Config{}) },
			"Config.AuthToken is required"},
		"no public URL": {func(c *sipconnect.HandlerConfig) { c.PublicURL = "" }, "HandlerConfig.PublicURL is required with Plivo"},
		"Twilio voice": {func(c *sipconnect.HandlerConfig) {
			c.Carrier = plivo.NewCarrier(plivo.Config{AuthToken: plivoToken, Fallback: sipconnect.Prompt{Text: "x", Voice: "alice"}})
		}, "Config.Fallback: plivo:"},
		"PIN timeout over Plivo's 10s between digits": {func(c *sipconnect.HandlerConfig) {
			c.PIN = &pins.Config{Resolver: carriertest.PINResolver(), Timeout: 15 * time.Second}
		}, "plivo: pins.Config.Timeout 15s"},
	}, plivoToken, `"P"`)
}

func TestPlivoConfigShowsNoSecret(t *testing.T) {
	cfg := plivo.Config{AuthToken: plivoToken}
	carriertest.AssertNoSecret(t, cfg, plivoToken)
	carriertest.AssertNoSecret(t, plivo.NewCarrier(cfg), plivoToken)
	assert.Equal(t, "Plivo", plivo.NewCarrier(cfg).Name())
}
