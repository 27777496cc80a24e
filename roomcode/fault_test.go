package roomcode_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hmssip/interconnect-go/hmsapi"
	"github.com/hmssip/interconnect-go/hmstest"
	"github.com/hmssip/interconnect-go/internal/apisurface"
	"github.com/hmssip/interconnect-go/roomcode"
)

// fake is fakeAt on the real clock.
func fake(t *testing.T, opts ...hmsapi.Option) (*roomcode.Client, *hmstest.Server) {
	t.Helper()
	return fakeAt(t, time.Now, opts...)
}

func TestAgainstFake(t *testing.T) {
	c, srv := fake(t)
	ctx := context.Background()
	all, err := c.Create(ctx, "room1")
	require.NoError(t, err)
	require.Len(t, all, 2)
	assert.Equal(t, "host", all[0].Role)
	assert.NoError(t, roomcode.ValidateCode(all[0].Code))

	one, err := c.CreateForRole(ctx, "room1", "host")
	require.NoError(t, err)
	assert.True(t, one.Enabled)

	off, err := c.Disable(ctx, one.Code)
	require.NoError(t, err)
	assert.False(t, off.Enabled)

	p, err := c.List(ctx, "room1", &roomcode.ListOptions{Role: "host", Enabled: roomcode.EnabledOnly})
	require.NoError(t, err)
	require.Len(t, p.Data, 1)
	assert.Equal(t, all[0].Code, p.Data[0].Code)

	_, err = c.CreateForRole(ctx, "room1", "admin")
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	_, err = c.List(ctx, "nope", nil)
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)
	_, err = c.Enable(ctx, "zzz-zzzz-zzz")
	assert.ErrorIs(t, err, hmsapi.ErrNotFound)

	for _, r := range srv.Requests() {
		assert.True(t, r.Authorization, "%s %s carried a valid token", r.Method, r.Path)
	}
}

func TestFakePagination(t *testing.T) {
	c, srv := fake(t)
	ctx := context.Background()
	for range 12 {
		_, err := c.Create(ctx, "room1")
		require.NoError(t, err)
	}
	seen := map[string]bool{}
	for rc, err := range c.All(ctx, "room1", &roomcode.ListOptions{Limit: 10}) {
		require.NoError(t, err)
		assert.False(t, seen[rc.Code], "no code twice")
		seen[rc.Code] = true
	}
	assert.Len(t, seen, 25, "12 × 2 created + 1 seeded")
	var lists int
	for _, r := range srv.Requests() {
		if r.Method == "GET" {
			lists++
		}
	}
	assert.Equal(t, 3, lists, "pages of 10, 10 and 5")
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		faults   []hmstest.Fault
		op       string // "list", "create", "enable"
		ok       bool
		is       error
		requests int
	}{
		{"429 with Retry-After then success", []hmstest.Fault{{Count: 1, Status: 429, RetryAfter: "1"}}, "list", true, nil, 2},
		{"429 without Retry-After then success", []hmstest.Fault{{Count: 2, Status: 429}}, "list", true, nil, 3},
		{"500 502 503 then success", []hmstest.Fault{{Count: 1, Status: 500}, {Count: 1, Status: 502}, {Count: 1, Status: 503}}, "list", true, nil, 4},
		{"504 then success on enable", []hmstest.Fault{{Count: 1, Status: 504}}, "enable", true, nil, 2},
		{"503 forever", []hmstest.Fault{{Count: 10, Status: 503}}, "list", false, hmsapi.ErrServer, 4},
		{"501 is not retried", []hmstest.Fault{{Count: 1, Status: 501}}, "list", false, hmsapi.ErrServer, 1},
		{"connection reset then success", []hmstest.Fault{{Count: 1, Status: 0}}, "list", true, nil, 2},
		{"HTML 502 page then success", []hmstest.Fault{{Count: 1, Status: 502, Body: "<html><body>Bad Gateway</body></html>"}}, "list", true, nil, 2},
		{"403 is not retried", []hmstest.Fault{{Count: 1, Status: 403}}, "list", false, hmsapi.ErrForbidden, 1},
		{"400 is not retried", []hmstest.Fault{{Count: 1, Status: 400}}, "enable", false, hmsapi.ErrBadRequest, 1},
		{"create: 503 is not retried", []hmstest.Fault{{Count: 1, Status: 503}}, "create", false, hmsapi.ErrServer, 1},
		{"create: 429 is not retried", []hmstest.Fault{{Count: 1, Status: 429, RetryAfter: "1"}}, "create", false, hmsapi.ErrRateLimited, 1},
		{"create: reset is not retried", []hmstest.Fault{{Count: 1, Status: 0}}, "create", false, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := fake(t)
			for _, f := range tt.faults {
				srv.InjectFault(f)
			}
			ctx := context.Background()
			var err error
			switch tt.op {
			case "list":
				_, err = c.List(ctx, "room1", nil)
			case "create":
				_, err = c.CreateForRole(ctx, "room1", "host")
			case "enable":
				_, err = c.Enable(ctx, "gst-code-abc")
			}
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
				if tt.is != nil {
					assert.ErrorIs(t, err, tt.is)
				}
			}
			assert.Equal(t, tt.requests, srv.RequestCount())
		})
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	c, srv := fake(t)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "1"})
	start := time.Now()
	_, err := c.List(context.Background(), "room1", nil)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), time.Second)
}

