package twiml

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
)

// SignatureHeader is the request header that carries Twilio's signature.
const SignatureHeader = "X-Twilio-Signature"

// DefaultMaxBodyBytes bounds the body a [Verifier] reads from a webhook.
const DefaultMaxBodyBytes = 64 << 10

// Reasons a webhook request fails verification. [Verifier.Middleware]
// answers 403 to the first three and 413 to ErrBodyTooLarge.
var (
	// ErrMissingSignature means the request has no X-Twilio-Signature
	// header.
	ErrMissingSignature = webhook.ErrMissingSignature
	// ErrInvalidSignature means the signature does not match the request.
	ErrInvalidSignature = webhook.ErrInvalidSignature
	// ErrBodyHash means the body does not match the URL's bodySHA256.
	ErrBodyHash = webhook.ErrBodyHash
	// ErrBodyTooLarge means the body is over the Verifier's limit; the
	// error that wraps it gives the limit.
	ErrBodyTooLarge = webhook.ErrBodyTooLarge
)

// Signature returns the X-Twilio-Signature Twilio sends for a request to
// fullURL (scheme, host, path and query, exactly as Twilio requested it) with
// the form parameters params (nil for a GET or a JSON body): the base64 of
// the HMAC-SHA1, keyed with authToken, of fullURL followed by every parameter
// name and value, sorted by name and, for repeated names, by value.
func Signature(authToken, fullURL string, params url.Values) string {
	return signature([]byte(authToken), fullURL, params)
}

func signature(key []byte, fullURL string, params url.Values) string {
	var sum [sha1.Size]byte
	return base64.StdEncoding.EncodeToString(mac(newMAC(key), fullURL, params, sum[:0]))
}

func newMAC(key []byte) hash.Hash { return hmac.New(sha1.New, key) }

// mac appends to dst the HMAC, computed with h, of the signed string. The
// string is built in one buffer and hashed with one Write.
func mac(h hash.Hash, fullURL string, params url.Values, dst []byte) []byte {
	var keysArr [32]string
	keys := keysArr[:0]
	n := len(fullURL)
	for k, vs := range params {
		keys = append(keys, k)
		for _, v := range vs {
			n += len(k) + len(v)
		}
	}
	slices.Sort(keys)
	buf := make([]byte, 0, n)
	buf = append(buf, fullURL...)
	for _, k := range keys {
		vs := params[k]
		if len(vs) > 1 {
			vs = slices.Clone(vs)
			slices.Sort(vs)
		}
		for _, v := range vs {
			buf = append(buf, k...)
			buf = append(buf, v...)
		}
	}
	h.Reset()
	h.Write(buf)
	return h.Sum(dst)
}

// ValidateSignature reports whether signature is Twilio's signature for a
// request to fullURL with the form parameters params. Twilio has signed
// HTTPS URLs both with and without the default port, so the other form of
// fullURL is tried when the first does not match. Comparisons take constant
// time. The signature must be in canonical base64: the 28 characters that
// encode a 20-byte HMAC-SHA1, with zero padding bits and no line breaks;
// any other spelling is refused.
func ValidateSignature(authToken, fullURL string, params url.Values, signature string) bool {
	return validSignature(newMAC([]byte(authToken)), fullURL, params, signature)
}

// encodedSignatureLen is the length of a signature in base64: the 20 bytes
// of an HMAC-SHA1 in 28 characters, the last of them '='.
const encodedSignatureLen = (sha1.Size + 2) / 3 * 4

// strictBase64 refuses non-zero padding bits, so each signature has one
// accepted spelling.
var strictBase64 = base64.StdEncoding.Strict()

// decodeSignature decodes an X-Twilio-Signature into dst. It accepts the
// canonical encoding only: exactly 28 characters, zero padding bits and no
// CR or LF, which base64 decoders otherwise skip.
func decodeSignature(signature string, dst *[sha1.Size]byte) bool {
	if len(signature) != encodedSignatureLen ||
		strings.IndexByte(signature, '\n') >= 0 || strings.IndexByte(signature, '\r') >= 0 {
		return false
	}
	var decoded [sha1.Size + 1]byte // DecodedLen(28)
	n, err := strictBase64.Decode(decoded[:], []byte(signature))
	if err != nil || n != sha1.Size {
		return false
	}
	copy(dst[:], decoded[:n])
	return true
}

func validSignature(h hash.Hash, fullURL string, params url.Values, signature string) bool {
	var want, gotArr [sha1.Size]byte
	if !decodeSignature(signature, &want) {
		return false
	}
	if subtle.ConstantTimeCompare(mac(h, fullURL, params, gotArr[:0]), want[:]) == 1 {
		return true
	}
	if other, ok := otherPortForm(fullURL); ok {
		return subtle.ConstantTimeCompare(mac(h, other, params, gotArr[:0]), want[:]) == 1
	}
	return false
}

