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
			base + "/plivo/voice?CallUUID=abc&From=+14155550100&To=+14155550199",
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
	gr.Header.Set(plivo.SignatureHeader, refSign(token, base+"/plivo/voice?CallUUID=abc&From=+1555", nonce))
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

// TestQueryThatTheSignatureCannotPinDown: plivo-go's signed string keeps
// one value of a query name, and drops a pair holding ';' or an invalid
// escape, while a handler may read every pair: a signed GET with a name
// added (in front, behind, escaped, bare) must be refused, not read with
// the added value.
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
		signed.URL.RawQuery + "&Digits",                                  // a bare name repeated
		signed.URL.RawQuery + "&Digits=0000",                             // a second Digits, behind
		signed.URL.RawQuery + "&x=1;y=2",                                 // a pair net/url drops
		strings.Replace(signed.URL.RawQuery, "Digits=", "Digits=%zz", 1), // a value that does not decode
	} {
		assert.Equal(t, http.StatusForbidden, serve(forged), forged)
	}
	assert.Equal(t, 1, reached)
}

// TestDecodedQuery: plivo-go (since 2020), plivo-python and plivo-node sign
// the decoded query, so %-escapes and '+' are signed as the characters they
// stand for and a bare name as "name=".
func TestDecodedQuery(t *testing.T) {
	const host = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, host)
	require.NoError(t, err)
	verify := func(method, target, body, sig string) error {
		var r *http.Request
		if method == http.MethodGet {
			r = httptest.NewRequest(method, target, nil)
		} else {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		r.Header.Set(plivo.SignatureHeader, sig)
		r.Header.Set(plivo.NonceHeader, nonce)
		return v.Verify(httptest.NewRecorder(), r)
	}

	// plivo-go v7.60.2's ComputeSignatureV3("tok", <URL>, "GET", "n", nil).
	const goSig = "F3DbZPXwY212iNSDtV5uxApVdi+CQB4Eap+t3Gc5sa8="
	escaped := host + "/hooks/voice?CallUUID=abc&From=%2B14155550100"
	got, err := plivo.SignatureV3("tok", http.MethodGet, escaped, "n", nil)
	require.NoError(t, err)
	assert.Equal(t, goSig, got)
	assert.Equal(t, refSign("tok", host+"/hooks/voice?CallUUID=abc&From=+14155550100", "n"), goSig)

	sig := refSign(token, host+"/hooks/voice?CallUUID=abc&From=+14155550100", nonce)
	require.NoError(t, verify(http.MethodGet, escaped, "", sig), "a %-escape in a GET query")
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?CallUUID=abc&From=%2b14155550100", "", sig), "lower-case hex")
	// '+' is a space: the same signature on From=+1... is someone else's number.
	assert.ErrorIs(t, verify(http.MethodGet, host+"/hooks/voice?CallUUID=abc&From=+14155550100", "", sig), plivo.ErrInvalidSignature)

	postSig := refSign(token, host+"/hooks/voice?next=a b/é.CallUUIDabcFrom+14155550100", nonce)
	require.NoError(t, verify(http.MethodPost, host+"/hooks/voice?next=a+b%2F%C3%A9", "From=%2B14155550100&CallUUID=abc", postSig), "a POST with an escaped query")
	assert.ErrorIs(t, verify(http.MethodPost, host+"/hooks/voice?next=a%2Bb%2F%C3%A9", "From=%2B14155550100&CallUUID=abc", postSig), plivo.ErrInvalidSignature)

	bare := refSign(token, host+"/hooks/voice?CallUUID=abc&debug=", nonce)
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?debug&CallUUID=abc", "", bare), "a bare name is signed as name=")
	require.NoError(t, verify(http.MethodGet, host+"/hooks/voice?debug=&CallUUID=abc", "", bare))
	assert.ErrorIs(t, verify(http.MethodGet, host+"/hooks/voice?debug=1&CallUUID=abc", "", bare), plivo.ErrInvalidSignature)

	// The decoded path, as plivo-go's parsedUrl.Path.
	pathSig := refSign(token, host+"/hooks/a b?x=1", nonce)
	require.NoError(t, verify(http.MethodGet, host+"/hooks/a%20b?x=1", "", pathSig))
}