func TestRetryAfterTooLong(t *testing.T) {
	c, srv := fake(t)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 429, RetryAfter: "3600"})
	_, err := c.List(context.Background(), "room1", nil)
	assert.ErrorIs(t, err, hmsapi.ErrRateLimited)
	assert.Equal(t, 1, srv.RequestCount(), "a wait over MaxRetryAfter is not taken")
}

func TestExpiredTokenRenewedOnce(t *testing.T) {
	// The client's clock runs two days behind the server's: the token it
	// mints first is already expired when the server checks it.
	now := time.Now()
	clock := now.Add(-48 * time.Hour)
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "host"))
	t.Cleanup(srv.Close)
	tokens, err := hmsapi.NewManagementTokens(srv.AccessKey(), srv.AppSecret(), hmsapi.WithTokenClock(func() time.Time { return clock }))
	require.NoError(t, err)
	c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithTokenSource(renewWithClock{tokens, &clock, now}))
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)

	_, err = c.List(context.Background(), "room1", nil)
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, 401, reqs[0].Status)
	assert.Equal(t, 200, reqs[1].Status)
}

// renewWithClock corrects the clock when asked to renew, as a host would
// after an NTP sync.
type renewWithClock struct {
	*hmsapi.ManagementTokens
	clock *time.Time
	fixed time.Time
}

func (r renewWithClock) Renew(ctx context.Context, refused string) (string, error) {
	*r.clock = r.fixed
	return r.ManagementTokens.Renew(ctx, refused)
}

func TestUnauthorizedTwiceGivesUp(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "host"))
	t.Cleanup(srv.Close)
	c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials(srv.AccessKey(), "wrong-secret"))
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)
	_, err = c.List(context.Background(), "room1", nil)
	assert.ErrorIs(t, err, hmsapi.ErrUnauthorized)
	assert.Equal(t, 2, srv.RequestCount(), "one renewal, one retry, no more")
}

func TestStaticTokenNotRenewed(t *testing.T) {
	srv := hmstest.NewServer(hmstest.WithRoom("room1", "host"), hmstest.WithStaticToken("good"))
	t.Cleanup(srv.Close)
	c, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("bad"))
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)
	_, err = c.List(context.Background(), "room1", nil)
	assert.ErrorIs(t, err, hmsapi.ErrUnauthorized)
	assert.Equal(t, 1, srv.RequestCount())

	good, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithManagementToken("good"))
	require.NoError(t, err)
	t.Cleanup(good.API().CloseIdleConnections)
	_, err = good.List(context.Background(), "room1", nil)
	assert.NoError(t, err)
}

