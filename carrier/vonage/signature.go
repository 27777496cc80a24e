package vonage

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/internal/secret"
	"github.com/hmssip/interconnect-go/internal/webhook"
)

// Defaults of a [Verifier].
const (
	DefaultMaxBodyBytes = 64 << 10
	// DefaultLeeway is the clock skew allowed on exp, nbf and iat.
	DefaultLeeway = 30 * time.Second
	// DefaultMaxAge is how old a token's iat may be. Vonage's Voice docs do
	// not state a lifetime; Vonage's webhook-subscription docs give signed
	// notifications 5 minutes, used here as a documented choice.
	DefaultMaxAge = 5 * time.Minute
)

// Reasons a webhook request fails verification. [Verifier.Middleware]
// answers 403 to the first three and 413 to ErrBodyTooLarge.
var (
	ErrMissingToken = errors.New("vonage: missing Authorization: Bearer token")
	ErrInvalidToken = errors.New("vonage: invalid webhook token")
	ErrPayloadHash  = errors.New("vonage: body does not match the token's payload_hash")
	ErrBodyTooLarge = errors.New("vonage: request body too large")
)

// Verifier checks Vonage's signed webhooks (developer.vonage.com "Signed
// webhooks"; api.support.vonage.com "How do I verify that the Voice API
// Webhook request and its payload has not been tampered during transit?"):
// a JWT in Authorization: Bearer, HS256 with the account's signature
// secret; exp and nbf when present and iat (required, at most the maximum
// age old) checked against the Verifier's clock with a leeway; and the
// payload_hash claim, the hex SHA-256 of the payload:
//
//   - for a GET (the answer webhook's default method), the query's
//     parameters as a JSON object in the order sent, as [QueryPayload]
//     renders it. A GET whose query has parameters is refused when the
//     token has no payload_hash, and so is a query that QueryPayload cannot
//     render (a repeated name, bytes that are not UTF-8) and a GET with a
//     body. A GET without parameters has nothing to tamper with: its token
//     may leave payload_hash out, and if it has one it must be the hash of
//     "{}".
//   - for any other method, the raw body, which must not be empty; the
//     query of a POST is not covered and not read by [ParseCall].
//
// It is safe for concurrent use and never shows the secret.
type Verifier struct {
	key    secret.Secret
	now    func() time.Time
	leeway time.Duration
	maxAge time.Duration
	max    int64
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier)

// WithClock sets the clock tokens are checked against (time.Now by default).
func WithClock(now func() time.Time) VerifierOption { return func(v *Verifier) { v.now = now } }

// WithLeeway sets the allowed clock skew, [DefaultLeeway] by default.
func WithLeeway(d time.Duration) VerifierOption { return func(v *Verifier) { v.leeway = d } }

// WithMaxAge sets how old a token's iat may be, [DefaultMaxAge] by default.
func WithMaxAge(d time.Duration) VerifierOption { return func(v *Verifier) { v.maxAge = d } }

// WithMaxBodyBytes bounds the body read, [DefaultMaxBodyBytes] by default.
func WithMaxBodyBytes(n int64) VerifierOption { return func(v *Verifier) { v.max = n } }

// NewVerifier returns a Verifier for the signature secret of the Vonage
// account (Dashboard, API settings).
func NewVerifier(signatureSecret string, opts ...VerifierOption) (*Verifier, error) {
	if signatureSecret == "" {
		return nil, errors.New("vonage: empty signature secret")
	}
	v := &Verifier{key: secret.New(signatureSecret), now: time.Now, leeway: DefaultLeeway, maxAge: DefaultMaxAge, max: DefaultMaxBodyBytes}
	for _, o := range opts {
		o(v)
	}
	if v.now == nil || v.leeway < 0 || v.maxAge <= 0 || v.max <= 0 {
		return nil, errors.New("vonage: invalid verifier option")
	}
	return v, nil
}

