package signalwire_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/signalwire"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/pins"
	"github.com/hmssip/interconnect-go/sipconnect"
)

const adapterSigningKey = "PSK_signalwire-signing-key-0123456789"

// signalWireRequest signs a request as SignalWire does, with carriertest.TwilioSignature, the
// scheme written out apart from the code under test: a POST signs the URL
// and the form, a GET the URL with the parameters added to its query.
func signalWireRequest(t *testing.T, key, method, fullURL string, params url.Values) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		base, query, _ := strings.Cut(fullURL, "?")
		q, err := url.ParseQuery(query)
		require.NoError(t, err)
		for k, v := range params {
			q[k] = v
		}
		fullURL = base + "?" + q.Encode()
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

// signalWireCarrier is SignalWire to the carrier contract: cXML answers to
// webhooks sent by method.
func signalWireCarrier(method string) carriertest.Carrier {
	return carriertest.TwiMLShaped(carriertest.Carrier{
		Title: "SignalWire", Config: signalWireHandlerConfig, Method: method,
		Request: func(t *testing.T, method, u string, p carriertest.Params) *http.Request {
			return signalWireRequest(t, adapterSigningKey, method, u, p.Form(signalWireCall()))
		},
		CallID:          "sw-call-0123",
		ErrBodyTooLarge: signalwire.ErrBodyTooLarge,
		Input:           func(digits string) carriertest.Params { return carriertest.Params{"Digits": digits} },
		PINPrompt: func(t *testing.T, body string) {
			a := carriertest.DecodeXML[carriertest.XMLAnswer](t, body)
			assert.Equal(t, "true", a.Gather.ActionOnEmptyResult, "silence comes back to the step")
			assert.Equal(t, []string{"#", "dtmf"}, []string{a.Gather.FinishOnKey, a.Gather.Input})
			assert.Nil(t, a.Redirect)
		},
		DialFailed: carriertest.Params{"DialCallStatus": "busy"},
		Failed:     sipconnect.DialStatus{CallSid: "sw-call-0123", DialCallStatus: "busy"},
		DialDone:   carriertest.Params{"DialCallStatus": "completed"},
		Done:       sipconnect.DialStatus{CallSid: "sw-call-0123", DialCallStatus: "completed"},
	})
}

func TestSignalWireContract(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		t.Run(method, func(t *testing.T) { carriertest.Run(t, signalWireCarrier(method)) })
	}
}