func TestConnectionRefusedRetriedForCreate(t *testing.T) {
	// A port with nothing listening: the request never reaches a server, so
	// even a create may be retried; every attempt fails the same way.
	srv := hmstest.NewServer()
	base := srv.URL
	srv.Close()
	logger, logs := apisurface.DebugLogger()
	c, err := newClient(hmsapi.WithBaseURL(base), hmsapi.WithManagementToken(apisurface.TestToken),
		hmsapi.WithRetryPolicy(apisurface.FastRetries), hmsapi.WithLogger(logger))
	require.NoError(t, err)
	t.Cleanup(c.API().CloseIdleConnections)
	_, err = c.CreateForRole(context.Background(), "room1", "host")
	require.Error(t, err)
	assert.ErrorContains(t, err, "connection refused")
	assert.Equal(t, 3, strings.Count(logs.String(), `reason="connection not established"`), logs.String())
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	const appSecret = "app-secret-never-shown-0123456789"
	srv := hmstest.NewServer(hmstest.WithAppCredentials("ak-1", appSecret), hmstest.WithRoom("room1", "host"))
	t.Cleanup(srv.Close)

	api, tokens, logger, logs := apisurface.RecordingAPI(t, srv.URL, "ak-1", appSecret, hmsapi.WithTokenValidity(time.Minute))
	c := roomcode.NewClient(api)
	cache := roomcode.NewCache(c, roomcode.CacheConfig{TTL: time.Nanosecond, Logger: logger, CreateIfMissing: true})

	ctx := context.Background()
	var texts []string
	note := func(err error) {
		if err != nil {
			texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	_, err := cache.Code(ctx, "room1", "host")
	note(err)
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 401})
	srv.InjectFault(hmstest.Fault{Count: 2, Status: 503})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 0})
	srv.InjectFault(hmstest.Fault{Count: 1, Status: 502, Body: "<html>proxy</html>"})
	for range 3 {
		_, err = c.List(ctx, "room1", nil)
		note(err)
	}
	// One for the refresh (sent once), one for the create, four for the
	// list of a missing room, one for the first try of plain.List below.
	srv.InjectFault(hmstest.Fault{Count: 7, Status: 500})
	_, err = cache.Code(ctx, "room1", "host") // served stale; the refresh fails and logs it
	note(err)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "stale") }, 5*time.Second, time.Millisecond)
	_, err = c.CreateForRole(ctx, "room1", "nope")
	note(err)
	_, err = c.List(ctx, "missing", nil)
	note(err)
	// A client with the SDK's own token source, holding a minted token,
	// printed every way: no secret, and no JWT (they all start "eyJ").
	plain, err := newClient(hmsapi.WithBaseURL(srv.URL), hmsapi.WithAppCredentials("ak-1", appSecret))
	require.NoError(t, err)
	t.Cleanup(plain.API().CloseIdleConnections)
	_, err = plain.List(ctx, "room1", nil)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, v := range []any{plain, tokens.ManagementTokens} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "eyJ")
			texts = append(texts, out)
		}
	}

	require.NotEmpty(t, tokens.Seen())
	require.Contains(t, logs.String(), "retrying", "the suite did exercise the logging paths")
	require.Contains(t, logs.String(), "stale")
	texts = append(texts, logs.String())
	for _, text := range texts {
		assert.NotContains(t, text, appSecret)
		for _, tok := range tokens.Seen() {
			assert.NotContains(t, text, tok)
		}
	}
}

func TestTokenEchoedByTheServerIsRedactedEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header string
		body   string
	}{
		{"in X-Request-Id", 403, apisurface.TestToken, `{"code":403,"message":"forbidden"}`},
		{"in the JSON message and details", 400, "", `{"code":400,"message":"bad token ` + apisurface.TestToken + `","details":["saw ` + apisurface.TestToken + `"]}`},
		// The token straddles the 200-byte cut of a non-JSON body: redacting
		// after cutting would leave its first bytes in the error.
		{"straddling the body cut", 502, "", strings.Repeat("x", 180) + " echo: " + apisurface.TestToken},
		{"at the start of a long body", 502, "", apisurface.TestToken + strings.Repeat("y", 400)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mux := setup(t)
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				if tc.header != "" {
					w.Header().Set("X-Request-Id", tc.header)
				}
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			})
			_, err := c.List(context.Background(), "room1", nil)
			var apiErr *hmsapi.APIError
			require.ErrorAs(t, err, &apiErr)
			fields := []string{apiErr.Method, apiErr.Path, apiErr.Message, apiErr.RequestID, apiErr.Body,
				err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", apiErr)}
			fields = append(fields, apiErr.Details...)
			for _, f := range fields {
				assert.NotContains(t, f, apisurface.TestToken)
				assert.NotContains(t, f, apisurface.TestToken[:6], "not even a prefix of the token")
			}
			assert.LessOrEqual(t, len(apiErr.Body), 200)
			assert.Contains(t, err.Error(), "[REDACTED]")
		})
	}
}