// Verify checks r's token and, for a request with a body, the body's hash;
// the body (bounded) is put back in r.Body for the handler. It returns nil,
// [ErrMissingToken], an error wrapping [ErrInvalidToken], [ErrPayloadHash]
// or an error wrapping [ErrBodyTooLarge]; [Verifier.Middleware] answers
// them 403, 403, 403 and 413.
func (v *Verifier) Verify(w http.ResponseWriter, r *http.Request) error {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return ErrMissingToken
	}
	body, err := webhook.ReadBody(w, r, v.max, "vonage", ErrBodyTooLarge)
	if err != nil {
		return err
	}
	if r.Body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	now := v.now()
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(strings.TrimSpace(tok), claims, func(*jwt.Token) (any, error) {
		return []byte(v.key.Value()), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(v.leeway), jwt.WithIssuedAt())
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return fmt.Errorf("%w: no iat claim", ErrInvalidToken)
	}
	if now.Sub(iat.Time) > v.maxAge+v.leeway {
		return fmt.Errorf("%w: issued %v ago, at most %v", ErrInvalidToken, now.Sub(iat.Time).Round(time.Second), v.maxAge)
	}
	if r.Method == http.MethodGet {
		if len(body) > 0 {
			// Vonage's GETs have no body; one here would be a POST's
			// body and token replayed beside a forged query.
			return fmt.Errorf("%w: a GET with a body", ErrPayloadHash)
		}
		var rawQuery string
		if r.URL != nil {
			rawQuery = r.URL.RawQuery
		}
		return checkQuery(rawQuery, claims)
	}
	if len(body) == 0 {
		// Vonage's webhooks by POST carry a JSON body, signed through
		// payload_hash: a token replayed with the body left out would
		// otherwise vouch for whatever the URL's query says.
		return fmt.Errorf("%w: a %s without a body", ErrPayloadHash, r.Method)
	}
	if !hashMatches(claims, body) {
		return ErrPayloadHash
	}
	return nil
}

// emptyQuery is QueryPayload's rendering of a query without parameters.
const emptyQuery = "{}"

// checkQuery checks a GET's query against the token's payload_hash.
func checkQuery(rawQuery string, claims jwt.MapClaims) error {
	payload, err := QueryPayload(rawQuery)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPayloadHash, err)
	}
	if _, ok := claims["payload_hash"]; !ok {
		if string(payload) == emptyQuery {
			return nil
		}
		return fmt.Errorf("%w: the token has no payload_hash for the GET's query", ErrPayloadHash)
	}
	if !hashMatches(claims, payload) {
		return ErrPayloadHash
	}
	return nil
}

// hashMatches reports, in constant time, whether the payload_hash claim
// (hex, either case) is the SHA-256 of payload.
func hashMatches(claims jwt.MapClaims, payload []byte) bool {
	h, _ := claims["payload_hash"].(string)
	want, err := hex.DecodeString(h)
	got := sha256.Sum256(payload)
	return err == nil && subtle.ConstantTimeCompare(got[:], want) == 1
}

// Middleware returns a handler that answers requests failing Verify with
// 403 (missing or bad token, wrong payload hash), 413 (body over the limit)
// or 400, and passes verified requests to next.
func (v *Verifier) Middleware(next http.Handler) http.Handler {
	return webhook.Middleware(v.Verify, errorStatus, next)
}

// NewSignedRequest returns a request signed as Vonage signs a webhook, for
// testing a handler behind [Verifier.Middleware]: a POST with body as
// application/json and the token's payload_hash set to its hex SHA-256, or
// a GET (body must be empty) to fullURL with the token's payload_hash set to
// the hex SHA-256 of [QueryPayload] of its query ("{}" without one). The
// token is HS256 with signatureSecret, iat and nbf = now, exp = now + 5
// minutes, and a jti; pass the Verifier's clock reading as now so the test
// does not depend on the date. It fails for a GET whose query QueryPayload
// refuses. No error shows signatureSecret.
func NewSignedRequest(method, fullURL, signatureSecret string, body []byte, now time.Time) (*http.Request, error) {
	if method != http.MethodGet && method != http.MethodPost {
		return nil, fmt.Errorf("vonage: signed request: method %q: want GET or POST", method)
	}
	if method == http.MethodGet && len(body) > 0 {
		return nil, errors.New("vonage: signed request: a GET has no body")
	}
	if signatureSecret == "" {
		return nil, errors.New("vonage: signed request: empty signature secret")
	}
	claims := jwt.MapClaims{
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": fmt.Sprintf("test-%d", now.UnixNano()), "iss": "Vonage",
	}
	var rd io.Reader = http.NoBody
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, fullURL, rd)
	if err != nil {
		return nil, errors.New("vonage: signed request: URL cannot be parsed")
	}
	payload := body
	if method == http.MethodGet {
		if payload, err = QueryPayload(req.URL.RawQuery); err != nil {
			return nil, fmt.Errorf("vonage: signed request: %w", err)
		}
	}
	if len(payload) > 0 {
		sum := sha256.Sum256(payload)
		claims["payload_hash"] = hex.EncodeToString(sum[:])
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(signatureSecret))
	if err != nil {
		return nil, errors.New("vonage: signed request: signing failed")
	}
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req, nil
}

func errorStatus(err error) int {
	return webhook.Status(err, ErrBodyTooLarge, ErrMissingToken, ErrInvalidToken, ErrPayloadHash)
}
