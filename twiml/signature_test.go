package twiml_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/twiml"
)

// The test vector of REFERENCE.md §6.
const (
	vectorToken = "12345"
	vectorURL   = "https://example.com/myapp.php?foo=1&bar=2"
	vectorSig   = "L/OH5YylLD5NRKLltdqwSvS0BnU="
)

func vectorParams() url.Values {
	return url.Values{
		"CallSid": {"CA1234567890ABCDE"},
		"Caller":  {"+14158675310"},
		"Digits":  {"1234"},
		"From":    {"+14158675310"},
		"To":      {"+18005551212"},
	}
}

func TestSignatureVector(t *testing.T) {
	assert.Equal(t, vectorSig, twiml.Signature(vectorToken, vectorURL, vectorParams()))
	assert.True(t, twiml.ValidateSignature(vectorToken, vectorURL, vectorParams(), vectorSig))
}

func TestSignatureRejectsChanges(t *testing.T) {
	changedParam := vectorParams()
	changedParam.Set("Digits", "1235")
	extraParam := vectorParams()
	extraParam.Set("Extra", "")
	tests := []struct {
		name   string
		token  string
		url    string
		params url.Values
		sig    string
	}{
		{"changed parameter", vectorToken, vectorURL, changedParam, vectorSig},
		{"extra parameter", vectorToken, vectorURL, extraParam, vectorSig},
		{"missing parameters", vectorToken, vectorURL, nil, vectorSig},
		{"changed URL", vectorToken, "https://example.com/myapp.php?foo=1&bar=3", vectorParams(), vectorSig},
		{"changed scheme", vectorToken, "http://example.com/myapp.php?foo=1&bar=2", vectorParams(), vectorSig},
		{"changed token", "12346", vectorURL, vectorParams(), vectorSig},
		{"empty signature", vectorToken, vectorURL, vectorParams(), ""},
		{"not base64", vectorToken, vectorURL, vectorParams(), "!!!"},
		{"truncated", vectorToken, vectorURL, vectorParams(), vectorSig[:20]},
	}
	for _, tt := range tests {
		assert.False(t, twiml.ValidateSignature(tt.token, tt.url, tt.params, tt.sig), tt.name)
	}
}

// nonCanonical returns forms of the valid signature sig that lenient base64
// decoding would still turn into the same 20 bytes, or that do not hold
// exactly 20 bytes.
func nonCanonical(t *testing.T, sig string) map[string]string {
	t.Helper()
	raw, err := base64.StdEncoding.Strict().DecodeString(sig)
	require.NoError(t, err)
	require.Len(t, raw, 20)
	require.Len(t, sig, 28)
	// The last character before '=' carries four data bits and two
	// padding bits; flipping the lowest changes only a padding bit.
	last := strings.IndexByte(base64Alphabet, sig[26])
	flipped := sig[:26] + string(base64Alphabet[last^1]) + "="
	return map[string]string{
		"non-zero padding bits": flipped,
		"LF inside":             sig[:10] + "\n" + sig[10:],
		"CR inside":             sig[:10] + "\r" + sig[10:],
		"CRLF at the end":       sig + "\r\n",
		"LF at the start":       "\n" + sig,
		"no padding":            strings.TrimSuffix(sig, "="),
		"extra padding":         sig + "=",
		"21 bytes":              base64.StdEncoding.EncodeToString(append(raw, 0)),
		"19 bytes":              base64.StdEncoding.EncodeToString(raw[:19]),
	}
}

