package telnyx

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hmssip/interconnect-go/internal/webhook"
)

// The headers that carry Telnyx's webhook signature.
const (
	// SignatureHeader holds the base64 of the 64-byte Ed25519 signature of
	// the timestamp, "|" and the raw body.
	SignatureHeader = "Telnyx-Signature-Ed25519"
	// TimestampHeader holds the time of sending, in Unix seconds.
	TimestampHeader = "Telnyx-Timestamp"
)

// DefaultMaxBodyBytes bounds the body a [Verifier] reads from a webhook.
const DefaultMaxBodyBytes = 64 << 10

// DefaultTolerance is how far a webhook's timestamp may be from the
// Verifier's clock, in either direction: Telnyx's own libraries use 5
// minutes.
const DefaultTolerance = 5 * time.Minute

// Reasons a webhook request fails verification. [Verifier.Middleware]
// answers 413 to ErrBodyTooLarge and 403 to the others.
var (
	ErrMissingSignature = errors.New("telnyx: missing " + SignatureHeader + " header")
	ErrMissingTimestamp = errors.New("telnyx: missing " + TimestampHeader + " header")
	ErrInvalidSignature = errors.New("telnyx: invalid " + SignatureHeader)
	ErrStaleTimestamp   = errors.New("telnyx: " + TimestampHeader + " outside the tolerance")
	ErrBodyTooLarge     = errors.New("telnyx: request body too large")
)

// errGETNotCovered refuses a GET: its parameters are in its query, which
// Telnyx's signature does not cover.
var errGETNotCovered error = queryNotCovered{}

type queryNotCovered struct{}

func (queryNotCovered) Error() string {
	return "telnyx: Telnyx signs the body only, so a GET's query is not covered: configure the TeXML application to use POST"
}

func (queryNotCovered) Unwrap() error { return ErrInvalidSignature }

// strictBase64 refuses non-zero padding bits, so a signature has one
// accepted spelling.
var strictBase64 = base64.StdEncoding.Strict()

// Signature returns the value of the Telnyx-Signature-Ed25519 header for a
// webhook with body sent at timestamp (the Telnyx-Timestamp header, decimal
// Unix seconds): the standard base64 of the Ed25519 signature, with key, of
// timestamp + "|" + body. It is for tests: Telnyx signs with its own key.
func Signature(key ed25519.PrivateKey, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, signedMessage(timestamp, body)))
}

func signedMessage(timestamp string, body []byte) []byte {
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, '|')
	return append(msg, body...)
}

// Verifier checks that webhook requests come from Telnyx, with the account's
// public key (Mission Control Portal, "Public Key"). It is safe for
// concurrent use.
type Verifier struct {
	key       ed25519.PublicKey
	max       int64
	tolerance time.Duration
	now       func() time.Time
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier)

// WithMaxBodyBytes bounds the body the Verifier reads, [DefaultMaxBodyBytes]
// by default. A larger body fails with [ErrBodyTooLarge].
func WithMaxBodyBytes(n int64) VerifierOption { return func(v *Verifier) { v.max = n } }

// WithTolerance sets how far a timestamp may be from the clock in either
// direction, [DefaultTolerance] by default.
func WithTolerance(d time.Duration) VerifierOption { return func(v *Verifier) { v.tolerance = d } }

// WithClock sets the clock timestamps are compared with, time.Now by
// default.
func WithClock(now func() time.Time) VerifierOption { return func(v *Verifier) { v.now = now } }

// NewVerifier returns a Verifier for the public key publicKey, the standard
// base64 of the 32-byte Ed25519 key. It fails for a key that does not
// decode to 32 bytes, a non-positive body limit or tolerance, or a nil
// clock.
func NewVerifier(publicKey string, opts ...VerifierOption) (*Verifier, error) {
	key, err := strictBase64.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("telnyx: public key: want the base64 of %d bytes", ed25519.PublicKeySize)
	}
	v := &Verifier{key: key, max: DefaultMaxBodyBytes, tolerance: DefaultTolerance, now: time.Now}
	for _, o := range opts {
		o(v)
	}
	switch {
	case v.max <= 0:
		return nil, errors.New("telnyx: body limit must be positive")
	case v.tolerance <= 0:
		return nil, errors.New("telnyx: tolerance must be positive")
	case v.now == nil:
		return nil, errors.New("telnyx: nil clock")
	}
	return v, nil
}

