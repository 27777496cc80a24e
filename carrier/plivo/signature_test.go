package plivo_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/carrier/plivo"
)

const (
	token = "MAMDA5ZDJIMDM1NZVMZD"
	nonce = "05429567804466091622"
	base  = "https://voice.example.com/prefix"
)

// refSign is Plivo's V3 signature written out by hand, independently of
// the package: the caller spells out the string U that plivo-go's
// GenerateUrl builds, and this signs U + "." + nonce.
func refSign(key, u, nonce string) string {
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(u + "." + nonce))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

var answerParams = url.Values{
	"CallUUID": {"2fd6b1cc-9a3e-11ee-b9d1-0242ac120002"},
	"From":     {"+14155550100"},
	"To":       {"+14155550199"},
	"Digits":   {"1234#"},
}

func TestSignatureVectors(t *testing.T) {
	tests := []struct {
		name, method, url string
		params            url.Values
		u                 string // U as plivo-go's GenerateUrl builds it, written by hand
	}{
		{
			"POST with query", http.MethodPost, base + "/plivo/voice?step=2&attempt=1", answerParams,
			base + "/plivo/voice?attempt=1&step=2.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199",
		},
		{
			"POST without query", http.MethodPost, base + "/plivo/voice", answerParams,
			base + "/plivo/voice?CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199",
		},
		{
			"POST with query, no body", http.MethodPost, base + "/plivo/voice?attempt=1", nil,
			base + "/plivo/voice?attempt=1",
		},
		{
			"GET", http.MethodGet, base + "/plivo/voice?To=%2B14155550199&From=%2B14155550100&CallUUID=abc", nil,
			base + "/plivo/voice?CallUUID=abc&From=%2B14155550100&To=%2B14155550199",
		},
		{
			"GET without query", http.MethodGet, base + "/plivo/voice", nil,
			base + "/plivo/voice",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := refSign(token, tt.u, nonce)
			got, err := plivo.SignatureV3(token, tt.method, tt.url, nonce, tt.params)
			require.NoError(t, err)
			assert.Equal(t, want, got)
			assert.True(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce, tt.params, want))
			assert.False(t, plivo.ValidateSignatureV3("other", tt.method, tt.url, nonce, tt.params, want))
			assert.False(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce+"1", tt.params, want))
		})
	}
}

func TestSignatureRotation(t *testing.T) {
	u := base + "/plivo/voice?CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199"
	old, cur := refSign("old-token", u, nonce), refSign(token, u, nonce)
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+","+cur))
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+", "+cur))
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodPost, base+"/plivo/voice", nonce, answerParams, old+","+old))
	_, err := plivo.SignatureV3(token, http.MethodPost, base, nonce, url.Values{"a": {"1", "2"}})
	require.Error(t, err)
}

func TestMiddleware(t *testing.T) {
	v, err := plivo.NewVerifier(token, base, plivo.WithMaxBodyBytes(1024))
	require.NoError(t, err)
	var got plivo.Call
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, err = plivo.ParseCall(r)
		require.NoError(t, err)
		w.WriteHeader(http.StatusOK)
	}))
	// The server sees only the path: the public base comes from configuration.
	serve := func(req *http.Request) int {
		req.Host = "attacker.example"
		req.RequestURI = strings.TrimPrefix(req.URL.String(), base) // a proxy strips /prefix
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	postU := base + "/plivo/voice?attempt=1.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199"
	post := func(sig string, params url.Values, body string) *http.Request {
		if body == "" {
			body = params.Encode()
		}
		r := httptest.NewRequest(http.MethodPost, base+"/plivo/voice?attempt=1", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			r.Header.Set(plivo.SignatureHeader, sig)
			r.Header.Set(plivo.NonceHeader, nonce)
		}
		return r
	}
	good := refSign(token, postU, nonce)

	assert.Equal(t, http.StatusOK, serve(post(good, answerParams, "")))
	assert.Equal(t, "2fd6b1cc-9a3e-11ee-b9d1-0242ac120002", got.ID)
	assert.Equal(t, "1234#", got.Digits)
	assert.Equal(t, http.StatusOK, serve(post("bogus,"+good, answerParams, "")), "rotation: second signature matches")

	flipped := []byte(good)
	flipped[3] ^= 1
	changed := url.Values{}
	for k, vs := range answerParams {
		changed[k] = vs
	}
	changed.Set("Digits", "9999#")
	for name, req := range map[string]*http.Request{
		"flipped bit":       post(string(flipped), answerParams, ""),
		"changed parameter": post(good, changed, ""),
		"wrong key":         post(refSign("wrong", postU, nonce), answerParams, ""),
		"missing header":    post("", answerParams, ""),
		"repeated param":    post(good, nil, answerParams.Encode()+"&Digits=1"),
	} {
		assert.Equal(t, http.StatusForbidden, serve(req), name)
	}
	big := post(good, nil, "x="+strings.Repeat("a", 2000))
	assert.Equal(t, http.StatusRequestEntityTooLarge, serve(big))

	getURL := base + "/plivo/voice?CallUUID=abc&From=%2B1555"
	gr := httptest.NewRequest(http.MethodGet, getURL, nil)
	gr.Header.Set(plivo.SignatureHeader, refSign(token, getURL, nonce))
	gr.Header.Set(plivo.NonceHeader, nonce)
	assert.Equal(t, http.StatusOK, serve(gr))
	assert.Equal(t, "+1555", got.From)
}

