package signalwire_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/signalwire"
)

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