// ValidateJSONSignature reports whether signature is Twilio's signature for a
// request with a JSON (or other non-form) body: Twilio signs fullURL alone,
// which carries a bodySHA256 query parameter with the hex SHA-256 of body.
// Both the signature, decoded as strictly as by [ValidateSignature], and the
// hash must match.
func ValidateJSONSignature(authToken, fullURL string, body []byte, signature string) bool {
	if !ValidateSignature(authToken, fullURL, nil, signature) {
		return false
	}
	return bodyHashMatches(fullURL, body)
}

func bodyHashMatches(fullURL string, body []byte) bool {
	u, err := url.Parse(fullURL)
	if err != nil {
		return false
	}
	want, err := hex.DecodeString(u.Query().Get("bodySHA256"))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256(body)
	return subtle.ConstantTimeCompare(got[:], want) == 1
}

// otherPortForm returns fullURL with the scheme's default port added when
// absent or removed when present, for http and https URLs.
func otherPortForm(fullURL string) (string, bool) {
	u, err := url.Parse(fullURL)
	if err != nil || u.Host == "" {
		return "", false
	}
	var port string
	switch strings.ToLower(u.Scheme) {
	case "https":
		port = "443"
	case "http":
		port = "80"
	default:
		return "", false
	}
	switch u.Port() {
	case "":
		u.Host += ":" + port
	case port:
		u.Host = strings.TrimSuffix(u.Host, ":"+port)
	default:
		return "", false
	}
	return u.String(), true
}

// Verifier checks that webhook requests come from Twilio. It is safe for
// concurrent use. It never shows the auth token, however it is printed, and
// has no method that returns it.
type Verifier struct {
	token secret.Secret
	base  string
	max   int64
	macs  sync.Pool // keyed HMAC-SHA1 states, reset and reused
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier)

// WithMaxBodyBytes bounds the body the Verifier reads, [DefaultMaxBodyBytes]
// by default. A larger body fails with [ErrBodyTooLarge].
func WithMaxBodyBytes(n int64) VerifierOption {
	return func(v *Verifier) { v.max = n }
}

// NewVerifier returns a Verifier for the account whose auth token is
// authToken. publicBaseURL is the scheme and host (and any path prefix a
// proxy strips) under which Twilio reaches this server, such as
// "https://voice.example.com": the URL Twilio signed is publicBaseURL followed
// by the request's path and query as the server received them. It is taken
// from configuration, never from the request's Host header, which a client
// controls.
func NewVerifier(authToken, publicBaseURL string, opts ...VerifierOption) (*Verifier, error) {
	if authToken == "" {
		return nil, errors.New("twiml: empty auth token")
	}
	u, err := url.Parse(publicBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("twiml: public base URL %q: want http(s)://host[/prefix]", publicBaseURL)
	}
	v := &Verifier{
		token: secret.New(authToken),
		base:  strings.TrimSuffix(publicBaseURL, "/"),
		max:   DefaultMaxBodyBytes,
	}
	for _, o := range opts {
		o(v)
	}
	v.macs.New = func() any { return newMAC([]byte(v.token.Value())) }
	return v, nil
}

// check validates a signature with a pooled HMAC state.
func (v *Verifier) check(fullURL string, params url.Values, signature string) bool {
	h := v.macs.Get().(hash.Hash)
	defer v.macs.Put(h)
	return validSignature(h, fullURL, params, signature)
}

// URL returns the URL Twilio signed for r: the public base URL followed by
// the request URI as received.
func (v *Verifier) URL(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" || !strings.HasPrefix(uri, "/") {
		uri = r.URL.RequestURI()
	}
	return v.base + uri
}

// Verify checks r's signature. For a form POST it reads and parses the body
// (bounded by the maximum body size) into r.PostForm, leaving r.Form for
// r.ParseForm to build if asked; for a request whose URL carries bodySHA256
// it reads the body, checks its hash and puts it back in r.Body. It returns
// nil, [ErrMissingSignature], [ErrInvalidSignature], [ErrBodyHash], an error
// wrapping [ErrBodyTooLarge], or another error for a body that cannot be
// read or parsed. [Verifier.Middleware] answers them 403, 403, 403, 413 and
// 400.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return ErrMissingSignature
	}
	full := v.URL(r)
	if strings.Contains(r.URL.RawQuery, "bodySHA256=") && r.URL.Query().Has("bodySHA256") {
		body, err := webhook.ReadBody(w, r, v.max)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !v.check(full, nil, sig) {
			return ErrInvalidSignature
		}
		if !bodyHashMatches(full, body) {
			return ErrBodyHash
		}
		return nil
	}
	if err := webhook.ParseForm(w, r, v.max); err != nil {
		return err
	}
	if !v.check(full, r.PostForm, sig) {
		return ErrInvalidSignature
	}
	return nil
}

// Middleware returns a handler that answers requests failing Verify with
// 403 for a missing or wrong signature or body hash, 413 for a body over the
// limit and 400 for an unreadable one, and passes verified requests to next
// with their form already parsed.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := v.Verify(w, r); err != nil {
			status := webhook.ErrorStatus(err)
			http.Error(w, http.StatusText(status), status)
			return
		}
		next.ServeHTTP(w, r)
	})
}
