package signalwire

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
)

// The headers that carry the signature. SignalWire sends the same value in
// both for cXML webhooks; a [Verifier] reads SignatureHeader and falls back
// to TwilioSignatureHeader only when SignatureHeader is absent.
const (
	SignatureHeader       = "X-SignalWire-Signature"
	TwilioSignatureHeader = "X-Twilio-Signature"
)

// DefaultMaxBodyBytes bounds the body a [Verifier] reads from a webhook.
const DefaultMaxBodyBytes = 64 << 10

// Reasons a webhook request fails verification. [Verifier.Middleware]
// answers 413 to ErrBodyTooLarge and 403 to the others.
var (
	ErrMissingSignature = errors.New("signalwire: missing " + SignatureHeader + " header")
	ErrInvalidSignature = errors.New("signalwire: invalid " + SignatureHeader)
	ErrBodyHash         = errors.New("signalwire: body does not match bodySHA256")
	ErrBodyTooLarge     = errors.New("signalwire: request body too large")
)

// Signature returns the signature SignalWire sends for a cXML webhook to
// fullURL (scheme, host, path and query, as requested) with the form
// parameters params (nil for a GET or a JSON body): Twilio's scheme keyed
// with the project's signing key, the standard base64 of the HMAC-SHA1 of
// fullURL followed by every parameter name and value, the names sorted.
//
// Two rules are SignalWire's own, as its official validators apply them
// (@signalwire/compatibility-api lib/webhooks/webhooks.js,
// getExpectedTwilioSignature): a repeated name's values follow one another
// in the order they were sent, not sorted as Twilio sorts them, and the
// names are sorted as JavaScript sorts strings, by UTF-16 code units, which
// differs from byte order only between characters above U+FFFF (sorted
// first) and those from U+E000 to U+FFFF. params keeps the order of each
// name's values, as [url.ParseQuery] returns them.
func Signature(signingKey, fullURL string, params url.Values) string {
	return webhook.SignalWireRules.Sign([]byte(signingKey), fullURL, params)
}

// Verifier checks that cXML webhook requests come from SignalWire. It is
// safe for concurrent use. It never shows the signing key, however it is
// printed, and has no method that returns it.
type Verifier struct {
	base string
	max  int64
	sigs *webhook.SigPool // keyed with the signing key
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier)

// WithMaxBodyBytes bounds the body the Verifier reads, [DefaultMaxBodyBytes]
// by default. A larger body fails with [ErrBodyTooLarge].
func WithMaxBodyBytes(n int64) VerifierOption { return func(v *Verifier) { v.max = n } }

// NewVerifier returns a Verifier for the project whose signing key is
// signingKey (Dashboard, API page). publicBaseURL is the scheme and host
// (and any path prefix a proxy strips) under which SignalWire reaches this
// server, such as "https://voice.example.com": the signed URL is
// publicBaseURL followed by the request's path and query as received. It is
// taken from configuration, never from the request's Host header. No error
// shows the key or publicBaseURL, which may hold a user name and password.
func NewVerifier(signingKey, publicBaseURL string, opts ...VerifierOption) (*Verifier, error) {
	if signingKey == "" {
		return nil, errors.New("signalwire: empty signing key")
	}
	base, err := webhook.PublicBase("signalwire", publicBaseURL)
	if err != nil {
		return nil, err
	}
	v := &Verifier{base: base, max: DefaultMaxBodyBytes, sigs: webhook.NewSigPool(webhook.SignalWireRules, secret.New(signingKey))}
	for _, o := range opts {
		o(v)
	}
	if v.max <= 0 {
		return nil, errors.New("signalwire: body limit must be positive")
	}
	return v, nil
}

// URL returns the URL SignalWire signed for r: the public base URL followed
// by the request URI as received.
func (v *Verifier) URL(r *http.Request) string { return webhook.SignedURL(v.base, r) }

// Verify checks r's signature, computed as [Signature] computes it: in
// canonical base64 only, with the URL tried as received and in its other
// port form: the default port added when it has none, or its port
// removed, any port, as SignalWire's validateRequest removes it (the rest
// of the URL byte for byte). For a form POST it reads the body
// (bounded by the limit), parses it into r.PostForm and puts it back in
// r.Body; for a request whose URL carries bodySHA256 (a JSON body) it
// checks the signature of the URL alone and the body's hash, which must be
// the lowercase hex SHA-256 of the body. Any other request (a GET, or a
// POST whose body is not a form and whose URL has no bodySHA256) is signed
// over its URL alone, so its body must be empty: a non-empty one is
// refused with an error wrapping [ErrInvalidSignature], since no signature
// covers it. It returns nil, [ErrMissingSignature], [ErrInvalidSignature]
// (or an error wrapping it), [ErrBodyHash], an error wrapping
// [ErrBodyTooLarge], or another error for a body that cannot be read or
// parsed.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		sig = r.Header.Get(TwilioSignatureHeader)
	}
	if sig == "" {
		return ErrMissingSignature
	}
	full := v.URL(r)
	if !webhook.HasBodyHash(r.URL) && !webhook.IsFormPost(r) {
		if err := webhook.RequireEmptyBody(w, r, v.max, "signalwire", ErrBodyTooLarge, ErrInvalidSignature); err != nil {
			return err
		}
		if !v.sigs.Valid(full, nil, sig) {
			return ErrInvalidSignature
		}
		return nil
	}
	body, err := webhook.ReadBody(w, r, v.max, "signalwire", ErrBodyTooLarge)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if webhook.HasBodyHash(r.URL) {
		if !v.sigs.Valid(full, nil, sig) {
			return ErrInvalidSignature
		}
		if !webhook.BodyHashMatches(full, body) {
			return ErrBodyHash
		}
		return nil
	}
	params, err := url.ParseQuery(string(body))
	if err != nil {
		return fmt.Errorf("signalwire: parsing webhook form: %w", err)
	}
	if !v.sigs.Valid(full, params, sig) {
		return ErrInvalidSignature
	}
	r.PostForm = params
	return nil
}

// Middleware returns a handler that answers requests failing Verify with
// 413 for a body over the limit, 403 for a missing or wrong signature or
// body hash and 400 for an unreadable body, and passes verified requests to
// next with their form parsed and their body in place.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return webhook.Middleware(v.Verify, errorStatus, next)
}

// NewSignedRequest returns a request signed as SignalWire signs a cXML
// webhook, with the signature in [SignatureHeader], for testing a handler
// wrapped by [Verifier.Middleware]: POST sends params as a form body and
// signs fullURL with them; GET appends params to the query and signs the
// resulting URL alone. fullURL is the absolute http(s) URL SignalWire would
// request. What is signed is the URL the request is sent to: where net/url
// percent-encodes part of fullURL's path (non-ASCII bytes, spaces, braces),
// or adds the "/" of an empty path, the signature covers the encoded form
// the request carries, so a [Verifier] accepts it. It fails for another
// method, an empty key, or a URL that is not absolute http(s) or has a
// fragment; no error shows the key.
func NewSignedRequest(method, fullURL, signingKey string, params url.Values) (*http.Request, error) {
	s := webhook.SignedRequest{Pkg: "signalwire", KeyName: "signing key", Header: SignatureHeader, Sign: Signature}
	return s.New(method, fullURL, signingKey, params)
}

func errorStatus(err error) int {
	return webhook.Status(err, ErrBodyTooLarge, ErrMissingSignature, ErrInvalidSignature, ErrBodyHash)
}