func TestSignalWireSignatureFailures(t *testing.T) {
	s := carriertest.ServeExample(t, signalWireHandlerConfig())
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

func TestSignalWireRefusesWhatItCannotExpress(t *testing.T) {
	carriertest.AssertRefused(t, signalWireHandlerConfig, map[string]carriertest.Refusal{
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
}

const signingKey = "PSK_test_signing_key_0123456789"

// refSign is the scheme written out independently of the code under test,
// as carriertest.TwilioSignature writes it: base64(HMAC-SHA1(key, URL +
// name1 + value1 + name2 + value2 ...)) with the names sorted.
func refSign(key, fullURL string, params map[string]string) string {
	return carriertest.TwilioSignature(key, fullURL, values(params))
}

func values(p map[string]string) url.Values {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v
}

func form(p map[string]string) string { return values(p).Encode() }

func TestVerifierMiddleware(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com/app", signalwire.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	var seen carriertest.Seen[signalwire.Call]
	h := v.Middleware(carriertest.Recorder(&seen, signalwire.ParseCall))

	params := map[string]string{"CallSid": "CA123", "From": "+14155550100", "To": "+14155550199", "Digits": "987654321"}
	const path = "/signalwire/voice?step=2"
	public := "https://voice.example.com/app" + path
	good := refSign(signingKey, public, params)
	raw, _ := base64.StdEncoding.DecodeString(good)
	raw[3] ^= 0x80
	flipped := base64.StdEncoding.EncodeToString(raw)
	changed := map[string]string{"CallSid": "CA123", "From": "+14155550100", "To": "+14155550199", "Digits": "987654320"}

	tests := []struct {
		name, body, header, sig string
		want                    int
	}{
		{"valid", form(params), "X-SignalWire-Signature", good, 204},
		{"valid as X-Twilio-Signature", form(params), "X-Twilio-Signature", good, 204},
		{"signed with :443", form(params), "X-SignalWire-Signature", refSign(signingKey, "https://voice.example.com:443/app"+path, params), 204},
		{"flipped bit", form(params), "X-SignalWire-Signature", flipped, 403},
		{"changed parameter", form(changed), "X-SignalWire-Signature", good, 403},
		{"wrong key", form(params), "X-SignalWire-Signature", refSign("another-key", public, params), 403},
		{"signed for the Host header", form(params), "X-SignalWire-Signature", refSign(signingKey, "http://example.com"+path, params), 403},
		{"missing header", form(params), "", "", 403},
		{"non-canonical base64", form(params), "X-SignalWire-Signature", good[:27] + "\n" + good[27:], 403},
		{"hex scheme refused", form(params), "X-SignalWire-Signature", hex.EncodeToString(raw), 403},
		{"body over limit", form(params) + "&Pad=" + strings.Repeat("x", 1024), "X-SignalWire-Signature", good, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen = carriertest.Seen[signalwire.Call]{}
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.header != "" {
				r.Header.Set(tc.header, tc.sig)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, tc.want, rec.Code)
			if tc.want == 204 {
				assert.Equal(t, tc.body, seen.Body)
				assert.Equal(t, "CA123", seen.Call.ID)
				assert.Equal(t, "987654321", seen.Call.Digits)
				assert.Equal(t, "2", seen.Call.Params.Get("step"))
			}
		})
	}

	// A wrong X-SignalWire-Signature is not rescued by a right
	// X-Twilio-Signature.
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form(params)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-SignalWire-Signature", flipped)
	r.Header.Set("X-Twilio-Signature", good)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	assert.Equal(t, 403, rec.Code)
}

func TestVerifyGETAndJSON(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	require.NoError(t, err)

	get := httptest.NewRequest(http.MethodGet, "/voice?CallSid=CA1&From=%2B1", nil)
	get.Header.Set("X-SignalWire-Signature", refSign(signingKey, "https://voice.example.com/voice?CallSid=CA1&From=%2B1", nil))
	assert.NoError(t, v.Verify(httptest.NewRecorder(), get))

	body := []byte(`{"CallSid":"CA1"}`)
	sum := sha256.Sum256(body)
	uri := "/voice?bodySHA256=" + hex.EncodeToString(sum[:])
	sig := refSign(signingKey, "https://voice.example.com"+uri, nil)
	js := httptest.NewRequest(http.MethodPost, uri, bytes.NewReader(body))
	js.Header.Set("Content-Type", "application/json")
	js.Header.Set("X-SignalWire-Signature", sig)
	require.NoError(t, v.Verify(httptest.NewRecorder(), js))
	restored, _ := io.ReadAll(js.Body)
	assert.Equal(t, body, restored)

	js = httptest.NewRequest(http.MethodPost, uri, strings.NewReader(`{"CallSid":"CA2"}`))
	js.Header.Set("X-SignalWire-Signature", sig)
	assert.ErrorIs(t, v.Verify(httptest.NewRecorder(), js), signalwire.ErrBodyHash)
}

func TestNewSignedRequestMatchesReference(t *testing.T) {
	params := url.Values{"CallSid": {"CA9"}, "From": {"+1"}}
	req, err := signalwire.NewSignedRequest(http.MethodPost, "https://voice.example.com/voice", signingKey, params)
	require.NoError(t, err)
	assert.Equal(t, refSign(signingKey, "https://voice.example.com/voice", map[string]string{"CallSid": "CA9", "From": "+1"}),
		req.Header.Get("X-SignalWire-Signature"))
	v, _ := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	assert.NoError(t, v.Verify(httptest.NewRecorder(), req))

	req, err = signalwire.NewSignedRequest(http.MethodGet, "https://voice.example.com/voice?a=1", signingKey, params)
	require.NoError(t, err)
	assert.Equal(t, "https://voice.example.com/voice?a=1&CallSid=CA9&From=%2B1", req.URL.String())
	assert.NoError(t, v.Verify(httptest.NewRecorder(), req))

	for _, bad := range [][3]string{{"PUT", "https://x/", signingKey}, {"POST", "https://x/", ""}, {"POST", "/rel", signingKey}, {"POST", "https://x/#f", signingKey}} {
		_, err := signalwire.NewSignedRequest(bad[0], bad[1], bad[2], params)
		assert.Error(t, err, bad[0]+" "+bad[1])
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(f, v), signingKey, f)
	}
	_, err = signalwire.NewVerifier(signingKey, "ftp://"+signingKey)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), signingKey)

	const pw = "pa55-w0rd-s3cret"
	s := &signalwire.Sip{URI: exampleURI, Username: "U", Password: pw}
	doc := signalwire.Response{&signalwire.Dial{Nouns: []signalwire.Noun{s}}}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, x := range []any{s, *s, doc, doc[0]} {
			assert.NotContains(t, fmt.Sprintf(f, x), pw, f)
		}
	}
	assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", *s), "signalwire.Sip{"))
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("dial", "sip", s)
	assert.NotContains(t, buf.String(), pw)
}

