package hmsapi_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
)

func TestMintManagementToken(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tok, err := hmsapi.MintManagementToken("key-1", "app-secret-xyz", now, time.Hour)
	require.NoError(t, err)
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("app-secret-xyz"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithValidMethods([]string{"HS256"}))
	require.NoError(t, err)
	assert.Equal(t, "HS256", parsed.Header["alg"])
	assert.Equal(t, "key-1", claims["access_key"])
	assert.Equal(t, "management", claims["type"])
	assert.EqualValues(t, 2, claims["version"])
	assert.EqualValues(t, now.Add(-10*time.Second).Unix(), claims["iat"])
	assert.EqualValues(t, now.Add(-10*time.Second).Unix(), claims["nbf"])
	assert.EqualValues(t, now.Add(time.Hour).Unix(), claims["exp"])
	assert.Regexp(t, regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`), claims["jti"])

	_, err = jwt.Parse(tok, func(*jwt.Token) (any, error) { return []byte("other"), nil })
	assert.Error(t, err, "signed with the app secret")
	other, err := hmsapi.MintManagementToken("key-1", "app-secret-xyz", now, time.Hour)
	require.NoError(t, err)
	assert.NotEqual(t, tok, other, "a fresh jti each time")
}

func TestManagementTokensReuseAndRenew(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	m, err := hmsapi.NewManagementTokens("key", "secret", hmsapi.WithTokenValidity(time.Hour),
		hmsapi.WithTokenClock(func() time.Time { return now }))
	require.NoError(t, err)
	ctx := context.Background()
	t1, _ := m.Token(ctx)
	now = now.Add(50 * time.Minute)
	t2, _ := m.Token(ctx)
	assert.Equal(t, t1, t2, "reused while more than a tenth of its life is left")
	now = now.Add(5 * time.Minute) // 5 minutes left of 60: renew
	t3, _ := m.Token(ctx)
	assert.NotEqual(t, t1, t3)

	r1, _ := m.Renew(ctx, "some-older-token")
	assert.Equal(t, t3, r1, "a token already replaced is not renewed again")
	r2, _ := m.Renew(ctx, t3)
	assert.NotEqual(t, t3, r2)

	_, err = hmsapi.NewManagementTokens("", "s")
	assert.Error(t, err)
	_, err = hmsapi.NewManagementTokens("k", "s", hmsapi.WithTokenValidity(time.Second))
	assert.Error(t, err)
}

func TestTokenSourcesDoNotPrintSecrets(t *testing.T) {
	m, err := hmsapi.NewManagementTokens("key", "super-secret-value")
	require.NoError(t, err)
	tok, _ := m.Token(context.Background())
	static := hmsapi.StaticToken("static-token-value")
	for _, v := range []any{m, static} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "super-secret-value")
			assert.NotContains(t, out, "static-token-value")
			assert.NotContains(t, out, tok)
		}
	}
}

func TestAppToken(t *testing.T) {
	now := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	api, err := hmsapi.New(hmsapi.WithAppCredentials("key-1", "app-secret-xyz"), hmsapi.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	tok, err := api.AppToken(hmsapi.AppClaims{RoomID: "room-1", Role: "dtmf", UserID: "sipconnect-dtmf"})
	require.NoError(t, err)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("app-secret-xyz"), nil },
		jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithValidMethods([]string{"HS256"}))
	require.NoError(t, err)
	assert.Equal(t, "app", claims["type"])
	assert.Equal(t, "key-1", claims["access_key"])
	assert.Equal(t, "room-1", claims["room_id"])
	assert.Equal(t, "dtmf", claims["role"])
	assert.Equal(t, "sipconnect-dtmf", claims["user_id"])
	assert.EqualValues(t, 2, claims["version"])
	assert.EqualValues(t, now.Add(hmsapi.DefaultAppTokenValidity).Unix(), claims["exp"], "minted with the client's clock")

	static, err := hmsapi.New(hmsapi.WithManagementToken("mgmt-token-0123456789"))
	require.NoError(t, err)
	_, err = static.AppToken(hmsapi.AppClaims{RoomID: "room-1"})
	assert.ErrorIs(t, err, hmsapi.ErrNoAppCredentials)
}