func TestNewSignedRequest(t *testing.T) {
	const base = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		req, err := plivo.NewSignedRequest(m, base+"/plivo/voice?attempt=2", token, nonce, answerParams)
		require.NoError(t, err)
		require.NoError(t, v.Verify(httptest.NewRecorder(), req), m)
		c, err := plivo.ParseCall(req)
		require.NoError(t, err)
		assert.Equal(t, "+14155550100", c.From)
	}
	_, err = plivo.NewSignedRequest(http.MethodPut, base, token, nonce, nil)
	require.Error(t, err)
	_, err = plivo.NewSignedRequest(http.MethodGet, base, "", nonce, nil)
	require.Error(t, err)
}

func TestSecretsNeverPrinted(t *testing.T) {
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(f, v), token, f)
		assert.NotContains(t, fmt.Sprintf(f, *v), token, f)
	}
	_, err = plivo.NewVerifier(token, "ftp://x")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), token)
	req, err := plivo.NewSignedRequest(http.MethodPost, base, token, nonce, answerParams)
	require.NoError(t, err)
	body, _ := io.ReadAll(req.Body)
	assert.NotContains(t, string(body), token)
}

// TestQueryThatTheSignatureCannotPinDown: Plivo's signed string keeps the
// last of two values of a query name, and drops a pair without '=', while a
// handler reads the first: a signed GET with a name added in front must be
// refused, not read with the added value.
func TestQueryThatTheSignatureCannotPinDown(t *testing.T) {
	v, err := plivo.NewVerifier(token, base)
	require.NoError(t, err)
	var reached int
	h := v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	signed, err := plivo.NewSignedRequest(http.MethodGet, base+"/plivo/pin?attempt=1", token, nonce,
		url.Values{"Digits": {"9999"}, "From": {"+14155550100"}})
	require.NoError(t, err)
	serve := func(rawQuery string) int {
		req := httptest.NewRequest(http.MethodGet, base+"/plivo/pin?"+rawQuery, nil)
		req.RequestURI = "/plivo/pin?" + rawQuery // as the server sees it behind the public base
		req.Header = signed.Header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusOK, serve(signed.URL.RawQuery), "the signed request itself")
	for _, forged := range []string{
		"Digits=0000&" + signed.URL.RawQuery,                             // a second Digits, read first by a handler
		"From=%2B10000000001&" + signed.URL.RawQuery,                     // a second From
		"attempt=1&" + signed.URL.RawQuery,                               // the same value twice
		"Dig%69ts=0000&" + signed.URL.RawQuery,                           // the same name, escaped
		signed.URL.RawQuery + "&Digits",                                  // a pair without '='
		strings.Replace(signed.URL.RawQuery, "Digits=", "Digits=%zz", 1), // a value that does not decode
	} {
		assert.Equal(t, http.StatusForbidden, serve(forged), forged)
	}
	assert.Equal(t, 1, reached)
}
