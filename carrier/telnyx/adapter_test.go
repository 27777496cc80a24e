package telnyx_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/carriertest"
	"github.com/hmssip/interconnect-go/carrier/telnyx"
	"github.com/hmssip/interconnect-go/internal/apisurface"
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

// telnyxCarrier is Telnyx to the carrier contract: TeXML answers to form
// POSTs signed with k.
func telnyxCarrier(k telnyxKeys) carriertest.Carrier {
	return carriertest.TwiMLShaped(carriertest.Carrier{
		Title:  "Telnyx",
		Config: func() sipconnect.HandlerConfig { return telnyxHandlerConfig(k) },
		Request: func(t *testing.T, _, u string, p carriertest.Params) *http.Request {
			return telnyxRequest(t, k, u, p.Form(telnyxCall()), carriertest.Clock())
		},
		CallID:          "v3:telnyx-call-0123",
		ErrBodyTooLarge: telnyx.ErrBodyTooLarge,
		PINPrompt: func(t *testing.T, body string) {
			a := carriertest.DecodeXML[carriertest.XMLAnswer](t, body)
			assert.Equal(t, []string{"dtmf", "#", "6"}, []string{a.Gather.Input, a.Gather.FinishOnKey, a.Gather.Timeout})
			require.NotNil(t, a.Redirect, "silence after <Gather> comes back to the step")
			assert.Equal(t, []string{a.Gather.Action, "POST"}, []string{a.Redirect.URL, a.Redirect.Method})
		},
		DialFailed: carriertest.Params{"DialCallStatus": "failed", "DialCallSid": "v3:leg-2", "DialSipResponseCode": "404"},
		Failed:     sipconnect.DialStatus{CallSid: "v3:telnyx-call-0123", DialCallSid: "v3:leg-2", DialCallStatus: "failed", DialSipResponseCode: "404"},
		DialDone:   carriertest.Params{"DialCallStatus": "completed"},
		Done:       sipconnect.DialStatus{CallSid: "v3:telnyx-call-0123", DialCallStatus: "completed"},
	})
}

func TestTelnyxContract(t *testing.T) { carriertest.Run(t, telnyxCarrier(newTelnyxKeys(t))) }

