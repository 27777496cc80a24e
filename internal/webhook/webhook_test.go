package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/internal/webhook"
)

func TestParseFormAndErrorStatus(t *testing.T) {
	post := func(body, ctype string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "/v", strings.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		return r
	}
	r := post("CallSid=CA1&From=%2B1", "application/x-www-form-urlencoded")
	require.NoError(t, webhook.ParseForm(httptest.NewRecorder(), r, 100, "twiml", webhook.ErrBodyTooLarge))
	assert.Equal(t, "+1", r.PostForm.Get("From"))
	assert.Nil(t, r.Form, "r.Form is left for r.ParseForm to build")
	require.NoError(t, r.ParseForm())
	assert.Equal(t, "CA1", r.Form.Get("CallSid"))

	r = post("CallSid=CA1", "text/plain")
	require.NoError(t, webhook.ParseForm(httptest.NewRecorder(), r, 100, "twiml", webhook.ErrBodyTooLarge))
	assert.Nil(t, r.PostForm, "not a form: untouched")

	err := webhook.ParseForm(httptest.NewRecorder(), post("CallSid="+strings.Repeat("a", 200), "application/x-www-form-urlencoded"), 100, "twiml", webhook.ErrBodyTooLarge)
	assert.ErrorIs(t, err, webhook.ErrBodyTooLarge)
	assert.EqualError(t, err, "twiml: request body too large: over 100 bytes")
	bad := webhook.ParseForm(httptest.NewRecorder(), post("a=%zz", "application/x-www-form-urlencoded"), 100, "twiml", webhook.ErrBodyTooLarge)
	assert.Error(t, bad)

	assert.Equal(t, 200, webhook.ErrorStatus(nil))
	assert.Equal(t, 413, webhook.ErrorStatus(err))
	assert.Equal(t, 400, webhook.ErrorStatus(bad))
	for _, e := range []error{webhook.ErrMissingSignature, webhook.ErrInvalidSignature, webhook.ErrBodyHash} {
		assert.Equal(t, 403, webhook.ErrorStatus(e))
	}
}

func TestParseFormContentTypes(t *testing.T) {
	for ct, parsed := range map[string]bool{
		"application/x-www-form-urlencoded":                true,
		"application/x-www-form-urlencoded; charset=utf-8": true,
		"Application/X-WWW-Form-Urlencoded":                true,
		" application/x-www-form-urlencoded ":              true,
		"application/x-www-form-urlencodedx":               false,
		"application/json":                                 false,
		"":                                                 false,
	} {
		r := httptest.NewRequest(http.MethodPost, "/v", strings.NewReader("CallSid=CA1"))
		r.Header.Set("Content-Type", ct)
		require.NoError(t, webhook.ParseForm(httptest.NewRecorder(), r, 100, "twiml", webhook.ErrBodyTooLarge), ct)
		assert.Equal(t, parsed, r.PostForm != nil, "%q", ct)
	}
	get := httptest.NewRequest(http.MethodGet, "/v?CallSid=CA1", nil)
	require.NoError(t, webhook.ParseForm(httptest.NewRecorder(), get, 100, "twiml", webhook.ErrBodyTooLarge))
	assert.Nil(t, get.PostForm, "a GET is left as it is")
}

// PublicBase says what is wrong with a public base URL without showing
// it: a URL may hold a user name and password.
func TestPublicBaseErrorHidesURL(t *testing.T) {
	const pass = "s3cr3t-pass"
	for base, reason := range map[string]string{
		"https://hook:" + pass + "@voice.example.com/voice?x=1":   "has a query",
		"https://hook:" + pass + "@voice.example.com/answer#frag": "has a fragment",
		"ftp://hook:" + pass + "@voice.example.com":               "scheme is not http or https",
		"https://hook:" + pass + "@voice.example.com:8x/":         "does not parse",
		"https://hook:" + pass + "@/voice":                        "no host",
		"/hook:" + pass:                                           "scheme is not http or https",
	} {
		_, err := webhook.PublicBase("pkg", base)
		require.Error(t, err, base)
		assert.Equal(t, "pkg: public base URL "+reason+": want http(s)://host[/prefix]", err.Error(), base)
		assert.NotContains(t, err.Error(), pass)
	}
	got, err := webhook.PublicBase("pkg", "https://hook:"+pass+"@voice.example.com/app/")
	require.NoError(t, err)
	assert.Equal(t, "https://hook:"+pass+"@voice.example.com/app", got)
}
