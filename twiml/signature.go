package twiml

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"

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
	return webhook.TwilioRules.Sign([]byte(authToken), fullURL, params)
}

// ValidateSignature reports whether signature is Twilio's signature for a
// request to fullURL with the form parameters params. Twilio has signed
// URLs both with and without their port, so, as twilio-go's
// RequestValidator does, the other form of fullURL is tried when the first
// does not match: the scheme's default port added when fullURL has no
// port, or its port, whichever it is, removed (a webhook to
// https://host:8443/voice may be signed over https://host/voice); the rest
// of fullURL is kept byte for byte. Comparisons take constant time. The
// signature must be in canonical base64: the 28 characters that encode a
// 20-byte HMAC-SHA1, with zero padding bits and no line breaks; any other
// spelling is refused.
func ValidateSignature(authToken, fullURL string, params url.Values, signature string) bool {
	return webhook.TwilioRules.Valid(webhook.NewSigMAC([]byte(authToken)), fullURL, params, signature)
}

// ValidateJSONSignature reports whether signature is Twilio's signature for a
// request with a JSON (or other non-form) body: Twilio signs fullURL alone,
// which carries a bodySHA256 query parameter with the lowercase hex SHA-256
// of body (compared as a string, as twilio-go does).
// Both the signature, decoded as strictly as by [ValidateSignature], and the
// hash must match.
func ValidateJSONSignature(authToken, fullURL string, body []byte, signature string) bool {
	if !ValidateSignature(authToken, fullURL, nil, signature) {
		return false
	}
	return webhook.BodyHashMatches(fullURL, body)
}

// Verifier checks that webhook requests come from Twilio. It is safe for
// concurrent use. It never shows the auth token, however it is printed, and
// has no method that returns it.
type Verifier struct {
	base string
	max  int64
	sigs *webhook.SigPool // keyed with the auth token
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
// controls. No error shows the auth token or publicBaseURL, which may hold
// a user name and password.
func NewVerifier(authToken, publicBaseURL string, opts ...VerifierOption) (*Verifier, error) {
	if authToken == "" {
		return nil, errors.New("twiml: empty auth token")
	}
	base, err := webhook.PublicBase("twiml", publicBaseURL)
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		base: base,
		max:  DefaultMaxBodyBytes,
		sigs: webhook.NewSigPool(webhook.TwilioRules, secret.New(authToken)),
	}
	for _, o := range opts {
		o(v)
	}
	return v, nil
}

// URL returns the URL Twilio signed for r: the public base URL followed by
// the request URI as received.
func (v *Verifier) URL(r *http.Request) string { return webhook.SignedURL(v.base, r) }

// Verify checks r's signature. For a form POST it reads and parses the body
// (bounded by the maximum body size) into r.PostForm, leaving r.Form for
// r.ParseForm to build if asked; for a request whose URL carries bodySHA256
// it reads the body, checks its hash and puts it back in r.Body. Any other
// request (a GET, or a POST whose body is not a form, such as JSON, and
// whose URL has no bodySHA256) is signed over its URL alone, so its body
// must be empty: a non-empty one is refused with an error wrapping
// [ErrInvalidSignature], since no signature covers it. It returns nil,
// [ErrMissingSignature], [ErrInvalidSignature] (or an error wrapping it),
// [ErrBodyHash], an error wrapping [ErrBodyTooLarge], or another error for
// a body that cannot be read or parsed. [Verifier.Middleware] answers them
// 403, 403, 403, 413 and 400.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return ErrMissingSignature
	}
	full := v.URL(r)
	if webhook.HasBodyHash(r.URL) {
		body, err := webhook.ReadBody(w, r, v.max, "twiml", ErrBodyTooLarge)
		if err != nil {
			return err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !v.sigs.Valid(full, nil, sig) {
			return ErrInvalidSignature
		}
		if !webhook.BodyHashMatches(full, body) {
			return ErrBodyHash
		}
		return nil
	}
	if !webhook.IsFormPost(r) {
		if err := webhook.RequireEmptyBody(w, r, v.max, "twiml", ErrBodyTooLarge, ErrInvalidSignature); err != nil {
			return err
		}
	} else if err := webhook.ParseForm(w, r, v.max, "twiml", ErrBodyTooLarge); err != nil {
		return err
	}
	if !v.sigs.Valid(full, r.PostForm, sig) {
		return ErrInvalidSignature
	}
	return nil
}

// Middleware returns a handler that answers requests failing Verify with
// 403 for a missing or wrong signature or body hash, 413 for a body over the
// limit and 400 for an unreadable one, and passes verified requests to next
// with their form already parsed.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return webhook.Middleware(v.Verify, webhook.ErrorStatus, next)
}