func TestNewCall(t *testing.T) {
	p := url.Values{"CallSid": {"CA1"}, "AccountSid": {"AC1"}, "From": {"+1"}, "To": {"+2"}, "CallStatus": {"ringing"},
		"Direction": {"inbound"}, "Digits": {"7"}, "ApiVersion": {"2010-04-01"}}
	assert.Equal(t, signalwire.Call{ID: "CA1", AccountID: "AC1", From: "+1", To: "+2", Status: "ringing", Direction: "inbound", Digits: "7", Params: p},
		signalwire.NewCall(p))
}

// hmacOf is the signature of the signed string s, written out.
func hmacOf(key, s string) string {
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func postForm(t *testing.T, v *signalwire.Verifier, uri, body, sig string) error {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, uri, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set(signalwire.SignatureHeader, sig)
	return v.Verify(httptest.NewRecorder(), r)
}

// SignalWire's validators (@signalwire/compatibility-api
// lib/webhooks/webhooks.js toFormUrlEncodedParam) append a repeated name's
// values in the order they were sent, not sorted.
func TestRepeatedValuesInOrderSent(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	require.NoError(t, err)
	const u = "https://voice.example.com/voice"
	asSent := hmacOf(signingKey, u+"Digits2Digits1")
	assert.NoError(t, postForm(t, v, "/voice", "Digits=2&Digits=1", asSent))
	assert.ErrorIs(t, postForm(t, v, "/voice", "Digits=1&Digits=2", asSent), signalwire.ErrInvalidSignature)
	assert.ErrorIs(t, postForm(t, v, "/voice", "Digits=2&Digits=1", hmacOf(signingKey, u+"Digits1Digits2")),
		signalwire.ErrInvalidSignature, "the sorted string is not what SignalWire signs")

	p := map[string][]string{"Digits": {"2", "1"}, "A": {"z"}}
	assert.Equal(t, hmacOf(signingKey, u+"AzDigits2Digits1"), signalwire.Signature(signingKey, u, p))
	assert.Equal(t, []string{"2", "1"}, p["Digits"])
}

// JavaScript's Array.prototype.sort, which SignalWire's validators use on
// the names, orders strings by UTF-16 code units: a name with a character
// above U+FFFF (a surrogate pair, 0xD83D...) sorts before one with a
// character from U+E000 to U+FFFF, the reverse of their UTF-8 byte order.
func TestNamesInUTF16Order(t *testing.T) {
	const u = "https://voice.example.com/voice"
	p := map[string][]string{"\uff01": {"a"}, "\U0001F600": {"b"}, "Z": {"c"}}
	assert.Equal(t, hmacOf(signingKey, u+"Zc\U0001F600b\uff01a"), signalwire.Signature(signingKey, u, p))
}

// The other port form is built on the URL as requested: raw non-ASCII
// bytes are not re-encoded.
func TestPortFormKeepsRawBytes(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	require.NoError(t, err)
	const uri = "/hooks/café?n=é"
	assert.NoError(t, postForm(t, v, uri, "a=1", hmacOf(signingKey, "https://voice.example.com:443"+uri+"a1")))
	v, err = signalwire.NewVerifier(signingKey, "https://voice.example.com:443")
	require.NoError(t, err)
	assert.NoError(t, postForm(t, v, uri, "a=1", hmacOf(signingKey, "https://voice.example.com"+uri+"a1")))
}

// SignalWire's validateRequest (@signalwire/compatibility-api
// lib/webhooks/webhooks.js, removePort) also tries the URL with any port
// removed, so a webhook to a non-default port may be signed without it; no
// other port is tried.
func TestNonDefaultPortSignedWithout(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com:8443")
	require.NoError(t, err)
	const uri = "/hooks/café?n=é"
	assert.NoError(t, postForm(t, v, uri, "a=1", hmacOf(signingKey, "https://voice.example.com"+uri+"a1")))
	assert.NoError(t, postForm(t, v, uri, "a=1", hmacOf(signingKey, "https://voice.example.com:8443"+uri+"a1")))
	for _, signed := range []string{"https://voice.example.com:443", "https://voice.example.com:8444", "http://voice.example.com"} {
		assert.ErrorIs(t, postForm(t, v, uri, "a=1", hmacOf(signingKey, signed+uri+"a1")), signalwire.ErrInvalidSignature, signed)
	}
}

// A request that is not a form POST and whose URL has no bodySHA256 is
// signed over its URL alone, so a body it carries is covered by nothing:
// Verify refuses it as an invalid signature, and the Middleware answers 403.
// An empty body passes.
func TestVerifyRefusesUncoveredBody(t *testing.T) {
	const public = "https://voice.example.com"
	v, err := signalwire.NewVerifier(signingKey, public)
	require.NoError(t, err)
	sig := signalwire.Signature(signingKey, public+"/voice", nil)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		for _, ct := range []string{"application/json", "text/plain", ""} {
			r := httptest.NewRequest(method, "/voice", strings.NewReader(`{"CallSid":"CAforged"}`))
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			r.Header.Set(signalwire.SignatureHeader, sig)
			err := v.Verify(httptest.NewRecorder(), r)
			require.ErrorIs(t, err, signalwire.ErrInvalidSignature, "%s %q", method, ct)
			assert.EqualError(t, err, "signalwire: invalid X-SignalWire-Signature: request body is neither a form nor covered by bodySHA256")

			rec := httptest.NewRecorder()
			r = httptest.NewRequest(method, "/voice", strings.NewReader(`{"CallSid":"CAforged"}`))
			r.Header.Set("Content-Type", ct)
			r.Header.Set(signalwire.SignatureHeader, sig)
			v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") })).ServeHTTP(rec, r)
			assert.Equal(t, http.StatusForbidden, rec.Code)
		}
		r, _ := http.NewRequest(method, public+"/voice", nil)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(signalwire.SignatureHeader, sig)
		assert.NoError(t, v.Verify(httptest.NewRecorder(), r), method)
	}
}