const base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// TestSignatureStrictDecoding checks that a signature is accepted in its one
// canonical encoding only: 28 base64 characters for the 20 bytes of an
// HMAC-SHA1, with zero padding bits and no line breaks, which lenient
// decoding would skip.
func TestSignatureStrictDecoding(t *testing.T) {
	// The vector ends in "U=": 'U' is 20 and 'V' is 21, which differ only
	// in a padding bit.
	bad := nonCanonical(t, vectorSig)
	require.Equal(t, strings.TrimSuffix(vectorSig, "U=")+"V=", bad["non-zero padding bits"])
	for name, sig := range bad {
		assert.False(t, twiml.ValidateSignature(vectorToken, vectorURL, vectorParams(), sig), name)
	}
	assert.True(t, twiml.ValidateSignature(vectorToken, vectorURL, vectorParams(), vectorSig))

	body := []byte(`{}`)
	u := jsonURL("https://example.com/hook", body)
	good := twiml.Signature(vectorToken, u, nil)
	for name, sig := range nonCanonical(t, good) {
		assert.False(t, twiml.ValidateJSONSignature(vectorToken, u, body, sig), "JSON: "+name)
	}
	assert.True(t, twiml.ValidateJSONSignature(vectorToken, u, body, good))

	// The Verifier decodes the same way.
	v, err := twiml.NewVerifier(vectorToken, "https://example.com")
	require.NoError(t, err)
	verify := func(sig string) error {
		req := httptest.NewRequest(http.MethodPost, "/myapp.php?foo=1&bar=2", strings.NewReader(vectorParams().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twiml.SignatureHeader, sig)
		return v.Verify(httptest.NewRecorder(), req)
	}
	require.NoError(t, verify(vectorSig))
	for name, sig := range bad {
		assert.ErrorIs(t, verify(sig), twiml.ErrInvalidSignature, name)
	}
}

func TestSignaturePortForms(t *testing.T) {
	withPort := "https://example.com:443/myapp.php?foo=1&bar=2"
	// Twilio may have signed either form; a validator given either accepts both.
	assert.True(t, twiml.ValidateSignature(vectorToken, withPort, vectorParams(), vectorSig))
	sigWithPort := twiml.Signature(vectorToken, withPort, vectorParams())
	assert.NotEqual(t, vectorSig, sigWithPort)
	assert.True(t, twiml.ValidateSignature(vectorToken, vectorURL, vectorParams(), sigWithPort))

	plain := "http://example.com/voice"
	sig := twiml.Signature(vectorToken, "http://example.com:80/voice", nil)
	assert.True(t, twiml.ValidateSignature(vectorToken, plain, nil, sig))
	// The default port of the other scheme is not a default port.
	assert.False(t, twiml.ValidateSignature(vectorToken, plain, nil, twiml.Signature(vectorToken, "http://example.com:443/voice", nil)))
}

// A webhook to a non-default port may be signed over the URL without it:
// twilio-go's RequestValidator tries the URL with any port removed. No other
// port is tried, and a port is never added but the default one.
func TestSignatureNonDefaultPort(t *testing.T) {
	otherPort := "https://example.com:8443/myapp.php?foo=1&bar=2"
	assert.True(t, twiml.ValidateSignature(vectorToken, otherPort, vectorParams(), vectorSig), "signed without the port")
	assert.True(t, twiml.ValidateSignature(vectorToken, otherPort, vectorParams(), twiml.Signature(vectorToken, otherPort, vectorParams())))
	for name, signed := range map[string]string{
		"another port":         "https://example.com:8444/myapp.php?foo=1&bar=2",
		"the default port":     "https://example.com:443/myapp.php?foo=1&bar=2",
		"changed query":        "https://example.com/myapp.php?foo=1&bar=3",
		"changed host":         "https://example.org/myapp.php?foo=1&bar=2",
		"other scheme no port": "http://example.com/myapp.php?foo=1&bar=2",
	} {
		assert.False(t, twiml.ValidateSignature(vectorToken, otherPort, vectorParams(), twiml.Signature(vectorToken, signed, vectorParams())), name)
	}
	// A request without a port is not checked against a non-default one.
	assert.False(t, twiml.ValidateSignature(vectorToken, vectorURL, vectorParams(), twiml.Signature(vectorToken, otherPort, vectorParams())))

	// The Verifier, configured with the port, accepts both forms.
	v, err := twiml.NewVerifier(vectorToken, "https://example.com:8443")
	require.NoError(t, err)
	for _, sig := range []string{vectorSig, twiml.Signature(vectorToken, otherPort, vectorParams())} {
		req := httptest.NewRequest(http.MethodPost, "/myapp.php?foo=1&bar=2", strings.NewReader(vectorParams().Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(twiml.SignatureHeader, sig)
		assert.NoError(t, v.Verify(httptest.NewRecorder(), req))
	}
}

func TestSignatureRepeatedKeys(t *testing.T) {
	p := url.Values{"B": {"2"}, "A": {"z", "y"}}
	// Sorted by name, then each value of a repeated name sorted: A y A z B 2.
	want := twiml.Signature(vectorToken, "https://x/", nil)
	assert.NotEqual(t, want, twiml.Signature(vectorToken, "https://x/", p))
	assert.Equal(t, twiml.Signature(vectorToken, "https://x/AyAzB2", nil), twiml.Signature(vectorToken, "https://x/", p))
	assert.Equal(t, []string{"z", "y"}, p["A"], "the caller's values are not reordered")
}

func jsonURL(base string, body []byte) string {
	sum := sha256.Sum256(body)
	return base + "?bodySHA256=" + hex.EncodeToString(sum[:])
}

func TestJSONSignature(t *testing.T) {
	body := []byte(`{"CallSid":"CA1"}`)
	u := jsonURL("https://example.com/hook", body)
	sig := twiml.Signature(vectorToken, u, nil)
	assert.True(t, twiml.ValidateJSONSignature(vectorToken, u, body, sig))
	assert.False(t, twiml.ValidateJSONSignature(vectorToken, u, []byte(`{"CallSid":"CA2"}`), sig), "wrong hash")
	assert.False(t, twiml.ValidateJSONSignature("other", u, body, sig), "wrong token")
	noHash := "https://example.com/hook"
	assert.False(t, twiml.ValidateJSONSignature(vectorToken, noHash, body, twiml.Signature(vectorToken, noHash, nil)), "no bodySHA256")
}

// newSignedServer mounts the middleware under a path prefix, as a real
// application would, and records what the wrapped handler saw.
func newSignedServer(t *testing.T, opts ...twiml.VerifierOption) (*httptest.Server, *twiml.Verifier, *[]url.Values) {
	t.Helper()
	var seen []url.Values
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	v, err := twiml.NewVerifier(vectorToken, "https://voice.example.com", opts...)
	require.NoError(t, err)
	mux.Handle("/app/", v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.PostForm)
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	})))
	return srv, v, &seen
}

