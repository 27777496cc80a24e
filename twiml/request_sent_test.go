package twiml_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/twiml"
)

// What NewSignedRequest signs is what it sends, for URLs net/url
// re-encodes too.
func TestNewSignedRequestReencodedURL(t *testing.T) {
	v, err := twiml.NewVerifier(vectorToken, "https://h")
	require.NoError(t, err)
	for _, u := range []string{"https://h/hooks/café", "https://h/a b/{x}?q=é", "https://h?x=1"} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			req, err := twiml.NewSignedRequest(m, u, vectorToken, url.Values{"CallSid": {"CA1"}})
			require.NoError(t, err)
			assert.NoError(t, v.Verify(httptest.NewRecorder(), req), m+" "+u)
		}
	}
}