// A public base URL is refused with what is wrong with it, never with its
// password.
func TestNewVerifierErrorHidesURL(t *testing.T) {
	_, err := signalwire.NewVerifier(signingKey, "https://hook:s3cr3t-pass@voice.example.com/voice?x=1")
	require.Error(t, err)
	assert.EqualError(t, err, "signalwire: public base URL has a query: want http(s)://host[/prefix]")
}

// What NewSignedRequest signs is what it sends, for URLs net/url
// re-encodes too.
func TestNewSignedRequestReencodedURL(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://h")
	require.NoError(t, err)
	for _, u := range []string{"https://h/hooks/café", "https://h/a b/{x}?q=é", "https://h?x=1"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			req, err := signalwire.NewSignedRequest(m, u, signingKey, map[string][]string{"CallSid": {"CA1"}})
			require.NoError(t, err)
			assert.NoError(t, v.Verify(httptest.NewRecorder(), req), m+" "+u)
		}
	}
}

// Both official validators compare bodySHA256 with the lowercase hex of
// the body's SHA-256 as strings.
func TestBodyHashLowercaseOnly(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://h")
	require.NoError(t, err)
	body := `{"a":1}`
	const lower = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
	for hash, want := range map[string]error{lower: nil, strings.ToUpper(lower): signalwire.ErrBodyHash} {
		uri := "/j?bodySHA256=" + hash
		r := httptest.NewRequest(http.MethodPost, uri, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set(signalwire.SignatureHeader, hmacOf(signingKey, "https://h"+uri))
		assert.Equal(t, want, v.Verify(httptest.NewRecorder(), r), hash)
	}
}

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Call", "CallAnswered", "CallCompleted", "CallEvent", "CallInitiated", "CallRinging", "Codec", "CodecG722",
		"CodecG729", "CodecOPUS", "CodecPCMA", "CodecPCMU", "Config", "Config.Format", "Config.GoString", "Config.LogValue",
		"Config.MarshalJSON", "Config.String", "ContentType", "DefaultMaxBodyBytes", "Dial", "ErrBodyHash",
		"ErrBodyTooLarge", "ErrDuplicate", "ErrEnum", "ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8",
		"ErrMissingSignature", "ErrNil", "ErrNoUsername", "ErrRange", "ErrRequired", "ErrWholeUnits", "ErrXMLChar", "Error",
		"Error.Error", "Error.Unwrap", "Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech", "LoopForever",
		"MaxSayText", "Method", "MethodGet", "MethodPost", "NewCall", "NewCarrier", "NewSignedRequest", "NewVerifier",
		"Noun", "ParseCall", "Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate",
		"Response.WriteHTTP", "Response.WriteTo", "Say", "Signature", "SignatureHeader", "Sip", "Sip.Format",
		"Sip.GoString", "Sip.LogValue", "Sip.String", "TwilioSignatureHeader", "Verb", "Verifier", "Verifier.Middleware",
		"Verifier.URL", "Verifier.Verify", "VerifierOption", "WithMaxBodyBytes", "XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

// A body that cannot be read fails Verify with an error that names the
// package once and keeps the cause.
func TestVerifyUnreadableBody(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com")
	require.NoError(t, err)
	cause := errors.New("connection reset")
	req := httptest.NewRequest(http.MethodPost, "https://voice.example.com/signalwire/voice", iotest.ErrReader(cause))
	req.Header.Set(signalwire.SignatureHeader, "c2ln")
	err = v.Verify(httptest.NewRecorder(), req)
	require.ErrorIs(t, err, cause)
	assert.EqualError(t, err, "signalwire: reading webhook body: connection reset")
}

func TestParseCallNilBody(t *testing.T) { carriertest.AssertNilBodyRefused(t, signalwire.ParseCall) }
