package plivo

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
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

// errRepeated is returned for a name given twice in the signed part of a
// request: plivo-go signs a map, one value per name (the first), while
// plivo-node signs every value sorted, so a repeated name cannot be
// verified.
var errRepeated = errors.New("plivo: repeated parameter cannot be signed")

// SignatureV3 returns the X-Plivo-Signature-V3 value Plivo sends for a
// request: base64(HMAC-SHA256(authToken, U + "." + nonce)), where U is built
// from method, fullURL and params (the form body of a POST; for a GET,
// parameters merged into the query) as plivo-go v7's utils.go GenerateUrl
// builds it. Every name and value is signed decoded, as net/url reads it:
// %XX is the byte it stands for, '+' a space, and a bare name ("?debug")
// the name with an empty value ("debug="). Then:
//
//   - U starts scheme://host followed by the decoded path, and "?" when
//     there are params or a query;
//   - GET: the query's pairs merged with params, sorted by name, written
//     k=v and joined with "&", trailing '&' trimmed;
//   - POST with a query: the query sorted as k=v&... with trailing '&'
//     trimmed, then ".", then params sorted by name as k1v1k2v2..., and
//     trailing '.' trimmed;
//   - POST without a query: params sorted as k1v1k2v2...
//
// It returns an error for an unparsable URL, for a name given twice (in
// the query, in params, or in both for a GET: the official SDKs disagree
// on which values to sign), and for a query pair net/url would drop (one
// holding ';' or an invalid %-escape) or a query made only of empty pairs.
func SignatureV3(authToken, method, fullURL, nonce string, params url.Values) (string, error) {
	u, _, err := signedString(method, fullURL, params)
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
// token rotation), holds the signature of the request as [SignatureV3]
// computes it. Each candidate is compared in constant time; one match is
// enough. It reports false for every request SignatureV3 refuses, and for
// one whose signed string loses bytes of a value to the trimming (a POST's
// last value ending in '.', a last query value ending in '&'): those bytes
// are not covered by the signature, and plivo-node signs them.
func ValidateSignatureV3(authToken, method, fullURL, nonce string, params url.Values, header string) bool {
	u, lossy, err := signedString(method, fullURL, params)
	if err != nil || lossy {
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

// errLossy is returned by Verify for a request whose signed string loses
// bytes of its last value to plivo-go's trimming.
var errLossy = errors.New("plivo: the last signed value ends in the separator the signed string trims")

// signedString builds U as plivo-go's GenerateUrl does. lossy reports that
// the trimming removed bytes of a name or value, not only the separator.
func signedString(method, fullURL string, params url.Values) (u string, lossy bool, err error) {
	pu, err := url.Parse(fullURL)
	if err != nil {
		return "", false, errors.New("plivo: unparsable URL")
	}
	flat := make(map[string]string, len(params))
	for k, vs := range params {
		if len(vs) > 1 {
			return "", false, fmt.Errorf("%w: %q", errRepeated, k)
		}
		if len(vs) == 1 {
			flat[k] = vs[0]
		}
	}
	query, err := decodeQuery(pu.RawQuery)
	if err != nil {
		return "", false, err
	}
	var b strings.Builder
	b.WriteString(pu.Scheme + "://" + pu.Host + pu.Path)
	if len(flat) > 0 || pu.RawQuery != "" {
		b.WriteByte('?')
	}
	var signed string
	switch {
	case method == http.MethodGet:
		for k, v := range flat {
			if _, ok := query[k]; ok {
				return "", false, fmt.Errorf("%w: %q", errRepeated, k)
			}
			query[k] = v
		}
		signed = joinSorted(query, "=", "&")
		lossy = strings.HasSuffix(signed, "&")
		signed = strings.TrimRight(signed, "&")
	case pu.RawQuery != "":
		q, p := joinSorted(query, "=", "&"), joinSorted(flat, "", "")
		lossy = strings.HasSuffix(q, "&")
		q = strings.TrimRight(q, "&")
		signed = strings.TrimRight(q+"."+p, ".")
		lossy = lossy || (p == "" && signed != q) || (p != "" && signed != q+"."+p)
	default:
		signed = joinSorted(flat, "", "")
	}
	b.WriteString(signed)
	return b.String(), lossy, nil
}

// decodeQuery reads raw as plivo-go's signature does (url.Values, first
// value per name), refusing what that reading cannot pin down: a name given
// twice, also once escaped and once not, a pair net/url drops (holding ';'
// or an invalid %-escape), and a query of empty pairs only, which plivo-go
// signs as a lone "?" and plivo-node not at all. Empty pairs between others
// ("a=1&&b=2") are skipped, as both SDKs do.
func decodeQuery(raw string) (map[string]string, error) {
	m := map[string]string{}
	if raw == "" {
		return m, nil
	}
	for p := range strings.SplitSeq(raw, "&") {
		if p == "" {
			continue
		}
		if strings.Contains(p, ";") {
			return nil, errors.New("plivo: query pair holding ';'")
		}
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, errors.New("plivo: query name does not decode")
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, errors.New("plivo: query value does not decode")
		}
		if _, ok := m[name]; ok {
			return nil, fmt.Errorf("%w: %q", errRepeated, name)
		}
		m[name] = value
	}
	if len(m) == 0 {
		return nil, errors.New("plivo: query of empty pairs only")
	}
	return m, nil
}

// joinSorted writes m's pairs sorted by name, name and value separated by
// kv, pairs by sep.
func joinSorted(m map[string]string, kv, sep string) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(k + kv + m[k])
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
// configuration, never from the request's Host header. No error shows the
// auth token or publicBaseURL, which may hold a user name and password.
func NewVerifier(authToken, publicBaseURL string, opts ...VerifierOption) (*Verifier, error) {
	if authToken == "" {
		return nil, errors.New("plivo: empty auth token")
	}
	base, err := webhook.PublicBase("plivo", publicBaseURL)
	if err != nil {
		return nil, err
	}
	v := &Verifier{token: secret.New(authToken), base: base, max: DefaultMaxBodyBytes}
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
func (v *Verifier) URL(r *http.Request) string { return webhook.SignedURL(v.base, r) }

// Verify checks r's signature. For a POST it reads the form body (bounded)
// into r.PostForm and puts the body back in r.Body. It returns nil,
// [ErrMissingSignature], an error wrapping [ErrInvalidSignature] (also for
// every request [ValidateSignatureV3] refuses whatever the signature: a
// name given twice in the query or in the body, a query pair net/url
// drops, a last value the signed string trims), an error
// wrapping [ErrBodyTooLarge], or another error for a body that is not a
// form. [Verifier.Middleware] answers them 403, 403, 413 and 400.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	sig, nonce := r.Header.Get(SignatureHeader), r.Header.Get(NonceHeader)
	if sig == "" || nonce == "" {
		return ErrMissingSignature
	}
	var params url.Values
	if r.Method != http.MethodGet {
		body, err := webhook.ReadBody(w, r, v.max, "plivo", ErrBodyTooLarge)
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
	// A request the signed string cannot pin down (a repeated name, a query
	// pair net/url drops, a last value the trimming cuts) is refused, so
	// that nothing unsigned can be added to a signed request.
	u, lossy, err := signedString(r.Method, v.URL(r), params)
	if err == nil && lossy {
		err = errLossy
	}
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
	return webhook.Middleware(v.Verify, errorStatus, next)
}

func errorStatus(err error) int {
	return webhook.Status(err, ErrBodyTooLarge, ErrMissingSignature, ErrInvalidSignature)
}
