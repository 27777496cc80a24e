package signalwire_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
)

const signingKey = "PSK_test_signing_key_0123456789"

// refSign is the scheme written out independently of the code under test:
// base64(HMAC-SHA1(key, URL + name1 + value1 + name2 + value2 ...)) with the
// names sorted.
func refSign(key, fullURL string, params map[string]string) string {
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	s := fullURL
	for _, k := range names {
		s += k + params[k]
	}
	m := hmac.New(sha1.New, []byte(key))
	m.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func form(p map[string]string) string {
	v := url.Values{}
	for k, x := range p {
		v.Set(k, x)
	}
	return v.Encode()
}

func TestVerifierMiddleware(t *testing.T) {
	v, err := signalwire.NewVerifier(signingKey, "https://voice.example.com/app", signalwire.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	var seen signalwire.Call
	var seenBody string
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seenBody = string(b)
		seen, _ = signalwire.ParseCall(r)
		w.WriteHeader(http.StatusNoContent)
	}))

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
			seen, seenBody = signalwire.Call{}, ""
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.header != "" {
				r.Header.Set(tc.header, tc.sig)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, tc.want, rec.Code)
			if tc.want == 204 {
				assert.Equal(t, tc.body, seenBody)
				assert.Equal(t, "CA123", seen.ID)
				assert.Equal(t, "987654321", seen.Digits)
				assert.Equal(t, "2", seen.Params.Get("step"))
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
