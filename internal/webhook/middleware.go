package webhook

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Middleware returns a handler that runs verify on each request and
// passes the request to next when it succeeds; otherwise it answers with
// the status status gives for the error, and its text.
func Middleware(verify func(http.ResponseWriter, *http.Request) error, status func(error) int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := verify(w, r); err != nil {
			code := status(err)
			http.Error(w, http.StatusText(code), code)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// SignedURL is the URL a carrier signed for r, when it signs the URL it
// requests: base, the public base URL from configuration, followed by the
// request URI as received (or, for a request built in process, the URL's).
func SignedURL(base string, r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return base + uri
}

// PublicBase checks publicBaseURL, the scheme and host (and any path prefix
// a proxy strips) under which a carrier that signs the URL it requests
// reaches the server, and returns it as SignedURL's base: without a
// trailing "/". It returns an error, for package pkg, for anything but
// http(s)://host[/prefix]; the error says what is wrong without showing
// the URL, which may hold a user name and password.
func PublicBase(pkg, publicBaseURL string) (string, error) {
	var reason string
	u, err := url.Parse(publicBaseURL)
	switch {
	case err != nil:
		reason = "does not parse"
	case u.Scheme != "http" && u.Scheme != "https":
		reason = "scheme is not http or https"
	case u.Host == "":
		reason = "no host"
	case u.RawQuery != "":
		reason = "has a query"
	case u.Fragment != "":
		reason = "has a fragment"
	default:
		return strings.TrimSuffix(publicBaseURL, "/"), nil
	}
	return "", fmt.Errorf("%s: public base URL %s: want http(s)://host[/prefix]", pkg, reason)
}
