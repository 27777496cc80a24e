package plivo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
)

// Headers that carry Plivo's V3 signature and its nonce.
const (
	SignatureHeader = "X-Plivo-Signature-V3"
	NonceHeader     = "X-Plivo-Signature-V3-Nonce"
)

// DefaultMaxBodyBytes bounds the body a [Verifier] reads.
const DefaultMaxBodyBytes = 64 << 10

// Reasons a webhook request fails verification. [Verifier.Middleware]
// answers 403 to the first two and 413 to ErrBodyTooLarge.
var (
	ErrMissingSignature = errors.New("plivo: missing X-Plivo-Signature-V3 or X-Plivo-Signature-V3-Nonce header")
	ErrInvalidSignature = errors.New("plivo: invalid X-Plivo-Signature-V3")
	ErrBodyTooLarge     = errors.New("plivo: request body too large")
)

// errRepeated is returned for a parameter given twice: plivo-go signs a
// map, one value per name, so a repeated name cannot be verified.
var errRepeated = errors.New("plivo: repeated parameter cannot be signed")

// SignatureV3 returns the X-Plivo-Signature-V3 value Plivo sends for a
// request: base64(HMAC-SHA256(authToken, U + "." + nonce)), where U is built
// from method, fullURL (scheme, host, path and query as requested) and
// params (the form body of a POST; nil for a GET) exactly as plivo-go's
// utils.go GenerateUrl builds it:
//
//   - U starts scheme://host/path, followed by "?" when there are params
//     or a query;
//   - GET with a query: the query's k=v pairs merged with params, sorted,
//     joined with "&" (values as they appear in the URL, undecoded);
//   - POST with a query: the query sorted as k=v&..., then ".", then params
//     sorted by name as k1v1k2v2..., and trailing dots trimmed;
//   - without a query: params sorted, as k=v&... for GET and as k1v1k2v2...
//     otherwise.
//
// It returns an error for an unparsable URL or a parameter with several
// values, which plivo-go's map cannot represent.
func SignatureV3(authToken, method, fullURL, nonce string, params url.Values) (string, error) {
	u, err := signedString(method, fullURL, params)
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(mac([]byte(authToken), u, nonce)), nil
}

func mac(key []byte, u, nonce string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(u))
	h.Write([]byte{'.'})
	h.Write([]byte(nonce))
	return h.Sum(nil)
}

// ValidateSignatureV3 reports whether header, an X-Plivo-Signature-V3 value
// holding one signature or several separated by commas (during an auth
// token rotation), holds the signature of the request. Each candidate is
// compared in constant time; one match is enough.
func ValidateSignatureV3(authToken, method, fullURL, nonce string, params url.Values, header string) bool {
	u, err := signedString(method, fullURL, params)
	if err != nil {
		return false
	}
	return matchAny(mac([]byte(authToken), u, nonce), header)
}

func matchAny(want []byte, header string) bool {
	ok := false
	for cand := range strings.SplitSeq(header, ",") {
		got, err := base64.StdEncoding.Strict().DecodeString(strings.TrimSpace(cand))
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	return ok
}

// signedString builds plivo-go's GenerateUrl string.
func signedString(method, fullURL string, params url.Values) (string, error) {
	pu, err := url.Parse(fullURL)
	if err != nil {
		return "", errors.New("plivo: unparsable URL")
	}
	flat := make(map[string]string, len(params))
	for k, vs := range params {
		if len(vs) > 1 {
			return "", fmt.Errorf("%w: %q", errRepeated, k)
		}
		if len(vs) == 1 {
			flat[k] = vs[0]
		}
	}
	var b strings.Builder
	b.WriteString(pu.Scheme + "://" + pu.Host + pu.Path)
	if len(flat) > 0 || pu.RawQuery != "" {
		b.WriteByte('?')
	}
	switch {
	case pu.RawQuery != "" && method == http.MethodGet:
		q := queryMap(pu.RawQuery)
		for k, v := range flat {
			q[k] = v
		}
		b.WriteString(sortedPairs(q, true))
	case pu.RawQuery != "":
		s := sortedPairs(queryMap(pu.RawQuery), true) + "." + sortedPairs(flat, false)
		b.WriteString(strings.TrimRight(s, "."))
	default:
		b.WriteString(sortedPairs(flat, method == http.MethodGet))
	}
	return b.String(), nil
}

// checkQuery refuses a query that a signature over queryMap's reading of it
// would not cover in full: a name given twice (also once escaped and once
// not), a pair without '=', or a name or value that does not decode.
func checkQuery(raw string) error {
	if raw == "" {
		return nil
	}
	seen := map[string]bool{}
	for _, p := range strings.Split(raw, "&") {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("query pair %q without '='", p)
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			return errors.New("query name does not decode")
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return errors.New("query value does not decode")
		}
		if seen[name] {
			return fmt.Errorf("%w: %q", errRepeated, name)
		}
		seen[name] = true
	}
	return nil
}

