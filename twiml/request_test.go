package twiml_test

import (
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

func TestNewSignedRequestVector(t *testing.T) {
	req, err := twiml.NewSignedRequest(http.MethodPost, vectorURL, vectorToken, vectorParams())
	require.NoError(t, err)
	assert.Equal(t, http.MethodPost, req.Method)
	assert.Equal(t, vectorURL, req.URL.String())
	assert.Equal(t, "example.com", req.Host)
	assert.Equal(t, vectorSig, req.Header.Get(twiml.SignatureHeader))
	assert.Equal(t, "application/x-www-form-urlencoded", req.Header.Get("Content-Type"))
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, vectorParams().Encode(), string(body))
	assert.Equal(t, int64(len(body)), req.ContentLength)
	require.NotNil(t, req.GetBody, "the body can be sent again on a redirect or retry")
}

func TestNewSignedRequestGET(t *testing.T) {
	params := url.Values{"CallSid": {"CA1"}, "From": {"+14155550100"}}
	for base, want := range map[string]string{
		"https://voice.example.com/status":       "https://voice.example.com/status?CallSid=CA1&From=%2B14155550100",
		"https://voice.example.com/status?a=1":   "https://voice.example.com/status?a=1&CallSid=CA1&From=%2B14155550100",
		"https://voice.example.com/status?":      "https://voice.example.com/status?CallSid=CA1&From=%2B14155550100",
		"https://voice.example.com:8443/s?x=y&z": "https://voice.example.com:8443/s?x=y&z&CallSid=CA1&From=%2B14155550100",
	} {
		req, err := twiml.NewSignedRequest(http.MethodGet, base, vectorToken, params)
		require.NoError(t, err, base)
		assert.Equal(t, want, req.URL.String(), base)
		// Twilio signs a GET's full URL alone.
		assert.Equal(t, twiml.Signature(vectorToken, want, nil), req.Header.Get(twiml.SignatureHeader), base)
		assert.Empty(t, req.Header.Get("Content-Type"), base)
		assert.Equal(t, http.NoBody, req.Body, base)
	}
	req, err := twiml.NewSignedRequest(http.MethodGet, "https://voice.example.com/s?a=1", vectorToken, nil)
	require.NoError(t, err)
	assert.Equal(t, "https://voice.example.com/s?a=1", req.URL.String())
	assert.Equal(t, twiml.Signature(vectorToken, "https://voice.example.com/s?a=1", nil), req.Header.Get(twiml.SignatureHeader))
}

// TestNewSignedRequestServed checks that a Verifier accepts the requests,
// served directly with a recorder and sent over HTTP to a test server.
func TestNewSignedRequestServed(t *testing.T) {
	var seen []url.Values
	handler := func(v *twiml.Verifier) http.Handler {
		return v.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen = append(seen, r.PostForm)
			_, _ = io.WriteString(w, r.URL.Query().Get("CallSid"))
		}))
	}
	form := url.Values{"CallSid": {"CA1"}, "Digits": {"1", "2"}}

	v, err := twiml.NewVerifier(vectorToken, "https://voice.example.com")
	require.NoError(t, err)
	h := handler(v)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		req, err := twiml.NewSignedRequest(method, "https://voice.example.com/voice?tenant=a", vectorToken, form)
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, method)

		req, err = twiml.NewSignedRequest(method, "https://voice.example.com/voice?tenant=a", "other-token", form)
		require.NoError(t, err)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusForbidden, rec.Code, method+" with another token")
	}
	require.Len(t, seen, 2)
	assert.Equal(t, []string{"1", "2"}, seen[0]["Digits"], "the POST form reaches the handler parsed")

	srv := httptest.NewUnstartedServer(nil)
	srv.Start()
	defer srv.Close()
	v, err = twiml.NewVerifier(vectorToken, srv.URL)
	require.NoError(t, err)
	srv.Config.Handler = handler(v)
	for _, method := range []string{http.MethodPost, http.MethodGet} {
		req, err := twiml.NewSignedRequest(method, srv.URL+"/voice", vectorToken, form)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, method)
		if method == http.MethodGet {
			assert.Equal(t, "CA1", string(body), "GET parameters travel in the query")
		}
	}
}

func TestNewSignedRequestErrors(t *testing.T) {
	const token = "super-secret-auth-token"
	for name, tc := range map[string]struct{ method, url, token string }{
		"PUT":             {http.MethodPut, "https://x.example/voice", token},
		"lower-case post": {"post", "https://x.example/voice", token},
		"empty method":    {"", "https://x.example/voice", token},
		"unparsable":      {http.MethodPost, "https://x.example/%zz", token},
		"control char":    {http.MethodPost, "https://x.example/\x7f", token},
		"relative":        {http.MethodPost, "/voice", token},
		"no host":         {http.MethodPost, "https:///voice", token},
		"other scheme":    {http.MethodPost, "ftp://x.example/voice", token},
		"fragment":        {http.MethodGet, "https://x.example/voice#f", token},
		"empty token":     {http.MethodPost, "https://x.example/voice", ""},
	} {
		req, err := twiml.NewSignedRequest(tc.method, tc.url, tc.token, url.Values{"CallSid": {"CA1"}})
		assert.Nil(t, req, name)
		if assert.Error(t, err, name) {
			assert.NotContains(t, err.Error(), token, name)
			assert.True(t, strings.HasPrefix(err.Error(), "twiml: "), "%s: %v", name, err)
		}
	}
}
