package twiml

import (
	"net/http"
	"net/url"

	"github.com/hmssip/interconnect-go/internal/webhook"
)

// NewSignedRequest returns a request signed exactly as Twilio signs a
// webhook, for testing a handler that checks signatures, such as one wrapped
// by [Verifier.Middleware]:
//
//   - POST sends params as a form body, with Content-Type
//     application/x-www-form-urlencoded, and signs fullURL with params;
//   - GET appends params to the query of fullURL and signs the resulting
//     URL alone.
//
// fullURL is the absolute http or https URL Twilio would request: the
// public URL the handler's Verifier is configured with, followed by the
// path and any query. The request is made for that URL, so it can be passed
// to a handler's ServeHTTP with an [httptest.ResponseRecorder], or sent with
// an [http.Client] when fullURL is a test server's URL.
// What is signed is the URL the request is sent to: where net/url
// percent-encodes part of fullURL's path (non-ASCII bytes, spaces, braces)
// or adds the "/" of an empty path, the signature covers the encoded form
// the request carries, so a [Verifier] accepts it. Parameters are sent
// in the order [url.Values.Encode] gives, which does not change the
// signature.
//
// It returns an error for a method other than GET and POST, an empty
// authToken, or a fullURL that cannot be parsed, is not absolute http(s) or
// has a fragment. No error shows authToken.
func NewSignedRequest(method, fullURL, authToken string, params url.Values) (*http.Request, error) {
	s := webhook.SignedRequest{Pkg: "twiml", KeyName: "auth token", Header: SignatureHeader, Sign: Signature}
	return s.New(method, fullURL, authToken, params)
}