// queryMap is plivo-go's getMapFromQueryString: pairs split on "&", sorted,
// split on the first "=", pairs without "=" dropped, later pairs winning.
func queryMap(raw string) map[string]string {
	pairs := strings.Split(raw, "&")
	slices.Sort(pairs)
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		if k, v, ok := strings.Cut(p, "="); ok {
			m[k] = v
		}
	}
	return m
}

// sortedPairs is plivo-go's GetSortedQueryParamString.
func sortedPairs(m map[string]string, query bool) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for i, k := range keys {
		if query {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(k + "=" + m[k])
		} else {
			b.WriteString(k + m[k])
		}
	}
	return b.String()
}

// Verifier checks that webhook requests come from Plivo. It is safe for
// concurrent use and never shows the auth token, however it is printed.
type Verifier struct {
	token secret.Secret
	base  string
	max   int64
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier)

// WithMaxBodyBytes bounds the body the Verifier reads, [DefaultMaxBodyBytes]
// by default; a larger body fails with [ErrBodyTooLarge].
func WithMaxBodyBytes(n int64) VerifierOption {
	return func(v *Verifier) { v.max = n }
}

// NewVerifier returns a Verifier for the account whose auth token is
// authToken. publicBaseURL is the scheme and host (and any path prefix a
// proxy strips) under which Plivo reaches this server, such as
// "https://voice.example.com": the URL Plivo signed is publicBaseURL
// followed by the request's path and query as received. It comes from
// configuration, never from the request's Host header.
func NewVerifier(authToken, publicBaseURL string, opts ...VerifierOption) (*Verifier, error) {
	if authToken == "" {
		return nil, errors.New("plivo: empty auth token")
	}
	u, err := url.Parse(publicBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("plivo: public base URL %q: want http(s)://host[/prefix]", publicBaseURL)
	}
	v := &Verifier{token: secret.New(authToken), base: strings.TrimSuffix(publicBaseURL, "/"), max: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(v)
	}
	if v.max <= 0 {
		return nil, errors.New("plivo: max body bytes must be positive")
	}
	return v, nil
}

// URL returns the URL Plivo signed for r: the public base URL followed by
// the request URI as received.
func (v *Verifier) URL(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return v.base + uri
}

// Verify checks r's signature. For a POST it reads the form body (bounded)
// into r.PostForm and puts the body back in r.Body. It returns nil,
// [ErrMissingSignature], an error wrapping [ErrInvalidSignature] (also for
// a parameter given twice, which Plivo's scheme cannot sign), an error
// wrapping [ErrBodyTooLarge], or another error for a body that is not a
// form. [Verifier.Middleware] answers them 403, 403, 413 and 400.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	sig, nonce := r.Header.Get(SignatureHeader), r.Header.Get(NonceHeader)
	if sig == "" || nonce == "" {
		return ErrMissingSignature
	}
	// Plivo's signed string keeps one value per query name and drops pairs
	// without '=', while a handler reads every pair: a query the string
	// cannot pin down is refused, so that nothing unsigned can be added to
	// a signed URL.
	if err := checkQuery(r.URL.RawQuery); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	var params url.Values
	if r.Method != http.MethodGet {
		body, err := webhook.ReadBodyAs(w, r, v.max, "plivo", ErrBodyTooLarge)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) > 0 {
			if !webhook.IsForm(r.Header.Get("Content-Type")) {
				return errors.New("plivo: webhook body is not application/x-www-form-urlencoded")
			}
			if params, err = url.ParseQuery(string(body)); err != nil {
				return fmt.Errorf("plivo: parsing webhook form: %w", err)
			}
		}
		r.PostForm = params
	}
	u, err := signedString(r.Method, v.URL(r), params)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	if !matchAny(mac([]byte(v.token.Value()), u, nonce), sig) {
		return ErrInvalidSignature
	}
	return nil
}

// Middleware returns a handler that answers requests failing Verify with
// 403 (missing or wrong signature), 413 (body over the limit) or 400
// (unreadable body), and passes verified requests to next.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.Verify(w, r); err != nil {
			status := http.StatusBadRequest
			switch {
			case errors.Is(err, ErrBodyTooLarge):
				status = http.StatusRequestEntityTooLarge
			case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrInvalidSignature):
				status = http.StatusForbidden
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
		next.ServeHTTP(w, r)
	})
}