func TestMiddleware(t *testing.T) {
	srv, _, seen := newSignedServer(t)
	form := url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}
	public := "https://voice.example.com/app/voice?tenant=a"
	goodSig := twiml.Signature(vectorToken, public, form)

	post := func(path, sig, body, ctype string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", ctype)
		if sig != "" {
			req.Header.Set(twiml.SignatureHeader, sig)
		}
		req.Host = "attacker.example" // ignored: the public URL comes from configuration
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	const formType = "application/x-www-form-urlencoded"

	resp := post("/app/voice?tenant=a", goodSig, form.Encode(), formType)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, *seen, 1)
	assert.Equal(t, "CA1", (*seen)[0].Get("CallSid"), "the form reaches the handler parsed")

	assert.Equal(t, http.StatusForbidden, post("/app/voice?tenant=a", "", form.Encode(), formType).StatusCode, "missing")
	assert.Equal(t, http.StatusForbidden, post("/app/voice?tenant=b", goodSig, form.Encode(), formType).StatusCode, "other query")
	tampered := url.Values{"CallSid": {"CA1"}, "From": {"+14155550199"}}
	assert.Equal(t, http.StatusForbidden, post("/app/voice?tenant=a", goodSig, tampered.Encode(), formType).StatusCode, "tampered form")
	assert.Equal(t, http.StatusForbidden, post("/app/voice?tenant=a", "bm9wZQ==", form.Encode(), formType).StatusCode, "wrong")

	big := "CallSid=" + strings.Repeat("a", twiml.DefaultMaxBodyBytes)
	assert.Equal(t, http.StatusRequestEntityTooLarge, post("/app/voice?tenant=a", goodSig, big, formType).StatusCode)
	assert.Len(t, *seen, 1, "no rejected request reached the handler")

	// JSON body: the URL carries bodySHA256, Twilio signs the URL alone.
	body := `{"CallSid":"CA9"}`
	path := strings.TrimPrefix(jsonURL("https://voice.example.com/app/json", []byte(body)), "https://voice.example.com")
	jsonSig := twiml.Signature(vectorToken, "https://voice.example.com"+path, nil)
	resp = post(path, jsonSig, body, "application/json")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	echoed, _ := io.ReadAll(resp.Body)
	assert.Equal(t, body, string(echoed), "the body is put back for the handler")
	assert.Equal(t, http.StatusForbidden, post(path, jsonSig, `{"CallSid":"CA8"}`, "application/json").StatusCode, "wrong hash")

	// GET: the URL alone is signed, here in the form with the default port.
	req, err := twiml.NewSignedRequest(http.MethodGet, "https://voice.example.com:443/app/status", vectorToken, url.Values{"CallSid": {"CA1"}})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	srv.Config.Handler.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code, "GET with the port form")
}

