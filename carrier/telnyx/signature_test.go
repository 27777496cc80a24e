package telnyx_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
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
)

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

	var seen telnyx.Call
	var seenBody string
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
		seen, _ = telnyx.ParseCall(r)
		w.WriteHeader(http.StatusNoContent)
	}))

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
			seen, seenBody = telnyx.Call{}, ""
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
				assert.Equal(t, tc.body, seenBody, "body restored for the next handler")
				assert.Equal(t, "v3:abc", seen.ID)
				assert.Equal(t, "123456789", seen.Digits)
				assert.Equal(t, "+14155550100", seen.From)
			} else {
				assert.Empty(t, seen.ID)
			}
		})
	}
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