// Check verifies the signature headers of h against the raw body. It
// returns nil, [ErrMissingSignature], [ErrMissingTimestamp],
// [ErrInvalidSignature] (also for a signature or timestamp that does not
// parse) or [ErrStaleTimestamp] for a valid signature whose timestamp is
// further from the clock than the tolerance.
//
// Its verdicts match Telnyx's Node SDK (telnyx 7.24.0, TelnyxWebhook.verify)
// on every class the conformance module tries, but one: the signature must
// be the canonical base64 of its 64 bytes, while the SDK's decoder also
// accepts a last character whose unused padding bits are set. Telnyx sends
// the canonical spelling, so only a re-spelt header is refused here, and a
// signature has exactly one accepted spelling.
func (v *Verifier) Check(h http.Header, body []byte) error {
	sig, ts := h.Get(SignatureHeader), h.Get(TimestampHeader)
	switch {
	case sig == "":
		return ErrMissingSignature
	case ts == "":
		return ErrMissingTimestamp
	}
	// 88 characters encode 64 bytes; checking the length first also keeps
	// the decoder within raw.
	if len(sig) != base64.StdEncoding.EncodedLen(ed25519.SignatureSize) {
		return ErrInvalidSignature
	}
	var raw [ed25519.SignatureSize + 2]byte
	n, err := strictBase64.Decode(raw[:], []byte(sig))
	if err != nil || n != ed25519.SignatureSize {
		return ErrInvalidSignature
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || ts[0] == '+' {
		return ErrInvalidSignature
	}
	if !ed25519.Verify(v.key, signedMessage(ts, body), raw[:n]) {
		return ErrInvalidSignature
	}
	if d := v.now().Sub(time.Unix(sec, 0)); d > v.tolerance || d < -v.tolerance {
		return ErrStaleTimestamp
	}
	return nil
}

// Verify reads r's body (at most the limit), checks its signature with
// [Verifier.Check], then puts the body back in r.Body and, for a form POST,
// parses it into r.PostForm, so the next handler finds both. It returns the
// errors of Check, an error wrapping [ErrBodyTooLarge], or another error for
// a body that cannot be read or parsed.
//
// Telnyx signs the timestamp and the body only, never the URL: nothing
// signed covers a request's query. So Verify refuses a GET, whose
// parameters are all in its query, with an error wrapping
// [ErrInvalidSignature] (configure the TeXML application to use POST), and
// the parameters to trust after it are those of the body, r.PostForm, as
// [ParseCall] reads them for a POST; the query of a POST is not covered.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		return errGETNotCovered
	}
	if r.Header.Get(SignatureHeader) == "" {
		return ErrMissingSignature
	}
	body, err := webhook.ReadBody(w, r, v.max, "telnyx", ErrBodyTooLarge)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := v.Check(r.Header, body); err != nil {
		return err
	}
	if r.Method == http.MethodPost && webhook.IsForm(r.Header.Get("Content-Type")) {
		params, err := url.ParseQuery(string(body))
		if err != nil {
			return fmt.Errorf("telnyx: parsing webhook form: %w", err)
		}
		r.PostForm = params
	}
	return nil
}

// Middleware returns a handler that answers requests failing Verify with
// 413 for a body over the limit, 403 for a missing or wrong signature or a
// stale timestamp and 400 for an unreadable body, and passes verified
// requests to next.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return webhook.Middleware(v.Verify, errorStatus, next)
}

// NewSignedRequest returns a form POST to fullURL carrying params, signed
// with key as Telnyx signs a TeXML webhook sent at the time at, for testing
// a handler wrapped by [Verifier.Middleware]: give the Verifier the public
// half of key and a clock near at. It fails for a fullURL that is not an
// absolute http(s) URL and for a key that is not an Ed25519 private key.
func NewSignedRequest(fullURL string, params url.Values, key ed25519.PrivateKey, at time.Time) (*http.Request, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("telnyx: signed request: not an Ed25519 private key")
	}
	u, err := url.Parse(fullURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("telnyx: signed request: want an absolute http or https URL")
	}
	body := params.Encode()
	req, err := http.NewRequest(http.MethodPost, fullURL, strings.NewReader(body))
	if err != nil {
		return nil, errors.New("telnyx: signed request: URL cannot be used")
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Signature(key, ts, []byte(body)))
	return req, nil
}

func errorStatus(err error) int {
	return webhook.Status(err, ErrBodyTooLarge, ErrMissingSignature, ErrMissingTimestamp, ErrInvalidSignature, ErrStaleTimestamp)
}
