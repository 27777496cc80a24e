package twiml

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("twiml: signed request: method %q: want GET or POST", method)
	}
	if authToken == "" {
		return nil, errors.New("twiml: signed request: empty auth token")
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold credentials
		}
		return nil, fmt.Errorf("twiml: signed request: unparsable URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("twiml: signed request: want an absolute http or https URL")
	}
	if u.Fragment != "" || strings.Contains(fullURL, "#") {
		return nil, errors.New("twiml: signed request: URL with a fragment, which is never sent")
	}
	var req *http.Request
	if method == http.MethodGet {
		signed := fullURL
		if len(params) > 0 {
			switch {
			case strings.HasSuffix(fullURL, "?"):
			case strings.Contains(fullURL, "?"):
				signed += "&"
			default:
				signed += "?"
			}
			signed += params.Encode()
		}
		// http.NoBody, not nil: a handler served the request directly may
		// read its body, as it could a server request.
		if req, err = http.NewRequest(method, signed, http.NoBody); err != nil {
			return nil, errors.New("twiml: signed request: URL with parameters cannot be parsed")
		}
		req.Header.Set(SignatureHeader, Signature(authToken, webhook.SentURL(signed, req.URL), nil))
		return req, nil
	}
	if req, err = http.NewRequest(method, fullURL, strings.NewReader(params.Encode())); err != nil {
		return nil, errors.New("twiml: signed request: URL cannot be parsed")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(SignatureHeader, Signature(authToken, webhook.SentURL(fullURL, req.URL), params))
	return req, nil
}