func TestTelnyxSignatureFailures(t *testing.T) {
	k := newTelnyxKeys(t)
	s := carriertest.ServeExample(t, telnyxHandlerConfig(k))
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

func TestTelnyxRefusesWhatItCannotExpress(t *testing.T) {
	k := newTelnyxKeys(t)
	base := func() sipconnect.HandlerConfig {
		cfg := telnyxHandlerConfig(k)
		cfg.Room = sipconnect.StaticRoom(carriertest.ExampleRoom)
		return cfg
	}
	carriertest.AssertRefused(t, base, map[string]carriertest.Refusal{
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

var sent = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// sign builds the signature without the code under test: the message is
// assembled here as Telnyx documents it, timestamp + "|" + raw body.
func sign(priv ed25519.PrivateKey, ts, body string) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(ts+"|"+body)))
}

func TestVerifierMiddleware(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	_, otherPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	v, err := telnyx.NewVerifier(base64.StdEncoding.EncodeToString(pub),
		telnyx.WithClock(func() time.Time { return sent.Add(30 * time.Second) }), telnyx.WithMaxBodyBytes(1024))
	require.NoError(t, err)

	var seen carriertest.Seen[telnyx.Call]
	h := v.Middleware(carriertest.Recorder(&seen, telnyx.ParseCall))

	body := url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+14155550199"}, "Digits": {"123456789"}}.Encode()
	ts := strconv.FormatInt(sent.Unix(), 10)
	good := sign(priv, ts, body)
	flipped := []byte(good)
	raw, _ := base64.StdEncoding.DecodeString(good)
	raw[10] ^= 0x01
	copy(flipped, base64.StdEncoding.EncodeToString(raw))

	tests := []struct {
		name, body, sig, ts string
		noSig, noTS         bool
		want                int
	}{
		{name: "valid", body: body, sig: good, ts: ts, want: http.StatusNoContent},
		{name: "flipped bit", body: body, sig: string(flipped), ts: ts, want: 403},
		{name: "changed parameter", body: strings.Replace(body, "123456789", "123456780", 1), sig: good, ts: ts, want: 403},
		{name: "changed timestamp", body: body, sig: good, ts: strconv.FormatInt(sent.Unix()+1, 10), want: 403},
		{name: "wrong key", body: body, sig: sign(otherPriv, ts, body), ts: ts, want: 403},
		{name: "stale", body: body, sig: sign(priv, strconv.FormatInt(sent.Add(-5*time.Minute).Unix(), 10), body),
			ts: strconv.FormatInt(sent.Add(-5*time.Minute).Unix(), 10), want: 403},
		{name: "future", body: body, sig: sign(priv, strconv.FormatInt(sent.Add(6*time.Minute).Unix(), 10), body),
			ts: strconv.FormatInt(sent.Add(6*time.Minute).Unix(), 10), want: 403},
		{name: "missing signature", body: body, noSig: true, ts: ts, want: 403},
		{name: "missing timestamp", body: body, sig: good, noTS: true, want: 403},
		{name: "signature with newline", body: body, sig: good[:40] + "\n" + good[40:], ts: ts, want: 403},
		{name: "signature too long", body: body, sig: good + good, ts: ts, want: 403},
		{name: "garbage timestamp", body: body, sig: sign(priv, "soon", body), ts: "soon", want: 403},
		{name: "body over limit", body: body + "&Pad=" + strings.Repeat("x", 1024), sig: good, ts: ts, want: 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen = carriertest.Seen[telnyx.Call]{}
			r := httptest.NewRequest(http.MethodPost, "/hooks/telnyx/voice", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if !tc.noSig {
				r.Header.Set("telnyx-signature-ed25519", tc.sig)
			}
			if !tc.noTS {
				r.Header.Set("telnyx-timestamp", tc.ts)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, tc.want, rec.Code)
			if tc.want == http.StatusNoContent {
				assert.Equal(t, tc.body, seen.Body, "body restored for the next handler")
				assert.Equal(t, "v3:abc", seen.Call.ID)
				assert.Equal(t, "123456789", seen.Call.Digits)
				assert.Equal(t, "+14155550100", seen.Call.From)
			} else {
				assert.Empty(t, seen.Call.ID)
			}
		})
	}
}

// Telnyx signs timestamp|body only, never the URL. After Verify, ParseCall
// reads a POST's body alone: a signed request replayed with parameters
// added to its query does not get them through.
func TestParseCallIgnoresPOSTQuery(t *testing.T) {
	k := newTelnyxKeys(t)
	v, err := telnyx.NewVerifier(k.pub, telnyx.WithClock(func() time.Time { return sent }))
	require.NoError(t, err)
	body := url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+14155550199"}}.Encode()
	ts := strconv.FormatInt(sent.Unix(), 10)
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/texml?Digits=4242&CallerName=Bank&CallSid=v3:forged", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set(telnyx.TimestampHeader, ts)
		r.Header.Set(telnyx.SignatureHeader, sign(k.priv, ts, body))
		return r
	}
	r := newReq()
	require.NoError(t, v.Verify(httptest.NewRecorder(), r))
	c, err := telnyx.ParseCall(r)
	require.NoError(t, err)
	assert.Equal(t, "v3:abc", c.ID)
	assert.Equal(t, "+14155550100", c.From)
	assert.Empty(t, c.Digits)
	assert.Equal(t, url.Values{"CallSid": {"v3:abc"}, "From": {"+14155550100"}, "To": {"+14155550199"}}, c.Params)

	// Behind the Middleware too.
	var seen carriertest.Seen[telnyx.Call]
	rec := httptest.NewRecorder()
	v.Middleware(carriertest.Recorder(&seen, telnyx.ParseCall)).ServeHTTP(rec, newReq())
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Equal(t, "v3:abc", seen.Call.ID)
	assert.Empty(t, seen.Call.Digits)
	assert.False(t, seen.Call.Params.Has("CallerName"))

	// Without a Verifier, ParseCall parses the body itself, still without
	// the query.
	r = newReq()
	c, err = telnyx.ParseCall(r)
	require.NoError(t, err)
	assert.Equal(t, "v3:abc", c.ID)
	assert.Empty(t, c.Digits)
}