func TestVerifierConfiguration(t *testing.T) {
	for _, base := range []string{"", "voice.example.com", "ftp://x", "https://", "https://x/?a=1"} {
		_, err := twiml.NewVerifier("tok", base)
		assert.Error(t, err, base)
	}
	_, err := twiml.NewVerifier("", "https://x")
	assert.Error(t, err)

	// The error says what is wrong with the URL without showing its
	// password.
	_, err = twiml.NewVerifier("tok", "https://hook:s3cr3t-pass@voice.example.com/voice?x=1")
	require.Error(t, err)
	assert.EqualError(t, err, "twiml: public base URL has a query: want http(s)://host[/prefix]")

	v, err := twiml.NewVerifier("super-secret-token", "https://x/")
	require.NoError(t, err)
	for _, s := range []string{fmt.Sprintf("%v", v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v)} {
		assert.NotContains(t, s, "super-secret-token")
	}
	for _, verb := range []string{"%s", "%x", "%d"} {
		// Wrong verbs print the value through reflection; still no token.
		assert.NotContains(t, fmt.Sprintf(verb, any(v)), "super-secret-token")
	}
	r := httptest.NewRequest(http.MethodPost, "/voice?x=1", nil)
	assert.Equal(t, "https://x/voice?x=1", v.URL(r))
}

