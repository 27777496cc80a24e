package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SignedRequest builds, for a handler's tests, the requests a carrier that
// signs with Twilio's scheme sends (package twiml's and package
// carrier/signalwire's NewSignedRequest).
type SignedRequest struct {
	Pkg     string // the package, which starts each error
	KeyName string // what the key is called, such as "auth token"
	Header  string // the header that carries the signature
	// Sign returns the signature of a URL, as sent, and of the form
	// parameters of a POST (nil for a GET).
	Sign func(key, fullURL string, params url.Values) string
}

// New returns a request signed with key: POST sends params as a form body
// and signs fullURL with them; GET appends params to the query and signs
// the resulting URL alone. What is signed is the URL the request is sent
// to, as net/url encodes it. It fails for another method, an empty key, or
// a fullURL that cannot be parsed, is not absolute http(s) or has a
// fragment; no error shows the key, nor the URL, which may hold
// credentials.
func (s SignedRequest) New(method, fullURL, key string, params url.Values) (*http.Request, error) {
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("%s: signed request: method %q: want GET or POST", s.Pkg, method)
	}
	if key == "" {
		return nil, fmt.Errorf("%s: signed request: empty %s", s.Pkg, s.KeyName)
	}
	u, err := url.Parse(fullURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return nil, fmt.Errorf("%s: signed request: unparsable URL: %w", s.Pkg, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New(s.Pkg + ": signed request: want an absolute http or https URL")
	}
	if u.Fragment != "" || strings.Contains(fullURL, "#") {
		return nil, errors.New(s.Pkg + ": signed request: URL with a fragment, which is never sent")
	}
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
		req, err := http.NewRequest(method, signed, http.NoBody)
		if err != nil {
			return nil, errors.New(s.Pkg + ": signed request: URL with parameters cannot be parsed")
		}
		req.Header.Set(s.Header, s.Sign(key, SentURL(signed, req.URL), nil))
		return req, nil
	}
	req, err := http.NewRequest(method, fullURL, strings.NewReader(params.Encode()))
	if err != nil {
		return nil, errors.New(s.Pkg + ": signed request: URL cannot be parsed")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(s.Header, s.Sign(key, SentURL(fullURL, req.URL), params))
	return req, nil
}