// TestNewSignedRequestOnAnEmptyQuery: a URL ending in '?' gets the
// parameters right after it, and the Verifier accepts the request.
func TestNewSignedRequestOnAnEmptyQuery(t *testing.T) {
	const host = "https://voice.example.com"
	v, err := plivo.NewVerifier(token, host)
	require.NoError(t, err)
	req, err := plivo.NewSignedRequest(http.MethodGet, host+"/plivo/voice?", token, nonce, url.Values{"From": {"+14155550100"}})
	require.NoError(t, err)
	assert.Equal(t, "From=%2B14155550100", req.URL.RawQuery)
	require.NoError(t, v.Verify(httptest.NewRecorder(), req))
	assert.Equal(t, refSign(token, host+"/plivo/voice?From=+14155550100", nonce), req.Header.Get(plivo.SignatureHeader))
}

// TestTrimmedValues: plivo-go trims every trailing '.' of a POST's signed
// string and every trailing '&' of the sorted query, so a last value ending
// in one of them is not covered in full (and plivo-node keeps it): SignatureV3
// computes what plivo-go sends, the Verifier refuses it.
func TestTrimmedValues(t *testing.T) {
	const host = "https://voice.example.com"
	for _, tt := range []struct {
		method, url string
		params      url.Values
		u           string
	}{
		{http.MethodPost, host + "/v?a=1", url.Values{"Digits": {"12.."}}, host + "/v?a=1.Digits12"},
		{http.MethodPost, host + "/v?a=1.", nil, host + "/v?a=1"},
		{http.MethodPost, host + "/v?a=1", url.Values{"b.": {""}}, host + "/v?a=1.b"},
		{http.MethodGet, host + "/v?a=1&b=x%26", nil, host + "/v?a=1&b=x"},
		{http.MethodPost, host + "/v?a=1&b=x%26", url.Values{"c": {"2"}}, host + "/v?a=1&b=x.c2"},
		{http.MethodGet, host + "/v", url.Values{"b": {"x&&"}}, host + "/v?b=x"},
	} {
		want := refSign(token, tt.u, nonce)
		got, err := plivo.SignatureV3(token, tt.method, tt.url, nonce, tt.params)
		require.NoError(t, err)
		assert.Equal(t, want, got, tt.url)
		assert.False(t, plivo.ValidateSignatureV3(token, tt.method, tt.url, nonce, tt.params, want), tt.url)
	}
	// A trailing '.' of the query is no loss when a body follows it.
	u := host + "/v?a=1..Digits12"
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodPost, host+"/v?a=1.", nonce, url.Values{"Digits": {"12"}}, refSign(token, u, nonce)))
}

// TestEmptyQueryPairs: empty pairs between others are skipped, as plivo-go
// and plivo-node both do; a query of empty pairs only is signed by plivo-go
// as a lone "?" and by plivo-node not at all, and is refused.
func TestEmptyQueryPairs(t *testing.T) {
	const host = "https://voice.example.com"
	assert.True(t, plivo.ValidateSignatureV3(token, http.MethodGet, host+"/v?a=1&&b=2&", nonce, nil, refSign(token, host+"/v?a=1&b=2", nonce)))
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodGet, host+"/v?&&", nonce, nil, refSign(token, host+"/v?", nonce)))
	_, err := plivo.SignatureV3(token, http.MethodGet, host+"/v?&&", nonce, nil)
	require.Error(t, err)
	assert.False(t, plivo.ValidateSignatureV3(token, http.MethodPost, host+"/v?&", nonce, answerParams,
		refSign(token, host+"/v?.CallUUID2fd6b1cc-9a3e-11ee-b9d1-0242ac120002Digits1234#From+14155550100To+14155550199", nonce)))
}
