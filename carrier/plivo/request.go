package plivo

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Call is what Plivo tells the answer URL (and a GetInput action) about a
// call (plivo.com/docs/voice/xml/request, "Parameters Plivo sends").
type Call struct {
	ID            string // CallUUID
	From          string // the caller's number, with country code
	To            string // the called number
	Direction     string // inbound or outbound
	Status        string // CallStatus: ringing, in-progress, completed, ...
	CallerName    string
	ForwardedFrom string
	Digits        string     // GetInput's digits, without finishOnKey
	Params        url.Values // every parameter as received
}

// ErrNoCallUUID means a webhook request without a CallUUID parameter.
var ErrNoCallUUID = errors.New("plivo: webhook request has no CallUUID")

// ParseCall reads the call's parameters from r: the query of a GET, or the
// form body of a POST (already read by [Verifier.Verify], which should run
// first; otherwise it is parsed here without a size bound beyond net/http's
// own). It returns [ErrNoCallUUID] when CallUUID is missing.
func ParseCall(r *http.Request) (Call, error) {
	var p url.Values
	if r.Method == http.MethodGet {
		p = r.URL.Query()
	} else {
		if r.PostForm == nil {
			if err := r.ParseForm(); err != nil {
				return Call{}, fmt.Errorf("plivo: parsing webhook form: %w", err)
			}
		}
		p = r.PostForm
	}
	c := Call{
		ID: p.Get("CallUUID"), From: p.Get("From"), To: p.Get("To"),
		Direction: p.Get("Direction"), Status: p.Get("CallStatus"),
		CallerName: p.Get("CallerName"), ForwardedFrom: p.Get("ForwardedFrom"),
		Digits: p.Get("Digits"), Params: p,
	}
	if c.ID == "" {
		return c, ErrNoCallUUID
	}
	return c, nil
}

// NewSignedRequest returns a request signed as Plivo signs a webhook with
// signature V3, for testing a handler behind [Verifier.Middleware]: GET
// appends params to fullURL's query, POST sends them as a form body. nonce
// is the X-Plivo-Signature-V3-Nonce value (any string; Plivo sends a random
// one). fullURL is the absolute http(s) URL Plivo would request: the
// Verifier's public base URL, the path and any query. No error shows
// authToken.
func NewSignedRequest(method, fullURL, authToken, nonce string, params url.Values) (*http.Request, error) {
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("plivo: signed request: method %q: want GET or POST", method)
	}
	if authToken == "" || nonce == "" {
		return nil, errors.New("plivo: signed request: empty auth token or nonce")
	}
	u, err := url.Parse(fullURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(fullURL, "#") {
		return nil, errors.New("plivo: signed request: want an absolute http(s) URL without a fragment")
	}
	for k, vs := range params {
		if len(vs) > 1 {
			return nil, fmt.Errorf("%w: %q", errRepeated, k)
		}
	}
	var req *http.Request
	target, signParams := fullURL, params
	if method == http.MethodGet {
		if len(params) > 0 {
			switch {
			case u.RawQuery != "":
				target += "&"
			case !u.ForceQuery:
				target += "?"
			}
			target += params.Encode()
		}
		signParams = nil
		req, err = http.NewRequest(method, target, http.NoBody)
	} else {
		req, err = http.NewRequest(method, target, strings.NewReader(params.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return nil, errors.New("plivo: signed request: URL cannot be parsed")
	}
	sig, err := SignatureV3(authToken, method, target, nonce, signParams)
	if err != nil {
		return nil, err
	}
	req.Header.Set(SignatureHeader, sig)
	req.Header.Set(NonceHeader, nonce)
	return req, nil
}