func TestMaxBodyBytesOption(t *testing.T) {
	srv, _, _ := newSignedServer(t, twiml.WithMaxBodyBytes(10))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/app/v", strings.NewReader("CallSid=CA123456789"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(twiml.SignatureHeader, "x")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

func FuzzValidateSignature(f *testing.F) {
	f.Add(vectorToken, vectorURL, "CallSid", "CA1", vectorSig, []byte("{}"))
	f.Add("", "", "", "", "", []byte(nil))
	f.Add("t", "https://[::1]:443/x?bodySHA256=zz", "a", "b", "====", []byte("x"))
	f.Add("t", "%zz://", "a", "b", "AAAA", []byte("x"))
	f.Fuzz(func(t *testing.T, token, u, k, v, sig string, body []byte) {
		params := url.Values{k: {v}}
		_ = twiml.ValidateSignature(token, u, params, sig)
		_ = twiml.ValidateJSONSignature(token, u, body, sig)
		good := twiml.Signature(token, u, params)
		if !twiml.ValidateSignature(token, u, params, good) {
			t.Fatalf("own signature rejected for %q", u)
		}
	})
}

func TestMiddlewareFormContentTypes(t *testing.T) {
	srv, _, seen := newSignedServer(t)
	form := url.Values{"CallSid": {"CA7"}}
	public := "https://voice.example.com/app/voice"
	for _, ct := range []string{"application/x-www-form-urlencoded; charset=utf-8", "Application/X-WWW-Form-Urlencoded"} {
		// Signed for the public URL, served by the server's handler as a
		// proxy would pass it on.
		req, err := twiml.NewSignedRequest(http.MethodPost, public, vectorToken, form)
		require.NoError(t, err)
		req.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		srv.Config.Handler.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, ct)
	}
	require.Len(t, *seen, 2)
	assert.Equal(t, "CA7", (*seen)[1].Get("CallSid"))

	// A body that is not a form is not signed as parameters, and no
	// signature of the URL alone covers it: it is refused either way. Empty,
	// it is accepted with the URL's signature.
	for _, tc := range []struct {
		body   string
		params url.Values
		want   int
	}{
		{"CallSid=CA7", nil, http.StatusForbidden},
		{"CallSid=CA7", form, http.StatusForbidden},
		{"", nil, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/app/voice", strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set(twiml.SignatureHeader, twiml.Signature(vectorToken, public, tc.params))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.want, resp.StatusCode, "%q signed with %v", tc.body, tc.params)
	}
}

// A request that is not a form POST and whose URL has no bodySHA256 is
// signed over its URL alone, so a body it carries is covered by nothing:
// Verify refuses it as an invalid signature (twilio-go's ValidateBody, which
// parses any body as a form, refuses it too), and the Middleware answers
// 403 without calling the handler. An empty body passes.
func TestVerifyRefusesUncoveredBody(t *testing.T) {
	const public = "https://voice.example.com"
	v, err := twiml.NewVerifier(vectorToken, public)
	require.NoError(t, err)
	sig := twiml.Signature(vectorToken, public+"/voice?x=1", nil)
	body := `{"CallSid":"CAforged","From":"+15550001111"}`
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		for _, ct := range []string{"application/json", "text/plain", ""} {
			r := httptest.NewRequest(method, "/voice?x=1", strings.NewReader(body))
			if ct != "" {
				r.Header.Set("Content-Type", ct)
			}
			r.Header.Set(twiml.SignatureHeader, sig)
			err := v.Verify(httptest.NewRecorder(), r)
			require.ErrorIs(t, err, twiml.ErrInvalidSignature, "%s %q", method, ct)
			assert.EqualError(t, err, "twiml: invalid X-Twilio-Signature: request body is neither a form nor covered by bodySHA256")

			called := false
			h := v.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
			r = httptest.NewRequest(method, "/voice?x=1", strings.NewReader(body))
			r.Header.Set("Content-Type", ct)
			r.Header.Set(twiml.SignatureHeader, sig)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			assert.Equal(t, http.StatusForbidden, rec.Code)
			assert.False(t, called)
		}
		// Empty, in a server's request or in one built in process.
		for _, r := range []*http.Request{
			httptest.NewRequest(method, "/voice?x=1", nil),
			func() *http.Request {
				r, _ := http.NewRequest(method, public+"/voice?x=1", nil)
				return r
			}(),
		} {
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set(twiml.SignatureHeader, sig)
			assert.NoError(t, v.Verify(httptest.NewRecorder(), r), method)
		}
	}
	// Over the limit, the body is refused as too large.
	small, err := twiml.NewVerifier(vectorToken, public, twiml.WithMaxBodyBytes(8))
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/voice?x=1", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(twiml.SignatureHeader, sig)
	assert.ErrorIs(t, small.Verify(httptest.NewRecorder(), r), twiml.ErrBodyTooLarge)
}