// A GET's parameters are in its query, which nothing signed covers (its
// signed body is empty): Verify refuses it as an invalid signature, and
// the Middleware answers 403 without calling the handler.
func TestVerifyRefusesGET(t *testing.T) {
	k := newTelnyxKeys(t)
	v, err := telnyx.NewVerifier(k.pub, telnyx.WithClock(func() time.Time { return sent }))
	require.NoError(t, err)
	ts := strconv.FormatInt(sent.Unix(), 10)
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/texml?CallSid=v3:forged&From=%2B15550001111&Digits=4242", nil)
		r.Header.Set(telnyx.TimestampHeader, ts)
		r.Header.Set(telnyx.SignatureHeader, sign(k.priv, ts, ""))
		return r
	}
	err = v.Verify(httptest.NewRecorder(), newReq())
	require.ErrorIs(t, err, telnyx.ErrInvalidSignature)
	assert.EqualError(t, err, "telnyx: Telnyx signs the body only, so a GET's query is not covered: configure the TeXML application to use POST")

	rec := httptest.NewRecorder()
	v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") })).ServeHTTP(rec, newReq())
	assert.Equal(t, http.StatusForbidden, rec.Code)

	// The handler refuses it with the same status and message.
	a, err := telnyx.NewCarrier(telnyx.Config{PublicKey: k.pub, VerifierOptions: []telnyx.VerifierOption{telnyx.WithClock(func() time.Time { return sent })}}).
		Adapter(sipconnect.CarrierSettings{MaxBodyBytes: 1 << 10})
	require.NoError(t, err)
	_, status, err := a.Verify(httptest.NewRecorder(), newReq())
	assert.Equal(t, http.StatusForbidden, status)
	assert.EqualError(t, err, "telnyx: Telnyx signs the body only, so a GET's query is not covered: configure the TeXML application to use POST")
}

func TestCheckErrors(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	v, err := telnyx.NewVerifier(base64.StdEncoding.EncodeToString(pub),
		telnyx.WithClock(func() time.Time { return sent }), telnyx.WithTolerance(time.Minute))
	require.NoError(t, err)
	ts := strconv.FormatInt(sent.Unix(), 10)
	h := http.Header{}
	h.Set(telnyx.TimestampHeader, ts)
	h.Set(telnyx.SignatureHeader, sign(priv, ts, "{}"))
	assert.NoError(t, v.Check(h, []byte("{}")))
	assert.ErrorIs(t, v.Check(h, []byte("{ }")), telnyx.ErrInvalidSignature)

	old := strconv.FormatInt(sent.Add(-61*time.Second).Unix(), 10)
	h.Set(telnyx.TimestampHeader, old)
	h.Set(telnyx.SignatureHeader, sign(priv, old, "{}"))
	assert.ErrorIs(t, v.Check(h, []byte("{}")), telnyx.ErrStaleTimestamp)
	h.Del(telnyx.TimestampHeader)
	assert.ErrorIs(t, v.Check(h, []byte("{}")), telnyx.ErrMissingTimestamp)
	assert.ErrorIs(t, v.Check(http.Header{}, nil), telnyx.ErrMissingSignature)
}

func TestNewVerifierRefusesBadConfig(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	key := base64.StdEncoding.EncodeToString(pub)
	for name, tc := range map[string]struct {
		key  string
		opts []telnyx.VerifierOption
	}{
		"empty key":      {"", nil},
		"short key":      {base64.StdEncoding.EncodeToString(pub[:31]), nil},
		"not base64":     {"not a key!", nil},
		"zero limit":     {key, []telnyx.VerifierOption{telnyx.WithMaxBodyBytes(0)}},
		"zero tolerance": {key, []telnyx.VerifierOption{telnyx.WithTolerance(0)}},
		"nil clock":      {key, []telnyx.VerifierOption{telnyx.WithClock(nil)}},
	} {
		_, err := telnyx.NewVerifier(tc.key, tc.opts...)
		assert.Error(t, err, name)
	}
}

// NewSignedRequest signs as the test's own signer does, and its requests
// pass a Verifier whose clock is that of the signer.
func TestNewSignedRequest(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	params := url.Values{"CallSid": {"v3:1"}, "From": {"+1"}}
	req, err := telnyx.NewSignedRequest("https://voice.example.com/telnyx/voice?x=1", params, priv, sent)
	require.NoError(t, err)
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	ts := req.Header.Get("telnyx-timestamp")
	assert.Equal(t, strconv.FormatInt(sent.Unix(), 10), ts)
	assert.Equal(t, sign(priv, ts, string(body)), req.Header.Get("telnyx-signature-ed25519"))

	v, _ := telnyx.NewVerifier(base64.StdEncoding.EncodeToString(pub), telnyx.WithClock(func() time.Time { return sent }))
	assert.NoError(t, v.Verify(httptest.NewRecorder(), req))
	assert.Equal(t, "v3:1", req.PostForm.Get("CallSid"))

	_, err = telnyx.NewSignedRequest("/relative", params, priv, sent)
	assert.Error(t, err)
	_, err = telnyx.NewSignedRequest("https://x", params, priv[:10], sent)
	assert.Error(t, err)
}

