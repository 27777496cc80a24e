package hmsapi

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hmssip/interconnect-go/internal/secret"
)

// TokenSource supplies the management token for each request.
// Implementations must be safe for concurrent use.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// TokenRenewer is implemented by token sources that can replace a token the
// API refused. After a 401 the client calls Renew once with the refused token
// and retries the request once with the new one.
type TokenRenewer interface {
	TokenSource
	Renew(ctx context.Context, refused string) (string, error)
}

// StaticToken returns a TokenSource that always returns token, a management
// token obtained elsewhere. It cannot renew: a 401 is returned as is.
func StaticToken(token string) TokenSource { return staticToken{secret.New(token)} }

type staticToken struct{ t secret.Secret }

// Token returns the fixed token.
func (s staticToken) Token(context.Context) (string, error) { return s.t.Value(), nil }

// String, GoString and Format never show the token.
func (staticToken) String() string               { return "hmsapi.StaticToken(" + secret.Redacted + ")" }
func (s staticToken) GoString() string           { return s.String() }
func (s staticToken) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// Defaults of ManagementTokens.
const (
	DefaultTokenValidity = 24 * time.Hour
	// tokenSkew backdates iat and nbf, as 100ms's own samples do, so that a
	// server whose clock runs a little behind still accepts a new token.
	tokenSkew = 10 * time.Second
)

// ManagementTokens mints 100ms management tokens (HS256 JWTs signed with the
// app secret) and reuses each until shortly before it expires. It is safe for
// concurrent use and never shows the app secret or a token when printed.
type ManagementTokens struct {
	accessKey string
	secret    secret.Secret
	validity  time.Duration
	renewAt   time.Duration // renew when less than this much validity is left
	now       func() time.Time

	mu      sync.Mutex
	current secret.Secret
	expires time.Time
}

// TokenOption configures ManagementTokens.
type TokenOption func(*ManagementTokens)

// WithTokenValidity sets how long each minted token is valid,
// DefaultTokenValidity by default. Tokens are renewed when a tenth of their
// validity (at most five minutes) is left.
func WithTokenValidity(d time.Duration) TokenOption {
	return func(m *ManagementTokens) { m.validity = d }
}

// WithTokenClock sets the clock used for iat, nbf, exp and renewal, for
// token sources made with NewManagementTokens: time.Now by default. Tokens
// minted by a Client made with WithAppCredentials use the client's clock
// (WithClock) instead, unless this option is given there too.
func WithTokenClock(now func() time.Time) TokenOption {
	return func(m *ManagementTokens) { m.now = now }
}

// NewManagementTokens returns a source of management tokens for the
// workspace's access key and app secret (Developer section of the 100ms
// dashboard).
func NewManagementTokens(accessKey, appSecret string, opts ...TokenOption) (*ManagementTokens, error) {
	return newManagementTokens(accessKey, appSecret, time.Now, opts)
}

var errNoAppCredentials = errors.New("hmsapi: management tokens need both an access key and an app secret")

// newManagementTokens is NewManagementTokens with the clock used when opts
// set none.
func newManagementTokens(accessKey, appSecret string, now func() time.Time, opts []TokenOption) (*ManagementTokens, error) {
	if accessKey == "" || appSecret == "" {
		return nil, errNoAppCredentials
	}
	m := &ManagementTokens{accessKey: accessKey, secret: secret.New(appSecret), validity: DefaultTokenValidity, now: now}
	for _, o := range opts {
		o(m)
	}
	if m.now == nil {
		return nil, errors.New("hmsapi: nil token clock")
	}
	if m.validity <= tokenSkew {
		return nil, fmt.Errorf("hmsapi: token validity %v is too short", m.validity)
	}
	m.renewAt = min(m.validity/10, 5*time.Minute)
	return m, nil
}

// Token returns a valid management token, minting a new one when none is
// cached or the cached one is about to expire.
func (m *ManagementTokens) Token(context.Context) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if !m.current.IsZero() && now.Before(m.expires.Add(-m.renewAt)) {
		return m.current.Value(), nil
	}
	return m.mintLocked(now)
}

// Renew mints a new token unless the cached one already differs from
// refused (another request renewed it meanwhile).
func (m *ManagementTokens) Renew(_ context.Context, refused string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.current.Value(); cur != "" && cur != refused && m.now().Before(m.expires.Add(-m.renewAt)) {
		return cur, nil
	}
	return m.mintLocked(m.now())
}

func (m *ManagementTokens) mintLocked(now time.Time) (string, error) {
	tok, err := MintManagementToken(m.accessKey, m.secret.Value(), now, m.validity)
	if err != nil {
		return "", err
	}
	m.current, m.expires = secret.New(tok), now.Add(m.validity)
	return tok, nil
}

// MintManagementToken returns a management token valid from now (backdated
// ten seconds for clock skew) for validity: an HS256 JWT keyed with
// appSecret carrying the claims access_key, type "management", version 2,
// iat, nbf, exp and a random jti.
func MintManagementToken(accessKey, appSecret string, now time.Time, validity time.Duration) (string, error) {
	return mint(appSecret, jwt.MapClaims{"access_key": accessKey, "type": "management"}, now, validity)
}

// AppClaims say whom an app token (a client auth token) is for: the peer a
// client SDK would join as. The DTMF endpoint takes such a token for the
// room its tones go to.
type AppClaims struct {
	RoomID string
	Role   string
	UserID string
}

// MintAppToken returns an app token (client auth token) valid from now
// (backdated ten seconds for clock skew) for validity: an HS256 JWT keyed
// with appSecret carrying the claims access_key, room_id, user_id, role,
// type "app", version 2, iat, nbf, exp and a random jti.
func MintAppToken(accessKey, appSecret string, c AppClaims, now time.Time, validity time.Duration) (string, error) {
	return mint(appSecret, jwt.MapClaims{"access_key": accessKey, "type": "app",
		"room_id": c.RoomID, "role": c.Role, "user_id": c.UserID}, now, validity)
}

// mint adds version, iat, nbf, exp and jti to claims and signs them.
func mint(appSecret string, claims jwt.MapClaims, now time.Time, validity time.Duration) (string, error) {
	jti, err := uuidV4()
	if err != nil {
		return "", err
	}
	start := now.Add(-tokenSkew)
	claims["version"] = 2
	claims["iat"] = start.Unix()
	claims["nbf"] = start.Unix()
	claims["exp"] = now.Add(validity).Unix()
	claims["jti"] = jti
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(appSecret))
	if err != nil {
		return "", fmt.Errorf("hmsapi: signing %s token: %w", claims["type"], err)
	}
	return tok, nil
}

// uuidV4 returns a random RFC 4122 version 4 UUID.
func uuidV4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("hmsapi: generating jti: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
