package hmstest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
)

func get(t *testing.T, srv *hmstest.Server, path, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func sign(t *testing.T, secret string, claims jwt.MapClaims, method jwt.SigningMethod) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
	require.NoError(t, err)
	return tok
}

func TestTokenChecking(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"))
	defer srv.Close()
	now := time.Now()
	good, err := hmsapi.MintManagementToken(srv.AccessKey(), srv.AppSecret(), now, time.Hour)
	require.NoError(t, err)
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"access_key": srv.AccessKey(), "type": "management", "version": 2,
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "x"}
		mod(c)
		return c
	}
	tests := []struct {
		name  string
		token string
		want  int
	}{
		{"valid", good, 200},
		{"missing", "", 401},
		{"garbage", "not-a-jwt", 401},
		{"wrong secret", sign(t, "other", claims(func(jwt.MapClaims) {}), jwt.SigningMethodHS256), 401},
		{"app token type", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["type"] = "app" }), jwt.SigningMethodHS256), 401},
		{"other access key", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["access_key"] = "k2" }), jwt.SigningMethodHS256), 401},
		{"expired", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), jwt.SigningMethodHS256), 401},
		{"no expiry", sign(t, srv.AppSecret(), claims(func(c jwt.MapClaims) { delete(c, "exp") }), jwt.SigningMethodHS256), 401},
		{"HS512", sign(t, srv.AppSecret(), claims(func(jwt.MapClaims) {}), jwt.SigningMethodHS512), 401},
	}
	for _, tt := range tests {
		status, body := get(t, srv, "/room-codes/room/r1", tt.token)
		assert.Equal(t, tt.want, status, tt.name)
		if tt.want == 401 {
			assert.JSONEq(t, `{"code":401,"message":"Token validation error","details":["invalid or expired management token"]}`, body)
		}
	}
}

func TestListValidation(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	for _, q := range []string{"limit=9", "limit=101", "limit=x", "enabled=maybe", "start=unknown"} {
		status, _ := get(t, srv, "/room-codes/room/r1?"+q, "tok")
		assert.Equal(t, 400, status, q)
	}
	status, body := get(t, srv, "/room-codes/room/r1", "tok")
	assert.Equal(t, 200, status)
	assert.JSONEq(t, `{"limit":10,"data":[],"last":""}`, body)
}

func TestFaultsAndRecording(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	srv.InjectFault(hmstest.Fault{Count: 2, Status: 429, RetryAfter: "7"})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 502, Body: "<html>bad gateway</html>"})
	var statuses []int
	for range 4 {
		status, body := get(t, srv, "/room-codes/room/r1?role=host", "tok")
		statuses = append(statuses, status)
		if status == 502 {
			assert.True(t, strings.HasPrefix(body, "<html>"))
		}
	}
	assert.Equal(t, []int{429, 429, 502, 200}, statuses)
	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, "role=host", reqs[0].Query)
	assert.Equal(t, "/v2/room-codes/room/r1", reqs[0].Path)
	assert.Equal(t, 429, reqs[0].Status)
	assert.Equal(t, 200, reqs[3].Status)
	assert.True(t, reqs[3].Authorization)
}

func TestLatency(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("r1", "host"), hmstest.WithStaticToken("tok"))
	defer srv.Close()
	srv.SetLatency(60 * time.Millisecond)
	start := time.Now()
	status, _ := get(t, srv, "/room-codes/room/r1", "tok")
	assert.Equal(t, 200, status)
	assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
}