func TestNewCall(t *testing.T) {
	p := url.Values{"CallSid": {"v3:x"}, "AccountSid": {"acc"}, "ConnectionId": {"123"}, "From": {"+1"}, "To": {"+2"},
		"CallStatus": {"ringing"}, "Digits": {"42"}, "CallSidLegacy": {"v3:x"}}
	c := telnyx.NewCall(p)
	assert.Equal(t, telnyx.Call{ID: "v3:x", AccountID: "acc", ConnectionID: "123", From: "+1", To: "+2", Status: "ringing", Digits: "42", Params: p}, c)
}

// The SIP password never shows, however a Sip, a Dial holding it or a
// Response is printed or logged.
func TestPasswordNeverPrinted(t *testing.T) {
	const pw = "pa55-w0rd-s3cret"
	s := &telnyx.Sip{URI: exampleURI, Username: "U", Password: pw}
	doc := telnyx.Response{&telnyx.Dial{Nouns: []telnyx.Noun{s}}}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		for _, v := range []any{s, *s, doc, doc[0]} {
			out := fmt.Sprintf(f, v)
			assert.NotContains(t, out, pw, f)
			assert.NotContains(t, out, fmt.Sprintf("%x", pw), f)
		}
	}
	assert.Contains(t, fmt.Sprintf("%+v", s), "Password:[REDACTED]")
	assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", *s), "telnyx.Sip{"))
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("dial", "sip", s)
	assert.NotContains(t, buf.String(), pw)
	assert.Contains(t, buf.String(), "sip.username=U")
}

// TestPublicAPI pins the exported names of the package and checks that
// each is documented.
func TestPublicAPI(t *testing.T) {
	want := []string{
		"Call", "CallAMD", "CallAnswered", "CallCompleted", "CallDTMF", "CallEvent", "CallInitiated", "CallRinging",
		"Config", "Config.Format", "Config.GoString", "Config.LogValue", "Config.MarshalJSON", "Config.String",
		"ContentType", "DefaultMaxBodyBytes", "DefaultTolerance", "Dial", "ErrBodyTooLarge", "ErrDuplicate", "ErrEnum",
		"ErrInvalidChar", "ErrInvalidSignature", "ErrInvalidUTF8", "ErrMissingSignature", "ErrMissingTimestamp", "ErrNil",
		"ErrNoUsername", "ErrRange", "ErrRequired", "ErrStaleTimestamp", "ErrWholeUnits", "ErrXMLChar", "Error",
		"Error.Error", "Error.Unwrap", "Gather", "GatherInput", "Hangup", "InputDTMF", "InputSpeech", "LoopForever",
		"Method", "MethodGet", "MethodPost", "NewCall", "NewCarrier", "NewSignedRequest", "NewVerifier", "Noun",
		"ParseCall", "Pause", "Redirect", "Response", "Response.AppendXML", "Response.MarshalText", "Response.Validate",
		"Response.WriteHTTP", "Response.WriteTo", "Say", "Signature", "SignatureHeader", "Sip", "Sip.Format",
		"Sip.GoString", "Sip.LogValue", "Sip.String", "TimestampHeader", "Verb", "Verifier", "Verifier.Check",
		"Verifier.Middleware", "Verifier.Verify", "VerifierOption", "WithClock", "WithMaxBodyBytes", "WithTolerance",
		"XMLDeclaration",
	}
	apisurface.Check(t, ".", want)
}

// A body that cannot be read fails Verify with an error that names the
// package once and keeps the cause.
func TestVerifyUnreadableBody(t *testing.T) {
	v, err := telnyx.NewVerifier(newTelnyxKeys(t).pub)
	require.NoError(t, err)
	cause := errors.New("connection reset")
	req := httptest.NewRequest(http.MethodPost, "https://voice.example.com/telnyx/voice", iotest.ErrReader(cause))
	req.Header.Set("telnyx-signature-ed25519", "c2ln")
	err = v.Verify(httptest.NewRecorder(), req)
	require.ErrorIs(t, err, cause)
	assert.EqualError(t, err, "telnyx: reading webhook body: connection reset")
}

func TestParseCallNilBody(t *testing.T) { carriertest.AssertNilBodyRefused(t, telnyx.ParseCall) }
